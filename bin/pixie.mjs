#!/usr/bin/env node
// Runs the compiled CLI (npm install builds it through the `prepare` script).
import v8 from 'node:v8';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Keep the server's memory small (issue 8: < 150 MB peak under load; 205-225 MB without this):
// the young generation stays at its initial size instead of growing to 16 MB semi-spaces, and
// the old generation grows by 20 % between full collections instead of doubling. Both are read
// by V8 at each collection, so setting them here, before the app loads, works for `npx pixie`,
// `node bin/pixie.mjs` and cluster workers alike. PIXIE_NODE_TUNING=off keeps V8's defaults.
if (process.env.PIXIE_NODE_TUNING !== 'off') {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  v8.setFlagsFromString('--heap-growing-percent=20');
}

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('pixie: the build is missing; run `npm install` (or `npm run build`) in the Pixie folder first.\n');
  process.exit(2);
}
await import(entry.href);
