/** pg executor: a pool, named prepared statements, transactions on one pooled client. */
import pg from 'pg';
import { AsyncLocalStorage } from 'node:async_hooks';
import { bind, compile, ReadCache, type Params, type SqlExecutor, type Statement } from './prepared.js';
import { rethrowStorageError } from './unavailable.js';

// int8 (bigint) columns hold epoch seconds: safe as JS numbers.
pg.types.setTypeParser(20, (v) => Number(v));

export function openPostgres(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000 });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => {});
  return pool;
}

/**
 * Advisory locks are per database; the key includes the schema so that two Pixie installations
 * in different schemas of one database (and parallel test runs) do not wait for each other.
 */
const LOCK_KEY = "hashtext('pixie:' || current_schema() || ':' || $1)";

/**
 * Run `fn` while holding a session-level advisory lock on a dedicated connection.
 * wait=false: return null at once when another process holds it (pg_try_advisory_lock).
 */
export async function withAdvisoryLock<T>(pool: pg.Pool, name: string, wait: boolean, fn: () => Promise<T>): Promise<{ value: T } | null> {
  const client = await pool.connect();
  let locked = false;
  try {
    if (wait) {
      await client.query(`SELECT pg_advisory_lock(${LOCK_KEY})`, [name]);
      locked = true;
    } else {
      const r = await client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_KEY}) AS ok`, [name]);
      locked = r.rows[0]?.ok === true;
      if (!locked) return null;
    }
    return { value: await fn() };
  } finally {
    if (locked) await client.query(`SELECT pg_advisory_unlock(${LOCK_KEY})`, [name]).catch(() => {});
    client.release();
  }
}

export class PostgresExecutor implements SqlExecutor {
  readonly dialect = 'postgres' as const;
  private readonly tx = new AsyncLocalStorage<pg.PoolClient>();

  constructor(readonly pool: pg.Pool) {}

  private async query<R>(stmt: Statement<R>, params: Params): Promise<pg.QueryResult> {
    const c = compile(stmt, 'postgres');
    const config = { name: `pixie_${stmt.id}`, text: c.sql, values: bind(c, params) };
    const client = this.tx.getStore();
    if (client) {
      this.cache.written(c, true); // cached again after COMMIT
      return client.query(config).catch(rethrowStorageError);
    }
    this.cache.written(c, false);
    const result = await this.pool.query(config).catch(rethrowStorageError);
    // Reads that started while the write was in flight may have cached the old rows.
    if (c.changesConfig) this.cache.clear();
    return result;
  }

  private readonly cache = new ReadCache();
  private openTx = 0;

  private rows<R>(stmt: Statement<R>, params: Params): Promise<R[]> {
    const load = () => this.query(stmt, params).then((r) => r.rows as R[]);
    if (!stmt.cacheMs || this.tx.getStore()) return load();
    return this.cache.get(stmt, params, load);
  }

  async all<R>(stmt: Statement<R>, params: Params = {}): Promise<R[]> {
    return this.rows(stmt, params);
  }

  async first<R>(stmt: Statement<R>, params: Params = {}): Promise<R | null> {
    return (await this.rows(stmt, params))[0] ?? null;
  }

  async run(stmt: Statement<unknown>, params: Params = {}): Promise<number> {
    return (await this.query(stmt, params)).rowCount ?? 0;
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.tx.getStore()) return fn();
    const client = await this.pool.connect().catch(rethrowStorageError);
    this.openTx++;
    try {
      await client.query('BEGIN');
      const result = await this.tx.run(client, fn);
      await client.query('COMMIT');
      this.cache.committed();
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      this.cache.rolledBack();
      throw err;
    } finally {
      client.release();
      // As in SqliteExecutor: keep Node 20's promise hooks off while no transaction runs.
      if (--this.openTx === 0) this.tx.disable();
    }
  }

  async exclusive(name: string, fn: () => Promise<void>): Promise<boolean> {
    return (await withAdvisoryLock(this.pool, name, false, fn)) !== null;
  }

  poolStats(): { total: number; idle: number; waiting: number } {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  /** Every statement commits on its own (or with its explicit transaction). */
  sync(): null {
    return null;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
