/**
 * Opaque secrets: `<prefix>_<43 chars of 256-bit randomness><6 chars checksum>`.
 * The prefix says what leaked; the CRC-32 checksum lets a secret scanner tell a real
 * Pixie secret from noise offline (the GitHub token format). Only sha256 is stored.
 *
 * Tokens and codes (rows written on every token request) also carry a time key, 9 base-36
 * characters of the issue time in ms, before the randomness; their stored key is
 * `<time key>.<sha256>`. Keys that grow with time make each insert an append to the right edge
 * of the B-tree instead of a write to a random page, so a group commit writes a handful of pages
 * rather than one per row (docs/benchmarks.md: 60-70 µs → 15-25 µs per token insert on SQLite).
 * The time key is not secret (a JWT carries `iat` too); the hash still proves the whole token.
 */
import { sha256Base64url } from './digest.js';
import { randomBase64url, timeKey } from './random.js';

export const TOKEN_PREFIXES = {
  accessToken: 'pxat',
  refreshToken: 'pxrt',
  apiKey: 'pxk',
  clientSecret: 'pxs',
  code: 'pxc',
  session: 'pxss',
  challengeToken: 'pxct',
  /** RFC 7592 registration access token of a dynamically registered client. */
  registrationAccessToken: 'pxra',
  /** RFC 7591 initial access token, made by an administrator. */
  initialAccessToken: 'pxia',
  /** RFC 8628 device code, which the device polls the token endpoint with. */
  deviceCode: 'pxdc',
} as const;
export type TokenPrefix = (typeof TOKEN_PREFIXES)[keyof typeof TOKEN_PREFIXES];

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

function crc32(text: string): number {
  let crc = -1;
  for (let i = 0; i < text.length; i++) crc = CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

function checksum(body: string): string {
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(crc32(body));
  return buf.toString('base64url'); // 6 chars
}

/** Prefixes of the secrets stored in the token and code tables, which get a time key. */
const TIME_KEYED: ReadonlySet<string> = new Set<TokenPrefix>(['pxat', 'pxrt', 'pxc', 'pxct']);
export function generateOpaqueToken(prefix: TokenPrefix): string {
  const body = `${prefix}_${TIME_KEYED.has(prefix) ? timeKey() : ''}${randomBase64url(32)}`;
  return body + checksum(body);
}

const SHAPE = /^(px[a-z]{1,3})_((?:[0-9a-z]{9})?[A-Za-z0-9_-]{43})([A-Za-z0-9_-]{6})$/;
const TIME_KEYED_SHAPE = /^(px[a-z]{1,3})_([0-9a-z]{9})[A-Za-z0-9_-]{49}$/;

/** True when the string has a Pixie prefix and a valid checksum (no server call needed). */
export function hasValidChecksum(token: string, prefix?: TokenPrefix): boolean {
  const m = SHAPE.exec(token);
  if (!m) return false;
  if (prefix && m[1] !== prefix) return false;
  return checksum(`${m[1]}_${m[2]}`) === m[3];
}

/**
 * The value stored at rest for a generated secret; high entropy makes a fast hash enough.
 * For time-keyed tokens the key is prepended (see the top of this file).
 */
export function hashOpaqueToken(token: string): string {
  const m = token.length === token.indexOf('_') + 59 ? TIME_KEYED_SHAPE.exec(token) : null;
  return m && TIME_KEYED.has(m[1]) ? `${m[2]}.${sha256Base64url(token)}` : sha256Base64url(token);
}

/** The part of a secret that may be shown again after creation (prefix + 4 chars). */
export function displayPrefix(token: string): string {
  const i = token.indexOf('_');
  return token.slice(0, i + 5);
}
