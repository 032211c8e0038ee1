#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests when missing (never a
# browser downloaded by a test tool).
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
  echo "Chromium absent : installation (apt-get install chromium)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q chromium >&2 || { apt-get update -q >&2 && apt-get install -y -q chromium >&2; }
fi
