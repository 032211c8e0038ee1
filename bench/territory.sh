#!/usr/bin/env bash
# The coordinator's dashboard (`/espace/territoire`) of a territory of 200
# lycées (a bassin of Île-de-France lycées), with thousands of requests,
# on both engines, against the same server's /livez in the same run.
# Prints a Markdown report; the figures of record go to docs/benchmarks.md.
#
#   bench/territory.sh                 (REQUESTS_SECONDS=20 DURATION=10)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-10}"
REQUESTS_SECONDS="${REQUESTS_SECONDS:-20}"
OUT=bench/out
mkdir -p "$OUT"
command -v wrk >/dev/null || apt-get install -y -q wrk >&2
command -v sqlite3 >/dev/null || apt-get install -y -q sqlite3 >&2
scripts/ensure-front.sh
cargo build --release --quiet
BIN="${CARGO_TARGET_DIR:-target}"/release/monlyceepro
DATA="${MLP_DATA_DIR:-../shared/data}"
TOKEN="jeton-de-session-du-banc-de-mesure-0123456789"
HASH=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)

echo "# Dashboard benchmark $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); commit $(git rev-parse --short HEAD)"
echo

run() { # engine url sql-command
  local engine="$1" url="$2" sql="$3" port=18090
  DATABASE_URL="$url" MLP_DATA_DIR="$DATA" "$BIN" import >/dev/null
  # 200 lycées of Île-de-France make the bassin; the requests come from
  # their communes.
  local uais communes
  uais=$($sql "SELECT uai FROM lycees WHERE departement_code IN ('75','77','78','91','92','93','94','95') ORDER BY uai LIMIT 200" | tr '\n' ' ')
  communes=$($sql "SELECT DISTINCT commune_code FROM lycees WHERE departement_code IN ('75','92','93','94') ORDER BY 1 LIMIT 40" | tr '\n' ',')
  local lycees=()
  for u in $uais; do lycees+=(--lycee "$u"); done
  DATABASE_URL="$url" "$BIN" users add bench.clee@ac-creteil.fr --role coordinateur "${lycees[@]}" >/dev/null
  $sql "INSERT INTO sessions (jeton_hash, compte_id, cree_le, expire_le) SELECT '$HASH', id, '2026-01-01T00:00:00Z', '2099-01-01T00:00:00Z' FROM comptes WHERE email = 'bench.clee@ac-creteil.fr'" >/dev/null
  RUST_LOG=warn DATABASE_URL="$url" MLP_BIND="127.0.0.1:$port" MLP_RATE_LIMIT_PER_MINUTE=0 MLP_VAR_DIR="$OUT/var-territoire" \
    MLP_DATA_DIR="$DATA" "$BIN" serve >"$OUT/serve-territoire-$engine.log" 2>&1 &
  local pid=$!
  for _ in $(seq 300); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  COMMUNES="$communes" wrk -t2 -c16 -d"${REQUESTS_SECONDS}s" -s bench/post_territoire.lua "http://127.0.0.1:$port" >/dev/null
  local n
  n=$($sql "SELECT COUNT(*) FROM demandes")
  echo "## $engine: $n requests, a bassin of 200 lycées"
  echo
  echo "| page | connections | requests/s | p50 | p99 | ratio of p50 to /livez |"
  echo "|---|---|---|---|---|---|"
  # wrk prints latencies with their unit (46.00us, 1.06ms, 1.71s).
  ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'; }
  ratio() { awk -v a="$(ms "$1")" -v b="$(ms "$2")" 'BEGIN { printf "× %.0f", a / b }'; }
  local cookie="Cookie: mlp_session=$TOKEN"
  curl -fs -o /dev/null -H "$cookie" "http://127.0.0.1:$port/espace/territoire"
  local ref50=""
  for c in 1 8; do
    for path in /livez /espace/territoire "/espace/territoire?action=pfmp&domaine=F16"; do
      wrk -t1 -c"$c" -d"${DURATION}s" --latency -H "$cookie" "http://127.0.0.1:$port$path" >"$OUT/wrk-territoire.txt"
      local rps p50 p99
      rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk-territoire.txt")
      p50=$(awk '$1=="50%" {print $2}' "$OUT/wrk-territoire.txt")
      p99=$(awk '$1=="99%" {print $2}' "$OUT/wrk-territoire.txt")
      [ "$path" = /livez ] && ref50="$p50"
      echo "| \`$path\` | $c | $rps | $p50 | $p99 | $(ratio "$p50" "$ref50") |"
    done
  done
  echo
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

rm -f "$OUT/territoire.db"*
run sqlite "sqlite://$OUT/territoire.db" "sqlite3 $OUT/territoire.db"
PG="$(scripts/ensure-postgres.sh)"
psql -q "$PG" -c 'DROP DATABASE IF EXISTS mlp_territoire WITH (FORCE)' -c 'CREATE DATABASE mlp_territoire'
run postgres "${PG%/*}/mlp_territoire" "psql -tA ${PG%/*}/mlp_territoire -c"
