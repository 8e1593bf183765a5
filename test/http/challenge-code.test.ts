/** SPEC §4.6 challenge-code tokens (seed 003). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { CHALLENGE_CLIENT, CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET } from '../helpers/fixture.js';
import { basic, postForm, tokenRequest } from '../helpers/flow.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { pkce } from '../helpers/user-agent.js';

const GRANT = 'urn:pixie:grant-type:challenge-code';
let s: TestServer;
const clock = new TestClock();
before(async () => { s = await startTestServer({ clock }); });
after(async () => { await s.close(); });

async function issue(challenge: string, extra: Record<string, string> = {}): Promise<Response> {
  return tokenRequest(s, { grant_type: GRANT, client_id: CHALLENGE_CLIENT, code_challenge: challenge, code_challenge_method: 'S256', scope: 'read_inbox,write_access', ...extra });
}

async function introspect(token: string, verifier?: string): Promise<Record<string, unknown>> {
  const res = await postForm(`${s.issuer}/oauth2/introspect`, { token, ...(verifier ? { code_verifier: verifier } : {}) }, { authorization: basic(CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET) });
  return (await res.json()) as Record<string, unknown>;
}

describe('challenge-code grant', () => {
  it('issues a 60-second token bound to the challenge (comma-separated scopes accepted)', async () => {
    const { verifier, challenge } = pkce();
    const res = await issue(challenge);
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.expires_in, 60);
    assert.equal(body.scope, 'read_inbox write_access');
    const claims = decodeJwt(body.access_token);
    assert.deepEqual(claims.cnf, { 'pkce#S256': challenge });
    const ok = await introspect(body.access_token, verifier);
    assert.equal(ok.active, true);
    assert.equal(ok.code_challenge, challenge);
    assert.equal(ok.code_challenge_method, 'S256');
  });

  it('reads inactive when introspected with the wrong code_verifier, or none', async () => {
    const { challenge } = pkce();
    const body = await (await issue(challenge)).json();
    assert.deepEqual(await introspect(body.access_token, pkce().verifier), { active: false });
    assert.deepEqual(await introspect(body.access_token), { active: false });
  });

  it('expires after 60 seconds', async () => {
    const { verifier, challenge } = pkce();
    const body = await (await issue(challenge)).json();
    clock.advance(59);
    assert.equal((await introspect(body.access_token, verifier)).active, true);
    clock.advance(2);
    assert.deepEqual(await introspect(body.access_token, verifier), { active: false });
  });

  it('allows one token per challenge, even after the first token expired', async () => {
    const { challenge } = pkce();
    assert.equal((await issue(challenge)).status, 200);
    const again = await issue(challenge);
    assert.equal(again.status, 400);
    assert.equal((await again.json()).error, 'invalid_grant');
    clock.advance(3600);
    const later = await issue(challenge);
    assert.equal((await later.json()).error, 'invalid_grant');
  });

  it('accepts S256 only by default: plain and an omitted method are refused', async () => {
    const { verifier } = pkce();
    const plain = await issue(verifier, { code_challenge_method: 'plain' });
    assert.equal((await plain.json()).error, 'invalid_request');
    const omitted = await tokenRequest(s, { grant_type: GRANT, client_id: CHALLENGE_CLIENT, code_challenge: pkce().challenge, scope: 'read_inbox' });
    assert.match((await omitted.json()).error_description, /S256/);
  });

  it('refuses clients without the grant and scopes outside the client list', async () => {
    const other = await tokenRequest(s, { grant_type: GRANT, code_challenge: pkce().challenge, code_challenge_method: 'S256' }, { authorization: basic() });
    assert.equal((await other.json()).error, 'unauthorized_client');
    const scope = await issue(pkce().challenge, { scope: 'openid' });
    assert.equal((await scope.json()).error, 'invalid_scope');
  });
});
