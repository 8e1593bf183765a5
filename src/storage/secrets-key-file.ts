/**
 * The `secrets.key` file next to an SQLite database: made at first start when no secrets key is
 * configured, so that signing keys are encrypted at rest out of the box (dev mode included). It
 * holds one key, or "new,old" while `pixie secrets-key rotate` runs. Like the database, it is
 * readable by the user running Pixie only (0600), and must be backed up with the database.
 */
import { chmodSync, existsSync, linkSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateSecretsKey, parseSecretsKeys, SecretsKeyError } from '../crypto/secrets-key.js';

const FILE_MODE = 0o600;

export function secretsKeyPath(databaseFile: string): string {
  return join(dirname(databaseFile), 'secrets.key');
}

/** The keys of the file, newest first, or null when there is no file. Tightens a loose mode (reported in `warnings`). */
export function readSecretsKeyFile(path: string, warnings: string[]): string[] | null {
  if (!existsSync(path)) return null;
  const mode = statSync(path).mode & 0o777;
  if (mode & ~FILE_MODE) {
    chmodSync(path, FILE_MODE);
    warnings.push(`secrets key ${path} was readable by others (mode ${mode.toString(8).padStart(4, '0')}); changed to 0600`);
  }
  return parseSecretsKeys(readFileSync(path, 'utf8'), path);
}

/**
 * Makes the file with a new key, atomically: written to a temporary name and linked into place,
 * so that of two processes starting at once one makes it and the other reads that one.
 */
export function createSecretsKeyFile(path: string): { keys: string[]; created: boolean } {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${generateSecretsKey()}\n`, { mode: FILE_MODE, flag: 'w' });
  let created = true;
  try {
    linkSync(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    created = false;
  } finally {
    unlinkSync(temp);
  }
  const keys = readSecretsKeyFile(path, []);
  if (!keys) throw new SecretsKeyError(`cannot create ${path}`);
  return { keys, created };
}

/** Replaces the file's content atomically (rename over it). */
export function writeSecretsKeyFile(path: string, keys: string[]): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${keys.join(',')}\n`, { mode: FILE_MODE, flag: 'w' });
  renameSync(temp, path);
}
