#!/usr/bin/env bash
# Who receives a company's request on the national data (issue 23): a
# seeded national sample of N requests (random commune weighted by
# population × a job the lycées teach, bench/reach_sample.py), sent to the
# real server on a freshly imported SQLite database, in three set-ups:
#   1. nobody set up (no account, no coordination address, no
#      MLP_CONTACT_EMAIL);
#   2. the national contact only (MLP_CONTACT_EMAIL);
#   3. the national contact and a coordinator account in five académies.
# Prints a Markdown report (shares of requests written to someone at
# submission, to a lycée directly, to the coordination); the figures of
# record go to docs/benchmarks.md.
#
#   bench/reach.sh            (N=500 SEED=2026; PROFILE=release|debug)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-500}"
SEED="${SEED:-2026}"
PROFILE="${PROFILE:-release}"
OUT=bench/out
mkdir -p "$OUT"
scripts/ensure-front.sh
if [ "$PROFILE" = release ]; then cargo build --release --quiet; else cargo build --quiet; fi
BIN="${CARGO_TARGET_DIR:-target}/$PROFILE/monlyceepro"
DATA="${MLP_DATA_DIR:-../shared/data}"
DB="$OUT/reach.db"
port=18093

echo "# Reach of the requests $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); commit $(git rev-parse --short HEAD); $N requests, seed $SEED"
echo
echo "| set-up | written to someone | to a lycée directly | to the coordination (of which only it) | nobody | coordination level | reasons |"
echo "|---|---|---|---|---|---|---|"

run() { # label contact-email coordinators…
  local label="$1" contact="$2"
  shift 2
  rm -f "$DB"*
  DATABASE_URL="sqlite://$DB" MLP_DATA_DIR="$DATA" "$BIN" import >/dev/null 2>&1
  for academie in "$@"; do
    DATABASE_URL="sqlite://$DB" MLP_DATA_DIR="$DATA" "$BIN" users add "coordination.$(echo "$academie" | tr -cd 'a-zA-Z')@ac-test.fr" \
      --role coordinateur --academie "$academie" >/dev/null
  done
  RUST_LOG=error DATABASE_URL="sqlite://$DB" MLP_BIND="127.0.0.1:$port" MLP_RATE_LIMIT_PER_MINUTE=0 \
    MLP_CONTACT_EMAIL="$contact" MLP_VAR_DIR="$OUT/var-reach" MLP_DATA_DIR="$DATA" "$BIN" serve >"$OUT/serve-reach.log" 2>&1 &
  local pid=$!
  for _ in $(seq 600); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  python3 bench/reach_sample.py "http://127.0.0.1:$port" "$DB" "$N" "$SEED" >"$OUT/reach.json"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  python3 - "$label" "$OUT/reach.json" <<'PY'
import json, sys
label, path = sys.argv[1], sys.argv[2]
r = json.load(open(path))
p = r["parts"]
reasons = ", ".join(f"{k} {v}" for k, v in sorted(r["raisons"].items()))
levels = ", ".join(f"{k} {v}" for k, v in sorted(r["niveaux"].items())) or "—"
print(f"| {label} | {p['ecrites']} % | {p['lycee_direct']} % | {p['coordination']} % ({p['coordination_seule']} %) | {p['personne']} % | {levels} | {reasons} |")
PY
}

run "nobody set up" ""
run "national contact" "contact@monlyceepro.test"
run "national contact + 5 académies' coordinators" "contact@monlyceepro.test" Lyon Paris Clermont-Ferrand Lille Bordeaux
echo
echo "Requests refused (should be 0): see stderr of bench/reach_sample.py."
