/** pg executor: a pool, named prepared statements, transactions on one pooled client. */
import pg from 'pg';
import { AsyncLocalStorage } from 'node:async_hooks';
import { bind, compile, type Params, type SqlExecutor, type Statement } from './prepared.js';

// int8 (bigint) columns hold epoch seconds: safe as JS numbers.
pg.types.setTypeParser(20, (v) => Number(v));

export function openPostgres(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => {});
  return pool;
}

export class PostgresExecutor implements SqlExecutor {
  readonly dialect = 'postgres' as const;
  private readonly tx = new AsyncLocalStorage<pg.PoolClient>();

  constructor(readonly pool: pg.Pool) {}

  private async query<R>(stmt: Statement<R>, params: Params): Promise<pg.QueryResult> {
    const c = compile(stmt, 'postgres');
    const config = { name: `pixie_${stmt.id}`, text: c.sql, values: bind(c, params) };
    const client = this.tx.getStore();
    return client ? client.query(config) : this.pool.query(config);
  }

  async all<R>(stmt: Statement<R>, params: Params = {}): Promise<R[]> {
    return (await this.query(stmt, params)).rows as R[];
  }

  async first<R>(stmt: Statement<R>, params: Params = {}): Promise<R | null> {
    return ((await this.query(stmt, params)).rows[0] as R | undefined) ?? null;
  }

  async run(stmt: Statement<unknown>, params: Params = {}): Promise<number> {
    return (await this.query(stmt, params)).rowCount ?? 0;
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.tx.getStore()) return fn();
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await this.tx.run(client, fn);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
