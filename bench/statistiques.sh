#!/usr/bin/env bash
# Performance of the public statistics (issue 11): GET /api/v1/statistiques
# over 100,000 requests, without filter and with one filter, at 64
# connections, on SQLite and PostgreSQL, as ratios against the same
# server's /livez measured in the same run; then the uncached computation
# in process (what the first reader after a change waits for). Prints a
# Markdown report; the figures of record go to docs/benchmarks.md.
#
#   bench/statistiques.sh              100,000 requests, 10 s per endpoint
#   N=20000 DURATION=5 bench/statistiques.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10}"
CONNS="${CONNS:-64}"
N="${N:-100000}"
OUT=bench/out
mkdir -p "$OUT"
command -v wrk >/dev/null || apt-get install -y -q wrk >&2
scripts/ensure-front.sh
cargo build --release --quiet --bin monlyceepro --example stats_bench
BIN="${CARGO_TARGET_DIR:-target}"/release/monlyceepro
LOADER="${CARGO_TARGET_DIR:-target}"/release/examples/stats_bench
export MLP_DATA_DIR="${MLP_DATA_DIR:-../shared/data}"

echo "# Statistics benchmark $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); commit $(git rev-parse --short HEAD)"
echo

# A fresh database of each engine: the national catalogue, then N requests.
SQLITE_DB="$OUT/stats.db"
rm -f "$SQLITE_DB" "$SQLITE_DB-wal" "$SQLITE_DB-shm"
SQLITE_URL="sqlite://$SQLITE_DB"
PG="$(scripts/ensure-postgres.sh)"
PG_URL="${PG%/*}/mlp_stats_bench"
psql -q "$PG" -c 'DROP DATABASE IF EXISTS mlp_stats_bench WITH (FORCE)' -c 'CREATE DATABASE mlp_stats_bench'
echo "## Data"
echo
for url in "$SQLITE_URL" "$PG_URL"; do
  DATABASE_URL="$url" RUST_LOG=warn "$BIN" import >/dev/null
  echo "- ${url%%:*}: $(DATABASE_URL="$url" "$LOADER" load "$N")"
done
echo

post_for() { # port seconds: posts a request every 0.1 s, prints each status
  local end=$((SECONDS + $2)) i=0
  while [ "$SECONDS" -lt "$end" ]; do
    i=$((i + 1))
    curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
      -d "{\"action\":\"pfmp\",\"entreprise\":{\"nom\":\"Entreprise $i\"},\"contact\":{\"prenom\":\"Camille\",\"nom\":\"Martin\",\"email\":\"stat$i-$RANDOM@exemple.fr\"},\"commune\":\"69123\",\"rayon_km\":30,\"metiers\":[\"F1602\"],\"message\":\"Deux stagiaires.\",\"consentement\":true}" \
      "http://127.0.0.1:$1/api/v1/demandes"
    sleep 0.1
  done
}

load() { # engine url
  local engine="$1" url="$2" port=18090
  RUST_LOG=warn MLP_RATE_LIMIT_PER_MINUTE=0 DATABASE_URL="$url" MLP_BIND="127.0.0.1:$port" MLP_VAR_DIR="$OUT/var-stats" "$BIN" serve >"$OUT/serve-stats-$engine.log" 2>&1 &
  local pid=$!
  for _ in $(seq 200); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  echo "## Load, $engine ($CONNS connections, ${DURATION}s each, wrk 2 threads)"
  echo
  echo "| endpoint | requests/s | p50 | p99 | ratio to /livez | first answer (cold) |"
  echo "|---|---|---|---|---|---|"
  local ref=""
  for path in /livez /api/v1/statistiques "/api/v1/statistiques?academie=Lyon" "/api/v1/statistiques?action=pfmp"; do
    # The first request of a query computes it (timed here); the load
    # then measures what every later reader gets.
    local cold
    cold=$(curl -fs -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port$path" | awk '{printf "%.0f ms", $1 * 1000}')
    wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:$port$path" >"$OUT/wrk-stats.txt"
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk-stats.txt")
    p50=$(awk '$1=="50%" {print $2}' "$OUT/wrk-stats.txt")
    p99=$(awk '$1=="99%" {print $2}' "$OUT/wrk-stats.txt")
    [ -z "$ref" ] && ref="$rps"
    echo "| \`$path\` | $rps | $p50 | $p99 | $(awk -v a="$rps" -v b="$ref" 'BEGIN {printf "%.0f %%", 100*a/b}') | $cold |"
  done
  echo
  # The same while companies keep sending requests (about ten a second,
  # far above what the national service receives): every new request
  # changes the figures, the first reader after it recomputes them and the
  # others are given the previous answer meanwhile.
  echo "With writes (about 10 requests posted a second throughout):"
  echo
  echo "| endpoint | requests/s | p50 | p99 | requests posted |"
  echo "|---|---|---|---|---|"
  for path in /api/v1/statistiques "/api/v1/statistiques?academie=Lyon"; do
    post_for "$port" "$((DURATION + 2))" >"$OUT/posted.txt" &
    local writer=$!
    sleep 1
    wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:$port$path" >"$OUT/wrk-stats.txt"
    wait "$writer"
    local rps p50 p99 posted
    rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk-stats.txt")
    p50=$(awk '$1=="50%" {print $2}' "$OUT/wrk-stats.txt")
    p99=$(awk '$1=="99%" {print $2}' "$OUT/wrk-stats.txt")
    posted=$(grep -c '^201$' "$OUT/posted.txt" || true)
    echo "| \`$path\` | $rps | $p50 | $p99 | $posted |"
  done
  echo
  echo "RSS after load: $(awk '/VmRSS/ {printf "%.0f MB", $2/1024}' /proc/$pid/status) (peak $(awk '/VmHWM/ {printf "%.0f MB", $2/1024}' /proc/$pid/status))"
  echo
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
load sqlite "$SQLITE_URL"
load postgres "$PG_URL"

echo "## Uncached computation, in process"
echo
echo '```'
DATABASE_URL="$SQLITE_URL" "$LOADER" compute 10
DATABASE_URL="$PG_URL" "$LOADER" compute 10
echo '```'
