/**
 * The run store: saved graphs with their version history, runs with per-node
 * and per-item records fed by the event stream, run logs, and the artifact
 * index. SQLite implements it for the embedded runtime; a server database
 * can implement the same interface later.
 */
import type { ArtifactHandle } from '../contract/artifacts.js';
import type { SerializedError } from '../contract/errors.js';
import type { ItemCounts, ItemStatus, NodeStatus, Priority, ReelgraphEvent, RunStatus } from '../contract/events.js';
import type { AnyGraphDocument, GraphDocument } from '../contract/graph.js';

/** One saved version of a graph. Timestamps are epoch milliseconds throughout. */
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

export interface SaveGraphOptions {
  /** Defaults to the document's `id`, else a slug of its name. */
  id?: string;
  /** A note for the history, like a commit message. */
  message?: string;
}

export interface NewRun {
  id: string;
  graphId?: string;
  graphVersion?: number;
  graphName: string;
  graph: GraphDocument;
  inputs: Record<string, unknown>;
  priority: Priority;
  outDir?: string;
  /** Default `cli`. */
  trigger?: RunTrigger;
  /** Default false. */
  noCache?: boolean;
}

export interface RunOutcome {
  status: RunStatus;
  outputs?: Record<string, unknown>;
  error?: SerializedError;
  durationMs: number;
}

export interface ListRunsOptions {
  /** Default 100. */
  limit?: number;
  graphId?: string;
  /** One status, or any of several. */
  status?: RunStatus | RunStatus[];
  trigger?: RunTrigger;
}

export interface LogQuery {
  /** Only entries with a greater id. */
  afterId?: number;
  limit?: number;
}

export interface RunStore {
  /** Saves a new version (1, 2, …) of the graph and returns it. */
  saveGraph(doc: AnyGraphDocument, options?: SaveGraphOptions): Promise<{ id: string; version: number }>;
  /** The given version, or the latest one when `version` is omitted. */
  getGraph(id: string, version?: number): Promise<StoredGraph | undefined>;
  /** Most recently updated first. */
  listGraphs(): Promise<GraphSummary[]>;
  /** Newest version first; empty for an unknown graph. */
  graphHistory(id: string): Promise<GraphVersionInfo[]>;

  /** Records a new run with status `queued`. Create it before recording its events. */
  createRun(run: NewRun): Promise<void>;
  /**
   * Queues an event and returns at once: events are written in batches, in
   * order. Events that cannot be written are reported by the next `flush()`.
   */
  recordEvent(event: ReelgraphEvent): void;
  /** Writes the run's final state, after every event recorded before it. */
  finishRun(runId: string, outcome: RunOutcome): Promise<void>;
  /**
   * Resolves once every event recorded so far is written; rejects with the
   * failures of the write-behind since the previous flush.
   */
  flush(): Promise<void>;

  getRun(id: string): Promise<RunDetail | undefined>;
  /** Newest first. */
  listRuns(options?: ListRunsOptions): Promise<RunRow[]>;
  /** Oldest first. */
  getLogs(runId: string, query?: LogQuery): Promise<RunLogRow[]>;

  /** Inserts the handle; for a known hash, takes the metadata the handle gives and keeps the rest. */
  indexArtifact(handle: ArtifactHandle): Promise<void>;
  getArtifact(hash: string): Promise<ArtifactHandle | undefined>;

  /** Flushes, then releases the database. Idempotent. */
  close(): Promise<void>;
}
