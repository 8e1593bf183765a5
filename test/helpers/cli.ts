/**
 * Run the `pixie` command as a child process, the way a user does, and watch its output.
 * It runs the TypeScript entry through tsx, so tests never depend on a stale dist/ build.
 * Where the process itself is not what a test checks, `runCliInProcess` runs the same command
 * (run.ts `main`) in the test's process with its own output, environment and standard input:
 * milliseconds instead of seconds per run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/run.js';

const ENTRY = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** A running command and what it printed so far. */
export interface CliSession {
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stderr match of `pattern` (rejects if the process ends first). */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Write a line to the command's standard input. */
  type(line: string): void;
  exit: Promise<number>;
}

export interface CliRun extends CliSession {
  child: ChildProcess;
}

/** Resolves waiters whose pattern the text printed so far matches. */
function watcher(text: () => string) {
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void; reject: (e: Error) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = text().match(w.pattern);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  return {
    check,
    waitFor: (pattern: RegExp) => new Promise<RegExpMatchArray>((resolve, reject) => {
      waiters.push({ pattern, resolve, reject });
      check();
    }),
    ended: (why: (pattern: RegExp) => Error) => { for (const w of waiters.splice(0)) w.reject(why(w.pattern)); },
  };
}

/** The command in this process: `env` on top of this process's environment, a stream for standard input. */
export function runCliInProcess(args: string[], env: Record<string, string> = {}, opts: { errIsTTY?: boolean } = {}): CliSession {
  let out = '';
  let err = '';
  const stdin = new PassThrough();
  const watch = watcher(() => err);
  const exit = main(args, {
    out: (text) => { out += text; },
    err: (text) => { err += text; watch.check(); },
    env: { ...process.env, PIXIE_PASSWORD_HASH_COST: '14', ...env },
    stdin,
    errIsTTY: opts.errIsTTY === true,
  }).then((code) => {
    watch.ended((pattern) => new Error(`pixie returned ${code} before printing ${pattern}; stderr:\n${err}`));
    return code;
  });
  return {
    exit,
    stdout: () => out,
    stderr: () => err,
    waitFor: watch.waitFor,
    type(line) {
      stdin.write(`${line}\n`);
    },
  };
}

export function runCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    env: { ...process.env, PIXIE_PASSWORD_HASH_COST: '14', ...env }, stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const watch = watcher(() => err);
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    watch.check();
  });
  const exit = new Promise<number>((resolve) => child.on('close', (code) => {
    watch.ended((pattern) => new Error(`pixie exited (${code}) before printing ${pattern}; stderr:\n${err}`));
    resolve(code ?? -1);
  }));
  return {
    child, exit,
    stdout: () => out,
    stderr: () => err,
    waitFor: watch.waitFor,
    type(line) {
      child.stdin!.write(`${line}\n`);
    },
  };
}

/** The authorize URL `pixie token` prints (indented, on its own line). */
export const PRINTED_URL = /^ {2}(https?:\/\/\S+)$/m;
