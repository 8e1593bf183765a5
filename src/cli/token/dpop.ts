/**
 * `pixie token --dpop`: the client side of DPoP (RFC 9449). A key pair (generated ES256, or a
 * private JWK/PEM file), a proof per request (§4.2), the server's nonce followed (§8), and the
 * private key kept with a saved token so that `--refresh` proves the same key: refresh tokens of
 * public clients are bound to it (§5).
 */
import { createHash, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { randomBase64url } from '../../crypto/random.js';
import { UsageError } from '../pkce.js';
import { FlowError } from './errors.js';

/** Proof algorithms offered, from the key's type (RFC 9449 §4.2: asymmetric only). */
type ProofAlg = 'ES256' | 'ES384' | 'EdDSA' | 'RS256';

export interface DpopKey {
  alg: ProofAlg;
  privateKey: CryptoKey;
  /** The public key as it goes into each proof's `jwk` header. */
  publicJwk: JWK;
  /** Its RFC 7638 SHA-256 thumbprint: the token's `cnf.jkt`, and `dpop_jkt` on authorization requests (§10). */
  jkt: string;
  /** The private key as a JWK, for saving next to the token (the tokens file is 0600). */
  privateJwk: JWK;
  /** The last nonce a server handed out (§8); proofs carry it. */
  nonce?: string;
}

const PUBLIC_MEMBERS: Record<string, string[]> = { EC: ['kty', 'crv', 'x', 'y'], OKP: ['kty', 'crv', 'x'], RSA: ['kty', 'n', 'e'] };

function algFor(jwk: JWK): ProofAlg {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  if (jwk.kty === 'EC' && jwk.crv === 'P-384') return 'ES384';
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA';
  if (jwk.kty === 'RSA') return 'RS256';
  throw new FlowError(`a DPoP key must be EC P-256 or P-384, Ed25519 or RSA; got ${jwk.kty ?? 'no kty'}${jwk.crv ? ` ${jwk.crv}` : ''}`);
}

/** A key from its private JWK (as saved, or read from a file). */
export async function keyFromJwk(jwk: JWK): Promise<DpopKey> {
  if (typeof jwk.d !== 'string') throw new FlowError('the DPoP key must be a private key (a JWK with "d", or a PEM private key)');
  const alg = algFor(jwk);
  const publicJwk = pick(jwk, PUBLIC_MEMBERS[jwk.kty!]) as JWK;
  // Only the key's own members: `use`, `key_ops` or `ext` from a file must not restrict the import.
  const privateJwk = { ...publicJwk, d: jwk.d, ...pick(jwk, ['p', 'q', 'dp', 'dq', 'qi']), alg };
  let privateKey: CryptoKey;
  try {
    privateKey = await importJWK(privateJwk, alg) as CryptoKey;
  } catch (err) {
    throw new FlowError(`the DPoP key cannot be used: ${(err as Error).message}`);
  }
  return { alg, privateKey, publicJwk, privateJwk, jkt: await calculateJwkThumbprint(publicJwk, 'sha256') };
}

function pick(jwk: JWK, names: string[]): Record<string, unknown> {
  const members = jwk as Record<string, unknown>;
  return Object.fromEntries(names.filter((n) => members[n] !== undefined).map((n) => [n, members[n]]));
}

/** A fresh ES256 key (RFC 9449 §4.2 examples use it; every DPoP server supports it). */
export async function generateDpopKey(): Promise<DpopKey> {
  const pair = await generateKeyPair('ES256', { extractable: true });
  return keyFromJwk(await exportJWK(pair.privateKey));
}

/** `--dpop-key FILE`: a private JWK (JSON) or a PEM private key (PKCS #8, SEC 1 or PKCS #1). */
export async function readDpopKey(file: string): Promise<DpopKey> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new FlowError(`cannot read the DPoP key ${file}: ${(err as Error).message}`);
  }
  let jwk: JWK;
  try {
    jwk = text.trimStart().startsWith('{') ? JSON.parse(text) as JWK : createPrivateKey(text).export({ format: 'jwk' });
  } catch (err) {
    throw new FlowError(`${file} is neither a private JWK nor a PEM private key: ${(err as Error).message}`);
  }
  if (typeof jwk !== 'object' || jwk === null) throw new FlowError(`${file} is not a JWK object`);
  return keyFromJwk(jwk);
}

/**
 * A DPoP proof (RFC 9449 §4.2) for one request: `htm`, `htu` without query and fragment, a fresh
 * `jti`, `iat`, `ath` when a token goes with it, and the server's last nonce.
 */
export async function makeProof(key: DpopKey, htm: string, url: string, accessToken?: string): Promise<string> {
  const u = new URL(url);
  const claims: Record<string, string> = { htm, htu: `${u.origin}${u.pathname}`, jti: randomBase64url(18) };
  if (accessToken !== undefined) claims.ath = createHash('sha256').update(accessToken).digest('base64url');
  if (key.nonce !== undefined) claims.nonce = key.nonce;
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, typ: 'dpop+jwt', jwk: key.publicJwk }).setIssuedAt().sign(key.privateKey);
}

/**
 * POST to the token endpoint with a proof; when the server asks for a nonce (`use_dpop_nonce`
 * with a `DPoP-Nonce` header, RFC 9449 §8), once more with it. Later proofs carry the newest nonce.
 */
export async function postWithProof(url: string, init: { headers: Record<string, string>; body: URLSearchParams; signal: AbortSignal }, key: DpopKey): Promise<Response> {
  const send = async () => fetch(url, { method: 'POST', ...init, headers: { ...init.headers, dpop: await makeProof(key, 'POST', url) } });
  const res = await send();
  const nonce = res.headers.get('dpop-nonce');
  if (nonce === null) return res;
  key.nonce = nonce;
  if (res.status !== 400 && res.status !== 401) return res;
  const body = await res.clone().json().catch(() => null) as { error?: unknown } | null;
  return body?.error === 'use_dpop_nonce' ? send() : res;
}

/** Shell-quote for the printed curl line (single quotes; tokens and proofs are base64url anyway). */
function sq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Where the example call goes without `--api-url`: a reserved name (RFC 2606), never a real API. */
export const PLACEHOLDER_API_URL = 'https://api.example.com/';

/** A ready `curl` line calling `apiUrl` with the token and a fresh proof for GET on that URL. */
export async function curlLine(key: DpopKey, accessToken: string, apiUrl: string): Promise<string> {
  // A resource server's nonce is its own: the token endpoint's must not leak into this proof.
  const proof = await makeProof({ ...key, nonce: undefined }, 'GET', apiUrl, accessToken);
  return `curl -H ${sq(`Authorization: DPoP ${accessToken}`)} -H ${sq(`DPoP: ${proof}`)} ${sq(apiUrl)}`;
}

/**
 * After a token request with `--dpop`: say whether the token is bound, and print a curl line
 * with a fresh proof. Returns whether the server bound the token (RFC 9449 §5: `token_type` DPoP).
 */
export async function reportDpop(say: (message: string) => void, fields: Record<string, string | number>, key: DpopKey, apiUrl: string | undefined): Promise<boolean> {
  if (String(fields.token_type).toLowerCase() !== 'dpop') {
    say(`Note: the server answered token_type "${String(fields.token_type)}", not DPoP: it ignored the proof, so this is a plain bearer token.`);
    return false;
  }
  say(`The token is DPoP-bound to key ${key.jkt} (RFC 9449): every call needs a new proof signed by that key.`);
  if (apiUrl === undefined) {
    say(`A call with a proof for GET ${PLACEHOLDER_API_URL} (a placeholder: pass --api-url URL for a proof your API accepts; a proof is good once, for about a minute):`);
  } else {
    say(`A call with a proof for GET ${apiUrl} (good once, for about a minute):`);
  }
  say(`  ${await curlLine(key, String(fields.access_token), apiUrl ?? PLACEHOLDER_API_URL)}`);
  return true;
}

/** Usage checks of `--dpop`, `--dpop-key` and `--api-url`. */
export function dpopKeyFlags(flags: { dpop?: boolean; 'dpop-key'?: string; 'api-url'?: string; refresh?: string }): void {
  if (flags['dpop-key'] !== undefined && !flags.dpop && flags.refresh === undefined) throw new UsageError('--dpop-key goes with --dpop');
  const api = flags['api-url'];
  if (api === undefined) return;
  if (!flags.dpop && flags.refresh === undefined) throw new UsageError('--api-url goes with --dpop (it prints a call with a DPoP proof)');
  let u: URL;
  try {
    u = new URL(api);
  } catch {
    throw new UsageError(`--api-url must be an absolute http(s) URL, got "${api.slice(0, 80)}"`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new UsageError(`--api-url must be an absolute http(s) URL, got "${api.slice(0, 80)}"`);
}
