import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkScopes, defaultScopes, parseScope, serverScopes } from '../../src/core/scope.js';
import { resolveSettings } from '../../src/core/settings.js';
import type { Client } from '../../src/core/types.js';
import { OAuthError } from '../../src/core/errors.js';

const server = { tenantId: 't', id: 'default', settings: resolveSettings({}), customScopes: [{ name: 'orders:read', description: 'Read your orders' }] };
const client = { clientId: 'c', scopes: ['openid', 'read_inbox', 'offline_access', 'no_expiry', 'orders:read'] } as Client;

describe('scopes (RFC 6749 §3.3, SPEC §4.4)', () => {
  it('splits on spaces, and on commas for the Stack Exchange dialect', () => {
    assert.deepEqual(parseScope('openid  profile'), ['openid', 'profile']);
    assert.deepEqual(parseScope('read_inbox,no_expiry'), ['read_inbox,no_expiry']);
    assert.deepEqual(parseScope('read_inbox,no_expiry write_access', true), ['read_inbox', 'no_expiry', 'write_access']);
    assert.deepEqual(parseScope(undefined), []);
    assert.deepEqual(parseScope('openid openid'), ['openid']);
  });
  it('rejects characters outside the scope-token grammar with invalid_scope', () => {
    assert.throws(() => parseScope('open"id'), (e: OAuthError) => e.error === 'invalid_scope');
    assert.throws(() => parseScope('a\\b'), (e: OAuthError) => e.error === 'invalid_scope');
  });
  it('knows built-in, Stack Exchange and server-defined scopes with descriptions', () => {
    const known = serverScopes(server);
    for (const s of ['openid', 'profile', 'email', 'offline_access', 'read_inbox', 'no_expiry', 'write_access', 'private_info', 'orders:read']) {
      assert.ok(known.get(s), s);
    }
    assert.equal(known.has('manage_configuration'), false);
    assert.ok(serverScopes({ ...server, id: 'admin' }).get('manage_configuration'));
  });
  it('refuses scopes outside the client list or unknown to the server with invalid_scope', () => {
    const known = serverScopes(server);
    assert.doesNotThrow(() => checkScopes(['openid', 'orders:read'], client, known));
    assert.throws(() => checkScopes(['write_access'], client, known), (e: OAuthError) => e.error === 'invalid_scope' && /not allowed/.test(e.description));
    assert.throws(() => checkScopes(['nope'], { ...client, scopes: ['nope'] }, known), (e: OAuthError) => /unknown scope/.test(e.description));
  });
  it('defaults to the client scopes without the ones that lengthen a token life', () => {
    assert.deepEqual(defaultScopes(client), ['openid', 'read_inbox', 'orders:read']);
  });
});
