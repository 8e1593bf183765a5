/**
 * RFC 8628 §6.1 user codes: 8 characters of 20 consonants (no vowels, so no words are spelt;
 * no digits, so none is read as a letter), about 34.6 bits, shown as XXXX-XXXX. What the user
 * types is normalised before it is compared: case, dashes and spaces do not matter.
 */
import { sha256Base64url } from '../../crypto/digest.js';
import { randomFromAlphabet } from '../../crypto/random.js';

export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
export const USER_CODE_LENGTH = 8;

/** A new user code in its display form, XXXX-XXXX. */
export function newUserCode(): string {
  const code = randomFromAlphabet(USER_CODE_ALPHABET, USER_CODE_LENGTH);
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/**
 * The code as stored and compared: upper case, without dashes and white space. Null when what
 * is left cannot be a user code (wrong length or a character outside the alphabet), so that a
 * typo is told apart from a wrong code without a lookup.
 */
export function normaliseUserCode(input: string): string | null {
  const code = input.replace(/[\s-]+/g, '').toUpperCase();
  if (code.length !== USER_CODE_LENGTH) return null;
  for (const c of code) if (!USER_CODE_ALPHABET.includes(c)) return null;
  return code;
}

/** The hash a user code is stored under (of its normalised form). */
export function hashUserCode(normalised: string): string {
  return sha256Base64url(`user-code:${normalised}`);
}
