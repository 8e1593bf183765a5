/**
 * @module @pixie-auth/verify/introspection
 * RFC 7662 introspection for opaque tokens and API keys, with a short cache so an API does
 * not call the issuer on every request. The cache is keyed by a hash of the token (never the
 * token itself) and never outlives the token's own `exp`.
 */
import { createHash } from 'node:crypto';
import { VerifierUnavailableError } from './errors.js';
import { fetchJson, isObject, type FetchLike } from './http.js';

export interface IntrospectionCredentials {
  clientId: string;
  clientSecret: string;
}

export type IntrospectionAnswer = { active: false } | ({ active: true } & Record<string, unknown>);

interface Entry { answer: IntrospectionAnswer; until: number }

const MAX_ENTRIES = 10_000;

export class Introspector {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly endpoint: () => Promise<string>,
    private readonly credentials: IntrospectionCredentials,
    private readonly opts: { fetcher: FetchLike; now: () => number; cacheSeconds: number; timeoutMs: number },
  ) {}

  async introspect(token: string, codeVerifier?: string): Promise<IntrospectionAnswer> {
    const key = createHash('sha256').update(token).update('\0').update(codeVerifier ?? '').digest('base64url');
    const now = this.opts.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.answer;
    const answer = await this.request(token, codeVerifier);
    const exp = answer.active && typeof answer.exp === 'number' ? answer.exp : Number.POSITIVE_INFINITY;
    const until = Math.min(now + this.opts.cacheSeconds, exp);
    if (until > now) this.remember(key, { answer, until });
    return answer;
  }

  private remember(key: string, entry: Entry): void {
    this.cache.delete(key);
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, entry);
  }

  private async request(token: string, codeVerifier: string | undefined): Promise<IntrospectionAnswer> {
    const url = await this.endpoint();
    const form = new URLSearchParams({ token });
    // The issuer checks challenge-code binding too when it gets the verifier.
    if (codeVerifier) form.set('code_verifier', codeVerifier);
    // RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    const basic = Buffer.from(`${encodeURIComponent(this.credentials.clientId)}:${encodeURIComponent(this.credentials.clientSecret)}`).toString('base64');
    const { status, body } = await fetchJson(this.opts.fetcher, url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${basic}` },
      body: form.toString(),
    }, 'introspection_unavailable', this.opts.timeoutMs);
    if (status === 401 || status === 403) {
      throw new VerifierUnavailableError('introspection_unavailable', 'the issuer refused this API\'s introspection credentials');
    }
    if (status !== 200 || !isObject(body) || typeof body.active !== 'boolean') {
      throw new VerifierUnavailableError('introspection_unavailable', `the introspection endpoint answered ${status}`);
    }
    return body.active ? (body as IntrospectionAnswer) : { active: false };
  }
}
