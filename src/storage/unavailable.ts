/** Which database errors mean "cannot reach or write the database now" rather than a bug or bad data. */
import { StorageUnavailable } from '../core/errors.js';

/** Node socket errors, and PostgreSQL classes 08 (connection), 53 (resources), 57P (shutdown, cannot connect now). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const PG_STATES = /^(08|53|57P)/;
/** pg's own errors carry no code. */
const PG_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection timeout)/i;

/**
 * SQLite: the disk is full (SQLITE_FULL), or writing to it fails (SQLITE_IOERR_*: what a full
 * disk gives where SQLite does not recognise it, e.g. growing the -shm file). Retrying after
 * the operator frees space is the fix, and nothing acknowledged is lost: the commit failed.
 */
const SQLITE_CODES = /^SQLITE_(FULL|IOERR)/;

export function isUnavailable(err: unknown): boolean {
  if (err instanceof StorageUnavailable) return true;
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  if (typeof e.code === 'string' && SQLITE_CODES.test(e.code)) return true;
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || (e.code.length === 5 && PG_STATES.test(e.code)))) return true;
  return typeof e.message === 'string' && PG_MESSAGES.test(e.message);
}

/** Rethrows `err` as StorageUnavailable when it is an outage, as itself otherwise. */
export function rethrowStorageError(err: unknown): never {
  throw storageError(err);
}

/** `err` as StorageUnavailable when it is an outage, as itself otherwise. */
export function storageError(err: unknown): unknown {
  return isUnavailable(err) && !(err instanceof StorageUnavailable) ? new StorageUnavailable(err) : err;
}
