/**
 * @module @pixie-auth/verify/jwks
 * The issuer's public keys: jose's remote key set (download, key selection by `kid`/`alg`/`use`,
 * imported-key cache, max age, one request at a time, timeout) with the verifier's policies on top:
 * - a token signed with a key we have not seen triggers a refetch (the issuer rotated its keys), but
 *   such refetches happen at most once per cooldown, so a stream of forged `kid`s cannot turn the API
 *   into a JWKS request amplifier;
 * - while the issuer is unreachable, the last key set it served stays in use (stale-if-error).
 */
import {
  createRemoteJWKSet, customFetch, errors as joseErrors,
  type CryptoKey, type FlattenedJWSInput, type JWSHeaderParameters, type RemoteJWKSet,
} from 'jose';
import { InvalidTokenError, VerifierUnavailableError } from './errors.js';
import { isObject, type FetchLike } from './http.js';

/** Asymmetric algorithms only: an `HS256` token "signed" with a public key must never verify. */
export const ALLOWED_ALGS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'];

export interface JwksOptions {
  fetcher: FetchLike;
  /** Epoch seconds; the unknown-`kid` cooldown runs on this clock. */
  now: () => number;
  cooldownSeconds: number;
  maxAgeSeconds: number;
  timeoutMs: number;
}

export class IssuerKeys {
  /** JWKS requests sent, answered or not; exposed for tests and metrics. */
  fetches = 0;
  private set: Promise<RemoteJWKSet> | null = null;
  /** The last key set the issuer served, answered again while it cannot be reached. */
  private lastGood: string | null = null;
  /** Why the last request failed, while {@link lastGood} stands in for the issuer's answer. */
  private outage: VerifierUnavailableError | null = null;
  /** The last refetch caused by an unknown `kid`; the cooldown applies to these only. */
  private refetch: { at: number; done: Promise<void> } | null = null;

  constructor(private readonly uri: () => Promise<string>, private readonly opts: JwksOptions) {}

  /** The key for a JWS header, refetching the set when the `kid` is unknown (at most once per cooldown). */
  async keyFor(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<CryptoKey> {
    const set = await this.remoteSet();
    try {
      return await set(header, token);
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey)) throw this.failure(err, header);
    }
    if (!this.refetch || this.opts.now() - this.refetch.at >= this.opts.cooldownSeconds) {
      this.refetch = { at: this.opts.now(), done: set.reload() };
    }
    // Inside the cooldown this waits for the refetch in flight, if any, and looks again.
    try {
      await this.refetch.done;
      return await set(header, token);
    } catch (err) {
      throw this.failure(err, header);
    }
  }

  private failure(err: unknown, header: JWSHeaderParameters): unknown {
    if (err instanceof joseErrors.JWKSNoMatchingKey) {
      // Not knowing the key because the issuer is down is the issuer's problem, not the token's.
      return this.outage ?? new InvalidTokenError('unknown_key', `the token was signed with an unknown key${header.kid ? ` (kid "${header.kid}")` : ''}`);
    }
    // RFC 7515 §4.1.4: without a kid the key must be unambiguous.
    if (err instanceof joseErrors.JWKSMultipleMatchingKeys) return new InvalidTokenError('unknown_key', 'the token names no key ("kid") and the issuer has several');
    if (err instanceof joseErrors.JWKSInvalid) return new VerifierUnavailableError('unknown_key', `the issuer's key set is not usable: ${err.message}`);
    return err;
  }

  /** jose's key set for the issuer's `jwks_uri`, made once that URI is known (it may come from discovery). */
  private remoteSet(): Promise<RemoteJWKSet> {
    this.set ??= this.create().catch((err: unknown) => {
      this.set = null; // discovery failed: try again on the next token
      throw err;
    });
    return this.set;
  }

  private async create(): Promise<RemoteJWKSet> {
    const uri = await this.uri();
    if (!URL.canParse(uri)) throw new VerifierUnavailableError('discovery_failed', `the issuer's jwks_uri "${uri}" is not a URL`);
    return createRemoteJWKSet(new URL(uri), {
      timeoutDuration: Math.ceil(this.opts.timeoutMs),
      cacheMaxAge: this.opts.maxAgeSeconds * 1000,
      // keyFor refetches on unknown kids itself: jose's cooldown counts from any fetch, so a key
      // rotated just after a routine refresh would be refused for a whole cooldown.
      cooldownDuration: Number.POSITIVE_INFINITY,
      [customFetch]: (url, init) => this.download(url, init),
    });
  }

  /** jose's fetch: counts requests, checks the answer, and stands in the last good set for a failed one. */
  private async download(url: string, init: RequestInit): Promise<Response> {
    this.fetches++;
    let body: string;
    try {
      body = await this.fetchKeySet(url, init);
      this.lastGood = body;
      this.outage = null;
    } catch (err) {
      const failure = err instanceof VerifierUnavailableError ? err : new VerifierUnavailableError('unknown_key', `cannot reach ${url}: ${(err as Error).message}`);
      if (this.lastGood === null) throw failure;
      // Known keys keep verifying through an outage; jose dates this answer as fresh, so the
      // next request waits for the max age or an unknown kid's cooldown, as after a success.
      this.outage = failure;
      body = this.lastGood;
    }
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  }

  private async fetchKeySet(url: string, init: RequestInit): Promise<string> {
    const res = await this.opts.fetcher(url, init);
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch { /* reported below */ }
    if (res.status !== 200 || !isObject(parsed) || !Array.isArray(parsed.keys)) {
      throw new VerifierUnavailableError('unknown_key', `the JWKS at ${url} answered ${res.status} without a key set`);
    }
    // Entries that are not objects are skipped rather than making the whole set unusable.
    return JSON.stringify({ keys: parsed.keys.filter(isObject) });
  }
}
