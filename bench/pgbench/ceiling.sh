#!/usr/bin/env bash
# The ceiling of Errand's own claim and batch-complete statements on PostgreSQL, without Errand: pgbench
# clients each claim a batch with the store's claim statement and complete it with its complete_successes
# statement (both taken from errand-store-postgres's store.sql, as the store runs them for a drain: the
# completion autocommits), on a freshly filled and ANALYZEd table of N READY tasks
# in a schema of its own, built by the store's own migrations. Prints one JSON line per client count:
# tasks/s = claims/s x batch, the figure `errand bench drain` is compared with (bench/README.md).
#
#   bench/pgbench/ceiling.sh [N] [BATCH] [CLIENTS...]      defaults: 100000 100 "1 2 4"
#   PGURL=postgres://postgres@127.0.0.1:5432/test (default)
#
# Differences from the store: the claim hands back its ids and tokens as two arrays (one row) instead of
# the claimed rows, and nothing runs the tasks in between (both in the ceiling's favour); each client
# completes its own claim's batch with a WAL flush of its own, where the store's completer gathers up
# to 1,000 completions per flush (in the store's favour, on a disk with slow flushes).
#
# Settings: PGBENCH_MODE=prepared (default; pgbench's -M, as pgjdbc prepares after 5 executions) or
# extended; ANALYZE=' ' leaves the table unanalysed; VERBOSE=1 prints pgbench's per-statement latencies.
set -euo pipefail
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
res="$root/errand-store-postgres/src/main/resources/dev/errand/store/postgres/internal"
n=${1:-100000}
batch=${2:-100}
shift $(( $# > 2 ? 2 : $# ))
clients=("$@")
[ ${#clients[@]} -gt 0 ] || clients=(1 2 4)
url=${PGURL:-postgres://postgres@127.0.0.1:5432/test}
schema="pgb_$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')"
work=$(mktemp -d)
trap 'psql "$url" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

python3 - "$res" "$schema" "$batch" "$work" <<'PY'
import re, sys
res, schema, batch, work = sys.argv[1:]

def sections(path):
    out, name = {}, None
    for line in open(path):
        m = re.match(r'-- name: (\S+)', line)
        if m:
            name = m.group(1); out[name] = []
        elif name:
            out[name].append(line)
    # Whole-line comments go, and trailing ones too: the statement is joined into one line for pgbench.
    return {k: ''.join(re.sub(r'\s+--\s.*$', '', l) for l in v if not l.lstrip().startswith('--')).strip()
               .replace('{schema}', schema)
            for k, v in out.items()}

def bind(sql, names):
    parts = sql.split('?')
    assert len(parts) == len(names) + 1, (len(parts) - 1, names)
    return ''.join(p + (':' + names[i] if i < len(names) else '') for i, p in enumerate(parts))

mig = sections(f'{res}/migrations.sql')
with open(f'{work}/schema.sql', 'w') as f:
    f.write(f'CREATE SCHEMA {schema};\n')
    for sql in mig.values():
        f.write(sql + ';\n')

store = sections(f'{res}/store.sql')
cap = 100  # the literal cap the store puts in its claim for this batch (StoreSql.claim)
while cap < int(batch):
    cap *= 10
claim = bind(store['claim'].replace('{claim_cap}', str(cap)), ['queue', 'queue', 'queue', 'limit', 'queue', 'promote', 'limit',
                              'lease', 'grace', 'worker'])
head, tail = claim.rsplit(f'\nUPDATE {schema}.tasks t\nSET state = \'RUNNING\'', 1)
claim = (head + f',\nclaimed AS (\nUPDATE {schema}.tasks t\nSET state = \'RUNNING\'' + tail + ')\n'
         'SELECT coalesce(array_agg(id), \'{}\') AS ids, coalesce(array_agg(lease_token), \'{}\') AS tokens,\n'
         '       array_fill(NULL::bytea, ARRAY[count(*)::int]) AS results\n'
         'FROM claimed')
# A batch of successes whose tasks are not wanted back, as the store completes a drain's.
complete = bind(store['complete_successes'], ['ids', 'tokens', 'results'])
with open(f'{work}/drain.sql', 'w') as f:
    f.write(f'\\set limit {batch}\n\\set promote {max(int(batch), 100)}\n'
            '\\set lease 30000000\n\\set grace 5000000\n')
    f.write(' '.join(claim.split('\n')) + '\n\\gset\n')
    f.write(' '.join(complete.split('\n')) + ';\n')
PY

fill() {
  psql "$url" -qv ON_ERROR_STOP=1 -f "$work/schema.sql" >/dev/null
  # As the bench enqueues them: batches of 1,000 with one run_at each, UUIDv7-shaped ids in order.
  psql "$url" -qv ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO $schema.tasks (id, queue, type, payload, priority, state, attempt, max_attempts,
                           backoff_base_nanos, backoff_cap_nanos, timeout_nanos, run_at, created_at)
SELECT '0193a0b0-0000-7000-8000-' || lpad(to_hex(i), 12, '0'), 'bench', 'noop', '\x7b7d00000000000000000000000000'::bytea,
       0, 'READY', 0, 3, 1000000000, 60000000000, 30000000000,
       now() + (i / 1000) * interval '1 millisecond', now()
FROM generate_series(1, $n) i;
${ANALYZE-ANALYZE $schema.tasks;}
SQL
}

for c in "${clients[@]}"; do
  fill
  load=$(cut -d' ' -f1 /proc/loadavg)
  # The backends' CPU, as `errand bench` reports it (server_cpu_us_per_task): their /proc times, polled
  # every 20 ms while pgbench runs (the last poll's value counts, so a few ms of each may be missed).
  app="errand-ceiling-$schema-$c"
  ( sleep 0.3
    pids=$(psql "$url" -Atc "SELECT pid FROM pg_stat_activity WHERE application_name = '$app'")
    while [ -e "$work/running" ]; do
      for p in $pids; do [ -r /proc/$p/stat ] && cut -d')' -f2 /proc/$p/stat | awk -v p=$p '{print p, $12 + $13}' > "$work/cpu.$p.tmp" && mv "$work/cpu.$p.tmp" "$work/cpu.$p"; done
      sleep 0.02
    done ) &
  touch "$work/running"
  out=$(PGAPPNAME=$app pgbench "$url" -n -r -M ${PGBENCH_MODE:-prepared} -D queue=bench -D worker=pgbench -c "$c" -j "$c" -t $(( (n / batch + c - 1) / c )) -f "$work/drain.sql" 2>&1) \
    || { rm -f "$work/running"; echo "$out" >&2; exit 1; }
  rm -f "$work/running"; wait
  ticks=$(cat "$work"/cpu.* 2>/dev/null | awk '{s += $2} END {print s + 0}'); rm -f "$work"/cpu.*
  [ -z "${VERBOSE:-}" ] || echo "$out" >&2
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time).*/\1/p' <<<"$out")
  left=$(psql "$url" -Atc "SELECT count(*) FILTER (WHERE state <> 'SUCCEEDED') FROM $schema.tasks")
  psql "$url" -qc "DROP SCHEMA $schema CASCADE" >/dev/null
  echo "{\"kind\":\"pgbench_ceiling\",\"n\":$n,\"batch\":$batch,\"clients\":$c,\"claims_per_s\":$tps,\"tasks_per_s\":$(python3 -c "print(round($tps*$batch))"),\"server_cpu_us_per_task\":$(python3 -c "print(round($ticks*10000/$n, 1))"),\"not_succeeded\":$left,\"load\":$load}"
done
