#!/usr/bin/env node
// Start-up to /readyz of `node bin/pixie.mjs serve --dev` from dist/, with and without the vendor
// bundles (dist/vendor/*.bundle.mjs, moved aside for the runs without them, and put back):
// a start on a new data folder and a restart on a migrated one, runs with and without alternating.
// Prints the median wall time (spawn to the first 200) and the server's CPU time at that moment.
//
//   npm run build && node bench/startup-bundles.mjs [RUNS=10]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.argv[2] ?? 10);
const BUNDLES = ['fastify', 'typebox'].map((n) => join(ROOT, 'dist/vendor', `${n}.bundle.mjs`));
const setBundles = (on) => {
  for (const b of BUNDLES) {
    if (on && existsSync(b + '.off')) renameSync(b + '.off', b);
    if (!on && existsSync(b)) renameSync(b, b + '.off');
  }
};
const freePort = () => new Promise((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
/** utime + stime of the process, in ms (clock ticks of 10 ms). */
const ticks = (pid) => { try { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10; } catch { return NaN; } };

async function start(dataDir) {
  const port = await freePort();
  const t0 = performance.now();
  const child = spawn(process.execPath, ['bin/pixie.mjs', 'serve', '--dev', '--data', dataDir, '--port', String(port), '--log-level', 'warn'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  for (;;) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (r.status === 200) break;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 5));
  }
  const ms = performance.now() - t0;
  const cpu = ticks(child.pid);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  return { ms, cpu };
}

const results = { with: { fresh: [], restart: [] }, without: { fresh: [], restart: [] } };
const migrated = { with: mkdtempSync(join(tmpdir(), 'pixie-su-')), without: mkdtempSync(join(tmpdir(), 'pixie-su-')) };
for (const v of ['with', 'without']) { setBundles(v === 'with'); await start(migrated[v]); }
try {
  for (let i = 0; i < RUNS; i++) {
    const order = i % 2 ? ['without', 'with'] : ['with', 'without'];
    for (const v of order) {
      setBundles(v === 'with');
      const fresh = mkdtempSync(join(tmpdir(), 'pixie-su-'));
      results[v].fresh.push(await start(fresh));
      rmSync(fresh, { recursive: true, force: true });
      results[v].restart.push(await start(migrated[v]));
    }
  }
} finally {
  setBundles(true);
  for (const d of Object.values(migrated)) rmSync(d, { recursive: true, force: true });
}
const median = (a) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
for (const v of ['with', 'without']) for (const k of ['fresh', 'restart']) {
  const r = results[v][k];
  console.log(`${v} bundles, ${k}: median ${median(r.map((x) => x.ms)).toFixed(0)} ms (CPU ${median(r.map((x) => x.cpu)).toFixed(0)} ms); runs ${r.map((x) => x.ms.toFixed(0)).join(', ')}`);
}
console.log(JSON.stringify(results));
