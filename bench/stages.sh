#!/usr/bin/env bash
# `/stages` (the search the other way round) with national-scale needs:
# 3,000 open placement needs spread over the lycées of France, on both
# engines, against the same server's /livez and `/recherche` (the same words
# and place, the search `/stages` reuses) in the same run. Prints a Markdown
# report; the figures of record go to docs/benchmarks.md.
#
#   bench/stages.sh                 (NEEDS=3000 DURATION=10)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10}"
NEEDS="${NEEDS:-3000}"
OUT=bench/out
mkdir -p "$OUT"
command -v wrk >/dev/null || apt-get install -y -q wrk >&2
command -v sqlite3 >/dev/null || apt-get install -y -q sqlite3 >&2
scripts/ensure-front.sh
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-target}"/release/monlyceepro
DATA="${MLP_DATA_DIR:-../shared/data}"

echo "# /stages benchmark $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); commit $(git rev-parse --short HEAD)"
echo

run() { # engine url sql-command
  local engine="$1" url="$2" sql="$3" port=18091
  DATABASE_URL="$url" MLP_DATA_DIR="$DATA" "$BIN" import >/dev/null
  # One need per taught diploma, in a pseudo-random order, up to $NEEDS:
  # periods from January to June 2027, 1 to 8 students.
  $sql "INSERT INTO besoins_stages (id, uai, diplome, periode_id, debut, fin, places, note, statut, cree_le, cree_par, modifie_le) \
        SELECT 'banc-' || uai || '-' || cfd, uai, cfd, NULL, '2027-01-11', '2027-06-30', 1 + LENGTH(cfd || uai) % 8, NULL, \
        'ouvert', '2026-11-30T00:00:00Z', 'banc', '2026-11-30T00:00:00Z' FROM lycee_formations \
        ORDER BY SUBSTR(cfd, 5) || uai LIMIT $NEEDS" >/dev/null
  $sql "ANALYZE" >/dev/null
  RUST_LOG=warn DATABASE_URL="$url" MLP_BIND="127.0.0.1:$port" MLP_RATE_LIMIT_PER_MINUTE=0 MLP_VAR_DIR="$OUT/var-stages" \
    MLP_DATA_DIR="$DATA" "$BIN" serve >"$OUT/serve-stages-$engine.log" 2>&1 &
  local pid=$!
  for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  local n
  n=$($sql "SELECT COUNT(*) FROM besoins_stages")
  echo "## $engine: $n open needs"
  echo
  echo "| page | connections | requests/s | p50 | p99 | ratio of p50 to /livez |"
  echo "|---|---|---|---|---|---|"
  ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'; }
  ratio() { awk -v a="$(ms "$1")" -v b="$(ms "$2")" 'BEGIN { printf "× %.1f", a / b }'; }
  local ref50=""
  for c in 1 8; do
    for path in /livez "/recherche?q=electricien&commune=Lyon&rayon_km=50" "/stages?q=electricien&commune=Lyon&rayon_km=50" \
      "/stages?commune=Lyon&rayon_km=200" "/stages?q=cuisine"; do
      curl -fs -o /dev/null "http://127.0.0.1:$port$path"
      wrk -t1 -c"$c" -d"${DURATION}s" --latency "http://127.0.0.1:$port$path" >"$OUT/wrk-stages.txt"
      local rps p50 p99
      rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk-stages.txt")
      p50=$(awk '$1=="50%" {print $2}' "$OUT/wrk-stages.txt")
      p99=$(awk '$1=="99%" {print $2}' "$OUT/wrk-stages.txt")
      [ "$path" = /livez ] && ref50="$p50"
      echo "| \`$path\` | $c | $rps | $p50 | $p99 | $(ratio "$p50" "$ref50") |"
    done
  done
  echo
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

rm -f "$OUT/stages.db"*
run sqlite "sqlite://$OUT/stages.db" "sqlite3 $OUT/stages.db"
PG="$(scripts/ensure-postgres.sh)"
psql -q "$PG" -c 'DROP DATABASE IF EXISTS mlp_stages WITH (FORCE)' -c 'CREATE DATABASE mlp_stages'
run postgres "${PG%/*}/mlp_stages" "psql -tA ${PG%/*}/mlp_stages -c"
