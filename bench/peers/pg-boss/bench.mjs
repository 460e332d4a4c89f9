// pg-boss through errand bench's drain and latency scenarios (see ../README.md).
//   drain:   N no-op jobs added in bulk (insert, 1000 a call), then the workers start; jobs/s from the
//            first job's start to the moment the store counts N completed jobs (pg-boss marks a batch
//            completed in one statement after its handler returns).
//   latency: 100 warm-up jobs then N, one every 1000/rate ms (open loop) into idle workers on a queue
//            with NOTIFY on; p50/p99/max from just before send() to the start of the handler.
// Each run has a fresh schema, dropped after. Check: each job index ran exactly once, and at the end the
// queue holds exactly N jobs, all completed.
import { PgBoss } from 'pg-boss';
import pg from 'pg';
import { args, freshSchema, Ledger, now, until, openLoop, latencies, report, round } from '../lib/common.mjs';

const a = args({
  batchSize: 1000,          // jobs per fetch (and per completion) of one worker
  workers: 4,               // localConcurrency: workers fetching in parallel
  burst: 'true',            // burstWhenBatchFull: fetch again at once while fetches come back full
  pollSeconds: 0.5,         // pollingIntervalSeconds (the smallest it allows)
  pool: 10,                 // max connections
  warmup: 10_000,
  rate: 100,
  warmJobs: 100,
  latencyWorkers: 1,        // latency: localConcurrency
  latencyBatch: 100,        // latency: batchSize. With 1, a NOTIFY that arrives while a fetch is in
                            // flight wakes one more fetch of one job, and the rest wait for the poll.
});
const QUEUE = 'bench';

async function withBoss(forLatency, body) {
  const schema = freshSchema('peer_pgboss');
  const options = {
    connectionString: a.db, schema, max: a.pool, schedule: false, supervise: false,
    useListenNotify: forLatency,
  };
  const admin = new pg.Client({ connectionString: a.db });
  await admin.connect();
  let boss;
  try {
    // The queue is made by a first instance: an instance reads the queues' settings (notify) at its
    // start and then only every queueCacheIntervalSeconds, so the one that works starts after.
    const maker = new PgBoss(options);
    maker.on('error', (e) => console.error('pg-boss:', e.message));
    await maker.start();
    await maker.createQueue(QUEUE, { retryLimit: 0, notify: forLatency });
    await maker.stop({ graceful: false, wait: true });
    boss = new PgBoss(options);
    boss.on('error', (e) => console.error('pg-boss:', e.message));
    await boss.start();
    return await body(boss, schema, admin);
  } finally {
    await boss?.stop({ graceful: false, wait: true }).catch(() => {});
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

async function states(admin, schema) {
  const r = await admin.query(`SELECT state, count(*) AS c FROM ${schema}.job WHERE name = $1 GROUP BY state`, [QUEUE]);
  return Object.fromEntries(r.rows.map((x) => [x.state, Number(x.c)]));
}

async function checkAllCompleted(admin, schema, n) {
  const s = await states(admin, schema);
  if (s.completed !== n || Object.keys(s).length !== 1) throw new Error(`expected ${n} completed jobs, the store holds ${JSON.stringify(s)}`);
}

async function drain(n) {
  return withBoss(false, async (boss, schema, admin) => {
    const ledger = new Ledger(n);
    const e0 = now();
    for (let i = 0; i < n; i += 1000) {
      const jobs = [];
      for (let j = i; j < Math.min(n, i + 1000); j++) jobs.push({ data: { i: j } });
      await boss.insert(QUEUE, jobs);
    }
    const enqueueMs = now() - e0;
    await boss.work(QUEUE, {
      batchSize: a.batchSize, localConcurrency: a.workers, pollingIntervalSeconds: a.pollSeconds,
      burstWhenBatchFull: a.burst === 'true',
    }, async (jobs) => { for (const j of jobs) ledger.record(j.data.i); });
    await until(() => ledger.count >= n || ledger.dup >= 0, 2, 600_000, 'every job to run');
    const end = await until(async () => (await states(admin, schema)).completed === n, 2, 60_000, 'every completion');
    await boss.offWork(QUEUE);
    ledger.verify();
    await checkAllCompleted(admin, schema, n);
    const s = (end - ledger.firstStart) / 1000;
    return { tasks_per_s: Math.round(n / s), drain_s: round(s), enqueue_per_s: Math.round(n / (enqueueMs / 1000)) };
  });
}

async function latency(n) {
  return withBoss(true, async (boss, schema, admin) => {
    const total = n + a.warmJobs;
    const ledger = new Ledger(total);
    const start = new Float64Array(total);
    const sent = new Float64Array(total);
    await boss.work(QUEUE, {
      batchSize: a.latencyBatch, localConcurrency: a.latencyWorkers, pollingIntervalSeconds: a.pollSeconds,
      notifyPollingIntervalSeconds: a.pollSeconds,
    }, async (jobs) => { const t = now(); for (const j of jobs) { start[j.data.i] = t; ledger.record(j.data.i); } });
    await new Promise((r) => setTimeout(r, 1000)); // listening and idle
    await openLoop(total, a.rate, (i) => boss.send(QUEUE, { i }), sent);
    await until(() => ledger.count >= total || ledger.dup >= 0, 5, 60_000, 'every job to run').catch(async (e) => { console.error(ledger.count, JSON.stringify(await states(admin, schema))); throw e; });
    await until(async () => (await states(admin, schema)).completed === total, 5, 60_000, 'every completion');
    await boss.offWork(QUEUE);
    ledger.verify();
    await checkAllCompleted(admin, schema, total);
    return latencies(sent, start, a.warmJobs);
  });
}

if (a.scenario === 'drain') {
  if (a.warmup > 0) await drain(a.warmup);
  report('pg-boss', a, await drain(a.n), { batchSize: a.batchSize, localConcurrency: a.workers, burstWhenBatchFull: a.burst === 'true', pollingIntervalSeconds: a.pollSeconds, max: a.pool, insertBatch: 1000, warmup: a.warmup });
} else {
  report('pg-boss', a, await latency(a.n), { batchSize: a.latencyBatch, localConcurrency: a.latencyWorkers, notify: true, notifyPollingIntervalSeconds: a.pollSeconds, useListenNotify: true, pollingIntervalSeconds: a.pollSeconds, max: a.pool, rate: a.rate, warmJobs: a.warmJobs });
}
process.exit(0);
