/**
 * The storage changes made for the token endpoint's speed (issue 8) keep their guarantees:
 * WAL checkpoints happen off the event loop, a grant's last use is kept to the minute, and a
 * replayed code still revokes its tokens through the (now partial) code index.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../../src/storage/database.js';
import { SqliteExecutor } from '../../src/storage/sqlite.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, PUBLIC_CLIENT, REDIRECT_URI, USER } from '../helpers/fixture.js';
import { startTestServer } from '../helpers/server.js';
import { pkce, UserAgent } from '../helpers/user-agent.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pixie-storage-'));
  dirs.push(d);
  return d;
}

describe('SQLite write path', () => {
  it('copies the WAL into the database file from the background thread', async () => {
    const dataDir = tempDir();
    const db = await openDatabase({ dataDir });
    const sqlite = (db.executor as SqliteExecutor).db;
    // The main connection would only checkpoint past 10 000 pages itself.
    assert.equal(sqlite.pragma('wal_autocheckpoint', { simple: true }), 10_000);
    const file = join(dataDir, 'pixie.db');
    const before = statSync(file).size;
    const now = 1_700_000_000;
    for (let i = 0; i < 500; i++) {
      await db.stores.tokens.save({
        hash: `h${i}`, kind: 'access', tenantId: 'default', serverId: 'default', clientId: 'c', userId: null, scope: 'x'.repeat(200),
        createdAt: now, expiresAt: now + 60, revokedAt: null, codeHash: null, familyId: null, grantId: null, consumedAt: null, authTime: null,
        codeChallenge: null, codeChallengeMethod: null, familyStartedAt: null,
      });
    }
    let grown = false;
    for (let waited = 0; waited < 10_000 && !grown; waited += 20) {
      await new Promise((r) => setTimeout(r, 20));
      grown = statSync(file).size > before;
    }
    assert.ok(grown, 'the database file never received the WAL pages');
    await db.stores.close(); // also stops the worker: the test process must be able to exit
  });

  it('records the last use of a grant at most once a minute', async () => {
    const db = await openDatabase({ dataDir: tempDir() });
    await db.stores.tenants.upsert({ id: 't', name: 't' }, 1);
    const id = await db.stores.grants.remember({ id: 'g', tenantId: 't', serverId: 's', clientId: 'c', userId: 'u', scopes: ['a'], createdAt: 1000 });
    const lastUse = async () => (await db.stores.grants.find('t', 's', 'c', 'u'))!.lastUsedAt;
    assert.equal(await lastUse(), null);
    await db.stores.grants.touch(id, 2000);
    assert.equal(await lastUse(), 2000);
    await db.stores.grants.touch(id, 2059);
    assert.equal(await lastUse(), 2000);
    await db.stores.grants.touch(id, 2060);
    assert.equal(await lastUse(), 2060);
    await db.stores.close();
  });

  it('revokes the tokens of a replayed code (the partial code index still finds them)', async () => {
    const s = await startTestServer();
    try {
      const ua = new UserAgent(s.url);
      const { verifier, challenge } = pkce();
      const q = new URLSearchParams({
        response_type: 'code', client_id: PUBLIC_CLIENT, redirect_uri: REDIRECT_URI, scope: 'read_inbox',
        code_challenge: challenge, code_challenge_method: 'S256',
      });
      const code = (await ua.authorize(`${s.issuer}/oauth2/authorize?${q}`, USER)).searchParams.get('code')!;
      const form = { grant_type: 'authorization_code', client_id: PUBLIC_CLIENT, code, redirect_uri: REDIRECT_URI, code_verifier: verifier };
      const post = (path: string, body: Record<string, string>, headers: Record<string, string> = {}) => fetch(`${s.issuer}${path}`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(body),
      });
      const first = await post('/oauth2/token', form);
      assert.equal(first.status, 200);
      const { access_token: accessToken } = (await first.json()) as { access_token: string };
      const basic = { authorization: `Basic ${Buffer.from(`${CONFIDENTIAL_CLIENT}:${CONFIDENTIAL_SECRET}`).toString('base64')}` };
      assert.equal(((await (await post('/oauth2/introspect', { token: accessToken }, basic)).json()) as { active: boolean }).active, true);
      const replay = await post('/oauth2/token', form);
      assert.equal(replay.status, 400);
      assert.equal(((await replay.json()) as { error: string }).error, 'invalid_grant');
      assert.equal(((await (await post('/oauth2/introspect', { token: accessToken }, basic)).json()) as { active: boolean }).active, false);
    } finally {
      await s.close();
    }
  });
});
