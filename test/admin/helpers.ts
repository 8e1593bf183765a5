/** Admin API test helpers: a server with admin clients in two tenants, tokens, and a JSON caller. */
import type { ImportFileData } from '../../src/import/schema.js';
import { FIXTURE } from '../helpers/fixture.js';
import { startTestServer, type TestServer, type TestServerOptions } from '../helpers/server.js';

export const SYSTEM_SECRET = 'pxs_system-admin-secret-for-tests-only';
export const ADMIN = { clientId: 'admin-swagger', secret: 'default-admin-secret-for-tests' };
export const ACME_ADMIN = { clientId: 'acme-admin', secret: 'acme-admin-secret-for-tests' };

const adminClient = (c: { clientId: string; secret: string }) => ({
  client_id: c.clientId, client_name: 'Admin', grant_types: ['client_credentials' as const], scopes: ['manage_configuration'], client_secret: c.secret,
});

/** default: FIXTURE + admin-swagger on default/admin; acme: a second tenant with its own user, client and admin. */
export const ADMIN_FIXTURE: ImportFileData = {
  tenants: [
    { id: 'default', servers: [{ id: 'admin', clients: [adminClient(ADMIN)] }] },
    {
      id: 'acme', name: 'Acme',
      users: [{ username: 'wile', password: 'acme-password-1' }],
      servers: [
        { id: 'default', clients: [{ client_id: 'acme-app', public: true, redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none' }] },
        { id: 'admin', clients: [adminClient(ACME_ADMIN)] },
      ],
    },
  ],
};

export function startAdminServer(opts: TestServerOptions = {}): Promise<TestServer> {
  return startTestServer({ imports: [FIXTURE, ADMIN_FIXTURE], adminClientSecret: SYSTEM_SECRET, ...opts });
}

/** client_credentials at /{tenant}/{server}/oauth2/token. */
export async function clientToken(base: string, tenant: string, client: { clientId: string; secret: string }, server = 'admin', scope = 'manage_configuration'): Promise<string> {
  const res = await fetch(`${base}/${tenant}/${server}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
  });
  const body = await res.json() as { access_token?: string };
  if (res.status !== 200 || !body.access_token) throw new Error(`token request failed ${res.status}: ${JSON.stringify(body)}`);
  return body.access_token;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: any;
}

export async function api(base: string, method: string, path: string, token: string | null, body?: unknown): Promise<ApiResponse> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}
