import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildResourceApi } from '../../examples/resource-api/app.js';
import { API_CLIENT, API_KEY, API_SECRET, basic, startClientToolsServer, type ClientToolsServer } from '../helpers/client-tools.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

let t: ClientToolsServer;
let api: FastifyInstance;
before(async () => {
  t = await startClientToolsServer();
  api = buildResourceApi({
    verifier: { issuer: t.server.issuer, introspection: { clientId: API_CLIENT, clientSecret: API_SECRET } },
    quotas: { anonymous: 5, registered: 50 },
  });
});
after(async () => {
  await api.close();
  await t.server.close();
});

/** A user's token for the confidential app, through login and consent. */
async function userToken(scope: string): Promise<string> {
  const { verifier, challenge } = pkce();
  const back = await new UserAgent(t.server.url).authorize(`${t.server.issuer}/oauth2/authorize?${new URLSearchParams({
    response_type: 'code', client_id: CONFIDENTIAL_CLIENT, redirect_uri: REDIRECT_URI, scope, state: 's', code_challenge: challenge, code_challenge_method: 'S256',
  })}`, USER);
  const res = await fetch(`${t.server.issuer}/oauth2/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET) },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: verifier }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

async function call(method: 'GET' | 'POST', url: string, opts: { headers?: Record<string, string>; payload?: object; ip?: string } = {}) {
  const res = await api.inject({ method, url, headers: opts.headers, payload: opts.payload, remoteAddress: opts.ip ?? '127.0.0.1' });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> & { items?: unknown[] }, headers: res.headers };
}

const withKey = (path: string, extra: Record<string, string> = {}) => `${path}?${new URLSearchParams({ key: API_KEY, ...extra })}`;

describe('example resource API (Stack Exchange rules, SPEC §9)', () => {
  it('serves public data without a key, on the small anonymous quota, counting down', async () => {
    const first = await call('GET', '/2.3/questions', { ip: '10.0.0.1' });
    assert.equal(first.status, 200);
    assert.equal(first.body.items!.length, 2);
    assert.equal(first.body.quota_max, 5);
    assert.equal(first.body.quota_remaining, 4);
    assert.equal((await call('GET', '/2.3/questions', { ip: '10.0.0.1' })).body.quota_remaining, 3);
  });

  it('refuses requests over the quota with throttle_violation, still reporting the quota', async () => {
    for (let i = 0; i < 5; i++) await call('GET', '/2.3/questions', { ip: '10.0.0.2' });
    const over = await call('GET', '/2.3/questions', { ip: '10.0.0.2' });
    assert.equal(over.status, 429);
    assert.equal(over.body.error_name, 'throttle_violation');
    assert.equal(over.body.quota_remaining, 0);
  });

  it('refuses an unknown key with bad_parameter', async () => {
    const res = await call('GET', `/2.3/questions?key=pxk_${'x'.repeat(49)}`);
    assert.equal(res.status, 400);
    assert.equal(res.body.error_name, 'bad_parameter');
    assert.equal(typeof res.body.quota_remaining, 'number');
  });

  it('needs an access token for the user\'s data (401 with a Bearer challenge)', async () => {
    const res = await call('GET', '/2.3/me');
    assert.equal(res.status, 401);
    assert.equal(res.body.error_name, 'access_token_required');
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="resource-api"');
  });

  it('refuses an access token sent without its application\'s key (key_required)', async () => {
    const token = await userToken('read_inbox');
    const res = await call('GET', `/2.3/me?access_token=${token}`);
    assert.equal(res.status, 400);
    assert.equal(res.body.error_name, 'key_required');
  });

  describe('with an API key (SPEC §10 api_keys)', () => {
    it('key alone: public data on the registered quota, but no user data', async (ctx) => {
      if (t.skipApiKeys) return ctx.skip(t.skipApiKeys);
      const res = await call('GET', withKey('/2.3/questions'));
      assert.equal(res.status, 200);
      assert.equal(res.body.quota_max, 50);
      assert.equal((await call('GET', withKey('/2.3/me'))).status, 401);
    });

    it('key + access_token in the query or as a Bearer header: the user\'s data', async (ctx) => {
      if (t.skipApiKeys) return ctx.skip(t.skipApiKeys);
      const token = await userToken('openid');
      const q = await call('GET', withKey('/2.3/me', { access_token: token }));
      assert.equal(q.status, 200);
      assert.equal(q.body.quota_max, 50);
      const h = await call('GET', withKey('/2.3/me'), { headers: { authorization: `Bearer ${token}` } });
      assert.equal(h.status, 200);
      assert.deepEqual(h.body.items, q.body.items);
      const bad = await call('GET', withKey('/2.3/me', { access_token: `${token.slice(0, -3)}AAA` }));
      assert.equal(bad.status, 401);
      assert.equal(bad.body.error_name, 'invalid_access_token');
      assert.match(String(bad.headers['www-authenticate']), /error="invalid_token"/);
    });

    it('the inbox needs read_inbox', async (ctx) => {
      if (t.skipApiKeys) return ctx.skip(t.skipApiKeys);
      const without = await call('GET', withKey('/2.3/me/inbox', { access_token: await userToken('openid') }));
      assert.equal(without.status, 403);
      assert.match(String(without.headers['www-authenticate']), /insufficient_scope.*scope="read_inbox"/);
      const granted = await call('GET', withKey('/2.3/me/inbox', { access_token: await userToken('read_inbox') }));
      assert.equal(granted.status, 200);
      assert.equal(granted.body.items!.length, 1);
    });

    it('writes need write_access', async (ctx) => {
      if (t.skipApiKeys) return ctx.skip(t.skipApiKeys);
      const payload = { body: 'Use S256, never plain.' };
      const readOnly = await call('POST', withKey('/2.3/questions/1/answers/add', { access_token: await userToken('read_inbox') }), { payload });
      assert.equal(readOnly.status, 403);
      assert.equal(readOnly.body.error_name, 'access_denied');
      const writer = await call('POST', withKey('/2.3/questions/1/answers/add', { access_token: await userToken('read_inbox write_access') }), { payload });
      assert.equal(writer.status, 201);
      assert.equal(typeof writer.body.quota_remaining, 'number');
    });
  });
});
