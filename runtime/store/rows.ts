/**
 * Database rows and their mapping to the store's records. SQL columns are
 * selected under their record names (`created_at AS createdAt`), so mapping
 * is mostly parsing JSON, turning 0/1 into booleans and leaving out NULLs:
 * an absent value is an absent property, never `null`.
 */
import type { ArtifactHandle } from '../contract/artifacts.js';
import type { SerializedError } from '../contract/errors.js';
import type { ItemCounts, ItemStatus, NodeStatus, Priority, RunStatus } from '../contract/events.js';
import type { AnyGraphDocument, GraphDocument } from '../contract/graph.js';
import type { GraphSummary, GraphVersionInfo, ItemRunRow, NodeRunRow, RunDetail, RunLogRow, RunRow, RunTrigger, StoredGraph } from './types.js';

/** Every property present, absent ones as NULL: what a SELECT returns. */
type Nullable<T> = { [K in keyof T]-?: T[K] | null };

export type GraphVersionDbRow = Nullable<Omit<StoredGraph, 'doc'>> & { doc: string };
export type GraphSummaryDbRow = Omit<GraphSummary, 'extends'> & { extends: string | null };
export type GraphVersionInfoDbRow = Nullable<GraphVersionInfo>;

export interface RunDbRow {
  id: string;
  graphId: string | null;
  graphVersion: number | null;
  graphName: string;
  status: RunStatus;
  priority: Priority;
  inputs: string;
  outputs: string | null;
  error: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  outDir: string | null;
  trigger: RunTrigger;
  logCount: number;
  noCache: 0 | 1;
}

/** `RUN_COLUMNS` plus the graph snapshot, which only the detail view needs. */
export type RunDetailDbRow = RunDbRow & { graph: string };

export interface NodeRunDbRow {
  runId: string;
  nodeId: string;
  nodeType: string;
  status: NodeStatus;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  items: string | null;
  attempts: number;
  cached: 0 | 1;
  error: string | null;
  progress: number | null;
  outputs: string | null;
}

export interface ItemRunDbRow {
  runId: string;
  nodeId: string;
  index: number;
  key: string;
  status: ItemStatus;
  attempts: number;
  cached: 0 | 1;
  provider: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  durationMs: number | null;
  error: string | null;
  outputs: string | null;
}

export type RunLogDbRow = Nullable<Omit<RunLogRow, 'data'>> & { data: string | null };
export type ArtifactDbRow = Nullable<ArtifactHandle>;

export const RUN_COLUMNS = `
  id, graph_id AS graphId, graph_version AS graphVersion, graph_name AS graphName, status, priority,
  inputs, outputs, error, created_at AS createdAt, started_at AS startedAt, finished_at AS finishedAt,
  duration_ms AS durationMs, out_dir AS outDir, log_count AS logCount, trigger, no_cache AS noCache`;

export const NODE_RUN_COLUMNS = `
  run_id AS runId, node_id AS nodeId, node_type AS nodeType, status, started_at AS startedAt,
  finished_at AS finishedAt, duration_ms AS durationMs, items, attempts, cached, error, progress, outputs`;

export const ITEM_RUN_COLUMNS = `
  run_id AS runId, node_id AS nodeId, item_index AS "index", item_key AS "key", status, attempts, cached,
  provider, started_at AS startedAt, finished_at AS finishedAt, duration_ms AS durationMs, error, outputs`;

export const RUN_LOG_COLUMNS = `
  id, run_id AS runId, at, level, message, node_id AS nodeId, item_index AS "index", data`;

export const ARTIFACT_COLUMNS = `
  hash, mime, bytes, name, duration, width, height, frame_rate AS frameRate, sample_rate AS sampleRate, channels`;

export function toStoredGraph(row: GraphVersionDbRow): StoredGraph {
  return compact<StoredGraph>({ ...row, doc: JSON.parse(row.doc) as AnyGraphDocument });
}

export function toGraphVersionInfo(row: GraphVersionInfoDbRow): GraphVersionInfo {
  return compact<GraphVersionInfo>(row);
}

export function toRunRow(row: RunDbRow): RunRow {
  return compact<RunRow>({
    ...row,
    // Only the exception is shown: most runs use the cache.
    noCache: row.noCache === 1 ? true : undefined,
    inputs: JSON.parse(row.inputs) as Record<string, unknown>,
    outputs: parseJson<Record<string, unknown>>(row.outputs),
    error: parseJson<SerializedError>(row.error),
  });
}

/** The run without its usage, which sqlite.ts adds with its cost estimate. */
export function toRunDetail({ graph, ...row }: RunDetailDbRow, nodes: NodeRunDbRow[], items: ItemRunDbRow[]): Omit<RunDetail, 'usage' | 'costUsd'> {
  return {
    ...toRunRow(row),
    nodes: nodes.map(toNodeRunRow),
    items: items.map(toItemRunRow),
    graph: JSON.parse(graph) as GraphDocument,
  };
}

export function toNodeRunRow(row: NodeRunDbRow): NodeRunRow {
  return compact<NodeRunRow>({
    ...row,
    items: parseJson<ItemCounts>(row.items),
    cached: row.cached === 1,
    error: parseJson<SerializedError>(row.error),
    outputs: parseJson<Record<string, unknown>>(row.outputs),
  });
}

export function toItemRunRow(row: ItemRunDbRow): ItemRunRow {
  return compact<ItemRunRow>({ ...row, cached: row.cached === 1, error: parseJson<SerializedError>(row.error), outputs: parseJson<Record<string, unknown>>(row.outputs) });
}

export function toRunLogRow(row: RunLogDbRow): RunLogRow {
  return compact<RunLogRow>({ ...row, data: parseJson<Record<string, unknown>>(row.data) });
}

export function toArtifactHandle(row: ArtifactDbRow): ArtifactHandle {
  return compact<ArtifactHandle>(row);
}

/** JSON for a TEXT column; `undefined` becomes NULL. */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function parseJson<T>(text: string | null): T | undefined {
  return text === null ? undefined : (JSON.parse(text) as T);
}

/**
 * Drops the NULL and undefined properties. The caller vouches that the
 * required properties are never NULL, which the schema's NOT NULLs ensure.
 */
function compact<T extends object>(record: { [K in keyof T]: T[K] | null | undefined }): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value !== null && value !== undefined) out[key] = value;
  }
  return out as T;
}
