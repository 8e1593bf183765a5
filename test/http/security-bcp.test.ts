/** RFC 9700 items that apply to an authorization server, one test each (see docs/security.md). */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PUBLIC_CLIENT, USER } from '../helpers/fixture.js';
import { authorizeUrl, basic, exchange, getCode, introspect, postForm, tokenRequest } from '../helpers/flow.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

let s: TestServer;
const clock = new TestClock();
before(async () => { s = await startTestServer({ clock }); });
after(async () => { await s.close(); });

describe('RFC 9700 §4.5 / §4.16: CSRF and clickjacking on login and consent', () => {
  it('sends frame-ancestors none and X-Frame-Options DENY on the login and consent pages', async () => {
    const ua = new UserAgent(s.url);
    const res = await ua.get(authorizeUrl(s, { client_id: PUBLIC_CLIENT, scope: 'openid', code_challenge: pkce().challenge, code_challenge_method: 'S256' }));
    const login = await ua.get(res.headers.get('location')!);
    assert.match(login.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
    assert.equal(login.headers.get('x-frame-options'), 'DENY');
    const fields = UserAgent.fields(await login.text());
    const afterLogin = await ua.post('/login', { ...fields, ...USER });
    const consent = await ua.get(afterLogin.headers.get('location')!);
    assert.match(consent.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
    assert.equal(consent.headers.get('x-frame-options'), 'DENY');
  });

  it('refuses a consent decision without the CSRF token of the browser', async () => {
    const ua = new UserAgent(s.url);
    const res = await ua.get(authorizeUrl(s, { client_id: PUBLIC_CLIENT, scope: 'openid email', code_challenge: pkce().challenge, code_challenge_method: 'S256' }));
    const login = await ua.get(res.headers.get('location')!);
    const afterLogin = await ua.post('/login', { ...UserAgent.fields(await login.text()), ...USER });
    const consentUrl = afterLogin.headers.get('location')!;
    const interaction = new URL(consentUrl, s.url).searchParams.get('interaction')!;
    const forged = await ua.post('/consent', { interaction, decision: 'allow', csrf: 'attacker-guess' });
    assert.equal(forged.status, 403);
    assert.equal(forged.headers.get('location'), null);
  });

  it('sets the session cookie HttpOnly and SameSite=Lax', async () => {
    const ua = new UserAgent(s.url);
    const page = await ua.get('/login');
    const res = await fetch(`${s.url}/login`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: [...ua.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
      body: new URLSearchParams({ ...UserAgent.fields(await page.text()), ...USER }),
    });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('pixie_session_default='))!;
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);
  });
});

describe('RFC 9700 §4.4 mix-up defence', () => {
  it('announces and sends iss in every authorization response', async () => {
    const meta = await (await fetch(`${s.issuer}/.well-known/openid-configuration`)).json();
    assert.equal(meta.authorization_response_iss_parameter_supported, true);
    const ua = new UserAgent(s.url);
    const back = await ua.authorize(authorizeUrl(s, { client_id: PUBLIC_CLIENT, scope: 'openid', code_challenge: pkce().challenge, code_challenge_method: 'S256' }), USER, 'deny');
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('iss'), s.issuer);
  });
});

describe('RFC 7009 revocation and RFC 7662 introspection', () => {
  it('reads a revoked JWT access token as inactive', async () => {
    const tokens = await (await exchange(s, await getCode(s))).json();
    assert.match(tokens.access_token, /^ey/);
    assert.equal((await introspect(s, tokens.access_token)).active, true);
    const res = await postForm(`${s.issuer}/oauth2/revoke`, { token: tokens.access_token, client_id: PUBLIC_CLIENT });
    assert.equal(res.status, 200);
    assert.deepEqual(await introspect(s, tokens.access_token), { active: false });
  });

  it('lets a client revoke only its own tokens', async () => {
    const tokens = await (await exchange(s, await getCode(s))).json();
    await postForm(`${s.issuer}/oauth2/revoke`, { token: tokens.refresh_token }, { authorization: basic() });
    assert.equal((await introspect(s, tokens.refresh_token)).active, true);
  });

  it('revoking a refresh token revokes the access tokens of its family', async () => {
    const tokens = await (await exchange(s, await getCode(s))).json();
    await postForm(`${s.issuer}/oauth2/revoke`, { token: tokens.refresh_token, token_type_hint: 'refresh_token', client_id: PUBLIC_CLIENT });
    assert.equal((await introspect(s, tokens.access_token)).active, false);
  });

  it('refuses introspection by public clients and answers unknown tokens with active false', async () => {
    const pub = await postForm(`${s.issuer}/oauth2/introspect`, { token: 'x', client_id: PUBLIC_CLIENT });
    assert.equal(pub.status, 400);
    assert.equal((await pub.json()).error, 'unauthorized_client');
    assert.deepEqual(await introspect(s, 'pxat_not-a-token'), { active: false });
    assert.deepEqual(await introspect(s, 'eyJhbGciOiJub25lIn0.eyJqdGkiOiJ4In0.'), { active: false });
  });

  it('answers introspection with the RFC 7662 fields', async () => {
    const tokens = await (await exchange(s, await getCode(s, 'openid read_inbox offline_access'))).json();
    const info = await introspect(s, tokens.access_token);
    assert.equal(info.active, true);
    assert.equal(info.client_id, PUBLIC_CLIENT);
    assert.equal(info.scope, 'openid read_inbox offline_access');
    assert.equal(info.token_type, 'Bearer');
    assert.equal(typeof info.exp, 'number');
    assert.equal(typeof info.sub, 'string');
    assert.equal((await introspect(s, tokens.refresh_token)).token_type, 'refresh_token');
  });
});

describe('refresh token lifetimes', () => {
  it('expires a refresh token after its idle lifetime', async () => {
    const tokens = await (await exchange(s, await getCode(s))).json();
    clock.advance(30 * 86400 + 1);
    try {
      const res = await tokenRequest(s, { grant_type: 'refresh_token', client_id: PUBLIC_CLIENT, refresh_token: tokens.refresh_token });
      assert.equal((await res.json()).error, 'invalid_grant');
    } finally {
      clock.advance(-(30 * 86400 + 1));
    }
  });

  it('ends a family at its absolute lifetime even when used within the idle lifetime', async () => {
    let tokens = await (await exchange(s, await getCode(s))).json();
    const start = clock.seconds;
    try {
      for (let day = 20; day < 100; day += 20) {
        clock.seconds = start + day * 86400;
        const res = await tokenRequest(s, { grant_type: 'refresh_token', client_id: PUBLIC_CLIENT, refresh_token: tokens.refresh_token });
        const body = await res.json();
        if (day <= 80) {
          assert.equal(res.status, 200, `day ${day}`);
          tokens = body;
        }
      }
      clock.seconds = start + 91 * 86400;
      const late = await tokenRequest(s, { grant_type: 'refresh_token', client_id: PUBLIC_CLIENT, refresh_token: tokens.refresh_token });
      assert.equal((await late.json()).error, 'invalid_grant');
    } finally {
      clock.seconds = start;
    }
  });
});

describe('signing keys', () => {
  it('puts kid in every JWT and keeps the previous key published after rotation until its tokens expire', async () => {
    // Its own server: other tests here move the clock by months, which rotates keys on schedule.
    const keyClock = new TestClock();
    const s = await startTestServer({ clock: keyClock });
    const clock = keyClock;
    try {
    const tokens = await (await exchange(s, await getCode(s))).json();
    const kid = JSON.parse(Buffer.from(tokens.access_token.split('.')[0], 'base64url').toString()).kid;
    assert.ok(kid);
    const newKid = await s.deps.directory.rotateKeys('default', 'default');
    assert.notEqual(newKid, kid);
    const jwks = await (await fetch(`${s.issuer}/.well-known/jwks.json`)).json();
    const kids = jwks.keys.map((k: { kid: string }) => k.kid);
    assert.ok(kids.includes(kid) && kids.includes(newKid), 'old and new key both published');
    assert.equal((await introspect(s, tokens.access_token)).active, true);
    const next = await (await exchange(s, await getCode(s))).json();
    assert.equal(JSON.parse(Buffer.from(next.access_token.split('.')[0], 'base64url').toString()).kid, newKid);
    clock.advance(86400 + 120);
    s.deps.directory.invalidate();
    try {
      const later = await (await fetch(`${s.issuer}/.well-known/jwks.json`)).json();
      const laterKids = later.keys.map((k: { kid: string }) => k.kid);
      assert.ok(laterKids.includes(newKid) && !laterKids.includes(kid), 'the old key is gone once its tokens expired');
    } finally {
      clock.advance(-(86400 + 120));
      s.deps.directory.invalidate();
    }
    } finally {
      await s.close();
    }
  });

  it('rotates the signing key on schedule (keyRotationDays)', async () => {
    const keyClock = new TestClock();
    const s = await startTestServer({ clock: keyClock });
    try {
      const kidOf = async () => (await (await exchange(s, await getCode(s))).json()).access_token.split('.')[0];
      const before = await kidOf();
      keyClock.advance(91 * 86400);
      s.deps.directory.invalidate();
      // The due rotation runs in the background (the old key signs until the new one exists);
      // the JWKS waits for keys still being made, so after it the new key signs.
      await fetch(`${s.issuer}/.well-known/jwks.json`);
      assert.notEqual(await kidOf(), before);
    } finally {
      await s.close();
    }
  });
});

describe('login throttling (SPEC §6)', () => {
  it('does not let a burst of parallel guesses past the limit', async () => {
    const server = await startTestServer();
    try {
      const ua = new UserAgent(server.url);
      const fields = UserAgent.fields(await (await ua.get('/login')).text());
      const results = await Promise.all(Array.from({ length: 20 }, () =>
        ua.post('/login', { ...fields, username: USER.username, password: 'guess' })));
      const checked = results.filter((r) => r.status === 401).length;
      assert.ok(checked <= 5, `${checked} guesses were checked; at most 5 may be before the lock`);
      assert.ok(results.every((r) => r.status === 401 || r.status === 429), 'the others are refused with 429');
      const later = await ua.post('/login', { ...fields, ...USER });
      assert.equal(later.status, checked === 5 ? 429 : 303);
    } finally {
      await server.close();
    }
  });


  it('locks an account after repeated failures with a clear message, and the lock survives a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pixie-lock-'));
    let server = await startTestServer({ config: { dataDir } });
    try {
      const ua = new UserAgent(server.url);
      const attempt = async (password: string) => {
        const page = await ua.get('/login');
        return ua.post('/login', { ...UserAgent.fields(await page.text()), username: USER.username, password });
      };
      for (let i = 0; i < 4; i++) assert.match(await (await attempt('wrong')).text(), /Wrong username or password/);
      const locked = await attempt('wrong');
      assert.equal(locked.status, 429);
      assert.match(await locked.text(), /Too many failed sign-in attempts\. Try again in 1 minute/);
      assert.equal((await attempt(USER.password)).status, 429, 'the right password is refused while locked');
      await server.close();
      server = await startTestServer({ config: { dataDir }, imports: [] });
      const ua2 = new UserAgent(server.url);
      const page = await ua2.get('/login');
      const res = await ua2.post('/login', { ...UserAgent.fields(await page.text()), username: USER.username, password: USER.password });
      assert.equal(res.status, 429);
    } finally {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

