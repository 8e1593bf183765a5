/**
 * Many tenants created through the admin API, then restarts. Start-up must not depend on the
 * number of tenants: a release that made every server's signing key at start-up hung forever
 * on the first restart after a few thousand sign-ups. Keys are made with the server instead,
 * and a server left without one by that release gets it on first use.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { spawnPixie, type PixieProcess } from '../helpers/process.js';

const TENANTS = 2000;
const SECRET = 'pxs_tenants-restart-test-secret';
const env = { PIXIE_ADMIN_CLIENT_SECRET: SECRET };

async function systemToken(url: string): Promise<string> {
  const res = await fetch(`${url}/system/admin/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`system-admin:${SECRET}`).toString('base64')}` },
    body: 'grant_type=client_credentials&scope=manage_configuration',
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { access_token: string }).access_token;
}

async function createTenants(url: string, count: number): Promise<void> {
  const token = await systemToken(url);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const id = `t${String(next++).padStart(5, '0')}`;
      const res = await fetch(`${url}/api/system/tenants`, {
        method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ id }),
      });
      assert.equal(res.status, 201, `creating ${id}: ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
}

async function jwks(url: string, tenant: string): Promise<Array<{ kid: string; alg: string }>> {
  const res = await fetch(`${url}/${tenant}/default/.well-known/jwks.json`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { keys: Array<{ kid: string; alg: string }> }).keys;
}

describe(`${TENANTS} tenants created through the admin API, then restarts`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixie-tenants-'));
  const args = ['--data', dir];
  let proc: PixieProcess | null = null;
  after(async () => {
    await proc?.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  const db = () => new Database(join(dir, 'pixie.db'), { readonly: true });

  it('every server gets its signing key when it is created', async () => {
    proc = await spawnPixie({ args, env });
    await createTenants(proc.url, TENANTS);
    const conn = db();
    const serversWithoutKey = conn.prepare(
      'SELECT count(*) AS n FROM servers s WHERE NOT EXISTS (SELECT 1 FROM signing_keys k WHERE k.tenant_id = s.tenant_id AND k.server_id = s.id)',
    ).get() as { n: number };
    conn.close();
    assert.equal(serversWithoutKey.n, 0);
    assert.equal((await jwks(proc.url, 't01999')).length, 1, 'one ES256 key until an ID token needs the RS256 one');
    assert.equal(await proc.stop(), 0);
    proc = null;
  });

  it('restarts three times, each ready (spawnPixie waits for /readyz) with the keys it had', async () => {
    const before = new Map<string, string>();
    for (let i = 0; i < 3; i++) {
      proc = await spawnPixie({ args, env });
      for (const t of ['t00000', 't01999']) {
        const kid: string = (await jwks(proc.url, t))[0]!.kid;
        if (before.has(t)) assert.equal(kid, before.get(t), `${t} keeps its key across restarts`);
        before.set(t, kid);
      }
      assert.equal(await proc.stop(), 0);
      proc = null;
    }
  });

  it('servers an earlier release left without keys start at once and get a key on first use', async () => {
    const conn = new Database(join(dir, 'pixie.db'));
    conn.prepare("DELETE FROM signing_keys WHERE tenant_id LIKE 't%'").run();
    conn.close();
    proc = await spawnPixie({ args, env });
    const keys = await jwks(proc.url, 't01234');
    assert.equal(keys.length, 1);
    assert.equal(keys[0]!.alg, 'ES256');
    const res = await fetch(`${proc.url}/t01234/default/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const conn2 = db();
    const made = conn2.prepare("SELECT count(*) AS n FROM signing_keys WHERE tenant_id LIKE 't%'").get() as { n: number };
    conn2.close();
    assert.equal(made.n, 1, 'only the server that was used got a key');
  });
});
