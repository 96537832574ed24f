/**
 * How each event changes the run record. Node and item rows describe their
 * current state: status, finish time, duration and error come from the
 * latest event, while the start time is the first `running` and `attempts`
 * only grows.
 */
import type { ItemEvent, ItemStatus, LogEvent, NodeEvent, ProgressEvent, ReelgraphEvent, RetryEvent, RunEvent, RunStatus, UsageEvent } from '../contract/events.js';
import { terminalNodeStatuses } from '../contract/run-progress.js';
import type { Executor } from './connection.js';
import { UnknownRunError } from './errors.js';
import { toJson } from './rows.js';

export const DEFAULT_MAX_LOGS_PER_RUN = 2000;

export interface ApplyOptions {
  /** Log entries kept per run; later ones are counted but not stored. */
  maxLogsPerRun: number;
}

const terminalRunStatuses: ReadonlySet<RunStatus> = new Set(['done', 'failed', 'cancelled']);
const terminalItemStatuses: ReadonlySet<ItemStatus> = new Set(['done', 'failed', 'cached', 'fell-back', 'cancelled']);

export async function applyEvent(db: Executor, event: ReelgraphEvent, options: ApplyOptions): Promise<void> {
  switch (event.type) {
    case 'run':
      return applyRunEvent(db, event);
    case 'node':
      return applyNodeEvent(db, event);
    case 'item':
      return applyItemEvent(db, event);
    case 'retry':
      return applyRetryEvent(db, event);
    case 'progress':
      return applyProgressEvent(db, event);
    case 'log':
      return applyLogEvent(db, event, options);
    case 'usage':
      return applyUsageEvent(db, event);
    // The review record is written by the review desk (review-tables.ts), not from events.
    case 'review':
      return;
  }
}

const updateRunSql = `
  UPDATE runs SET
    status      = $status,
    started_at  = COALESCE(started_at, $startedAt),
    finished_at = COALESCE(finished_at, $finishedAt),
    duration_ms = COALESCE($durationMs, duration_ms, $finishedAt - started_at),
    error       = COALESCE($error, error)
  WHERE id = $runId`;

/**
 * A run becomes done, failed or cancelled in the store only with its outputs
 * (`finishRun`, one statement): a reader that saw `done` from the event alone
 * found no outputs yet, and a process that died in between left a finished
 * run without its result. Until then the terminal event changes nothing, so
 * a run whose process died before `finishRun` is still unfinished and resumes.
 */
async function applyRunEvent(db: Executor, event: RunEvent): Promise<void> {
  const { changes } = terminalRunStatuses.has(event.status)
    ? await db.run('UPDATE runs SET id = id WHERE id = $runId', { $runId: event.runId })
    : await db.run(updateRunSql, {
        $runId: event.runId,
        $status: event.status,
        $startedAt: event.status === 'running' ? event.at : null,
        $finishedAt: null,
        $durationMs: event.durationMs,
        $error: toJson(event.error),
      });
  if (changes === 0) throw new UnknownRunError(event.runId);
}

const upsertNodeSql = `
  INSERT INTO node_runs (run_id, node_id, node_type, status, started_at, finished_at, duration_ms, items, attempts, cached, error, outputs)
  VALUES ($runId, $nodeId, $nodeType, $status, $startedAt, $finishedAt, $durationMs, $items, $attempts, $cached, $error, $outputs)
  ON CONFLICT (run_id, node_id) DO UPDATE SET
    node_type   = excluded.node_type,
    status      = excluded.status,
    started_at  = COALESCE(node_runs.started_at, excluded.started_at),
    finished_at = excluded.finished_at,
    duration_ms = COALESCE(excluded.duration_ms, excluded.finished_at - node_runs.started_at),
    items       = COALESCE(excluded.items, node_runs.items),
    attempts    = MAX(node_runs.attempts, excluded.attempts),
    cached      = excluded.cached,
    error       = excluded.error,
    outputs     = COALESCE(excluded.outputs, node_runs.outputs)`;

async function applyNodeEvent(db: Executor, event: NodeEvent): Promise<void> {
  await db.run(upsertNodeSql, {
    $runId: event.runId,
    $nodeId: event.nodeId,
    $nodeType: event.nodeType,
    $status: event.status,
    $startedAt: event.status === 'running' ? event.at : null,
    $finishedAt: terminalNodeStatuses.has(event.status) ? event.at : null,
    $durationMs: event.durationMs,
    $items: toJson(event.items),
    $attempts: event.status === 'running' ? 1 : 0,
    $cached: event.status === 'cached' ? 1 : 0,
    $error: toJson(event.error),
    $outputs: toJson(event.outputs),
  });
}

const upsertItemSql = `
  INSERT INTO item_runs (run_id, node_id, item_index, item_key, status, attempts, cached, provider, started_at, finished_at, duration_ms, error, outputs, take, locked)
  VALUES ($runId, $nodeId, $index, $key, $status, $attempts, $cached, $provider, $startedAt, $finishedAt, $durationMs, $error, $outputs, $take, $locked)
  ON CONFLICT (run_id, node_id, item_index) DO UPDATE SET
    item_key    = excluded.item_key,
    status      = excluded.status,
    attempts    = MAX(item_runs.attempts, excluded.attempts),
    cached      = excluded.cached,
    provider    = COALESCE(excluded.provider, item_runs.provider),
    started_at  = COALESCE(item_runs.started_at, excluded.started_at),
    finished_at = excluded.finished_at,
    duration_ms = COALESCE(excluded.duration_ms, excluded.finished_at - item_runs.started_at),
    error       = excluded.error,
    outputs     = COALESCE(excluded.outputs, item_runs.outputs),
    take        = COALESCE(excluded.take, item_runs.take),
    locked      = excluded.locked`;

async function applyItemEvent(db: Executor, event: ItemEvent): Promise<void> {
  await db.run(upsertItemSql, {
    $runId: event.runId,
    $nodeId: event.nodeId,
    $index: event.index,
    $key: event.key,
    $status: event.status,
    $attempts: event.attempt ?? (event.status === 'running' ? 1 : 0),
    $cached: event.status === 'cached' ? 1 : 0,
    $provider: event.provider,
    $startedAt: event.status === 'running' ? event.at : null,
    $finishedAt: terminalItemStatuses.has(event.status) ? event.at : null,
    $durationMs: event.durationMs,
    $error: toJson(event.error),
    $outputs: toJson(event.outputs),
    $take: event.take,
    $locked: event.locked ? 1 : 0,
  });
}

// `attempt` is the attempt that failed, so the one now scheduled is attempt + 1.
// Rows are created by node and item events; a retry only refines the count.
const retryNodeSql = `
  UPDATE node_runs SET attempts = MAX(attempts, $attempt + 1)
  WHERE run_id = $runId AND node_id = $nodeId`;
const retryItemSql = `
  UPDATE item_runs SET attempts = MAX(attempts, $attempt + 1)
  WHERE run_id = $runId AND node_id = $nodeId AND item_index = $index`;

async function applyRetryEvent(db: Executor, event: RetryEvent): Promise<void> {
  const target = { $runId: event.runId, $nodeId: event.nodeId, $attempt: event.attempt };
  if (event.index === undefined) await db.run(retryNodeSql, target);
  else await db.run(retryItemSql, { ...target, $index: event.index });
}

const progressSql = 'UPDATE node_runs SET progress = $fraction WHERE run_id = $runId AND node_id = $nodeId';

/** Node-level progress only: a mapped node's progress is already in its item counts. */
async function applyProgressEvent(db: Executor, event: ProgressEvent): Promise<void> {
  if (event.index !== undefined) return;
  await db.run(progressSql, { $runId: event.runId, $nodeId: event.nodeId, $fraction: event.fraction });
}

// Counting on the run row keeps the cap at one indexed update per entry,
// where counting the run's rows would cost more with every entry.
const countLogSql = 'UPDATE runs SET log_count = log_count + 1 WHERE id = $runId RETURNING log_count AS logCount';
const insertLogSql = `
  INSERT INTO run_logs (run_id, at, level, node_id, item_index, message, data)
  VALUES ($runId, $at, $level, $nodeId, $index, $message, $data)`;

async function applyLogEvent(db: Executor, event: LogEvent, { maxLogsPerRun }: ApplyOptions): Promise<void> {
  const counted = await db.get<{ logCount: number }>(countLogSql, { $runId: event.runId });
  if (!counted) throw new UnknownRunError(event.runId);
  if (counted.logCount > maxLogsPerRun) return;
  await db.run(insertLogSql, {
    $runId: event.runId,
    $at: event.at,
    $level: event.level,
    $nodeId: event.nodeId,
    $index: event.index,
    $message: event.message,
    $data: toJson(event.data),
  });
}

const addUsageSql = `
  INSERT INTO run_usage (run_id, node_id, provider, unit, model, quantity)
  VALUES ($runId, $nodeId, $provider, $unit, $model, $quantity)
  ON CONFLICT (run_id, node_id, provider, unit, model) DO UPDATE SET
    quantity = run_usage.quantity + excluded.quantity,
    reports  = run_usage.reports + 1`;

/** Sums usage per node, provider, unit and model; the engine drops non-positive quantities, and so does the store. */
async function applyUsageEvent(db: Executor, event: UsageEvent): Promise<void> {
  if (!Number.isFinite(event.quantity) || event.quantity <= 0) return;
  await db.run(addUsageSql, {
    $runId: event.runId,
    $nodeId: event.nodeId,
    $provider: event.provider,
    $unit: event.unit,
    $model: event.model ?? '',
    $quantity: event.quantity,
  });
}
