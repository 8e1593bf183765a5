/** Hostile and random input to every OAuth endpoint: never a 5xx, never a stack trace (issue 5). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { CONFIDENTIAL_CLIENT, PUBLIC_CLIENT, REDIRECT_URI } from '../helpers/fixture.js';
import { basic } from '../helpers/flow.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let s: TestServer;
before(async () => { s = await startTestServer(); });
after(async () => { await s.close(); });

const NAMES = ['grant_type', 'code', 'redirect_uri', 'code_verifier', 'client_id', 'client_secret', 'refresh_token', 'scope', 'token',
  'token_type_hint', 'response_type', 'state', 'code_challenge', 'code_challenge_method', 'nonce', 'prompt', 'max_age'];
const VALUES = ['authorization_code', 'refresh_token', 'client_credentials', 'urn:pixie:grant-type:challenge-code', PUBLIC_CLIENT,
  CONFIDENTIAL_CLIENT, REDIRECT_URI, 'S256', 'plain', 'none', 'code', 'token', 'openid', 'pxat_x', 'pxrt_', 'eyJ.eyJ.sig', '', '%00',
  '\u0000', '../../etc/passwd', "' OR 1=1 --", '<script>alert(1)</script>', 'a'.repeat(5000), '{"a":1}', '-1', '99999999999999999999'];

const paramName = fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 20 }));
const paramValue = fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 50 }));
const pairs = fc.array(fc.tuple(paramName, paramValue), { maxLength: 12 });
const contentType = fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', '');
const authHeader = fc.oneof(fc.constant(undefined), fc.constant(basic()), fc.constant('Basic %%%'), fc.constant('Basic '),
  fc.string({ maxLength: 40 }).map((x) => `Basic ${Buffer.from(x).toString('base64')}`), fc.string({ maxLength: 60 }));

function encode(p: [string, string][]): string {
  return p.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

function assertSafe(status: number, body: string, what: string): void {
  assert.ok(status < 500, `${what} answered ${status}: ${body.slice(0, 300)}`);
  assert.doesNotMatch(body, /\n\s+at [\w.<>]+ \(|node_modules|\.ts:\d+/, `${what} leaked a stack trace`);
}

describe('hostile input', () => {
  for (const path of ['oauth2/token', 'oauth2/introspect', 'oauth2/revoke']) {
    it(`POST /${path} never answers 5xx or a stack trace`, async () => {
      await fc.assert(fc.asyncProperty(pairs, contentType, authHeader, fc.boolean(), async (p, type, auth, raw) => {
        const headers: Record<string, string> = {};
        if (type) headers['content-type'] = type;
        if (auth !== undefined) headers.authorization = auth;
        const body = raw ? p.map(([k, v]) => `${k}=${v}`).join('&') : encode(p);
        const res = await fetch(`${s.issuer}/${path}`, { method: 'POST', headers, body });
        assertSafe(res.status, await res.text(), path);
      }), { numRuns: 400 });
    });
  }

  it('GET /oauth2/authorize never answers 5xx or a stack trace, and never redirects to an unregistered URI', async () => {
    await fc.assert(fc.asyncProperty(pairs, fc.boolean(), async (p, withClient) => {
      const all: [string, string][] = withClient ? [['client_id', PUBLIC_CLIENT], ['response_type', 'code'], ...p] : p;
      const res = await fetch(`${s.issuer}/oauth2/authorize?${encode(all)}`, { redirect: 'manual' });
      assertSafe(res.status, await res.text(), 'authorize');
      const location = res.headers.get('location');
      if (location && !location.startsWith('/login') && !location.startsWith('/consent')) {
        assert.ok(location.startsWith('http://127.0.0.1/callback'), `redirected to ${location}`);
      }
    }), { numRuns: 500 });
  });

  it('other routes with random paths and bodies never answer 5xx', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.stringMatching(/^[a-z0-9.%-]{0,12}$/), { minLength: 1, maxLength: 4 }), pairs, async (segments, p) => {
      const url = `${s.url}/${segments.join('/')}`;
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: encode(p) });
      assertSafe(res.status, await res.text(), url);
    }), { numRuns: 300 });
  });
});
