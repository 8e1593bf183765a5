/**
 * A small world for unit tests of core: in-memory stores (held to the storage contract), a server
 * directory, a clock the test moves, and the OAuth 2.1 endpoint policy. No HTTP, no database:
 * each test builds its own world in about a millisecond.
 *
 * Tenant `t`, server `s` (ES256 keys; ID tokens ES256 too, so that no RSA key is ever made), user
 * `bob`, and these clients:
 * - `spa`: public (PKCE required), code + refresh;
 * - `web`: confidential, client_secret_basic, code + refresh + client_credentials, two redirect URIs;
 * - `post`: confidential, client_secret_post, code only (no refresh_token grant);
 * - `svc`: confidential, client_secret_basic, client_credentials only;
 * - `native`: public, loopback redirect `http://127.0.0.1/cb` (RFC 8252).
 */
import assert from 'node:assert/strict';
import { createServerKeys, ServerDirectory, type ResolvedServer } from '../../../src/core/directory.js';
import type { CoreDeps } from '../../../src/core/deps.js';
import { validateAuthorizationRequest, type RawParams, type RedirectTarget, type ValidatedAuthorization } from '../../../src/core/authorize/validate-request.js';
import { afterAuthentication, decideConsent, startAuthorization, type AuthorizeOutcome } from '../../../src/core/interaction/flow.js';
import { oauth21Policy, type EndpointPolicy } from '../../../src/core/policy.js';
import type { Clock, Stores } from '../../../src/core/ports.js';
import { resolveSettings } from '../../../src/core/settings.js';
import { handleTokenRequest } from '../../../src/core/token/endpoint.js';
import { defaultGrantRegistry } from '../../../src/core/token/registry.js';
import type { TokenResponse } from '../../../src/core/token/types.js';
import type { Client, ServerSettings, Session } from '../../../src/core/types.js';
import { sha256Base64url } from '../../../src/crypto/digest.js';
import { generateOpaqueToken, hashOpaqueToken } from '../../../src/crypto/opaque-token.js';
import { randomUnreserved } from '../../../src/crypto/random.js';
import { createMemoryStores } from '../../helpers/memory/index.js';

export const PUBLIC_URL = 'https://pixie.example';
export const T = 't';
export const S = 's';
export const ISSUER = `${PUBLIC_URL}/${T}/${S}`;
export const START = 2_000_000_000;
export const SCOPES = ['openid', 'profile', 'email', 'offline_access', 'read_inbox', 'write_access', 'no_expiry'];

/** A clock the test moves. */
export class MovableClock implements Clock {
  constructor(public seconds = START) {}
  now(): number { return this.seconds; }
  advance(s: number): void { this.seconds += s; }
}

export interface Pkce { verifier: string; challenge: string }

export function pkce(): Pkce {
  const verifier = randomUnreserved(64);
  return { verifier, challenge: sha256Base64url(verifier) };
}

export function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

export interface World {
  deps: CoreDeps;
  stores: Stores;
  clock: MovableClock;
  directory: ServerDirectory;
  policy: EndpointPolicy;
  /** Secrets by client id. */
  secrets: Record<string, string>;
  session: Session;
  rs(): Promise<ResolvedServer>;
  /** POST /token as core sees it; `auth` is an Authorization header. */
  token(params: Record<string, string | undefined>, auth?: string, policy?: EndpointPolicy): Promise<TokenResponse>;
  /** The token request of a client by its registered method (Basic for `web` and `svc`, the form for `post`, none for public ones). */
  tokenAs(clientId: string, params: Record<string, string | undefined>, policy?: EndpointPolicy): Promise<TokenResponse>;
  /** validateAuthorizationRequest; the redirect target it reported, if any, in `target`. */
  validate(params: RawParams, policy?: EndpointPolicy): Promise<ValidatedAuthorization>;
  target: RedirectTarget | null;
  /** The whole front channel for a signed-in bob: validate, start, consent when asked; returns the redirect URL. */
  authorize(params: RawParams, opts?: { approve?: boolean; policy?: EndpointPolicy; session?: Session | null }): Promise<URL>;
  start(params: RawParams, session: Session | null, policy?: EndpointPolicy): Promise<AuthorizeOutcome>;
  /** A code for `clientId` (with S256 PKCE unless `pkce: null`). */
  code(clientId: string, opts?: { scope?: string; pkce?: Pkce | null; redirectUri?: string | null; nonce?: string; policy?: EndpointPolicy }): Promise<{ code: string; pkce: Pkce | null; redirectUri: string }>;
  /** Exchange a code as its client, with its verifier and redirect URI. */
  exchange(clientId: string, issued: { code: string; pkce: Pkce | null; redirectUri: string }, over?: Record<string, string | undefined>): Promise<TokenResponse>;
  addClient(over: Partial<Client> & { clientId: string }, secret?: boolean): Promise<Client>;
  updateClient(clientId: string, over: Partial<Client>): Promise<void>;
}

export function baseClient(over: Partial<Client> & { clientId: string }): Client {
  return {
    tenantId: T, serverId: S, name: over.clientId, description: '', public: false,
    grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [`https://${over.clientId}.example.com/cb`], oauthDomain: null,
    scopes: SCOPES, responseTypes: ['code'], tokenEndpointAuthMethod: 'client_secret_basic', ownerUserId: null,
    requirePkce: false, nonWebRedirect: false, allowedOrigins: [], postLogoutRedirectUris: [], idTokenSignedResponseAlg: 'ES256',
    ...over,
  };
}

export async function world(settings: Partial<ServerSettings> = {}): Promise<World> {
  const { stores } = createMemoryStores();
  const clock = new MovableClock();
  const directory = new ServerDirectory(stores, clock, () => PUBLIC_URL);
  const deps: CoreDeps = { stores, clock, directory, publicUrl: PUBLIC_URL };
  const now = clock.now();
  await stores.tenants.upsert({ id: T, name: 'Tenant' }, now);
  const server = { tenantId: T, id: S, settings: resolveSettings(settings), customScopes: [] };
  await stores.servers.upsert(server, now);
  await createServerKeys(stores, server, now);
  await stores.users.upsert({ tenantId: T, id: 'bob', username: 'bob', passwordHash: 'unused', email: 'bob@example.com', name: 'Bob', disabled: false }, now);
  const secrets: Record<string, string> = {};
  const policy = oauth21Policy(server.settings);
  const rs = async () => (await directory.resolve(T, S))!;

  const addClient = async (over: Partial<Client> & { clientId: string }, secret = !over.public): Promise<Client> => {
    const client = baseClient(over);
    await stores.clients.upsert(client, clock.now());
    if (secret) {
      const value = generateOpaqueToken('pxs');
      secrets[client.clientId] = value;
      await stores.clients.addSecret(T, S, client.clientId, {
        id: `sec-${client.clientId}`, name: 'default', hash: hashOpaqueToken(value), displayPrefix: value.slice(0, 8),
        createdAt: clock.now(), expiresAt: null, lastUsedAt: null, revokedAt: null,
      });
    }
    return client;
  };
  await addClient({ clientId: 'spa', public: true, tokenEndpointAuthMethod: 'none' });
  await addClient({
    clientId: 'web', grantTypes: ['authorization_code', 'refresh_token', 'client_credentials'],
    redirectUris: ['https://web.example.com/cb', 'https://web.example.com/other'],
  });
  await addClient({ clientId: 'post', tokenEndpointAuthMethod: 'client_secret_post', grantTypes: ['authorization_code'] });
  await addClient({ clientId: 'svc', grantTypes: ['client_credentials'], redirectUris: [], scopes: ['read_inbox', 'write_access', 'openid'] });
  await addClient({ clientId: 'native', public: true, tokenEndpointAuthMethod: 'none', redirectUris: ['http://127.0.0.1/cb'] });

  const session: Session = { hash: 'session', tenantId: T, userId: 'bob', authTime: now, expiresAt: now + 86400 };

  const w: World = {
    deps, stores, clock, directory, policy, secrets, session, rs, target: null,
    token: async (params, auth, p = policy) => handleTokenRequest(deps, defaultGrantRegistry(), await rs(), { params, authorization: auth, policy: p }),
    tokenAs: async (clientId, params, p) => {
      const client = (await stores.clients.find(T, S, clientId))!;
      if (client.public) return w.token({ ...params, client_id: clientId }, undefined, p);
      if (client.tokenEndpointAuthMethod === 'client_secret_post') return w.token({ ...params, client_id: clientId, client_secret: secrets[clientId] }, undefined, p);
      return w.token(params, basic(clientId, secrets[clientId]!), p);
    },
    validate: async (params, p = policy) => {
      w.target = null;
      return validateAuthorizationRequest(deps, await rs(), params, p, (t) => (w.target = t));
    },
    start: async (params, s, p = policy) => {
      const { request } = await w.validate(params, p);
      return startAuthorization(deps, await rs(), p, request, s);
    },
    authorize: async (params, opts = {}) => {
      const p = opts.policy ?? policy;
      const s = opts.session === undefined ? session : opts.session;
      const outcome = await w.start(params, s, p);
      if (outcome.kind === 'redirect') return new URL(outcome.url);
      if (outcome.kind === 'login') throw new Error('login needed');
      const interaction = (await stores.interactions.find(outcome.interactionId, clock.now()))!;
      const next = await afterAuthentication(deps, await rs(), p, interaction.request, s!, interaction.id);
      if (next.kind === 'redirect') return new URL(next.url);
      const parked = (await stores.interactions.find(next.interactionId, clock.now()))!;
      return new URL(await decideConsent(deps, await rs(), p, parked, s!, opts.approve ?? true));
    },
    code: async (clientId, opts = {}) => {
      const client = (await stores.clients.find(T, S, clientId))!;
      const challenge = opts.pkce === null ? null : (opts.pkce ?? pkce());
      const redirectUri = client.redirectUris[0]!;
      const url = await w.authorize({
        client_id: clientId, response_type: 'code', scope: opts.scope ?? 'openid read_inbox',
        ...(opts.redirectUri === null ? {} : { redirect_uri: opts.redirectUri ?? redirectUri }),
        ...(challenge ? { code_challenge: challenge.challenge, code_challenge_method: 'S256' } : {}),
        ...(opts.nonce ? { nonce: opts.nonce } : {}),
      }, { policy: opts.policy });
      const code = url.searchParams.get('code');
      if (!code) throw new Error(`no code in ${url.toString()}`);
      return { code, pkce: challenge, redirectUri: opts.redirectUri ?? redirectUri };
    },
    exchange: (clientId, issued, over = {}) => w.tokenAs(clientId, {
      grant_type: 'authorization_code', code: issued.code, redirect_uri: issued.redirectUri,
      ...(issued.pkce ? { code_verifier: issued.pkce.verifier } : {}), ...over,
    }),
    addClient,
    updateClient: async (clientId, over) => {
      const client = (await stores.clients.find(T, S, clientId))!;
      await stores.clients.upsert({ ...client, ...over }, clock.now());
    },
  };
  return w;
}

/** Rejects with an OAuth error of this code (and, when given, a description matching `description`). */
export async function rejectsWith(p: Promise<unknown>, error: string, description?: RegExp): Promise<void> {
  await assert.rejects(p, (err: { error?: string; description?: string }) => {
    if (err.error !== error) throw new Error(`expected ${error}, got ${err.error ?? String(err)}: ${err.description ?? ''}`);
    if (description && !description.test(err.description ?? '')) throw new Error(`description "${err.description}" does not match ${description}`);
    return true;
  });
}
