/**
 * The SQLite files hold hashed secrets, sessions and signing keys: only the user running Pixie
 * may read them. The data folder is made 0700 and the database 0600 (SQLite gives its -wal and
 * -shm files the database's mode); looser ones left by an older version or a copy are
 * tightened, and each change is reported so the operator learns that they were readable.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

function tighten(path: string, mode: number, what: string, warnings: string[]): void {
  if (!existsSync(path)) return;
  const current = statSync(path).mode & 0o777;
  if ((current & ~mode) === 0) return;
  chmodSync(path, mode);
  warnings.push(`${what} ${path} was readable by others (mode ${current.toString(8).padStart(4, '0')}); changed to ${mode.toString(8).padStart(4, '0')}`);
}

/** Creates or tightens the data folder and the database files; returns one line per change. */
export function secureSqliteFiles(dataDir: string, file: string): string[] {
  const warnings: string[] = [];
  if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
  else tighten(dataDir, DIR_MODE, 'data folder', warnings);
  // Created here with 0600 (not by SQLite, with the umask's 0644), so the -wal and -shm that
  // SQLite creates next to it get 0600 too.
  if (!existsSync(file)) closeSync(openSync(file, 'a', FILE_MODE));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) tighten(path, FILE_MODE, 'database file', warnings);
  return warnings;
}
