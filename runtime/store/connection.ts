/**
 * A promise-based wrapper over one `sqlite3` connection.
 *
 * All work goes through `exclusive()`, a FIFO lock: SQLite transactions are
 * per connection, so two callers interleaving statements would end up inside
 * each other's transactions. The lock hands its holder an `Executor`; code
 * outside the lock has no way to issue statements.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import sqlite3 from 'sqlite3';
import { SqliteError, StoreClosedError } from './errors.js';

export type SqlValue = string | number | null;
/** `undefined` binds as NULL, so optional record fields can be passed as they are. */
export type SqlParam = SqlValue | undefined;
/** Positional (`?`) or named (`$name`) parameters. */
export type SqlParams = readonly SqlParam[] | Readonly<Record<`$${string}`, SqlParam>>;

export interface RunInfo {
  /** Rows inserted, updated or deleted by the statement. */
  changes: number;
  lastId: number;
}

/** Statements on a connection that the caller holds exclusively. */
export interface Executor {
  run(sql: string, params?: SqlParams): Promise<RunInfo>;
  all<T>(sql: string, params?: SqlParams): Promise<T[]>;
  get<T>(sql: string, params?: SqlParams): Promise<T | undefined>;
  /** Runs one or more statements without parameters (DDL, pragmas). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` in `BEGIN IMMEDIATE … COMMIT`, or in a savepoint when already
   * inside a transaction; rolls back when `fn` throws.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

export interface ConnectionOptions {
  /** How long a statement waits for another connection's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs: number;
}

export class Connection {
  private readonly lock = new FifoLock();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly executor: SqliteExecutor,
    /** The database file, or `:memory:`. */
    readonly file: string,
  ) {}

  /** Opens (creating the file and its directory when needed) and configures the connection. */
  static async open(file: string, options: ConnectionOptions): Promise<Connection> {
    if (file !== ':memory:') await mkdir(dirname(resolve(file)), { recursive: true });
    const connection = new Connection(new SqliteExecutor(await openDatabase(file)), file);
    try {
      await connection.exclusive((db) => configure(db, options));
    } catch (error) {
      await connection.close();
      throw error;
    }
    return connection;
  }

  /** Runs `fn` once every earlier caller is done, with sole use of the connection. */
  exclusive<T>(fn: (db: Executor) => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new StoreClosedError('the database connection'));
    return this.lock.run(() => fn(this.executor));
  }

  /** `exclusive` plus a transaction around `fn`. */
  transaction<T>(fn: (db: Executor) => Promise<T>): Promise<T> {
    return this.exclusive((db) => db.transaction(() => fn(db)));
  }

  /** Closes after the work already queued on the lock. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.lock.run(() => this.executor.close());
    return this.closing;
  }
}

async function configure(db: Executor, { busyTimeoutMs }: ConnectionOptions): Promise<void> {
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) throw new RangeError(`busyTimeoutMs must be a non-negative integer, got ${busyTimeoutMs}`);
  await db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  await enableWal(db, busyTimeoutMs);
  // With WAL, synchronous=NORMAL survives application crashes (only a power
  // loss can lose the last commits) and spares an fsync per transaction.
  await db.exec('PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON');
}

/**
 * WAL lets readers and one writer work at once, across processes. The mode is
 * stored in the file, so only the first open of a new database switches it,
 * which takes an exclusive lock. When several processes open a new file at
 * once, SQLite reports that conflict at once instead of calling the busy
 * handler (waiting could deadlock), so the wait happens here.
 */
async function enableWal(db: Executor, busyTimeoutMs: number): Promise<void> {
  const deadline = Date.now() + busyTimeoutMs;
  for (let delayMs = 5; ; delayMs = Math.min(delayMs * 2, 100)) {
    try {
      await db.exec('PRAGMA journal_mode = WAL');
      return;
    } catch (error) {
      if (!(error instanceof SqliteError && error.busy) || Date.now() >= deadline) throw error;
      await sleep(delayMs);
    }
  }
}

function openDatabase(file: string): Promise<sqlite3.Database> {
  return new Promise((resolvePromise, reject) => {
    const db: sqlite3.Database = new sqlite3.Database(file, (error) => (error ? reject(new SqliteError(error, `open ${file}`)) : resolvePromise(db)));
  });
}

class SqliteExecutor implements Executor {
  /**
   * Prepared statements by SQL text. Reusing them saves two round trips to
   * the thread pool per statement (prepare and finalize), which is most of
   * the cost of a small write. Callers therefore pass values as parameters,
   * never spliced into the SQL, which keeps this map small.
   */
  private readonly statements = new Map<string, Promise<sqlite3.Statement>>();
  private depth = 0;

  constructor(private readonly db: sqlite3.Database) {}

  async run(sql: string, params: SqlParams = []): Promise<RunInfo> {
    const statement = await this.prepare(sql);
    return new Promise((resolvePromise, reject) => {
      statement.run(bindable(params), function (this: sqlite3.RunResult, error: Error | null) {
        if (error) reject(failed(statement, error, sql));
        else resolvePromise({ changes: this.changes, lastId: this.lastID });
      });
    });
  }

  async all<T>(sql: string, params: SqlParams = []): Promise<T[]> {
    const statement = await this.prepare(sql);
    return new Promise((resolvePromise, reject) => {
      statement.all<T>(bindable(params), (error, rows) => (error ? reject(failed(statement, error, sql)) : resolvePromise(rows)));
    });
  }

  /**
   * The first row. Implemented with `all` on purpose: `Statement#get` steps
   * once and leaves the statement active, and a cached statement left active
   * keeps its read transaction open. That pins the connection's snapshot,
   * hiding other processes' writes, and makes COMMIT fail after an
   * `INSERT … RETURNING`.
   */
  async get<T>(sql: string, params: SqlParams = []): Promise<T | undefined> {
    const rows = await this.all<T>(sql, params);
    return rows[0];
  }

  exec(sql: string): Promise<void> {
    return new Promise((resolvePromise, reject) => {
      this.db.exec(sql, (error) => (error ? reject(new SqliteError(error, sql)) : resolvePromise()));
    });
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    const savepoint = this.depth > 0 ? `nested_${this.depth}` : undefined;
    // IMMEDIATE takes the write lock up front, so the busy timeout applies
    // here; a deferred transaction upgrading to write can fail at once.
    await this.exec(savepoint ? `SAVEPOINT ${savepoint}` : 'BEGIN IMMEDIATE');
    this.depth += 1;
    try {
      const result = await fn();
      await this.exec(savepoint ? `RELEASE ${savepoint}` : 'COMMIT');
      return result;
    } catch (error) {
      await this.rollback(savepoint);
      throw error;
    } finally {
      this.depth -= 1;
    }
  }

  async close(): Promise<void> {
    // sqlite3_close refuses to close a connection with unfinalized statements.
    const statements = await Promise.allSettled(this.statements.values());
    this.statements.clear();
    for (const settled of statements) {
      if (settled.status === 'fulfilled') await new Promise<void>((done) => settled.value.finalize(() => done()));
    }
    await new Promise<void>((resolvePromise, reject) => {
      this.db.close((error) => (error ? reject(new SqliteError(error, 'close')) : resolvePromise()));
    });
  }

  private async rollback(savepoint: string | undefined): Promise<void> {
    try {
      await this.exec(savepoint ? `ROLLBACK TO ${savepoint}; RELEASE ${savepoint}` : 'ROLLBACK');
    } catch {
      // The error that got us here is the one worth reporting. A failed
      // rollback means SQLite already rolled back (e.g. after a failed
      // COMMIT) or the connection is gone; either way no transaction is left.
    }
  }

  private prepare(sql: string): Promise<sqlite3.Statement> {
    const cached = this.statements.get(sql);
    if (cached) return cached;
    const prepared = new Promise<sqlite3.Statement>((resolvePromise, reject) => {
      const statement = this.db.prepare(sql, (error) => (error ? reject(new SqliteError(error, sql)) : resolvePromise(statement)));
    });
    this.statements.set(sql, prepared);
    // Do not cache a failure (e.g. a table that a later migration creates).
    prepared.catch(() => this.statements.delete(sql));
    return prepared;
  }
}

/** Wraps a statement error and resets the statement so it holds no lock or snapshot until its next use. */
function failed(statement: sqlite3.Statement, error: Error, sql: string): SqliteError {
  statement.reset();
  return new SqliteError(error, sql);
}

function bindable(params: SqlParams): SqlValue[] | Record<string, SqlValue> {
  if (isPositional(params)) return params.map((value) => value ?? null);
  const named: Record<string, SqlValue> = {};
  for (const [name, value] of Object.entries(params)) named[name] = value ?? null;
  return named;
}

function isPositional(params: SqlParams): params is readonly SqlParam[] {
  return Array.isArray(params);
}

/** Runs async functions one at a time, in call order. */
class FifoLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    // The next holder waits for this one to settle, whatever its outcome.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
