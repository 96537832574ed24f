/**
 * The write-behind queue for run events. Recording an event is an array push;
 * what is queued is written on the next turn of the event loop, in batches of
 * one transaction each, because a run may emit thousands of item events and a
 * commit per event would make the store the bottleneck. Batches are bounded
 * so that no single one holds the database lock for long: other statements of
 * this process, and other processes, get their turn in between.
 *
 * Failure policy, so that nothing is lost silently:
 * - the database is busy (another process held the lock past the busy
 *   timeout): the batch goes back to the front of the queue and is retried;
 * - anything else: the batch is replayed with a savepoint per event, so one
 *   bad event (say, for an unknown run) costs only itself. Dropped events are
 *   reported by the next `flush()`.
 */
import type { ProgressEvent, ReelgraphEvent } from '../contract/events.js';
import { serializeError } from '../contract/errors.js';
import type { ApplyOptions } from './apply-event.js';
import { applyEvent } from './apply-event.js';
import type { Connection, Executor } from './connection.js';
import type { EventWriteFailure } from './errors.js';
import { SqliteError, WriteBehindError } from './errors.js';

/** Enough failures to diagnose; a broken database would otherwise fail every queued event. */
const MAX_REPORTED_FAILURES = 100;
/** Events per transaction: a few tens of milliseconds of writing, so the lock is never held for long. */
const MAX_BATCH_EVENTS = 1000;
/** Wait before retrying a batch that found the database busy (on top of the busy timeout). */
const BUSY_RETRY_DELAY_MS = 250;

export interface WriteBehindStats {
  /** Events waiting to be written. */
  queued: number;
  /** Transactions committed. */
  batches: number;
  written: number;
  dropped: number;
}

export class WriteBehindQueue {
  private events: ReelgraphEvent[] = [];
  /** Latest node-level progress per run and node: only the last value is worth a write. */
  private progress = new Map<string, ProgressEvent>();
  private cancelTimer: (() => void) | undefined;
  private stopped = false;
  private failures: EventWriteFailure[] = [];
  private unreported = 0;
  private readonly counters = { batches: 0, written: 0, dropped: 0 };

  constructor(
    private readonly connection: Connection,
    private readonly options: ApplyOptions,
  ) {}

  enqueue(event: ReelgraphEvent): void {
    if (event.type === 'progress') this.coalesceProgress(event);
    else this.events.push(event);
    this.schedule(0);
  }

  /**
   * Writes everything queued so far. Call it while holding the connection
   * (inside `exclusive`), which orders it after every earlier write. Throws
   * only when the database is busy; the events then stay queued.
   */
  async writePending(db: Executor): Promise<void> {
    while (await this.writeBatch(db));
  }

  /** Writes everything queued, a batch per turn of the connection, then reports the events dropped since the last report. */
  async flush(): Promise<void> {
    while (await this.connection.exclusive((db) => this.writeBatch(db)));
    this.reportFailures();
  }

  /** Throws the failures not reported yet, once. */
  reportFailures(): void {
    if (this.unreported === 0) return;
    const error = new WriteBehindError(this.failures, this.unreported);
    this.failures = [];
    this.unreported = 0;
    throw error;
  }

  /** No more scheduled writes; `flush()` still writes what is queued. */
  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  stats(): WriteBehindStats {
    return { queued: this.queued(), ...this.counters };
  }

  /** Writes one batch; true when more events are waiting. */
  private async writeBatch(db: Executor): Promise<boolean> {
    const batch = this.take();
    if (batch.length === 0) return false;
    await this.writeOrReplay(db, batch);
    return this.queued() > 0;
  }

  private async writeOrReplay(db: Executor, batch: ReelgraphEvent[]): Promise<void> {
    try {
      await this.commit(db, batch, { isolate: false });
    } catch (error) {
      if (isBusy(error)) return this.putBack(batch, error);
      try {
        await this.commit(db, batch, { isolate: true });
      } catch (replayError) {
        if (isBusy(replayError)) return this.putBack(batch, replayError);
        // The transaction itself failed: the database is unusable.
        for (const event of batch) this.recordFailure(event, replayError);
      }
    }
  }

  private queued(): number {
    return this.events.length + this.progress.size;
  }

  private coalesceProgress(event: ProgressEvent): void {
    // Item-level progress is not stored (see applyEvent), so it is not queued either.
    if (event.index === undefined) this.progress.set(`${event.runId}\u0000${event.nodeId}`, event);
  }

  private take(): ReelgraphEvent[] {
    const batch = this.events.splice(0, MAX_BATCH_EVENTS);
    // Progress goes after the last events: it only sets a column on rows they create.
    if (this.events.length === 0) {
      batch.push(...this.progress.values());
      this.progress.clear();
    }
    return batch;
  }

  /** Returns a batch that found the database busy to the front of the queue, retries later, and rethrows. */
  private putBack(batch: ReelgraphEvent[], error: unknown): never {
    this.events = batch.concat(this.events);
    this.schedule(BUSY_RETRY_DELAY_MS);
    throw error;
  }

  /** Writes the batch in one transaction; with `isolate`, events that fail are rolled back alone and reported. */
  private async commit(db: Executor, batch: ReelgraphEvent[], { isolate }: { isolate: boolean }): Promise<void> {
    const failures: Array<{ event: ReelgraphEvent; error: unknown }> = [];
    await db.transaction(async () => {
      for (const event of batch) {
        if (!isolate) {
          await applyEvent(db, event, this.options);
          continue;
        }
        try {
          await db.transaction(() => applyEvent(db, event, this.options));
        } catch (error) {
          failures.push({ event, error });
        }
      }
    });
    this.counters.batches += 1;
    this.counters.written += batch.length - failures.length;
    for (const { event, error } of failures) this.recordFailure(event, error);
  }

  private recordFailure(event: ReelgraphEvent, error: unknown): void {
    this.counters.dropped += 1;
    this.unreported += 1;
    if (this.failures.length < MAX_REPORTED_FAILURES) this.failures.push({ event, error: serializeError(error) });
  }

  private schedule(delayMs: number): void {
    if (this.cancelTimer || this.stopped) return;
    const tick = (): void => {
      this.cancelTimer = undefined;
      void this.tick();
    };
    if (delayMs === 0) {
      const immediate = setImmediate(tick);
      this.cancelTimer = () => clearImmediate(immediate);
    } else {
      const timeout = setTimeout(tick, delayMs);
      this.cancelTimer = () => clearTimeout(timeout);
    }
  }

  private async tick(): Promise<void> {
    if (this.queued() === 0) return;
    try {
      const more = await this.connection.exclusive((db) => this.writeBatch(db));
      if (more) this.schedule(0);
    } catch {
      // Nothing to add here: a busy database already has a retry scheduled
      // (see putBack), and a closed connection leaves the events queued for
      // the next flush(), which fails with the same error.
    }
  }
}

function isBusy(error: unknown): boolean {
  return error instanceof SqliteError && error.busy;
}
