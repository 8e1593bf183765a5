/** Opens SQLite (default) or PostgreSQL, runs the versioned migrations, returns the Stores. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration } from 'kysely';
import type { Stores } from '../core/ports.js';
import * as m0001 from './migrations/0001-init.js';
import * as m0002 from './migrations/0002-login-attempts.js';
import * as m0003 from './migrations/0003-token-binding.js';
import * as m0004 from './migrations/0004-portal.js';
import * as m0005 from './migrations/0005-admin.js';
import * as m0006 from './migrations/0006-pg-byte-order.js';
import * as m0007 from './migrations/0007-partial-token-indexes.js';
import * as m0008 from './migrations/0008-code-replay.js';
import type { SqlExecutor } from './prepared.js';
import { openSqlite, SqliteExecutor } from './sqlite.js';
import { createStores } from './stores/index.js';

const MIGRATIONS: Record<string, Migration> = {
  '0001-init': m0001,
  '0002-login-attempts': m0002,
  '0003-token-binding': m0003,
  '0004-portal': m0004,
  '0005-admin': m0005,
  '0006-pg-byte-order': m0006,
  '0007-partial-token-indexes': m0007,
  '0008-code-replay': m0008,
};

export interface DatabaseOptions {
  /** postgres://… selects PostgreSQL; otherwise SQLite in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** SQLite only: ':memory:' for tests. */
  sqliteFile?: string;
}

export interface Database {
  executor: SqlExecutor;
  stores: Stores;
  describe: string;
  /**
   * Run start-up work (defaults, import files) in one process at a time: PostgreSQL takes an
   * advisory lock, since two processes importing at once would race on unique keys; SQLite
   * serialises writers already (BEGIN IMMEDIATE).
   */
  serialized<T>(fn: () => Promise<T>): Promise<T>;
}

async function migrate(db: Kysely<unknown>, schema?: string, ownTransaction = false): Promise<void> {
  // Kysely's migrator takes its own pg_advisory_lock around the migrations, but creates its
  // bookkeeping tables before that; openDatabase also holds a Pixie advisory lock around the whole.
  // PostgreSQL: name the schema, or Kysely takes another schema's bookkeeping tables (same
  // database, other installation) for its own and then fails to find them on the search_path.
  const migrator = new Migrator({
    db, migrationTableSchema: schema, provider: { getMigrations: async () => MIGRATIONS }, allowUnorderedMigrations: true,
    disableTransactions: ownTransaction,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    const which = failed ? ` ${failed.migrationName}` : 's';
    throw new Error(`database migration${which} failed: ${(error as Error).message ?? error}`);
  }
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.databaseUrl && /^postgres(ql)?:\/\//.test(opts.databaseUrl)) {
    // Loaded only for PostgreSQL: the default SQLite start-up does not pay for `pg`.
    const { openPostgres, PostgresExecutor, withAdvisoryLock } = await import('./postgres.js');
    const pool = openPostgres(opts.databaseUrl);
    const kysely = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: openPostgres(opts.databaseUrl, 1) }) });
    try {
      const schema = (await pool.query<{ s: string | null }>('SELECT current_schema() AS s')).rows[0]?.s;
      if (!schema) throw new Error('PostgreSQL has no current schema: the search_path names no existing schema');
      await withAdvisoryLock(pool, 'migrate', true, () => migrate(kysely, schema));
    } catch (err) {
      await pool.end();
      throw err;
    } finally {
      await kysely.destroy();
    }
    const executor = new PostgresExecutor(pool);
    return {
      executor, stores: createStores(executor), describe: `PostgreSQL ${redactUrl(opts.databaseUrl)}`,
      serialized: async (fn) => (await withAdvisoryLock(pool, 'setup', true, fn))!.value,
    };
  }
  const file = opts.sqliteFile ?? join(opts.dataDir, 'pixie.db');
  if (file !== ':memory:') mkdirSync(opts.dataDir, { recursive: true });
  const sqlite = openSqlite(file);
  const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
  // One IMMEDIATE transaction around the whole migration (Kysely's own would be deferred):
  // other processes opening the same file wait for it (busy_timeout) instead of racing to
  // create the same tables. Not destroyed after: that would close the shared handle.
  sqlite.exec('BEGIN IMMEDIATE');
  try {
    await migrate(kysely, undefined, true);
    sqlite.exec('COMMIT');
  } catch (err) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    sqlite.close();
    throw err;
  }
  const executor = new SqliteExecutor(sqlite);
  return { executor, stores: createStores(executor), describe: `SQLite ${file}`, serialized: (fn) => fn() };
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
