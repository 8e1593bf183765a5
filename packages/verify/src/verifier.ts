/**
 * @module @pixie-auth/verify/verifier
 * `createVerifier()`: JWT access tokens are checked locally against the issuer's cached
 * JWKS (RFC 9068); opaque tokens and API keys are introspected (RFC 7662). Either way the
 * same checks follow: expiry, audience, credential kind, challenge-code binding, DPoP binding
 * (RFC 9449) and scopes.
 */
import { errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { challengeFromClaims, checkBinding } from './binding.js';
import { DpopPolicy, jktFromClaims } from './dpop.js';
import { InsufficientScopeError, InvalidRequestError, InvalidTokenError, MissingTokenError, VerifyError } from './errors.js';
import { Introspector, type IntrospectionAnswer } from './introspection.js';
import { IssuerKeys, ALLOWED_ALGS } from './jwks.js';
import { MetadataCache } from './metadata.js';
import { protectedResourceMetadataUrl } from './resource-metadata.js';
import type { CredentialKind, VerifiedCredential, VerifierOptions, VerifyOptions } from './types.js';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** Pixie API keys start with `pxk_`; other issuers say so in `token_type`. */
const API_KEY_PREFIX = 'pxk_';
const MAX_TOKEN_LENGTH = 8192;

export interface Verifier {
  /** Verify a credential; resolves to what it grants or throws a {@link VerifyError}. */
  verify(token: string | undefined, options?: VerifyOptions): Promise<VerifiedCredential>;
  /** The issuer this verifier trusts. */
  readonly issuer: string;
  /** The API's resource identifier (the `resource` option), if any. */
  readonly resource: string | undefined;
  /** Where its RFC 9728 metadata is: the adapters name it in their 401s. */
  readonly resourceMetadataUrl: string | undefined;
  /** JWKS requests sent so far, answered or not (for monitoring the refetch rate limit). */
  readonly jwksFetches: number;
  /** The DPoP policy: the adapters read `publicBaseUrl` and `algorithms` from it. */
  readonly dpop: DpopPolicy;
}

/**
 * @example
 * const verifier = createVerifier({ issuer: 'https://id.example.com/default/default',
 *   introspection: { clientId: 'my-api', clientSecret: process.env.API_SECRET! } });
 * const who = await verifier.verify(token, { scopes: ['read_inbox'] });
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const fetcher = options.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxAge = options.maxAgeSeconds ?? 600;
  const metadata = new MetadataCache(options.issuer, fetcher, now, maxAge, timeoutMs,
    options.endpoints ? { jwks_uri: options.endpoints.jwksUri, introspection_endpoint: options.endpoints.introspectionEndpoint } : undefined);
  const endpoint = (name: 'jwks_uri' | 'introspection_endpoint') => async () => {
    const value = (await metadata.get())[name];
    if (typeof value !== 'string') throw new InvalidTokenError('malformed', `the issuer publishes no ${name}`);
    return value;
  };
  const jwks = new IssuerKeys(endpoint('jwks_uri'), {
    fetcher, now, timeoutMs, maxAgeSeconds: maxAge, cooldownSeconds: options.jwksCooldownSeconds ?? 30,
  });
  const introspector = options.introspection
    ? new Introspector(endpoint('introspection_endpoint'), options.introspection, { fetcher, now, timeoutMs, cacheSeconds: options.cacheSeconds ?? 30 })
    : null;
  const audiences = options.audience === undefined ? null : [options.audience].flat();
  const resource = options.resource;
  const resourceMetadataUrl = options.resourceMetadataUrl ?? (resource !== undefined ? protectedResourceMetadataUrl(resource) : undefined);

  /** RFC 8707: a token for this API names it in `aud`; one for the whole server or another API does not. */
  function checkResource(aud: unknown): void {
    if (resource === undefined) return;
    const values = [aud].flat().filter((a): a is string => typeof a === 'string');
    if (!values.some((a) => sameResource(a, resource))) {
      throw new InvalidTokenError('audience', `the token is not meant for this resource (${resource})`);
    }
  }
  const tolerance = options.clockToleranceSeconds ?? 0;
  // Always on: a DPoP-bound token must never be accepted without its proof, configured or not.
  const dpop = new DpopPolicy(options.dpop ?? {}, now);

  async function verifyJwt(token: string): Promise<VerifiedCredential> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, (header, jws) => jwks.keyFor(header, jws), {
        issuer: options.issuer,
        // RFC 9068 §4: only `at+jwt` — an ID token signed by the same key is not an access token.
        typ: 'at+jwt',
        algorithms: ALLOWED_ALGS,
        audience: audiences ?? undefined,
        currentDate: new Date(now() * 1000),
        clockTolerance: tolerance,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (err) {
      throw joseFailure(err);
    }
    checkResource(payload.aud);
    return {
      kind: 'access_token', method: 'jwt', subject: String(payload.sub),
      clientId: typeof payload.client_id === 'string' ? payload.client_id : (typeof payload.azp === 'string' ? payload.azp : ''),
      scopes: scopesOf(payload), expiresAt: payload.exp ?? null, boundChallenge: challengeFromClaims(payload), dpopJkt: jktFromClaims(payload), claims: payload,
    };
  }

  async function verifyByIntrospection(token: string, pkceVerifier: string | undefined): Promise<VerifiedCredential> {
    if (!introspector) {
      throw new InvalidTokenError('malformed', 'this API accepts only JWT access tokens (no introspection credentials are configured)');
    }
    const answer: IntrospectionAnswer = await introspector.introspect(token, pkceVerifier);
    if (!answer.active) throw new InvalidTokenError('inactive', 'the token is not active (unknown, expired or revoked)');
    const t = now();
    if (answer.iss !== undefined && answer.iss !== options.issuer) throw new InvalidTokenError('issuer', 'the token was issued by another issuer');
    if (typeof answer.exp === 'number' && answer.exp + tolerance <= t) throw new InvalidTokenError('expired', 'the token has expired');
    if (typeof answer.nbf === 'number' && answer.nbf - tolerance > t) throw new InvalidTokenError('not_yet_valid', 'the token is not valid yet');
    // Introspection answers from Pixie omit `aud` (its tokens are for the whole server); when present it must match.
    if (audiences && answer.aud !== undefined && ![answer.aud].flat().some((a) => typeof a === 'string' && audiences.includes(a))) {
      throw new InvalidTokenError('audience', 'the token is meant for another audience');
    }
    const isKey = token.startsWith(API_KEY_PREFIX) || /^api[_-]?key$/i.test(typeof answer.token_type === 'string' ? answer.token_type : '');
    if (!isKey && answer.token_type === 'refresh_token') throw new InvalidTokenError('wrong_kind', 'a refresh token is not an access token');
    // An API key names an application, not an audience: the resource check is for tokens.
    if (!isKey) checkResource(answer.aud);
    const clientId = typeof answer.client_id === 'string' ? answer.client_id : '';
    return {
      kind: isKey ? 'api_key' : 'access_token', method: 'introspection',
      subject: typeof answer.sub === 'string' ? answer.sub : clientId, clientId, scopes: scopesOf(answer),
      expiresAt: typeof answer.exp === 'number' ? answer.exp : null, boundChallenge: challengeFromClaims(answer),
      dpopJkt: isKey ? null : jktFromClaims(answer), claims: answer,
    };
  }

  return {
    issuer: options.issuer,
    resource,
    resourceMetadataUrl,
    get jwksFetches() { return jwks.fetches; },
    dpop,
    async verify(token, opts = {}) {
      let bound = false;
      try {
        if (token === undefined || token === '') throw new MissingTokenError();
        if (token.length > MAX_TOKEN_LENGTH || /\s/.test(token)) throw new InvalidRequestError('malformed', 'the token is malformed');
        const result = JWT_SHAPE.test(token) ? await verifyJwt(token) : await verifyByIntrospection(token, opts.pkceVerifier);
        bound = result.dpopJkt !== null;
        checkKind(result.kind, opts.accept ?? ['access_token']);
        if (result.boundChallenge) checkBinding(result.boundChallenge, opts.pkceVerifier);
        // API keys name an application and are never key-bound: `required` is about access tokens.
        if (result.kind === 'access_token') await dpop.check({ token, jkt: result.dpopJkt, request: opts.dpop });
        const missing = (opts.scopes ?? []).filter((s) => !result.scopes.includes(s));
        if (missing.length) throw new InsufficientScopeError(opts.scopes!, result.scopes);
        return result;
      } catch (err) {
        // RFC 9449 §7.1: a request made with DPoP, or for a DPoP-only API, gets a DPoP challenge.
        if (err instanceof VerifyError && (bound || dpop.required || opts.dpop?.scheme === 'DPoP' || err.code === 'invalid_dpop_proof' || err.code === 'use_dpop_nonce')) {
          err.dpop = { algs: dpop.algorithms };
        }
        throw err;
      }
    },
  };
}

/** Equal resource identifiers: exactly, or once parsed (`https://api.example.com` and `…/`). */
function sameResource(a: string, b: string): boolean {
  if (a === b) return true;
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}

function checkKind(kind: CredentialKind, accepted: CredentialKind[]): void {
  if (accepted.includes(kind)) return;
  throw new InvalidTokenError('wrong_kind', kind === 'api_key'
    ? 'an API key identifies an application, not a user: send an access token'
    : 'an API key is expected here, not an access token');
}

function scopesOf(claims: Record<string, unknown>): string[] {
  if (typeof claims.scope === 'string') return claims.scope.split(' ').filter(Boolean);
  if (Array.isArray(claims.scp)) return claims.scp.filter((s): s is string => typeof s === 'string');
  return [];
}

/** Map jose's failures to RFC 6750 errors with a reason a caller can switch on. */
function joseFailure(err: unknown): VerifyError {
  if (err instanceof VerifyError) return err;
  if (err instanceof joseErrors.JWTExpired) return new InvalidTokenError('expired', 'the token has expired');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return new InvalidTokenError('audience', 'the token is meant for another audience');
    if (err.claim === 'iss') return new InvalidTokenError('issuer', 'the token was issued by another issuer');
    if (err.claim === 'nbf' || err.claim === 'iat') return new InvalidTokenError('not_yet_valid', 'the token is not valid yet');
    return new InvalidTokenError('malformed', `the token's "${err.claim}" claim is not acceptable`);
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) {
    return new InvalidTokenError('signature', `the token must be signed with one of ${ALLOWED_ALGS.join(', ')}`);
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return new InvalidTokenError('signature', 'the token signature is invalid');
  return new InvalidTokenError('malformed', 'the token is not a valid JWT access token');
}
