#!/usr/bin/env bash
# A full download and import from the producers' own files (issue 26),
# against today's import of the layout copies, on both engines.
#
# The producers cannot be reached from the development machines: their
# files are written in the exact published shapes by
# scripts/official-shapes.py from the data folder (ROME zip, Certif Info in
# Windows-1252, BCN exports in ISO-8859-1, INSEE's NAF tables in .xls) and
# served by a local HTTP server; `monlyceepro download --sources` fetches,
# converts and checks them into an empty data folder, then
# `monlyceepro import` loads them into an empty database. The reference is
# `monlyceepro import` of the layout copies (`../shared/data`) into an empty
# database, timed in the same run (hyperfine, --runs 3).
#
#   bench/download-official.sh                    release build, SQLite and PostgreSQL
#   PROFILE=debug bench/download-official.sh      the dev build
#   ENGINES=sqlite bench/download-official.sh     one engine
#
# PostgreSQL: MLP_TEST_POSTGRES_URL (the server of `make test`).
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE="${PROFILE:-release}"
RUNS="${RUNS:-3}"
ENGINES="${ENGINES:-sqlite postgres}"
DATA="$(realpath "${MLP_DATA_DIR:-../shared/data}")"
PG="${MLP_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:55432/postgres}"
command -v hyperfine >/dev/null || apt-get install -y -q hyperfine >&2
/usr/bin/python3 -c 'import xlwt' 2>/dev/null || apt-get install -y -q python3-xlwt >&2
scripts/ensure-front.sh
if [ "$PROFILE" = release ]; then cargo build --release --quiet; else cargo build --quiet; fi
BIN="$(realpath "${CARGO_TARGET_DIR:-target}/$PROFILE/monlyceepro")"
WORK="$(mktemp -d)"
SERVER=""
trap '[ -n "$SERVER" ] && kill "$SERVER"; rm -rf "$WORK"' EXIT

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
mkdir -p "$WORK/srv"
/usr/bin/python3 scripts/official-shapes.py "$DATA" "$WORK/out" "$BASE"
ln -s "$DATA" "$WORK/srv/layout"
ln -s "$WORK/out/officiel" "$WORK/srv/officiel"
(cd "$WORK/srv" && exec python3 -m http.server "$PORT" --bind 127.0.0.1 >/dev/null 2>&1) &
SERVER=$!
sleep 1

export RUST_LOG=warn MLP_DATA_REFRESH=0 MLP_DOWNLOAD_ATTENTE_MS=100
unset MLP_DATA_MIRROR MLP_DATA_SOURCES

# Bytes fetched: the producers' files and the files published as they are.
MLP_DATA_DIR="$WORK/data" "$BIN" download --sources "$WORK/out/sources.toml" >/dev/null 2>"$WORK/download.log"
python3 - "$WORK/data/SOURCES.lock" <<'PY'
import sys, tomllib
files = tomllib.load(open(sys.argv[1], "rb"))["file"]
fetched = {}
for f in files:
    for p in f.get("from", []) or [{"url": f["url"], "size": f["size"]}]:
        fetched[p["url"]] = p["size"]
layout = sum(f["size"] for f in files)
print(f"fetched: {len(fetched)} files, {sum(fetched.values()):,} bytes; layout written: {len(files)} files, {layout:,} bytes")
PY

for engine in $ENGINES; do
  case "$engine" in
    sqlite)
      url() { echo "sqlite://$WORK/bench-$1.db"; }
      fresh() { rm -f "$WORK/bench-$1.db" "$WORK/bench-$1.db-wal" "$WORK/bench-$1.db-shm"; }
      ;;
    postgres)
      url() { echo "${PG%/*}/mlp_bench_$1"; }
      fresh() { psql "$PG" -qc "DROP DATABASE IF EXISTS mlp_bench_$1 WITH (FORCE)" && psql "$PG" -qc "CREATE DATABASE mlp_bench_$1"; }
      ;;
  esac
  export -f url fresh
  export WORK BIN DATA PG
  echo "== $engine"
  hyperfine --shell bash --runs "$RUNS" --export-markdown "$WORK/$engine.md" \
    --prepare "fresh layout" \
    -n "import of the layout copies (today)" \
    "DATABASE_URL=\$(url layout) MLP_DATA_DIR=$DATA $BIN import" \
    --prepare "fresh producers; rm -rf $WORK/data" \
    -n "download from the producers' shapes + import" \
    "MLP_DATA_DIR=$WORK/data $BIN download --sources $WORK/out/sources.toml && DATABASE_URL=\$(url producers) MLP_DATA_DIR=$WORK/data $BIN import"
  cat "$WORK/$engine.md"
done
