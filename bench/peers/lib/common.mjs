// What the Node peers share: the run's arguments, a ledger that checks each job ran once, the
// nearest-rank percentiles errand bench uses, and the one JSON line each run prints.
import { randomBytes } from 'node:crypto';
import os from 'node:os';

/** `--key value` pairs after the scenario (drain|latency); numbers where they parse. */
export function args(defaults) {
  const [scenario, ...rest] = process.argv.slice(2);
  if (scenario !== 'drain' && scenario !== 'latency') {
    console.error('usage: bench.mjs drain|latency [--n N] [--db URL] [--key value]...');
    process.exit(64);
  }
  const a = { ...defaults, scenario };
  for (let i = 0; i < rest.length; i += 2) {
    const k = rest[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    const v = rest[i + 1];
    a[k] = v !== undefined && v !== '' && !Number.isNaN(Number(v)) ? Number(v) : v;
  }
  a.n ??= scenario === 'drain' ? 100_000 : 1_000;
  a.db ??= process.env.PEERS_DB ?? 'postgres://postgres@127.0.0.1:5432/test';
  return a;
}

/** A fresh schema name for one run: the harness creates nothing outside it and drops it after. */
export function freshSchema(prefix) {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

export const now = () => Number(process.hrtime.bigint()) / 1e6; // ms, monotonic

/** Counts how often each job index ran; the run fails unless every index ran exactly once. */
export class Ledger {
  constructor(n) { this.n = n; this.seen = new Uint8Array(n); this.count = 0; this.dup = -1; this.firstStart = 0; }
  record(i) {
    if (this.firstStart === 0) this.firstStart = now();
    if (!(i >= 0 && i < this.n)) { this.dup = i; return; }
    if (this.seen[i]++ > 0 && this.dup < 0) this.dup = i;
    this.count++;
  }
  verify() {
    if (this.dup >= 0) throw new Error(`job ${this.dup} ran twice (or is not one of ours)`);
    for (let i = 0; i < this.n; i++) if (this.seen[i] !== 1) throw new Error(`job ${i} ran ${this.seen[i]} times`);
  }
}

/** Nearest rank, as errand bench: every value reported was observed. */
export function percentile(sorted, p) {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** Waits until `cond()` (async) is true, polling every `everyMs`; returns the time it first was. */
export async function until(cond, everyMs, timeoutMs, what) {
  const deadline = now() + timeoutMs;
  for (;;) {
    if (await cond()) return now();
    if (now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * The latency scenario's sender: `total` sends, one every 1000/rate ms, each started at its scheduled
 * time without waiting for the previous one (open loop, as errand bench's latency). `send(i)` gets the
 * index; `sent[i]` is taken just before it.
 */
export async function openLoop(total, rate, send, sent) {
  const period = 1000 / rate;
  const t0 = now() + period;
  const pending = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + i * period;
    // No busy wait: the workers share this event loop. A send may leave up to about a millisecond
    // late (timer granularity); its time is taken when it leaves, so the latency is still its own.
    const left = due - now();
    if (left > 0) await new Promise((r) => setTimeout(r, left));
    sent[i] = now();
    pending.push(send(i));
  }
  await Promise.all(pending);
}

/** p50/p99/max of start[i] - sent[i] over i >= warm, in ms. */
export function latencies(sent, start, warm) {
  const d = [];
  for (let i = warm; i < sent.length; i++) d.push(start[i] - sent[i]);
  d.sort((x, y) => x - y);
  return { p50_ms: round(percentile(d, 50)), p99_ms: round(percentile(d, 99)), max_ms: round(percentile(d, 100)) };
}

export const round = (x, digits = 3) => Number(x.toFixed(digits));

/** Prints the run's one JSON line (stdout), with the machine's load average at its end. */
export function report(peer, a, metrics, settings) {
  const line = {
    kind: 'run', peer, scenario: a.scenario, n: a.n, ...metrics, settings,
    node: process.version, load: os.loadavg().map((x) => round(x, 2)),
  };
  console.log(JSON.stringify(line));
}
