/** Regressions from the security review: prompt=login on a directly opened consent page, re-consent, refresh scopes. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PUBLIC_CLIENT, USER } from '../helpers/fixture.js';
import { authorizeUrl, exchange, getCode, introspect } from '../helpers/flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { pkce } from '../helpers/user-agent.js';

let s: TestServer;
before(async () => { s = await startTestServer(); });
after(async () => { await s.close(); });

describe('review fixes', () => {
  it('does not let an old session skip prompt=login by opening the consent page directly', async () => {
    const { ua } = await getCode(s, 'openid');
    const res = await ua.get(authorizeUrl(s, { client_id: PUBLIC_CLIENT, scope: 'openid email', prompt: 'login', code_challenge: pkce().challenge, code_challenge_method: 'S256' }));
    const interaction = new URL(res.headers.get('location')!, s.url).searchParams.get('interaction')!;
    const consent = await ua.get(`/consent?interaction=${interaction}`);
    assert.equal(consent.status, 302);
    assert.match(consent.headers.get('location')!, /^\/login\?interaction=/);
    // Signing in again completes it: login, then consent for the new scope, then the code.
    const back = await ua.authorize(authorizeUrl(s, {
      client_id: PUBLIC_CLIENT, scope: 'openid email', prompt: 'login', code_challenge: pkce().challenge, code_challenge_method: 'S256',
    }), USER);
    assert.ok(back.searchParams.get('code'), `a code after a fresh login: ${back}`);
  });

  it('does not revive codes of a revoked grant when the user consents again', async () => {
    const { ua, code, verifier } = await getCode(s, 'openid');
    const grant = (await s.deps.stores.grants.listByUser('default', (await s.deps.stores.users.findByUsername('default', USER.username))!.id))
      .find((g) => g.clientId === PUBLIC_CLIENT)!;
    await s.deps.stores.grants.revoke('default', grant.userId, grant.id, s.deps.clock.now());
    await getCode(s, 'openid', ua); // consents again
    const res = await exchange(s, { code, verifier, ua });
    assert.equal((await res.json()).error, 'invalid_grant');
  });
});

describe('code replay racing the first exchange', () => {
  it('revokes the tokens of the first exchange when the replay arrives before they are stored', async () => {
    const { code, verifier } = await getCode(s, 'openid offline_access');
    const { handleTokenRequest } = await import('../../src/core/token/endpoint.js');
    const { oauth21Policy } = await import('../../src/core/policy.js');
    const rs = (await s.deps.directory.resolve('default', 'default'))!;
    const request = () => handleTokenRequest(s.deps, s.app.pixie.registry, rs, {
      params: { grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code, redirect_uri: 'http://127.0.0.1/callback', code_verifier: verifier },
      authorization: undefined, policy: oauth21Policy(rs.server.settings),
    });
    const codes = s.deps.stores.codes;
    const consume = codes.consume.bind(codes);
    let replay: Promise<unknown> | null = null;
    // Interleave: the replay runs right after the first exchange consumed the code.
    codes.consume = async (hash, now) => {
      const row = await consume(hash, now);
      if (row && !replay) {
        replay = request().catch((e: Error) => e);
        await replay; // only the first exchange waits; the replay finds the code used
      }
      return row;
    };
    try {
      const first = await request();
      assert.match(String(await replay), /already used/);
      assert.equal((await introspect(s, first.access_token)).active, false, 'the access token of the first use is revoked');
      assert.equal((await introspect(s, first.refresh_token!)).active, false, 'and its refresh token');
    } finally {
      codes.consume = consume;
    }
  });
});
