#!/usr/bin/env bash
# How well company words are understood (issue 12): precision at 1 and at 3
# of the jobs understood, over the labelled query files of the brief, on the
# national catalogue. Prints a Markdown table; the figures of record go to
# docs/benchmarks.md.
#
#   bench/search_precision.sh                  the understanding of the search
#   RAW=1 bench/search_precision.sh            the job index alone (the "before")
#   DATABASE_URL=sqlite://… bench/search_precision.sh   an imported database
set -euo pipefail
cd "$(dirname "$0")/.."
BRIEF="${MLP_BRIEF_DIR:-../shared/brief}"
DATA="${MLP_DATA_DIR:-../shared/data}"
OUT=bench/out
mkdir -p "$OUT"
scripts/ensure-front.sh
cargo build --release --quiet --example search_precision
if [ -z "${DATABASE_URL:-}" ]; then
  cargo build --release --quiet
  DB="$OUT/precision.db"
  # The import skips unchanged datasets: a second run reuses the database.
  DATABASE_URL="sqlite://$DB" MLP_DATA_DIR="$DATA" "${CARGO_TARGET_DIR:-target}"/release/monlyceepro import >&2
  export DATABASE_URL="sqlite://$DB"
fi
echo "# Search precision $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "Machine: $(nproc) cores, $(uname -sr); commit $(git rev-parse --short HEAD)${RAW:+; RAW=$RAW (job index alone)}"
echo
"${CARGO_TARGET_DIR:-target}"/release/examples/search_precision "$BRIEF/search-queries.tsv" "$BRIEF/search-queries-sectors.tsv"
