import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createVerifier, InsufficientScopeError, InvalidTokenError, MissingTokenError, type Verifier } from '../../packages/verify/src/index.js';
import {
  API_CLIENT, API_KEY, API_SECRET, challengeToken, OPAQUE_SUFFIX, clientToken, revokeToken, startClientToolsServer, type ClientToolsServer,
} from '../helpers/client-tools.js';
import { CONFIDENTIAL_CLIENT } from '../helpers/fixture.js';
import { TestClock } from '../helpers/server.js';
import { pkce } from '../helpers/user-agent.js';
import { rejection } from '../helpers/verify.js';

const clock = new TestClock();
let t: ClientToolsServer;
before(async () => { t = await startClientToolsServer({ clock }); });
after(async () => { await t.server.close(); });

function verifier(extra: Partial<Parameters<typeof createVerifier>[0]> = {}): Verifier {
  return createVerifier({
    issuer: t.server.issuer, introspection: { clientId: API_CLIENT, clientSecret: API_SECRET }, now: () => clock.now(), ...extra,
  });
}

describe('createVerifier: JWT access tokens (verified locally)', () => {
  it('accepts a valid token and reports client, subject and scopes', async () => {
    const token = await clientToken(t.server, 'read_inbox');
    const v = verifier();
    const who = await v.verify(token, { scopes: ['read_inbox'] });
    assert.equal(who.kind, 'access_token');
    assert.equal(who.method, 'jwt');
    assert.equal(who.clientId, CONFIDENTIAL_CLIENT);
    assert.equal(who.subject, CONFIDENTIAL_CLIENT);
    assert.deepEqual(who.scopes, ['read_inbox']);
    assert.equal(who.boundChallenge, null);
  });

  it('rejects an expired token with invalid_token (401)', async () => {
    const token = await clientToken(t.server, 'read_inbox');
    const v = verifier();
    await v.verify(token);
    clock.advance(3601);
    const err = await rejection(v.verify(token));
    assert.ok(err instanceof InvalidTokenError);
    assert.equal(err.reason, 'expired');
    assert.equal(err.status, 401);
    assert.match(err.wwwAuthenticate(), /^Bearer realm="api", error="invalid_token", error_description="the token has expired"$/);
  });

  it('checks the audience: the issuer passes, another audience is refused', async () => {
    const token = await clientToken(t.server, 'read_inbox');
    await verifier({ audience: t.server.issuer }).verify(token);
    const err = await rejection(verifier({ audience: 'https://other-api.example' }).verify(token));
    assert.equal(err.reason, 'audience');
    assert.equal(err.code, 'invalid_token');
  });

  it('refuses a token without a required scope with insufficient_scope (403) naming the scope', async () => {
    const token = await clientToken(t.server, 'read_inbox');
    const err = await rejection(verifier().verify(token, { scopes: ['read_inbox', 'write_access'] }));
    assert.ok(err instanceof InsufficientScopeError);
    assert.equal(err.status, 403);
    assert.match(err.wwwAuthenticate('inbox'), /realm="inbox", error="insufficient_scope".*scope="read_inbox write_access"/);
  });

  it('answers a missing token with a bare challenge (RFC 6750 §3.1)', async () => {
    const err = await rejection(verifier().verify(undefined));
    assert.ok(err instanceof MissingTokenError);
    assert.equal(err.wwwAuthenticate(), 'Bearer realm="api"');
  });

  it('refuses a forged signature and a token whose payload was changed', async () => {
    const token = await clientToken(t.server, 'read_inbox');
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.scope = 'read_inbox write_access';
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    assert.equal((await rejection(verifier().verify(tampered))).reason, 'signature');
  });

  it('refetches the JWKS when a token names an unknown kid (key rotation), at most once per cooldown', async () => {
    const v = verifier({ jwksCooldownSeconds: 30 });
    await v.verify(await clientToken(t.server, 'read_inbox'));
    assert.equal(v.jwksFetches, 1);
    await t.server.deps.directory.rotateKeys('default', 'default');
    const rotated = await clientToken(t.server, 'read_inbox');
    const who = await v.verify(rotated);
    assert.equal(who.clientId, CONFIDENTIAL_CLIENT);
    assert.equal(v.jwksFetches, 2, 'the new kid caused one refetch');

    // A forged kid right after: no new fetch inside the cooldown, and the token is refused.
    const [h, p, s] = rotated.split('.');
    const header = { ...JSON.parse(Buffer.from(h!, 'base64url').toString()), kid: 'forged-kid' };
    const forged = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${p}.${s}`;
    assert.equal((await rejection(v.verify(forged))).reason, 'unknown_key');
    assert.equal((await rejection(v.verify(forged))).reason, 'unknown_key');
    assert.equal(v.jwksFetches, 2, 'unknown kids inside the cooldown do not refetch');
    clock.advance(31);
    await rejection(v.verify(forged));
    assert.equal(v.jwksFetches, 3, 'after the cooldown one refetch is allowed again');
  });
});

describe('createVerifier: opaque tokens (introspection with a short cache)', () => {
  const opaqueIssuer = () => `${t.server.url}/default/opaque`;
  const opaqueVerifier = (extra: Partial<Parameters<typeof createVerifier>[0]> = {}) =>
    verifier({ issuer: opaqueIssuer(), introspection: { clientId: API_CLIENT, clientSecret: API_SECRET + OPAQUE_SUFFIX }, ...extra });

  it('accepts an active opaque token and stops accepting it once revoked and the cache entry expired', async () => {
    const token = await clientToken(t.server, 'read_inbox', opaqueIssuer());
    assert.match(token, /^pxat_/);
    const v = opaqueVerifier({ cacheSeconds: 10 });
    const who = await v.verify(token, { scopes: ['read_inbox'] });
    assert.equal(who.method, 'introspection');
    assert.equal(who.clientId, CONFIDENTIAL_CLIENT);
    await revokeToken(t.server, token, opaqueIssuer());
    await v.verify(token); // still inside the 10 s cache: no call to the issuer
    clock.advance(11);
    const err = await rejection(v.verify(token));
    assert.equal(err.reason, 'inactive');
    assert.equal(err.status, 401);
  });

  it('refuses a revoked opaque token at once with a fresh verifier', async () => {
    const token = await clientToken(t.server, 'read_inbox', opaqueIssuer());
    await revokeToken(t.server, token, opaqueIssuer());
    assert.equal((await rejection(opaqueVerifier().verify(token))).reason, 'inactive');
  });

  it('cannot check opaque tokens without introspection credentials and says so', async () => {
    const token = await clientToken(t.server, 'read_inbox', opaqueIssuer());
    const err = await rejection(createVerifier({ issuer: opaqueIssuer(), now: () => clock.now() }).verify(token));
    assert.match(err.description, /introspection credentials/);
  });

  it('reports the issuer as unavailable (503) when its introspection credentials are wrong', async () => {
    const token = await clientToken(t.server, 'read_inbox', opaqueIssuer());
    const v = opaqueVerifier({ introspection: { clientId: API_CLIENT, clientSecret: 'wrong-secret' } });
    const err = await rejection(v.verify(token));
    assert.equal(err.status, 503);
    assert.equal(err.reason, 'introspection_unavailable');
  });
});

describe('createVerifier: API keys', () => {
  it('accepts an API key alone where keys are accepted, and never as a user token', async (ctx) => {
    if (t.skipApiKeys) return ctx.skip(t.skipApiKeys);
    const v = verifier();
    const key = await v.verify(API_KEY, { accept: ['api_key'] });
    assert.equal(key.kind, 'api_key');
    assert.equal(key.clientId, CONFIDENTIAL_CLIENT);
    const err = await rejection(v.verify(API_KEY));
    assert.equal(err.reason, 'wrong_kind');
  });

  it('refuses an unknown API key as inactive', async () => {
    const err = await rejection(verifier().verify(`pxk_${'x'.repeat(49)}`, { accept: ['api_key'] }));
    assert.equal(err.reason, 'inactive');
  });
});

describe('createVerifier: challenge-code binding (SPEC §4.6) against Pixie', () => {
  it('needs the matching PKCE-Verifier for a challenge-code token', async (ctx) => {
    if (t.skipChallenge) return ctx.skip(t.skipChallenge);
    const { verifier: codeVerifier, challenge } = pkce();
    const issued = await challengeToken(t.server, challenge);
    const token = String(issued.body.access_token);
    const v = verifier();
    assert.equal((await rejection(v.verify(token))).reason, 'binding_required');
    const wrong = await rejection(v.verify(token, { pkceVerifier: pkce().verifier }));
    assert.ok(['binding_mismatch', 'inactive'].includes(wrong.reason), wrong.reason);
    const who = await v.verify(token, { pkceVerifier: codeVerifier });
    assert.deepEqual(who.boundChallenge, { challenge, method: 'S256' });
  });
});
