/**
 * Child processes of the bench: each server and the load generator is its own process,
 * pinned to one core with `taskset` when the machine has it, talking over loopback only.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

export const HAS_TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface ProcessOptions {
  name: string;
  /** Arguments after `node`. */
  args: string[];
  /** taskset CPU list, e.g. '0' or '0,1'. */
  cpu: string;
  env?: NodeJS.ProcessEnv;
  /** Ready when this URL answers 200; otherwise when the child sends {type: 'ready'} over IPC. */
  readyUrl?: string;
  /** How long to wait for ready (default 30 s). */
  readyTimeoutMs?: number;
}

let nextMessageId = 0;

export class BenchProcess {
  private exited = false;
  readonly started = performance.now();

  constructor(readonly name: string, readonly child: ChildProcess) {
    child.once('exit', () => { this.exited = true; });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Peak resident set size so far (VmHWM), in MB. taskset execs node, so the pid is node's. */
  peakRssMb(): number | null {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : null;
    } catch {
      return null;
    }
  }

  /** Resident set size now (VmRSS), in MB. */
  rssMb(): number | null {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : null;
    } catch {
      return null;
    }
  }

  /** CPU time used so far (user + system, all threads), in seconds; robust to a busy machine. */
  cpuSeconds(): number {
    try {
      // Fields after the command name (which may contain spaces): utime and stime are 14 and 15.
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    } catch {
      return NaN;
    }
  }

  /** Send a message and wait for the answer with the same id. */
  request<T>(message: Record<string, unknown>, answerType: string): Promise<T> {
    const id = nextMessageId++;
    return new Promise((resolve, reject) => {
      const onMessage = (msg: { type: string; id: number; error?: string }) => {
        if (msg.type !== answerType || msg.id !== id) return;
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (msg.error) reject(new Error(`${this.name}: ${msg.error}`));
        else resolve(msg as T);
      };
      const onExit = () => reject(new Error(`${this.name} exited`));
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send({ ...message, id });
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
  }
}

async function waitForUrl(url: string, proc: BenchProcess, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  let exitCode: number | null = null;
  proc.child.once('exit', (code) => { exitCode = code ?? -1; });
  while (performance.now() < until) {
    if (exitCode !== null) throw new Error(`${proc.name} exited with ${exitCode} before it was ready`);
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`${proc.name} was not ready at ${url} after ${timeoutMs} ms`);
}

function waitForReadyMessage(proc: BenchProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${proc.name} did not start in ${timeoutMs} ms`)), timeoutMs);
    proc.child.on('message', (msg: { type?: string }) => {
      if (msg.type === 'ready') { clearTimeout(timer); resolve(); }
    });
    proc.child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${proc.name} exited with ${code}`)); });
  });
}

export async function startProcess(opts: ProcessOptions): Promise<BenchProcess> {
  const command = HAS_TASKSET ? 'taskset' : process.execPath;
  const args = HAS_TASKSET ? ['-c', String(opts.cpu), process.execPath, ...opts.args] : opts.args;
  const child = spawn(command, args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_ENV: 'production', ...opts.env },
  });
  const proc = new BenchProcess(opts.name, child);
  try {
    const timeout = opts.readyTimeoutMs ?? 30_000;
    if (opts.readyUrl) await waitForUrl(opts.readyUrl, proc, timeout);
    else await waitForReadyMessage(proc, timeout);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return proc;
}

/** Time from spawn to the first 200 from readyUrl, in ms (start-up on an existing database). */
export async function timeStartup(opts: ProcessOptions & { readyUrl: string }): Promise<number> {
  const t0 = performance.now();
  const proc = await startProcess(opts);
  const ms = performance.now() - t0;
  await proc.stop();
  return ms;
}
