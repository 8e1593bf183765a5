/**
 * CORS as Chromium enforces it (headless, through playwright-core): pages served from other
 * 127.0.0.1 ports call Pixie with fetch(). Discovery and JWKS work from anywhere; the token
 * endpoint and userinfo answer an origin of the app (here from its allowed_origins), while an
 * unlisted origin, or the origin of another app of the same server, gets a TypeError: the browser
 * withholds the response. test/http/cors.test.ts checks the headers themselves.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { FIXTURE, USER } from '../helpers/fixture.js';
import { launchChromium, NO_CHROMIUM } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

const skip = NO_CHROMIUM ? `browser tests SKIPPED: ${NO_CHROMIUM}` : false;
/** Registered, but not where the browser app runs: only allowed_origins lets the test pages in. */
const REDIRECT_URI = 'https://spa.example.com/callback';

/** A site on its own 127.0.0.1 port: a blank page to run fetch() from. */
async function site(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

let s: TestServer;
let issuer: string;
let browser: Browser;
let sites: Awaited<ReturnType<typeof site>>[] = [];
let appOrigin: string;
let otherAppOrigin: string;
let unlistedOrigin: string;

before(async () => {
  if (skip) return;
  sites = [await site(), await site(), await site()];
  [appOrigin, otherAppOrigin, unlistedOrigin] = sites.map((x) => x.origin) as [string, string, string];
  s = await startTestServer({
    imports: [FIXTURE, {
      tenants: [{
        id: 'default',
        // Its own server: FIXTURE's clients register http://127.0.0.1/callback, which allows every loopback port.
        servers: [{
          id: 'browser',
          clients: [
            {
              client_id: 'spa', client_name: 'Browser app', public: true, grant_types: ['authorization_code'],
              redirect_uris: [REDIRECT_URI], allowed_origins: [appOrigin], scopes: ['openid', 'profile'],
            },
            { client_id: 'other-spa', public: true, grant_types: ['authorization_code'], redirect_uris: ['https://other.example.com/cb'], allowed_origins: [otherAppOrigin] },
          ],
        }],
      }],
    }],
  });
  issuer = `${s.url}/default/browser`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  for (const x of sites) x.server.close();
  await s?.close();
});

interface FetchOutcome { ok: true; status: number; body: Record<string, unknown> }
type Outcome = FetchOutcome | { ok: false; error: string };

/** fetch() inside the page at `origin`, as the app's own script would. */
async function fetchFrom(origin: string, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Outcome> {
  const page: Page = await browser.newPage();
  try {
    await page.goto(`${origin}/`);
    return await page.evaluate(async ({ url, init }) => {
      try {
        const res = await fetch(url, init);
        return { ok: true as const, status: res.status, body: await res.json() as Record<string, unknown> };
      } catch (err) {
        return { ok: false as const, error: `${(err as Error).name}: ${(err as Error).message}` };
      }
    }, { url, init });
  } finally {
    await page.close();
  }
}

async function codeForSpa(): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkce();
  const ua = new UserAgent(s.url);
  const back = await ua.authorize(`${issuer}/oauth2/authorize?${new URLSearchParams({
    response_type: 'code', client_id: 'spa', redirect_uri: REDIRECT_URI, scope: 'openid profile', state: 'st',
    code_challenge: challenge, code_challenge_method: 'S256',
  })}`, USER);
  return { code: back.searchParams.get('code')!, verifier };
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };

function assertBlocked(outcome: Outcome, what: string): void {
  assert.equal(outcome.ok, false, `${what}: the browser should withhold the response`);
  assert.match((outcome as { error: string }).error, /^TypeError/, what);
}

describe('CORS in Chromium', { skip }, () => {
  it('discovery and JWKS are readable from any origin', async () => {
    for (const origin of [appOrigin, unlistedOrigin]) {
      const meta = await fetchFrom(origin, `${issuer}/.well-known/openid-configuration`);
      assert.ok(meta.ok, JSON.stringify(meta));
      assert.equal(meta.body.issuer, issuer);
      const jwks = await fetchFrom(origin, `${issuer}/.well-known/jwks.json`);
      assert.ok(jwks.ok && Array.isArray(jwks.body.keys), JSON.stringify(jwks));
    }
  });

  it('the app\'s origin exchanges its code at the token endpoint and reads userinfo (a preflighted request)', async () => {
    const { code, verifier } = await codeForSpa();
    const body = new URLSearchParams({ grant_type: 'authorization_code', client_id: 'spa', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }).toString();
    const tokens = await fetchFrom(appOrigin, `${issuer}/oauth2/token`, { method: 'POST', headers: form, body });
    assert.ok(tokens.ok, JSON.stringify(tokens));
    assert.equal(tokens.status, 200);
    const accessToken = tokens.body.access_token as string;
    assert.ok(accessToken);

    const info = await fetchFrom(appOrigin, `${issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } });
    assert.ok(info.ok, JSON.stringify(info));
    assert.equal(info.status, 200);
    assert.equal(typeof info.body.sub, 'string');

    // Another app's origin passes the preflight (its app is registered here) but not the request.
    assertBlocked(await fetchFrom(otherAppOrigin, `${issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } }), 'userinfo from another app\'s origin');
    assertBlocked(await fetchFrom(unlistedOrigin, `${issuer}/userinfo`, { headers: { authorization: `Bearer ${accessToken}` } }), 'userinfo from an unlisted origin');
  });

  it('the app\'s origin can read a token error; an unlisted origin or another app\'s cannot read anything', async () => {
    const body = new URLSearchParams({ grant_type: 'authorization_code', client_id: 'spa', code: 'pxc_wrong', redirect_uri: REDIRECT_URI, code_verifier: 'v'.repeat(43) }).toString();
    const error = await fetchFrom(appOrigin, `${issuer}/oauth2/token`, { method: 'POST', headers: form, body });
    assert.ok(error.ok, JSON.stringify(error));
    assert.equal(error.status, 400);
    assert.equal(error.body.error, 'invalid_grant');
    assertBlocked(await fetchFrom(unlistedOrigin, `${issuer}/oauth2/token`, { method: 'POST', headers: form, body }), 'token from an unlisted origin');
    assertBlocked(await fetchFrom(otherAppOrigin, `${issuer}/oauth2/token`, { method: 'POST', headers: form, body }), 'token from another app\'s origin');
  });
});
