/**
 * One stream of run events feeds the CLI progress bars, the SQLite run record,
 * logs and (later) socket.io. Events are plain JSON.
 */
import type { SerializedError } from './errors.js';
import { Type, type Static } from './typebox.js';

/** `waiting`: a review gate (`control.review`) waits for a person's decision; the run holds no worker meanwhile. */
export const runStatuses = ['queued', 'running', 'waiting', 'done', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof runStatuses)[number];

/** `skipped`: not needed (an unused fallback alternative) or blocked by an upstream failure. `waiting`: a review gate awaiting its decision. */
export const nodeStatuses = ['queued', 'running', 'waiting', 'cached', 'done', 'failed', 'skipped', 'cancelled'] as const;
export type NodeStatus = (typeof nodeStatuses)[number];

/** `fell-back`: produced by a later alternative of a control.fallback node. */
export const itemStatuses = ['queued', 'running', 'cached', 'done', 'failed', 'fell-back', 'cancelled'] as const;
export type ItemStatus = (typeof itemStatuses)[number];

/** How soon a run's work is taken up: `batch` yields to the others. */
export const priorities = ['urgent', 'normal', 'batch'] as const;
export type Priority = (typeof priorities)[number];

/** A mapped node's items so far. */
export const itemCounts = Type.Object({ total: Type.Integer(), executed: Type.Integer(), cached: Type.Integer(), failed: Type.Integer(), fellBack: Type.Integer() });
export type ItemCounts = Static<typeof itemCounts>;

interface Base {
  runId: string;
  /** Epoch milliseconds. */
  at: number;
}

export interface RunEvent extends Base {
  type: 'run';
  status: RunStatus;
  graphId?: string;
  graphName?: string;
  durationMs?: number;
  error?: SerializedError;
}

export interface NodeEvent extends Base {
  type: 'node';
  nodeId: string;
  nodeType: string;
  status: NodeStatus;
  /** Set for nodes that map over items. */
  items?: ItemCounts;
  durationMs?: number;
  error?: SerializedError;
  /**
   * The node's output values (small JSON; media as artifact handles), on
   * `done` and `cached` of a node that runs whole. A mapped node's values
   * arrive with its items.
   */
  outputs?: Record<string, unknown>;
}

export interface ItemEvent extends Base {
  type: 'item';
  nodeId: string;
  index: number;
  key: string;
  status: ItemStatus;
  attempt?: number;
  /** Which provider produced the result: a node id, or for a fallback the chosen alternative's node id. */
  provider?: string;
  durationMs?: number;
  error?: SerializedError;
  /** The item's output values, on `done`, `cached` and `fell-back`. */
  outputs?: Record<string, unknown>;
  /** The producer's take of this item (see `ItemInfo.take`), when not the first. */
  take?: number;
  /** Set on `cached` when the result is the producer's locked one (an item pin), taken whatever the item's inputs now are. */
  locked?: true;
}

export interface ProgressEvent extends Base {
  type: 'progress';
  nodeId: string;
  index?: number;
  fraction: number;
  message?: string;
}

export interface RetryEvent extends Base {
  type: 'retry';
  nodeId: string;
  index?: number;
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  error: SerializedError;
}

export interface LogEvent extends Base {
  type: 'log';
  nodeId?: string;
  index?: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  data?: Record<string, unknown>;
}

/**
 * Billable provider usage, reported by the node that spent it (characters of
 * speech, seconds of generated video). Cost estimates price these with the
 * provider price tables; usage is reported even when a later step fails,
 * because the provider bills it anyway.
 */
export interface UsageEvent extends Base {
  type: 'usage';
  nodeId: string;
  index?: number;
  /** Provider id as in the price tables: `elevenlabs`, `google-tts`, `runway`, … */
  provider: string;
  /** What is counted: `characters`, `seconds`, `images`, `requests`. */
  unit: string;
  quantity: number;
  /** Model or tier, when the price depends on it. */
  model?: string;
}

/**
 * A review gate (`control.review`) opened (`pending`: the run waits for a
 * person) or was decided. The full storyboard is the review record
 * (`GET /api/runs/:id/review`); the event says enough to notify.
 */
export interface ReviewEvent extends Base {
  type: 'review';
  nodeId: string;
  status: ReviewStatus;
  /** Items on the storyboard. */
  itemCount: number;
  /** Epoch ms when the gate's timeout decides, if it has one. */
  deadlineAt?: number;
  decidedBy?: ReviewDecider;
  approvedItems?: number[];
  rejectedItems?: number[];
  /** Which showing of the storyboard (1 at first; one more each time rejected or edited items were made again). */
  round?: number;
  /** The items made again for this round. */
  regeneratedItems?: number[];
}

/** `approved`: the run goes on (with the approved items); `rejected`: the gate fails the run; `cancelled`: the run was cancelled while it waited. */
export const reviewStatuses = ['pending', 'approved', 'rejected', 'cancelled'] as const;
export type ReviewStatus = (typeof reviewStatuses)[number];

/** Who decided a review: a person through the editor, the API or the CLI, or the gate's timeout. */
export const reviewDeciders = ['editor', 'api', 'cli', 'timeout'] as const;
export type ReviewDecider = (typeof reviewDeciders)[number];

export type ReelgraphEvent = RunEvent | NodeEvent | ItemEvent | ProgressEvent | RetryEvent | LogEvent | UsageEvent | ReviewEvent;
