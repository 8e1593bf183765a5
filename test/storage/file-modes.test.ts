/**
 * The SQLite files hold hashed secrets, sessions and signing keys: the data folder is created
 * 0700 and the database files 0600, and looser ones are tightened at start with a warning.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../../src/storage/database.js';
import { startTestServer } from '../helpers/server.js';

const root = mkdtempSync(join(tmpdir(), 'pixie-modes-'));
after(() => rmSync(root, { recursive: true, force: true }));

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('data file modes (SQLite)', () => {
  it('creates the data folder 0700 and pixie.db, -wal and -shm 0600 whatever the umask', async () => {
    const dir = join(root, 'fresh', 'data');
    const previous = process.umask(0o022);
    try {
      const db = await openDatabase({ dataDir: dir });
      await db.stores.tenants.upsert({ id: 'acme', name: 'Acme' }, 1);
      await db.stores.sync();
      assert.deepEqual(db.warnings, []);
      assert.equal(mode(dir), '700');
      for (const f of ['pixie.db', 'pixie.db-wal', 'pixie.db-shm']) {
        assert.ok(existsSync(join(dir, f)), f);
        assert.equal(mode(join(dir, f)), '600', f);
      }
      await db.stores.close();
    } finally {
      process.umask(previous);
    }
  });

  it('tightens a looser folder and database at start and logs a warning naming each', async () => {
    const dir = join(root, 'loose');
    const db = await openDatabase({ dataDir: dir });
    await db.stores.close();
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'pixie.db'), 0o644);
    const logs = new PassThrough();
    let text = '';
    logs.on('data', (d: Buffer) => (text += d.toString()));
    const server = await startTestServer({ imports: [], config: { dataDir: dir, logLevel: 'warn' }, logStream: logs });
    await server.close();
    assert.equal(mode(dir), '700');
    assert.equal(mode(join(dir, 'pixie.db')), '600');
    const warnings = text.trim().split('\n').map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40);
    assert.ok(warnings.some((w) => w.msg === `data folder ${dir} was readable by others (mode 0755); changed to 0700`), text);
    assert.ok(warnings.some((w) => w.msg === `database file ${join(dir, 'pixie.db')} was readable by others (mode 0644); changed to 0600`), text);
  });
});
