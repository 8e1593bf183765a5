/** `pixie pkce`: a code verifier and its S256 challenge (RFC 7636 §4.1, §4.2). */
import { challengeFor } from '../core/pkce.js';
import { randomUnreserved } from '../crypto/random.js';

export function pkceCommand(flags: { length?: string; json?: boolean }): string {
  const length = flags.length === undefined ? 64 : Number(flags.length);
  if (!Number.isInteger(length) || length < 43 || length > 128) {
    throw new UsageError('--length must be a whole number from 43 to 128 (RFC 7636 §4.1)');
  }
  const verifier = randomUnreserved(length);
  const challenge = challengeFor(verifier, 'S256');
  if (flags.json) return JSON.stringify({ code_verifier: verifier, code_challenge: challenge, code_challenge_method: 'S256' }, null, 2);
  return `code_verifier=${verifier}\ncode_challenge=${challenge}\ncode_challenge_method=S256`;
}

export class UsageError extends Error {}
