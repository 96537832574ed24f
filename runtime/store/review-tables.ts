/**
 * Data access for review gates (migration 17, `run_reviews`): the record a
 * waiting gate opens and the decision that closes it. Shares the run store's
 * connection. Every change of state is a conditional update (`WHERE status =
 * 'pending'`), so a person, the CLI in another process and a timeout racing
 * for the same gate settle it exactly once.
 */
import type { ReviewDecider, ReviewStatus } from '../contract/events.js';
import type { RejectedItemAction, ReviewEditRecord, ReviewItem, ReviewRecord, ReviewTimeoutAction } from '../contract/review.js';
import type { Connection } from './connection.js';

/** What a gate opens: its storyboard and its timeout rule. */
export interface NewReview {
  runId: string;
  nodeId: string;
  createdAt: number;
  deadlineAt?: number;
  onTimeout: ReviewTimeoutAction;
  rejectedItems: RejectedItemAction;
  items: ReviewItem[];
}

export interface ReviewDecisionRecord {
  status: Exclude<ReviewStatus, 'pending'>;
  decidedAt: number;
  decidedBy?: ReviewDecider;
  approved?: number[];
  rejected?: number[];
  note?: string;
  /** Every edit so far, this decision's included (they are kept across rounds). */
  edits?: ReviewEditRecord[];
}

/** A decided round whose rejected or edited items are being made again: the gate asks again. */
export interface ReviewReopening {
  /** The round that was decided; the reopened one is the next. */
  fromRound: number;
  regenerated: number[];
  /** The storyboard of the new round (the items made again show their new media). */
  items: ReviewItem[];
  /** A gate with a timeout gets the same time again, from now. */
  deadlineAt?: number;
}

/** Where review records live: SQLite (below) for a workspace, memory for an engine without a store. */
export interface ReviewRecords {
  /** Inserts the review unless the gate has one already (a resumed run); returns the stored one either way. */
  open(review: NewReview): Promise<ReviewRecord>;
  get(runId: string, nodeId: string): Promise<ReviewRecord | undefined>;
  /** The run's reviews, pending or decided, in the order the gates opened. */
  forRun(runId: string): Promise<ReviewRecord[]>;
  /** Settles a pending review; false when it was not pending (decided or withdrawn meanwhile). */
  decide(runId: string, nodeId: string, decision: ReviewDecisionRecord): Promise<boolean>;
  /** Opens the next round of an approved review; false when the review is not at `fromRound` and approved any more. */
  reopen(runId: string, nodeId: string, reopening: ReviewReopening): Promise<boolean>;
  /** Replaces a pending review's storyboard (a resumed run shows what it has now). */
  refreshItems(runId: string, nodeId: string, items: ReviewItem[]): Promise<void>;
}

interface ReviewDbRow {
  run_id: string;
  node_id: string;
  status: ReviewStatus;
  created_at: number;
  deadline_at: number | null;
  on_timeout: ReviewTimeoutAction;
  rejected_items: RejectedItemAction;
  items: string;
  decided_at: number | null;
  decided_by: ReviewDecider | null;
  approved: string | null;
  rejected: string | null;
  note: string | null;
  round: number;
  regenerated: string | null;
  edits: string | null;
}

const COLUMNS = 'run_id, node_id, status, created_at, deadline_at, on_timeout, rejected_items, items, decided_at, decided_by, approved, rejected, note, round, regenerated, edits';

const toReview = (row: ReviewDbRow): ReviewRecord => ({
  runId: row.run_id,
  nodeId: row.node_id,
  status: row.status,
  createdAt: row.created_at,
  ...(row.deadline_at !== null ? { deadlineAt: row.deadline_at } : {}),
  onTimeout: row.on_timeout,
  rejectedItems: row.rejected_items,
  items: JSON.parse(row.items) as ReviewItem[],
  ...(row.decided_at !== null ? { decidedAt: row.decided_at } : {}),
  ...(row.decided_by !== null ? { decidedBy: row.decided_by } : {}),
  ...(row.approved !== null ? { approved: JSON.parse(row.approved) as number[] } : {}),
  ...(row.rejected !== null ? { rejected: JSON.parse(row.rejected) as number[] } : {}),
  ...(row.note !== null ? { note: row.note } : {}),
  round: row.round,
  ...(row.regenerated !== null ? { regenerated: JSON.parse(row.regenerated) as number[] } : {}),
  ...(row.edits !== null ? { edits: JSON.parse(row.edits) as ReviewEditRecord[] } : {}),
});

export class ReviewTables implements ReviewRecords {
  constructor(private readonly connection: Connection) {}

  async open(review: NewReview): Promise<ReviewRecord> {
    const row = await this.connection.exclusive(async (db) => {
      await db.run(
        `INSERT INTO run_reviews (run_id, node_id, status, created_at, deadline_at, on_timeout, rejected_items, items)
         VALUES ($runId, $nodeId, 'pending', $createdAt, $deadlineAt, $onTimeout, $rejectedItems, $items)
         ON CONFLICT (run_id, node_id) DO NOTHING`,
        {
          $runId: review.runId,
          $nodeId: review.nodeId,
          $createdAt: review.createdAt,
          $deadlineAt: review.deadlineAt ?? null,
          $onTimeout: review.onTimeout,
          $rejectedItems: review.rejectedItems,
          $items: JSON.stringify(review.items),
        },
      );
      return db.get<ReviewDbRow>(`SELECT ${COLUMNS} FROM run_reviews WHERE run_id = ? AND node_id = ?`, [review.runId, review.nodeId]);
    });
    if (!row) throw new Error(`opening the review of "${review.nodeId}" in run "${review.runId}" returned no row`);
    return toReview(row);
  }

  async get(runId: string, nodeId: string): Promise<ReviewRecord | undefined> {
    const row = await this.connection.exclusive((db) => db.get<ReviewDbRow>(`SELECT ${COLUMNS} FROM run_reviews WHERE run_id = ? AND node_id = ?`, [runId, nodeId]));
    return row && toReview(row);
  }

  async forRun(runId: string): Promise<ReviewRecord[]> {
    const rows = await this.connection.exclusive((db) => db.all<ReviewDbRow>(`SELECT ${COLUMNS} FROM run_reviews WHERE run_id = ? ORDER BY created_at, node_id`, [runId]));
    return rows.map(toReview);
  }

  async decide(runId: string, nodeId: string, decision: ReviewDecisionRecord): Promise<boolean> {
    const { changes } = await this.connection.exclusive((db) =>
      db.run(
        `UPDATE run_reviews SET status = $status, decided_at = $decidedAt, decided_by = $decidedBy, approved = $approved, rejected = $rejected, note = $note,
                edits = COALESCE($edits, edits)
         WHERE run_id = $runId AND node_id = $nodeId AND status = 'pending'`,
        {
          $runId: runId,
          $nodeId: nodeId,
          $status: decision.status,
          $decidedAt: decision.decidedAt,
          $decidedBy: decision.decidedBy ?? null,
          $approved: decision.approved ? JSON.stringify(decision.approved) : null,
          $rejected: decision.rejected ? JSON.stringify(decision.rejected) : null,
          $note: decision.note ?? null,
          $edits: decision.edits ? JSON.stringify(decision.edits) : null,
        },
      ),
    );
    return changes > 0;
  }

  async reopen(runId: string, nodeId: string, reopening: ReviewReopening): Promise<boolean> {
    const { changes } = await this.connection.exclusive((db) =>
      db.run(
        `UPDATE run_reviews SET status = 'pending', round = round + 1, regenerated = $regenerated, items = $items, deadline_at = $deadlineAt,
                decided_at = NULL, decided_by = NULL, approved = NULL, rejected = NULL, note = NULL
         WHERE run_id = $runId AND node_id = $nodeId AND status = 'approved' AND round = $fromRound`,
        {
          $runId: runId,
          $nodeId: nodeId,
          $fromRound: reopening.fromRound,
          $regenerated: JSON.stringify(reopening.regenerated),
          $items: JSON.stringify(reopening.items),
          $deadlineAt: reopening.deadlineAt ?? null,
        },
      ),
    );
    return changes > 0;
  }

  async refreshItems(runId: string, nodeId: string, items: ReviewItem[]): Promise<void> {
    await this.connection.exclusive((db) =>
      db.run(`UPDATE run_reviews SET items = ? WHERE run_id = ? AND node_id = ? AND status = 'pending'`, [JSON.stringify(items), runId, nodeId]),
    );
  }
}

/** Review records in memory: an engine without a store (tests, estimates) can still hold a gate, though not across a restart. */
export class MemoryReviewRecords implements ReviewRecords {
  private readonly records = new Map<string, ReviewRecord>();

  async open(review: NewReview): Promise<ReviewRecord> {
    const key = `${review.runId}\u0000${review.nodeId}`;
    const existing = this.records.get(key);
    if (existing) return structuredClone(existing);
    const record: ReviewRecord = { ...review, status: 'pending', round: 1 };
    this.records.set(key, record);
    return structuredClone(record);
  }

  async get(runId: string, nodeId: string): Promise<ReviewRecord | undefined> {
    const record = this.records.get(`${runId}\u0000${nodeId}`);
    return record && structuredClone(record);
  }

  async forRun(runId: string): Promise<ReviewRecord[]> {
    return [...this.records.values()].filter((r) => r.runId === runId).map((r) => structuredClone(r));
  }

  async decide(runId: string, nodeId: string, decision: ReviewDecisionRecord): Promise<boolean> {
    const record = this.records.get(`${runId}\u0000${nodeId}`);
    if (!record || record.status !== 'pending') return false;
    Object.assign(record, decision);
    return true;
  }

  async reopen(runId: string, nodeId: string, reopening: ReviewReopening): Promise<boolean> {
    const record = this.records.get(`${runId}\u0000${nodeId}`);
    if (!record || record.status !== 'approved' || (record.round ?? 1) !== reopening.fromRound) return false;
    const { decidedAt: _at, decidedBy: _by, approved: _a, rejected: _r, note: _n, deadlineAt: _d, ...kept } = record;
    const next: ReviewRecord = {
      ...kept,
      status: 'pending',
      round: reopening.fromRound + 1,
      regenerated: reopening.regenerated,
      items: reopening.items,
      ...(reopening.deadlineAt !== undefined ? { deadlineAt: reopening.deadlineAt } : {}),
    };
    this.records.set(`${runId}\u0000${nodeId}`, next);
    return true;
  }

  async refreshItems(runId: string, nodeId: string, items: ReviewItem[]): Promise<void> {
    const record = this.records.get(`${runId}\u0000${nodeId}`);
    if (record?.status === 'pending') record.items = items;
  }
}
