/** The demo data loaded by `pixie serve --dev`. For trying the flow; never for production. */
import type { ImportFileData } from '../import/schema.js';

export const DEV_CONFIDENTIAL_SECRET = 'dev-secret-change-me';
export const DEV_ADMIN_SECRET = 'dev-admin-secret-change-me';

export function devImport(publicUrl: string): ImportFileData {
  // login_success shows the code (or the error) with a Copy button: the quick start ends on a
  // page. http://127.0.0.1/callback (any port, RFC 8252) stays for `pixie token` and older guides.
  const loginSuccess = `${publicUrl}/oauth/login_success`;
  return {
    tenants: [{
      id: 'default', name: 'Default',
      users: [{ username: 'user', password: 'user', email: 'user@example.com', name: 'Demo User' }],
      servers: [
        {
          id: 'default',
          clients: [
            {
              client_id: 'client-pkce', client_name: 'Demo app (public, PKCE)', public: true,
              grant_types: ['authorization_code', 'refresh_token'],
              redirect_uris: [loginSuccess, 'http://127.0.0.1/callback'],
              token_endpoint_auth_method: 'none', response_types: ['code'],
              scopes: ['openid', 'profile', 'email', 'offline_access', 'read_inbox', 'write_access', 'private_info'],
            },
            {
              client_id: 'client-confidential', client_name: 'Demo app (confidential)', public: false,
              grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
              redirect_uris: [loginSuccess, 'http://127.0.0.1/callback'],
              token_endpoint_auth_method: 'client_secret_basic', response_types: ['code'],
              scopes: ['openid', 'profile', 'email', 'offline_access', 'read_inbox', 'write_access', 'private_info', 'no_expiry'],
              client_secret: DEV_CONFIDENTIAL_SECRET,
            },
          ],
        },
        {
          id: 'admin',
          clients: [{
            client_id: 'admin-swagger', client_name: 'Admin (Swagger UI)', grant_types: ['client_credentials'],
            scopes: ['manage_configuration'], client_secret: DEV_ADMIN_SECRET,
          }],
        },
      ],
    }],
  };
}
