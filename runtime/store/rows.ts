/**
 * Database rows and their mapping to the store's records. SQL columns are
 * selected under their record names (`created_at AS createdAt`), so mapping
 * is mostly parsing JSON, turning 0/1 into booleans and leaving out NULLs:
 * an absent value is an absent property, never `null`.
 */
import type { ArtifactHandle } from '../contract/artifacts.js';
import type { SerializedError } from '../contract/errors.js';
import type { ItemCounts } from '../contract/events.js';
import type { AnyGraphDocument, GraphDocument } from '../contract/graph.js';
import type { GraphSummary, GraphVersionInfo, ItemRunRow, NodeRunRow, RunDetail, RunLogRow, RunRow, RunUsage, StoredGraph } from './types.js';

/** The keys of T that may be absent. */
type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

/**
 * The row a SELECT of record T's columns returns, derived from the record so
 * the two cannot drift: every column present, an absent value as NULL, the
 * `Json` columns as their text, the `Flag` columns as 0/1 (NOT NULL: absent is 0).
 */
type DbRow<T, Json extends keyof T = never, Flag extends keyof T = never> = {
  [K in keyof T]-?: K extends Flag ? 0 | 1 : (K extends Json ? string : Exclude<T[K], undefined>) | (K extends OptionalKeys<T> ? null : never);
};

export type GraphVersionDbRow = DbRow<StoredGraph, 'doc'>;
export type GraphSummaryDbRow = DbRow<GraphSummary>;
export type GraphVersionInfoDbRow = DbRow<GraphVersionInfo>;
/** A run's columns: `title` is not one (the listing reads it from the inputs). */
export type RunDbRow = DbRow<Omit<RunRow, 'title'>, 'inputs' | 'outputs' | 'error', 'noCache'>;
/** `RUN_COLUMNS` plus the graph snapshot, which only the detail view needs. */
export type RunDetailDbRow = RunDbRow & { graph: string };
export type NodeRunDbRow = DbRow<NodeRunRow, 'items' | 'error' | 'outputs', 'cached'>;
export type ItemRunDbRow = DbRow<ItemRunRow, 'error' | 'outputs', 'cached' | 'locked'>;
export type RunLogDbRow = DbRow<RunLogRow, 'data'>;
export type ArtifactDbRow = DbRow<ArtifactHandle>;

export const RUN_COLUMNS = `
  id, graph_id AS graphId, graph_version AS graphVersion, graph_name AS graphName, status, priority,
  inputs, outputs, error, created_at AS createdAt, started_at AS startedAt, finished_at AS finishedAt,
  duration_ms AS durationMs, out_dir AS outDir, log_count AS logCount, trigger, no_cache AS noCache,
  until_node AS until, only_node AS only, budget_usd AS budgetUsd`;

export const NODE_RUN_COLUMNS = `
  run_id AS runId, node_id AS nodeId, node_type AS nodeType, status, started_at AS startedAt,
  finished_at AS finishedAt, duration_ms AS durationMs, items, attempts, cached, error, progress, outputs`;

export const ITEM_RUN_COLUMNS = `
  run_id AS runId, node_id AS nodeId, item_index AS "index", item_key AS "key", status, attempts, cached,
  provider, started_at AS startedAt, finished_at AS finishedAt, duration_ms AS durationMs, error, outputs, take, locked`;

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
  return compact<ItemRunRow>({
    ...row,
    cached: row.cached === 1,
    // Only the exception is shown: most items are not locked.
    locked: row.locked === 1 ? true : undefined,
    error: parseJson<SerializedError>(row.error),
    outputs: parseJson<Record<string, unknown>>(row.outputs),
  });
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

/** Summed `run_usage` rows as usage records: the store keeps "no model" as `''`, a record leaves `model` out. */
export function toRunUsage(rows: ReadonlyArray<{ provider: string; unit: string; model: string; quantity: number }>): RunUsage[] {
  return rows.map(({ model, provider, unit, quantity }) => (model ? { provider, unit, model, quantity } : { provider, unit, quantity }));
}
