/**
 * JWT signing with node:crypto directly, on the token path: the encoded header is made once per
 * key and `typ`, and no JOSE library is loaded to issue a token (docs/benchmarks.md: ~34 µs per
 * ES256 signature). Verification (the server's own access tokens at introspection and userinfo,
 * ID tokens as logout hints) uses `jose`, loaded at the first token verified.
 */
import { createHash, sign } from 'node:crypto';
import type { JWTPayload } from 'jose';
import type { PublicJwk, SigningKey } from './keys.js';

const headerCache = new Map<string, string>();

function encodedHeader(key: SigningKey, typ: string): string {
  const cacheKey = `${key.kid}|${typ}`;
  let h = headerCache.get(cacheKey);
  if (!h) {
    h = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ })).toString('base64url');
    headerCache.set(cacheKey, h);
  }
  return h;
}

export function signJwt(key: SigningKey, typ: 'JWT' | 'at+jwt', payload: object): string {
  const input = `${encodedHeader(key, typ)}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature =
    key.alg === 'ES256'
      ? sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
      : key.alg === 'RS256'
        ? sign('sha256', Buffer.from(input), key.privateKey)
        : sign(null, Buffer.from(input), key.privateKey);
  return `${input}.${signature.toString('base64url')}`;
}

/** OIDC Core §3.1.3.6 at_hash / c_hash: left half of the hash that matches the JWS alg. */
export function halfHash(alg: SigningKey['alg'], value: string): string {
  const digest = createHash(alg === 'EdDSA' ? 'sha512' : 'sha256').update(value).digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

export interface VerifiedJwt {
  payload: JWTPayload;
  kid?: string;
}

/** Verify a JWT against a set of public keys (our own JWKS). Throws on any failure. */
export async function verifyJwt(
  token: string,
  keys: PublicJwk[],
  opts: { issuer: string; typ?: string; audience?: string; currentDate?: Date },
): Promise<VerifiedJwt> {
  // Loaded at first use: a server that never verifies a JWT (opaque tokens) starts without jose.
  const { createLocalJWKSet, jwtVerify } = await import('jose');
  const jwks = createLocalJWKSet({ keys: keys });
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: opts.issuer,
    typ: opts.typ,
    audience: opts.audience,
    currentDate: opts.currentDate,
  });
  return { payload, kid: protectedHeader.kid };
}

/**
 * Verify a JWT's signature against our own JWKS, its `typ` header and its `iss`, but none of its
 * time claims: an ID token remains a valid logout hint after it expired (OpenID Connect
 * RP-Initiated Logout 1.0 §2). Throws on any failure.
 */
export async function verifyJwtIgnoringTime(
  token: string,
  keys: PublicJwk[],
  opts: { issuer: string; typ: string },
): Promise<VerifiedJwt> {
  const { compactVerify, createLocalJWKSet } = await import('jose');
  const { payload, protectedHeader } = await compactVerify(token, createLocalJWKSet({ keys: keys }));
  if (typeof protectedHeader.typ !== 'string' || protectedHeader.typ.toLowerCase() !== opts.typ.toLowerCase()) {
    throw new Error(`typ must be ${opts.typ}`);
  }
  const claims: unknown = JSON.parse(new TextDecoder().decode(payload));
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw new Error('the payload is not a JSON object');
  if ((claims as JWTPayload).iss !== opts.issuer) throw new Error('iss is not this issuer');
  return { payload: claims as JWTPayload, kid: protectedHeader.kid };
}
