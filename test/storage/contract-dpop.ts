/**
 * Storage contract for DPoP (RFC 9449), run by contract.test.ts inside each backend's suite:
 * proof ids used once per server (atomically, whoever races), purged once expired, and the key
 * thumbprints codes, tokens, parked requests and clients carry. Expects tenants t-a and t-b
 * with server `default` and client `app`.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Stores } from '../../src/core/ports.js';
import type { AuthorizationCode, Client, TokenRecord } from '../../src/core/types.js';
import { randomId } from '../../src/crypto/random.js';

const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

export function dpopContract(
  s: () => Stores, NOW: number, client: (t: string, id: string, over?: Partial<Client>) => Client,
  code: (over?: Partial<AuthorizationCode>) => AuthorizationCode, token: (over?: Partial<TokenRecord>) => TokenRecord,
): void {
  it('uses a DPoP proof id once per server; 20 concurrent uses succeed once', async () => {
    const jti = randomId();
    assert.equal(await s().dpopJtis.use('t-a', 'default', jti, NOW + 70), true);
    assert.equal(await s().dpopJtis.use('t-a', 'default', jti, NOW + 70), false, 'a replay');
    assert.equal(await s().dpopJtis.use('t-b', 'default', jti, NOW + 70), true, 'another tenant is another server');
    const race = randomId();
    const results = await Promise.all(Array.from({ length: 20 }, () => s().dpopJtis.use('t-a', 'default', race, NOW + 70)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('purges DPoP proof ids once they expired, and only those', async () => {
    const P = NOW + 2_000_000; // past everything the other tests wrote
    const [gone, kept] = [randomId(), randomId()];
    await s().dpopJtis.use('t-a', 'default', gone, P - 1);
    await s().dpopJtis.use('t-a', 'default', kept, P + 1);
    const counts = await s().purge.purgeExpired({ expiredBefore: P - 3600, loginFailuresBefore: P - 3600, now: P });
    assert.ok(counts.dpopJtis >= 1, JSON.stringify(counts));
    assert.equal(await s().dpopJtis.use('t-a', 'default', gone, P + 70), true, 'forgotten once purged');
    assert.equal(await s().dpopJtis.use('t-a', 'default', kept, P + 70), false, 'not expired: still remembered');
  });

  it('keeps the DPoP thumbprint of codes, tokens and parked requests, and the client flag', async () => {
    const c = code({ dpopJkt: JKT });
    await s().codes.save(c);
    assert.equal((await s().codes.find(c.hash))!.dpopJkt, JKT);
    assert.equal((await s().codes.consume(c.hash, NOW))!.dpopJkt, JKT);
    const plain = code();
    await s().codes.save(plain);
    assert.equal('dpopJkt' in (await s().codes.find(plain.hash))!, false, 'absent when unbound');
    const t = token({ dpopJkt: JKT, kind: 'refresh', familyId: randomId() });
    await s().tokens.save(t);
    assert.deepEqual(await s().tokens.find(t.hash), t);
    assert.equal((await s().tokens.consume(t.hash, NOW))!.dpopJkt, JKT);
    const bearer = token();
    await s().tokens.save(bearer);
    assert.deepEqual(await s().tokens.find(bearer.hash), bearer);
    const id = randomId();
    await s().interactions.save({
      id, createdAt: NOW, expiresAt: NOW + 600,
      request: {
        tenantId: 't-a', serverId: 'default', clientId: 'app', redirectUri: 'https://app.example.com/cb', redirectUriGiven: true, responseType: 'code',
        scopes: ['openid'], state: null, codeChallenge: 'abc', codeChallengeMethod: 'S256', nonce: null, prompt: [], maxAge: null, policy: 'oauth2', dpopJkt: JKT,
      },
    });
    assert.equal((await s().interactions.find(id, NOW))!.request.dpopJkt, JKT);
    const bound = client('t-a', 'dpop-app', { dpopBoundAccessTokens: true });
    await s().clients.upsert(bound, NOW);
    assert.deepEqual(await s().clients.find('t-a', 'default', 'dpop-app'), bound);
    await s().clients.upsert(client('t-a', 'dpop-app'), NOW);
    assert.equal((await s().clients.find('t-a', 'default', 'dpop-app'))!.dpopBoundAccessTokens, undefined, 'absent when false');
  });
}
