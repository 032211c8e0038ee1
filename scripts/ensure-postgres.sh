#!/usr/bin/env bash
# Makes sure a PostgreSQL server runs on a loopback port for the tests, and
# prints its URL. Installs Debian's PostgreSQL when missing, creates a data
# folder owned by `postgres` (initdb refuses root) and starts the server.
# Idempotent: a server already answering is reused.
set -euo pipefail

PORT="${MLP_PG_PORT:-55432}"
DATA="${MLP_PG_DIR:-/var/tmp/monlyceepro-pg}"
URL="postgres://postgres@127.0.0.1:${PORT}/postgres"

bindir() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

if [ -z "$(bindir)" ]; then
  echo "PostgreSQL absent : installation (apt-get install postgresql)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q postgresql >&2 || { apt-get update -q >&2 && apt-get install -y -q postgresql >&2; }
fi
BIN="$(bindir)"

if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
  echo "$URL"
  exit 0
fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  mkdir -p "$DATA"
  chown postgres:postgres "$DATA"
  chmod 700 "$DATA"
  runuser -u postgres -- "$BIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >&2
fi
# Tests create a database per test: allow enough connections.
runuser -u postgres -- "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" \
  -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  -w start >&2
echo "$URL"
