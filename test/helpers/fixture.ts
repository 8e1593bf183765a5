/**
 * The tenant most tests use: one user, a public PKCE client, a confidential client (registered,
 * by default, for client_secret_basic) and one registered for client_secret_post.
 */
import type { ImportFileData } from '../../src/import/schema.js';

export const USER = { username: 'alice', password: 'correct horse battery staple' };
export const PUBLIC_CLIENT = 'app-public';
export const CONFIDENTIAL_CLIENT = 'app-confidential';
export const CONFIDENTIAL_SECRET = 'pxs_test-secret-for-the-confidential-client';
export const REDIRECT_URI = 'http://127.0.0.1/callback';
export const CHALLENGE_CLIENT = 'app-challenge';
/** A confidential client registered for client_secret_post: its secret goes in the form body. */
export const POST_CLIENT = 'app-confidential-post';
export const POST_SECRET = 'pxs_test-secret-for-the-post-client';

export const FIXTURE: ImportFileData = {
  tenants: [{
    id: 'default',
    users: [{ username: USER.username, password: USER.password, email: 'alice@example.com', name: 'Alice Example' }],
    servers: [{
      id: 'default',
      clients: [
        {
          client_id: PUBLIC_CLIENT, client_name: 'Public Test App', public: true,
          grant_types: ['authorization_code', 'refresh_token'], redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: 'none', scopes: ['openid', 'profile', 'email', 'offline_access', 'read_inbox'],
        },
        {
          client_id: CONFIDENTIAL_CLIENT, client_name: 'Confidential Test App', public: false,
          grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
          redirect_uris: [REDIRECT_URI, 'https://app.example.com/cb'], oauth_domain: 'example.org',
          scopes: ['openid', 'profile', 'email', 'offline_access', 'read_inbox', 'write_access'],
          client_secret: CONFIDENTIAL_SECRET,
        },
        {
          client_id: POST_CLIENT, client_name: 'Confidential Test App (client_secret_post)', public: false,
          grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], redirect_uris: [REDIRECT_URI],
          token_endpoint_auth_method: 'client_secret_post',
          scopes: ['openid', 'profile', 'email', 'offline_access', 'read_inbox', 'write_access'],
          client_secret: POST_SECRET,
        },
        {
          client_id: CHALLENGE_CLIENT, client_name: 'Challenge Code App', public: true,
          grant_types: ['urn:pixie:grant-type:challenge-code'], scopes: ['read_inbox', 'write_access'],
        },
      ],
    }],
  }],
};
