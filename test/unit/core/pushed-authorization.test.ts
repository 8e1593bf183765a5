/**
 * Pushed authorization requests (RFC 9126) as core handles them: the push (client
 * authentication, every authorization check, storage) and the authorization endpoint's use of
 * a request_uri (single use, per client, expiry, checked again against the client as it is).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkPushedRequestNotRequired, pushAuthorizationRequest, takePushedRequest, type PushRequest,
} from '../../../src/core/authorize/pushed.js';
import type { RedirectTarget } from '../../../src/core/authorize/validate-request.js';
import { AuthorizePageError, InvalidClient, type OAuthError } from '../../../src/core/errors.js';
import { basic, ISSUER, pkce, rejectsWith, world, type World } from './world.js';

/** Caps far above what these tests push. */
const LIMITS = { ip: '192.0.2.1', perIp: 100, total: 1000 };

const SPA = { client_id: 'spa', response_type: 'code', redirect_uri: 'https://spa.example.com/cb', scope: 'openid', state: 'st' };

function pushAs(w: World, params: Record<string, string | undefined>, authorization?: string): Promise<{ request_uri: string; expires_in: number }> {
  return w.rs().then((rs) => {
    const req: PushRequest = { params, resources: [], authorization, policy: w.policy, limits: LIMITS };
    return pushAuthorizationRequest(w.deps, rs, req);
  });
}

async function take(w: World, clientId: string, requestUri: string): Promise<{ params: Record<string, string | undefined>; target: RedirectTarget | null }> {
  let target: RedirectTarget | null = null;
  const taken = await takePushedRequest(w.deps, await w.rs(), clientId, requestUri, (t) => (target = t));
  return { params: taken.params, target };
}

describe('pushed authorization requests (core)', () => {
  it('RFC 9126 §2.2: a valid push is kept 60 s under a random request_uri, only its hash stored', async () => {
    const w = await world();
    const p = { ...SPA, code_challenge: pkce().challenge, code_challenge_method: 'S256' };
    const pushed = await pushAs(w, p);
    assert.match(pushed.request_uri, /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/);
    assert.equal(pushed.expires_in, 60);
    const { params } = await take(w, 'spa', pushed.request_uri);
    assert.deepEqual(params, p);
  });

  it('RFC 9126 §2.3: live pushed requests are capped per IP (429) and in all (503)', async () => {
    const w = await world();
    const push = (limits: PushRequest['limits']) => w.rs().then((rs) => pushAuthorizationRequest(w.deps, rs, {
      params: { ...SPA, code_challenge: pkce().challenge, code_challenge_method: 'S256' }, resources: [], authorization: undefined, policy: w.policy, limits,
    }));
    const one = { ip: '192.0.2.7', perIp: 2, total: 3 };
    await push(one);
    await push(one);
    await assert.rejects(push(one), (err: { status?: number; message: string }) => err.status === 429);
    await push({ ...one, ip: '192.0.2.8' });
    await assert.rejects(push({ ...one, ip: '192.0.2.9' }), (err: { status?: number }) => err.status === 503);
    w.clock.advance(60);
    await push(one); // expired requests no longer count
  });

  it('RFC 9126 §2: a confidential client authenticates as at the token endpoint; its secret is not kept', async () => {
    const w = await world();
    const p = { ...SPA, client_id: 'web', redirect_uri: 'https://web.example.com/cb' };
    await assert.rejects(pushAs(w, p), (err: OAuthError) => {
      assert.ok(err instanceof InvalidClient);
      assert.equal(err.realm, ISSUER);
      return true;
    });
    await rejectsWith(pushAs(w, p, basic('web', 'pxs_wrong')), 'invalid_client');
    const { client_id: _, ...withoutId } = p;
    const pushed = await pushAs(w, withoutId, basic('web', w.secrets.web!));
    const { params } = await take(w, 'web', pushed.request_uri);
    assert.equal(params.client_id, 'web', 'the authenticated client');
    const post = await pushAs(w, { ...p, client_id: 'post', redirect_uri: 'https://post.example.com/cb', client_secret: w.secrets.post! });
    assert.equal((await take(w, 'post', post.request_uri)).params.client_secret, undefined);
  });

  it('RFC 9126 §2.1: request_uri in a push is invalid_request; authorization errors are those of /authorize, never redirected', async () => {
    const w = await world();
    const p = { ...SPA, code_challenge: pkce().challenge, code_challenge_method: 'S256' };
    await rejectsWith(pushAs(w, { ...p, request_uri: 'urn:ietf:params:oauth:request_uri:x' }), 'invalid_request', /request_uri/);
    await rejectsWith(pushAs(w, SPA), 'invalid_request', /code_challenge is required/);
    await rejectsWith(pushAs(w, { ...p, scope: 'openid nope' }), 'invalid_scope');
    await assert.rejects(pushAs(w, { ...p, redirect_uri: 'https://evil.example/cb' }), AuthorizePageError);
  });

  it('RFC 9126 §4, §7.3: a request_uri is taken once; then invalid_request_uri, to the only redirect URI or as a page', async () => {
    const w = await world();
    const uri = (await pushAs(w, { ...SPA, code_challenge: pkce().challenge, code_challenge_method: 'S256' })).request_uri;
    await take(w, 'spa', uri);
    let target: RedirectTarget | null = null;
    await rejectsWith(takePushedRequest(w.deps, await w.rs(), 'spa', uri, (t) => (target = t)), 'invalid_request_uri');
    assert.deepEqual(target, { redirectUri: 'https://spa.example.com/cb', state: null, responseType: 'code' });
    // `web` has two redirect URIs: none is certain, so a page.
    await assert.rejects(takePushedRequest(w.deps, await w.rs(), 'web', uri, () => assert.fail('no target')), (err: OAuthError) => {
      assert.ok(err instanceof AuthorizePageError);
      assert.equal(err.error, 'invalid_request_uri');
      return true;
    });
    await rejectsWith(takePushedRequest(w.deps, await w.rs(), undefined, uri, () => undefined), 'invalid_request', /client_id is missing/);
  });

  it('RFC 9126 §2.2, §7.5: an expired request_uri, or another client\'s, is invalid_request_uri', async () => {
    const w = await world();
    const p = { ...SPA, code_challenge: pkce().challenge, code_challenge_method: 'S256' };
    const uri = (await pushAs(w, p)).request_uri;
    await rejectsWith(take(w, 'native', uri), 'invalid_request_uri');
    w.clock.advance(60);
    await rejectsWith(take(w, 'spa', uri), 'invalid_request_uri');
  });

  it('RFC 9126 §7.4: the pushed request is checked again against the client as it is when used', async () => {
    const w = await world();
    const uri = (await pushAs(w, { ...SPA, code_challenge: pkce().challenge, code_challenge_method: 'S256' })).request_uri;
    const spa = (await w.stores.clients.find('t', 's', 'spa'))!;
    await w.stores.clients.upsert({ ...spa, redirectUris: ['https://spa.example.com/new'] }, w.clock.now());
    const { params } = await take(w, 'spa', uri);
    await assert.rejects(w.validate(params), AuthorizePageError, 'the redirect URI is no longer registered');
  });

  it('RFC 9126 §5, §6: a server or client that requires PAR refuses a request that was not pushed', async () => {
    const relaxed = await world();
    const spa = (await relaxed.stores.clients.find('t', 's', 'spa'))!;
    const rs = await relaxed.rs();
    assert.doesNotThrow(() => checkPushedRequestNotRequired(rs, spa));
    assert.throws(() => checkPushedRequestNotRequired(rs, { ...spa, requirePushedAuthorizationRequests: true }), /pushed authorization request required/);
    const strict = await (await world({ requirePushedAuthorizationRequests: true })).rs();
    assert.throws(() => checkPushedRequestNotRequired(strict, spa), /pushed authorization request required/);
  });
});
