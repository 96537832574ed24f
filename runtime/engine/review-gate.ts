/**
 * Review gates in a run: a node whose type says `control: 'review'` is
 * evaluated here, by the coordinator, never dispatched as a unit. Its inputs
 * are demanded as usual (so the stills and voice lines wired into it exist
 * before anyone looks); then the gate opens a review record (the storyboard),
 * the run turns `waiting`, and the gate waits on the review desk for a
 * decision, holding no worker and no pool slot. Nothing downstream is
 * demanded until the decision lets the value through.
 *
 * A decision that rejects items of a gate whose `rejectedItems` is
 * `regenerate`, or that rewrites items, is not the end: `pass` answers a
 * `Remake` (which items to make again, with which rewrites), the run makes
 * them (review-remake.ts, run.ts) and calls `pass` again, and the gate opens
 * the next round of the same review. Each step is idempotent, so a run that
 * restarts anywhere in between finds its way: rewrites stored by a decision
 * are applied before anything is shown, takes are raised from the takes the
 * decided round showed, and a round is reopened only from the one decided.
 *
 * Ports, by position (as `control.fallback` reads its own): the first input
 * is the list under review, every further input a list aligned with it whose
 * media are shown beside each item (stills, voice lines); the first output is
 * the approved items, the second their indices in the input list.
 */
import { CancelledError, ReelgraphError } from '../contract/errors.js';
import type { ReelgraphEvent, ReviewEvent } from '../contract/events.js';
import { collectArtifactHandles } from '../contract/artifacts.js';
import type { NodeOutputs, NodeType } from '../contract/node.js';
import type { ReviewEditRecord, ReviewGateParams, ReviewItem, ReviewMedia, ReviewRecord } from '../contract/review.js';
import { hashJson } from './hash.js';
import type { ReviewDesk } from './review-desk.js';

/** Items whose JSON is at most this long travel whole in the storyboard; bigger ones only by their summary fields. */
const MAX_ITEM_VALUE_CHARS = 4096;

/** A gate ended the run: rejected as a whole, by its timeout, or (with `rejectedItems: 'fail'`) some items were rejected. */
export class ReviewRejectedError extends ReelgraphError {
  constructor(
    message: string,
    readonly nodeId: string,
    readonly rejected: number[],
  ) {
    super('REVIEW_REJECTED', message, { retryable: false, location: { nodeId } });
  }
}

export interface GateRun {
  runId: string;
  signal: AbortSignal;
  emit(event: ReelgraphEvent): void;
  desk: ReviewDesk;
}

export interface GateRequest {
  nodeId: string;
  type: NodeType;
  params: Record<string, unknown>;
  /** The gate's input values by port (read whole). */
  inputs: Record<string, unknown>;
  /** Nothing to wait for: an estimate, or an `only` run past the gate. The value passes as if approved. */
  passThrough: boolean;
  /** Called when the gate starts waiting for a person. */
  onWaiting(): void;
  /** The rewrites the run applies to the gate's list now. */
  appliedEdits: readonly ReviewEditRecord[];
  /** The round whose rejected and edited items the run has made again since, if any. */
  remadeRound?: number;
  /** Per item, the take each of its makers (the per-item nodes before the gate) has now. */
  takesOf(index: number): Promise<Record<string, number>>;
}

/** Items of a decided round to make again before the gate asks again. */
export interface Remake {
  /** The round decided. */
  round: number;
  /** Rejected items, each with the takes its card showed: each maker makes it again as the take after. */
  regenerate: Array<{ index: number; takes: Record<string, number> }>;
  /** Items rewritten in this round (made again because their words changed). */
  edited: number[];
  /** Every rewrite so far, for the run to apply. */
  edits: ReviewEditRecord[];
}

/** Through the gate with the approved items, or back to the run to make items again. */
export type GatePassage = { outputs: NodeOutputs } | { remake: Remake };

/** The gates of one run, and whether any of them waits (the run's `waiting` status). */
export class RunReviewGates {
  private waiting = 0;

  constructor(private readonly run: GateRun) {}

  /**
   * The gate's outputs once approved, or the items to make again first;
   * throws ReviewRejectedError, or CancelledError when the run is cancelled meanwhile.
   */
  async pass(gate: GateRequest): Promise<GatePassage> {
    const [listPort, ...mediaPorts] = gate.type.inputs.map((port) => port.name);
    const list = asList(gate.inputs[listPort ?? '']);
    if (gate.passThrough) return { outputs: outputsOf(gate.type, list, list.map((_, i) => i)) };
    const params = gate.params as ReviewGateParams;
    const { runId, desk } = this.run;
    const items = await Promise.all(
      list.map(async (value, index) => storyboardItem(index, value, mediaPorts.map((port) => ({ port, value: asList(gate.inputs[port])[index] })), await gate.takesOf(index))),
    );
    let review = await desk.open({
      runId,
      nodeId: gate.nodeId,
      onTimeout: params.onTimeout,
      rejectedItems: params.rejectedItems,
      items,
      ...(params.timeoutMs !== undefined ? { timeoutMs: params.timeoutMs } : {}),
    });
    // Rewrites a decision stored that this run does not apply yet (it restarted since): nothing is shown before they are.
    if (!sameJson(review.edits ?? [], gate.appliedEdits)) return { remake: { round: review.round ?? 1, regenerate: [], edited: [], edits: review.edits ?? [] } };
    const decided = remakeOf(review);
    if (decided && gate.remadeRound === decided.round) {
      await desk.reopen(runId, gate.nodeId, {
        fromRound: decided.round,
        regenerated: [...decided.regenerate.map((item) => item.index), ...decided.edited].sort((a, b) => a - b),
        items,
        ...(params.timeoutMs !== undefined ? { timeoutMs: params.timeoutMs } : {}),
      });
      review = (await desk.records.get(runId, gate.nodeId)) ?? review;
    } else if (review.status === 'pending' && !sameJson(review.items, items)) {
      // A restarted run shows what it has now (a take made again before the restart, say).
      await desk.refreshItems(runId, gate.nodeId, items);
      review = { ...review, items };
    }
    if (review.status === 'pending') {
      this.enterWaiting(gate, review);
      try {
        review = await desk.waitForDecision(runId, gate.nodeId, this.run.signal);
      } catch (error) {
        if (error instanceof CancelledError) await desk.withdraw(runId, gate.nodeId).catch(() => undefined);
        this.leaveWaiting();
        throw error;
      }
      this.leaveWaiting();
    }
    this.run.emit(reviewEvent(review));
    const remake = remakeOf(review);
    return remake ? { remake } : { outputs: outputsOf(gate.type, list, approvedOrThrow(review)) };
  }

  private enterWaiting(gate: GateRequest, review: ReviewRecord): void {
    const { runId } = this.run;
    gate.onWaiting();
    this.run.emit({ type: 'node', runId, at: Date.now(), nodeId: gate.nodeId, nodeType: gate.type.type, status: 'waiting' });
    this.waiting += 1;
    if (this.waiting === 1) this.run.emit({ type: 'run', runId, at: Date.now(), status: 'waiting' });
    this.run.emit(reviewEvent(review));
  }

  private leaveWaiting(): void {
    this.waiting -= 1;
    // A cancelled run's next status is its last (`cancelled`), not `running`.
    if (this.waiting === 0 && !this.run.signal.aborted) this.run.emit({ type: 'run', runId: this.run.runId, at: Date.now(), status: 'running' });
  }
}

/** What a decided round asks to be made again: its rejected items (when the gate regenerates them) and its rewritten ones. */
function remakeOf(review: ReviewRecord): Remake | undefined {
  if (review.status !== 'approved') return undefined;
  const round = review.round ?? 1;
  const edits = review.edits ?? [];
  const edited = [...new Set(edits.filter((edit) => edit.round === round).map((edit) => edit.index))].sort((a, b) => a - b);
  const rejected = review.rejectedItems === 'regenerate' ? (review.rejected ?? []).filter((index) => !edited.includes(index)) : [];
  if (rejected.length === 0 && edited.length === 0) return undefined;
  return { round, regenerate: rejected.map((index) => ({ index, takes: review.items[index]?.takes ?? {} })), edited, edits };
}

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The approved indices, or the error the decision means for the run. */
function approvedOrThrow(review: ReviewRecord): number[] {
  const by = review.decidedBy ? ` by ${review.decidedBy}` : '';
  if (review.status === 'cancelled') throw new CancelledError();
  if (review.status === 'rejected') {
    const why = review.decidedBy === 'timeout' ? `nobody decided before its timeout and its onTimeout is "reject"` : `rejected${by}`;
    throw new ReviewRejectedError(`review gate "${review.nodeId}": ${why}${review.note ? ` (${review.note})` : ''}`, review.nodeId, review.rejected ?? []);
  }
  const rejected = review.rejected ?? [];
  if (rejected.length > 0 && review.rejectedItems === 'fail') {
    throw new ReviewRejectedError(
      `review gate "${review.nodeId}": item${rejected.length > 1 ? 's' : ''} ${rejected.join(', ')} rejected${by}, and the gate's rejectedItems is "fail": set it to "regenerate" to make rejected items again, or to "drop" to go on without them`,
      review.nodeId,
      rejected,
    );
  }
  return review.approved ?? review.items.map((item) => item.index);
}

function outputsOf(type: NodeType, list: unknown[], approved: number[]): NodeOutputs {
  const [values, indices] = type.outputs.map((port) => port.name);
  return {
    ...(values !== undefined ? { [values]: approved.map((i) => list[i]) } : {}),
    ...(indices !== undefined ? { [indices]: approved } : {}),
  };
}

function reviewEvent(review: ReviewRecord): ReviewEvent {
  return {
    type: 'review',
    runId: review.runId,
    at: Date.now(),
    nodeId: review.nodeId,
    status: review.status,
    itemCount: review.items.length,
    ...(review.deadlineAt !== undefined ? { deadlineAt: review.deadlineAt } : {}),
    ...(review.decidedBy ? { decidedBy: review.decidedBy } : {}),
    ...(review.approved ? { approvedItems: review.approved } : {}),
    ...(review.rejected ? { rejectedItems: review.rejected } : {}),
    ...(review.round !== undefined && review.round > 1 ? { round: review.round } : {}),
    ...(review.regenerated ? { regeneratedItems: review.regenerated } : {}),
  };
}

function asList(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** What the storyboard shows of one item: its summary fields, its value when small, and the media made for it so far. */
export function storyboardItem(index: number, value: unknown, aligned: Array<{ port: string; value: unknown }>, takes: Record<string, number> = {}): ReviewItem {
  const size = JSON.stringify(value ?? null).length;
  const fields = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const text = (...names: string[]): string | undefined => names.map((name) => fields[name]).find((v): v is string => typeof v === 'string' && v.length > 0);
  const title = text('title', 'heading', 'name');
  const prompt = text('prompt', 'visual', 'description');
  const spoken = typeof value === 'string' ? value : text('text');
  const media: ReviewMedia[] = [
    ...collectArtifactHandles(value).map((handle) => ({ port: 'items', handle })),
    ...aligned.flatMap(({ port, value: other }) => collectArtifactHandles(other).map((handle) => ({ port, handle }))),
  ];
  return {
    index,
    // As the engine keys items (run.ts): stable when other items are inserted or removed.
    key: hashJson(value).slice(0, 16),
    ...(title !== undefined ? { title } : {}),
    ...(prompt !== undefined ? { prompt } : {}),
    ...(spoken !== undefined ? { text: spoken } : {}),
    ...(size <= MAX_ITEM_VALUE_CHARS ? { value } : {}),
    media,
    ...(Object.keys(takes).length > 0 ? { takes } : {}),
  };
}
