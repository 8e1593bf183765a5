/**
 * Several `pixie serve` processes started at once on one fresh SQLite folder: the migration
 * runs in one IMMEDIATE transaction, so the others wait for it instead of failing with
 * "table already exists".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FIXTURE } from '../helpers/fixture.js';
import { spawnPixie, writeImportFile, type PixieProcess } from '../helpers/process.js';

describe('concurrent start-up on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pixie-sqlite-start-'));
  const started: PixieProcess[] = [];
  after(async () => {
    for (const p of started) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts three processes together on one new database file', async () => {
    const args = ['--import', writeImportFile(dir, FIXTURE), '--data', dir];
    const results = await Promise.allSettled([0, 1, 2].map(() => spawnPixie({ args })));
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    assert.deepEqual(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')), ['ok', 'ok', 'ok']);
    const jwks = await Promise.all(started.map(async (p) => (await fetch(`${p.url}/default/default/.well-known/jwks.json`)).json()));
    assert.deepEqual(jwks[1], jwks[0]);
    assert.deepEqual(jwks[2], jwks[0]);
  });
});
