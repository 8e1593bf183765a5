/** The client_credentials grant (RFC 6749 §4.4) and the challenge-code grant: unit tests on in-memory ports. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { CHALLENGE_CODE_GRANT, CHALLENGE_TOKEN_TTL } from '../../../src/core/token/grants/challenge-code.js';
import { stackExchangePolicy } from '../../../src/http/endpoint-policy.js';
import { ISSUER, pkce, rejectsWith, world } from './world.js';

describe('client_credentials grant', () => {
  it('RFC 6749 §4.4.3: a token for the client itself, the server\'s lifetime, no refresh or ID token', async () => {
    const w = await world({ accessTokenTtl: 900 });
    const answer = await w.tokenAs('svc', { grant_type: 'client_credentials', scope: 'read_inbox' });
    assert.equal(answer.token_type, 'Bearer');
    assert.equal(answer.expires_in, 900);
    assert.equal(answer.scope, 'read_inbox');
    assert.equal(answer.refresh_token, undefined);
    assert.equal(answer.id_token, undefined);
    const at = decodeJwt(answer.access_token);
    assert.deepEqual([at.iss, at.sub, at.client_id, at.scope], [ISSUER, 'svc', 'svc', 'read_inbox']);
    assert.equal(at.auth_time, undefined, 'no user signed in');
  });

  it('RFC 6749 §3.3: without scope, the client\'s scopes that need no user', async () => {
    const w = await world();
    const answer = await w.tokenAs('svc', { grant_type: 'client_credentials' });
    assert.equal(answer.scope, 'read_inbox write_access');
  });

  it('RFC 6749 §4.4: a public client may not use client_credentials (unauthorized_client)', async () => {
    const w = await world();
    await w.updateClient('spa', { grantTypes: ['client_credentials'] });
    await rejectsWith(w.tokenAs('spa', { grant_type: 'client_credentials' }), 'unauthorized_client', /public clients/);
  });

  it('RFC 6749 §4.4: openid (a user\'s scope) is invalid_scope without a user', async () => {
    const w = await world();
    await rejectsWith(w.tokenAs('svc', { grant_type: 'client_credentials', scope: 'openid read_inbox' }), 'invalid_scope', /needs a user/);
  });

  it('RFC 6749 §5.2: a scope the client is not allowed is invalid_scope', async () => {
    const w = await world();
    await rejectsWith(w.tokenAs('svc', { grant_type: 'client_credentials', scope: 'private_info' }), 'invalid_scope', /not allowed/);
  });

  it('RFC 6749 §5.2: an unknown scope is invalid_scope', async () => {
    const w = await world();
    await rejectsWith(w.tokenAs('svc', { grant_type: 'client_credentials', scope: 'read_everything' }), 'invalid_scope', /unknown scope/);
  });

  it('RFC 6749 §3.3: scope tokens use %x21 / %x23-5B / %x5D-7E only (invalid_scope)', async () => {
    const w = await world();
    await rejectsWith(w.tokenAs('svc', { grant_type: 'client_credentials', scope: 'read_inbox "quoted"' }), 'invalid_scope', /characters/);
  });

  it('RFC 6749 §3.3: scopes are separated by spaces; commas only under the Stack Exchange policy', async () => {
    const w = await world();
    await rejectsWith(w.tokenAs('svc', { grant_type: 'client_credentials', scope: 'read_inbox,write_access' }), 'invalid_scope');
    const se = stackExchangePolicy((await w.rs()).server.settings);
    const answer = await w.tokenAs('svc', { grant_type: 'client_credentials', scope: 'read_inbox,write_access' }, se);
    assert.equal(answer.scope, 'read_inbox write_access');
  });
});

describe('challenge-code grant', () => {
  it('a challenge buys one token of 60 seconds, bound to it (cnf); the same challenge again is invalid_grant', async () => {
    const w = await world();
    await w.updateClient('svc', { grantTypes: [CHALLENGE_CODE_GRANT] });
    const { challenge } = pkce();
    const answer = await w.tokenAs('svc', { grant_type: CHALLENGE_CODE_GRANT, code_challenge: challenge, code_challenge_method: 'S256', scope: 'read_inbox' });
    assert.equal(answer.expires_in, CHALLENGE_TOKEN_TTL);
    assert.deepEqual(decodeJwt(answer.access_token).cnf, { 'pkce#S256': challenge });
    await rejectsWith(w.tokenAs('svc', { grant_type: CHALLENGE_CODE_GRANT, code_challenge: challenge, code_challenge_method: 'S256' }), 'invalid_grant', /already used/);
  });

  it('RFC 7636 §4.3: code_challenge is required, and a method left out means plain, refused by default', async () => {
    const w = await world();
    await w.updateClient('svc', { grantTypes: [CHALLENGE_CODE_GRANT] });
    await rejectsWith(w.tokenAs('svc', { grant_type: CHALLENGE_CODE_GRANT }), 'invalid_request', /code_challenge is required/);
    await rejectsWith(w.tokenAs('svc', { grant_type: CHALLENGE_CODE_GRANT, code_challenge: pkce().challenge }), 'invalid_request', /S256/);
  });
});
