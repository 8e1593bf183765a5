/** better-sqlite3 executor: WAL, foreign keys, statements prepared once and reused. */
import Database from 'better-sqlite3';
import { AsyncLocalStorage } from 'node:async_hooks';
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { bind, compile, ReadCache, type Params, type SqlExecutor, type Statement } from './prepared.js';
import { FALLBACK_AUTOCHECKPOINT, startCheckpointer, type Checkpointer } from './sqlite-checkpoint.js';
import { storageError } from './unavailable.js';

export function openSqlite(file: string, synchronous: 'NORMAL' | 'FULL' = 'NORMAL'): Database.Database {
  const db = new Database(file);
  // First: every later statement, switching a new file to WAL included, waits for another
  // process's lock (several processes starting together) instead of failing with SQLITE_BUSY.
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: every commit survives a process crash; only an OS crash or power
  // loss may lose the last commits. PIXIE_SQLITE_SYNCHRONOUS=FULL trades speed for that.
  db.pragma(`synchronous = ${synchronous}`);
  db.pragma('foreign_keys = ON');
  return db;
}

type RowOf = (values: unknown[]) => Record<string, unknown>;

/** Below this much free space on the database's file system, /readyz reports it unwritable. */
const MIN_FREE_BYTES = 1024 * 1024;

/**
 * Statements that return rows return them as arrays, made into objects here: better-sqlite3
 * builds row objects in C++ and looks every column name up in V8's string table for every row
 * (~2 µs a row of ~15 columns, measured), plain JS stores into a fresh object cost half that.
 */
function prepareRaw(db: Database.Database, sql: string): { s: Database.Statement; row: RowOf } {
  const s = db.prepare(sql);
  if (!s.reader) return { s, row: () => ({}) };
  s.raw(true);
  const columnNames = () => s.columns().map((c) => c.name);
  let names = columnNames();
  return {
    s,
    row: (values) => {
      // Another process may change the schema (a newer version migrating): SQLite re-prepares the
      // statement, and `*` then expands to other columns than the names read at first.
      if (values.length !== names.length) names = columnNames();
      const row: Record<string, unknown> = {};
      for (let i = 0; i < names.length; i++) row[names[i]] = values[i];
      return row;
    },
  };
}

export class SqliteExecutor implements SqlExecutor {
  readonly dialect = 'sqlite' as const;
  private readonly prepared = new Map<number, { s: Database.Statement; row: RowOf }>();
  private readonly inTx = new AsyncLocalStorage<true>();
  /** Settles when the running transaction ends; statements from outside it wait for that. */
  private txDone: Promise<void> | null = null;
  private readonly running = new Set<string>();
  /**
   * Group commit: the writes of one event-loop turn share one transaction, committed in the
   * check phase (setImmediate). Responses wait for it through sync(), so nothing is answered
   * before it is durable, and concurrent token requests share one commit.
   */
  private batch: { done: Promise<void>; settle: (err?: unknown) => void; failed?: Error } | null = null;
  /**
   * Read batching: the reads of an event-loop turn before its first write share one deferred
   * transaction, ended at the next check phase. In WAL mode every transaction takes and releases
   * a read lock with fcntl system calls: a primary-key SELECT alone costs ~6.6 µs CPU here, ~2.9 µs
   * when five share a transaction. A turn's reads see one snapshot, as its writes share one commit.
   */
  private reading = false;

  /** WAL checkpoints off the event loop (sqlite-checkpoint.ts); none for an in-memory database. */
  private readonly checkpointer: Checkpointer | null = null;

  constructor(readonly db: Database.Database) {
    if (!db.memory) {
      db.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT}`);
      this.checkpointer = startCheckpointer(db.name);
    }
  }

  private readonly cache = new ReadCache();

  private prepare(stmt: Statement<unknown>): { s: Database.Statement; row: RowOf; params: (p: Params) => unknown[] } {
    const c = compile(stmt, 'sqlite');
    let p = this.prepared.get(stmt.id);
    if (!p) {
      p = prepareRaw(this.db, c.sql);
      this.prepared.set(stmt.id, p);
    }
    if (!p.s.readonly) {
      this.joinBatch();
      this.cache.written(c); // every SQLite write is in a batch or an explicit transaction
    }
    return { s: p.s, row: p.row, params: (q) => bind(c, q) };
  }

  // Each method waits *inline* while another caller's explicit transaction runs, and then runs its
  // statement in the same synchronous step: no await may come between the check and the statement,
  // or a transaction could begin in the gap and swallow the statement.

  async all<R>(stmt: Statement<R>, params: Params = {}): Promise<R[]> {
    while (this.txDone && !this.inTx.getStore()) await this.txDone;
    const { s, row, params: bindParams } = this.prepare(stmt);
    const load = (): R[] => this.guard(() => {
      if (!s.reader) return (s.run(...bindParams(params)), []);
      this.joinRead(s);
      return (s.all(...bindParams(params)) as unknown[][]).map(row) as R[];
    });
    return stmt.cacheMs ? this.cache.get(stmt, params, load) : load();
  }

  async first<R>(stmt: Statement<R>, params: Params = {}): Promise<R | null> {
    while (this.txDone && !this.inTx.getStore()) await this.txDone;
    const { s, row, params: bindParams } = this.prepare(stmt);
    const load = () => this.guard(() => {
      this.joinRead(s);
      const values = s.get(...bindParams(params)) as unknown[] | undefined;
      return values ? (row(values) as R) : null;
    });
    return stmt.cacheMs ? this.cache.get(stmt, params, load) : load();
  }

  async run(stmt: Statement<unknown>, params: Params = {}): Promise<number> {
    while (this.txDone && !this.inTx.getStore()) await this.txDone;
    const { s, params: bindParams } = this.prepare(stmt);
    return this.guard(() => s.run(...bindParams(params)).changes);
  }

  /**
   * Runs a statement; a full disk (or another write failure) becomes StorageUnavailable (503, and
   * the outage logged once), and fails the turn's batch: SQLite may have rolled its transaction
   * back, so no request that wrote in it may be answered as if its writes were kept.
   */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      const e = storageError(err);
      if (e !== err) {
        this.writeFailures++;
        if (this.batch && !this.inTx.getStore()) this.batch.failed ??= e as Error;
      }
      throw e;
    }
  }

  private writeFailures = 0;

  writeHealth(): { failures: number; lowOnSpace: boolean } {
    let lowOnSpace = false;
    if (!this.db.memory) {
      try {
        const fs = statfsSync(dirname(this.db.name));
        lowOnSpace = fs.bavail * fs.bsize < MIN_FREE_BYTES;
      } catch { /* no statfs here: the write probe alone decides */ }
    }
    return { failures: this.writeFailures, lowOnSpace };
  }

  /** Before a read (not a cache hit): open the turn's read transaction unless one is open. */
  private joinRead(s: Database.Statement): void {
    if (!s.readonly || this.reading || this.db.inTransaction) return;
    this.db.exec('BEGIN'); // deferred: the snapshot is taken by the first read
    this.reading = true;
    setImmediate(() => this.endRead());
  }

  /**
   * Ends the turn's read transaction: at the check phase, and before a write, which inside it would
   * upgrade its snapshot and fail with SQLITE_BUSY_SNAPSHOT if another process committed since.
   */
  private endRead(): void {
    if (!this.reading) return;
    try {
      if (this.db.inTransaction) this.db.exec('COMMIT');
    } catch {
      if (this.db.inTransaction) this.db.exec('ROLLBACK'); // it only read: nothing to lose
    } finally {
      this.reading = false;
    }
  }

  /** Open the turn's write transaction unless one (a batch, or an explicit transaction) is open. */
  private joinBatch(): void {
    this.endRead();
    if (this.batch || this.txDone) return;
    // Any other open transaction would take the write without sync() waiting for its commit.
    if (this.db.inTransaction) throw new Error('SQLite write outside the batch and outside a transaction');
    this.guard(() => this.db.exec('BEGIN IMMEDIATE'));
    let settle!: (err?: unknown) => void;
    const done = new Promise<void>((resolve, reject) => (settle = (err) => (err ? reject(err instanceof Error ? err : new Error('SQLite commit failed', { cause: err })) : resolve())));
    done.catch(() => {}); // a failed commit is reported to whoever awaits sync()
    this.batch = { done, settle };
    setImmediate(() => this.commitBatch());
  }

  private commitBatch(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = null;
    try {
      // A failed statement (full disk) may have made SQLite roll the whole transaction back:
      // then nothing of the turn is kept, whatever the later statements did.
      if (batch.failed && !this.db.inTransaction) throw batch.failed;
      this.db.exec('COMMIT');
      this.cache.committed();
      batch.settle();
    } catch (err) {
      try {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      } catch { /* the connection rolls back by itself when it cannot */ }
      this.cache.rolledBack();
      const e = storageError(err);
      if (e !== err) this.writeFailures++;
      batch.settle(e);
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
      this.endRead();
      this.commitBatch();
      this.db.exec('BEGIN IMMEDIATE');
      const result = await this.inTx.run(true, fn);
      this.db.exec('COMMIT');
      this.cache.committed();
      return result;
    } catch (err) {
      try {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
      } catch { /* the connection rolls back by itself when it cannot */ }
      this.cache.rolledBack();
      const e = storageError(err);
      if (e !== err) this.writeFailures++;
      throw e;
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
    this.endRead();
    this.commitBatch();
    await this.checkpointer?.stop();
    this.db.close();
  }
}
