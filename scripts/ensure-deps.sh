#!/usr/bin/env bash
# A fresh clone has no node_modules: install them (npm ci, from package-lock.json) before the
# first build, so `npm test`, `npm run demo` and `npm run bench` work as the first command.
# Run by npm as pretest / predemo / prebench; a no-op once the dependencies are there.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/tsc ] || [ ! -x node_modules/.bin/vitest ] || [ ! -d node_modules/@temporalio/worker ]; then
  echo "installing dependencies (npm ci: node_modules is missing)…" >&2
  npm ci --no-audit --no-fund >&2
fi
