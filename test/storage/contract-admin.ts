/**
 * Second half of the storage contract (run by contract.test.ts inside each backend's suite):
 * the ports for the portal, the admin API and challenge codes. Expects tenants t-a and t-b with
 * server `default` and client `app`, as contract.test.ts seeds them.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Stores } from '../../src/core/ports.js';
import type { Client, TokenRecord } from '../../src/core/types.js';
import { randomId } from '../../src/crypto/random.js';

export function adminContract(
  s: () => Stores, NOW: number, client: (t: string, id: string, over?: Partial<Client>) => Client,
  token: (over?: Partial<TokenRecord>) => TokenRecord,
): void {
  it('uses a PKCE challenge once per server; 20 concurrent uses succeed once', async () => {
    assert.equal(await s().tokens.useChallenge('t-a', 'default', 'ch-1', NOW), true);
    assert.equal(await s().tokens.useChallenge('t-a', 'default', 'ch-1', NOW), false);
    assert.equal(await s().tokens.useChallenge('t-b', 'default', 'ch-1', NOW), true, 'another tenant is another server');
    const results = await Promise.all(Array.from({ length: 20 }, () => s().tokens.useChallenge('t-a', 'default', 'ch-race', NOW)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('stores API keys hashed, touches, expires and revokes them for their own client only', async () => {
    const key = { id: randomId(), tenantId: 't-a', serverId: 'default', clientId: 'app', name: 'k1', hash: randomId(), displayPrefix: 'pxk_ab', createdAt: NOW, expiresAt: null, lastUsedAt: null, revokedAt: null };
    await s().apiKeys.add(key);
    assert.deepEqual(await s().apiKeys.findByHash(key.hash), key);
    await s().apiKeys.touch(key.id, NOW + 1);
    assert.equal(await s().apiKeys.setExpiry('t-a', 'default', 'app', key.id, NOW + 99), 1);
    assert.deepEqual(await s().apiKeys.list('t-a', 'default', 'app'), [{ ...key, lastUsedAt: NOW + 1, expiresAt: NOW + 99 }]);
    assert.equal(await s().apiKeys.revoke('t-b', 'default', 'app', key.id, NOW), 0, 'not t-b\'s key');
    assert.equal(await s().apiKeys.revoke('t-a', 'default', 'app', key.id, NOW + 2), 1);
    assert.equal(await s().apiKeys.revoke('t-a', 'default', 'app', key.id, NOW + 3), 0);
    assert.equal((await s().apiKeys.findByHash(key.hash))!.revokedAt, NOW + 2);
    await s().apiKeys.deleteByName('t-a', 'default', 'app', ['k1']);
    assert.equal(await s().apiKeys.findByHash(key.hash), null);
  });

  it('lists, revokes and forgets grants per user and per client; unused grants list last', async () => {
    const base = { tenantId: 't-b', serverId: 'default', clientId: 'app', scopes: ['openid'] };
    const used = await s().grants.remember({ ...base, id: 'gl-used', userId: 'lister', createdAt: NOW });
    await s().clients.upsert(client('t-b', 'other'), NOW);
    const unused = await s().grants.remember({ ...base, clientId: 'other', id: 'gl-unused', userId: 'lister', createdAt: NOW + 5 });
    await s().grants.touch(used, NOW + 1);
    assert.deepEqual((await s().grants.listByUser('t-b', 'lister')).map((g) => g.id), [used, unused]);
    assert.equal(await s().grants.revoke('t-a', 'lister', used, NOW), 0, 'not a grant of tenant t-a');
    assert.equal(await s().grants.revoke('t-b', 'lister', used, NOW), 1);
    assert.equal(await s().grants.revokeByClient('t-b', 'default', 'other', NOW), 1);
    assert.deepEqual(await s().grants.listByUser('t-b', 'lister'), []);
  });

  it('revokes tokens by grant and by client', async () => {
    const grantId = randomId();
    for (const t of [token({ grantId }), token({ grantId, kind: 'refresh' }), token({ tenantId: 't-b', clientId: 'gone' })]) await s().tokens.save(t);
    assert.equal(await s().tokens.revokeByGrant(grantId, NOW), 2);
    assert.equal(await s().tokens.revokeByClient('t-b', 'default', 'gone', NOW), 1);
    assert.equal(await s().tokens.revokeByClient('t-b', 'default', 'gone', NOW), 0);
  });

  it('lists portal apps by owner and deletes a client with its secrets', async () => {
    await s().clients.upsert(client('t-a', 'owned-1', { ownerUserId: 'owner' }), NOW);
    await s().clients.upsert(client('t-a', 'owned-2', { ownerUserId: 'owner' }), NOW);
    assert.deepEqual((await s().clients.listByOwner('t-a', 'default', 'owner')).map((c) => c.clientId).sort(), ['owned-1', 'owned-2']);
    const secret = { id: randomId(), name: 'x', hash: randomId(), displayPrefix: 'pxs_x', createdAt: NOW, expiresAt: null, lastUsedAt: null, revokedAt: null };
    await s().clients.addSecret('t-a', 'default', 'owned-1', secret);
    assert.equal(await s().clients.setSecretExpiry('t-a', 'default', 'owned-1', secret.id, NOW + 7), 1);
    assert.equal(await s().clients.revokeSecret('t-a', 'default', 'owned-2', secret.id, NOW), 0, 'not owned-2\'s secret');
    assert.equal(await s().clients.revokeSecret('t-a', 'default', 'owned-1', secret.id, NOW), 1);
    await s().clients.delete('t-a', 'default', 'owned-1');
    assert.equal(await s().clients.find('t-a', 'default', 'owned-1'), null);
    assert.deepEqual(await s().clients.listSecrets('t-a', 'default', 'owned-1'), []);
  });

  it('pages admin listings by key in the same order on every backend', async () => {
    await s().tenants.upsert({ id: 't-page', name: 'P' }, NOW);
    await s().servers.upsert({ tenantId: 't-page', id: 'default', settings: {} as never, customScopes: [] }, NOW);
    for (const id of ['b', 'B', 'a', 'a-1', '_z']) await s().clients.upsert(client('t-page', id), NOW);
    for (const u of ['bob', 'Alice', 'alice', 'Zed']) {
      await s().users.upsert({ tenantId: 't-page', id: `id-${u}`, username: u, passwordHash: 'h', email: null, name: null, disabled: false }, NOW);
    }
    const page1 = await s().admin.listClients('t-page', null, { serverId: '', clientId: '' }, 3);
    const page2 = await s().admin.listClients('t-page', null, { serverId: 'default', clientId: page1.at(-1)!.clientId }, 3);
    // Byte order (as SQLite compares text), whatever the PostgreSQL collation.
    assert.deepEqual([...page1, ...page2].map((c) => c.clientId), ['B', '_z', 'a', 'a-1', 'b']);
    assert.deepEqual((await s().admin.listUsers('t-page', '', 10)).map((u) => u.username), ['Alice', 'Zed', 'alice', 'bob']);
    assert.equal(await s().admin.setUserDisabled('t-page', 'id-bob', true, NOW), true);
    assert.equal((await s().users.findById('t-page', 'id-bob'))!.disabled, true);
  });

  it('revokes a grant with its tokens, a refresh token with its family, and lists tokens newest first', async () => {
    const grantId = await s().grants.remember({ tenantId: 't-a', serverId: 'default', clientId: 'app', userId: 'admin-user', id: randomId(), scopes: ['openid'], createdAt: NOW });
    const familyId = randomId();
    const tokens = [token({ grantId, createdAt: NOW + 10 }), token({ familyId, kind: 'refresh', createdAt: NOW + 11 }), token({ familyId, createdAt: NOW + 12 })];
    for (const t of tokens) await s().tokens.save(t);
    assert.equal(await s().admin.revokeGrant('t-a', grantId, NOW), true);
    assert.equal((await s().admin.findGrant('t-a', grantId))!.revokedAt, NOW);
    assert.equal((await s().tokens.find(tokens[0]!.hash))!.revokedAt, NOW);
    assert.equal(await s().admin.revokeToken('t-b', tokens[1]!.hash, NOW), false, 'not a token of t-b');
    assert.equal(await s().admin.revokeToken('t-a', tokens[1]!.hash, NOW), true);
    assert.equal((await s().tokens.find(tokens[2]!.hash))!.revokedAt, NOW, 'the family goes with the refresh token');
    const listed = await s().admin.listTokens('t-a', { createdAt: NOW + 13, hash: '' }, 3);
    assert.deepEqual(listed.map((t) => t.hash), [tokens[2]!.hash, tokens[1]!.hash, tokens[0]!.hash]);
  });

  it('appends audit entries and reads them newest first per tenant', async () => {
    const entry = (id: string, createdAt: number, tenantId = 't-a') => ({
      id, tenantId, actorTenantId: null, actorClientId: 'cli', action: 'client.create', target: 'app', details: { fields: ['name'] }, createdAt,
    });
    for (const e of [entry('e1', NOW), entry('e2', NOW + 1), entry('e3', NOW + 1), entry('e4', NOW, 't-b')]) await s().audit.append(e);
    const all = await s().audit.list('t-a', { createdAt: NOW + 100, id: '' }, 10);
    assert.deepEqual(all.map((e) => e.id), ['e3', 'e2', 'e1']);
    assert.deepEqual(all[0], entry('e3', NOW + 1));
    assert.deepEqual((await s().audit.list('t-a', { createdAt: NOW + 1, id: 'e3' }, 10)).map((e) => e.id), ['e2', 'e1']);
  });
}
