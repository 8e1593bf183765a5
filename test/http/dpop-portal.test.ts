/** The developer portal's "Always use DPoP" setting (RFC 9449 §5.2 dpop_bound_access_tokens), over plain HTTP. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { makeProof, proofKey } from '../helpers/dpop.js';
import { USER } from '../helpers/fixture.js';
import { postForm } from '../helpers/flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';

let s: TestServer;
before(async () => { s = await startTestServer(); });
after(async () => { await s.close(); });

it('an app set to always use DPoP shows the box ticked and its token requests need a proof', async () => {
  const ua = new UserAgent(s.url);
  const login = await ua.get('/login?return_to=/apps');
  await ua.post('/login', { ...UserAgent.fields(await login.text()), username: USER.username, password: USER.password });
  const csrf = UserAgent.fields(await (await ua.get('/apps/new')).text()).csrf!;
  const created = await ua.post('/apps', { csrf, name: 'DPoP app', type: 'public', non_web_redirect: 'on' });
  const appPath = created.headers.get('location')!.split('?')[0]!;
  const clientId = appPath.split('/').pop()!;
  const exchange = async (dpop?: string) => (await (await postForm(`${s.issuer}/oauth2/token`, {
    grant_type: 'authorization_code', client_id: clientId, code: 'pxc_not-a-code', code_verifier: 'v'.repeat(43),
  }, dpop ? { dpop } : {})).json() as { error: string }).error;
  assert.equal(await exchange(), 'invalid_grant', 'not required yet');
  const box = /<input type="checkbox" name="dpop_bound_access_tokens"[^>]*>/;
  assert.doesNotMatch((await (await ua.get(appPath)).text()).match(box)![0], /checked/);

  const saved = await ua.post(appPath, { csrf, name: 'DPoP app', grant_code_pkce: 'on', non_web_redirect: 'on', dpop_bound_access_tokens: 'on' });
  assert.equal(saved.status, 303);
  assert.match((await (await ua.get(appPath)).text()).match(box)![0], /checked/);
  assert.equal(await exchange(), 'invalid_dpop_proof');
  assert.equal(await exchange(await makeProof(await proofKey(), { htu: `${s.issuer}/oauth2/token` })), 'invalid_grant', 'with a proof, on to the code');
});
