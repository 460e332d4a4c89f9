#!/usr/bin/env bash
# Installs what the dashboard browser test needs: Debian's chromium (headless) and playwright-core
# from npm (the version locked in package-lock.json). Idempotent; apt-get needs root.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "dashboard-test: chromium is missing; run as root or: apt-get install -y chromium" >&2
    exit 1
  fi
  echo "dashboard-test: installing chromium"
  # A fresh machine may have no package lists yet: update once and try again.
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || {
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null
  }
fi
if [ ! -d node_modules/playwright-core ]; then
  echo "dashboard-test: installing playwright-core"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --silent; else npm install --no-audit --no-fund --silent; fi
fi
