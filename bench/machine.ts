/** The machine and package versions a report was measured with, and the build Pixie runs from. */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';

export interface MachineInfo {
  date: string;
  nproc: number;
  cpuModel: string;
  node: string;
  loadBefore: string;
  commit: string;
  versions: Record<string, string>;
}

function version(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(join('node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

export function machineInfo(): MachineInfo {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  const pixie = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    loadBefore: loadavg().map((l) => l.toFixed(2)).join(' '),
    commit,
    versions: Object.fromEntries(
      [['pixie', pixie], ...['oidc-provider', 'fastify', '@fastify/formbody', 'better-sqlite3', 'jose', 'kysely', 'autocannon'].map((p) => [p, version(p)])],
    ),
  };
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(path) : st.mtimeMs);
  }
  return newest;
}

/** `pixie serve` runs from dist/: build it when any source file is newer. */
export function ensureBuilt(log: (line: string) => void): void {
  const entry = 'dist/cli/main.js';
  if (existsSync(entry) && statSync(entry).mtimeMs >= newestMtime('src')) return;
  log('building dist/ (npm run build)');
  const r = spawnSync('npm', ['run', 'build'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build failed');
}

/** True when this build of `pixie serve` knows `--workers`. */
export function workersAvailable(): boolean {
  const r = spawnSync(process.execPath, ['bin/pixie.mjs', 'help'], { encoding: 'utf8' });
  return /--workers/.test(r.stdout ?? '');
}
