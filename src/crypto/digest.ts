/** Hashes and constant-time comparison. */
import { createHash, timingSafeEqual } from 'node:crypto';

export function sha256(input: string | Buffer): Buffer {
  return createHash('sha256').update(input).digest();
}

export function sha256Base64url(input: string | Buffer): string {
  return createHash('sha256').update(input).digest('base64url');
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
