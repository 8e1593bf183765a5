/**
 * The literal steps of seeds 000 (SOE: OAuth with PKCE), 001 (SOE: generate a token with
 * PKCE, the curl) and 002 (Stack Exchange API 2.3 authentication) against Pixie's
 * Stack Exchange–compatible endpoints, with apps registered through the portal services.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '../../src/core/types.js';
import { createApp, deleteApp, newAppSettings, updateApp, type AppSettings, type PortalScope } from '../../src/portal/apps.js';
import { issueCredential } from '../../src/portal/credentials.js';
import { listAuthorizedApps, revokeAuthorization } from '../../src/portal/account.js';
import { POST_CLIENT, POST_SECRET, USER } from '../helpers/fixture.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

let s: TestServer;
let userId: string;
const clock = new TestClock();
const scope: PortalScope = { tenantId: 'default', serverId: 'default' };
const WEB_REDIRECT = 'http://127.0.0.1/auth/callback';

before(async () => {
  s = await startTestServer({ clock });
  userId = (await s.deps.stores.users.findByUsername('default', USER.username))!.id;
});
after(async () => { await s.close(); });

function loginSuccess(): string {
  return `${s.url}/oauth/login_success`;
}

/** Register an app as a developer would in the portal (seed 001 "Create a new API application"). */
type AppChange = Partial<Omit<AppSettings, 'grants'>> & { grants?: Partial<AppSettings['grants']> };

async function registerApp(isPublic: boolean, change: AppChange = {}): Promise<Client> {
  const base = newAppSettings(isPublic);
  const settings: AppSettings = {
    ...base, name: 'Seed app', redirectUris: WEB_REDIRECT, nonWebRedirect: true, ...change,
    grants: { ...base.grants, ...change.grants },
  };
  const created = await createApp(s.deps, scope, userId, isPublic, { ...settings, grants: base.grants });
  return updateApp(s.deps, scope, userId, created.clientId, settings);
}

async function clientSecret(app: Client): Promise<string> {
  return (await issueCredential(s.deps, scope, userId, app.clientId, 'secret', { name: 'Server', expiresOn: '' })).value;
}

/** Visit the authorize URL in a "browser": log in, authorize, land on the redirect. */
async function authorize(path: string, params: Record<string, string>): Promise<URL> {
  return new UserAgent(s.url).authorize(`${s.url}${path}?${new URLSearchParams(params)}`, USER);
}

function post(path: string, form: Record<string, string>, query?: Record<string, string>): Promise<Response> {
  const url = `${s.url}${path}${query ? `?${new URLSearchParams(query)}` : ''}`;
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
}

async function introspect(token: string): Promise<Record<string, unknown>> {
  const res = await post('/default/default/oauth2/introspect', { token, client_id: POST_CLIENT, client_secret: POST_SECRET });
  assert.equal(res.status, 200);
  return res.json() as Promise<Record<string, unknown>>;
}

describe('seed 001: generate a token with the authorization code flow and PKCE', () => {
  it('walks /oauth → login_success page → the curl to /oauth/access_token/json', async () => {
    const app = await registerApp(true, { allowNoExpiry: true });
    assert.match(app.clientId, /^\d{12}$/, 'client IDs from the portal are numeric');
    const { verifier, challenge } = pkce();
    const landed = await authorize('/oauth', {
      response_type: 'code', client_id: app.clientId, redirect_uri: loginSuccess(), scope: 'no_expiry,write_access',
      code_challenge: challenge, code_challenge_method: 'S256', state: 'YOUR_STRING',
    });
    assert.equal(landed.origin + landed.pathname, loginSuccess());
    assert.equal(landed.searchParams.get('state'), 'YOUR_STRING');
    const code = landed.searchParams.get('code')!;
    const page = await fetch(landed);
    assert.equal(page.status, 200);
    const htmlText = await page.text();
    assert.ok(htmlText.includes(code), 'the login_success page shows the code');
    assert.match(htmlText, /data-copy="auth-code"/, 'with a copy button');
    assert.match(page.headers.get('content-security-policy')!, /script-src 'self'/);
    // curl -X POST …/oauth/access_token/json -H "Content-Type: application/x-www-form-urlencoded" -d client_id -d code -d code_verifier -d redirect_uri
    const res = await post('/oauth/access_token/json', { client_id: app.clientId, code, code_verifier: verifier, redirect_uri: loginSuccess() });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const body = await res.json();
    assert.match(body.access_token, /^pxat_/);
    assert.equal(body.expires, undefined, 'no_expiry: no expires field');
    assert.equal(body.expires_in, undefined);
    assert.equal(body.refresh_token, undefined);
    const info = await introspect(body.access_token);
    assert.equal(info.active, true);
    assert.equal(info.exp, undefined);
    assert.equal(info.scope, 'no_expiry write_access');
  });

  it('refuses no_expiry for an app that is not allowed it (invalid_scope back to the app)', async () => {
    const app = await registerApp(true);
    const { challenge } = pkce();
    const res = await fetch(`${s.url}/oauth?${new URLSearchParams({
      client_id: app.clientId, redirect_uri: loginSuccess(), scope: 'no_expiry', code_challenge: challenge, code_challenge_method: 'S256',
    })}`, { redirect: 'manual' });
    assert.equal(res.status, 302);
    const loc = new URL(res.headers.get('location')!);
    assert.equal(loc.pathname, '/oauth/login_success');
    assert.equal(loc.searchParams.get('error'), 'invalid_scope');
    const page = await (await fetch(loc)).text();
    assert.match(page, /Authorization failed/);
    assert.match(page, /invalid_scope/);
  });
});

describe('seed 000: secure API token generation with OAuth and PKCE', () => {
  it('with PKCE: parameters in the URL of the POST, plain form-encoded answer with expires=86400', async () => {
    const app = await registerApp(true);
    const { verifier, challenge } = pkce();
    const landed = await authorize('/oauth', {
      client_id: app.clientId, scope: 'read_inbox', redirect_uri: loginSuccess(), code_challenge: challenge, code_challenge_method: 'S256',
    });
    const res = await post('/oauth/access_token', {}, {
      client_id: app.clientId, code: landed.searchParams.get('code')!, redirect_uri: loginSuccess(), code_verifier: verifier,
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /application\/x-www-form-urlencoded/);
    const text = await res.text();
    assert.match(text, /^access_token=pxat_[A-Za-z0-9_-]+&expires=86400$/);
    const token = new URLSearchParams(text).get('access_token')!;
    const info = await introspect(token);
    assert.equal(info.active, true);
    assert.equal(info.client_id, app.clientId);
  });

  it('without PKCE: a confidential app sends client_secret; /json answers access_token and expires', async () => {
    const app = await registerApp(false);
    const secret = await clientSecret(app);
    const landed = await authorize('/oauth', { client_id: app.clientId, scope: 'write_access', redirect_uri: WEB_REDIRECT, state: 'st' });
    assert.equal(landed.origin + landed.pathname, WEB_REDIRECT);
    const res = await post('/oauth/access_token/json', {
      client_id: app.clientId, client_secret: secret, code: landed.searchParams.get('code')!, redirect_uri: WEB_REDIRECT,
    });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.expires, 86400);
    assert.equal(body.expires_in, 86400);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.refresh_token, undefined, 'the Stack Exchange endpoints issue no refresh token');
  });

  it('errors of /oauth/access_token are form-encoded too', async () => {
    const res = await post('/oauth/access_token', { client_id: (await registerApp(true)).clientId, code: 'pxc_nope', redirect_uri: loginSuccess() });
    assert.equal(res.status, 400);
    assert.match(res.headers.get('content-type')!, /application\/x-www-form-urlencoded/);
    const err = new URLSearchParams(await res.text());
    assert.equal(err.get('error'), 'invalid_grant');
    assert.ok(err.get('error_description'));
  });
});

describe('seed 002: Stack Exchange API 2.3 authentication', () => {
  it('authorization code grant: a confidential app without PKCE must send client_secret (401 invalid_client)', async () => {
    const app = await registerApp(false);
    await clientSecret(app);
    const landed = await authorize('/oauth', { client_id: app.clientId, redirect_uri: WEB_REDIRECT });
    const res = await post('/oauth/access_token/json', { client_id: app.clientId, code: landed.searchParams.get('code')!, redirect_uri: WEB_REDIRECT });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error, 'invalid_client');
  });

  it('authorization code with PKCE: client_secret is optional for a confidential app, but the verifier is not', async () => {
    const app = await registerApp(false);
    const secret = await clientSecret(app);
    for (const extra of [{}, { client_secret: secret }] as Record<string, string>[]) {
      const { verifier, challenge } = pkce();
      const landed = await authorize('/oauth', {
        client_id: app.clientId, redirect_uri: WEB_REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', state: 'abc',
      });
      assert.equal(landed.searchParams.get('state'), 'abc');
      const res = await post('/oauth/access_token/json', {
        client_id: app.clientId, redirect_uri: WEB_REDIRECT, code: landed.searchParams.get('code')!, code_verifier: verifier, ...extra,
      });
      assert.equal(res.status, 200, JSON.stringify(extra));
      assert.equal((await res.json()).expires, 86400);
    }
    const { challenge } = pkce();
    const landed = await authorize('/oauth', { client_id: app.clientId, redirect_uri: WEB_REDIRECT, code_challenge: challenge, code_challenge_method: 'S256' });
    const noVerifier = await post('/oauth/access_token/json', { client_id: app.clientId, redirect_uri: WEB_REDIRECT, code: landed.searchParams.get('code')! });
    assert.equal(noVerifier.status, 400);
    assert.equal((await noVerifier.json()).error, 'invalid_grant');
    const wrong = await post('/oauth/access_token/json', { client_id: app.clientId, client_secret: 'pxs_wrong', code: 'x', redirect_uri: WEB_REDIRECT });
    assert.equal(wrong.status, 401, 'a wrong secret is refused even though PKCE would make it optional');
  });

  it('an app with only "authorization code with PKCE" must send a code_challenge', async () => {
    const app = await registerApp(false, { grants: { authorizationCode: false, authorizationCodePkce: true } });
    const res = await new UserAgent(s.url).get(`${s.url}/oauth?${new URLSearchParams({ client_id: app.clientId, redirect_uri: WEB_REDIRECT })}`);
    const loc = new URL(res.headers.get('location')!);
    assert.equal(loc.searchParams.get('error'), 'invalid_request');
    assert.match(loc.searchParams.get('error_description')!, /code_challenge/);
  });

  it('implicit grant with the non-web redirect: token in the fragment, expires, state, no refresh token', async () => {
    const app = await registerApp(true, { grants: { implicit: true } });
    const landed = await authorize('/oauth/dialog', { client_id: app.clientId, redirect_uri: loginSuccess(), scope: 'read_inbox', state: 's1' });
    assert.equal(landed.origin + landed.pathname, loginSuccess());
    assert.equal(landed.search, '');
    const frag = new URLSearchParams(landed.hash.slice(1));
    assert.match(frag.get('access_token')!, /^pxat_/);
    assert.equal(frag.get('expires'), '86400');
    assert.equal(frag.get('state'), 's1');
    assert.equal(frag.get('refresh_token'), null);
    assert.equal((await introspect(frag.get('access_token')!)).active, true);
    const page = await (await fetch(landed)).text();
    assert.match(page, /id="fragment-result" hidden/, 'the page shows a fragment token with its script');
  });

  it('implicit grant only for apps that enabled it (unauthorized_client)', async () => {
    const app = await registerApp(true);
    const res = await new UserAgent(s.url).get(`${s.url}/oauth/dialog?${new URLSearchParams({ client_id: app.clientId, redirect_uri: loginSuccess() })}`);
    assert.equal(res.status, 302);
    const loc = new URL(res.headers.get('location')!);
    assert.equal(new URLSearchParams(loc.hash.slice(1)).get('error'), 'unauthorized_client');
  });

  it('refuses the non-web redirect for apps without the permission (error page, no redirect)', async () => {
    const app = await registerApp(true, { nonWebRedirect: false });
    const { challenge } = pkce();
    const res = await fetch(`${s.url}/oauth?${new URLSearchParams({
      client_id: app.clientId, redirect_uri: loginSuccess(), code_challenge: challenge, code_challenge_method: 'S256',
    })}`, { redirect: 'manual' });
    assert.equal(res.status, 400);
    assert.match(await res.text(), /redirect_uri is not registered/);
  });

  it('API keys: pxk_ with checksum, introspected as api_key with no scope; expired or revoked keys are inactive', async () => {
    const app = await registerApp(true);
    const issued = await issueCredential(s.deps, scope, userId, app.clientId, 'api-key', { name: 'Production', expiresOn: '' });
    assert.match(issued.value, /^pxk_[A-Za-z0-9_-]{49}$/);
    const info = await introspect(issued.value);
    assert.deepEqual({ active: info.active, token_type: info.token_type, scope: info.scope, client_id: info.client_id },
      { active: true, token_type: 'api_key', scope: '', client_id: app.clientId });
    const flipped = issued.value.slice(0, -1) + (issued.value.endsWith('A') ? 'B' : 'A');
    assert.deepEqual(await introspect(flipped), { active: false });
    const stored = await s.deps.stores.apiKeys.findByHash(issued.record.hash);
    assert.equal(stored?.displayPrefix, issued.value.slice(0, 8), 'only a prefix stays visible');
    await s.deps.stores.apiKeys.revoke('default', 'default', app.clientId, issued.record.id, s.deps.clock.now());
    assert.deepEqual(await introspect(issued.value), { active: false });

    const tomorrow = new Date((clock.now() + 86400) * 1000).toISOString().slice(0, 10);
    const expiring = await issueCredential(s.deps, scope, userId, app.clientId, 'api-key', { name: 'Short', expiresOn: tomorrow });
    assert.equal((await introspect(expiring.value)).active, true);
    clock.advance(3 * 86400);
    assert.deepEqual(await introspect(expiring.value), { active: false });
  });

  it('a code not yet exchanged stops working when the user revokes the app', async () => {
    const app = await registerApp(true);
    const { verifier, challenge } = pkce();
    const landed = await authorize('/oauth', { client_id: app.clientId, redirect_uri: loginSuccess(), code_challenge: challenge, code_challenge_method: 'S256' });
    const grant = (await listAuthorizedApps(s.deps, 'default', userId)).find((a) => a.clientId === app.clientId)!;
    await revokeAuthorization(s.deps, 'default', userId, grant.grantId);
    const res = await post('/oauth/access_token/json', {
      client_id: app.clientId, code: landed.searchParams.get('code')!, code_verifier: verifier, redirect_uri: loginSuccess(),
    });
    assert.equal(res.status, 400);
    assert.match((await res.json()).error_description, /revoked access/);
  });

  it('tokens of the Stack Exchange endpoints live 24 hours', async () => {
    const app = await registerApp(true);
    const { verifier, challenge } = pkce();
    const landed = await authorize('/oauth', { client_id: app.clientId, redirect_uri: loginSuccess(), code_challenge: challenge, code_challenge_method: 'S256' });
    const text = await (await post('/oauth/access_token', {
      client_id: app.clientId, code: landed.searchParams.get('code')!, code_verifier: verifier, redirect_uri: loginSuccess(),
    })).text();
    const token = new URLSearchParams(text).get('access_token')!;
    clock.advance(86400 - 1);
    assert.equal((await introspect(token)).active, true);
    clock.advance(1);
    assert.deepEqual(await introspect(token), { active: false });
  });

  it('deleting an app stops its tokens and keys; revoking access on /account stops the user tokens', async () => {
    const app = await registerApp(true);
    const key = await issueCredential(s.deps, scope, userId, app.clientId, 'api-key', { name: 'k', expiresOn: '' });
    const { verifier, challenge } = pkce();
    const landed = await authorize('/oauth', { client_id: app.clientId, redirect_uri: loginSuccess(), code_challenge: challenge, code_challenge_method: 'S256' });
    const body = await (await post('/oauth/access_token/json', {
      client_id: app.clientId, code: landed.searchParams.get('code')!, code_verifier: verifier, redirect_uri: loginSuccess(),
    })).json();
    const authorized = await listAuthorizedApps(s.deps, 'default', userId);
    const grant = authorized.find((a) => a.clientId === app.clientId)!;
    assert.ok(grant.lastUsedAt !== null);
    await revokeAuthorization(s.deps, 'default', userId, grant.grantId);
    assert.deepEqual(await introspect(body.access_token), { active: false });

    const second = pkce();
    const again = await authorize('/oauth', { client_id: app.clientId, redirect_uri: loginSuccess(), code_challenge: second.challenge, code_challenge_method: 'S256' });
    const token2 = (await (await post('/oauth/access_token/json', {
      client_id: app.clientId, code: again.searchParams.get('code')!, code_verifier: second.verifier, redirect_uri: loginSuccess(),
    })).json()).access_token;
    assert.equal((await introspect(token2)).active, true);
    await deleteApp(s.deps, scope, userId, app.clientId);
    assert.deepEqual(await introspect(token2), { active: false });
    assert.deepEqual(await introspect(key.value), { active: false });
  });
});
