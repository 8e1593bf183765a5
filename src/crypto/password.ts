/**
 * User passwords: scrypt with its parameters encoded in the stored hash
 * (`scrypt$N$r$p$salt$key`), so hashes made at an older cost still verify and can be
 * recognised for rehashing. Never on the token path.
 */
import { randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import { safeEqual } from './digest.js';

/** log2 of scrypt's N: 17 is OWASP's recommendation for scrypt (N=2^17, r=8, p=1). */
export const DEFAULT_PASSWORD_HASH_COST = 17;
const R = 8, P = 1, KEYLEN = 32;
/** Stored hashes asking for more than this are refused (a hash is data, not a work order). */
const MAX_N = 2 ** 20, MAX_R = 32, MAX_P = 16;

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** scrypt needs about 128·N·r bytes; Node refuses above `maxmem` (32 MiB by default, less than N=2^17 takes). */
function maxmem(n: number, r: number, p: number): number {
  return 128 * n * r + 128 * r * p + 1024 * 1024;
}

/** Hash at N = 2^cost, r = 8, p = 1. */
export async function hashPassword(password: string, cost = DEFAULT_PASSWORD_HASH_COST): Promise<string> {
  const n = 2 ** cost;
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEYLEN, { N: n, r: R, p: P, maxmem: maxmem(n, R, P) });
  return `scrypt$${n}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

interface Parsed { n: number; r: number; p: number; salt: string; key: string }

function parse(stored: string): Parsed | null {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return null;
  const v = { n: Number(n), r: Number(r), p: Number(p), salt, key };
  const power = Number.isInteger(v.n) && v.n > 1 && (v.n & (v.n - 1)) === 0;
  if (!power || v.n > MAX_N || !Number.isInteger(v.r) || v.r < 1 || v.r > MAX_R || !Number.isInteger(v.p) || v.p < 1 || v.p > MAX_P) return null;
  return v;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h) return false;
  const expected = Buffer.from(h.key, 'base64url');
  const actual = await scrypt(password, Buffer.from(h.salt, 'base64url'), expected.length, {
    N: h.n, r: h.r, p: h.p, maxmem: maxmem(h.n, h.r, h.p),
  });
  return safeEqual(actual.toString('base64url'), h.key);
}

/** True when the stored hash is weaker than what `cost` makes now (checked after a successful sign-in). */
export function needsRehash(stored: string, cost = DEFAULT_PASSWORD_HASH_COST): boolean {
  const h = parse(stored);
  return !h || h.n < 2 ** cost || h.r < R;
}

/**
 * A hash to verify against when the user does not exist, at the current cost, so the
 * response time does not reveal usernames.
 */
export function dummyPasswordHash(cost = DEFAULT_PASSWORD_HASH_COST): string {
  return `scrypt$${2 ** cost}$${R}$${P}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
}
