#!/usr/bin/env bash
# POST /api/v1/demandes with a partner's API key and its webhook on
# (issue 15), against the same server's anonymous POST in the same run
# (the reference), alternated A/B/A/B, at a fixed rate, on each engine.
# A local sink answers the webhooks (204); after the run, every event must
# be delivered. Prints a Markdown report.
#
#   bench/partners.sh               200 requests/s, 10 s per run
#   RATE=300 DURATION=20 bench/partners.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RATE="${RATE:-200}"
DURATION="${DURATION:-10}"
OUT=bench/out
mkdir -p "$OUT"
command -v sqlite3 >/dev/null || apt-get install -y -q sqlite3 >&2
cargo build --release --quiet
cargo build --release --quiet --example post_load --example webhook_sink
BIN="${CARGO_TARGET_DIR:-target}"/release/monlyceepro
LOAD="${CARGO_TARGET_DIR:-target}"/release/examples/post_load
DATA="${MLP_DATA_DIR:-../shared/data}"
PG="$(scripts/ensure-postgres.sh)"
SINK_PORT=18190

echo "# Partner API benchmark $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); commit $(git rev-parse --short HEAD)"
echo

# The partner's receiver (examples/webhook_sink.rs): answers 204 to every
# event, counts them; in Rust, so that it takes little of the 2 cores.
"${CARGO_TARGET_DIR:-target}"/release/examples/webhook_sink "$SINK_PORT" >"$OUT/sink.log" 2>&1 &
SINK=$!
trap 'kill $SINK 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$SINK_PORT/" >/dev/null && break; sleep 0.1; done

run() { # engine url sql-command vacuum-command
  local engine="$1" url="$2" sql="$3" vacuum="$4" port=18191
  local env=(RUST_LOG=warn DATABASE_URL="$url" MLP_BIND="127.0.0.1:$port" MLP_BASE_URL="http://127.0.0.1:$port"
    MLP_RATE_LIMIT_PER_MINUTE=0 MLP_API_KEY_RATE_LIMIT_PER_MINUTE=0 MLP_VAR_DIR="$OUT/var-partners" MLP_DATA_DIR="$DATA")
  rm -rf "$OUT/var-partners"
  local key
  key=$(env "${env[@]}" "$BIN" api-keys add "bench-$engine-$RANDOM" --webhook "http://127.0.0.1:$SINK_PORT/hook" | awk '/^  mlp_/ {print $1}')
  env "${env[@]}" "$BIN" serve >"$OUT/serve-partners-$engine.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  # Steady state, as in service: a warm-up of both kinds, then the
  # planner's statistics and the queue tables' dead rows as autovacuum
  # leaves them (tables grown from 0 to thousands of rows in seconds
  # otherwise run on plans made for empty tables).
  "$LOAD" "http://127.0.0.1:$port" "$RATE" 2 >/dev/null
  MLP_BENCH_KEY="$key" "$LOAD" "http://127.0.0.1:$port" "$RATE" 2 >/dev/null
  sleep 2
  eval "$vacuum"
  local before_sink
  before_sink=$(curl -fs "http://127.0.0.1:$SINK_PORT/")
  echo "## $engine: $RATE requests/s for ${DURATION} s, anonymous (reference) then with the key, twice"
  echo
  echo '```'
  for _ in 1 2; do
    echo -n "anonymous: "; "$LOAD" "http://127.0.0.1:$port" "$RATE" "$DURATION"
    echo -n "with key:  "; MLP_BENCH_KEY="$key" "$LOAD" "http://127.0.0.1:$port" "$RATE" "$DURATION"
  done
  echo '```'
  # Let the worker deliver what is left.
  for _ in $(seq 60); do
    [ "$(eval "$sql \"SELECT COUNT(*) FROM webhooks WHERE statut <> 'envoye'\"")" = 0 ] && break
    sleep 1
  done
  echo
  echo "Partner requests stored (warm-up included): $(eval "$sql \"SELECT COUNT(*) FROM demandes WHERE partenaire LIKE 'bench-$engine-%'\"");" \
    "webhook events: $(eval "$sql \"SELECT statut || ' ' || COUNT(*) FROM webhooks GROUP BY statut\"" | tr '\n' ' ');" \
    "received by the sink: $(( $(curl -fs "http://127.0.0.1:$SINK_PORT/") - before_sink ))."
  echo
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

rm -f "$OUT/partners.db"*
DATABASE_URL="sqlite://$OUT/partners.db" MLP_DATA_DIR="$DATA" "$BIN" import >/dev/null
run sqlite "sqlite://$OUT/partners.db" "sqlite3 $OUT/partners.db" "sqlite3 $OUT/partners.db 'ANALYZE'"
psql -q "$PG" -c 'DROP DATABASE IF EXISTS mlp_partners WITH (FORCE)' -c 'CREATE DATABASE mlp_partners'
PGP="${PG%/*}/mlp_partners"
DATABASE_URL="$PGP" MLP_DATA_DIR="$DATA" "$BIN" import >/dev/null
run postgres "$PGP" "psql -tA '$PGP' -c" "psql -q '$PGP' -c 'VACUUM ANALYZE'"
