/**
 * Clients for the relying-party interop tests (openid-client 5 and 6, oauth4webapi): a public
 * PKCE client with a post-logout redirect URI, registered with default metadata (RS256 ID tokens),
 * and one registered for ES256 ID tokens. Their redirect URIs are never visited: the tests stop
 * at the redirect and read its parameters.
 */
import type { ImportClientData, ImportFileData } from '../../src/import/schema.js';
import { FIXTURE } from './fixture.js';
import { startTestServer, type TestServer } from './server.js';

export const RP_CLIENT = 'rp-app';
export const RP_ES256_CLIENT = 'rp-app-es256';
export const RP_CALLBACK = 'http://127.0.0.1/rp/callback';
export const RP_LOGGED_OUT = 'http://127.0.0.1/rp/logged-out';
export const RP_SCOPE = 'openid profile email offline_access';

function rpClient(client_id: string, extra: Partial<ImportClientData> = {}): ImportClientData {
  return {
    client_id, client_name: 'Relying Party', public: true, token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [RP_CALLBACK],
    post_logout_redirect_uris: [RP_LOGGED_OUT], scopes: ['openid', 'profile', 'email', 'offline_access'], ...extra,
  };
}

export const RP_IMPORT: ImportFileData = {
  tenants: [{
    id: 'default',
    servers: [{
      id: 'default',
      clients: [rpClient(RP_CLIENT), rpClient(RP_ES256_CLIENT, { id_token_signed_response_alg: 'ES256' })],
    }],
  }],
};

export function startRpServer(): Promise<TestServer> {
  return startTestServer({ imports: [FIXTURE, RP_IMPORT] });
}
