/**
 * Fixtures for the client tools (verifier, `pixie token`, example API): the standard FIXTURE
 * plus a resource server's introspection client, an opaque-token server, a challenge-code
 * client and an API key. API keys and the challenge-code grant are built on other branches;
 * the probes below tell tests whether this build has them, so those tests skip until merged.
 */
import { generateOpaqueToken } from '../../src/crypto/opaque-token.js';
import type { ImportClientData, ImportFileData } from '../../src/import/schema.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, FIXTURE } from './fixture.js';
import { startTestServer, type TestServer, type TestServerOptions } from './server.js';

export const API_CLIENT = 'resource-api';
export const API_SECRET = 'pxs_resource-api-introspection-secret';
export const CHALLENGE_CLIENT = 'app-challenge';
export const CHALLENGE_SECRET = 'pxs_challenge-client-secret-value';
export const API_KEY = generateOpaqueToken('pxk');
/** Appended to client secrets on the `opaque` server. */
export const OPAQUE_SUFFIX = '-opaque';
export const CHALLENGE_GRANT = 'urn:pixie:grant-type:challenge-code';

function secret(base: string, issuer: string): string {
  return issuer.endsWith('/opaque') ? base + OPAQUE_SUFFIX : base;
}

const resourceApi: ImportClientData = {
  client_id: API_CLIENT, client_name: 'Resource API', public: false, grant_types: ['client_credentials'],
  scopes: ['read_inbox'], client_secret: API_SECRET,
};

function baseClients(): ImportClientData[] {
  return structuredClone(FIXTURE.tenants[0]!.servers![0]!.clients!);
}

export function clientToolsImport(): ImportFileData {
  const doc = structuredClone(FIXTURE);
  const server = doc.tenants[0]!.servers![0]!;
  server.clients!.push(resourceApi, {
    client_id: CHALLENGE_CLIENT, client_name: 'Challenge App', public: false, grant_types: [CHALLENGE_GRANT],
    scopes: ['read_inbox'], client_secret: CHALLENGE_SECRET,
  });
  // Secret hashes are unique across servers, so the second server's clients get their own secrets.
  const opaqueClients = [...baseClients(), resourceApi].map((c) => (
    typeof c.client_secret === 'string' ? { ...c, client_secret: c.client_secret + OPAQUE_SUFFIX } : c));
  doc.tenants[0]!.servers!.push({ id: 'opaque', accessTokenFormat: 'opaque', clients: opaqueClients });
  return doc;
}

/** SPEC §10 `api_keys` on the confidential app; rejected by builds without API keys. */
function apiKeyImport(): ImportFileData {
  const app = baseClients().find((c) => c.client_id === CONFIDENTIAL_CLIENT)!;
  const withKeys = { ...app, api_keys: [{ name: 'test key', key: API_KEY }] } as ImportClientData;
  return { tenants: [{ id: 'default', servers: [{ id: 'default', clients: [withKeys] }] }] };
}

export interface ClientToolsServer {
  server: TestServer;
  /** Why API-key tests must skip, or false when API keys work. */
  skipApiKeys: string | false;
  /** Why challenge-code tests must skip, or false when the grant works. */
  skipChallenge: string | false;
}

export async function startClientToolsServer(opts: Omit<TestServerOptions, 'imports'> = {}): Promise<ClientToolsServer> {
  let server: TestServer;
  let keysImported = true;
  try {
    server = await startTestServer({ ...opts, imports: [clientToolsImport(), apiKeyImport()] });
  } catch {
    keysImported = false;
    server = await startTestServer({ ...opts, imports: [clientToolsImport()] });
  }
  const keyActive = keysImported && (await introspect(server, API_KEY)).active === true;
  const probe = await challengeToken(server, 'A'.repeat(43));
  return {
    server,
    skipApiKeys: keyActive ? false : 'API keys (pxk_, SPEC §10 api_keys) are not on this branch yet',
    skipChallenge: probe.ok ? false : 'the challenge-code grant (SPEC §4.6) is not on this branch yet',
  };
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

async function form(url: string, body: Record<string, string>, authorization?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST', body: new URLSearchParams(body),
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
  });
}

export async function introspect(s: TestServer, token: string, issuer = s.issuer): Promise<Record<string, unknown>> {
  const res = await form(`${issuer}/oauth2/introspect`, { token }, basic(API_CLIENT, secret(API_SECRET, issuer)));
  return (await res.json()) as Record<string, unknown>;
}

/** A client_credentials token of the confidential fixture app. */
export async function clientToken(s: TestServer, scope: string, issuer = s.issuer): Promise<string> {
  const res = await form(`${issuer}/oauth2/token`, { grant_type: 'client_credentials', scope }, basic(CONFIDENTIAL_CLIENT, secret(CONFIDENTIAL_SECRET, issuer)));
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`client_credentials failed: ${JSON.stringify(body)}`);
  return body.access_token;
}

export async function revokeToken(s: TestServer, token: string, issuer = s.issuer): Promise<void> {
  const res = await form(`${issuer}/oauth2/revoke`, { token }, basic(CONFIDENTIAL_CLIENT, secret(CONFIDENTIAL_SECRET, issuer)));
  if (res.status !== 200) throw new Error(`revoke answered ${res.status}`);
}

export async function challengeToken(s: TestServer, challenge: string): Promise<{ ok: boolean; body: Record<string, unknown> }> {
  const res = await form(`${s.issuer}/oauth2/token`, {
    grant_type: CHALLENGE_GRANT, code_challenge: challenge, code_challenge_method: 'S256', scope: 'read_inbox',
  }, basic(CHALLENGE_CLIENT, CHALLENGE_SECRET));
  return { ok: res.status === 200, body: (await res.json()) as Record<string, unknown> };
}
