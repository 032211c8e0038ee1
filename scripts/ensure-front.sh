#!/usr/bin/env bash
# Installs the front-end packages (DSFR, and for the browser tests
# playwright-core and axe-core) when node_modules is missing or stale.
# DSFR 1.15 asks for its terms of use to be accepted: .dsfr.yml does it
# (MonLycéePro is a service of the French administration).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
   || [ ! -f node_modules/@gouvfr/dsfr/dist/dsfr.min.css ]; then
  echo "Installation des paquets npm (npm ci)…" >&2
  npm ci --no-audit --no-fund >&2
fi
