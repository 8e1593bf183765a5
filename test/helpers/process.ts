/**
 * Real `pixie serve` processes for the scale tests: spawned with their own environment,
 * stopped with a signal. Uses bin/pixie.mjs when the build (dist/) is newer than src/;
 * otherwise runs src/cli/main.ts through tsx, so a stale build never hides a change.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ImportFileData } from '../../src/import/schema.js';
import { createTestSchema } from './postgres.js';

const ROOT = new URL('../../', import.meta.url).pathname;

function newestMtime(dir: string): number {
  return Math.max(0, ...readdirSync(dir).map((name) => {
    const p = join(dir, name);
    const st = statSync(p);
    return st.isDirectory() ? newestMtime(p) : st.mtimeMs;
  }));
}

/** The node arguments that start the CLI, and which entry they use. */
export function pixieEntry(): { args: string[]; describe: string } {
  const built = join(ROOT, 'dist/cli/main.js');
  if (existsSync(built) && statSync(built).mtimeMs >= newestMtime(join(ROOT, 'src'))) {
    return { args: [join(ROOT, 'bin/pixie.mjs')], describe: 'bin/pixie.mjs (dist/ is up to date)' };
  }
  return { args: ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')], describe: 'src/cli/main.ts via tsx (dist/ missing or older than src/)' };
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function writeImportFile(dir: string, data: ImportFileData): string {
  const file = join(dir, 'import.json');
  writeFileSync(file, JSON.stringify(data));
  return file;
}

export interface PixieProcess {
  /** http://127.0.0.1:PORT — where to send requests (the public URL may differ). */
  url: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

export interface SpawnOptions {
  args: string[];
  env?: Record<string, string>;
  port?: number;
  /** What runs `pixie` (default: this checkout's entry, see pixieEntry). */
  command?: string[];
  cwd?: string;
}

export async function spawnPixie(opts: SpawnOptions): Promise<PixieProcess> {
  const port = opts.port ?? (await freePort());
  const [bin, ...pre] = opts.command ?? [process.execPath, ...pixieEntry().args];
  const child = spawn(bin!, [...pre, 'serve', '--port', String(port), '--log-level', 'warn', ...opts.args], {
    cwd: opts.cwd ?? ROOT, env: { ...process.env, NODE_ENV: 'production', PIXIE_PASSWORD_HASH_COST: '14', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => { out += d; });
  child.stderr!.on('data', (d) => { out += d; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const proc: PixieProcess = {
    url, child, output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  // Ready when /readyz answers 200; give up if the process exits or after 60 s.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pixie exited with ${child.exitCode}:\n${out}`);
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return proc;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      await proc.kill();
      throw new Error(`pixie did not become ready:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `pixie serve` from an installed package's executable (the packaging test), ready at /readyz. */
export async function spawnPixieFrom(executable: string, cwd: string, args: string[]): Promise<PixieProcess> {
  return spawnPixie({ args, command: [executable], cwd });
}

/** Two `pixie serve` processes over one fresh PostgreSQL schema, both behind `publicUrl`. */
export interface ProcessPair {
  a: PixieProcess;
  b: PixieProcess;
  /** Stops both, drops the schema and removes the data folder. */
  stop(): Promise<void>;
}

/** Starts the pair with `data` imported (PIXIE_TEST_DATABASE_URL must be set). */
export async function startProcessPair(data: ImportFileData, publicUrl: string): Promise<ProcessPair> {
  const schema = await createTestSchema();
  const dir = mkdtempSync(join(tmpdir(), 'pixie-pair-'));
  const args = ['--import', writeImportFile(dir, data), '--public-url', publicUrl, '--data', dir];
  const env = { DATABASE_URL: schema.url };
  const [a, b] = await Promise.all([spawnPixie({ args, env }), spawnPixie({ args, env })]);
  return {
    a, b,
    async stop() {
      await Promise.all([a.stop(), b.stop()]);
      await schema.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
