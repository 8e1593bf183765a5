/** Random values for ids, tokens and secrets. The only source of randomness in Pixie. */
import { randomBytes } from 'node:crypto';

export function randomBase64url(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** A random id for rows that are not secrets (grants, keys, interactions). */
export function randomId(): string {
  return randomBytes(16).toString('base64url');
}

const NUMERIC = '0123456789';
/** Numeric ids as Stack Exchange hands out (portal client ids); 12 digits, first non-zero. */
export function randomNumericId(length = 12): string {
  const bytes = randomBytes(length * 2);
  let out = String(1 + (bytes[0]! % 9));
  for (let i = 1; out.length < length; i++) {
    // 250 = 25 * 10: reject the top values so every digit is equally likely
    if (bytes[i]! < 250) out += NUMERIC[bytes[i]! % 10];
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
