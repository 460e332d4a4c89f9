// Medians of a run.sh results file (JSON lines), as a Markdown table per scenario: each contender's
// median (min – max) over its runs, its ratio to Errand's median in the same file, and the 1-minute load
// average before each of its runs.   node summary.mjs FILE...
import { readFileSync } from 'node:fs';

const rows = process.argv.slice(2).flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.ceil(s.length / 2) - 1]; }; // nearest rank
const fmt = (x) => (x >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));

for (const scenario of [...new Set(rows.map((r) => r.scenario))]) {
  const here = rows.filter((r) => r.scenario === scenario);
  const drain = scenario.endsWith('drain');
  const metrics = drain ? ['tasks_per_s'] : ['p50_ms', 'p99_ms', 'max_ms'];
  const base = scenario.startsWith('redis') ? 'errand-always' : 'errand';
  const med = {};
  for (const c of [...new Set(here.map((r) => r.contender))]) {
    const ok = here.filter((r) => r.contender === c && !r.failed);
    med[c] = Object.fromEntries(metrics.map((m) => [m, ok.length ? median(ok.map((r) => Number(r.run[m]))) : NaN]));
  }
  console.log(`\n### ${scenario}\n`);
  console.log(`| contender | runs | ${metrics.map((m) => `${m} median (min – max)`).join(' | ')} | ratio to ${base} | load before each run |`);
  console.log(`|---|---|${metrics.map(() => '---|').join('')}---|---|`);
  for (const c of Object.keys(med)) {
    const all = here.filter((r) => r.contender === c);
    const ok = all.filter((r) => !r.failed);
    const cells = metrics.map((m) => {
      if (!ok.length) return '–';
      const xs = ok.map((r) => Number(r.run[m]));
      return `**${fmt(med[c][m])}** (${fmt(Math.min(...xs))} – ${fmt(Math.max(...xs))})`;
    });
    const h = metrics[0];
    const ratio = med[base] && ok.length ? (drain ? med[c][h] / med[base][h] : med[c][h] / med[base][h]).toFixed(2) : '–';
    const loads = all.map((r) => (r.load_before ? r.load_before[0].toFixed(1) : '?') + (r.failed ? ' (failed)' : '')).join(', ');
    console.log(`| ${c} | ${ok.length}${all.length > ok.length ? ` of ${all.length}` : ''} | ${cells.join(' | ')} | ${ratio} | ${loads} |`);
  }
  console.log(drain ? '\nratio: tasks/s over Errand\'s (above 1: faster than Errand).'
    : `\nratio: ${metrics[0]} over Errand's (above 1: slower to start than Errand).`);
}
