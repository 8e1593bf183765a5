/**
 * What an anonymous caller can make Pixie store through /authorize: parameter sizes are
 * limited, and sign-ins in progress are capped per IP (429) and in all (503).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { PUBLIC_CLIENT, REDIRECT_URI } from '../helpers/fixture.js';
import { postForm } from '../helpers/flow.js';
import { startTestServer, TestClock, type TestServer } from '../helpers/server.js';
import { pkce } from '../helpers/user-agent.js';

const { challenge } = pkce();
const base = { response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' };

function get(url: string): Promise<Response> {
  return fetch(url, { redirect: 'manual' });
}

function authorize(s: TestServer, params: Record<string, string>): Promise<Response> {
  return get(`${s.issuer}/oauth2/authorize?${new URLSearchParams({ ...base, ...params })}`);
}

/** Bytes of the SQLite database as a reader sees it (WAL included). */
function databaseBytes(s: TestServer): number {
  const db = new Sqlite(join(s.dataDir, 'pixie.db'), { readonly: true });
  try {
    return (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
  } finally {
    db.close();
  }
}

describe('authorization request sizes', () => {
  let s: TestServer;
  before(async () => { s = await startTestServer(); });
  after(async () => { await s.close(); });

  it('refuses a 60,000-character state on POST with an error page, and stores nothing', async () => {
    const res = await postForm(`${s.issuer}/oauth2/authorize`, { ...base, state: 'x'.repeat(60_000) });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
    assert.match(await res.text(), /state.*too long/);
    assert.deepEqual(await s.deps.stores.interactions.countPending('127.0.0.1', s.deps.clock.now()), { ip: 0, total: 0 });
  });

  it('limits state and nonce to 1024 characters on GET, and each known parameter to its size', async () => {
    assert.equal((await authorize(s, { state: 'x'.repeat(1024), nonce: 'n'.repeat(1024) })).status, 302);
    for (const [name, value] of [['state', 'x'.repeat(1025)], ['nonce', 'n'.repeat(1025)], ['redirect_uri', `${REDIRECT_URI}?${'a'.repeat(2048)}`],
      ['client_id', 'c'.repeat(257)], ['code_challenge', 'A'.repeat(129)], ['unknown_extension', 'u'.repeat(1025)]] as const) {
      const res = await authorize(s, { [name]: value });
      assert.equal(res.status, 400, name);
      assert.match(await res.text(), new RegExp(`${name}.*too long`), name);
    }
  });

  it('limits the whole request to 8 KB, and the number of parameters', async () => {
    const many = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`x${i}`, 'v'.repeat(1000)]));
    const res = await authorize(s, many);
    assert.equal(res.status, 400);
    assert.match(await res.text(), /too large/);
    const lots = Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`p${i}`, '1']));
    assert.match(await (await authorize(s, lots)).text(), /too many parameters/);
  });

  it('applies the same limits to the Stack Exchange /oauth and /oauth/dialog', async () => {
    for (const path of ['/oauth', '/oauth/dialog']) {
      const res = await get(`${s.url}${path}?${new URLSearchParams({ client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, state: 'x'.repeat(5000) })}`);
      assert.equal(res.status, 400, path);
      assert.match(await res.text(), /state.*too long/, path);
    }
  });
});

describe('sign-ins in progress', () => {
  it('2,000 anonymous authorize requests with the largest state grow the database by less than 2 MB (per-IP cap: 429)', async () => {
    const s = await startTestServer({ config: { databaseUrl: null } });
    try {
      const state = 's'.repeat(1024);
      const nonce = 'n'.repeat(1024);
      const first = await authorize(s, { state, nonce });
      assert.equal(first.status, 302);
      const start = databaseBytes(s);
      const statuses = new Map<number, number>();
      for (let batch = 0; batch < 100; batch++) {
        const answers = await Promise.all(Array.from({ length: 20 }, async () => {
          const res = await authorize(s, { state, nonce });
          await res.arrayBuffer();
          return res;
        }));
        for (const r of answers) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
      const grown = databaseBytes(s) - start;
      assert.ok(grown < 2 * 1024 * 1024, `the database grew by ${grown} bytes`);
      // The default allows 100 per IP: the first request above and 99 more.
      assert.equal(statuses.get(302), 99);
      assert.equal(statuses.get(429), 1901);
      const refused = await authorize(s, { state });
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get('retry-after'), '60');
      assert.match(await refused.text(), /Too many sign-ins are in progress from your network/);
    } finally {
      await s.close();
    }
  });

  it('answers 503 with Retry-After once the total cap is reached, and frees room as they expire', async () => {
    const clock = new TestClock();
    const s = await startTestServer({ config: { pendingSignInsMax: 3 }, clock });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await authorize(s, { state: `s${i}` })).status, 302);
      const full = await authorize(s, { state: 'more' });
      assert.equal(full.status, 503);
      assert.equal(full.headers.get('retry-after'), '60');
      assert.match(await full.text(), /Too many sign-ins are in progress right now/);
      clock.advance(10 * 60);
      assert.equal((await authorize(s, { state: 'later' })).status, 302);
    } finally {
      await s.close();
    }
  });
});
