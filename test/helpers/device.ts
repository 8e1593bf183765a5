/** The user's side of the device authorization grant (RFC 8628 §3.3), as form posts with a cookie jar. */
import { USER } from './fixture.js';
import type { TestServer } from './server.js';
import { UserAgent } from './user-agent.js';

export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/** A public client with only the device grant (and refresh tokens). */
export const DEVICE_CLIENT = 'app-device';

/** The fixture's tenant with device clients added: a public one and a confidential one. */
export function deviceClients(): Record<string, unknown>[] {
  return [
    {
      client_id: DEVICE_CLIENT, client_name: 'TV App', public: true, grant_types: [DEVICE_GRANT, 'refresh_token'],
      token_endpoint_auth_method: 'none', scopes: ['openid', 'profile', 'offline_access', 'read_inbox'],
    },
    {
      client_id: 'app-device-confidential', client_name: 'Device Backend', public: false, grant_types: [DEVICE_GRANT],
      scopes: ['openid', 'read_inbox'], client_secret: 'pxs_test-secret-for-the-device-client',
    },
  ];
}

/**
 * Opens the verification page (as `verification_uri_complete` would, when `prefill`), submits
 * `typed`, then signs in and consents (or denies). Returns the last response: the redirect to the
 * done page, or the page that refused the code.
 */
export async function enterDeviceCode(
  s: TestServer, typed: string, opts: { decision?: 'allow' | 'deny'; ua?: UserAgent; user?: { username: string; password: string } } = {},
): Promise<Response> {
  const ua = opts.ua ?? new UserAgent(s.url);
  const user = opts.user ?? USER;
  const page = await ua.get(`${s.issuer}/device`);
  if (page.status !== 200) throw new Error(`/device answered ${page.status}`);
  let res = await ua.post(new URL(`${s.issuer}/device`).pathname, { ...UserAgent.fields(await page.text()), user_code: typed });
  for (let step = 0; step < 6; step++) {
    const location = res.headers.get('location');
    if (!location) return res;
    const next = new URL(location, s.url);
    if (!['/login', '/consent'].includes(next.pathname)) return res;
    const form = await ua.get(next.toString());
    if (form.status !== 200) throw new Error(`${next.pathname} answered ${form.status}`);
    const fields = UserAgent.fields(await form.text());
    res = next.pathname === '/login'
      ? await ua.post('/login', { ...fields, username: user.username, password: user.password })
      : await ua.post('/consent', { ...fields, decision: opts.decision ?? 'allow' });
  }
  throw new Error('too many steps');
}
