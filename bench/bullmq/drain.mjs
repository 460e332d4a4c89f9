// Drain of N no-op jobs: bulk add (1000 per addBulk), then one worker with concurrency 50; as the issue describes.
import { Queue, Worker } from 'bullmq';
const port = Number(process.argv[2]); const n = Number(process.argv[3] || 100000);
const connection = { host: '127.0.0.1', port };
const name = 'drain' + Date.now();
const q = new Queue(name, { connection });
let t0 = Date.now();
for (let i = 0; i < n; i += 1000) {
  const jobs = [];
  for (let j = i; j < Math.min(n, i + 1000); j++) jobs.push({ name: 'noop', data: { i: j }, opts: { removeOnComplete: true } });
  await q.addBulk(jobs);
}
const enq = n / ((Date.now() - t0) / 1000);
let done = 0; t0 = Date.now();
await new Promise((resolve) => {
  const w = new Worker(name, async () => null, { connection, concurrency: 50 });
  w.on('completed', () => { if (++done === n) { resolve(); } });
});
const s = (Date.now() - t0) / 1000;
console.log(JSON.stringify({ bullmq_drain_jobs_per_s: Math.round(n / s), enqueue_per_s: Math.round(enq), n }));
process.exit(0);
