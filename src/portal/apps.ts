/**
 * API applications registered by users in the developer portal:
 * create, change settings, delete. Every operation checks that the signed-in user owns the app.
 */
import type { CoreDeps } from '../core/deps.js';
import { AppError } from '../core/errors.js';
import { checkAllowedOrigin, checkRegisteredRedirectUri } from '../core/redirect-uri.js';
import type { Client, GrantType } from '../core/types.js';
import { randomNumericId } from '../crypto/random.js';

/** The authorization server the portal registers apps on (config.stackExchangeTenant/Server). */
export interface PortalScope {
  tenantId: string;
  serverId: string;
}

/** The grant types as the portal names them. */
export interface AppGrants {
  authorizationCode: boolean;
  authorizationCodePkce: boolean;
  implicit: boolean;
  clientCredentials: boolean;
  /** RFC 8628: devices without a browser (TVs, command lines) sign in with a code entered on another device. */
  deviceCode: boolean;
}

export interface AppSettings {
  name: string;
  description: string;
  oauthDomain: string;
  /** One URI per line. */
  redirectUris: string;
  /** One URI per line: where users may be sent after signing out (RP-initiated logout). */
  postLogoutRedirectUris: string;
  /** Browser origins allowed to call the token endpoint and userinfo (CORS), one per line. */
  allowedOrigins: string;
  grants: AppGrants;
  allowNoExpiry: boolean;
  nonWebRedirect: boolean;
  /** RFC 9449 §5.2: the app always sends DPoP proofs; its token requests without one are refused. */
  dpopBoundAccessTokens: boolean;
}

/** Scopes every portal app may request; `no_expiry` only with the permission. */
export const APP_SCOPES = ['openid', 'profile', 'email', 'read_inbox', 'write_access', 'private_info'];
const MAX_REDIRECT_URIS = 20;
const MAX_ALLOWED_ORIGINS = 20;
const HOSTNAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/;

function invalid(message: string): AppError {
  return new AppError('validation_failed', message);
}

/** The portal asks for the domain "(no https://)"; accept it either way. */
export function normalizeDomain(value: string): string | null {
  const d = value.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (!d) return null;
  if (!HOSTNAME.test(d) || d.length > 253) throw invalid(`"${value.slice(0, 80)}" is not a domain name. Enter a host such as app.example.com, without a path.`);
  return d;
}

export function parseRedirectUris(text: string, label = 'Redirect URI'): string[] {
  const uris = [...new Set(text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean))];
  if (uris.length > MAX_REDIRECT_URIS) throw invalid(`Register at most ${MAX_REDIRECT_URIS} ${label[0].toLowerCase()}${label.slice(1)}s.`);
  for (const uri of uris) {
    const problem = checkRegisteredRedirectUri(uri);
    if (problem || uri.length > 2000) throw invalid(`${label} "${uri.slice(0, 80)}" ${problem ?? 'is too long'}.`);
  }
  return uris;
}

/** One origin per line, as a browser sends it: `https://app.example.com`, no path. */
export function parseAllowedOrigins(text: string): string[] {
  const origins = [...new Set(text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean))];
  if (origins.length > MAX_ALLOWED_ORIGINS) throw invalid(`Allow at most ${MAX_ALLOWED_ORIGINS} origins.`);
  for (const origin of origins) {
    const problem = origin.length > 300 ? 'is too long' : checkAllowedOrigin(origin);
    if (problem) throw invalid(`Allowed origin "${origin.slice(0, 80)}" ${problem}.`);
  }
  return origins;
}

/** Portal choices → the client's protocol fields. */
function applySettings(base: Client, s: AppSettings): Client {
  const name = s.name.trim();
  if (!name) throw invalid('Give the application a name.');
  if (name.length > 100) throw invalid('The name can be at most 100 characters.');
  if (s.description.length > 1000) throw invalid('The description can be at most 1000 characters.');
  const g = s.grants;
  if (!g.authorizationCode && !g.authorizationCodePkce && !g.implicit && !g.clientCredentials && !g.deviceCode) {
    throw invalid('Choose at least one grant type.');
  }
  if (base.public && g.clientCredentials) throw invalid('Client credentials needs a client secret, so public applications cannot use it.');
  const oauthDomain = normalizeDomain(s.oauthDomain);
  const redirectUris = parseRedirectUris(s.redirectUris);
  const allowedOrigins = parseAllowedOrigins(s.allowedOrigins);
  const redirects = g.authorizationCode || g.authorizationCodePkce || g.implicit;
  if (redirects && !oauthDomain && redirectUris.length === 0 && !s.nonWebRedirect) {
    throw invalid('Add an OAuth domain or a redirect URI, or allow the non-web redirect, so users can be sent back to your application.');
  }
  const grantTypes: GrantType[] = [];
  if (g.authorizationCode || g.authorizationCodePkce) grantTypes.push('authorization_code');
  if (g.implicit) grantTypes.push('implicit');
  if (g.clientCredentials) grantTypes.push('client_credentials');
  if (g.deviceCode) grantTypes.push('urn:ietf:params:oauth:grant-type:device_code');
  return {
    ...base, name, description: s.description.trim(), oauthDomain, redirectUris, allowedOrigins, grantTypes,
    // "with PKCE" alone means PKCE is required; public apps need it anyway.
    requirePkce: g.authorizationCodePkce && !g.authorizationCode,
    responseTypes: g.implicit ? ['code', 'token'] : ['code'],
    scopes: s.allowNoExpiry ? [...APP_SCOPES, 'no_expiry'] : [...APP_SCOPES],
    nonWebRedirect: s.nonWebRedirect,
    postLogoutRedirectUris: parseRedirectUris(s.postLogoutRedirectUris, 'Post-logout redirect URI'),
    dpopBoundAccessTokens: s.dpopBoundAccessTokens,
  };
}

export function settingsOf(c: Client): AppSettings {
  const code = c.grantTypes.includes('authorization_code');
  return {
    name: c.name, description: c.description, oauthDomain: c.oauthDomain ?? '', redirectUris: c.redirectUris.join('\n'),
    postLogoutRedirectUris: c.postLogoutRedirectUris.join('\n'),
    allowedOrigins: c.allowedOrigins.join('\n'),
    grants: {
      authorizationCode: code && !c.requirePkce && !c.public, authorizationCodePkce: code,
      implicit: c.grantTypes.includes('implicit'), clientCredentials: c.grantTypes.includes('client_credentials'),
      deviceCode: c.grantTypes.includes('urn:ietf:params:oauth:grant-type:device_code'),
    },
    allowNoExpiry: c.scopes.includes('no_expiry'), nonWebRedirect: c.nonWebRedirect === true,
    dpopBoundAccessTokens: c.dpopBoundAccessTokens === true,
  };
}

/** Defaults for a new app: the code grant with PKCE, plus the plain code grant for confidential apps. */
export function newAppSettings(isPublic: boolean): AppSettings {
  return {
    name: '', description: '', oauthDomain: '', redirectUris: '', postLogoutRedirectUris: '', allowedOrigins: '', allowNoExpiry: false,
    nonWebRedirect: false, dpopBoundAccessTokens: false,
    grants: { authorizationCode: !isPublic, authorizationCodePkce: true, implicit: false, clientCredentials: false, deviceCode: false },
  };
}

export async function listApps(deps: CoreDeps, scope: PortalScope, userId: string): Promise<Client[]> {
  return deps.stores.clients.listByOwner(scope.tenantId, scope.serverId, userId);
}

/** The app, if this user owns it; anything else reads as "not found" so ids cannot be probed. */
export async function getOwnedApp(deps: CoreDeps, scope: PortalScope, userId: string, clientId: string): Promise<Client> {
  const client = /^\d{1,20}$/.test(clientId) ? await deps.stores.clients.find(scope.tenantId, scope.serverId, clientId) : null;
  if (!client || client.ownerUserId !== userId) throw new AppError('not_found', 'There is no application with this id in your account.');
  return client;
}

export async function createApp(
  deps: CoreDeps, scope: PortalScope, userId: string, isPublic: boolean, settings: AppSettings,
): Promise<Client> {
  const base: Client = {
    tenantId: scope.tenantId, serverId: scope.serverId, clientId: '', name: '', description: '', public: isPublic,
    grantTypes: [], redirectUris: [], oauthDomain: null, scopes: [], responseTypes: ['code'],
    tokenEndpointAuthMethod: isPublic ? 'none' : 'client_secret_post', ownerUserId: userId,
    allowedOrigins: [], postLogoutRedirectUris: [], idTokenSignedResponseAlg: 'RS256',
  };
  const client = applySettings(base, settings);
  // Numeric ids as on Stack Exchange; 12 random digits rarely collide, but check.
  for (let attempt = 0; attempt < 5; attempt++) {
    const clientId = randomNumericId();
    if (await deps.stores.clients.find(scope.tenantId, scope.serverId, clientId)) continue;
    const created = { ...client, clientId };
    await deps.stores.clients.upsert(created, deps.clock.now());
    return created;
  }
  throw new AppError('conflict', 'Could not allocate a client id; try again.');
}

export async function updateApp(
  deps: CoreDeps, scope: PortalScope, userId: string, clientId: string, settings: AppSettings,
): Promise<Client> {
  const existing = await getOwnedApp(deps, scope, userId, clientId);
  const updated = applySettings(existing, settings);
  await deps.stores.clients.upsert(updated, deps.clock.now());
  return updated;
}

/** Delete the app, its secrets and keys; every grant and token it holds stops working at once. */
export async function deleteApp(deps: CoreDeps, scope: PortalScope, userId: string, clientId: string): Promise<void> {
  const app = await getOwnedApp(deps, scope, userId, clientId);
  const now = deps.clock.now();
  await deps.stores.transaction(async () => {
    await deps.stores.tokens.revokeByClient(app.tenantId, app.serverId, app.clientId, now);
    await deps.stores.grants.revokeByClient(app.tenantId, app.serverId, app.clientId, now);
    await deps.stores.clients.delete(app.tenantId, app.serverId, app.clientId);
  });
}
