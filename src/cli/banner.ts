/** What `pixie serve` prints for people (not log lines): the --dev walk-through and the first-start admin secret. */
import { challengeFor } from '../core/pkce.js';
import { randomUnreserved } from '../crypto/random.js';
import { DEV_ADMIN_SECRET, DEV_CONFIDENTIAL_SECRET } from './dev-tenant.js';

/** The demo tenant and one URL to open, with a PKCE pair made for this start. */
export function devBanner(url: string): string {
  const issuer = `${url}/default/default`;
  const redirectUri = `${url}/oauth/login_success`;
  const verifier = randomUnreserved(64);
  const authorize = new URL(`${issuer}/oauth2/authorize`);
  authorize.search = new URLSearchParams({
    response_type: 'code', client_id: 'client-pkce', redirect_uri: redirectUri, scope: 'openid profile offline_access',
    state: 'demo', code_challenge: challengeFor(verifier, 'S256'), code_challenge_method: 'S256',
  }).toString().replaceAll('+', '%20');
  return [
    '',
    'Pixie is running in --dev mode with a demo tenant (do not use these credentials in production):',
    `  home page           ${url}/`,
    `  issuer              ${issuer}`,
    '  user                user / user',
    `  public PKCE client  client-pkce (redirect ${redirectUri})`,
    `  confidential client client-confidential / ${DEV_CONFIDENTIAL_SECRET}`,
    `  admin client        admin-swagger / ${DEV_ADMIN_SECRET} (tenant admin server)`,
    '',
    'Get a token: open this URL, sign in as user / user and press Authorize:',
    `  ${authorize.toString()}`,
    'The page you land on shows the code. Exchange it within 60 seconds, with the verifier made for this URL:',
    `  curl -s ${issuer}/oauth2/token -d grant_type=authorization_code -d client_id=client-pkce \\`,
    `    -d redirect_uri=${redirectUri} -d code_verifier=${verifier} -d code=CODE`,
    'Or let the CLI do every step:',
    `  npx pixie token --issuer ${issuer} --client-id client-pkce --scope "openid profile offline_access"`,
    '',
  ].join('\n');
}

/** The system admin secret generated at first start, set apart from the log lines around it. */
export function systemAdminBanner(url: string, clientId: string, secret: string): string {
  const rule = '='.repeat(78);
  return [
    '', rule,
    'System admin client created. It manages tenants (/api/system/tenants).',
    'Its secret is shown this once and stored only as a hash: keep it now.',
    '',
    `  client_id      ${clientId}`,
    `  client_secret  ${secret}`,
    `  token          curl -s -u ${clientId}:SECRET ${url}/system/admin/oauth2/token \\`,
    '                   -d grant_type=client_credentials -d scope=manage_configuration',
    '',
    'Lost it? `pixie admin system-admin rotate` (same --data or DATABASE_URL) prints a new one.',
    rule, '', '',
  ].join('\n');
}
