/** The authorization_code grant (RFC 6749 §4.1.3, RFC 7636 §4.5–4.6, RFC 9700): unit tests on in-memory ports. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { stackExchangePolicy } from '../../../src/http/endpoint-policy.js';
import { CODE_TTL } from '../../../src/core/settings.js';
import { hashOpaqueToken } from '../../../src/crypto/opaque-token.js';
import { ISSUER, pkce, rejectsWith, S, T, world } from './world.js';

describe('authorization_code grant', () => {
  it('RFC 6749 §5.1: a code with its verifier gets a Bearer access token, a refresh token and, with openid, an ID token', async () => {
    const w = await world();
    const answer = await w.exchange('spa', await w.code('spa', { scope: 'openid read_inbox', nonce: 'n-1' }));
    assert.equal(answer.token_type, 'Bearer');
    assert.equal(answer.expires_in, 3600);
    assert.equal(answer.scope, 'openid read_inbox');
    assert.match(answer.refresh_token!, /^pxrt_/);
    const at = decodeJwt(answer.access_token);
    assert.equal(at.iss, ISSUER);
    assert.equal(at.sub, 'bob');
    assert.equal(at.client_id, 'spa');
    assert.equal(at.exp, w.clock.now() + 3600);
    const id = decodeJwt(answer.id_token!);
    assert.deepEqual([id.iss, id.sub, id.aud, id.nonce], [ISSUER, 'bob', 'spa', 'n-1']);
  });

  it('OIDC Core §3.1.3.3: no ID token without the openid scope', async () => {
    const w = await world();
    const answer = await w.exchange('spa', await w.code('spa', { scope: 'read_inbox' }));
    assert.equal(answer.id_token, undefined);
  });

  it('RFC 6749 §6: no refresh token for a client without the refresh_token grant and without offline_access', async () => {
    const w = await world();
    const answer = await w.exchange('post', await w.code('post', { scope: 'read_inbox' }));
    assert.equal(answer.refresh_token, undefined);
  });

  it('RFC 9068: opaque access tokens when the server is set to issue them', async () => {
    const w = await world({ accessTokenFormat: 'opaque' });
    const answer = await w.exchange('spa', await w.code('spa'));
    assert.match(answer.access_token, /^pxat_/);
  });

  it('RFC 6749 §4.1.3: code is required (invalid_request)', async () => {
    const w = await world();
    await rejectsWith(w.tokenAs('spa', { grant_type: 'authorization_code' }), 'invalid_request', /code is required/);
  });

  it('RFC 6749 §5.2: an unknown code is invalid_grant', async () => {
    const w = await world();
    await rejectsWith(w.tokenAs('spa', { grant_type: 'authorization_code', code: 'pxc_nothing', code_verifier: pkce().verifier }), 'invalid_grant');
  });

  it('RFC 7636 §4.5: a code issued with a challenge needs code_verifier (invalid_grant)', async () => {
    const w = await world();
    const issued = await w.code('spa');
    await rejectsWith(w.exchange('spa', { ...issued, pkce: null }), 'invalid_grant', /code_verifier is required/);
  });

  it('RFC 7636 §4.6: a verifier that does not transform to the challenge is invalid_grant', async () => {
    const w = await world();
    const issued = await w.code('spa');
    await rejectsWith(w.exchange('spa', issued, { code_verifier: pkce().verifier }), 'invalid_grant', /does not match/);
  });

  it('RFC 7636 §4.1: a verifier of the wrong length or alphabet is invalid_grant', async () => {
    const w = await world();
    const issued = await w.code('spa');
    await rejectsWith(w.exchange('spa', issued, { code_verifier: 'short' }), 'invalid_grant', /43-128/);
    await rejectsWith(w.exchange('spa', issued, { code_verifier: `${'a'.repeat(43)}!` }), 'invalid_grant', /43-128/);
  });

  it('RFC 7636 §4.6: a refused verifier does not burn the code; the right one still works', async () => {
    const w = await world();
    const issued = await w.code('spa');
    await rejectsWith(w.exchange('spa', issued, { code_verifier: pkce().verifier }), 'invalid_grant');
    assert.ok((await w.exchange('spa', issued)).access_token);
  });

  it('RFC 7636 §4.2 (plain): allowed only where the server allows it, and then the verifier is the challenge', async () => {
    const w = await world({ allowPlainPkce: true });
    const verifier = pkce().verifier;
    const url = await w.authorize({
      client_id: 'spa', response_type: 'code', redirect_uri: 'https://spa.example.com/cb', code_challenge: verifier, code_challenge_method: 'plain',
    });
    const issued = { code: url.searchParams.get('code')!, pkce: { verifier, challenge: verifier }, redirectUri: 'https://spa.example.com/cb' };
    await rejectsWith(w.exchange('spa', issued, { code_verifier: pkce().verifier }), 'invalid_grant');
    assert.ok((await w.exchange('spa', issued)).access_token);
  });

  it('RFC 9700 §2.1.1 (PKCE downgrade): a code_verifier for a code issued without a challenge is invalid_grant', async () => {
    const w = await world();
    const issued = await w.code('web', { pkce: null });
    await rejectsWith(w.exchange('web', issued, { code_verifier: pkce().verifier }), 'invalid_grant', /no code_challenge/);
  });

  it('RFC 6749 §4.1.2: a code is single use; the second exchange is invalid_grant', async () => {
    const w = await world();
    const issued = await w.code('spa');
    await w.exchange('spa', issued);
    await rejectsWith(w.exchange('spa', issued), 'invalid_grant', /already used/);
  });

  it('RFC 6749 §4.1.2: a replayed code revokes every token issued from it (access and refresh)', async () => {
    const w = await world({ accessTokenFormat: 'opaque' });
    const issued = await w.code('spa', { scope: 'openid offline_access' });
    const first = await w.exchange('spa', issued);
    await rejectsWith(w.exchange('spa', issued), 'invalid_grant');
    assert.notEqual((await w.stores.tokens.find(hashOpaqueToken(first.access_token)))!.revokedAt, null);
    assert.notEqual((await w.stores.tokens.find(hashOpaqueToken(first.refresh_token!)))!.revokedAt, null);
    await rejectsWith(w.tokenAs('spa', { grant_type: 'refresh_token', refresh_token: first.refresh_token }), 'invalid_grant');
    assert.notEqual((await w.stores.codes.find(hashOpaqueToken(issued.code)))!.replayedAt, null, 'marked replayed');
  });

  it('RFC 6749 §4.1.2: of concurrent exchanges of one code exactly one succeeds', async () => {
    const w = await world();
    const issued = await w.code('spa');
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => w.exchange('spa', issued)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  });

  it(`RFC 6749 §4.1.2: a code expires ${CODE_TTL} seconds after it was issued (invalid_grant)`, async () => {
    const w = await world();
    const issued = await w.code('spa');
    w.clock.advance(CODE_TTL);
    await rejectsWith(w.exchange('spa', issued), 'invalid_grant', /expired/);
  });

  it('RFC 6749 §4.1.2: a code is still good a second before it expires', async () => {
    const w = await world();
    const issued = await w.code('spa');
    w.clock.advance(CODE_TTL - 1);
    assert.ok((await w.exchange('spa', issued)).access_token);
  });

  it('RFC 6749 §4.1.3: redirect_uri must be identical to the one of the authorization request (invalid_grant)', async () => {
    const w = await world();
    const issued = await w.code('web', { redirectUri: 'https://web.example.com/cb' });
    await rejectsWith(w.exchange('web', issued, { redirect_uri: 'https://web.example.com/other' }), 'invalid_grant', /does not match/);
    await rejectsWith(w.exchange('web', issued, { redirect_uri: 'https://web.example.com/cb/' }), 'invalid_grant', /does not match/);
    assert.ok((await w.exchange('web', issued)).access_token, 'the refusals did not burn the code');
  });

  it('RFC 6749 §4.1.3: redirect_uri is required when the authorization request included it (invalid_grant)', async () => {
    const w = await world();
    const issued = await w.code('spa');
    await rejectsWith(w.exchange('spa', issued, { redirect_uri: undefined }), 'invalid_grant', /redirect_uri is required/);
  });

  it('RFC 6749 §4.1.3: redirect_uri may be left out when the authorization request left it out (with PKCE)', async () => {
    const w = await world();
    const issued = await w.code('spa', { redirectUri: null });
    assert.ok((await w.exchange('spa', issued, { redirect_uri: undefined })).access_token);
  });

  it('RFC 6749 §4.1.3: without PKCE, redirect_uri is always required at the token endpoint', async () => {
    const w = await world();
    const issued = await w.code('post', { redirectUri: null, pkce: null });
    await rejectsWith(w.exchange('post', issued, { redirect_uri: undefined }), 'invalid_grant', /redirect_uri is required/);
    assert.ok((await w.exchange('post', issued, { redirect_uri: 'https://post.example.com/cb' })).access_token);
  });

  it('RFC 6749 §4.1.3: a code issued to another client is invalid_grant, and stays usable by its own client', async () => {
    const w = await world();
    const issued = await w.code('spa');
    await rejectsWith(w.exchange('native', issued), 'invalid_grant', /another client/);
    assert.ok((await w.exchange('spa', issued)).access_token);
  });

  it('RFC 6749 §4.1.3: a code of another server of the tenant is not accepted', async () => {
    const w = await world();
    const issued = await w.code('spa');
    const row = (await w.stores.codes.find(hashOpaqueToken(issued.code)))!;
    await w.stores.servers.upsert({ tenantId: T, id: 'other', settings: (await w.rs()).server.settings, customScopes: [] }, w.clock.now());
    await w.stores.codes.save({ ...row, hash: hashOpaqueToken('pxc_x'), serverId: 'other' });
    await rejectsWith(w.exchange('spa', { ...issued, code: 'pxc_x' }), 'invalid_grant', /another client/);
  });

  it('RFC 6749 §3.2.1: a confidential client exchanging its code must authenticate, PKCE or not (invalid_client)', async () => {
    const w = await world();
    const issued = await w.code('web');
    await rejectsWith(w.token({
      grant_type: 'authorization_code', client_id: 'web', code: issued.code, redirect_uri: issued.redirectUri, code_verifier: issued.pkce!.verifier,
    }), 'invalid_client');
    assert.ok((await w.exchange('web', issued)).access_token, 'the refusal did not burn the code');
  });

  it('Stack Exchange policy: a PKCE code may stand in for a confidential client\'s secret, never a code without a challenge', async () => {
    const w = await world();
    const se = stackExchangePolicy((await w.rs()).server.settings);
    const withPkce = await w.code('web', { policy: se });
    const answer = await w.token({
      grant_type: 'authorization_code', client_id: 'web', code: withPkce.code, redirect_uri: withPkce.redirectUri, code_verifier: withPkce.pkce!.verifier,
    }, undefined, se);
    assert.ok(answer.access_token);
    const without = await w.code('web', { policy: se, pkce: null });
    await rejectsWith(w.token({ grant_type: 'authorization_code', client_id: 'web', code: without.code, redirect_uri: without.redirectUri }, undefined, se),
      'invalid_client', /client_secret is required/);
  });

  it('Stack Exchange policy: opaque tokens living seAccessTokenTtl, no refresh or ID token', async () => {
    const w = await world({ seAccessTokenTtl: 7200 });
    const se = stackExchangePolicy((await w.rs()).server.settings);
    const issued = await w.code('spa', { policy: se, scope: 'openid offline_access read_inbox' });
    const answer = await w.token({
      grant_type: 'authorization_code', client_id: 'spa', code: issued.code, redirect_uri: issued.redirectUri, code_verifier: issued.pkce!.verifier,
    }, undefined, se);
    assert.match(answer.access_token, /^pxat_/);
    assert.equal(answer.expires_in, 7200);
    assert.equal(answer.refresh_token, undefined);
    assert.equal(answer.id_token, undefined);
  });

  it('SPEC §7 / RFC 6749 §4.1.2: a code whose grant the user revoked is invalid_grant', async () => {
    const w = await world();
    const issued = await w.code('spa');
    const grant = (await w.stores.grants.find(T, S, 'spa', 'bob'))!;
    await w.stores.grants.revoke(T, 'bob', grant.id, w.clock.now());
    await rejectsWith(w.exchange('spa', issued), 'invalid_grant', /revoked access/);
  });

  it('RFC 6749 §4.1.3: a code of a user disabled since is invalid_grant', async () => {
    const w = await world();
    const issued = await w.code('spa');
    await w.stores.admin.setUserDisabled(T, 'bob', true, w.clock.now());
    await rejectsWith(w.exchange('spa', issued), 'invalid_grant', /disabled/);
  });
});
