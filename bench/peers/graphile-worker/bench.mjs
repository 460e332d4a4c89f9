// graphile-worker through errand bench's drain and latency scenarios (see ../README.md).
//   drain:   N no-op jobs added in bulk (addJobs, 1000 a call), then the worker starts; jobs/s from the
//            first job's start to the moment the jobs table is empty (graphile-worker deletes a job when
//            it completes, so empty = every completion committed).
//   latency: 100 warm-up jobs then N, one every 1000/rate ms (open loop) into an idle worker; p50/p99/max
//            from just before addJob to the start of the task function.
// Each run has a fresh schema, dropped after. Check: each job index ran exactly once, and at the end the
// schema holds no job (none failed, none left).
import { run, makeWorkerUtils, Logger } from 'graphile-worker';
import pg from 'pg';
import { args, freshSchema, Ledger, now, until, openLoop, latencies, report, round } from '../lib/common.mjs';

const a = args({
  concurrency: 200,          // concurrentJobs
  localQueue: 2000,          // localQueue.size (-1: off, the library's default)
  completeBatchDelay: 0,     // completeJobBatchDelay (-1: off, the library's default)
  pool: 20,                  // maxPoolSize
  pollInterval: 2000,        // the library's default; new jobs come by LISTEN/NOTIFY
  warmup: 10_000,            // drain: an unmeasured drain of this many jobs first, same process
  rate: 100,
  warmJobs: 100,             // latency: unmeasured first jobs
});
const quiet = new Logger(() => (level, message) => { if (level === 'error') console.error(message); });

function preset(schema, forLatency) {
  return {
    worker: {
      connectionString: a.db, schema, concurrentJobs: a.concurrency, maxPoolSize: a.pool,
      pollInterval: a.pollInterval, logger: quiet,
      ...(forLatency || a.localQueue <= 1 ? {} : { localQueue: { size: a.localQueue } }),
      ...(a.completeBatchDelay >= 0 && !forLatency ? { completeJobBatchDelay: a.completeBatchDelay } : {}),
    },
  };
}

async function withSchema(body) {
  const schema = freshSchema('peer_gw');
  const admin = new pg.Client({ connectionString: a.db });
  await admin.connect();
  try {
    return await body(schema, admin);
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

async function jobsLeft(admin, schema) {
  return Number((await admin.query(`SELECT count(*) AS c FROM ${schema}._private_jobs`)).rows[0].c);
}

async function drain(n) {
  return withSchema(async (schema, admin) => {
    const ledger = new Ledger(n);
    const utils = await makeWorkerUtils({ preset: preset(schema, false) });
    await utils.migrate();
    const e0 = now();
    for (let i = 0; i < n; i += 1000) {
      const specs = [];
      for (let j = i; j < Math.min(n, i + 1000); j++) specs.push({ identifier: 'noop', payload: { i: j } });
      await utils.addJobs(specs);
    }
    const enqueueMs = now() - e0;
    await utils.release();
    const runner = await run({
      preset: preset(schema, false), noHandleSignals: true,
      taskList: { noop: async (payload) => { ledger.record(payload.i); } },
    });
    await until(() => ledger.count >= n || ledger.dup >= 0, 2, 600_000, 'every job to run');
    const end = await until(async () => (await jobsLeft(admin, schema)) === 0, 2, 60_000, 'the jobs table to empty');
    await runner.stop();
    ledger.verify();
    const left = await jobsLeft(admin, schema);
    if (left !== 0) throw new Error(`${left} jobs left in the table after the drain`);
    const s = (end - ledger.firstStart) / 1000;
    return { tasks_per_s: Math.round(n / s), drain_s: round(s), enqueue_per_s: Math.round(n / (enqueueMs / 1000)) };
  });
}

async function latency(n) {
  return withSchema(async (schema, admin) => {
    const total = n + a.warmJobs;
    const ledger = new Ledger(total);
    const start = new Float64Array(total);
    const sent = new Float64Array(total);
    const utils = await makeWorkerUtils({ preset: preset(schema, true) });
    await utils.migrate();
    const runner = await run({
      preset: preset(schema, true), noHandleSignals: true,
      taskList: { noop: async (payload) => { start[payload.i] = now(); ledger.record(payload.i); } },
    });
    await new Promise((r) => setTimeout(r, 500)); // the worker is listening and idle
    await openLoop(total, a.rate, (i) => utils.addJob('noop', { i }), sent);
    await until(() => ledger.count >= total || ledger.dup >= 0, 5, 60_000, 'every job to run');
    await until(async () => (await jobsLeft(admin, schema)) === 0, 5, 60_000, 'the jobs table to empty');
    await runner.stop();
    await utils.release();
    ledger.verify();
    return latencies(sent, start, a.warmJobs);
  });
}

const settings = a.scenario === 'drain'
  ? { concurrency: a.concurrency, localQueue: a.localQueue, completeJobBatchDelay: a.completeBatchDelay, maxPoolSize: a.pool, pollInterval: a.pollInterval, addJobsBatch: 1000, warmup: a.warmup }
  : { concurrency: a.concurrency, localQueue: -1, maxPoolSize: a.pool, pollInterval: a.pollInterval, rate: a.rate, warmJobs: a.warmJobs };
if (a.scenario === 'drain') {
  if (a.warmup > 0) await drain(a.warmup);
  report('graphile-worker', a, await drain(a.n), settings);
} else {
  report('graphile-worker', a, await latency(a.n), settings);
}
process.exit(0);
