#!/usr/bin/env bash
# Installs what the tests drive, from Debian's packages, when missing:
# Chromium for the browser tests (never a browser downloaded by a test
# tool); python3-aiosmtpd, the SMTP server the outage test stops and
# starts as a separate process; python3-xlwt, with which
# scripts/official-shapes.py writes INSEE's .xls files for the download
# tests (tests/it/producers.rs); and from PyPI, Schemathesis, the client
# that checks the API against its OpenAPI document (tests/it/contract.rs).
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
/usr/bin/python3 -c 'import xlwt' >/dev/null 2>&1 || missing+=(python3-xlwt)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installation de ${missing[*]} (apt-get)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${missing[@]}" >&2 || { apt-get update -q >&2 && apt-get install -y -q "${missing[@]}" >&2; }
fi
# The version is pinned: a new one may generate other cases.
SCHEMATHESIS=4.32.5
if ! command -v st >/dev/null 2>&1 || ! st --version 2>/dev/null | grep -q "$SCHEMATHESIS"; then
  echo "Installation de schemathesis $SCHEMATHESIS (pip)…" >&2
  python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS" >&2
fi
