/**
 * Storage contract, keys (run by contract.test.ts inside each backend's suite): a second row with
 * the key of an existing one is refused and the first stays as it was; a row whose parent does
 * not exist is refused. Expects tenant t-a with server `default` and client `app`.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Stores } from '../../src/core/ports.js';
import type { AuthorizationCode, TokenRecord } from '../../src/core/types.js';
import { randomId } from '../../src/crypto/random.js';

export function keyContract(
  s: () => Stores, NOW: number, code: (over?: Partial<AuthorizationCode>) => AuthorizationCode,
  token: (over?: Partial<TokenRecord>) => TokenRecord,
): void {
  it('refuses a second code, token, session, parked request, API key hash or audit entry with the same key; the first stays', async () => {
    const c = code();
    await s().codes.save(c);
    await assert.rejects(s().codes.save({ ...c, clientId: 'other' }));
    assert.equal((await s().codes.find(c.hash))!.clientId, c.clientId);
    const t = token();
    await s().tokens.save(t);
    await assert.rejects(s().tokens.save({ ...t, scope: 'other' }));
    assert.equal((await s().tokens.find(t.hash))!.scope, t.scope);
    const session = { hash: randomId(), tenantId: 't-a', userId: 'u1', authTime: NOW, expiresAt: NOW + 10 };
    await s().sessions.save(session);
    await assert.rejects(s().sessions.save({ ...session, userId: 'u2' }));
    assert.equal((await s().sessions.find(session.hash, NOW))!.userId, 'u1');
    const request = {
      tenantId: 't-a', serverId: 'default', clientId: 'app', redirectUri: 'https://app.example.com/cb', responseType: 'code' as const,
      scopes: [], state: null, codeChallenge: null, codeChallengeMethod: null, nonce: null, prompt: [], maxAge: null, policy: 'oauth2',
    };
    const interaction = { id: randomId(), request, createdAt: NOW, expiresAt: NOW + 60, ip: '192.0.2.50' };
    await s().interactions.save(interaction);
    await assert.rejects(s().interactions.save({ ...interaction, ip: '192.0.2.51' }));
    assert.equal((await s().interactions.find(interaction.id, NOW))!.ip, '192.0.2.50');
    const apiKey = {
      id: randomId(), tenantId: 't-a', serverId: 'default', clientId: 'app', name: 'dup', hash: randomId(), displayPrefix: 'pxk_d',
      createdAt: NOW, expiresAt: null, lastUsedAt: null, revokedAt: null,
    };
    await s().apiKeys.add(apiKey);
    // API keys are found by hash alone: the hash is unique.
    await assert.rejects(s().apiKeys.add({ ...apiKey, id: randomId(), name: 'dup-2' }));
    assert.equal((await s().apiKeys.findByHash(apiKey.hash))!.id, apiKey.id);
    await s().apiKeys.deleteByName('t-a', 'default', 'app', ['dup']);
    const entry = { id: randomId(), tenantId: 't-a', actorTenantId: null, actorClientId: 'cli', action: 'x', target: 'y', details: {}, createdAt: NOW };
    await s().audit.append(entry);
    await assert.rejects(s().audit.append({ ...entry, action: 'z' }));
  });

  it('refuses a client of a server, or a secret or API key of a client, that does not exist', async () => {
    const secret = { id: randomId(), name: 'orphan', hash: randomId(), displayPrefix: 'pxs_o', createdAt: NOW, expiresAt: null, lastUsedAt: null, revokedAt: null };
    await assert.rejects(s().clients.addSecret('t-a', 'default', 'no-such-client', secret));
    await assert.rejects(s().apiKeys.add({ ...secret, tenantId: 't-a', serverId: 'default', clientId: 'no-such-client' }));
    const orphan = { ...(await s().clients.find('t-a', 'default', 'app'))!, serverId: 'no-such-server', clientId: 'orphan' };
    await assert.rejects(s().clients.upsert(orphan, NOW));
    assert.equal(await s().clients.find('t-a', 'no-such-server', 'orphan'), null);
  });
}
