/**
 * Dynamic client registration (RFC 7591) and its management protocol (RFC 7592).
 *
 * A server's `registration` setting decides who may register: nobody (`off`), anyone (`open`),
 * or holders of an initial access token made by an administrator (`token`). What a client may
 * ask for is narrower than what an administrator may set: the authorization code grant (with
 * refresh tokens), `code` responses, redirect URIs checked as strictly as everywhere else, and
 * the server's ordinary scopes. Each registration is counted per client IP and against the
 * server's cap; the client is marked `dynamic` (the consent page says nobody vouched for it)
 * and is deleted once unused for `dynamicClientIdleDays`.
 */
import { displayPrefix, generateOpaqueToken, hashOpaqueToken } from '../crypto/opaque-token.js';
import { safeEqual } from '../crypto/digest.js';
import { randomBase64url, randomId } from '../crypto/random.js';
import type { CoreDeps } from './deps.js';
import type { ResolvedServer } from './directory.js';
import { AccessDenied, AppError, InvalidToken, OAuthError } from './errors.js';
import { checkRegisteredRedirectUri } from './redirect-uri.js';
import { ADMIN_SERVER_ID } from './scope.js';
import { ID_TOKEN_ALGS, type Client, type GrantType, type IdTokenAlg, type ServerSettings, type TokenEndpointAuthMethod } from './types.js';

/** Scopes a client never gets by registering itself. */
const RESERVED_SCOPES = new Set(['no_expiry', 'manage_configuration']);
/** A registered app may add the device grant (RFC 8628), e.g. a CLI that also runs where no browser is. */
const GRANTS: readonly GrantType[] = ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'];
const AUTH_METHODS: readonly TokenEndpointAuthMethod[] = ['none', 'client_secret_basic', 'client_secret_post'];
const MAX_REDIRECT_URIS = 10;
const MAX_URI_LENGTH = 2000;
const MAX_NAME_LENGTH = 100;
const MAX_INFO_URI_LENGTH = 500;
/** Informational URIs kept as registered and returned in the client's metadata. */
const INFO_URIS = ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri'] as const;
/** A window of an hour for the per-IP registration count. */
export const REGISTRATION_WINDOW = 3600;
/** The idle expiry moves at most once a day, so that a busy client does not write on every request. */
const TOUCH_INTERVAL = 86400;

export class InvalidClientMetadata extends OAuthError {
  constructor(d: string) { super('invalid_client_metadata', d); }
}
export class InvalidRedirectUri extends OAuthError {
  constructor(d: string) { super('invalid_redirect_uri', d); }
}

/** Client metadata as validated, ready to become a Client. */
export interface ValidatedMetadata {
  name: string | null;
  redirectUris: string[];
  grantTypes: GrantType[];
  responseTypes: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  scopes: string[];
  postLogoutRedirectUris: string[];
  idTokenSignedResponseAlg: IdTokenAlg;
  info: Record<string, unknown>;
  /** RFC 9126 §6: require_pushed_authorization_requests (default false). */
  requirePushedAuthorizationRequests: boolean;
  /** RFC 9449 §5.2 `dpop_bound_access_tokens`. */
  dpopBoundAccessTokens: boolean;
}

/** Control characters and the Unicode direction overrides that could disguise a name on the consent page. */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function stringArray(body: Record<string, unknown>, field: string, max: number, maxLength: number): string[] | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new InvalidClientMetadata(`${field} must be an array of strings`);
  if (v.length > max) throw new InvalidClientMetadata(`${field} may list at most ${max} values`);
  const strings = v as string[];
  strings.forEach((s, i) => {
    if (s.length === 0 || s.length > maxLength) throw new InvalidClientMetadata(`${field}[${i}] must be 1 to ${maxLength} characters`);
  });
  return strings;
}

function optionalString(body: Record<string, unknown>, field: string, maxLength: number): string | undefined {
  const v = body[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.length === 0 || v.length > maxLength) throw new InvalidClientMetadata(`${field} must be a string of 1 to ${maxLength} characters`);
  if (UNPRINTABLE.test(v)) throw new InvalidClientMetadata(`${field} must not contain control or direction-override characters`);
  return v;
}

function httpsUri(field: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InvalidClientMetadata(`${field} is not an absolute URI`);
  }
  if (u.protocol !== 'https:') throw new InvalidClientMetadata(`${field} must be an https URI`);
  if (u.username || u.password || u.hash) throw new InvalidClientMetadata(`${field} must not contain credentials or a fragment`);
  return value;
}

/** Checks every field of RFC 7591 §2 metadata Pixie knows; unknown fields are ignored (§2). */
export function validateClientMetadata(input: unknown, scopes: Map<string, string>): ValidatedMetadata {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new InvalidClientMetadata('the request body must be a JSON object of client metadata');
  const body = input as Record<string, unknown>;

  const redirectUris = stringArray(body, 'redirect_uris', MAX_REDIRECT_URIS, MAX_URI_LENGTH);
  if (!redirectUris || redirectUris.length === 0) throw new InvalidRedirectUri('redirect_uris must list at least one URI (the authorization code grant needs one)');
  redirectUris.forEach((u, i) => {
    const bad = checkRegisteredRedirectUri(u);
    if (bad) throw new InvalidRedirectUri(`redirect_uris[${i}] ${bad}`);
  });

  const method = body.token_endpoint_auth_method ?? 'client_secret_basic';
  if (typeof method !== 'string' || !AUTH_METHODS.includes(method as TokenEndpointAuthMethod)) {
    throw new InvalidClientMetadata(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`);
  }

  const grantTypes = (stringArray(body, 'grant_types', 5, 100) ?? ['authorization_code']) as GrantType[];
  for (const g of grantTypes) {
    if (!GRANTS.includes(g)) throw new InvalidClientMetadata(`grant_types: "${g.slice(0, 60)}" cannot be registered dynamically (allowed: ${GRANTS.join(', ')})`);
  }
  if (!grantTypes.includes('authorization_code')) throw new InvalidClientMetadata('grant_types must include authorization_code');
  const responseTypes = stringArray(body, 'response_types', 5, 100) ?? ['code'];
  if (responseTypes.length !== 1 || responseTypes[0] !== 'code') {
    throw new InvalidClientMetadata('response_types must be ["code"], the response type of the authorization_code grant');
  }

  let requested: string[];
  if (body.scope === undefined) {
    requested = [...scopes.keys()].filter((s) => !RESERVED_SCOPES.has(s));
  } else {
    if (typeof body.scope !== 'string' || body.scope.length > 2000) throw new InvalidClientMetadata('scope must be a space-separated string');
    requested = [...new Set(body.scope.split(' ').filter(Boolean))];
    for (const s of requested) {
      if (!scopes.has(s) || RESERVED_SCOPES.has(s)) throw new InvalidClientMetadata(`scope "${s.slice(0, 60)}" cannot be registered on this server`);
    }
  }

  const name = optionalString(body, 'client_name', MAX_NAME_LENGTH) ?? null;
  const info: Record<string, unknown> = {};
  for (const field of INFO_URIS) {
    const v = optionalString(body, field, MAX_INFO_URI_LENGTH);
    if (v !== undefined) info[field] = httpsUri(field, v);
  }
  const contacts = stringArray(body, 'contacts', 5, 320);
  if (contacts) {
    contacts.forEach((c, i) => { if (UNPRINTABLE.test(c)) throw new InvalidClientMetadata(`contacts[${i}] must not contain control characters`); });
    info.contacts = contacts;
  }
  for (const field of ['software_id', 'software_version'] as const) {
    const v = optionalString(body, field, 200);
    if (v !== undefined) info[field] = v;
  }
  if (body.software_statement !== undefined) throw new InvalidClientMetadata('software_statement is not supported');
  if (body.jwks !== undefined || body.jwks_uri !== undefined) {
    throw new InvalidClientMetadata('jwks and jwks_uri are not supported: clients authenticate with none, client_secret_basic or client_secret_post');
  }

  const postLogoutRedirectUris = stringArray(body, 'post_logout_redirect_uris', MAX_REDIRECT_URIS, MAX_URI_LENGTH) ?? [];
  postLogoutRedirectUris.forEach((u, i) => {
    const bad = checkRegisteredRedirectUri(u);
    if (bad) throw new InvalidClientMetadata(`post_logout_redirect_uris[${i}] ${bad}`);
  });
  const alg = body.id_token_signed_response_alg ?? 'RS256';
  if (typeof alg !== 'string' || !ID_TOKEN_ALGS.includes(alg as IdTokenAlg)) {
    throw new InvalidClientMetadata(`id_token_signed_response_alg must be one of ${ID_TOKEN_ALGS.join(', ')}`);
  }
  const requirePar = body.require_pushed_authorization_requests ?? false;
  if (typeof requirePar !== 'boolean') throw new InvalidClientMetadata('require_pushed_authorization_requests must be true or false');
  const dpopBound = body.dpop_bound_access_tokens ?? false;
  if (typeof dpopBound !== 'boolean') throw new InvalidClientMetadata('dpop_bound_access_tokens must be a boolean');
  return {
    name, redirectUris, grantTypes, responseTypes, tokenEndpointAuthMethod: method as TokenEndpointAuthMethod, scopes: requested,
    postLogoutRedirectUris, idTokenSignedResponseAlg: alg as IdTokenAlg, info, requirePushedAuthorizationRequests: requirePar,
    dpopBoundAccessTokens: dpopBound,
  };
}

function applyMetadata(base: Client, m: ValidatedMetadata): Client {
  return {
    ...base, name: m.name ?? base.clientId, public: m.tokenEndpointAuthMethod === 'none', grantTypes: m.grantTypes,
    redirectUris: m.redirectUris, responseTypes: m.responseTypes, tokenEndpointAuthMethod: m.tokenEndpointAuthMethod, scopes: m.scopes,
    postLogoutRedirectUris: m.postLogoutRedirectUris, idTokenSignedResponseAlg: m.idTokenSignedResponseAlg, registrationMetadata: m.info,
    requirePushedAuthorizationRequests: m.requirePushedAuthorizationRequests,
    dpopBoundAccessTokens: m.dpopBoundAccessTokens,
  };
}

/** The client's metadata as RFC 7591 §3.2.1 / RFC 7592 §3 return it (no secret: only its hash is kept). */
export function registeredMetadata(rs: ResolvedServer, c: Client): Record<string, unknown> {
  return {
    client_id: c.clientId,
    client_id_issued_at: c.createdAt,
    client_name: c.name,
    redirect_uris: c.redirectUris,
    grant_types: c.grantTypes,
    response_types: c.responseTypes,
    token_endpoint_auth_method: c.tokenEndpointAuthMethod,
    scope: c.scopes.join(' '),
    post_logout_redirect_uris: c.postLogoutRedirectUris,
    id_token_signed_response_alg: c.idTokenSignedResponseAlg,
    require_pushed_authorization_requests: c.requirePushedAuthorizationRequests === true,
    ...(c.registrationMetadata ?? {}),
    ...(c.dpopBoundAccessTokens ? { dpop_bound_access_tokens: true } : {}),
    registration_client_uri: `${rs.issuer}/oauth2/register/${encodeURIComponent(c.clientId)}`,
  };
}

function idleExpiry(settings: ServerSettings, now: number): number | null {
  return settings.dynamicClientIdleDays > 0 ? now + settings.dynamicClientIdleDays * 86400 : null;
}

/**
 * A dynamic client was used (authorize or token request): push its idle expiry back. Writes at
 * most once a day per client; other clients cost nothing.
 */
export async function noteDynamicClientUse(deps: CoreDeps, rs: ResolvedServer, client: Client): Promise<void> {
  if (!client.dynamic || client.metadataDocument) return;
  const next = idleExpiry(rs.server.settings, deps.clock.now());
  if (next === null || (client.idleExpiresAt ?? 0) > next - TOUCH_INTERVAL) return;
  await deps.stores.clients.touchDynamic(client.tenantId, client.serverId, client.clientId, next);
}

async function audit(deps: CoreDeps, c: Client, action: string, details: Record<string, unknown> = {}): Promise<void> {
  await deps.stores.audit.append({
    id: randomId(), tenantId: c.tenantId, actorTenantId: c.tenantId, actorClientId: c.clientId, action,
    target: `${c.serverId}/${c.clientId}`, details, createdAt: deps.clock.now(),
  });
}

function checkOpen(rs: ResolvedServer): void {
  if (rs.server.settings.registration === 'off' || rs.server.id === ADMIN_SERVER_ID) {
    throw new AppError('not_found', 'this authorization server does not accept dynamic client registration');
  }
}

export interface RegistrationContext {
  /** The caller's IP, for the per-IP limit. */
  ip: string;
  /** Registrations allowed per IP per hour (0: no limit). */
  perIpLimit: number;
  /** The bearer token of the request, if any (the initial access token in `token` mode). */
  bearer: string | null;
}

async function checkInitialAccessToken(deps: CoreDeps, rs: ResolvedServer, bearer: string | null): Promise<string> {
  if (!bearer) throw new InvalidToken('this authorization server requires an initial access token (Authorization: Bearer ...) to register a client');
  const hash = hashOpaqueToken(bearer);
  const now = deps.clock.now();
  const found = await deps.stores.registrationTokens.findByHash(hash);
  if (!found || found.tenantId !== rs.server.tenantId || found.serverId !== rs.server.id) throw new InvalidToken('the initial access token is not valid for this authorization server');
  if (found.revokedAt !== null) throw new InvalidToken('the initial access token was revoked');
  if (found.expiresAt !== null && found.expiresAt <= now) throw new InvalidToken('the initial access token has expired');
  if (found.uses >= found.maxUses) throw new InvalidToken('the initial access token has been used as many times as it allows');
  // Counted atomically: of two registrations racing for the last use, one gets it.
  if (!(await deps.stores.registrationTokens.use(hash, now))) throw new InvalidToken('the initial access token has been used as many times as it allows');
  return found.id;
}

/** POST {issuer}/oauth2/register (RFC 7591 §3.1). Returns the 201 body. */
export async function registerClient(deps: CoreDeps, rs: ResolvedServer, body: unknown, ctx: RegistrationContext): Promise<Record<string, unknown>> {
  checkOpen(rs);
  const now = deps.clock.now();
  const settings = rs.server.settings;
  const { tenantId, id: serverId } = rs.server;
  if (ctx.perIpLimit > 0) {
    const counted = await deps.stores.loginAttempts.increment(`registration:${ctx.ip}`, now, now - REGISTRATION_WINDOW);
    if (counted.failures > ctx.perIpLimit) {
      throw new AppError('rate_limited', `too many client registrations from this address (at most ${ctx.perIpLimit} an hour); try again later`, 429, 600);
    }
  }
  const metadata = validateClientMetadata(body, rs.scopes);
  // The cap first: a full server does not use up an initial access token.
  if ((await deps.stores.clients.countDynamic(tenantId, serverId)) >= settings.maxDynamicClients) {
    throw new AccessDenied(`this authorization server holds its maximum of ${settings.maxDynamicClients} dynamically registered clients; ask its administrator`);
  }
  const tokenId = settings.registration === 'token' ? await checkInitialAccessToken(deps, rs, ctx.bearer) : null;
  const clientId = `dyn-${randomBase64url(18)}`;
  const registrationToken = generateOpaqueToken('pxra');
  const base: Client = {
    tenantId, serverId, clientId, name: clientId, description: 'registered itself (RFC 7591 dynamic registration)', public: true,
    grantTypes: [], redirectUris: [], oauthDomain: null, scopes: [], responseTypes: [], tokenEndpointAuthMethod: 'none',
    ownerUserId: null, allowedOrigins: [], postLogoutRedirectUris: [], idTokenSignedResponseAlg: 'RS256',
    // PKCE for every self-registered client, confidential ones too (OAuth 2.1).
    requirePkce: true,
    dynamic: true, registrationTokenHash: hashOpaqueToken(registrationToken), idleExpiresAt: idleExpiry(settings, now), createdAt: now,
  };
  const client = applyMetadata(base, metadata);
  let secret: string | null = null;
  await deps.stores.transaction(async () => {
    await deps.stores.clients.upsert(client, now);
    if (!client.public) {
      secret = generateOpaqueToken('pxs');
      await deps.stores.clients.addSecret(tenantId, serverId, clientId, {
        id: randomId(), name: 'default', hash: hashOpaqueToken(secret), displayPrefix: displayPrefix(secret),
        createdAt: now, expiresAt: null, lastUsedAt: null, revokedAt: null,
      });
    }
    await audit(deps, client, 'client.register', { public: client.public, ...(tokenId ? { initial_access_token: tokenId } : {}) });
  });
  return {
    ...registeredMetadata(rs, client),
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    registration_access_token: registrationToken,
  };
}

/** RFC 7592 §2: the registration access token proves the caller registered this client. */
async function authorizedClient(deps: CoreDeps, rs: ResolvedServer, clientId: string, bearer: string | null): Promise<Client> {
  checkOpen(rs);
  if (!bearer) throw new InvalidToken('send the registration access token (Authorization: Bearer ...) returned at registration');
  const client = await deps.stores.clients.find(rs.server.tenantId, rs.server.id, clientId);
  // §2: an unknown client and a wrong token get the same answer.
  if (!client?.dynamic || !client.registrationTokenHash || !safeEqual(client.registrationTokenHash, hashOpaqueToken(bearer))) {
    throw new InvalidToken('the registration access token is not valid for this client');
  }
  return client;
}

/** GET {issuer}/oauth2/register/{client_id} (RFC 7592 §2.1). */
export async function readRegistration(deps: CoreDeps, rs: ResolvedServer, clientId: string, bearer: string | null): Promise<Record<string, unknown>> {
  return registeredMetadata(rs, await authorizedClient(deps, rs, clientId, bearer));
}

/** PUT {issuer}/oauth2/register/{client_id} (RFC 7592 §2.2): the body replaces the metadata. */
export async function updateRegistration(
  deps: CoreDeps, rs: ResolvedServer, clientId: string, bearer: string | null, body: unknown,
): Promise<Record<string, unknown>> {
  const client = await authorizedClient(deps, rs, clientId, bearer);
  const given = (body as Record<string, unknown> | null)?.client_id;
  if (given !== undefined && given !== clientId) throw new InvalidClientMetadata('client_id in the body must be the client\'s own');
  const metadata = validateClientMetadata(body, rs.scopes);
  if ((metadata.tokenEndpointAuthMethod === 'none') !== client.public) {
    throw new InvalidClientMetadata(`token_endpoint_auth_method cannot change between none and a secret; register a new client instead (this one is ${client.public ? 'public' : 'confidential'})`);
  }
  const next = applyMetadata(client, metadata);
  await deps.stores.transaction(async () => {
    await deps.stores.clients.upsert(next, deps.clock.now());
    await audit(deps, next, 'client.registration_update', { fields: Object.keys(body as object).filter((k) => k !== 'client_secret') });
  });
  return registeredMetadata(rs, next);
}

/** DELETE {issuer}/oauth2/register/{client_id} (RFC 7592 §2.3): the client, its grants and tokens go. */
export async function deleteRegistration(deps: CoreDeps, rs: ResolvedServer, clientId: string, bearer: string | null): Promise<void> {
  const client = await authorizedClient(deps, rs, clientId, bearer);
  await deps.stores.transaction(async () => {
    await deps.stores.admin.deleteClient(client.tenantId, client.serverId, client.clientId, deps.clock.now());
    await audit(deps, client, 'client.registration_delete');
  });
}
