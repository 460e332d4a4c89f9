// BullMQ through errand bench's drain and latency scenarios on Redis (see ../README.md).
//   drain:   N no-op jobs added in bulk (addBulk, 1000 a call, removeOnComplete), then one worker starts;
//            jobs/s from the first job's start to the last 'completed' event (emitted after the script
//            that moves the job to completed has returned, so the completion is in Redis).
//   latency: 100 warm-up jobs then N, one every 1000/rate ms (open loop) into an idle worker; p50/p99/max
//            from just before add() to the start of the processor.
// Each run uses a fresh queue name on the given Redis, obliterated after. Check: each job index ran
// exactly once, and at the end the queue holds no waiting, active, delayed or failed job.
import { Queue, Worker } from 'bullmq';
import { args, Ledger, now, until, openLoop, latencies, report, round } from '../lib/common.mjs';

const a = args({
  port: 6379,
  concurrency: 400,        // the worker's concurrency: its best drain on a quiet machine (peers README)
  warmup: 10_000,
  rate: 100,
  warmJobs: 100,
});
const connection = { host: '127.0.0.1', port: a.port };

async function withQueue(body) {
  const name = `peer_bullmq_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const q = new Queue(name, { connection });
  try {
    return await body(q, name);
  } finally {
    await q.obliterate({ force: true }).catch(() => {});
    await q.close();
  }
}

async function checkEmpty(q) {
  const c = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'paused', 'prioritized');
  if (Object.values(c).some((x) => x !== 0)) throw new Error(`jobs left in the queue: ${JSON.stringify(c)}`);
}

async function drain(n) {
  return withQueue(async (q, name) => {
    const ledger = new Ledger(n);
    const e0 = now();
    for (let i = 0; i < n; i += 1000) {
      const jobs = [];
      for (let j = i; j < Math.min(n, i + 1000); j++) jobs.push({ name: 'noop', data: { i: j }, opts: { removeOnComplete: true } });
      await q.addBulk(jobs);
    }
    const enqueueMs = now() - e0;
    let completed = 0;
    let end = 0;
    const w = new Worker(name, async (job) => { ledger.record(job.data.i); return null; },
      { connection, concurrency: a.concurrency });
    w.on('completed', () => { if (++completed === n) end = now(); });
    w.on('failed', (job, e) => { console.error('failed', job?.id, e?.message); });
    await until(() => end > 0 || ledger.dup >= 0, 2, 600_000, 'every completion');
    await w.close();
    ledger.verify();
    await checkEmpty(q);
    const s = (end - ledger.firstStart) / 1000;
    return { tasks_per_s: Math.round(n / s), drain_s: round(s), enqueue_per_s: Math.round(n / (enqueueMs / 1000)) };
  });
}

async function latency(n) {
  return withQueue(async (q, name) => {
    const total = n + a.warmJobs;
    const ledger = new Ledger(total);
    const start = new Float64Array(total);
    const sent = new Float64Array(total);
    let completed = 0;
    const w = new Worker(name, async (job) => { start[job.data.i] = now(); ledger.record(job.data.i); return null; },
      { connection, concurrency: a.concurrency });
    w.on('completed', () => { completed++; });
    await w.waitUntilReady();
    await new Promise((r) => setTimeout(r, 500)); // blocked on its wait list, idle
    await openLoop(total, a.rate, (i) => q.add('noop', { i }, { removeOnComplete: true }), sent);
    await until(() => completed >= total || ledger.dup >= 0, 5, 60_000, 'every completion');
    await w.close();
    ledger.verify();
    await checkEmpty(q);
    return latencies(sent, start, a.warmJobs);
  });
}

const settings = { concurrency: a.concurrency, removeOnComplete: true, port: a.port };
if (a.scenario === 'drain') {
  if (a.warmup > 0) await drain(a.warmup);
  report('bullmq', a, await drain(a.n), { ...settings, addBulk: 1000, warmup: a.warmup });
} else {
  report('bullmq', a, await latency(a.n), { ...settings, rate: a.rate, warmJobs: a.warmJobs });
}
process.exit(0);
