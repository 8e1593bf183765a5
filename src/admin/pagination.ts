/**
 * Keyset pagination for admin lists: the cursor is the sort key of the last row, opaque to
 * callers (base64url JSON). Fetching one extra row tells whether another page exists.
 */
import { AppError } from '../core/errors.js';

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export function decodeCursor<K extends (string | number)[]>(cursor: string | undefined, initial: K): K {
  if (cursor === undefined || cursor === '') return initial;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === initial.length && v.every((x, i) => typeof x === typeof initial[i])) return v as K;
  } catch { /* fall through */ }
  throw new AppError('validation_failed', 'query parameter "cursor" is not a cursor this list returned');
}

/** Run a keyset query for `limit + 1` rows and cut the page. */
export async function page<R, T>(
  limit: number | string | undefined, fetch: (n: number) => Promise<R[]>, key: (row: R) => (string | number)[], view: (row: R) => T,
): Promise<Page<T>> {
  const n = limit === undefined ? DEFAULT_LIMIT : Number(limit);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw new AppError('validation_failed', `query parameter "limit" must be between 1 and ${MAX_LIMIT}`);
  const rows = await fetch(n + 1);
  const more = rows.length > n;
  const kept = more ? rows.slice(0, n) : rows;
  const last = kept[kept.length - 1];
  return {
    items: kept.map(view),
    next_cursor: more && last !== undefined ? Buffer.from(JSON.stringify(key(last))).toString('base64url') : null,
  };
}
