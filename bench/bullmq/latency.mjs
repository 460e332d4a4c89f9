// Latency at a fixed rate: one job added every 10 ms (100/s), each timed from just before add() to the
// start of its processing in a worker with concurrency 50; p50 and p99 over N jobs after 100 warm-up jobs.
import { Queue, Worker } from 'bullmq';
const port = Number(process.argv[2]); const n = Number(process.argv[3] || 1000);
const connection = { host: '127.0.0.1', port };
const name = 'lat' + Date.now();
const q = new Queue(name, { connection });
const lat = [];
const w = new Worker(name, async (job) => { lat.push(Number(process.hrtime.bigint() - BigInt(job.data.t)) / 1e6); return null; },
  { connection, concurrency: 50 });
await w.waitUntilReady();
const total = n + 100;
for (let i = 0; i < total; i++) {
  const start = process.hrtime.bigint();
  await q.add('noop', { t: start.toString() }, { removeOnComplete: true });
  const next = start + 10_000_000n;
  while (process.hrtime.bigint() < next) await new Promise((r) => setTimeout(r, 1));
}
while (lat.length < total) await new Promise((r) => setTimeout(r, 10));
const s = lat.slice(100).sort((a, b) => a - b);
console.log(JSON.stringify({ bullmq_p50_ms: s[Math.floor(s.length * 0.5)].toFixed(3), p99_ms: s[Math.floor(s.length * 0.99)].toFixed(3) }));
process.exit(0);
