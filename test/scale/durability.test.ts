/**
 * Durability: a token answered with 200 is committed before the response. During a burst of
 * client_credentials requests the process is killed with SIGKILL (no shutdown code runs),
 * restarted on the same database, and every token that was answered 200 must introspect active.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import type { ImportFileData } from '../../src/import/schema.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, FIXTURE } from '../helpers/fixture.js';
import { BACKENDS, describeUnless } from '../helpers/postgres.js';
import { spawnPixie, writeImportFile, type PixieProcess } from '../helpers/process.js';

const PATH = '/default/default';
const basic = `Basic ${Buffer.from(`${CONFIDENTIAL_CLIENT}:${CONFIDENTIAL_SECRET}`).toString('base64')}`;
const OPAQUE: ImportFileData = {
  tenants: FIXTURE.tenants.map((t) => ({ ...t, servers: t.servers!.map((s) => ({ ...s, accessTokenFormat: 'opaque' as const })) })),
};
/** Kill once this many tokens were answered; the burst keeps going until the process dies. */
const KILL_AFTER = 150;
const CONCURRENCY = 16;

async function burstUntilKilled(p: PixieProcess): Promise<{ tokens: string[]; failed: number }> {
  const tokens: string[] = [];
  let failed = 0;
  let killing: Promise<void> | null = null;
  const loop = async () => {
    for (;;) {
      let res: Response;
      try {
        res = await fetch(`${p.url}${PATH}/oauth2/token`, {
          method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
          body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read_inbox' }),
        });
      } catch {
        failed++; // the connection died with the process: this request was never answered
        return;
      }
      if (res.status !== 200) throw new Error(`token request answered ${res.status}: ${await res.text()}`);
      tokens.push((await res.json()).access_token);
      if (tokens.length >= KILL_AFTER && !killing) killing = p.kill();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  await killing;
  return { tokens, failed };
}

async function introspectAll(p: PixieProcess, tokens: string[]): Promise<string[]> {
  const inactive: string[] = [];
  for (let i = 0; i < tokens.length; i += 20) {
    await Promise.all(tokens.slice(i, i + 20).map(async (token) => {
      const res = await fetch(`${p.url}${PATH}/oauth2/introspect`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, body: new URLSearchParams({ token }),
      });
      if (!(await res.json()).active) inactive.push(token.slice(0, 12));
    }));
  }
  return inactive;
}

for (const backend of BACKENDS) {
  describeUnless(backend.skip, `durability on ${backend.name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixie-durability-'));
    let cleanup = async () => {};
    after(async () => {
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it('keeps every token answered 200 after a SIGKILL during a burst', async () => {
      const db = await backend.env();
      cleanup = db.cleanup;
      const args = ['--import', writeImportFile(dir, OPAQUE), '--data', dir];
      const first = await spawnPixie({ args, env: db.env });
      const { tokens, failed } = await burstUntilKilled(first);
      assert.equal(first.child.signalCode, 'SIGKILL');
      assert.ok(tokens.length >= KILL_AFTER, `${tokens.length} tokens answered`);
      assert.ok(tokens.every((t) => t.startsWith('pxat_')), 'opaque access tokens');
      console.log(`${backend.name}: ${tokens.length} tokens answered, ${failed} requests cut off by SIGKILL`);
      const second = await spawnPixie({ args, env: db.env });
      try {
        assert.deepEqual(await introspectAll(second, tokens), []);
      } finally {
        assert.equal(await second.stop(), 0);
      }
    });
  });
}
