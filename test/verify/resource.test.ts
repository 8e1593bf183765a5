/**
 * @pixie-auth/verify and RFC 9728 / RFC 8707: the protected-resource metadata helper (Fastify and
 * Express), the verifier's `resource` option (aud must name the API) for JWT and opaque tokens,
 * and the challenges that point to the metadata.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import {
  createVerifier, expressAuth, fastifyAuth, protectedResource, protectedResourceMetadataUrl,
} from '../../packages/verify/src/index.js';
import { buildResourceApi } from '../../examples/resource-api/app.js';
import { API_CLIENT, API_SECRET, basic, clientToolsImport, OPAQUE_SUFFIX } from '../helpers/client-tools.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rejection } from '../helpers/verify.js';

const API = 'https://api.example.com/v1';
const OTHER = 'https://other.example.com/';

let s: TestServer;
before(async () => {
  const file = clientToolsImport();
  for (const server of file.tenants[0]!.servers!) server.resources = [{ uri: API }, { uri: OTHER }];
  s = await startTestServer({ imports: [file] });
});
after(async () => { await s.close(); });

async function token(resource?: string, issuer = s.issuer, scope = 'read_inbox'): Promise<string> {
  const secret = issuer.endsWith('/opaque') ? CONFIDENTIAL_SECRET + OPAQUE_SUFFIX : CONFIDENTIAL_SECRET;
  const res = await fetch(`${issuer}/oauth2/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(CONFIDENTIAL_CLIENT, secret) },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope, ...(resource ? { resource } : {}) }),
  });
  const body = await res.json() as { access_token: string };
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token;
}

describe('protected-resource metadata (RFC 9728)', () => {
  it('puts the resource\'s path after the well-known prefix (§3.1)', () => {
    assert.equal(protectedResourceMetadataUrl('https://api.example.com/v1'), 'https://api.example.com/.well-known/oauth-protected-resource/v1');
    assert.equal(protectedResourceMetadataUrl('https://api.example.com/'), 'https://api.example.com/.well-known/oauth-protected-resource');
    assert.equal(protectedResourceMetadataUrl('https://api.example.com'), 'https://api.example.com/.well-known/oauth-protected-resource');
    assert.throws(() => protectedResource({ resource: 'https://api.example.com/#x', authorizationServers: [s.issuer] }), /fragment/);
    assert.throws(() => protectedResource({ resource: '/v1', authorizationServers: [s.issuer] }), /absolute/);
  });

  it('serves the document with Fastify and Express', async () => {
    const prm = protectedResource({ resource: API, authorizationServers: [s.issuer], scopes: ['read_inbox'], bearerMethods: ['header'] });
    const expected = { resource: API, authorization_servers: [s.issuer], scopes_supported: ['read_inbox'], bearer_methods_supported: ['header'] };
    assert.deepEqual(prm.metadata, expected);
    assert.equal(prm.path, '/.well-known/oauth-protected-resource/v1');

    const fastify = Fastify();
    prm.fastify(fastify);
    const f = await fastify.inject({ method: 'GET', url: prm.path });
    assert.equal(f.statusCode, 200);
    assert.deepEqual(f.json(), expected);
    assert.equal(f.headers['access-control-allow-origin'], '*');
    await fastify.close();

    const app = express();
    app.use(prm.express());
    app.get('/other', (_req, res) => { res.send('next'); });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const e = await fetch(`${base}${prm.path}`);
      assert.equal(e.status, 200);
      assert.deepEqual(await e.json(), expected);
      assert.equal(await (await fetch(`${base}/other`)).text(), 'next');
    } finally {
      server.close();
    }
  });
});

describe('the verifier\'s resource option (RFC 8707 audience)', () => {
  it('accepts a JWT for the resource, refuses one for another resource or for the whole server', async () => {
    const verifier = createVerifier({ issuer: s.issuer, resource: API });
    assert.equal(verifier.resourceMetadataUrl, 'https://api.example.com/.well-known/oauth-protected-resource/v1');
    const who = await verifier.verify(await token(API), { scopes: ['read_inbox'] });
    assert.equal(who.claims.aud, API);
    for (const other of [await token(OTHER), await token()]) {
      const err = await rejection(verifier.verify(other));
      assert.equal(err.reason, 'audience');
      assert.equal(err.status, 401);
    }
  });

  it('checks introspection answers the same way (opaque tokens carry aud in introspection)', async () => {
    const issuer = `${s.url}/default/opaque`;
    const verifier = createVerifier({ issuer, resource: API, introspection: { clientId: API_CLIENT, clientSecret: API_SECRET + OPAQUE_SUFFIX } });
    const who = await verifier.verify(await token(API, issuer));
    assert.equal(who.method, 'introspection');
    assert.equal(who.claims.aud, API);
    for (const other of [await token(OTHER, issuer), await token(undefined, issuer)]) {
      assert.equal((await rejection(verifier.verify(other))).reason, 'audience');
    }
  });

  it('adapters point 401s to the metadata and name the scopes; insufficient scope stays 403', async () => {
    const verifier = createVerifier({ issuer: s.issuer, resource: API });
    const app = Fastify();
    app.get('/inbox', { preHandler: fastifyAuth(verifier, { scopes: ['read_inbox'] }) }, async () => ({ ok: true }));
    app.get('/write', { preHandler: fastifyAuth(verifier, { scopes: ['write_access'] }) }, async () => ({ ok: true }));
    const metadata = 'resource_metadata="https://api.example.com/.well-known/oauth-protected-resource/v1"';

    const none = await app.inject({ method: 'GET', url: '/inbox' });
    assert.equal(none.statusCode, 401);
    assert.equal(none.headers['www-authenticate'], `Bearer realm="api", ${metadata}, scope="read_inbox"`);

    const foreign = await app.inject({ method: 'GET', url: '/inbox', headers: { authorization: `Bearer ${await token(OTHER)}` } });
    assert.equal(foreign.statusCode, 401);
    assert.match(String(foreign.headers['www-authenticate']), new RegExp(`^Bearer realm="api", ${metadata.replace(/[./]/g, '\\$&')}, error="invalid_token", error_description="[^"]+", scope="read_inbox"$`));

    const mine = await token(API);
    assert.equal((await app.inject({ method: 'GET', url: '/inbox', headers: { authorization: `Bearer ${mine}` } })).statusCode, 200);
    const write = await app.inject({ method: 'GET', url: '/write', headers: { authorization: `Bearer ${mine}` } });
    assert.equal(write.statusCode, 403);
    assert.match(String(write.headers['www-authenticate']), /error="insufficient_scope".*scope="write_access"/);
    await app.close();

    const ex = express();
    ex.get('/inbox', expressAuth(verifier, { scopes: ['read_inbox'] }), (_req, res) => { res.json({ ok: true }); });
    const server = ex.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/inbox`);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), `Bearer realm="api", ${metadata}, scope="read_inbox"`);
    } finally {
      server.close();
    }
  });
});

describe('example resource API with a resource URI', () => {
  it('serves its metadata and accepts only tokens issued for it', async () => {
    const resource = 'https://api.example.com/v1';
    const api = buildResourceApi({ verifier: { issuer: s.issuer, introspection: { clientId: API_CLIENT, clientSecret: API_SECRET } }, resource });
    try {
      const prm = await api.inject({ method: 'GET', url: '/.well-known/oauth-protected-resource/v1' });
      assert.equal(prm.statusCode, 200);
      assert.equal(prm.json().resource, resource);
      assert.deepEqual(prm.json().authorization_servers, [s.issuer]);
      const missing = await api.inject({ method: 'GET', url: '/2.3/me' });
      assert.equal(missing.statusCode, 401);
      assert.match(String(missing.headers['www-authenticate']), /resource_metadata="https:\/\/api\.example\.com\/\.well-known\/oauth-protected-resource\/v1"/);
    } finally {
      await api.close();
    }
  });
});
