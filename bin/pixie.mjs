#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=20 --v8-pool-size=1
// Runs the compiled CLI (npm install builds it through the `prepare` script).
//
// The Node flags above keep the server's memory small (issue 8: < 150 MB peak under load; about
// 205-225 MB without them): a 4 MB young generation instead of 16 MB, an old generation that grows
// by 20 % between full collections instead of doubling, and one V8 helper thread for GC.
// `npx pixie`, `npm start` and running this file directly apply them; `node bin/pixie.mjs`
// does not (docs/deployment.md).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('pixie: the build is missing; run `npm install` (or `npm run build`) in the Pixie folder first.\n');
  process.exit(2);
}
await import(entry.href);
