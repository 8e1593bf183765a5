/** The refresh_token grant (RFC 6749 §6) with rotation and reuse detection (RFC 9700 §4.14.2): unit tests on in-memory ports. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashOpaqueToken } from '../../../src/crypto/opaque-token.js';
import { rejectsWith, S, T, world, type World } from './world.js';

async function refreshable(w: World, scope = 'openid offline_access read_inbox write_access') {
  return w.exchange('spa', await w.code('spa', { scope }));
}

const refresh = (w: World, token: string | undefined, over: Record<string, string> = {}, clientId = 'spa') =>
  w.tokenAs(clientId, { grant_type: 'refresh_token', refresh_token: token, ...over });

describe('refresh_token grant', () => {
  it('RFC 9700 §4.14.2: a refresh rotates the refresh token; the new one works, with the same scope', async () => {
    const w = await world();
    const first = await refreshable(w);
    const second = await refresh(w, first.refresh_token);
    assert.ok(second.refresh_token);
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.equal(second.scope, first.scope);
    assert.ok(second.id_token, 'openid: a new ID token');
    const third = await refresh(w, second.refresh_token);
    assert.ok(third.access_token);
    const rows = await Promise.all([first, second, third].map((a) => w.stores.tokens.find(hashOpaqueToken(a.refresh_token!))));
    assert.equal(new Set(rows.map((r) => r!.familyId)).size, 1, 'one family');
  });

  it('RFC 9700 §4.14.2: a rotated refresh token used again is invalid_grant and revokes its whole family', async () => {
    const w = await world({ accessTokenFormat: 'opaque' });
    const first = await refreshable(w);
    const second = await refresh(w, first.refresh_token);
    await rejectsWith(refresh(w, first.refresh_token), 'invalid_grant', /already used/);
    assert.notEqual((await w.stores.tokens.find(hashOpaqueToken(second.refresh_token!)))!.revokedAt, null);
    assert.notEqual((await w.stores.tokens.find(hashOpaqueToken(second.access_token)))!.revokedAt, null);
    await rejectsWith(refresh(w, second.refresh_token), 'invalid_grant');
  });

  it('RFC 9700 §4.14.2: of concurrent refreshes with one token, one wins and the others count as reuse', async () => {
    const w = await world();
    const first = await refreshable(w);
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => refresh(w, first.refresh_token)));
    assert.ok(results.filter((r) => r.status === 'fulfilled').length <= 1);
    for (const r of results) if (r.status === 'rejected') assert.match(String(r.reason), /invalid_grant: refresh token was already used/);
    assert.notEqual((await w.stores.tokens.find(hashOpaqueToken(first.refresh_token!)))!.revokedAt, null, 'the family is revoked');
    // Reuse revokes the whole family, the winner's new tokens included, whichever was saved first.
    for (const r of results) {
      if (r.status !== 'fulfilled') continue;
      assert.notEqual((await w.stores.tokens.find(hashOpaqueToken(r.value.refresh_token!)))!.revokedAt, null, 'the winner\'s refresh token is revoked');
      await rejectsWith(refresh(w, r.value.refresh_token), 'invalid_grant');
    }
  });

  it('RFC 6749 §6: a refresh may narrow the scope', async () => {
    const w = await world();
    const first = await refreshable(w);
    const narrow = await refresh(w, first.refresh_token, { scope: 'offline_access read_inbox' });
    assert.equal(narrow.scope, 'offline_access read_inbox');
    assert.equal(narrow.id_token, undefined, 'openid left out: no ID token');
    const row = await w.stores.tokens.find(hashOpaqueToken(narrow.refresh_token!));
    assert.equal(row!.scope, 'offline_access read_inbox', 'the new refresh token carries the narrower scope');
    await rejectsWith(refresh(w, narrow.refresh_token, { scope: 'write_access' }), 'invalid_scope');
  });

  it('RFC 6749 §6: a wider scope is invalid_scope, and the refresh token is not consumed', async () => {
    const w = await world();
    const first = await refreshable(w, 'offline_access read_inbox');
    await rejectsWith(refresh(w, first.refresh_token, { scope: 'read_inbox write_access' }), 'invalid_scope', /not granted originally/);
    assert.equal((await w.stores.tokens.find(hashOpaqueToken(first.refresh_token!)))!.consumedAt, null);
    assert.ok((await refresh(w, first.refresh_token)).access_token);
  });

  it('RFC 6749 §6: a refresh token of another client is invalid_grant, and is not consumed', async () => {
    const w = await world();
    await w.updateClient('native', { scopes: ['openid', 'offline_access', 'read_inbox', 'write_access'] });
    const first = await refreshable(w);
    await rejectsWith(refresh(w, first.refresh_token, {}, 'native'), 'invalid_grant', /another client/);
    assert.ok((await refresh(w, first.refresh_token)).access_token);
  });

  it('RFC 6749 §6: refresh_token is required (invalid_request)', async () => {
    const w = await world();
    await rejectsWith(refresh(w, undefined), 'invalid_request', /refresh_token is required/);
  });

  it('RFC 6749 §6: an access token is not a refresh token (invalid_grant)', async () => {
    const w = await world({ accessTokenFormat: 'opaque' });
    const first = await refreshable(w);
    await rejectsWith(refresh(w, first.access_token), 'invalid_grant');
    await rejectsWith(refresh(w, 'pxrt_unknown'), 'invalid_grant');
  });

  it('RFC 9700 §4.14.2: a refresh token expires refreshTokenTtl after it was issued (invalid_grant)', async () => {
    const w = await world({ refreshTokenTtl: 1000 });
    const first = await refreshable(w);
    w.clock.advance(999);
    const second = await refresh(w, first.refresh_token);
    w.clock.advance(1000);
    await rejectsWith(refresh(w, second.refresh_token), 'invalid_grant', /expired/);
  });

  it('RFC 9700 §4.14.2: the family ends refreshTokenAbsoluteTtl after it began, however often it is rotated', async () => {
    const w = await world({ refreshTokenTtl: 1000, refreshTokenAbsoluteTtl: 2500 });
    let current = (await refreshable(w)).refresh_token;
    for (let i = 0; i < 3; i++) {
      w.clock.advance(800);
      current = (await refresh(w, current)).refresh_token;
    }
    const row = (await w.stores.tokens.find(hashOpaqueToken(current!)))!;
    assert.equal(row.expiresAt, row.familyStartedAt! + 2500, 'capped by the absolute lifetime');
    w.clock.advance(100);
    await rejectsWith(refresh(w, current), 'invalid_grant', /expired/);
  });

  it('RFC 7009 §2.1: a revoked refresh token is invalid_grant', async () => {
    const w = await world();
    const first = await refreshable(w);
    await w.stores.tokens.revoke(hashOpaqueToken(first.refresh_token!), w.clock.now());
    await rejectsWith(refresh(w, first.refresh_token), 'invalid_grant', /revoked/);
  });

  it('RFC 6749 §6: a scope taken away from the client since is not issued again (invalid_scope)', async () => {
    const w = await world();
    const first = await refreshable(w, 'offline_access read_inbox write_access');
    await w.updateClient('spa', { scopes: ['openid', 'offline_access', 'read_inbox'] });
    await rejectsWith(refresh(w, first.refresh_token), 'invalid_scope', /write_access/);
    assert.equal((await refresh(w, first.refresh_token, { scope: 'offline_access read_inbox' })).scope, 'offline_access read_inbox');
  });

  it('RFC 6749 §6: a refresh for a user disabled since is invalid_grant', async () => {
    const w = await world();
    const first = await refreshable(w, 'offline_access read_inbox');
    await w.stores.admin.setUserDisabled(T, 'bob', true, w.clock.now());
    await rejectsWith(refresh(w, first.refresh_token), 'invalid_grant');
  });

  it('RFC 7009 §2.1: revoking the grant revokes its refresh tokens', async () => {
    const w = await world();
    const first = await refreshable(w, 'offline_access read_inbox');
    const grant = (await w.stores.grants.find(T, S, 'spa', 'bob'))!;
    await w.stores.admin.revokeGrant(T, grant.id, w.clock.now());
    await rejectsWith(refresh(w, first.refresh_token), 'invalid_grant');
  });
});
