#!/usr/bin/env node
// Runs the compiled CLI (npm install builds it through the `prepare` script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('pixie: the build is missing; run `npm install` (or `npm run build`) in the Pixie folder first.\n');
  process.exit(2);
}
// Memory tuning first, before the app loads (src/runtime/v8-tuning.ts; PIXIE_NODE_TUNING=off).
const { applyV8Tuning } = await import(new URL('../dist/runtime/v8-tuning.js', import.meta.url).href);
applyV8Tuning();
await import(entry.href);
