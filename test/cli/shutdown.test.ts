/**
 * SIGTERM on the real `pixie serve`: requests in flight may finish within the grace period,
 * then remaining connections (idle or trickling clients) are closed and the process exits 0;
 * a second signal exits at once. The connection deadlines are set long here, so that only the
 * grace period can be what closes the sockets.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { spawnPixie, type PixieProcess } from '../helpers/process.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

const LONG_DEADLINES = { PIXIE_HEADERS_TIMEOUT: '120', PIXIE_REQUEST_TIMEOUT: '120', PIXIE_IDLE_TIMEOUT: '120', PIXIE_KEEP_ALIVE_TIMEOUT: '120' };

async function start(grace: string): Promise<PixieProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'pixie-shutdown-'));
  dirs.push(dir);
  return spawnPixie({ args: ['--data', dir], env: { ...LONG_DEADLINES, PIXIE_SHUTDOWN_GRACE: grace } });
}

function socketTo(p: PixieProcess): Promise<Socket> {
  const { port } = new URL(p.url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), '127.0.0.1', () => resolve(s));
    s.on('error', reject);
  });
}

/** The exit code, or a failure when the process is still running after `ms` (generous). */
async function exitWithin(p: PixieProcess, ms: number): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => {
    if (p.child.exitCode !== null) resolve(p.child.exitCode);
    else p.child.once('exit', (code) => resolve(code));
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`still running after ${ms} ms:\n${p.output()}`)), ms); });
  try {
    return await Promise.race([exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe('pixie serve: stopping with clients connected', () => {
  it('SIGTERM with an idle client connected: exits 0 after the grace period', async () => {
    const p = await start('1');
    try {
      const idle = await socketTo(p);
      idle.on('error', () => {});
      const closed = new Promise((r) => idle.once('close', r));
      p.child.kill('SIGTERM');
      assert.equal(await exitWithin(p, 20_000), 0);
      await closed;
    } finally {
      await p.kill();
    }
  });

  it('SIGTERM with a trickling client: exits 0 after the grace period', async () => {
    const p = await start('1');
    try {
      const slow = await socketTo(p);
      slow.on('error', () => {});
      slow.write('POST /default/default/oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n');
      const timer = setInterval(() => { if (slow.writable) slow.write('a'); }, 200);
      p.child.kill('SIGTERM');
      try {
        assert.equal(await exitWithin(p, 20_000), 0);
      } finally {
        clearInterval(timer);
        slow.destroy();
      }
    } finally {
      await p.kill();
    }
  });

  it('lets a request in flight finish within the grace period before exiting 0', async () => {
    const p = await start('20');
    try {
      const client = await socketTo(p);
      let answer = '';
      client.on('data', (d) => (answer += d.toString()));
      client.on('error', () => {});
      const body = 'grant_type=client_credentials';
      client.write(`POST /default/default/oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`);
      client.write(body.slice(0, 5));
      await new Promise((r) => setTimeout(r, 300));
      p.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      client.write(body.slice(5));
      assert.equal(await exitWithin(p, 20_000), 0);
      // Answered (401: no client credentials), not cut off.
      assert.match(answer, /^HTTP\/1\.1 401/);
    } finally {
      await p.kill();
    }
  });

  it('a second signal exits at once, without waiting for the grace period', async () => {
    const p = await start('60');
    try {
      const idle = await socketTo(p);
      idle.on('error', () => {});
      p.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      p.child.kill('SIGTERM');
      const code = await exitWithin(p, 20_000);
      assert.equal(code, 1);
      idle.destroy();
    } finally {
      await p.kill();
    }
  });
});
