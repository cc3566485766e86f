#!/usr/bin/env bash
# Installs what the HTML report's browser test needs, idempotently: Debian's chromium
# (/usr/bin/chromium) and playwright-core (the driver only; it downloads no browser).
# Run as root (or with sudo available) on Debian/Ubuntu. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO="sudo"; else
      echo "setup-browser: /usr/bin/chromium is missing and this is not root; run: apt-get install -y chromium" >&2
      exit 1
    fi
  fi
  echo "setup-browser: installing chromium (Debian package)…"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y --no-install-recommends chromium || {
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends chromium
  }
fi
/usr/bin/chromium --version

if ! node -e "require.resolve('playwright-core')" >/dev/null 2>&1; then
  echo "setup-browser: installing playwright-core…"
  # the browser comes from Debian; never let playwright download one
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --save-dev --no-audit --no-fund playwright-core
fi
node -e "console.log('playwright-core ' + require('playwright-core/package.json').version)"
