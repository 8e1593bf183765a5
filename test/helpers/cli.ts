/**
 * Run the `pixie` command as a child process, the way a user does, and watch its output.
 * It runs the TypeScript entry through tsx, so tests never depend on a stale dist/ build.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stderr match of `pattern` (rejects if the process ends first). */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Write a line to the command's standard input. */
  type(line: string): void;
  exit: Promise<number>;
}

export function runCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    env: { ...process.env, PIXIE_PASSWORD_HASH_COST: '14', ...env }, stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void; reject: (e: Error) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const m = err.match(w.pattern);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    check();
  });
  const exit = new Promise<number>((resolve) => child.on('close', (code) => {
    for (const w of waiters.splice(0)) w.reject(new Error(`pixie exited (${code}) before printing ${w.pattern}; stderr:\n${err}`));
    resolve(code ?? -1);
  }));
  return {
    child, exit,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve, reject });
        check();
      });
    },
    type(line) {
      child.stdin!.write(`${line}\n`);
    },
  };
}

/** The authorize URL `pixie token` prints (indented, on its own line). */
export const PRINTED_URL = /^ {2}(https?:\/\/\S+)$/m;
