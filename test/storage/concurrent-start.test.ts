/**
 * Several processes starting at once on a fresh PostgreSQL schema: migrations and the start-up
 * import run under advisory locks, so every start succeeds and each migration runs once.
 * (Separate pools here are separate database sessions, as separate processes would have.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { createPixie, type Pixie } from '../../src/server.js';
import { openDatabase } from '../../src/storage/database.js';
import { FIXTURE } from '../helpers/fixture.js';
import { createTestSchema, PG_SKIP, type TestSchema } from '../helpers/postgres.js';

describe('concurrent start-up on PostgreSQL', { skip: PG_SKIP }, () => {
  let schema: TestSchema;
  const started: Pixie[] = [];
  before(async () => { schema = await createTestSchema(); });
  after(async () => {
    for (const p of started) await p.close();
    await schema.drop();
  });

  it('migrates once and imports without unique-key races when eight start together', async () => {
    const config = { ...DEFAULT_CONFIG, port: 0, logLevel: 'silent', databaseUrl: schema.url, publicUrl: 'http://127.0.0.1:8999' };
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => createPixie({ ...config }, { imports: [FIXTURE] })));
    for (const r of results) if (r.status === 'fulfilled') started.push(r.value);
    assert.deepEqual(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')), Array(8).fill('ok'));
    const c = new pg.Client({ connectionString: schema.url });
    await c.connect();
    try {
      const migrations = await c.query('SELECT name FROM kysely_migration ORDER BY name');
      const names = migrations.rows.map((r) => r.name);
      assert.ok(names.includes('0001-init'), names.join());
      assert.equal(new Set(names).size, names.length, 'each migration recorded once');
      const collations = await c.query("SELECT collation_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'users' AND column_name = 'username'");
      assert.equal(collations.rows[0].collation_name, 'C', 'listings sort byte-wise, as on SQLite, whatever the database locale');
      const secrets = await c.query("SELECT count(*)::int AS n FROM client_secrets WHERE client_id = 'app-confidential'");
      assert.equal(secrets.rows[0].n, 1);
      const keys = await c.query("SELECT count(*)::int AS n FROM signing_keys WHERE tenant_id = 'default' AND server_id = 'default'");
      assert.equal(keys.rows[0].n, 1, 'one signing key, not one per process');
    } finally {
      await c.end();
    }
  });

  it('migrates a second schema of the same database while the first one exists', async () => {
    const other = await createTestSchema();
    try {
      // Both schemas now hold Kysely's bookkeeping tables; each must use its own.
      const db = await openDatabase({ databaseUrl: other.url, dataDir: '' });
      assert.equal(await db.stores.ping(), true);
      await db.stores.close();
    } finally {
      await other.drop();
    }
  });

  it('reopens an up-to-date schema without running the migrator', async () => {
    // Kysely's migrator checks every schema of the database in one catalog query, which fails
    // when another schema is dropped meanwhile (seen in CI). A restart must not depend on it.
    // It also creates its lock table whenever it runs: gone here, it must stay gone.
    const c = new pg.Client({ connectionString: schema.url });
    await c.connect();
    try {
      await c.query('DROP TABLE kysely_migration_lock');
      const db = await openDatabase({ databaseUrl: schema.url, dataDir: '' });
      assert.equal(await db.stores.ping(), true);
      await db.stores.close();
      const lock = await c.query("SELECT to_regclass('kysely_migration_lock') AS t");
      assert.equal(lock.rows[0].t, null, 'the migrator did not run');
    } finally {
      await c.end();
    }
  });
});
