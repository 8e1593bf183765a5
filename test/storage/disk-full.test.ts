/**
 * SQLite on a full disk: a real, small tmpfs holds the database; the test fills it with a file
 * until writing fails. Requests that write then get 503 temporarily_unavailable with Retry-After
 * (logged once, not per request), /readyz answers 503, and once space is freed the same server
 * answers 200 again without a restart, with every refresh token it acknowledged still usable
 * (and the ones whose rotation was refused still usable too: nothing half-written).
 *
 * Mounting needs root (or CAP_SYS_ADMIN): elsewhere the test is skipped, saying why.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { PUBLIC_CLIENT } from '../helpers/fixture.js';
import { exchange, getCode, tokenRequest } from '../helpers/flow.js';
import { startTestServer } from '../helpers/server.js';

const SIZE = '24m';

function mountTmpfs(): { dir: string; skip: string | false } {
  const dir = mkdtempSync(join(tmpdir(), 'pixie-disk-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    after(() => {
      execFileSync('umount', [dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    });
    return { dir, skip: false };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { dir, skip: `cannot mount a ${SIZE} tmpfs to fill (needs root): ${((err as { stderr?: Buffer }).stderr?.toString() || (err as Error).message).trim()}` };
  }
}

const mount = mountTmpfs();

/** Writes `path` until the file system is full; returns the bytes written. */
function fill(path: string): number {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  let written = 0;
  try {
    for (let size = chunk.length; size >= 512;) {
      try {
        written += writeSync(fd, chunk, 0, size);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
        size /= 2; // the last blocks, in smaller pieces
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

const CHAINS = 6;

describe('SQLite on a full disk', { skip: mount.skip }, () => {
  it('answers 503 temporarily_unavailable and /readyz 503 while full, then 200 again after space is freed, losing nothing', async () => {
    const stream = new PassThrough();
    let log = '';
    stream.on('data', (d: Buffer) => (log += d.toString()));
    const dataDir = join(mount.dir, 'data');
    const s = await startTestServer({ config: { dataDir, logLevel: 'error' }, logStream: stream });
    const filler = join(mount.dir, 'filler');
    try {
      assert.equal((await fetch(`${s.url}/readyz`)).status, 200);
      // Refresh-token chains: every rotation writes (the old token used, a new one stored).
      const chains: string[] = [];
      for (let i = 0; i < CHAINS; i++) {
        const res = await exchange(s, await getCode(s, 'openid offline_access'));
        assert.equal(res.status, 200);
        chains.push(((await res.json()) as { refresh_token: string }).refresh_token);
      }
      const refresh = (token: string) => tokenRequest(s, { grant_type: 'refresh_token', client_id: PUBLIC_CLIENT, refresh_token: token });

      assert.ok(fill(filler) > 0);
      // Rotate every chain until writes fail. A rotation answered 200 moves the chain on; one
      // refused must leave its token as it was. The WAL may have room left: keep writing.
      let refused = 0;
      let acknowledged = 0;
      for (let round = 0; round < 400 && refused < 3 * CHAINS; round++) {
        const answers = await Promise.all(chains.map(refresh));
        for (const [i, res] of answers.entries()) {
          const body = (await res.json()) as { refresh_token?: string; error?: string };
          if (res.status === 200) {
            chains[i] = body.refresh_token!;
            acknowledged++;
            continue;
          }
          assert.equal(res.status, 503, JSON.stringify(body));
          assert.equal(body.error, 'temporarily_unavailable');
          assert.equal(res.headers.get('retry-after'), '5');
          refused++;
        }
      }
      assert.ok(refused >= 3 * CHAINS, `writes never failed on the full disk (${acknowledged} rotations acknowledged)`);

      // /readyz probes with a write (its answer is reused for a second).
      let ready = 200;
      for (let i = 0; i < 50 && ready !== 503; i++) {
        ready = (await fetch(`${s.url}/readyz`)).status;
        if (ready !== 503) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(ready, 503, `/readyz answers 503 while the database cannot be written\n${log}`);
      assert.equal(log.match(/storage unavailable/g)?.length, 1, `one log line for the outage, not one per request:\n${log}`);
      assert.doesNotMatch(log, /unexpected error/);

      rmSync(filler);
      for (let i = 0; i < 50 && ready !== 200; i++) {
        ready = (await fetch(`${s.url}/readyz`)).status;
        if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(ready, 200, '/readyz answers 200 again once space is freed');

      // The same process, no restart: every chain's last acknowledged token still rotates.
      for (const token of chains) {
        const res = await refresh(token);
        assert.equal(res.status, 200, JSON.stringify(await res.json()));
      }
    } finally {
      rmSync(filler, { force: true });
      await s.close();
    }
  });
});
