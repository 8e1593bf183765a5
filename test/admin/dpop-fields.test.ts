/**
 * The DPoP fields (RFC 9449) where clients and servers are configured: the server setting `dpop`
 * and the client field `dpop_bound_access_tokens` in the admin API, and the latter in RFC 7591
 * registration. Each is enforced at the token endpoint.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeProof, proofKey } from '../helpers/dpop.js';
import { basic, postForm } from '../helpers/flow.js';
import type { TestServer } from '../helpers/server.js';
import { ADMIN, api, clientToken, startAdminServer } from './helpers.js';

let s: TestServer;
let token: string;
before(async () => {
  s = await startAdminServer();
  token = await clientToken(s.url, 'default', ADMIN);
});
after(async () => { await s.close(); });

const cc = (clientId: string, secret: string, dpop?: string) => postForm(`${s.issuer}/oauth2/token`, { grant_type: 'client_credentials' },
  { authorization: basic(clientId, secret), ...(dpop ? { dpop } : {}) });

describe('DPoP fields', () => {
  it('admin API: a client with dpop_bound_access_tokens must send a proof; the flag reads back and can be cleared', async () => {
    const created = await api(s.url, 'POST', '/api/admin/default/clients', token, {
      authorization_server_id: 'default', client_id: 'dpop-svc', grant_types: ['client_credentials'], scopes: ['read_inbox'], dpop_bound_access_tokens: true,
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.dpop_bound_access_tokens, true);
    const secret = created.body.client_secret as string;
    assert.equal((await (await cc('dpop-svc', secret)).json()).error, 'invalid_dpop_proof');
    const ok = await cc('dpop-svc', secret, await makeProof(await proofKey(), { htu: `${s.issuer}/oauth2/token` }));
    assert.equal((await ok.json()).token_type, 'DPoP');
    const cleared = await api(s.url, 'PATCH', '/api/admin/default/servers/default/clients/dpop-svc', token, { dpop_bound_access_tokens: false });
    assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
    assert.equal(cleared.body.dpop_bound_access_tokens, false);
    assert.equal((await (await cc('dpop-svc', secret)).json()).token_type, 'Bearer');
    const bad = await api(s.url, 'PATCH', '/api/admin/default/servers/default/clients/dpop-svc', token, { dpop_bound_access_tokens: 'yes' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /dpop_bound_access_tokens/);
  });

  it('admin API: the server setting dpop (allow by default, require, off; nothing else)', async () => {
    const server = await api(s.url, 'GET', '/api/admin/default/servers/default', token);
    assert.equal(server.body.settings.dpop, 'allow');
    const bad = await api(s.url, 'PATCH', '/api/admin/default/servers/default', token, { dpop: 'sometimes' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /dpop/);
    const strict = await api(s.url, 'PATCH', '/api/admin/default/servers/default', token, { dpop: 'require' });
    assert.equal(strict.status, 200, JSON.stringify(strict.body));
    assert.equal(strict.body.settings.dpop, 'require');
    // The directory caches a server for a few seconds; the admin change applies in this process at once.
    const res = await postForm(`${s.issuer}/oauth2/token`, { grant_type: 'client_credentials', scope: 'read_inbox' }, { authorization: basic() });
    assert.equal((await res.json()).error, 'invalid_dpop_proof');
    await api(s.url, 'PATCH', '/api/admin/default/servers/default', token, { dpop: 'allow', registration: 'open' });
  });

  it('RFC 7591 registration: dpop_bound_access_tokens is kept, returned and enforced; a non-boolean is invalid_client_metadata', async () => {
    const register = (body: unknown) => fetch(`${s.issuer}/oauth2/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const base = { redirect_uris: ['https://app.example.com/cb'], token_endpoint_auth_method: 'none', scope: 'openid' };
    const bad = await register({ ...base, dpop_bound_access_tokens: 1 });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error, 'invalid_client_metadata');
    const res = await register({ ...base, dpop_bound_access_tokens: true });
    const reg = await res.json() as { client_id: string; dpop_bound_access_tokens?: boolean };
    assert.equal(res.status, 201, JSON.stringify(reg));
    assert.equal(reg.dpop_bound_access_tokens, true);
    // The proof is checked before the grant: without one the request goes no further.
    const exchange = async (dpop?: string) => await (await postForm(`${s.issuer}/oauth2/token`, {
      grant_type: 'authorization_code', client_id: reg.client_id, code: 'pxc_not-a-code', redirect_uri: base.redirect_uris[0]!, code_verifier: 'v'.repeat(43),
    }, dpop ? { dpop } : {})).json() as { error: string };
    assert.equal((await exchange()).error, 'invalid_dpop_proof');
    assert.equal((await exchange(await makeProof(await proofKey(), { htu: `${s.issuer}/oauth2/token` }))).error, 'invalid_grant');
  });

  it('admin API: a DPoP-bound admin token works only with the DPoP scheme and a fresh proof of its key', async () => {
    const key = await proofKey();
    const adminToken = `${s.url}/default/admin/oauth2/token`;
    const issued = await (await postForm(adminToken, { grant_type: 'client_credentials', scope: 'manage_configuration' },
      { authorization: basic(ADMIN.clientId, ADMIN.secret), dpop: await makeProof(key, { htu: adminToken }) })).json() as { access_token: string; token_type: string };
    assert.equal(issued.token_type, 'DPoP');
    const url = `${s.url}/api/admin/default/servers/default`;
    const call = (headers: Record<string, string>) => fetch(url, { headers });

    const bearer = await call({ authorization: `Bearer ${issued.access_token}` });
    assert.equal(bearer.status, 401, 'a stolen bound token is of no use as a bearer token');
    assert.match(bearer.headers.get('www-authenticate')!, /^DPoP .*error="invalid_token"/);
    const noProof = await call({ authorization: `DPoP ${issued.access_token}` });
    assert.equal(noProof.status, 401);

    const proof = await makeProof(key, { htm: 'GET', htu: url, accessToken: issued.access_token });
    const ok = await call({ authorization: `DPoP ${issued.access_token}`, dpop: proof });
    assert.equal(ok.status, 200, await ok.clone().text());
    const replay = await call({ authorization: `DPoP ${issued.access_token}`, dpop: proof });
    assert.equal(replay.status, 401, 'a proof is good once');
    const otherKey = await call({
      authorization: `DPoP ${issued.access_token}`, dpop: await makeProof(await proofKey(), { htm: 'GET', htu: url, accessToken: issued.access_token }),
    });
    assert.equal(otherKey.status, 401);
    // Unbound admin tokens keep working as bearer tokens.
    assert.equal((await call({ authorization: `Bearer ${token}` })).status, 200);
  });
});
