/**
 * RFC 6749 §3.1 / §3.2: request parameters must not be included more than once. Fastify parses a
 * repeated one as an array; the routes refuse it. Run through the app with `inject` (no socket),
 * on the in-memory ports of ./world.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { DEFAULT_CONFIG } from '../../../src/config/schema.js';
import { basic, pkce, PUBLIC_URL, S, T, world, type World } from './world.js';

describe('duplicated parameters', () => {
  let w: World;
  let app: FastifyInstance;
  before(async () => {
    w = await world();
    app = await buildApp({ config: { ...DEFAULT_CONFIG, logLevel: 'silent', publicUrl: PUBLIC_URL }, deps: w.deps });
    await app.ready();
  });
  after(() => app?.close());

  const authorize = (query: string) => app.inject({ method: 'GET', url: `/${T}/${S}/oauth2/authorize?${query}` });
  const valid = () => `client_id=spa&response_type=code&redirect_uri=${encodeURIComponent('https://spa.example.com/cb')}&code_challenge=${pkce().challenge}&code_challenge_method=S256`;

  it('RFC 6749 §3.2: a token request with a parameter sent twice is invalid_request (400)', async () => {
    const res = await app.inject({
      method: 'POST', url: `/${T}/${S}/oauth2/token`, headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('svc', w.secrets.svc!) },
      payload: 'grant_type=client_credentials&scope=read_inbox&scope=write_access',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error, 'invalid_request');
    assert.match(res.json().error_description, /scope/);
  });

  it('RFC 6749 §3.1: client_id or redirect_uri sent twice is an error page, never a redirect', async () => {
    for (const dup of ['client_id=spa', `redirect_uri=${encodeURIComponent('https://spa.example.com/cb')}`]) {
      const res = await authorize(`${valid()}&${dup}`);
      assert.equal(res.statusCode, 400, dup);
      assert.equal(res.headers.location, undefined);
      assert.match(res.body, /was sent more than once/);
    }
  });

  it('RFC 6749 §4.1.2.1: another parameter sent twice goes back to the client as invalid_request', async () => {
    const res = await authorize(`${valid()}&state=a&state=b`);
    assert.equal(res.statusCode, 302);
    const location = new URL(res.headers.location as string);
    assert.equal(location.origin + location.pathname, 'https://spa.example.com/cb');
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.match(location.searchParams.get('error_description')!, /"state" was sent more than once/);
  });
});
