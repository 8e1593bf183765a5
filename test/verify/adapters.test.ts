import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { createVerifier, expressAuth, fastifyAuth, type FastifyLikeRequest, type Verifier } from '../../packages/verify/src/index.js';
import { API_CLIENT, API_SECRET, clientToken, startClientToolsServer, type ClientToolsServer } from '../helpers/client-tools.js';

let t: ClientToolsServer;
let verifier: Verifier;
before(async () => {
  t = await startClientToolsServer();
  verifier = createVerifier({ issuer: t.server.issuer, introspection: { clientId: API_CLIENT, clientSecret: API_SECRET } });
});
after(async () => { await t.server.close(); });

/** The same three checks for each framework: no token, a good token, a token without the scope. */
async function checkApi(base: string): Promise<void> {
  const none = await fetch(`${base}/inbox`);
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="api"');

  const token = await clientToken(t.server, 'read_inbox');
  const ok = await fetch(`${base}/inbox`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), { client: 'app-confidential', scopes: ['read_inbox'] });

  const query = await fetch(`${base}/inbox?access_token=${token}`);
  assert.equal(query.status, 200, 'allowQueryToken accepts ?access_token=');
  const both = await fetch(`${base}/inbox?access_token=${token}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(both.status, 400, 'RFC 6750 §2: one method per request');

  const write = await fetch(`${base}/write`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  assert.equal(write.status, 403);
  assert.match(write.headers.get('www-authenticate')!, /error="insufficient_scope".*scope="write_access"/);
  assert.equal((await write.json()).error, 'insufficient_scope');

  const bad = await fetch(`${base}/inbox`, { headers: { authorization: `Bearer ${token.slice(0, -4)}AAAA` } });
  assert.equal(bad.status, 401);
  assert.match(bad.headers.get('www-authenticate')!, /error="invalid_token"/);
}

describe('framework adapters', () => {
  it('Fastify preHandler: 401 with a bare challenge, 200 with request.auth, 403 insufficient_scope', async () => {
    const app = Fastify();
    app.get('/inbox', { preHandler: fastifyAuth(verifier, { scopes: ['read_inbox'], allowQueryToken: true }) },
      async (request) => ({ client: (request as FastifyLikeRequest).auth!.clientId, scopes: (request as FastifyLikeRequest).auth!.scopes }));
    app.post('/write', { preHandler: fastifyAuth(verifier, { scopes: ['write_access'] }) }, async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await checkApi(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
    } finally {
      await app.close();
    }
  });

  it('Express middleware: the same answers', async () => {
    const app = express();
    app.get('/inbox', expressAuth(verifier, { scopes: ['read_inbox'], allowQueryToken: true }), (req, res) => {
      const auth = (req as unknown as FastifyLikeRequest).auth!;
      res.json({ client: auth.clientId, scopes: auth.scopes });
    });
    app.post('/write', expressAuth(verifier, { scopes: ['write_access'] }), (_req, res) => { res.json({ ok: true }); });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      await checkApi(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
