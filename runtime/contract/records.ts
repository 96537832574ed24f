/**
 * The records the store keeps and the API answers with: stored graphs and
 * their history, runs, per-node and per-item records, log lines. Shared by
 * the store (runtime/store), the server's routes and the editor, which
 * imports only the contract. Timestamps are epoch milliseconds throughout.
 */
import type { SerializedError } from './errors.js';
import type { ItemCounts, ItemStatus, NodeStatus, Priority, RunStatus } from './events.js';
import type { AnyGraphDocument, GraphDocument } from './graph.js';

/** One saved version of a graph. */
export interface StoredGraph {
  id: string;
  name: string;
  version: number;
  /** As saved, with `id` set to the graph's id. */
  doc: AnyGraphDocument;
  message?: string;
  createdAt: number;
}

export interface GraphSummary {
  id: string;
  name: string;
  /** The latest version. */
  version: number;
  updatedAt: number;
  /** Set when the latest version is a series variant: the id of the graph it extends. */
  extends?: string;
}

export interface GraphVersionInfo {
  version: number;
  message?: string;
  createdAt: number;
}

/** Where a run was started from. */
export const runTriggers = ['cli', 'editor', 'api', 'webhook'] as const;
export type RunTrigger = (typeof runTriggers)[number];

export interface RunRow {
  id: string;
  graphId?: string;
  graphVersion?: number;
  graphName: string;
  status: RunStatus;
  priority: Priority;
  inputs: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  error?: SerializedError;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  durationMs?: number;
  outDir?: string;
  /** Log events seen for the run; only the first `maxLogsPerRun` are kept. */
  logCount: number;
  trigger: RunTrigger;
  /** Started without reusing cached results (present only when true); a resumed run keeps it. */
  noCache?: boolean;
  /**
   * The episode title the run rendered (its markdown input's first heading or
   * a Fountain title page's Title:), when the listing could find one.
   */
  title?: string;
}

export interface NodeRunRow {
  runId: string;
  nodeId: string;
  nodeType: string;
  status: NodeStatus;
  /** When the node first started running. */
  startedAt?: number;
  /** When the node reached its current terminal status. */
  finishedAt?: number;
  durationMs?: number;
  items?: ItemCounts;
  /** Attempts started or scheduled (a retry counts as soon as it is scheduled). */
  attempts: number;
  cached: boolean;
  error?: SerializedError;
  /** Last reported fraction in [0, 1]. */
  progress?: number;
  /** Output values of a node that runs whole, once done or cached. */
  outputs?: Record<string, unknown>;
}

export interface ItemRunRow {
  runId: string;
  nodeId: string;
  index: number;
  key: string;
  status: ItemStatus;
  attempts: number;
  cached: boolean;
  provider?: string;
  startedAt?: number;
  finishedAt?: number;
  durationMs?: number;
  error?: SerializedError;
  /** The item's output values, once done, cached or fallen back. */
  outputs?: Record<string, unknown>;
}

export interface RunDetail extends RunRow {
  /** In the order the nodes first reported. */
  nodes: NodeRunRow[];
  /** By node id, then item index. */
  items: ItemRunRow[];
  /** The resolved graph the run executed. */
  graph: GraphDocument;
  /** Billable provider usage, summed per provider, unit and model (sorted that way). */
  usage: RunUsage[];
  /**
   * Estimated cost in USD of the priced usage, at today's list prices
   * (runtime/observability/prices.ts); usage no price row covers adds nothing.
   */
  costUsd: number;
}

export interface RunUsage {
  provider: string;
  unit: string;
  model?: string;
  quantity: number;
}

export interface RunLogRow {
  /** Increasing within a store: page with `afterId`. */
  id: number;
  runId: string;
  at: number;
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  nodeId?: string;
  index?: number;
  data?: Record<string, unknown>;
}
