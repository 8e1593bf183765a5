/** Hashes and constant-time comparison. */
import * as crypto from 'node:crypto';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

type OneShotHash = (algorithm: string, data: string | Buffer, outputEncoding?: string) => string | Buffer;
/**
 * crypto.hash (Node >= 20.12) hashes without creating a Hash object: less than half the time
 * of createHash().update().digest() for the short values hashed on every token request.
 */
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

export function sha256Base64url(input: string | Buffer): string {
  return oneShot ? (oneShot('sha256', input, 'base64url') as string) : createHash('sha256').update(input).digest('base64url');
}

/** HMAC-SHA-256 of `data` under `key`, base64url. */
export function hmacSha256Base64url(key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data).digest('base64url');
}

/** Compare two strings in time that does not depend on where they differ. */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  // Compare against itself on length mismatch so the time spent stays the same.
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}
