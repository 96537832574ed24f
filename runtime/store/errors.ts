/**
 * Typed errors of the run store. SQLite's own errors are wrapped at the
 * connection boundary: they arrive from a native callback without a useful
 * JavaScript stack, so the wrapper names the statement that failed.
 */
import type { ReelgraphEvent } from '../contract/events.js';
import type { SerializedError } from '../contract/errors.js';
import { ReelgraphError } from '../contract/errors.js';

export class StoreError extends ReelgraphError {}

/** SQLite codes that mean "another connection holds the lock": waiting and retrying helps. */
const BUSY_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

export class SqliteError extends StoreError {
  /** SQLite's result code name, e.g. `SQLITE_CONSTRAINT`. */
  readonly sqliteCode: string;
  readonly sql: string;

  constructor(cause: Error & { code?: unknown }, sql: string) {
    const sqliteCode = typeof cause.code === 'string' ? cause.code : 'SQLITE_ERROR';
    super('STORE_SQLITE', `${cause.message} (in: ${abbreviate(sql)})`, { cause, retryable: BUSY_CODES.has(sqliteCode) });
    this.sqliteCode = sqliteCode;
    this.sql = sql;
  }

  /** The database was locked by another connection for longer than the busy timeout. */
  get busy(): boolean {
    return BUSY_CODES.has(this.sqliteCode);
  }
}

export class StoreClosedError extends StoreError {
  constructor(what = 'the run store') {
    super('STORE_CLOSED', `${what} is closed`, { retryable: false });
  }
}

export class UnknownRunError extends StoreError {
  readonly runId: string;

  constructor(runId: string) {
    super('RUN_NOT_FOUND', `run "${runId}" does not exist in the store`, { retryable: false });
    this.runId = runId;
  }
}

export class MigrationError extends StoreError {
  readonly migrationId: number | undefined;

  constructor(message: string, options: { migrationId?: number; cause?: unknown } = {}) {
    super('STORE_MIGRATION', message, { cause: options.cause, retryable: false });
    this.migrationId = options.migrationId;
  }
}

/** One queued event that could not be written, and why. */
export interface EventWriteFailure {
  event: ReelgraphEvent;
  error: SerializedError;
}

/**
 * Queued events were dropped because writing them failed for a reason that
 * retrying cannot fix (a constraint, a missing run, a broken database).
 * Reported once, by the next `flush()` (or `close()`).
 */
export class WriteBehindError extends StoreError {
  /** The first failures, in queue order (capped: a broken database fails every event). */
  readonly failures: readonly EventWriteFailure[];
  /** How many events were dropped in total. */
  readonly dropped: number;

  constructor(failures: readonly EventWriteFailure[], dropped: number) {
    const first = failures[0];
    const head = dropped === 1 ? '1 queued event was' : `${dropped} queued events were`;
    const detail = first ? `; first: ${first.event.type} event of run "${first.event.runId}": ${first.error.message}` : '';
    super('STORE_WRITE_BEHIND', `${head} not written${detail}`, { retryable: false });
    this.failures = failures;
    this.dropped = dropped;
  }
}

function abbreviate(sql: string): string {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}
