import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { purgeOnce, PURGE_GRACE_SECONDS } from '../../src/jobs/purge.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

const basic = `Basic ${Buffer.from(`${CONFIDENTIAL_CLIENT}:${CONFIDENTIAL_SECRET}`).toString('base64')}`;

describe('purge job', () => {
  const clock = new TestClock();
  let s: TestServer;
  before(async () => { s = await startTestServer({ clock }); });
  after(() => s.close());

  async function post(path: string, form: Record<string, string>): Promise<Response> {
    return fetch(`${s.issuer}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, body: new URLSearchParams(form),
    });
  }

  it('removes codes, tokens and sessions only after they expired plus the grace period', async () => {
    const ua = new UserAgent(s.url);
    const { challenge } = pkce();
    const back = await ua.authorize(`${s.issuer}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256',
    })}`, USER);
    assert.ok(back.searchParams.get('code'));
    const tokenRes = await post('/oauth2/token', { grant_type: 'client_credentials', scope: 'read_inbox' });
    assert.equal(tokenRes.status, 200);
    const { access_token } = await tokenRes.json();

    // Nothing has expired yet: a pass deletes nothing.
    assert.deepEqual(await purgeOnce(s.deps.stores, clock), { codes: 0, tokens: 0, sessions: 0, interactions: 0, loginAttempts: 0, dynamicClients: 0, pushedRequests: 0, dpopJtis: 0, deviceCodes: 0 });

    clock.advance(3600 + 1); // the access token and the code have expired, but within the grace period
    assert.equal((await purgeOnce(s.deps.stores, clock))!.tokens, 0);

    clock.advance(8 * 3600 + PURGE_GRACE_SECONDS); // past the session lifetime and the grace period
    const counts = (await purgeOnce(s.deps.stores, clock))!;
    assert.equal(counts.codes, 1);
    assert.equal(counts.tokens, 1);
    assert.equal(counts.sessions, 1);
    assert.equal((await (await post('/oauth2/introspect', { token: access_token })).json()).active, false);
  });

  it('removes sign-ins in progress as soon as they expired (no grace period)', async () => {
    const { challenge } = pkce();
    const res = await fetch(`${s.issuer}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256',
    })}`, { redirect: 'manual' });
    assert.match(res.headers.get('location') ?? '', /^\/login\?interaction=/);
    assert.equal((await purgeOnce(s.deps.stores, clock))!.interactions, 0);
    clock.advance(10 * 60 + 1);
    assert.equal((await purgeOnce(s.deps.stores, clock))!.interactions, 1);
  });

  it('removes pushed authorization requests as soon as they expired, never used (no grace period)', async () => {
    const { challenge } = pkce();
    const res = await fetch(`${s.issuer}/oauth2/par`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256',
      }),
    });
    assert.equal(res.status, 201);
    assert.equal((await purgeOnce(s.deps.stores, clock))!.pushedRequests, 0);
    clock.advance(60);
    assert.equal((await purgeOnce(s.deps.stores, clock))!.pushedRequests, 1);
  });

  it('skips a pass while another runner holds the purge lock', async () => {
    let release!: () => void;
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const held = s.deps.stores.runExclusive('purge', () => { started(); return new Promise<void>((r) => (release = r)); });
    await running;
    assert.equal(await purgeOnce(s.deps.stores, clock), null);
    release();
    assert.equal(await held, true);
    assert.notEqual(await purgeOnce(s.deps.stores, clock), null);
  });
});
