import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { clientWithDefaults } from '../../src/core/client-defaults.js';
import { createVerifier } from '../../packages/verify/src/index.js';
import { PRINTED_URL, runCli, runCliInProcess, type CliSession } from '../helpers/cli.js';
import { startFakeStackExchange, type FakeStackExchange } from '../helpers/fake-stackexchange.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, FIXTURE, POST_CLIENT, POST_SECRET, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { UserAgent } from '../helpers/user-agent.js';
import { launchChromium } from '../helpers/browser.js';

let s: TestServer;
let se: FakeStackExchange;
let configDir: string;
before(async () => {
  [s, se] = await Promise.all([startTestServer(), startFakeStackExchange()]);
  configDir = mkdtempSync(join(tmpdir(), 'pixie-config-'));
});
after(async () => {
  await Promise.all([s.close(), se.close()]);
  rmSync(configDir, { recursive: true, force: true });
});

/** `pixie token` in this process: what is tested is the flow, not the process (see the one spawned run below). */
function token(args: string[]): CliSession {
  return runCliInProcess(['token', '--no-browser', ...args], { PIXIE_CONFIG_DIR: configDir });
}

async function printedUrl(run: CliSession): Promise<string> {
  return (await run.waitFor(PRINTED_URL))[1]!;
}

describe('pixie token, loopback redirect (RFC 8252)', () => {
  it('runs the whole flow in a real browser, prints every field with --json, saves with 0600 and refreshes', async () => {
    const run = token(['--issuer', s.issuer, '--client-id', PUBLIC_CLIENT, '--scope', 'openid profile offline_access', '--json', '--save', 'dev']);
    const url = new URL(await printedUrl(run));
    // Discovery names a pushed authorization request endpoint (RFC 9126): the URL is only a reference.
    assert.deepEqual([...url.searchParams.keys()], ['client_id', 'request_uri']);
    assert.match(url.searchParams.get('request_uri')!, /^urn:ietf:params:oauth:request_uri:/);
    assert.match(run.stderr(), /pushed authorization request, .*\/oauth2\/par/);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(url.toString());
      await page.fill('#username', USER.username);
      await page.fill('#password', USER.password);
      await page.click('button[type=submit]');
      await page.click('button[value=allow]');
      await page.waitForURL(/127\.0\.0\.1:\d+\/callback/);
      assert.match(await page.textContent('body') ?? '', /close this tab/);
    } finally {
      await browser.close();
    }
    assert.equal(await run.exit, 0, run.stderr());
    const fields = JSON.parse(run.stdout());
    assert.equal(fields.token_type, 'Bearer');
    assert.equal(fields.scope, 'openid profile offline_access');
    assert.ok(fields.id_token);
    assert.match(fields.refresh_token, /^pxrt_/);
    const who = await createVerifier({ issuer: s.issuer }).verify(fields.access_token);
    assert.equal(who.clientId, PUBLIC_CLIENT);

    const file = join(configDir, 'tokens.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).tokens.dev.fields.access_token, fields.access_token);

    const refreshed = token(['--refresh', 'dev']);
    assert.equal(await refreshed.exit, 0, refreshed.stderr());
    const newToken = refreshed.stdout().trim();
    assert.notEqual(newToken, fields.access_token);
    const saved = JSON.parse(readFileSync(file, 'utf8')).tokens.dev.fields;
    assert.equal(saved.access_token, newToken);
    assert.notEqual(saved.refresh_token, fields.refresh_token, 'the rotated refresh token was saved');
  });

  it('--no-par puts the authorization parameters in the browser URL (PKCE S256, nonce, loopback redirect)', async () => {
    const run = token(['--issuer', s.issuer, '--client-id', PUBLIC_CLIENT, '--scope', 'openid profile', '--no-par']);
    const url = new URL(await printedUrl(run));
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(url.searchParams.get('nonce'), 'openid requests carry a nonce');
    assert.match(url.searchParams.get('redirect_uri')!, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    assert.equal(url.searchParams.has('request_uri'), false);
    assert.doesNotMatch(run.stderr(), /pushed authorization request/);
    const back = await new UserAgent(s.url).authorize(url.toString(), USER);
    assert.equal((await fetch(back)).status, 200);
    assert.equal(await run.exit, 0, run.stderr());
  });

  it('authenticates a confidential client with its secret and prints only the token on stdout', async () => {
    const run = token(['--issuer', s.issuer, '--client-id', CONFIDENTIAL_CLIENT, '--client-secret', CONFIDENTIAL_SECRET, '--scope', 'read_inbox']);
    const back = await new UserAgent(s.url).authorize(await printedUrl(run), USER);
    assert.equal((await fetch(back)).status, 200);
    assert.equal(await run.exit, 0, run.stderr());
    assert.match(run.stdout(), /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    assert.match(run.stderr(), /Got an access token \(scope: read_inbox\), valid for 3600 s/);
  });

  it('sends the secret the way the client is registered (--client-auth), and refreshes the same way', async () => {
    // Discovery lists client_secret_basic, so Basic is the default; this client is registered for post.
    // The pushed authorization request authenticates the client first, and is refused.
    const basicRun = token(['--issuer', s.issuer, '--client-id', POST_CLIENT, '--client-secret', POST_SECRET, '--scope', 'read_inbox']);
    assert.equal(await basicRun.exit, 1);
    assert.match(basicRun.stderr(), /pushed authorization request endpoint refused the request \(HTTP 401\): invalid_client — .*registered with token_endpoint_auth_method client_secret_post.*choose with --client-auth basic\|post/);
    // Without PAR, the token endpoint refuses it the same way.
    const plainRun = token(['--issuer', s.issuer, '--client-id', POST_CLIENT, '--client-secret', POST_SECRET, '--scope', 'read_inbox', '--no-par']);
    await fetch(await new UserAgent(s.url).authorize(await printedUrl(plainRun), USER));
    assert.equal(await plainRun.exit, 1);
    assert.match(plainRun.stderr(), /invalid_client — .*registered with token_endpoint_auth_method client_secret_post.*choose with --client-auth basic\|post/);

    const run = token(['--issuer', s.issuer, '--client-id', POST_CLIENT, '--client-secret', POST_SECRET, '--client-auth', 'post',
      '--scope', 'read_inbox offline_access', '--save', 'post-app']);
    await fetch(await new UserAgent(s.url).authorize(await printedUrl(run), USER));
    assert.equal(await run.exit, 0, run.stderr());
    assert.equal(JSON.parse(readFileSync(join(configDir, 'tokens.json'), 'utf8')).tokens['post-app'].client_auth, 'post');
    const refreshed = token(['--refresh', 'post-app', '--client-secret', POST_SECRET]);
    assert.equal(await refreshed.exit, 0, refreshed.stderr());

    const bad = token(['--issuer', s.issuer, '--client-id', POST_CLIENT, '--client-auth', 'jwt']);
    assert.notEqual(await bad.exit, 0);
    assert.match(bad.stderr(), /--client-auth must be basic .* or post/);
  });

  it('refuses a response whose state does not match, and exchanges nothing', async () => {
    const run = token(['--issuer', s.issuer, '--client-id', PUBLIC_CLIENT, '--scope', 'profile']);
    const back = await new UserAgent(s.url).authorize(await printedUrl(run), USER);
    back.searchParams.set('state', 'attacker-state');
    assert.equal((await fetch(back)).status, 400);
    assert.equal(await run.exit, 1);
    assert.match(run.stderr(), /state in the authorization response does not match/);
    assert.equal(run.stdout(), '');
  });

  it('refuses a response from another issuer (RFC 9207)', async () => {
    const run = token(['--issuer', s.issuer, '--client-id', PUBLIC_CLIENT, '--scope', 'profile']);
    const back = await new UserAgent(s.url).authorize(await printedUrl(run), USER);
    back.searchParams.set('iss', 'https://evil.example');
    await fetch(back);
    assert.equal(await run.exit, 1);
    assert.match(run.stderr(), /came from issuer "https:\/\/evil.example"/);
  });

  it('reports denied consent as access_denied', async () => {
    const run = token(['--issuer', s.issuer, '--client-id', PUBLIC_CLIENT, '--scope', 'email']);
    const back = await new UserAgent(s.url).authorize(await printedUrl(run), USER, 'deny');
    assert.equal(back.searchParams.get('error'), 'access_denied');
    await fetch(back);
    assert.equal(await run.exit, 1);
    assert.match(run.stderr(), /access was denied/);
  });

  it('reports the server error with its description when the code exchange fails', async () => {
    // The confidential app without its secret, not pushed (a push would be refused at once, as
    // the test above shows): the code is issued, the exchange is refused.
    const run = token(['--issuer', s.issuer, '--client-id', CONFIDENTIAL_CLIENT, '--scope', 'read_inbox', '--no-par']);
    const back = await new UserAgent(s.url).authorize(await printedUrl(run), USER);
    await fetch(back);
    assert.equal(await run.exit, 1);
    assert.match(run.stderr(), /token endpoint refused the request \(HTTP 401\): invalid_client — /);
  });

  it('times out cleanly after --timeout seconds', async () => {
    const run = token(['--issuer', s.issuer, '--client-id', PUBLIC_CLIENT, '--timeout', '1']);
    assert.equal(await run.exit, 1);
    assert.match(run.stderr(), /timed out after 1 s waiting for the authorization response/);
  });

  it('explains a missing --client-id (the real process exits 2) and an unreachable issuer', async () => {
    const noClient = runCli(['token', '--no-browser', '--issuer', s.issuer], { PIXIE_CONFIG_DIR: configDir });
    assert.equal(await noClient.exit, 2);
    assert.match(noClient.stderr(), /--client-id is required/);
    const unreachable = token(['--issuer', 'http://127.0.0.1:9/x', '--client-id', 'x']);
    assert.equal(await unreachable.exit, 1);
    assert.match(unreachable.stderr(), /cannot reach http:\/\/127.0.0.1:9\/x\/.well-known\/openid-configuration/);
  });
});

describe('pixie token --paste against a Stack Exchange–style server', () => {
  for (const [path, kind] of [['/oauth/access_token', 'form-encoded'], ['/oauth/access_token/json', 'JSON']] as const) {
    it(`pastes the login_success URL and reads a ${kind} token response`, async () => {
      const run = token(['--authorize-url', `${se.url}/oauth`, '--token-url', se.url + path, '--client-id', '1234', '--scope', 'read_inbox,no_expiry', '--paste', '--json']);
      const url = new URL(await printedUrl(run));
      assert.equal(url.searchParams.get('redirect_uri'), `${se.url}/oauth/login_success`);
      assert.equal(url.searchParams.get('scope'), 'read_inbox,no_expiry');
      assert.equal(url.searchParams.has('nonce'), false);
      const res = await fetch(url, { redirect: 'manual' });
      run.type(res.headers.get('location')!);
      assert.equal(await run.exit, 0, run.stderr());
      const fields = JSON.parse(run.stdout());
      assert.match(fields.access_token, /^se-/);
      assert.equal(fields.expires, 86400);
      assert.match(run.stderr(), /valid for 86400 s/);
      assert.equal(se.requests.at(-1)!.get('code_verifier')!.length, 64);
    });
  }

  it('accepts a bare pasted code, warning that state could not be checked', async () => {
    const run = token(['--authorize-url', `${se.url}/oauth`, '--token-url', `${se.url}/oauth/access_token`, '--client-id', '1234', '--paste']);
    const res = await fetch(await printedUrl(run), { redirect: 'manual' });
    run.type(new URL(res.headers.get('location')!).searchParams.get('code')!);
    assert.equal(await run.exit, 0, run.stderr());
    assert.match(run.stdout(), /^se-\w+\n$/);
    assert.match(run.stderr(), /state and iss could not be checked/);
  });

  it('reports a form-encoded error answer with its description', async () => {
    const run = token(['--authorize-url', `${se.url}/oauth`, '--token-url', `${se.url}/oauth/access_token`, '--client-id', '1234', '--paste']);
    await printedUrl(run);
    run.type(`${se.url}/oauth/login_success?code=not-a-real-code`);
    assert.equal(await run.exit, 1);
    assert.match(run.stderr(), /the authorization response has no state/);
    const bad = token(['--authorize-url', `${se.url}/oauth`, '--token-url', `${se.url}/oauth/access_token`, '--client-id', '1234', '--paste']);
    await printedUrl(bad);
    bad.type('not-a-real-code');
    assert.equal(await bad.exit, 1);
    assert.match(bad.stderr(), /HTTP 400\): invalid_grant — the code is unknown/);
  });
});

describe('pixie token --paste against Pixie /oauth (SPEC §5)', () => {
  const LOGIN_SUCCESS = () => `${s.url}/oauth/login_success`;
  let skip: string | false = false;
  before(async () => {
    if ((await fetch(`${s.url}/oauth?client_id=${PUBLIC_CLIENT}`, { redirect: 'manual' })).status === 404) {
      skip = '/oauth endpoints not on this branch';
      return;
    }
    // The non-web redirect: register Pixie's own login_success page for the public app.
    const app = FIXTURE.tenants[0]!.servers![0]!.clients!.find((c) => c.client_id === PUBLIC_CLIENT)!;
    await s.deps.stores.clients.upsert(clientWithDefaults('default', 'default', { ...app, redirect_uris: [REDIRECT_URI, LOGIN_SUCCESS()] }), s.deps.clock.now());
  });

  for (const [path, kind] of [['/oauth/access_token', 'form-encoded'], ['/oauth/access_token/json', 'JSON']] as const) {
    it(`pastes the /oauth/login_success URL and reads the ${kind} answer`, async (ctx) => {
      if (skip) return ctx.skip(skip);
      const run = token(['--authorize-url', `${s.url}/oauth`, '--token-url', s.url + path, '--issuer', s.issuer,
        '--client-id', PUBLIC_CLIENT, '--scope', 'read_inbox', '--paste', '--json']);
      const back = await new UserAgent(s.url).authorize(await printedUrl(run), USER);
      assert.equal(back.origin + back.pathname, LOGIN_SUCCESS());
      run.type(back.toString());
      assert.equal(await run.exit, 0, run.stderr());
      const fields = JSON.parse(run.stdout());
      assert.ok(fields.access_token);
      assert.equal(fields.expires, 86400);
    });
  }
});
