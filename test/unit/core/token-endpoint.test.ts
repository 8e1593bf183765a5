/** The token endpoint's own rules (RFC 6749 §2.3, §3.2, §5.2), before any grant runs: unit tests on in-memory ports. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidClient } from '../../../src/core/errors.js';
import { basic, ISSUER, rejectsWith, T, S, world } from './world.js';

describe('token endpoint', () => {
  it('RFC 6749 §4.1.3: grant_type is required (invalid_request)', async () => {
    const w = await world();
    await rejectsWith(w.tokenAs('web', {}), 'invalid_request', /grant_type is required/);
  });

  it('RFC 6749 §5.2: an unknown grant_type is unsupported_grant_type', async () => {
    const w = await world();
    await rejectsWith(w.tokenAs('web', { grant_type: 'password', username: 'bob', password: 'x' }), 'unsupported_grant_type');
  });

  it('RFC 9700 §2.4 / OAuth 2.1: the password and implicit grants are not served at the token endpoint', async () => {
    const w = await world();
    await rejectsWith(w.tokenAs('web', { grant_type: 'implicit' }), 'unsupported_grant_type');
    await rejectsWith(w.tokenAs('web', { grant_type: 'password' }), 'unsupported_grant_type');
  });

  it('RFC 6749 §5.2: a client may only use the grant types it registered (unauthorized_client)', async () => {
    const w = await world();
    await rejectsWith(w.tokenAs('post', { grant_type: 'client_credentials' }), 'unauthorized_client', /client_credentials/);
    await rejectsWith(w.tokenAs('svc', { grant_type: 'refresh_token', refresh_token: 'x' }), 'unauthorized_client');
  });

  it('RFC 6749 §2.3: a client uses one authentication method, not Basic and client_secret both (invalid_request)', async () => {
    const w = await world();
    await rejectsWith(w.token({ grant_type: 'client_credentials', client_secret: w.secrets.web }, basic('web', w.secrets.web!)),
      'invalid_request', /one client authentication method/);
  });

  it('RFC 6749 §2.3.1: a client_id in the body must match the Basic credentials (invalid_client)', async () => {
    const w = await world();
    await rejectsWith(w.token({ grant_type: 'client_credentials', client_id: 'svc' }, basic('web', w.secrets.web!)), 'invalid_client');
  });

  it('RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64 (an id with ":" and " ")', async () => {
    const w = await world();
    await w.addClient({ clientId: 'a:b c', grantTypes: ['client_credentials'], scopes: ['read_inbox'] });
    const answer = await w.token({ grant_type: 'client_credentials' }, basic('a:b c', w.secrets['a:b c']!));
    assert.equal(answer.scope, 'read_inbox');
  });

  it('RFC 7617: a Basic header without ":" is malformed (invalid_client)', async () => {
    const w = await world();
    await rejectsWith(w.token({ grant_type: 'client_credentials' }, `Basic ${Buffer.from('web').toString('base64')}`), 'invalid_client', /malformed/);
  });

  it('RFC 6749 §5.2: no client_id at all is invalid_client', async () => {
    const w = await world();
    await rejectsWith(w.token({ grant_type: 'client_credentials' }), 'invalid_client', /client_id is missing/);
  });

  it('RFC 6749 §5.2: an unknown client is invalid_client, 401, with the issuer as the Basic realm (RFC 9110 §11.6.1)', async () => {
    const w = await world();
    await assert.rejects(w.token({ grant_type: 'client_credentials' }, basic('nobody', 'x')), (err: InvalidClient) => {
      assert.equal(err.error, 'invalid_client');
      assert.equal(err.status, 401);
      assert.equal(err.realm, ISSUER);
      return true;
    });
  });

  it('RFC 6749 §2.3.1: a wrong client secret is invalid_client', async () => {
    const w = await world();
    await rejectsWith(w.token({ grant_type: 'client_credentials' }, basic('web', `${w.secrets.web}x`)), 'invalid_client', /wrong or expired/);
  });

  it('RFC 6749 §2.3.1: an expired or revoked secret no longer authenticates', async () => {
    const w = await world();
    await w.stores.clients.setSecretExpiry(T, S, 'web', 'sec-web', w.clock.now() + 10);
    await w.token({ grant_type: 'client_credentials' }, basic('web', w.secrets.web!));
    w.clock.advance(10);
    await rejectsWith(w.token({ grant_type: 'client_credentials' }, basic('web', w.secrets.web!)), 'invalid_client');
    await w.stores.clients.setSecretExpiry(T, S, 'web', 'sec-web', null);
    await w.token({ grant_type: 'client_credentials' }, basic('web', w.secrets.web!));
    await w.stores.clients.revokeSecret(T, S, 'web', 'sec-web', w.clock.now());
    await rejectsWith(w.token({ grant_type: 'client_credentials' }, basic('web', w.secrets.web!)), 'invalid_client');
  });

  it('RFC 6749 §2.3.1: any live secret of the client authenticates, and its last use is recorded', async () => {
    const w = await world();
    const before = (await w.stores.clients.listSecrets(T, S, 'web'))[0]!;
    assert.equal(before.lastUsedAt, null);
    await w.token({ grant_type: 'client_credentials' }, basic('web', w.secrets.web!));
    assert.equal((await w.stores.clients.listSecrets(T, S, 'web'))[0]!.lastUsedAt, w.clock.now());
  });

  it('RFC 7591 §2: a client registered for client_secret_basic may not send its secret in the body (invalid_client)', async () => {
    const w = await world();
    await rejectsWith(w.token({ grant_type: 'client_credentials', client_id: 'web', client_secret: w.secrets.web }), 'invalid_client',
      /registered with token_endpoint_auth_method client_secret_basic/);
  });

  it('RFC 7591 §2: a client registered for client_secret_post may not use Basic (invalid_client)', async () => {
    const w = await world();
    await rejectsWith(w.token({ grant_type: 'authorization_code', code: 'x' }, basic('post', w.secrets.post!)), 'invalid_client', /client_secret_post/);
  });

  it('RFC 6749 §2.1: a public client presenting a secret is refused (invalid_client)', async () => {
    const w = await world();
    await rejectsWith(w.token({ grant_type: 'authorization_code', code: 'x', client_id: 'spa', client_secret: 'anything' }), 'invalid_client', /public client/);
  });

  it('RFC 6749 §3.2.1: a confidential client must authenticate (no secret: invalid_client)', async () => {
    const w = await world();
    await rejectsWith(w.token({ grant_type: 'client_credentials', client_id: 'web' }), 'invalid_client', /client_secret_basic/);
  });

  it('RFC 6749 §3.2: parameters the grant did not declare are stripped (a scope on a code exchange changes nothing)', async () => {
    const w = await world();
    const issued = await w.code('web', { scope: 'read_inbox' });
    const answer = await w.exchange('web', issued, { scope: 'write_access' });
    assert.equal(answer.scope, 'read_inbox');
  });
});
