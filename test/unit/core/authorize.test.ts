/**
 * The authorization endpoint (RFC 6749 §4.1.1, §4.2.1, RFC 7636 §4.3, OIDC Core §3.1.2) as core
 * validates and completes it: unit tests on in-memory ports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUTHORIZE_PARAMETERS_MAX, AUTHORIZE_REQUEST_MAX, checkAuthorizeSizes } from '../../../src/core/authorize/limits.js';
import { AuthorizePageError, type OAuthError } from '../../../src/core/errors.js';
import type { Client } from '../../../src/core/types.js';
import { stackExchangePolicy } from '../../../src/http/endpoint-policy.js';
import { ISSUER, pkce, rejectsWith, S, T, world } from './world.js';

const SPA = { client_id: 'spa', response_type: 'code', redirect_uri: 'https://spa.example.com/cb' };
const withPkce = () => ({ ...SPA, code_challenge: pkce().challenge, code_challenge_method: 'S256' });

/** An error shown as a page: the redirect URI is not trusted (RFC 6749 §4.1.2.1). */
async function pageError(p: Promise<unknown>, description: RegExp): Promise<void> {
  await assert.rejects(p, (err: OAuthError) => {
    assert.ok(err instanceof AuthorizePageError, `not a page error: ${String(err)}`);
    assert.equal(err.redirectable, false);
    assert.match(err.description, description);
    return true;
  });
}

describe('authorization request validation', () => {
  it('RFC 6749 §4.1.1: a valid request is parked with what the token request must repeat', async () => {
    const w = await world();
    const p = withPkce();
    const { request } = await w.validate({ ...p, scope: 'openid read_inbox', state: 'st', nonce: 'nn' });
    assert.deepEqual(request, {
      tenantId: T, serverId: S, clientId: 'spa', redirectUri: SPA.redirect_uri, redirectUriGiven: true, responseType: 'code',
      scopes: ['openid', 'read_inbox'], state: 'st', codeChallenge: p.code_challenge, codeChallengeMethod: 'S256', nonce: 'nn',
      prompt: [], maxAge: null, policy: 'oauth2',
    });
  });

  it('RFC 6749 §4.1.2.1: a missing client_id is shown as a page, never redirected', async () => {
    const w = await world();
    await pageError(w.validate({ response_type: 'code' }), /client_id is missing/);
  });

  it('RFC 6749 §4.1.2.1: an unknown client is shown as a page', async () => {
    const w = await world();
    await pageError(w.validate({ ...withPkce(), client_id: 'nobody' }), /unknown client/);
  });

  it('RFC 9700 §4.1.3: redirect_uri must match a registered one exactly (no prefix, no trailing slash, no extra query)', async () => {
    const w = await world();
    for (const uri of ['https://spa.example.com/cb/', 'https://spa.example.com/cb?x=1', 'https://spa.example.com/CB', 'https://evil.example.com/cb',
      'https://spa.example.com/cb/../cb2', 'http://spa.example.com/cb']) {
      await pageError(w.validate({ ...withPkce(), redirect_uri: uri }), /not registered/);
    }
  });

  it('RFC 6749 §3.1.2: a redirect_uri with a fragment or credentials is refused', async () => {
    const w = await world();
    await pageError(w.validate({ ...withPkce(), redirect_uri: 'https://spa.example.com/cb#x' }), /not registered/);
    await pageError(w.validate({ ...withPkce(), redirect_uri: 'https://user:pw@spa.example.com/cb' }), /not registered/);
  });

  it('RFC 6749 §3.1.2.3: redirect_uri may be left out when exactly one is registered', async () => {
    const w = await world();
    const { request } = await w.validate({ ...withPkce(), redirect_uri: undefined });
    assert.equal(request.redirectUri, 'https://spa.example.com/cb');
    assert.equal(request.redirectUriGiven, false);
  });

  it('RFC 6749 §3.1.2.3: redirect_uri is required when several are registered', async () => {
    const w = await world();
    await pageError(w.validate({ client_id: 'web', response_type: 'code' }), /redirect_uri is missing/);
  });

  it('RFC 8252 §7.3: a loopback redirect URI may use any port', async () => {
    const w = await world();
    const p = { client_id: 'native', response_type: 'code', code_challenge: pkce().challenge, code_challenge_method: 'S256' };
    assert.equal((await w.validate({ ...p, redirect_uri: 'http://127.0.0.1:51004/cb' })).request.redirectUri, 'http://127.0.0.1:51004/cb');
    await pageError(w.validate({ ...p, redirect_uri: 'http://127.0.0.1:51004/other' }), /not registered/);
    await pageError(w.validate({ ...p, redirect_uri: 'http://localhost:51004/cb' }), /not registered/);
  });

  it('RFC 6749 §4.1.2.1: once the redirect URI is verified, errors go back to it with state', async () => {
    const w = await world();
    await rejectsWith(w.validate({ ...withPkce(), response_type: undefined, state: 'keep' }), 'unsupported_response_type', /missing/);
    assert.deepEqual(w.target, { redirectUri: SPA.redirect_uri, state: 'keep', responseType: 'code' });
  });

  it('RFC 6749 §3.1.1: an unknown response_type is unsupported_response_type', async () => {
    const w = await world();
    await rejectsWith(w.validate({ ...withPkce(), response_type: 'id_token' }), 'unsupported_response_type');
    await rejectsWith(w.validate({ ...withPkce(), response_type: 'code id_token' }), 'unsupported_response_type');
  });

  it('RFC 6749 §4.2.1: response_type=token needs a client that lists it (unsupported_response_type)', async () => {
    const w = await world();
    await w.updateClient('spa', { grantTypes: ['authorization_code', 'implicit'] });
    await rejectsWith(w.validate({ ...SPA, response_type: 'token' }), 'unsupported_response_type', /not enabled/);
    assert.equal(w.target!.responseType, 'token', 'the error goes in the fragment');
  });

  it('RFC 9449 §5: no implicit grant where DPoP-bound tokens are required (client or server)', async () => {
    const implicit: Partial<Client> = { grantTypes: ['authorization_code', 'implicit'], responseTypes: ['code', 'token'] };
    const bound = await world();
    await bound.updateClient('spa', { ...implicit, dpopBoundAccessTokens: true });
    await rejectsWith(bound.validate({ ...SPA, response_type: 'token' }), 'unsupported_response_type', /DPoP-bound/);
    const strict = await world({ dpop: 'require' });
    await strict.updateClient('spa', implicit);
    await rejectsWith(strict.validate({ ...SPA, response_type: 'token' }), 'unsupported_response_type', /DPoP-bound/);
    const allow = await world();
    await allow.updateClient('spa', implicit);
    assert.equal((await allow.validate({ ...SPA, response_type: 'token' })).request.responseType, 'token');
  });

  it('RFC 6749 §4.1.2.1: a client without the authorization_code grant is unauthorized_client', async () => {
    const w = await world();
    await w.updateClient('spa', { grantTypes: ['refresh_token'] });
    await rejectsWith(w.validate(withPkce()), 'unauthorized_client');
  });

  it('RFC 6749 §3.3: an unknown scope, or one the client may not ask for, is invalid_scope', async () => {
    const w = await world();
    await rejectsWith(w.validate({ ...withPkce(), scope: 'openid launch_missiles' }), 'invalid_scope', /unknown scope/);
    await rejectsWith(w.validate({ ...withPkce(), scope: 'private_info' }), 'invalid_scope', /not allowed/);
  });

  it('RFC 6749 §3.3: without scope the client gets its own scopes, but not offline_access or no_expiry', async () => {
    const w = await world();
    const { request } = await w.validate(withPkce());
    assert.deepEqual(request.scopes, ['openid', 'profile', 'email', 'read_inbox', 'write_access']);
  });

  it('RFC 6749 §3.3: repeated scopes count once; commas separate only under the Stack Exchange policy', async () => {
    const w = await world();
    assert.deepEqual((await w.validate({ ...withPkce(), scope: 'read_inbox  read_inbox openid' })).request.scopes, ['read_inbox', 'openid']);
    await rejectsWith(w.validate({ ...withPkce(), scope: 'read_inbox,openid' }), 'invalid_scope');
    const se = stackExchangePolicy((await w.rs()).server.settings);
    assert.deepEqual((await w.validate({ ...withPkce(), scope: 'read_inbox,openid' }, se)).request.scopes, ['read_inbox', 'openid']);
  });

  it('OIDC Core §3.1.2.1: an unknown prompt value, or none with another, is invalid_request', async () => {
    const w = await world();
    await rejectsWith(w.validate({ ...withPkce(), prompt: 'maybe' }), 'invalid_request', /prompt/);
    await rejectsWith(w.validate({ ...withPkce(), prompt: 'none login' }), 'invalid_request', /prompt=none/);
  });

  it('OIDC Core §3.1.2.1: max_age must be a number of seconds', async () => {
    const w = await world();
    await rejectsWith(w.validate({ ...withPkce(), max_age: '-1' }), 'invalid_request', /max_age/);
    assert.equal((await w.validate({ ...withPkce(), max_age: '300' })).request.maxAge, 300);
  });

  it('OAuth 2.1 §4.1.1: a public client must send code_challenge (invalid_request)', async () => {
    const w = await world();
    await rejectsWith(w.validate(SPA), 'invalid_request', /code_challenge is required/);
  });

  it('a client that enabled only "authorization code with PKCE" must send code_challenge', async () => {
    const w = await world();
    await w.updateClient('post', { requirePkce: true });
    await rejectsWith(w.validate({ client_id: 'post', response_type: 'code' }), 'invalid_request', /code_challenge is required/);
  });

  it('RFC 6749 §4.1.1: a confidential client may leave PKCE out', async () => {
    const w = await world();
    const { request } = await w.validate({ client_id: 'post', response_type: 'code' });
    assert.equal(request.codeChallenge, null);
  });

  it('RFC 7636 §4.3: code_challenge_method without code_challenge is invalid_request', async () => {
    const w = await world();
    await rejectsWith(w.validate({ ...SPA, code_challenge_method: 'S256' }), 'invalid_request', /without code_challenge/);
  });

  it('RFC 7636 §4.3 / RFC 9700 §2.1.1: plain, or a method left out (which means plain), is refused unless the server allows it', async () => {
    const w = await world();
    const challenge = pkce().verifier;
    await rejectsWith(w.validate({ ...SPA, code_challenge: challenge, code_challenge_method: 'plain' }), 'invalid_request', /must be S256/);
    await rejectsWith(w.validate({ ...SPA, code_challenge: challenge }), 'invalid_request', /must be S256/);
    const lenient = await world({ allowPlainPkce: true });
    assert.equal((await lenient.validate({ ...SPA, code_challenge: challenge })).request.codeChallengeMethod, 'plain');
  });

  it('RFC 7636 §4.2: an unknown code_challenge_method is invalid_request', async () => {
    const w = await world();
    await rejectsWith(w.validate({ ...SPA, code_challenge: pkce().challenge, code_challenge_method: 'S512' }), 'invalid_request', /not supported/);
  });

  it('RFC 7636 §4.2: a code_challenge shorter than 43 or longer than 128 characters is invalid_request', async () => {
    const w = await world();
    await rejectsWith(w.validate({ ...SPA, code_challenge: 'a'.repeat(42), code_challenge_method: 'S256' }), 'invalid_request', /43-128/);
    await rejectsWith(w.validate({ ...SPA, code_challenge: 'a'.repeat(129), code_challenge_method: 'S256' }), 'invalid_request', /43-128/);
  });
});

describe('authorization request size limits', () => {
  it('state and nonce: 1024 characters are accepted, 1025 are an invalid_request page', () => {
    for (const name of ['state', 'nonce']) {
      checkAuthorizeSizes({ ...SPA, [name]: 'x'.repeat(1024) });
      assert.throws(() => checkAuthorizeSizes({ ...SPA, [name]: 'x'.repeat(1025) }),
        (err: OAuthError) => err instanceof AuthorizePageError && err.error === 'invalid_request' && err.description.includes(`"${name}" is too long`));
    }
  });

  it('redirect_uri over 2048 characters, and a repeated value over its limit, are refused', () => {
    assert.throws(() => checkAuthorizeSizes({ ...SPA, redirect_uri: `https://a.example/${'x'.repeat(2048)}` }), /too long/);
    assert.throws(() => checkAuthorizeSizes({ ...SPA, state: ['ok', 'x'.repeat(1025)] }), /too long/);
  });

  it(`at most ${AUTHORIZE_PARAMETERS_MAX} parameters and ${AUTHORIZE_REQUEST_MAX} characters in all`, () => {
    const many = Object.fromEntries(Array.from({ length: AUTHORIZE_PARAMETERS_MAX + 1 }, (_, i) => [`p${i}`, 'x']));
    assert.throws(() => checkAuthorizeSizes(many), /too many parameters/);
    const big = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`p${i}`, 'x'.repeat(1000)]));
    assert.throws(() => checkAuthorizeSizes(big), /too large/);
  });
});

describe('authorization flow', () => {
  it('RFC 6749 §4.1.2 / RFC 9207: the code comes back in the query with state and iss', async () => {
    const w = await world();
    const url = await w.authorize({ ...withPkce(), state: 'xyz' });
    assert.equal(`${url.origin}${url.pathname}`, SPA.redirect_uri);
    assert.match(url.searchParams.get('code')!, /^pxc_/);
    assert.equal(url.searchParams.get('state'), 'xyz');
    assert.equal(url.searchParams.get('iss'), ISSUER);
  });

  it('OIDC Core §3.1.2.1: prompt=none without a session is login_required', async () => {
    const w = await world();
    await rejectsWith(w.start({ ...withPkce(), prompt: 'none' }, null), 'login_required');
  });

  it('OIDC Core §3.1.2.1: prompt=none without a grant that covers the scopes is consent_required', async () => {
    const w = await world();
    await rejectsWith(w.start({ ...withPkce(), prompt: 'none' }, w.session), 'consent_required');
  });

  it('OIDC Core §3.1.2.1: a grant that covers the scopes skips consent; a wider request asks again', async () => {
    const w = await world();
    await w.authorize({ ...withPkce(), scope: 'openid read_inbox' });
    assert.equal((await w.start({ ...withPkce(), scope: 'read_inbox', prompt: 'none' }, w.session)).kind, 'redirect');
    assert.equal((await w.start({ ...withPkce(), scope: 'read_inbox write_access' }, w.session)).kind, 'consent');
    assert.equal((await w.start({ ...withPkce(), scope: 'read_inbox', prompt: 'consent' }, w.session)).kind, 'consent');
  });

  it('OIDC Core §3.1.2.1: max_age older than the sign-in, or prompt=login, asks to sign in again', async () => {
    const w = await world();
    await w.authorize(withPkce());
    w.clock.advance(120);
    assert.equal((await w.start({ ...withPkce(), max_age: '60' }, w.session)).kind, 'login');
    assert.equal((await w.start({ ...withPkce(), max_age: '600' }, w.session)).kind, 'redirect');
    assert.equal((await w.start({ ...withPkce(), prompt: 'login' }, w.session)).kind, 'login');
  });

  it('RFC 6749 §4.1.2.1: the user denying is access_denied', async () => {
    const w = await world();
    await rejectsWith(w.authorize(withPkce(), { approve: false }), 'access_denied');
  });

  it('RFC 6749 §4.2.2: the implicit grant answers in the fragment: access_token, token_type, expires_in, scope, state; never a refresh token', async () => {
    const w = await world();
    await w.updateClient('spa', { grantTypes: ['authorization_code', 'implicit'], responseTypes: ['code', 'token'] });
    const url = await w.authorize({ ...SPA, response_type: 'token', scope: 'read_inbox', state: 's1' });
    assert.equal(url.search, '');
    const f = new URLSearchParams(url.hash.slice(1));
    assert.match(f.get('access_token')!, /^pxat_/);
    assert.deepEqual([f.get('token_type'), f.get('expires_in'), f.get('scope'), f.get('state')], ['Bearer', '3600', 'read_inbox', 's1']);
    assert.equal(f.get('refresh_token'), null);
  });
});
