/**
 * The clients, user and scopes every server under test is configured with, so that each
 * workload asks the same work of Pixie and of node-oidc-provider.
 */
import { createHash, generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import type { ImportFileData } from '../src/import/schema.js';

export const TENANT = 'bench';
/** Two Pixie servers: one issues opaque access tokens, the other RFC 9068 JWTs (ES256). */
export const OPAQUE_SERVER = 'opaque';
export const JWT_SERVER = 'jwt';
export const USER = { id: 'bench-user', username: 'bench', password: 'bench-password-not-secret', email: 'bench@example.com', name: 'Bench User' };
export const PUBLIC_CLIENT = 'bench-public';
export const CONFIDENTIAL_CLIENT = 'bench-confidential';
/** Per server: Pixie keeps secret hashes unique across servers. */
export const CONFIDENTIAL_SECRETS = {
  opaque: 'pxs_bench-confidential-secret-opaque-0123456789',
  jwt: 'pxs_bench-confidential-secret-jwt-0123456789abcd',
} as const;
export const REDIRECT_URI = 'http://127.0.0.1/cb';
export const API_SCOPE = 'api:read';
/** node-oidc-provider issues JWT or opaque access tokens per resource server (RFC 8707). */
export const RESOURCES = { opaque: 'urn:bench:opaque', jwt: 'urn:bench:jwt' } as const;

/** One PKCE pair for every code: the exchange cost does not depend on which verifier it is. */
export const PKCE = (() => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
})();

export function basicAuth(kind: keyof typeof CONFIDENTIAL_SECRETS): string {
  return `Basic ${Buffer.from(`${CONFIDENTIAL_CLIENT}:${CONFIDENTIAL_SECRETS[kind]}`).toString('base64')}`;
}

export function pixieImport(): ImportFileData {
  const clients = (secret: string) => [
    {
      // No refresh_token grant: node-oidc-provider issues none without offline_access either.
      client_id: PUBLIC_CLIENT, client_name: 'Bench public client', public: true, grant_types: ['authorization_code' as const],
      redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'none' as const, scopes: ['openid', 'profile', API_SCOPE],
      // The same ID token alg as node-oidc-provider's bench client (Pixie's default is RS256).
      id_token_signed_response_alg: 'ES256' as const,
    },
    {
      client_id: CONFIDENTIAL_CLIENT, client_name: 'Bench confidential client', public: false,
      grant_types: ['client_credentials' as const], redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'client_secret_basic' as const, scopes: [API_SCOPE], client_secret: secret,
    },
  ];
  const scopes = [{ name: API_SCOPE, description: 'Read the bench API' }];
  return {
    tenants: [{
      id: TENANT,
      users: [{ username: USER.username, password: USER.password, email: USER.email, name: USER.name }],
      servers: [
        { id: OPAQUE_SERVER, accessTokenFormat: 'opaque', signingAlg: 'ES256', scopes, clients: clients(CONFIDENTIAL_SECRETS.opaque) },
        { id: JWT_SERVER, accessTokenFormat: 'jwt', signingAlg: 'ES256', scopes, clients: clients(CONFIDENTIAL_SECRETS.jwt) },
      ],
    }],
  };
}

/** What bench/oidc-server.mjs is started with (JSON in argv). */
export interface OidcServerConfig {
  port: number;
  jwk: JsonWebKey;
  user: typeof USER;
  publicClient: string;
  confidentialClient: string;
  secret: string;
  redirectUri: string;
  apiScope: string;
  resources: typeof RESOURCES;
  challenge: string;
}

export function oidcServerConfig(port: number): OidcServerConfig {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'bench-es256', alg: 'ES256', use: 'sig' };
  return {
    port, jwk, user: USER, publicClient: PUBLIC_CLIENT, confidentialClient: CONFIDENTIAL_CLIENT, secret: CONFIDENTIAL_SECRETS.jwt,
    redirectUri: REDIRECT_URI, apiScope: API_SCOPE, resources: RESOURCES, challenge: PKCE.challenge,
  };
}
