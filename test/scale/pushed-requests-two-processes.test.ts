/**
 * RFC 9126 single use across processes: two `pixie serve` processes over one PostgreSQL schema.
 * A request_uri pushed at one process is used once, at either; a second use, at the other
 * process or racing at both, gets invalid_request_uri.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { FIXTURE, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { describeUnless, PG_SKIP } from '../helpers/postgres.js';
import { startProcessPair, type PixieProcess, type ProcessPair } from '../helpers/process.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

const PUBLIC_URL = 'http://127.0.0.1:8998';
const PATH = '/default/default';

async function push(p: PixieProcess): Promise<{ requestUri: string; verifier: string }> {
  const { verifier, challenge } = pkce();
  const res = await fetch(`${p.url}${PATH}/oauth2/par`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: PUBLIC_CLIENT, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', state: 'two',
      code_challenge: challenge, code_challenge_method: 'S256',
    }),
  });
  assert.equal(res.status, 201);
  return { requestUri: ((await res.json()) as { request_uri: string }).request_uri, verifier };
}

const byReference = (p: PixieProcess, requestUri: string) =>
  `${p.url}${PATH}/oauth2/authorize?${new URLSearchParams({ client_id: PUBLIC_CLIENT, request_uri: requestUri })}`;

/** Where /authorize sends the browser: the login page (taken) or the client with an error. */
async function outcome(url: string): Promise<string> {
  const res = await fetch(url, { redirect: 'manual' });
  const location = new URL(res.headers.get('location') ?? 'about:blank', url);
  return location.pathname === '/login' ? 'taken' : location.searchParams.get('error') ?? `status ${res.status}`;
}

describeUnless(PG_SKIP, 'pushed authorization requests across two processes over one PostgreSQL database', () => {
  let pair: ProcessPair;
  let a: PixieProcess;
  let b: PixieProcess;

  before(async () => {
    pair = await startProcessPair(FIXTURE, PUBLIC_URL);
    ({ a, b } = pair);
  });
  after(async () => { await pair?.stop(); });

  it('pushed at A, used at B for the whole code flow; used again at A: invalid_request_uri', async () => {
    const { requestUri, verifier } = await push(a);
    const callback = await new UserAgent(b.url).authorize(byReference(b, requestUri), USER);
    assert.equal(callback.searchParams.get('state'), 'two');
    const token = await fetch(`${a.url}${PATH}/oauth2/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code: callback.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: verifier,
      }),
    });
    assert.equal(token.status, 200);
    assert.equal(await outcome(byReference(a, requestUri)), 'invalid_request_uri');
    assert.equal(await outcome(byReference(b, requestUri)), 'invalid_request_uri');
  });

  it('racing uses at both processes: exactly one takes the request', async () => {
    for (let round = 0; round < 3; round++) {
      const { requestUri } = await push(round % 2 ? b : a);
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => outcome(byReference(i % 2 ? b : a, requestUri))));
      assert.equal(results.filter((r) => r === 'taken').length, 1, results.join());
      assert.ok(results.every((r) => r === 'taken' || r === 'invalid_request_uri'), results.join());
    }
  });
});
