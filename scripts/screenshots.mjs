#!/usr/bin/env node
// `npm run screenshots`: refreshes the README's images (docs/images/*.png) by running the page
// tests that take them with PIXIE_SCREENSHOTS pointing there. `npm test` saves them to a temp
// folder instead, so a test run never changes the working tree.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const files = ['test/browser/login-consent.test.ts', 'test/browser/portal.test.ts'];
const result = spawnSync(process.execPath, ['scripts/run-tests.mjs', ...files], {
  cwd: root, stdio: 'inherit', env: { ...process.env, PIXIE_SCREENSHOTS: 'docs/images' },
});
process.exit(result.status ?? 1);
