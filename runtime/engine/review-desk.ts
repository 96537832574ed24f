/**
 * The review desk: where waiting review gates (`control.review`) get their
 * decisions. Decisions are stored (ReviewRecords), never only held in
 * memory: a gate a restarted process finds still pending waits again with
 * the same deadline, and one decided while no process ran the run (the CLI
 * against the same database) lets the run go on when it resumes.
 *
 * A waiting gate costs a timer and a promise in the coordinator, no worker
 * and no pool slot. It wakes when this process records a decision (the API),
 * when its deadline passes, or on a slow poll of the record, which is how a
 * decision written by another process (`reelgraph approve`) arrives.
 */
import { CancelledError, ReelgraphError } from '../contract/errors.js';
import type { ReviewDecider } from '../contract/events.js';
import { resolveDecision, type ReviewDecisionRequest, type ReviewItem, type ReviewRecord } from '../contract/review.js';
import type { NewReview, ReviewRecords, ReviewReopening } from '../store/review-tables.js';

/** How often a waiting gate reads its record for a decision made by another process. */
export const DEFAULT_REVIEW_POLL_MS = 1000;

/** A decision for a gate that is not waiting (none opened, already decided, or the run was cancelled). HTTP 409. */
export class ReviewNotPendingError extends ReelgraphError {
  readonly status = 409;
  constructor(message: string, nodeId?: string) {
    super('REVIEW_NOT_PENDING', message, { retryable: false, ...(nodeId ? { location: { nodeId } } : {}) });
  }
}

/** A decision that cannot apply: items the gate does not have, or no gate named when several wait. HTTP 400. */
export class InvalidReviewDecisionError extends ReelgraphError {
  readonly status = 400;
  constructor(
    message: string,
    /** The part of the decision at fault. */
    readonly field: 'node' | 'items' | 'edits',
    nodeId?: string,
  ) {
    super('INVALID_DECISION', message, { retryable: false, ...(nodeId ? { location: { nodeId } } : {}) });
  }
}

export interface ReviewDeskOptions {
  /** @defaultValue 1000 (DEFAULT_REVIEW_POLL_MS) */
  pollMs?: number;
  now?: () => number;
}

export class ReviewDesk {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly pollMs: number;
  private readonly now: () => number;

  constructor(
    readonly records: ReviewRecords,
    options: ReviewDeskOptions = {},
  ) {
    this.pollMs = options.pollMs ?? DEFAULT_REVIEW_POLL_MS;
    if (!(this.pollMs > 0)) throw new RangeError(`pollMs must be positive, got ${this.pollMs}`);
    this.now = options.now ?? Date.now;
  }

  /** Opens the gate's review, or finds the one a previous process opened (same items summary, same deadline). */
  open(review: Omit<NewReview, 'createdAt' | 'deadlineAt'> & { timeoutMs?: number }): Promise<ReviewRecord> {
    const { timeoutMs, ...rest } = review;
    const createdAt = this.now();
    return this.records.open({ ...rest, createdAt, ...(timeoutMs !== undefined ? { deadlineAt: createdAt + timeoutMs } : {}) });
  }

  /**
   * Resolves with the gate's record once it is decided; the deadline decides
   * it per `onTimeout` when nobody did. Rejects with CancelledError on `signal`.
   */
  async waitForDecision(runId: string, nodeId: string, signal: AbortSignal): Promise<ReviewRecord> {
    for (;;) {
      if (signal.aborted) throw new CancelledError();
      const record = await this.named(runId, nodeId);
      if (record.status !== 'pending') return record;
      const left = record.deadlineAt === undefined ? Infinity : record.deadlineAt - this.now();
      if (left <= 0) {
        const all = record.items.map((item) => item.index);
        const approve = record.onTimeout === 'approve';
        await this.records.decide(runId, nodeId, {
          status: approve ? 'approved' : 'rejected',
          decidedAt: this.now(),
          decidedBy: 'timeout',
          approved: approve ? all : [],
          rejected: approve ? [] : all,
        });
        continue;
      }
      await this.nap(`${runId}\u0000${nodeId}`, Math.min(left, this.pollMs), signal);
    }
  }

  /**
   * Records a person's decision (see `resolveDecision`). Without `node`, the
   * run's one pending gate. Wakes the gate at once when this process holds it.
   */
  async decide(runId: string, request: ReviewDecisionRequest & { by: ReviewDecider }): Promise<ReviewRecord> {
    const gate = request.node !== undefined ? await this.named(runId, request.node) : await this.onlyPending(runId);
    if (gate.status !== 'pending') {
      throw new ReviewNotPendingError(`the review at "${gate.nodeId}" was ${gate.status}${gate.decidedBy ? ` (by ${gate.decidedBy})` : ''} already`, gate.nodeId);
    }
    const resolved = resolveDecision(request, gate.items.length, gate.rejectedItems);
    if ('problem' in resolved) throw new InvalidReviewDecisionError(resolved.problem, resolved.field, gate.nodeId);
    const round = gate.round ?? 1;
    const edits = request.edits?.length ? { edits: [...(gate.edits ?? []), ...request.edits.map((edit) => ({ ...edit, round }))] } : {};
    const decided = await this.records.decide(runId, gate.nodeId, {
      ...resolved,
      decidedAt: this.now(),
      decidedBy: request.by,
      ...(request.note !== undefined ? { note: request.note } : {}),
      ...edits,
    });
    if (!decided) throw new ReviewNotPendingError(`the review at "${gate.nodeId}" was decided meanwhile`, gate.nodeId);
    this.wake(`${runId}\u0000${gate.nodeId}`);
    return (await this.records.get(runId, gate.nodeId)) as ReviewRecord;
  }

  private async named(runId: string, nodeId: string): Promise<ReviewRecord> {
    const review = await this.records.get(runId, nodeId);
    if (!review) throw new ReviewNotPendingError(`run "${runId}" has no review at "${nodeId}"`, nodeId);
    return review;
  }

  /** The run's one pending gate, for a decision that names none. */
  private async onlyPending(runId: string): Promise<ReviewRecord> {
    const pending = (await this.records.forRun(runId)).filter((r) => r.status === 'pending');
    const [only] = pending;
    if (pending.length === 1 && only) return only;
    if (pending.length === 0) throw new ReviewNotPendingError(`run "${runId}" has no review waiting for a decision`);
    throw new InvalidReviewDecisionError(`${pending.length} review gates of run "${runId}" wait (${pending.map((r) => r.nodeId).join(', ')}): name one with "node"`, 'node');
  }

  /** The next round of a decided review, once its rejected or edited items were made again; false when it moved on meanwhile. */
  async reopen(runId: string, nodeId: string, reopening: Omit<ReviewReopening, 'deadlineAt'> & { timeoutMs?: number }): Promise<boolean> {
    const { timeoutMs, ...rest } = reopening;
    const reopened = await this.records.reopen(runId, nodeId, { ...rest, ...(timeoutMs !== undefined ? { deadlineAt: this.now() + timeoutMs } : {}) });
    return reopened;
  }

  refreshItems(runId: string, nodeId: string, items: ReviewItem[]): Promise<void> {
    return this.records.refreshItems(runId, nodeId, items);
  }

  /** The run was cancelled while the gate waited: the review is closed so nobody is asked any more. */
  async withdraw(runId: string, nodeId: string): Promise<void> {
    await this.records.decide(runId, nodeId, { status: 'cancelled', decidedAt: this.now() });
  }

  /** Waits up to `ms`, or until woken or aborted (then CancelledError). */
  private nap(key: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const set = this.waiters.get(key) ?? new Set<() => void>();
      this.waiters.set(key, set);
      const settle = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        set.delete(wakeUp);
        if (set.size === 0) this.waiters.delete(key);
      };
      const wakeUp = (): void => {
        settle();
        resolve();
      };
      const onAbort = (): void => {
        settle();
        reject(new CancelledError());
      };
      const timer = setTimeout(wakeUp, ms);
      set.add(wakeUp);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private wake(key: string): void {
    for (const waiter of [...(this.waiters.get(key) ?? [])]) waiter();
  }
}
