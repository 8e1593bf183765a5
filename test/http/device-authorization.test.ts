/**
 * RFC 8628 device authorization grant against a real Pixie, with real clients: openid-client 6
 * (`initiateDeviceAuthorization`, `pollDeviceAuthorizationGrant`) and oauth4webapi
 * (`deviceAuthorizationRequest`, `deviceCodeGrantRequest`). The user's side goes through the
 * verification page, sign-in and consent as form posts. Time is a test clock, moved by the test.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import * as client from 'openid-client';
import type { ImportFileData } from '../../src/import/schema.js';
import { ADMIN, api, clientToken, startAdminServer } from '../admin/helpers.js';
import { DEVICE_CLIENT, DEVICE_GRANT, deviceClients, enterDeviceCode } from '../helpers/device.js';
import { FIXTURE, PUBLIC_CLIENT, USER } from '../helpers/fixture.js';
import { basic, postForm } from '../helpers/flow.js';
import { createTestSchema, describeUnless, PG_SKIP } from '../helpers/postgres.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

function fixtureWithDevices(): ImportFileData {
  const data = structuredClone(FIXTURE);
  data.tenants![0]!.servers![0]!.clients!.push(...(deviceClients() as never[]));
  data.tenants![0]!.servers![0]!.registration = 'open';
  return data;
}

const DEVICE_BASIC = basic('app-device-confidential', 'pxs_test-secret-for-the-device-client');
const USER_CODE = /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/;

interface Started { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; expires_in: number; interval: number }

async function start(s: TestServer, form: Record<string, string> = { client_id: DEVICE_CLIENT, scope: 'openid offline_access' }): Promise<Started> {
  const res = await postForm(`${s.issuer}/oauth2/device_authorization`, form);
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get('cache-control'), 'no-store');
  return (await res.json()) as Started;
}

async function poll(s: TestServer, deviceCode: string, clientId = DEVICE_CLIENT): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await postForm(`${s.issuer}/oauth2/token`, { grant_type: DEVICE_GRANT, client_id: clientId, device_code: deviceCode });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('device authorization grant (RFC 8628)', () => {
  let s: TestServer;
  const clock = new TestClock();
  before(async () => { s = await startTestServer({ imports: [fixtureWithDevices()], clock }); });
  after(async () => { await s.close(); });

  it('RFC 8628 §4: discovery names the device authorization endpoint and the grant type', async () => {
    const meta = (await (await fetch(`${s.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    assert.equal(meta.device_authorization_endpoint, `${s.issuer}/oauth2/device_authorization`);
    assert.ok((meta.grant_types_supported as string[]).includes(DEVICE_GRANT));
  });

  it('RFC 8628 §3.2: answers a device code, an 8-letter consonant user code XXXX-XXXX, the verification URIs, expires_in and interval', async () => {
    const r = await start(s);
    assert.match(r.device_code, /^pxdc_/);
    assert.match(r.user_code, USER_CODE);
    assert.equal(r.verification_uri, `${s.issuer}/device`);
    assert.equal(r.verification_uri_complete, `${s.issuer}/device?user_code=${r.user_code}`);
    assert.equal(r.expires_in, 600);
    assert.equal(r.interval, 5);
    const page = await fetch(r.verification_uri_complete);
    assert.equal(page.status, 200);
    assert.match(await page.text(), new RegExp(`value="${r.user_code}"`), 'the code is prefilled from verification_uri_complete');
  });

  it('openid-client 6: initiateDeviceAuthorization, approval on the page, pollDeviceAuthorizationGrant gets access, refresh and ID tokens', async () => {
    const config = await client.discovery(new URL(s.issuer), DEVICE_CLIENT, {}, client.None(), { execute: [client.allowInsecureRequests] });
    const started = await client.initiateDeviceAuthorization(config, { scope: 'openid profile offline_access' });
    assert.match(started.user_code, USER_CODE);
    // Typed as a person might: lower case, a space instead of the dash.
    const done = await enterDeviceCode(s, started.user_code.toLowerCase().replace('-', ' '));
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), `${s.issuer}/device/done?result=approved`);
    const donePage = await fetch(done.headers.get('location')!);
    assert.match(await donePage.text(), /return to your device/);
    // Approved before the first poll: the client need not wait its interval to get the tokens.
    const tokens = await client.pollDeviceAuthorizationGrant(config, { ...started, interval: 0 });
    assert.ok(tokens.access_token);
    assert.ok(tokens.refresh_token, 'the client has the refresh_token grant');
    assert.equal(tokens.claims()?.sub !== undefined, true, 'an ID token for openid');
    assert.equal(tokens.scope, 'openid profile offline_access');
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    assert.ok(refreshed.access_token);
  });

  it('oauth4webapi: authorization_pending, slow_down when polling too fast, then the tokens once approved, then invalid_grant', async () => {
    const as = await oauth.processDiscoveryResponse(new URL(s.issuer), await oauth.discoveryRequest(new URL(s.issuer), { [oauth.allowInsecureRequests]: true }));
    const c: oauth.Client = { client_id: DEVICE_CLIENT };
    const opts = { [oauth.allowInsecureRequests]: true };
    const started = await oauth.processDeviceAuthorizationResponse(as, c,
      await oauth.deviceAuthorizationRequest(as, c, oauth.None(), { scope: 'read_inbox' }, opts));
    const pollOnce = async () => oauth.processDeviceCodeResponse(as, c, await oauth.deviceCodeGrantRequest(as, c, oauth.None(), started.device_code, opts));
    const refusal = async (code: string) => assert.rejects(pollOnce(), (err: unknown) => err instanceof oauth.ResponseBodyError && err.error === code);
    await refusal('authorization_pending');
    await refusal('slow_down'); // at once, not 5 seconds later
    clock.advance(9); // the interval is now 10 seconds
    await refusal('slow_down'); // and now 15, from this poll on
    clock.advance(15);
    await refusal('authorization_pending');
    const done = await enterDeviceCode(s, started.user_code);
    assert.equal(done.headers.get('location'), `${s.issuer}/device/done?result=approved`);
    const tokens = await pollOnce();
    assert.equal(tokens.token_type, 'bearer');
    assert.equal(tokens.scope, 'read_inbox');
    assert.ok(tokens.refresh_token, 'the client has the refresh_token grant');
    await assert.rejects(pollOnce(), (err: unknown) => err instanceof oauth.ResponseBodyError && err.error === 'invalid_grant');
  });

  it('RFC 8628 §3.5: Deny on the consent page makes the poll access_denied', async () => {
    const r = await start(s);
    const done = await enterDeviceCode(s, r.user_code, { decision: 'deny' });
    assert.equal(done.headers.get('location'), `${s.issuer}/device/done?result=denied`);
    const res = await poll(s, r.device_code);
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'access_denied');
  });

  it('RFC 8628 §3.5: an expired device code polls expired_token, and its user code is no longer taken', async () => {
    const r = await start(s);
    clock.advance(601);
    const res = await poll(s, r.device_code);
    assert.equal(res.body.error, 'expired_token');
    const page = await enterDeviceCode(s, r.user_code);
    assert.equal(page.status, 400);
    assert.match(await page.text(), /not valid, or it has expired/);
  });

  it('an approved code is redeemed exactly once, also when polled in parallel', async () => {
    const r = await start(s);
    await enterDeviceCode(s, r.user_code);
    const results = await Promise.all(Array.from({ length: 5 }, () => poll(s, r.device_code)));
    assert.deepEqual(results.map((x) => x.status).sort(), [200, 400, 400, 400, 400]);
    for (const x of results.filter((y) => y.status === 400)) assert.equal(x.body.error, 'invalid_grant');
    assert.equal((await poll(s, r.device_code)).body.error, 'invalid_grant');
  });

  it('a device code is bound to its client, and a user code to its server', async () => {
    const r = await start(s);
    await enterDeviceCode(s, r.user_code);
    const other = await postForm(`${s.issuer}/oauth2/token`, { grant_type: DEVICE_GRANT, device_code: r.device_code }, { authorization: DEVICE_BASIC });
    assert.equal(other.status, 400);
    assert.equal(((await other.json()) as { error: string }).error, 'invalid_grant');
    assert.equal((await poll(s, r.device_code)).status, 200, 'the refused request did not burn the code');
  });

  it('refuses a client without the device grant (unauthorized_client), a wrong secret (invalid_client) and an unknown scope (invalid_scope)', async () => {
    const without = await postForm(`${s.issuer}/oauth2/device_authorization`, { client_id: PUBLIC_CLIENT });
    assert.equal(without.status, 400);
    assert.equal(((await without.json()) as { error: string }).error, 'unauthorized_client');
    const wrong = await postForm(`${s.issuer}/oauth2/device_authorization`, {}, { authorization: basic('app-device-confidential', 'pxs_wrong') });
    assert.equal(wrong.status, 401);
    assert.equal(((await wrong.json()) as { error: string }).error, 'invalid_client');
    const scope = await postForm(`${s.issuer}/oauth2/device_authorization`, { client_id: DEVICE_CLIENT, scope: 'write_access' });
    assert.equal(((await scope.json()) as { error: string }).error, 'invalid_scope');
    const grant = await postForm(`${s.issuer}/oauth2/token`, { grant_type: DEVICE_GRANT, client_id: PUBLIC_CLIENT, device_code: 'pxdc_x' });
    assert.equal(((await grant.json()) as { error: string }).error, 'unauthorized_client');
    const missing = await poll(s, '');
    assert.equal(missing.body.error, 'invalid_request');
    const confidential = await postForm(`${s.issuer}/oauth2/device_authorization`, { scope: 'read_inbox' }, { authorization: DEVICE_BASIC });
    assert.equal(confidential.status, 200);
    assert.match(((await confidential.json()) as Started).user_code, USER_CODE);
  });

  it('the grant type can be given to a client by RFC 7591 registration and in the developer portal', async () => {
    const registered = await fetch(`${s.issuer}/oauth2/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        redirect_uris: ['http://127.0.0.1/callback'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', DEVICE_GRANT], scope: 'openid',
      }),
    });
    assert.equal(registered.status, 201, await registered.clone().text());
    const { client_id: dynamicId, grant_types: grantTypes } = (await registered.json()) as { client_id: string; grant_types: string[] };
    assert.ok(grantTypes.includes(DEVICE_GRANT));
    assert.match((await start(s, { client_id: dynamicId, scope: 'openid' })).user_code, USER_CODE);

    const ua = new UserAgent(s.url);
    const login = await ua.get('/login?return_to=/apps');
    await ua.post('/login', { ...UserAgent.fields(await login.text()), username: USER.username, password: USER.password });
    const csrf = UserAgent.fields(await (await ua.get('/apps/new')).text()).csrf!;
    const created = await ua.post('/apps', { csrf, name: 'Living room TV', type: 'public', non_web_redirect: 'on' });
    const appPath = created.headers.get('location')!.split('?')[0]!;
    const portalId = appPath.split('/').pop()!;
    assert.equal((await postForm(`${s.issuer}/oauth2/device_authorization`, { client_id: portalId })).status, 400, 'not until the owner ticks the grant');
    const saved = await ua.post(appPath, { csrf, name: 'Living room TV', grant_device_code: 'on', non_web_redirect: 'on' });
    assert.equal(saved.status, 303, await saved.clone().text());
    assert.match(await (await ua.get(appPath)).text(), /name="grant_device_code" value="on" checked/);
    assert.match((await start(s, { client_id: portalId })).user_code, USER_CODE);
  });

  it('RFC 8628 §5.1: wrong user codes are throttled per IP, and then even the right code waits', async () => {
    clock.advance(3601); // earlier tests' wrong codes are forgotten
    const r = await start(s);
    const typo = await enterDeviceCode(s, 'ABC');
    assert.equal(typo.status, 400);
    assert.match(await typo.text(), /8 letters/, 'a malformed code is told apart and not counted');
    for (let i = 0; i < 10; i++) {
      const wrong = await enterDeviceCode(s, 'BBBB-BBBB');
      assert.equal(wrong.status, 400, `attempt ${i + 1}`);
    }
    const locked = await enterDeviceCode(s, r.user_code);
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    assert.match(await locked.text(), /Too many wrong codes/);
    clock.advance(3601); // the failures are forgotten an hour after the last one
    const fresh = await start(s);
    const done = await enterDeviceCode(s, fresh.user_code);
    assert.equal(done.status, 303);
  });
});

describe('device authorization grant through the admin API', () => {
  it('a client created with the grant type and no redirect URI can start a device authorization', async () => {
    const s = await startAdminServer();
    try {
      const token = await clientToken(s.url, 'default', ADMIN);
      const created = await api(s.url, 'POST', '/api/admin/default/clients', token, {
        authorization_server_id: 'default', client_id: 'kiosk', public: true, grant_types: [DEVICE_GRANT], scopes: ['openid'],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.deepEqual(created.body.grant_types, [DEVICE_GRANT]);
      assert.match((await start(s, { client_id: 'kiosk', scope: 'openid' })).user_code, USER_CODE);
    } finally {
      await s.close();
    }
  });
});

describe('device authorization grant in the logs', () => {
  it('logs the whole flow at trace level without the device code, the user code or the tokens', async () => {
    const stream = new PassThrough();
    let log = '';
    stream.on('data', (chunk) => (log += chunk.toString()));
    const s = await startTestServer({ imports: [fixtureWithDevices()], config: { logLevel: 'trace' }, logStream: stream });
    const secrets: string[] = [];
    try {
      const r = await start(s);
      secrets.push(r.device_code, r.user_code, r.user_code.replace('-', ''));
      await poll(s, r.device_code);
      await fetch(r.verification_uri_complete);
      await enterDeviceCode(s, r.user_code);
      const tokens = await poll(s, r.device_code);
      secrets.push(String(tokens.body.access_token), String(tokens.body.refresh_token), String(tokens.body.id_token));
    } finally {
      await s.close();
    }
    assert.ok(log.split('\n').length > 10, 'trace logging produced lines');
    for (const secret of secrets) {
      assert.ok(secret.length >= 8);
      assert.equal(log.includes(secret), false, `a secret (${secret.slice(0, 6)}…) appears in the log`);
    }
  });
});

describeUnless(PG_SKIP, 'device authorization grant on PostgreSQL with two servers', () => {
  let a: TestServer;
  let b: TestServer;
  let drop: () => Promise<void>;
  before(async () => {
    const schema = await createTestSchema();
    drop = schema.drop;
    a = await startTestServer({ imports: [fixtureWithDevices()], config: { databaseUrl: schema.url } });
    b = await startTestServer({ imports: [fixtureWithDevices()], config: { databaseUrl: schema.url } });
  });
  after(async () => { await a?.close(); await b?.close(); await drop?.(); });

  it('a code started on one server, approved on the other, is redeemed exactly once across both', async () => {
    const r = await start(a);
    const done = await enterDeviceCode(b, r.user_code);
    assert.equal(done.status, 303);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => poll(i % 2 ? a : b, r.device_code)));
    assert.deepEqual(results.map((x) => x.status).sort(), [200, 400, 400, 400, 400, 400]);
  });
});
