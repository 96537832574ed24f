/**
 * The run store: saved graphs with their version history, runs with per-node
 * and per-item records fed by the event stream, run logs, and the artifact
 * index. SQLite implements it for the embedded runtime; a server database
 * can implement the same interface later.
 */
import type { ArtifactHandle } from '../contract/artifacts.js';
import type { SerializedError } from '../contract/errors.js';
import type { Priority, ReelgraphEvent, RunStatus } from '../contract/events.js';
import type { AnyGraphDocument, GraphDocument } from '../contract/graph.js';

// The records (what the store keeps, the API answers with) live in the contract, for the editor too.
export { runTriggers } from '../contract/records.js';
export type { StoredGraph, GraphSummary, GraphVersionInfo, RunTrigger, RunRow, NodeRunRow, ItemRunRow, RunDetail, RunUsage, RunLogRow } from '../contract/records.js';
import type { StoredGraph, GraphSummary, GraphVersionInfo, RunTrigger, RunRow, RunDetail, RunLogRow, RunUsage } from '../contract/records.js';

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
  /** A partial run: its target node (see `StartOptions.until`). */
  until?: string;
  /** A partial run: the one node it executes (see `StartOptions.only`). */
  only?: string;
  /** The run's budget in USD (see `StartOptions.budgetUsd`). */
  budgetUsd?: number;
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

export interface UsageFilter {
  /** Epoch ms: runs created at or after it. */
  since: number;
  graphId?: string;
  provider?: string;
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
  /**
   * Usage of the runs created since a time, summed per provider, unit and
   * model; only one graph's runs, or one provider's usage, when asked. What
   * a daily budget has spent before this process counted (see budget-ledger.ts).
   */
  usageSince(filter: UsageFilter): Promise<RunUsage[]>;

  /** Inserts the handle; for a known hash, takes the metadata the handle gives and keeps the rest. */
  indexArtifact(handle: ArtifactHandle): Promise<void>;
  getArtifact(hash: string): Promise<ArtifactHandle | undefined>;

  /** Flushes, then releases the database. Idempotent. */
  close(): Promise<void>;
}
