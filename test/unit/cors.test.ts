import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientAllowsOrigin, OriginSet, originsOf, requestClientId, serverAllowsOrigin } from '../../src/core/cors.js';
import type { ClientOriginSource } from '../../src/core/ports.js';

const client = (redirectUris: string[], allowedOrigins: string[] = []) => ({ redirectUris, allowedOrigins });

describe('CORS origins of a client', () => {
  it('takes the origins of http(s) redirect URIs and the allowed origins, nothing of native schemes', () => {
    assert.deepEqual(originsOf(client(
      ['https://app.example.com/cb', 'https://app.example.com/other', 'https://app.example.com:8443/cb', 'com.example.app:/cb', 'http://localhost:3000/cb'],
      ['https://spa.example.net'],
    )), ['https://app.example.com', 'https://app.example.com:8443', 'http://localhost:3000', 'https://spa.example.net']);
  });

  it('matches exactly: scheme, host and port', () => {
    const c = client(['https://app.example.com/cb'], ['https://spa.example.net:8443']);
    assert.equal(clientAllowsOrigin(c, 'https://app.example.com'), true);
    assert.equal(clientAllowsOrigin(c, 'https://spa.example.net:8443'), true);
    for (const bad of [
      'http://app.example.com', 'https://app.example.com:443x', 'https://app.example.com/', 'https://APP.example.com',
      'https://sub.app.example.com', 'https://app.example.com.evil.com', 'https://spa.example.net', 'null', '', 'https://app.example.com:8443',
    ]) assert.equal(clientAllowsOrigin(c, bad), false, bad);
  });

  it('lets a loopback redirect URI stand for any port of that loopback host (RFC 8252 §7.3), as redirects do', () => {
    const c = client(['http://127.0.0.1/callback', 'http://[::1]:8080/cb']);
    for (const ok of ['http://127.0.0.1', 'http://127.0.0.1:5173', 'http://[::1]', 'http://[::1]:4000']) assert.equal(clientAllowsOrigin(c, ok), true, ok);
    for (const bad of ['https://127.0.0.1:5173', 'http://localhost:5173', 'http://127.0.0.2:5173', 'http://127.0.0.1:*', 'http://127.0.0.1:5173/']) {
      assert.equal(clientAllowsOrigin(c, bad), false, bad);
    }
  });

  it('keeps allowed_origins on loopback exact (port included)', () => {
    const c = client([], ['http://127.0.0.1:5173']);
    assert.equal(clientAllowsOrigin(c, 'http://127.0.0.1:5173'), true);
    assert.equal(clientAllowsOrigin(c, 'http://127.0.0.1:5174'), false);
  });

  it('answers for a whole server from one set built once per store answer', async () => {
    const sources: ClientOriginSource[] = [client(['https://a.example.com/cb']), client(['http://127.0.0.1/cb'], ['https://b.example.com'])];
    let calls = 0;
    const store = { listOriginSources: async () => { calls++; return sources; } };
    assert.equal(await serverAllowsOrigin(store, 't', 's', 'https://a.example.com'), true);
    assert.equal(await serverAllowsOrigin(store, 't', 's', 'https://b.example.com'), true);
    assert.equal(await serverAllowsOrigin(store, 't', 's', 'http://127.0.0.1:9999'), true);
    assert.equal(await serverAllowsOrigin(store, 't', 's', 'https://c.example.com'), false);
    assert.equal(calls, 4);
    const big = new OriginSet(Array.from({ length: 10_000 }, (_, i) => `https://app${i}.example.com`));
    assert.equal(big.size, 10_000);
    assert.equal(big.has('https://app9999.example.com'), true);
  });
});

describe('the client a token or revocation request names', () => {
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  it('reads Basic (form-urlencoded user name) before client_id', () => {
    assert.equal(requestClientId({ client_id: 'body' }, basic('my%20app', 's')), 'my app');
    assert.equal(requestClientId({ client_id: 'body' }, undefined), 'body');
    assert.equal(requestClientId({ client_id: 'body' }, 'Bearer x'), 'body');
  });
  it('is null when there is none or it is malformed', () => {
    assert.equal(requestClientId({}, undefined), null);
    assert.equal(requestClientId({ client_id: '' }, undefined), null);
    assert.equal(requestClientId({ client_id: ['a', 'b'] }, undefined), null);
    assert.equal(requestClientId({}, `Basic ${Buffer.from('no-colon').toString('base64')}`), null);
    assert.equal(requestClientId({}, basic('%E0%A4%A', 's')), null);
  });
});
