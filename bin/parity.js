#!/usr/bin/env node
// The `parity` command: runs the compiled CLI (npm ci builds it through the prepare script).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const main = join(__dirname, '..', 'dist', 'src', 'cli', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('parity: not built yet; run `npm run build` (npm ci does it through prepare)\n');
  process.exit(2);
}
require(main).main().then((code) => process.exit(code), () => process.exit(2));
