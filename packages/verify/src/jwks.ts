/**
 * @module @pixie-auth/verify/jwks
 * The issuer's public keys, cached. A token signed with a key we have not seen triggers
 * one refetch (the issuer rotated its keys), but such refetches happen at most once per cooldown so a
 * stream of forged `kid`s cannot turn the API into a JWKS request amplifier.
 */
import { importJWK, type CryptoKey, type JWK, type JWSHeaderParameters } from 'jose';
import { InvalidTokenError, VerifierUnavailableError } from './errors.js';
import { fetchJson, isObject, type FetchLike } from './http.js';

/** Asymmetric algorithms only: an `HS256` token "signed" with a public key must never verify. */
export const ALLOWED_ALGS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'];

export interface JwksOptions {
  fetcher: FetchLike;
  now: () => number;
  cooldownSeconds: number;
  maxAgeSeconds: number;
  timeoutMs: number;
}

export class JwksCache {
  private keys: JWK[] = [];
  private imported = new Map<string, CryptoKey | Uint8Array>();
  private fetchedAt = Number.NEGATIVE_INFINITY;
  /** Last refetch caused by an unknown kid; the rate limit applies to these only. */
  private refetchedAt = Number.NEGATIVE_INFINITY;
  private pending: Promise<void> | null = null;
  /** Number of JWKS documents fetched; exposed for tests and metrics. */
  fetches = 0;

  constructor(private readonly uri: () => Promise<string>, private readonly opts: JwksOptions) {}

  /** The key for a JWS header, refetching the set when the `kid` is unknown (rate-limited). */
  async keyFor(header: JWSHeaderParameters): Promise<CryptoKey | Uint8Array> {
    const alg = header.alg ?? '';
    if (!ALLOWED_ALGS.includes(alg)) throw new InvalidTokenError('signature', `tokens signed with "${alg}" are not accepted`);
    if (this.opts.now() - this.fetchedAt >= this.opts.maxAgeSeconds) {
      // A stale set is still better than none while the issuer is briefly unreachable.
      await this.refresh().catch((err: unknown) => { if (!this.keys.length) throw err; });
    }
    let jwk = this.find(header);
    if (!jwk && this.opts.now() - this.refetchedAt >= this.opts.cooldownSeconds) {
      this.refetchedAt = this.opts.now();
      await this.refresh();
      jwk = this.find(header);
    }
    if (!jwk) throw new InvalidTokenError('unknown_key', `the token was signed with an unknown key${header.kid ? ` (kid "${header.kid}")` : ''}`);
    const cacheKey = `${jwk.kid ?? ''}|${alg}`;
    let key = this.imported.get(cacheKey);
    if (!key) {
      key = await importJWK(jwk, alg);
      this.imported.set(cacheKey, key);
    }
    return key;
  }

  private find(header: JWSHeaderParameters): JWK | undefined {
    const usable = this.keys.filter((k) => (k.use === undefined || k.use === 'sig') && (k.alg === undefined || k.alg === header.alg));
    if (header.kid !== undefined) return usable.find((k) => k.kid === header.kid);
    // RFC 7515 §4.1.4: without a kid the key must be unambiguous.
    return usable.length === 1 ? usable[0] : undefined;
  }

  private async refresh(): Promise<void> {
    this.pending ??= this.load().finally(() => (this.pending = null));
    return this.pending;
  }

  private async load(): Promise<void> {
    const uri = await this.uri();
    this.fetches++;
    // Count the attempt even if it fails: a dead JWKS endpoint must not be hammered either.
    this.fetchedAt = this.opts.now();
    const { status, body } = await fetchJson(this.opts.fetcher, uri, { headers: { accept: 'application/json' } }, 'unknown_key', this.opts.timeoutMs);
    if (status !== 200 || !isObject(body) || !Array.isArray(body.keys)) {
      throw new VerifierUnavailableError('unknown_key', `the JWKS at ${uri} answered ${status} without a key set`);
    }
    this.keys = body.keys.filter(isObject);
    this.imported.clear();
  }
}
