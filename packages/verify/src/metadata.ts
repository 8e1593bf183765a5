/**
 * @module @pixie-auth/verify/metadata
 * Issuer metadata (RFC 8414 / OIDC Discovery), fetched once and kept while it is fresh.
 */
import { VerifierUnavailableError } from './errors.js';
import { fetchJson, isObject, type FetchLike } from './http.js';

export interface IssuerMetadata {
  issuer: string;
  jwks_uri?: string;
  introspection_endpoint?: string;
  [key: string]: unknown;
}

const WELL_KNOWN = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'];

export class MetadataCache {
  private value: IssuerMetadata | null = null;
  private fetchedAt = 0;
  private pending: Promise<IssuerMetadata> | null = null;

  constructor(
    private readonly issuer: string,
    private readonly fetcher: FetchLike,
    private readonly now: () => number,
    private readonly maxAgeSeconds: number,
    private readonly timeoutMs: number,
    overrides: Partial<IssuerMetadata> | undefined,
  ) {
    if (overrides?.jwks_uri || overrides?.introspection_endpoint) {
      this.value = { ...overrides, issuer };
      this.fetchedAt = Number.POSITIVE_INFINITY;
    }
  }

  async get(): Promise<IssuerMetadata> {
    if (this.value && this.now() - this.fetchedAt < this.maxAgeSeconds) return this.value;
    // One discovery request at a time, however many verifications wait for it.
    this.pending ??= this.load().finally(() => (this.pending = null));
    return this.pending;
  }

  private async load(): Promise<IssuerMetadata> {
    const base = this.issuer.replace(/\/$/, '');
    for (const path of WELL_KNOWN) {
      const { status, body } = await fetchJson(this.fetcher, base + path, { headers: { accept: 'application/json' } }, 'discovery_failed', this.timeoutMs);
      if (status === 404) continue;
      if (status !== 200 || !isObject(body)) throw new VerifierUnavailableError('discovery_failed', `${base + path} answered ${status}`);
      // RFC 8414 §3.3: the metadata must name exactly the issuer it was fetched for.
      if (body.issuer !== this.issuer) {
        throw new VerifierUnavailableError('discovery_failed', `discovery names issuer "${String(body.issuer)}", expected "${this.issuer}"`);
      }
      this.value = body as IssuerMetadata;
      this.fetchedAt = this.now();
      return this.value;
    }
    throw new VerifierUnavailableError('discovery_failed', `no discovery document under ${base}`);
  }
}
