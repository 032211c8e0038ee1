#!/usr/bin/env bash
# Performance of the catalogue (issue 2), measured as ratios against a
# reference taken in the same run. Prints a Markdown report; the figures of
# record are copied into docs/benchmarks.md.
#
#   bench/run.sh            all measurements (release build)
#   DURATION=20 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10}"
CONNS="${CONNS:-64}"
OUT=bench/out
mkdir -p "$OUT"
command -v wrk >/dev/null || apt-get install -y -q wrk >&2
command -v hyperfine >/dev/null || apt-get install -y -q hyperfine >&2
command -v sqlite3 >/dev/null || apt-get install -y -q sqlite3 >&2
scripts/ensure-front.sh
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-target}"/release/monlyceepro
DATA="${MLP_DATA_DIR:-../shared/data}"

echo "# Benchmark run $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); commit $(git rev-parse --short HEAD)"
echo

# 1. Full national import, release, SQLite and PostgreSQL (fresh database each run).
echo "## Import of the national data (release, fresh database)"
echo
hyperfine --warmup 1 --runs 5 --export-markdown "$OUT/import-sqlite.md" \
  --prepare "rm -f $OUT/bench.db $OUT/bench.db-wal $OUT/bench.db-shm" \
  "DATABASE_URL=sqlite://$OUT/bench.db MLP_DATA_DIR=$DATA $BIN import" >&2
echo "SQLite:"; cat "$OUT/import-sqlite.md"; echo
PG="$(scripts/ensure-postgres.sh)"
PGB="${PG%/*}/mlp_bench"
hyperfine --warmup 1 --runs 5 --export-markdown "$OUT/import-pg.md" \
  --prepare "psql -q '$PG' -c 'DROP DATABASE IF EXISTS mlp_bench WITH (FORCE)' -c 'CREATE DATABASE mlp_bench'" \
  "DATABASE_URL=$PGB MLP_DATA_DIR=$DATA $BIN import" >&2
echo "PostgreSQL:"; cat "$OUT/import-pg.md"; echo

# 2. Throughput and latency under load, against the trivial endpoint of the
# same server in the same run.
load() { # engine url
  local engine="$1" url="$2" port=18080
  RUST_LOG=warn DATABASE_URL="$url" MLP_BIND="127.0.0.1:$port" MLP_DATA_DIR="$DATA" "$BIN" serve >"$OUT/serve-$engine.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  echo "## Load, $engine ($CONNS connections, ${DURATION}s each, wrk 2 threads)"
  echo
  echo "| endpoint | requests/s | p50 | p99 | ratio to /livez |"
  echo "|---|---|---|---|---|"
  local ref=""
  local search="/api/v1/recherche?q=electricien&commune=69123&rayon_km=30"
  # Warm-up: the first request of a showcase renders it into the cache.
  for path in /livez /lycees/0690043X /api/v1/lycees/0690043X "$search"; do curl -fs -o /dev/null "http://127.0.0.1:$port$path"; done
  for path in /livez /lycees/0690043X /api/v1/lycees/0690043X "$search" distinct; do
    local script=()
    if [ "$path" = distinct ]; then script=(-s bench/distinct_searches.lua); fi
    wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "${script[@]}" "http://127.0.0.1:$port${path#distinct}" >"$OUT/wrk.txt"
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk.txt")
    p50=$(awk '$1=="50%" {print $2}' "$OUT/wrk.txt")
    p99=$(awk '$1=="99%" {print $2}' "$OUT/wrk.txt")
    [ -z "$ref" ] && ref="$rps"
    local label="\`$path\`"
    [ "$path" = distinct ] && label="same search, every URL distinct (no response cache)"
    echo "| $label | $rps | $p50 | $p99 | $(awk -v a="$rps" -v b="$ref" 'BEGIN {printf "%.0f %%", 100*a/b}') |"
  done
  echo
  echo "RSS after load: $(awk '/VmRSS/ {printf "%.0f MB", $2/1024}' /proc/$pid/status) (peak $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$pid/status))"
  echo
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
load sqlite "sqlite://$OUT/bench.db"
load postgres "$PGB"

# 3. Search against the naive approach (SQL LIKE + distance), same data, same run.
echo "## Search: ours against SQL LIKE + distance filter (in process)"
echo
cargo build --release --quiet --example search_vs_naive
echo '```'
DATABASE_URL="sqlite://$OUT/bench.db" "${CARGO_TARGET_DIR:-target}"/release/examples/search_vs_naive
DATABASE_URL="$PGB" "${CARGO_TARGET_DIR:-target}"/release/examples/search_vs_naive
echo '```'
echo

# 4. Company requests: routing alone, then POST /api/v1/demandes at a fixed
# rate on each engine (rate limit off), rows counted after the run.
echo "## Routing decision alone (in process)"
echo
cargo build --release --quiet --example routing_bench --example post_load
echo '```'
DATABASE_URL="sqlite://$OUT/bench.db" "${CARGO_TARGET_DIR:-target}"/release/examples/routing_bench
DATABASE_URL="$PGB" "${CARGO_TARGET_DIR:-target}"/release/examples/routing_bench
echo '```'
echo
echo "## POST /api/v1/demandes at a fixed rate (MLP_RATE_LIMIT_PER_MINUTE=0)"
echo
post() { # engine url count-command
  local engine="$1" url="$2" count="$3" port=18082
  rm -rf "$OUT/var-post"
  RUST_LOG=warn DATABASE_URL="$url" MLP_BIND="127.0.0.1:$port" MLP_RATE_LIMIT_PER_MINUTE=0 MLP_VAR_DIR="$OUT/var-post" \
    "$BIN" serve >"$OUT/serve-post-$engine.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  local before after
  before=$(eval "$count")
  echo "$engine:"
  echo '```'
  "${CARGO_TARGET_DIR:-target}"/release/examples/post_load "http://127.0.0.1:$port" 200 "$DURATION"
  "${CARGO_TARGET_DIR:-target}"/release/examples/post_load "http://127.0.0.1:$port" 400 "$DURATION"
  echo '```'
  sleep 2
  after=$(eval "$count")
  echo "Rows in demandes: $before before, $after after ($((after - before)) new for $((600 * DURATION)) requests sent)."
  echo
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
cp "$OUT/bench.db" "$OUT/post.db"
post sqlite "sqlite://$OUT/post.db" "sqlite3 $OUT/post.db 'SELECT COUNT(*) FROM demandes'"
psql -q "$PG" -c 'DROP DATABASE IF EXISTS mlp_post WITH (FORCE)' -c 'CREATE DATABASE mlp_post TEMPLATE mlp_bench'
post postgres "${PG%/*}/mlp_post" "psql -tA '${PG%/*}/mlp_post' -c 'SELECT COUNT(*) FROM demandes'"

# 5. First load of a showcase page in Chromium (empty cache).
echo "## First load of a showcase page (Chromium, empty cache)"
echo
RUST_LOG=warn DATABASE_URL="sqlite://$OUT/bench.db" MLP_BIND=127.0.0.1:18081 "$BIN" serve >"$OUT/serve-first.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -fs http://127.0.0.1:18081/healthz >/dev/null && break; sleep 0.1; done
node bench/first_load.mjs http://127.0.0.1:18081/lycees/0690043X
kill "$pid"; wait "$pid" 2>/dev/null || true
