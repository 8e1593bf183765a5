/**
 * CSRF tokens are an HMAC, under a key only the server holds, of the browser's CSRF cookie and
 * its session cookies: a planted cookie does not give a token, a token from another session
 * does not fit, and sign-in replaces the cookie so earlier tokens stop working.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { USER } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

const SESSION = 'pixie_session_default';

async function formFields(ua: UserAgent, path: string): Promise<Record<string, string>> {
  const res = await ua.get(path);
  assert.equal(res.status, 200, path);
  return UserAgent.fields(await res.text());
}

async function signIn(ua: UserAgent): Promise<void> {
  const res = await ua.post('/login', { ...(await formFields(ua, '/login')), ...USER });
  assert.equal(res.status, 303);
}

describe('CSRF tokens bound to the session', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(() => s.close());

  it('a planted CSRF cookie with the same value in the form is refused (403)', async () => {
    const ua = new UserAgent(s.url);
    const planted = 'A'.repeat(43);
    ua.cookies.set('pixie_csrf', planted);
    const res = await ua.post('/login', { csrf: planted, tenant: 'default', ...USER });
    assert.equal(res.status, 403);
    assert.equal(ua.cookies.get(SESSION), undefined);
    // The token the page hands out is not the cookie's value.
    const fields = await formFields(ua, '/login');
    assert.notEqual(fields.csrf, planted);
    assert.match(fields.csrf!, /^[A-Za-z0-9_-]{43}$/);
    assert.equal((await ua.post('/login', { ...fields, ...USER })).status, 303);
  });

  it('a CSRF cookie and token taken from another session are refused with this session (403)', async () => {
    const attacker = new UserAgent(s.url);
    await signIn(attacker);
    const stolen = (await formFields(attacker, '/logout?tenant=default')).csrf!;
    const victim = new UserAgent(s.url);
    await signIn(victim);
    // The attacker plants their CSRF cookie in the victim's browser and submits their token.
    victim.cookies.set('pixie_csrf', attacker.cookies.get('pixie_csrf')!);
    const res = await victim.post('/logout', { tenant: 'default', csrf: stolen });
    assert.equal(res.status, 403);
    assert.ok(victim.cookies.get(SESSION), 'the victim is still signed in');
    // The same pair works in the session it was made for.
    const own = await attacker.post('/logout', { tenant: 'default', csrf: stolen });
    assert.equal(own.status, 200);
    assert.equal(attacker.cookies.get(SESSION), undefined);
  });

  it('sign-in replaces the CSRF cookie: a token from before it is refused after it', async () => {
    const ua = new UserAgent(s.url);
    const fields = await formFields(ua, '/login');
    const cookieBefore = ua.cookies.get('pixie_csrf');
    assert.ok(cookieBefore);
    assert.equal((await ua.post('/login', { ...fields, ...USER })).status, 303);
    assert.ok(ua.cookies.get('pixie_csrf'));
    assert.notEqual(ua.cookies.get('pixie_csrf'), cookieBefore, 'a new CSRF cookie at sign-in');
    assert.equal((await ua.post('/logout', { tenant: 'default', csrf: fields.csrf! })).status, 403);
    // Even with the old cookie put back, the old token does not fit the new session.
    const rotated = ua.cookies.get('pixie_csrf')!;
    ua.cookies.set('pixie_csrf', cookieBefore);
    assert.equal((await ua.post('/logout', { tenant: 'default', csrf: fields.csrf! })).status, 403);
    ua.cookies.set('pixie_csrf', rotated);
    // A token from a page after sign-in works.
    const fresh = await formFields(ua, '/logout?tenant=default');
    assert.equal((await ua.post('/logout', { tenant: 'default', csrf: fresh.csrf! })).status, 200);
  });

  it('a token without its cookie, or a cookie without a token, is refused', async () => {
    const ua = new UserAgent(s.url);
    const fields = await formFields(ua, '/login');
    assert.equal((await ua.post('/login', { ...fields, csrf: '', ...USER })).status, 403);
    ua.cookies.delete('pixie_csrf');
    assert.equal((await ua.post('/login', { ...fields, ...USER })).status, 403);
  });
});

describe('CSRF cookie on https', () => {
  it('is named __Host-pixie_csrf, Secure, Path=/, without Domain', async () => {
    const s = await startTestServer({ config: { publicUrl: 'https://auth.example.com' } });
    try {
      const address = s.app.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const res = await fetch(`http://127.0.0.1:${port}/login`);
      assert.equal(res.status, 200);
      const line = res.headers.getSetCookie().find((c) => c.includes('pixie_csrf='));
      assert.ok(line, 'a CSRF cookie is set');
      assert.match(line, /^__Host-pixie_csrf=/);
      assert.match(line, /; Secure/i);
      assert.match(line, /; Path=\//i);
      assert.doesNotMatch(line, /Domain=/i);
    } finally {
      await s.close();
    }
  });
});
