/**
 * Review gates in a run: a node whose type says `control: 'review'` is
 * evaluated here, by the coordinator, never dispatched as a unit. Its inputs
 * are demanded as usual (so the stills and voice lines wired into it exist
 * before anyone looks); then the gate opens a review record (the storyboard),
 * the run turns `waiting`, and the gate waits on the review desk for a
 * decision, holding no worker and no pool slot. Nothing downstream is
 * demanded until the decision lets the value through.
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
import type { ReviewGateParams, ReviewItem, ReviewMedia, ReviewRecord } from '../contract/review.js';
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
}

/** The gates of one run, and whether any of them waits (the run's `waiting` status). */
export class RunReviewGates {
  private waiting = 0;

  constructor(private readonly run: GateRun) {}

  /** The gate's outputs once approved; throws ReviewRejectedError, or CancelledError when the run is cancelled meanwhile. */
  async pass(gate: GateRequest): Promise<NodeOutputs> {
    const [listPort, ...mediaPorts] = gate.type.inputs.map((port) => port.name);
    const list = asList(gate.inputs[listPort ?? '']);
    if (gate.passThrough) return outputsOf(gate.type, list, list.map((_, i) => i));
    const params = gate.params as ReviewGateParams;
    const { runId, desk } = this.run;
    let review = await desk.open({
      runId,
      nodeId: gate.nodeId,
      onTimeout: params.onTimeout,
      rejectedItems: params.rejectedItems,
      items: list.map((value, index) => storyboardItem(index, value, mediaPorts.map((port) => ({ port, value: asList(gate.inputs[port])[index] })))),
      ...(params.timeoutMs !== undefined ? { timeoutMs: params.timeoutMs } : {}),
    });
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
    return outputsOf(gate.type, list, approvedOrThrow(review));
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
      `review gate "${review.nodeId}": item${rejected.length > 1 ? 's' : ''} ${rejected.join(', ')} rejected${by}; rejected items are not regenerated yet: edit them and run again, or set the gate's rejectedItems to "drop" to go on without them`,
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
  };
}

function asList(value: unknown): unknown[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** What the storyboard shows of one item: its summary fields, its value when small, and the media made for it so far. */
export function storyboardItem(index: number, value: unknown, aligned: Array<{ port: string; value: unknown }>): ReviewItem {
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
  };
}
