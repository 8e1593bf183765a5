/** Opens SQLite (default) or PostgreSQL, runs the versioned migrations, returns the Stores. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type Migration } from 'kysely';
import type { Stores } from '../core/ports.js';
import * as m0001 from './migrations/0001-init.js';
import * as m0002 from './migrations/0002-login-attempts.js';
import * as m0003 from './migrations/0003-partial-token-indexes.js';
import { openPostgres, PostgresExecutor } from './postgres.js';
import type { SqlExecutor } from './prepared.js';
import { openSqlite, SqliteExecutor } from './sqlite.js';
import { createStores } from './stores/index.js';

const MIGRATIONS: Record<string, Migration> = {
  '0001-init': m0001,
  '0002-login-attempts': m0002,
  '0003-partial-token-indexes': m0003,
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
}

async function migrate(db: Kysely<unknown>): Promise<void> {
  // Kysely's migrator takes a lock (a row lock on PostgreSQL) so that several processes
  // starting at once run each migration exactly once.
  const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`);
  }
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.databaseUrl && /^postgres(ql)?:\/\//.test(opts.databaseUrl)) {
    const pool = openPostgres(opts.databaseUrl);
    const kysely = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: openPostgres(opts.databaseUrl, 1) }) });
    try {
      await migrate(kysely);
    } finally {
      await kysely.destroy();
    }
    const executor = new PostgresExecutor(pool);
    return { executor, stores: createStores(executor), describe: `PostgreSQL ${redactUrl(opts.databaseUrl)}` };
  }
  const file = opts.sqliteFile ?? join(opts.dataDir, 'pixie.db');
  if (file !== ':memory:') mkdirSync(opts.dataDir, { recursive: true });
  const sqlite = openSqlite(file);
  const kysely = new Kysely<unknown>({ dialect: new SqliteDialect({ database: sqlite }) });
  await migrate(kysely); // not destroyed: that would close the shared better-sqlite3 handle
  const executor = new SqliteExecutor(sqlite);
  return { executor, stores: createStores(executor), describe: `SQLite ${file}` };
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
