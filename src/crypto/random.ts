/** Random values for ids, tokens and secrets. The only source of randomness in Pixie. */
import { randomBytes, randomFillSync } from 'node:crypto';

/*
 * Each call to the CSPRNG costs a few microseconds whatever its size, which showed up in the
 * token endpoint's profile (docs/benchmarks.md). So small requests are served from a pool
 * filled 4 KiB at a time by the same CSPRNG; every pooled byte is handed out once, then
 * zeroed, so no two values share bytes and used secrets do not linger in the pool.
 */
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

function take(bytes: number): number {
  if (poolOffset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const start = poolOffset;
  poolOffset += bytes;
  return start;
}

export function randomBase64url(bytes: number): string {
  if (bytes > 256) return randomBytes(bytes).toString('base64url');
  const start = take(bytes);
  const text = pool.toString('base64url', start, start + bytes);
  pool.fill(0, start, start + bytes);
  return text;
}

/** Milliseconds since the epoch in fixed-width base 36 (9 characters): sorts like the time. */
export function timeKey(ms = Date.now()): string {
  return ms.toString(36).padStart(9, '0');
}

/**
 * A random id that sorts by creation time, for keys of rows written on every token request
 * (JWT ids, refresh-token families): B-tree inserts then append instead of touching random pages.
 */
export function orderedId(): string {
  return timeKey() + randomBase64url(12);
}

/**
 * A random id for rows that are not secrets (grants, keys, interactions). Never begins with
 * `-`, so that `pixie admin … revoke CLIENT ID` takes it as an argument, not as an option.
 */
export function randomId(): string {
  const id = randomBase64url(16);
  return id.startsWith('-') ? `_${id.slice(1)}` : id;
}

const NUMERIC = '0123456789';
/** Numeric ids as Stack Exchange hands out (portal client ids); 12 digits, first non-zero. */
export function randomNumericId(length = 12): string {
  const bytes = randomBytes(length * 2);
  let out = String(1 + (bytes[0] % 9));
  for (let i = 1; out.length < length; i++) {
    // 250 = 25 * 10: reject the top values so every digit is equally likely
    if (bytes[i] < 250) out += NUMERIC[bytes[i] % 10];
  }
  return out;
}

const UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';
/** An RFC 7636 code verifier of `length` unreserved characters (66 symbols, rejection-sampled). */
export function randomUnreserved(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 198 && out.length < length) out += UNRESERVED[b % 66]; // 198 = 3 * 66
    }
  }
  return out;
}

/** `length` characters of `alphabet` (at most 256 symbols), each equally likely (rejection-sampled). */
export function randomFromAlphabet(alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < limit && out.length < length) out += alphabet[b % alphabet.length];
    }
  }
  return out;
}
