/**
 * The WAL checkpointer thread (src/storage/sqlite-checkpoint.ts) stops cleanly in every state:
 * a server or CLI command that closes its database must never hang on it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSqlite } from '../../src/storage/sqlite.js';
import { startCheckpointer } from '../../src/storage/sqlite-checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'pixie-checkpointer-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'db.sqlite');
openSqlite(file).close();

const tick = () => new Promise((r) => setTimeout(r, 10));

// A stop() that hangs fails here instead of holding the whole run.
describe('WAL checkpointer thread', { timeout: 15_000 }, () => {
  it('stops before its start timer fired (no thread ever started)', async () => {
    const c = startCheckpointer(file, 60_000);
    await c.stop();
    await c.online; // settled by stop
  });

  it('stops while the thread is starting', async () => {
    const c = startCheckpointer(file, 0);
    await tick(); // the timer fired; the thread is booting
    await c.stop();
    await c.online;
  });

  it('stops once the thread is online', async () => {
    const c = startCheckpointer(file, 0);
    const keepAlive = setInterval(() => {}, 1000); // the thread does not hold the process
    await c.online;
    clearInterval(keepAlive);
    await c.stop();
  });

  it('stops after the thread already died (a database it cannot open)', async () => {
    const c = startCheckpointer(join(dir, 'missing.sqlite'), 0);
    const keepAlive = setInterval(() => {}, 1000);
    await c.online;
    // Long enough for the thread to load better-sqlite3, fail to open the file and exit (~0.1 s);
    // stop() must not wait for an exit that already happened.
    await new Promise((r) => setTimeout(r, 1500));
    clearInterval(keepAlive);
    await c.stop();
  });
});
