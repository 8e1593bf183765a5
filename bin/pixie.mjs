#!/usr/bin/env node
// Runs the compiled CLI (npm install builds it through the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('pixie: the build is missing; run `npm install` (or `npm run build`) in the Pixie folder first.\n');
  process.exit(2);
}
await import(entry.href);
