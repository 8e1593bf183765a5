/** better-sqlite3 executor: WAL, foreign keys, statements prepared once and reused. */
import Database from 'better-sqlite3';
import { AsyncLocalStorage } from 'node:async_hooks';
import { bind, compile, ReadCache, type Params, type SqlExecutor, type Statement } from './prepared.js';
import { FALLBACK_AUTOCHECKPOINT, startCheckpointer, type Checkpointer } from './sqlite-checkpoint.js';

export function openSqlite(file: string): Database.Database {
  const db = new Database(file);
  // First: every later statement, switching a new file to WAL included, waits for another
  // process's lock (several processes starting together) instead of failing with SQLITE_BUSY.
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: every commit survives a process crash; only an OS crash or power
  // loss may lose the last commits. PIXIE_SQLITE_SYNCHRONOUS=FULL trades speed for that.
  db.pragma(`synchronous = ${process.env.PIXIE_SQLITE_SYNCHRONOUS === 'FULL' ? 'FULL' : 'NORMAL'}`);
  db.pragma('foreign_keys = ON');
  return db;
}

export class SqliteExecutor implements SqlExecutor {
  readonly dialect = 'sqlite' as const;
  private readonly prepared = new Map<number, Database.Statement>();
  private readonly inTx = new AsyncLocalStorage<true>();
  /** Settles when the running transaction ends; statements from outside it wait for that. */
  private txDone: Promise<void> | null = null;
  private readonly running = new Set<string>();
  /**
   * Group commit: the writes of one event-loop turn share one transaction, committed in the
   * check phase (setImmediate). Responses wait for it through sync(), so nothing is answered
   * before it is durable, and concurrent token requests share one commit.
   */
  private batch: { done: Promise<void>; settle: (err?: unknown) => void } | null = null;

  /** WAL checkpoints off the event loop (sqlite-checkpoint.ts); none for an in-memory database. */
  private readonly checkpointer: Checkpointer | null = null;

  constructor(readonly db: Database.Database) {
    if (!db.memory) {
      db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT}`);
      this.checkpointer = startCheckpointer(db.name);
    }
  }

  private readonly cache = new ReadCache();

  private prepare(stmt: Statement<unknown>): { s: Database.Statement; params: (p: Params) => unknown[] } {
    const c = compile(stmt, 'sqlite');
    let s = this.prepared.get(stmt.id);
    if (!s) {
      s = this.db.prepare(c.sql);
      this.prepared.set(stmt.id, s);
    }
    if (!s.readonly) {
      this.joinBatch();
      this.cache.written(c); // every SQLite write is in a batch or an explicit transaction
    }
    return { s, params: (p) => bind(c, p) };
  }

  // Each method waits *inline* while another caller's explicit transaction runs, and then runs its
  // statement in the same synchronous step: no await may come between the check and the statement,
  // or a transaction could begin in the gap and swallow the statement.

  async all<R>(stmt: Statement<R>, params: Params = {}): Promise<R[]> {
    while (this.txDone && !this.inTx.getStore()) await this.txDone;
    const { s, params: bindParams } = this.prepare(stmt);
    const load = () => (s.reader ? (s.all(...bindParams(params)) as R[]) : (s.run(...bindParams(params)), []));
    return stmt.cacheMs ? this.cache.get(stmt, params, load) : load();
  }

  async first<R>(stmt: Statement<R>, params: Params = {}): Promise<R | null> {
    while (this.txDone && !this.inTx.getStore()) await this.txDone;
    const { s, params: bindParams } = this.prepare(stmt);
    const load = () => (s.get(...bindParams(params)) as R | undefined) ?? null;
    return stmt.cacheMs ? this.cache.get(stmt, params, load) : load();
  }

  async run(stmt: Statement<unknown>, params: Params = {}): Promise<number> {
    while (this.txDone && !this.inTx.getStore()) await this.txDone;
    const { s, params: bindParams } = this.prepare(stmt);
    return s.run(...bindParams(params)).changes;
  }

  /** Open the turn's write transaction unless one (a batch, or an explicit transaction) is open. */
  private joinBatch(): void {
    if (this.batch || this.db.inTransaction) return;
    this.db.exec('BEGIN IMMEDIATE');
    let settle!: (err?: unknown) => void;
    const done = new Promise<void>((resolve, reject) => (settle = (err) => (err ? reject(err) : resolve())));
    done.catch(() => {}); // a failed commit is reported to whoever awaits sync()
    this.batch = { done, settle };
    setImmediate(() => this.commitBatch());
  }

  private commitBatch(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = null;
    try {
      this.db.exec('COMMIT');
      this.cache.committed();
      batch.settle();
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.cache.rolledBack();
      batch.settle(err);
    }
  }

  /** Resolves once every write made so far is committed. */
  sync(): Promise<void> | null {
    return this.batch ? this.batch.done : null;
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inTx.getStore()) return fn();
    // Re-checked after every wake-up, then taken in the same synchronous step: of several queued
    // transactions exactly one proceeds, the others wait for it.
    while (this.txDone) await this.txDone;
    let release!: () => void;
    this.txDone = new Promise((r) => (release = r));
    try {
      this.commitBatch();
      this.db.exec('BEGIN IMMEDIATE');
      const result = await this.inTx.run(true, fn);
      this.db.exec('COMMIT');
      this.cache.committed();
      return result;
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.cache.rolledBack();
      throw err;
    } finally {
      this.txDone = null;
      // An enabled AsyncLocalStorage makes Node 20 run a hook on every promise of every request;
      // transactions are rare (admin, import), so it is only on while one runs.
      this.inTx.disable();
      release();
    }
  }

  /**
   * SQLite has no advisory locks: jobs are exclusive within this process only, and the CLI runs
   * them in one process (the cluster primary, or the single server).
   */
  async exclusive(name: string, fn: () => Promise<void>): Promise<boolean> {
    if (this.running.has(name)) return false;
    this.running.add(name);
    try {
      await fn();
      return true;
    } finally {
      this.running.delete(name);
    }
  }

  async close(): Promise<void> {
    this.commitBatch();
    await this.checkpointer?.stop();
    this.db.close();
  }
}
