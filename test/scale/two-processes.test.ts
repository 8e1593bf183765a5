/**
 * Two separate `pixie serve` processes over one PostgreSQL schema behave as one server:
 * codes, sessions and keys live in the database. Both share one --public-url (as behind a
 * proxy); requests go straight to each process's own port.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, FIXTURE, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { createTestSchema, describeUnless, PG_SKIP, type TestSchema } from '../helpers/postgres.js';
import { pixieEntry, spawnPixie, writeImportFile, type PixieProcess } from '../helpers/process.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

const PUBLIC_URL = 'http://127.0.0.1:8999';
const PATH = '/default/default';
const basic = `Basic ${Buffer.from(`${CONFIDENTIAL_CLIENT}:${CONFIDENTIAL_SECRET}`).toString('base64')}`;

function authorizePath(challenge: string): string {
  return `${PATH}/oauth2/authorize?${new URLSearchParams({
    response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope: 'openid profile',
    code_challenge: challenge, code_challenge_method: 'S256', state: 's',
  })}`;
}

async function redeem(p: PixieProcess, code: string, verifier: string): Promise<Response> {
  return fetch(`${p.url}${PATH}/oauth2/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code, redirect_uri: REDIRECT_URI, code_verifier: verifier }),
  });
}

async function introspect(p: PixieProcess, token: string): Promise<boolean> {
  const res = await fetch(`${p.url}${PATH}/oauth2/introspect`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, body: new URLSearchParams({ token }),
  });
  return (await res.json()).active;
}

describeUnless(PG_SKIP, 'two pixie serve processes over one PostgreSQL database', () => {
  let schema: TestSchema;
  let dir: string;
  let a: PixieProcess;
  let b: PixieProcess;
  const ua = { agent: null as UserAgent | null };

  before(async () => {
    console.log(`starting ${pixieEntry().describe}`);
    schema = await createTestSchema();
    dir = mkdtempSync(join(tmpdir(), 'pixie-two-'));
    const args = ['--import', writeImportFile(dir, FIXTURE), '--public-url', PUBLIC_URL, '--data', dir];
    const env = { DATABASE_URL: schema.url };
    // Started together on a fresh schema: migrations and the import run under advisory locks.
    [a, b] = await Promise.all([spawnPixie({ args, env }), spawnPixie({ args, env })]);
  });
  after(async () => {
    const codes = await Promise.all([a?.stop(), b?.stop()]);
    await schema?.drop();
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(codes, [0, 0], 'both stop cleanly on SIGTERM');
  });

  it('redeems at B a code issued by A; a replay at A fails and revokes what B issued', async () => {
    ua.agent = new UserAgent(a.url);
    const { challenge, verifier } = pkce();
    const back = await ua.agent.authorize(`${a.url}${authorizePath(challenge)}`, USER);
    const code = back.searchParams.get('code')!;
    assert.equal(back.searchParams.get('iss'), `${PUBLIC_URL}${PATH}`);
    const atB = await redeem(b, code, verifier);
    assert.equal(atB.status, 200);
    const { access_token } = await atB.json();
    assert.equal(await introspect(a, access_token), true);
    const replay = await redeem(a, code, verifier);
    assert.equal(replay.status, 400);
    assert.equal((await replay.json()).error, 'invalid_grant');
    assert.equal(await introspect(b, access_token), false, 'RFC 6749 §4.1.2: tokens of a replayed code are revoked');
  });

  it('accepts at B the session cookie set by A (no login page, consent remembered)', async () => {
    const atB = new UserAgent(b.url);
    for (const [k, v] of ua.agent!.cookies) atB.cookies.set(k, v);
    const res = await atB.get(authorizePath(pkce().challenge));
    assert.equal(res.status, 302);
    const location = new URL(res.headers.get('location')!, b.url);
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
    assert.match(location.searchParams.get('code')!, /^pxc_/);
  });

  it('publishes the same JWKS from both processes', async () => {
    const [ja, jb] = await Promise.all([a, b].map(async (p) => (await fetch(`${p.url}${PATH}/.well-known/jwks.json`)).json()));
    assert.ok(ja.keys.length >= 1);
    assert.deepEqual(ja, jb);
  });

  it('lets exactly one of 50 concurrent redemptions across both processes succeed', async () => {
    const { challenge, verifier } = pkce();
    const res = await ua.agent!.get(authorizePath(challenge));
    const code = new URL(res.headers.get('location')!).searchParams.get('code')!;
    assert.ok(code);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => redeem(i % 2 ? a : b, code, verifier)));
    const statuses = results.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 200).length, 1, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 400).length, 49);
  });
});
