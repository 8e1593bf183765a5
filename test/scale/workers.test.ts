/**
 * `pixie serve --workers 2`: the primary forks two workers sharing one port; /metrics,
 * answered by whichever worker the connection lands on, adds up every worker's counters.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, FIXTURE } from '../helpers/fixture.js';
import { BACKENDS, describeUnless } from '../helpers/postgres.js';
import { spawnPixie, writeImportFile } from '../helpers/process.js';

const basic = `Basic ${Buffer.from(`${CONFIDENTIAL_CLIENT}:${CONFIDENTIAL_SECRET}`).toString('base64')}`;
const REQUESTS = 24;

function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

for (const backend of BACKENDS) {
  describeUnless(backend.skip, `pixie serve --workers 2 on ${backend.name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'pixie-workers-'));
    let cleanup = async () => {};
    after(async () => {
      await cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves from two worker processes and reports metrics for all of them', async () => {
      const db = await backend.env();
      cleanup = db.cleanup;
      const p = await spawnPixie({ args: ['--workers', '2', '--import', writeImportFile(dir, FIXTURE), '--data', dir], env: db.env });
      try {
        const workers = childPids(p.child.pid!);
        assert.equal(workers.length, 2, p.output());
        const statuses = await Promise.all(Array.from({ length: REQUESTS }, async () => (await fetch(`${p.url}/default/default/oauth2/token`, {
          method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
          body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'read_inbox' }),
        })).status));
        assert.deepEqual(new Set(statuses), new Set([200]));
        for (let i = 0; i < 3; i++) {
          const text = await (await fetch(`${p.url}/metrics`, { headers: { connection: 'close' } })).text();
          assert.match(text, new RegExp(`^pixie_tokens_issued_total\\{grant_type="client_credentials"\\} ${REQUESTS}$`, 'm'));
        }
        assert.equal(await p.stop(), 0);
        for (const pid of workers) assert.throws(() => process.kill(pid, 0), 'the workers stopped with the primary');
      } finally {
        await p.kill();
      }
    });
  });
}
