#!/usr/bin/env bash
# Every page at national volume (issue 25): a fresh database of each engine
# filled by `monlyceepro seed`, then every URL of the route walk
# (`web::routes::GET_ROUTES`, the table the router's test checks, so that no
# GET route escapes) under load for DURATION seconds after a one-second
# warm-up, and the distinct realistic searches; every figure as a share of
# the same server's `/livez` measured in the same run (before and after the
# walk). Then the server's memory after the whole walk. Prints a Markdown
# report; the figures of record go to docs/benchmarks.md.
#
#   bench/routes.sh                               national volume, both engines
#   VOLUME=small DURATION=2 ENGINES=sqlite bench/routes.sh
#   BIN=/path/to/old/monlyceepro bench/routes.sh  another server on the same data
#   RESEED=1 bench/routes.sh                      seed again (else the last seeded copy)
#   ONLY='/espace|/admin' bench/routes.sh         only the URLs that match
#
# Goals: public pages and the API ≥ 25 % of /livez with p99 < 20 ms;
# workspace pages p99 < 50 ms (with STAFF_CONNS connections); distinct searches ≥ 35 % with p99 < 5 ms;
# RSS < 150 MB after the walk.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-5}"
CONNS="${CONNS:-64}"
# Workspace pages are also measured with a few connections: 500 staff at
# national volume make a few requests a second, not 64 at once; their
# latency goal is judged there, their throughput at $CONNS.
STAFF_CONNS="${STAFF_CONNS:-4}"
VOLUME="${VOLUME:-national}"
ENGINES="${ENGINES:-sqlite postgres}"
SEARCHES="${SEARCHES:-6480}"
OUT=bench/out
mkdir -p "$OUT"
command -v wrk >/dev/null || apt-get install -y -q wrk >&2
scripts/ensure-front.sh
cargo build --release --quiet --bin monlyceepro --example route_walk
TARGET="${CARGO_TARGET_DIR:-target}"/release
SEEDER="$TARGET/monlyceepro"
BIN="${BIN:-$SEEDER}"
WALKER="$TARGET/examples/route_walk"
BRIEF="${MLP_BRIEF_DIR:-../shared/brief}"
export MLP_DATA_DIR="${MLP_DATA_DIR:-../shared/data}"
# The walker signs links and sessions with the server's key.
export MLP_SECRET_KEY="${MLP_SECRET_KEY:-cle-du-banc-de-mesure-des-pages-0123456789abcdef}"
export MLP_RATE_LIMIT_PER_MINUTE=0 MLP_API_KEY_RATE_LIMIT_PER_MINUTE=0 RUST_LOG=warn
# As deployed (deploy/monlyceepro.service, deploy/Containerfile).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX-2}"
PORT=18095
export MLP_BIND="127.0.0.1:$PORT" MLP_BASE_URL="http://127.0.0.1:$PORT" MLP_VAR_DIR="$OUT/var-routes"

echo "# Route walk $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); commit $(git rev-parse --short HEAD); server $(basename "$BIN") ($BIN); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "Command: \`VOLUME=$VOLUME DURATION=$DURATION CONNS=$CONNS ENGINES=\"$ENGINES\" bench/routes.sh\` (wrk -t2 -c$CONNS, ${DURATION} s per URL after 1 s of warm-up)"
echo

# wrk prints latencies with their unit (46.00us, 1.06ms, 1.71s).
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'; }

measure() { # seconds url [header] [connections]: prints "rps p50_ms p99_ms errors"
  local args=(-t2 -c"${4:-$CONNS}" -d"$1s" --latency)
  [ -n "${3:-}" ] && [ "$3" != "-" ] && args+=(-H "$3")
  wrk "${args[@]}" "http://127.0.0.1:$PORT$2" >"$OUT/wrk-routes.txt" 2>&1 || true
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk-routes.txt")
  p50=$(awk '$1=="50%" {print $2}' "$OUT/wrk-routes.txt")
  p99=$(awk '$1=="99%" {print $2}' "$OUT/wrk-routes.txt")
  errors=$(awk '/Non-2xx or 3xx responses/ {print $NF}' "$OUT/wrk-routes.txt")
  echo "${rps:-0} $(ms "${p50:-0ms}") $(ms "${p99:-0ms}") ${errors:-0}"
}

run() { # engine url
  local engine="$1" url="$2"
  export DATABASE_URL="$url"
  local seeded
  if [ -f "$OUT/seed-$engine-$VOLUME.txt" ] && [ -z "${RESEED:-}" ]; then
    seeded="$(cat "$OUT/seed-$engine-$VOLUME.txt")"
  else
    seeded=$( { /usr/bin/time -f 'temps et mémoire du remplissage : %e s, %M KB' "$SEEDER" seed --volume "$VOLUME"; } 2>&1 )
    printf '%s\n' "$seeded" >"$OUT/seed-$engine-$VOLUME.txt"
    keep "$engine"
  fi
  local key
  key=$(printf '%s\n' "$seeded" | awk -F' : ' '/clé d.API « Banc 1jeune1solution »/ {print $2}')
  echo "## $engine"
  echo
  echo "Seeding (\`monlyceepro seed --volume $VOLUME\`):"
  echo
  echo '```'
  printf '%s\n' "$seeded" | grep -v 'clé d.API'
  echo '```'
  echo
  "$BIN" serve >"$OUT/serve-routes-$engine.log" 2>&1 &
  local pid=$!
  # Never leave the server behind (the next engine's would not bind).
  trap 'kill $pid 2>/dev/null || true' EXIT
  # A seeded copy made before the latest migrations is migrated first:
  # minutes for the indexes of 100,000 requests. The walker reads the
  # database itself, so it waits for the server to be up.
  for _ in $(seq 9000); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null || { echo "le serveur ne répond pas" >&2; exit 1; }
  MLP_BENCH_PARTNER_KEY="$key" "$WALKER" urls | grep -E "${ONLY:-.}" >"$OUT/visits-$engine.tsv"
  "$WALKER" searches "$SEARCHES" "$BRIEF/search-queries.tsv" "$BRIEF/search-queries-sectors.tsv" >"$OUT/searches-$engine.txt"
  sleep 2
  measure 1 /livez >/dev/null
  local livez
  read -r livez _ _ _ < <(measure "$DURATION" /livez)
  local rows="$OUT/routes-$engine.tsv"
  : >"$rows"
  while IFS=$'\t' read -r route visitor path header expected; do
    local status
    if [ "$header" = "-" ]; then
      status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$path")
    else
      status=$(curl -s -o /dev/null -w '%{http_code}' -H "$header" "http://127.0.0.1:$PORT$path")
    fi
    measure 1 "$path" "$header" >/dev/null
    # The few connections first: after the load run, the server still
    # works through the backlog wrk left (seconds for a slow page).
    local staff_p99=-
    case "$visitor" in
      public|partenaire) ;;
      *) read -r _ _ staff_p99 _ < <(measure "$DURATION" "$path" "$header" "$STAFF_CONNS") ;;
    esac
    local rps p50 p99 errors
    read -r rps p50 p99 errors < <(measure "$DURATION" "$path" "$header")
    sleep 1
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$route" "$visitor" "$path" "$status" "$rps" "$p50" "$p99" "$errors" "$expected" "$staff_p99" >>"$rows"
  done <"$OUT/visits-$engine.tsv"
  local srps sp50 sp99 serr
  URLS="$OUT/searches-$engine.txt" wrk -t2 -c"$CONNS" -d1s -s bench/url_list.lua "http://127.0.0.1:$PORT" >/dev/null 2>&1 || true
  URLS="$OUT/searches-$engine.txt" wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency -s bench/url_list.lua "http://127.0.0.1:$PORT" >"$OUT/wrk-routes.txt" 2>&1 || true
  srps=$(awk '/Requests\/sec/ {print $2}' "$OUT/wrk-routes.txt")
  sp50=$(ms "$(awk '$1=="50%" {print $2}' "$OUT/wrk-routes.txt")")
  sp99=$(ms "$(awk '$1=="99%" {print $2}' "$OUT/wrk-routes.txt")")
  serr=$(awk '/Non-2xx or 3xx responses/ {print $NF}' "$OUT/wrk-routes.txt")
  local livez_after
  read -r livez_after _ _ _ < <(measure "$DURATION" /livez)
  local rss hwm
  rss=$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$pid/status")
  hwm=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' "/proc/$pid/status")
  local ref
  ref=$(awk -v a="$livez" -v b="$livez_after" 'BEGIN { printf "%.0f", (a + b) / 2 }')
  echo "\`/livez\`: $livez requests/s before the walk, $livez_after after; shares below are of their mean, $ref."
  echo
  echo "| who | URL | status | requests/s | p50 ms | p99 ms | share of /livez | p99 ms, $STAFF_CONNS connections | goal |"
  echo "|---|---|---|---|---|---|---|---|---|"
  while IFS=$'\t' read -r route visitor path status rps p50 p99 errors expected staff_p99; do
    local share goal
    share=$(awk -v a="$rps" -v b="$ref" 'BEGIN { printf "%.0f", 100 * a / b }')
    case "$visitor" in
      public|partenaire) goal=$(awk -v s="$share" -v p="$p99" 'BEGIN { print (s >= 25 && p < 20) ? "met" : "**missed**" }') ;;
      *) goal=$(awk -v p="$staff_p99" 'BEGIN { print (p + 0 > 0 && p < 50) ? "met" : "**missed**" }') ;;
    esac
    [ "$status" = "$expected" ] && [ "${errors:-0}" = 0 ] || goal="**status $status, $errors non-2xx**"
    # wrk counts no latency when every answer took longer than its 2 s
    # timeout: a missed goal, not a met one.
    local judged="$p99"
    case "$visitor" in public|partenaire) ;; *) judged="$staff_p99" ;; esac
    awk -v p="$judged" 'BEGIN { exit !(p + 0 == 0) }' && goal="**missed: no answer within wrk's 2 s under load**"
    local shown="${path:0:90}"
    [ "${#path}" -gt 90 ] && shown="$shown…"
    echo "| $visitor | \`$shown\` | $status | $rps | $p50 | $p99 | $share % | $staff_p99 | $goal |"
  done <"$rows"
  local sshare
  sshare=$(awk -v a="$srps" -v b="$ref" 'BEGIN { printf "%.0f", 100 * a / b }')
  echo "| public | $SEARCHES distinct searches (\`/api/v1/recherche\`, bench/url_list.lua) | 200 | $srps | $sp50 | $sp99 | $sshare % | - | $(awk -v s="$sshare" -v p="$sp99" 'BEGIN { print (s >= 35 && p < 5) ? "met" : "**missed**" }')${serr:+, $serr non-2xx} |"
  echo
  echo "RSS after the walk: ${rss} MB (peak ${hwm} MB); goal < 150 MB."
  echo
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

# A seeded database is kept (SQLite: a copy; PostgreSQL: a template) and
# reused by the next run of the same volume unless RESEED=1: another server
# (BIN=…) is then measured on the same data.
PGDB="${PGDB:-mlp_bench_routes}"
keep() { # engine
  case "$1" in
    sqlite) sqlite3 "$OUT/routes.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null; cp "$OUT/routes.db" "$OUT/routes-seeded-$VOLUME.db" ;;
    postgres)
      psql -q "$PG" -c "DROP DATABASE IF EXISTS ${PGDB}_seeded_$VOLUME WITH (FORCE)" \
        -c "CREATE DATABASE ${PGDB}_seeded_$VOLUME TEMPLATE $PGDB"
      ;;
  esac
}
for engine in $ENGINES; do
  case "$engine" in
    sqlite)
      rm -f "$OUT/routes.db" "$OUT/routes.db-wal" "$OUT/routes.db-shm"
      if [ -f "$OUT/seed-sqlite-$VOLUME.txt" ] && [ -z "${RESEED:-}" ]; then
        cp "$OUT/routes-seeded-$VOLUME.db" "$OUT/routes.db"
      fi
      run sqlite "sqlite://$OUT/routes.db"
      ;;
    postgres)
      PG="$(scripts/ensure-postgres.sh)"
      psql -q "$PG" -c "DROP DATABASE IF EXISTS $PGDB WITH (FORCE)"
      if [ -f "$OUT/seed-postgres-$VOLUME.txt" ] && [ -z "${RESEED:-}" ]; then
        psql -q "$PG" -c "CREATE DATABASE $PGDB TEMPLATE ${PGDB}_seeded_$VOLUME"
      else
        psql -q "$PG" -c "CREATE DATABASE $PGDB"
      fi
      run postgres "${PG%/*}/$PGDB"
      ;;
  esac
done
