/**
 * RFC 6749 §4.1.3: the token request must repeat redirect_uri when the authorization request
 * carried it (OAuth 2 and Stack Exchange endpoints); a refused exchange does not burn the code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { basic, getCode, postForm, tokenRequest } from '../helpers/flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

let s: TestServer;
before(async () => { s = await startTestServer(); });
after(async () => { await s.close(); });

async function expectError(res: Response, pattern: RegExp): Promise<void> {
  const body = await res.json();
  assert.equal(res.status, 400, JSON.stringify(body));
  assert.equal(body.error, 'invalid_grant');
  assert.match(body.error_description, pattern);
}

describe('redirect_uri at the token endpoint', () => {
  it('is required when the authorization request carried it (with PKCE too), and the code stays usable', async () => {
    const c = await getCode(s);
    const form = { grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code: c.code, code_verifier: c.verifier };
    await expectError(await tokenRequest(s, form), /redirect_uri is required/);
    const ok = await tokenRequest(s, { ...form, redirect_uri: REDIRECT_URI });
    assert.equal(ok.status, 200);
  });

  it('may be omitted when the authorization request omitted it (one registered URI) and used PKCE', async () => {
    const { verifier, challenge } = pkce();
    const back = await new UserAgent(s.url).authorize(`${s.issuer}/oauth2/authorize?${new URLSearchParams({
      response_type: 'code', client_id: PUBLIC_CLIENT, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256',
    })}`, USER);
    const res = await tokenRequest(s, { grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code: back.searchParams.get('code')!, code_verifier: verifier });
    assert.equal(res.status, 200);
  });

  it('a code presented by another client, or with a wrong verifier, is refused without being burned', async () => {
    const c = await getCode(s);
    const form = { grant_type: 'authorization_code', code: c.code, redirect_uri: REDIRECT_URI, code_verifier: c.verifier };
    await expectError(await tokenRequest(s, form, { authorization: basic() }), /another client/);
    await expectError(await tokenRequest(s, { ...form, client_id: PUBLIC_CLIENT, code_verifier: pkce().verifier }), /does not match/);
    assert.equal((await tokenRequest(s, { ...form, client_id: PUBLIC_CLIENT })).status, 200);
  });

  it('is required on /oauth/access_token and /oauth/access_token/json after /oauth carried it', async () => {
    for (const path of ['/oauth/access_token/json', '/oauth/access_token']) {
      const back = await new UserAgent(s.url).authorize(`${s.url}/oauth?${new URLSearchParams({
        client_id: CONFIDENTIAL_CLIENT, redirect_uri: REDIRECT_URI, scope: 'read_inbox', state: 'se',
      })}`, USER);
      const form = { client_id: CONFIDENTIAL_CLIENT, client_secret: CONFIDENTIAL_SECRET, code: back.searchParams.get('code')! };
      const refused = await postForm(`${s.url}${path}`, form);
      assert.equal(refused.status, 400, path);
      assert.match(await refused.text(), /redirect_uri/, path);
      const ok = await postForm(`${s.url}${path}`, { ...form, redirect_uri: REDIRECT_URI });
      assert.equal(ok.status, 200, path);
    }
  });
});
