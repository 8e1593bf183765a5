/**
 * @module @pixie-auth/verify/dpop
 * DPoP (RFC 9449) at the resource server: a token bound to a key (`cnf.jkt`) is only usable with
 * a fresh proof signed by that key for this very request. The checks are RFC 9449 §4.3 and §7.1:
 * one well-formed `dpop+jwt` proof signed with an allowed asymmetric algorithm by the public key in
 * its header, `htm`/`htu` equal to the request's method and URL, a recent `iat`, `ath` equal to the
 * hash of the token, the key's thumbprint equal to the token's `cnf.jkt`, a `jti` not seen before
 * (replay cache) and, when configured, a nonce this server handed out (§9).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { calculateJwkThumbprint, EmbeddedJWK, errors as joseErrors, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { InvalidDpopProofError, InvalidTokenError, UseDpopNonceError } from './errors.js';
import { isObject } from './http.js';

/**
 * Proof algorithms this library can check; all asymmetric (RFC 9449 §4.3 step 5: no MAC).
 * `Ed25519` is the fully-specified name of EdDSA over Ed25519 (RFC 9864) that current clients
 * (oauth4webapi, openid-client) put in proofs made with Ed25519 keys.
 */
export const DPOP_SUPPORTED_ALGS = ['ES256', 'ES384', 'EdDSA', 'Ed25519', 'RS256', 'PS256'] as const;
export type DpopAlgorithm = (typeof DPOP_SUPPORTED_ALGS)[number];
/** The algs Pixie accepts in proofs, so a token it bound is accepted here with the same proof. */
const DEFAULT_ALGS: DpopAlgorithm[] = ['ES256', 'EdDSA', 'Ed25519', 'RS256', 'PS256'];
const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;

/**
 * Where seen proof identifiers are kept. The default keeps them in this process's memory; an API
 * running as several processes shares one store so a proof replayed at another process is caught.
 * A Redis store is one line: `remember: async (key, exp) => (await redis.set(key, '1', { NX: true, EXAT: exp })) === 'OK'`.
 */
export interface DpopReplayStore {
  /**
   * Record `key` until `expiresAt` (epoch seconds). Resolves `true` when it was not recorded yet,
   * `false` when it was (a replay). Must be atomic: two concurrent calls with one key may not both
   * get `true`. Keys are hashes (43 characters of base64url); prefix them if the store is shared.
   */
  remember(key: string, expiresAt: number): boolean | Promise<boolean>;
}

/** Server-provided nonces (RFC 9449 §9): proofs must carry one this source considers valid. */
export interface DpopNonceSource {
  /** The nonce to hand out now, sent in the `DPoP-Nonce` header of `use_dpop_nonce` answers. */
  current(): string | Promise<string>;
  /** Whether a nonce from a proof is (still) accepted. */
  valid(nonce: string): boolean | Promise<boolean>;
}

export interface DpopOptions {
  /** Refuse tokens that are not DPoP-bound (default false: bearer tokens are accepted too). */
  required?: boolean;
  /** Proof algorithms accepted and named in `algs` of challenges (default ES256, EdDSA, Ed25519, RS256, PS256). */
  algorithms?: DpopAlgorithm[];
  /** How old a proof's `iat` may be, in seconds (default 60); it also bounds how long `jti`s are kept. */
  maxAgeSeconds?: number;
  /** Clock skew allowed on `iat`, both ways, in seconds (default 5). */
  clockToleranceSeconds?: number;
  /** Where seen `jti`s are kept (default: {@link memoryReplayStore} with 100 000 entries). */
  replayStore?: DpopReplayStore;
  /** Require server nonces (RFC 9449 §9); see {@link rotatingNonces}. */
  nonce?: DpopNonceSource;
  /**
   * The API's public base URL when it runs behind a proxy that changes scheme, host or path,
   * e.g. `https://api.example.com/v1`: the adapters build `htu` from it and the request's path.
   */
  publicBaseUrl?: string;
}

/** How a request presented its token, as the adapters read it. */
export interface DpopRequest {
  /** The Authorization scheme: `DPoP`, or `Bearer` (also for a query-string token). */
  scheme: 'Bearer' | 'DPoP';
  /** The `DPoP` header, if any. */
  proof?: string;
  /** The request's method, e.g. `GET`. */
  method: string;
  /** The URL the client called (query and fragment are ignored, RFC 9449 §4.3). */
  url: string;
}

export interface DpopCheck {
  token: string;
  /** The token's `cnf.jkt`, or null when it is not DPoP-bound. */
  jkt: string | null;
  request: DpopRequest | undefined;
}

/** The DPoP policy of one verifier. */
export class DpopPolicy {
  readonly required: boolean;
  readonly algorithms: DpopAlgorithm[];
  readonly publicBaseUrl: string | undefined;
  private readonly maxAge: number;
  private readonly tolerance: number;
  private readonly store: DpopReplayStore;
  private readonly nonce: DpopNonceSource | undefined;

  constructor(options: DpopOptions, private readonly now: () => number) {
    this.required = options.required ?? false;
    this.algorithms = options.algorithms ?? DEFAULT_ALGS;
    const unknown = this.algorithms.filter((a) => !DPOP_SUPPORTED_ALGS.includes(a));
    if (unknown.length || this.algorithms.length === 0) {
      throw new TypeError(`dpop.algorithms must be some of ${DPOP_SUPPORTED_ALGS.join(', ')}`);
    }
    this.maxAge = options.maxAgeSeconds ?? 60;
    this.tolerance = options.clockToleranceSeconds ?? 5;
    this.store = options.replayStore ?? memoryReplayStore({ now });
    this.nonce = options.nonce;
    this.publicBaseUrl = options.publicBaseUrl === undefined ? undefined : baseUrl(options.publicBaseUrl);
  }

  /**
   * Apply RFC 9449 §7 to a verified token and the way it was presented: throws unless a bound
   * token came with the DPoP scheme and a valid proof, or an unbound one came as a bearer token
   * where bearer tokens are allowed.
   */
  async check({ token, jkt, request }: DpopCheck): Promise<void> {
    const scheme = request?.scheme ?? 'Bearer';
    if (jkt === null) {
      if (scheme === 'DPoP') throw new InvalidTokenError('dpop_unbound', 'this token is not DPoP-bound: send it with the Bearer scheme');
      if (this.required) throw new InvalidTokenError('dpop_required', 'this API accepts DPoP-bound tokens only (RFC 9449)');
      return;
    }
    // §7.2: a bound token sent as a bearer token is refused, whatever proof comes with it.
    if (scheme !== 'DPoP') throw new InvalidTokenError('dpop_required', 'this token is DPoP-bound: send it as "Authorization: DPoP <token>" with a DPoP proof');
    if (request?.proof === undefined || request.proof === '') throw new InvalidDpopProofError('dpop_proof_missing', 'a DPoP header with a proof is required');
    await this.checkProof(request.proof, request, token, jkt);
  }

  private async checkProof(proof: string, request: DpopRequest, token: string, jkt: string): Promise<void> {
    if (proof.length > MAX_PROOF_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(proof)) {
      throw new InvalidDpopProofError('dpop_proof_invalid', 'the DPoP header must be a single JWT');
    }
    let payload: JWTPayload;
    let jwk: JWK;
    try {
      const verified = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt', algorithms: this.algorithms, currentDate: new Date(this.now() * 1000),
      });
      payload = verified.payload;
      jwk = verified.protectedHeader.jwk!;
    } catch (err) {
      throw proofFailure(err, this.algorithms);
    }
    const { jti, htm, htu, iat, ath } = payload as Record<string, unknown>;
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw new InvalidDpopProofError('dpop_proof_invalid', 'the proof needs a "jti" (a unique string)');
    if (htm !== request.method) throw new InvalidDpopProofError('dpop_htm', `the proof's "htm" must be ${request.method}`);
    if (typeof htu !== 'string' || !sameTarget(htu, request.url)) throw new InvalidDpopProofError('dpop_htu', `the proof's "htu" must be ${withoutQuery(request.url)}`);
    const t = this.now();
    if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new InvalidDpopProofError('dpop_proof_invalid', 'the proof needs an "iat"');
    if (iat > t + this.tolerance || iat < t - this.maxAge - this.tolerance) {
      throw new InvalidDpopProofError('dpop_iat', 'the proof is too old or dated in the future: make a fresh one');
    }
    if (typeof ath !== 'string' || !equal(ath, createHash('sha256').update(token).digest('base64url'))) {
      throw new InvalidDpopProofError('dpop_ath', 'the proof\'s "ath" must be the SHA-256 hash of this access token');
    }
    // The key binding is a fault of the token-and-key pair, hence invalid_token (RFC 9449 §7.1 example).
    if (!equal(await calculateJwkThumbprint(jwk, 'sha256'), jkt)) {
      throw new InvalidTokenError('dpop_key_mismatch', 'the DPoP proof is signed with another key than the one this token is bound to');
    }
    if (this.nonce) {
      const nonce = payload.nonce;
      if (typeof nonce !== 'string' || !(await this.nonce.valid(nonce))) {
        throw new UseDpopNonceError(await this.nonce.current(), typeof nonce === 'string' ? 'the proof\'s nonce has expired: use the one in DPoP-Nonce' : 'a DPoP nonce is required: use the one in DPoP-Nonce');
      }
    }
    // Only fully checked proofs are recorded, so garbage cannot fill the cache. The key is the
    // proof's identity per key (RFC 9449 §11.1); the same jti under another key is another proof.
    const key = createHash('sha256').update(jkt).update('\0').update(jti).digest('base64url');
    // Kept one second past the last instant the iat check still accepts it (a store treats a key
    // as gone at its expiry), so no proof outlives its record.
    if (!(await this.store.remember(key, Math.ceil(iat) + this.maxAge + this.tolerance + 1))) {
      throw new InvalidDpopProofError('dpop_replay', 'this DPoP proof has been used before: make a fresh one per request');
    }
  }
}

/**
 * The default replay store: proof keys in a Map in insertion order, expired ones dropped as they
 * come up. Bounded: when `maxEntries` unexpired keys are held the oldest is evicted, and from then
 * on any proof expiring no later than it is refused, so an evicted proof can never be replayed.
 */
export function memoryReplayStore(options: { maxEntries?: number; now?: () => number } = {}): DpopReplayStore {
  const max = options.maxEntries ?? 100_000;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const seen = new Map<string, number>();
  let horizon = Number.NEGATIVE_INFINITY;
  return {
    remember(key, expiresAt) {
      const t = now();
      // Insertion order is close to expiry order: drop expired keys from the front.
      for (const [k, exp] of seen) {
        if (exp > t) break;
        seen.delete(k);
      }
      if (expiresAt <= horizon) return false;
      const known = seen.get(key);
      if (known !== undefined && known > t) return false;
      if (seen.size >= max) {
        for (const [k, exp] of seen) if (exp <= t) seen.delete(k);
        while (seen.size >= max) {
          const [k, exp] = seen.entries().next().value!;
          seen.delete(k);
          horizon = Math.max(horizon, exp);
        }
        if (expiresAt <= horizon) return false;
      }
      seen.set(key, expiresAt);
      return true;
    },
  };
}

/**
 * Nonces that change every `periodSeconds` (default 300): an HMAC of the period number under a
 * secret, so nothing is stored and processes sharing `secret` accept each other's nonces. The
 * current and previous period's nonces are accepted, so a nonce is good for at least one period.
 */
export function rotatingNonces(options: { secret: string | Uint8Array; periodSeconds?: number; now?: () => number }): DpopNonceSource {
  const period = options.periodSeconds ?? 300;
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  if (typeof options.secret === 'string' ? options.secret.length < 16 : options.secret.byteLength < 16) {
    throw new TypeError('rotatingNonces needs a secret of at least 16 characters or bytes');
  }
  const nonceFor = (n: number) => createHmac('sha256', options.secret).update(String(n)).digest('base64url');
  return {
    current: () => nonceFor(Math.floor(now() / period)),
    valid(nonce) {
      const n = Math.floor(now() / period);
      return equal(nonce, nonceFor(n)) || equal(nonce, nonceFor(n - 1));
    },
  };
}

/** The `cnf.jkt` of token claims or an introspection answer (RFC 9449 §6), or null. */
export function jktFromClaims(claims: Record<string, unknown>): string | null {
  const cnf = claims.cnf;
  if (!isObject(cnf) || cnf.jkt === undefined) return null;
  if (typeof cnf.jkt !== 'string' || cnf.jkt === '') throw new InvalidTokenError('malformed', 'the token\'s cnf.jkt is not a key thumbprint');
  return cnf.jkt;
}

/**
 * The URL a request was made to: the public base URL joined with the request's path when one is
 * configured (the API is behind a proxy), else what the server saw.
 */
export function requestUrl(pathAndQuery: string, seen: { protocol: string; host: string }, publicBaseUrl?: string): string {
  if (publicBaseUrl !== undefined) return `${publicBaseUrl}${pathAndQuery.startsWith('/') ? '' : '/'}${pathAndQuery}`;
  return `${seen.protocol}://${seen.host}${pathAndQuery}`;
}

/** `https://api.example.com/v1/` → `https://api.example.com/v1`: the request's path is appended to it. */
function baseUrl(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new TypeError(`dpop.publicBaseUrl must be an absolute http(s) URL, got "${value}"`);
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.search || u.hash) {
    throw new TypeError(`dpop.publicBaseUrl must be an http(s) URL without query or fragment, got "${value}"`);
  }
  return u.href.replace(/\/$/, '');
}

/** RFC 9449 §4.3: `htu` matches the request URI without query and fragment, after normalisation. */
function sameTarget(htu: string, url: string): boolean {
  try {
    return withoutQuery(htu) === withoutQuery(url);
  } catch {
    return false;
  }
}

function withoutQuery(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function proofFailure(err: unknown, algs: string[]): InvalidDpopProofError {
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return new InvalidDpopProofError('dpop_proof_invalid', `the proof must be signed with one of ${algs.join(', ')}`);
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return new InvalidDpopProofError('dpop_proof_invalid', 'the proof\'s signature is invalid');
  if (err instanceof joseErrors.JWTClaimValidationFailed && err.claim === 'typ') return new InvalidDpopProofError('dpop_proof_invalid', 'the proof\'s typ must be dpop+jwt');
  if (err instanceof joseErrors.JWSInvalid) return new InvalidDpopProofError('dpop_proof_invalid', 'the proof must carry the public key that signed it in its "jwk" header');
  return new InvalidDpopProofError('dpop_proof_invalid', 'the DPoP proof is not a valid JWT');
}
