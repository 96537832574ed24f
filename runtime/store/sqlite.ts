/**
 * The embedded run store: one SQLite file in WAL mode, safe to share between
 * processes (a CLI run and a local server, say). One connection per store;
 * run events are written behind (see write-behind.ts).
 *
 * Open one store per process and share it. A connection waiting for another
 * one's lock sleeps in a libuv thread-pool thread (four by default), so many
 * connections to one file in one process can starve each other, and file I/O.
 */
import type { ArtifactHandle } from '../contract/artifacts.js';
import type { ReelgraphEvent } from '../contract/events.js';
import { isVariant, type AnyGraphDocument } from '../contract/graph.js';
import { estimateCost } from '../observability/prices.js';
import { DEFAULT_MAX_LOGS_PER_RUN } from './apply-event.js';
import { Connection } from './connection.js';
import type { SqlParams } from './connection.js';
import { StoreClosedError, StoreError, UnknownRunError } from './errors.js';
import { graphIdFor } from './graph-id.js';
import { migrate } from './migrations.js';
import type {
  ArtifactDbRow,
  GraphSummaryDbRow,
  GraphVersionDbRow,
  GraphVersionInfoDbRow,
  ItemRunDbRow,
  NodeRunDbRow,
  RunDbRow,
  RunDetailDbRow,
  RunLogDbRow,
} from './rows.js';
import {
  ARTIFACT_COLUMNS,
  ITEM_RUN_COLUMNS,
  NODE_RUN_COLUMNS,
  RUN_COLUMNS,
  RUN_LOG_COLUMNS,
  toArtifactHandle,
  toGraphVersionInfo,
  toJson,
  toRunDetail,
  toRunLogRow,
  toRunRow,
  toRunUsage,
  toStoredGraph,
} from './rows.js';
import type {
  GraphSummary,
  GraphVersionInfo,
  ListRunsOptions,
  UsageFilter,
  LogQuery,
  NewRun,
  RunDetail,
  RunLogRow,
  RunOutcome,
  RunRow,
  RunStore,
  RunUsage,
  SaveGraphOptions,
  StoredGraph,
} from './types.js';
import type { WriteBehindStats } from './write-behind.js';
import { WriteBehindQueue } from './write-behind.js';

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;
const DEFAULT_LIST_LIMIT = 100;

export interface SqliteStoreOptions {
  /** How long a write waits for another process's lock. Default 5000. */
  busyTimeoutMs?: number;
  /** Log entries kept per run. Default 2000. */
  maxLogsPerRun?: number;
  /** Clock for the store's own timestamps; events carry theirs. */
  now?: () => number;
}

/** Opens (creating when needed) and migrates the store at `file`; `:memory:` gives a private in-memory store. */
export async function openSqliteStore(file: string, options: SqliteStoreOptions = {}): Promise<SqliteRunStore> {
  const connection = await Connection.open(file, { busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  try {
    await migrate(connection);
  } catch (error) {
    await connection.close();
    throw error;
  }
  return new SqliteRunStore(connection, options);
}

export class SqliteRunStore implements RunStore {
  private readonly queue: WriteBehindQueue;
  private readonly maxLogsPerRun: number;
  private readonly now: () => number;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly connection: Connection,
    options: SqliteStoreOptions = {},
  ) {
    this.maxLogsPerRun = options.maxLogsPerRun ?? DEFAULT_MAX_LOGS_PER_RUN;
    this.now = options.now ?? Date.now;
    this.queue = new WriteBehindQueue(connection, { maxLogsPerRun: this.maxLogsPerRun });
  }

  get file(): string {
    return this.connection.file;
  }

  /** The connection, for modules that keep their own tables in this database (the server's, see server-tables.ts). */
  get database(): Connection {
    return this.connection;
  }

  // --- graphs ---------------------------------------------------------------

  async saveGraph(doc: AnyGraphDocument, options: SaveGraphOptions = {}): Promise<{ id: string; version: number }> {
    const id = graphIdFor(doc, options.id);
    const now = this.now();
    return this.connection.transaction(async (db) => {
      const bumped = await db.get<{ version: number }>(
        `INSERT INTO graphs (id, name, extends, latest_version, created_at, updated_at) VALUES ($id, $name, $extends, 1, $now, $now)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, extends = excluded.extends, latest_version = latest_version + 1, updated_at = excluded.updated_at
         RETURNING latest_version AS version`,
        { $id: id, $name: doc.name, $extends: isVariant(doc) ? doc.extends : null, $now: now },
      );
      if (!bumped) throw new StoreError('STORE_INTERNAL', `saving graph "${id}" returned no version`, { retryable: false });
      await db.run(
        `INSERT INTO graph_versions (graph_id, version, name, doc, message, created_at)
         VALUES ($id, $version, $name, $doc, $message, $now)`,
        { $id: id, $version: bumped.version, $name: doc.name, $doc: JSON.stringify({ ...doc, id }), $message: options.message, $now: now },
      );
      return { id, version: bumped.version };
    });
  }

  async getGraph(id: string, version?: number): Promise<StoredGraph | undefined> {
    const columns = 'graph_id AS id, name, version, doc, message, created_at AS createdAt';
    const row =
      version === undefined
        ? await this.get<GraphVersionDbRow>(`SELECT ${columns} FROM graph_versions WHERE graph_id = ? ORDER BY version DESC LIMIT 1`, [id])
        : await this.get<GraphVersionDbRow>(`SELECT ${columns} FROM graph_versions WHERE graph_id = ? AND version = ?`, [id, version]);
    return row && toStoredGraph(row);
  }

  async listGraphs(): Promise<GraphSummary[]> {
    // What a variant extends comes with the list, so a client can tell which graphs others depend on.
    const rows = await this.all<GraphSummaryDbRow>(
      'SELECT id, name, latest_version AS version, updated_at AS updatedAt, "extends" FROM graphs ORDER BY updated_at DESC, id',
    );
    return rows.map(({ extends: template, ...summary }) => (typeof template === 'string' ? { ...summary, extends: template } : summary));
  }

  async graphHistory(id: string): Promise<GraphVersionInfo[]> {
    const rows = await this.all<GraphVersionInfoDbRow>(
      'SELECT version, message, created_at AS createdAt FROM graph_versions WHERE graph_id = ? ORDER BY version DESC',
      [id],
    );
    return rows.map(toGraphVersionInfo);
  }

  // --- runs -----------------------------------------------------------------

  async createRun(run: NewRun): Promise<void> {
    await this.connection.exclusive((db) =>
      db.run(
        `INSERT INTO runs (id, graph_id, graph_version, graph_name, graph, status, priority, inputs, out_dir, trigger, no_cache, until_node, only_node, budget_usd, created_at)
         VALUES ($id, $graphId, $graphVersion, $graphName, $graph, 'queued', $priority, $inputs, $outDir, $trigger, $noCache, $until, $only, $budgetUsd, $createdAt)`,
        {
          $id: run.id,
          $graphId: run.graphId,
          $graphVersion: run.graphVersion,
          $graphName: run.graphName,
          $graph: JSON.stringify(run.graph),
          $priority: run.priority,
          $inputs: JSON.stringify(run.inputs),
          $outDir: run.outDir,
          $trigger: run.trigger ?? 'cli',
          $noCache: run.noCache === true ? 1 : 0,
          $until: run.until ?? null,
          $only: run.only ?? null,
          $budgetUsd: run.budgetUsd ?? null,
          $createdAt: this.now(),
        },
      ),
    );
  }

  recordEvent(event: ReelgraphEvent): void {
    if (this.closing) throw new StoreClosedError();
    this.queue.enqueue(event);
  }

  finishRun(runId: string, outcome: RunOutcome): Promise<void> {
    return this.connection.exclusive(async (db) => {
      // Events recorded earlier go first, or a late `running` would undo the final status.
      await this.queue.writePending(db);
      const { changes } = await db.run(
        `UPDATE runs SET status = $status, outputs = $outputs, error = COALESCE($error, error),
           duration_ms = $durationMs, finished_at = COALESCE(finished_at, $now)
         WHERE id = $id`,
        {
          $id: runId,
          $status: outcome.status,
          $outputs: toJson(outcome.outputs),
          $error: toJson(outcome.error),
          $durationMs: outcome.durationMs,
          $now: this.now(),
        },
      );
      if (changes === 0) throw new UnknownRunError(runId);
    });
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }

  getRun(id: string): Promise<RunDetail | undefined> {
    return this.connection.exclusive(async (db) => {
      const run = await db.get<RunDetailDbRow>(`SELECT ${RUN_COLUMNS}, graph FROM runs WHERE id = ?`, [id]);
      if (!run) return undefined;
      const nodes = await db.all<NodeRunDbRow>(`SELECT ${NODE_RUN_COLUMNS} FROM node_runs WHERE run_id = ? ORDER BY rowid`, [id]);
      const items = await db.all<ItemRunDbRow>(`SELECT ${ITEM_RUN_COLUMNS} FROM item_runs WHERE run_id = ? ORDER BY node_id, item_index`, [id]);
      const usage = await db.all<{ provider: string; unit: string; model: string; quantity: number }>(RUN_USAGE_SQL, [id]);
      return withUsage(toRunDetail(run, nodes, items), usage);
    });
  }

  async usageSince(filter: UsageFilter): Promise<RunUsage[]> {
    const filters = ['r.created_at >= $since'];
    const params: Record<`$${string}`, string | number> = { $since: filter.since };
    if (filter.graphId !== undefined) {
      filters.push('r.graph_id = $graphId');
      params.$graphId = filter.graphId;
    }
    if (filter.provider !== undefined) {
      filters.push('u.provider = $provider');
      params.$provider = filter.provider;
    }
    const rows = await this.all<{ provider: string; unit: string; model: string; quantity: number }>(
      `SELECT u.provider, u.unit, u.model, SUM(u.quantity) AS quantity FROM run_usage u JOIN runs r ON r.id = u.run_id
       WHERE ${filters.join(' AND ')} GROUP BY u.provider, u.unit, u.model ORDER BY u.provider, u.unit, u.model`,
      params,
    );
    return toRunUsage(rows);
  }

  async listRuns(options: ListRunsOptions = {}): Promise<RunRow[]> {
    const filters: string[] = [];
    const params: Record<`$${string}`, string | number> = { $limit: options.limit ?? DEFAULT_LIST_LIMIT };
    if (options.graphId !== undefined) {
      filters.push('graph_id = $graphId');
      params.$graphId = options.graphId;
    }
    if (options.status !== undefined) {
      // Statuses are bound one parameter each; the list comes from a fixed enum, so statements stay few.
      const statuses = Array.isArray(options.status) ? options.status : [options.status];
      filters.push(`status IN (${statuses.map((_, i) => `$status${i}`).join(', ')})`);
      statuses.forEach((status, i) => (params[`$status${i}`] = status));
    }
    if (options.trigger !== undefined) {
      filters.push('trigger = $trigger');
      params.$trigger = options.trigger;
    }
    // Only these fixed fragments vary, so the statement cache sees few variants.
    const where = filters.length > 0 ? `WHERE ${filters.join(' AND ')}` : '';
    const rows = await this.all<RunDbRow>(`SELECT ${RUN_COLUMNS} FROM runs ${where} ORDER BY created_at DESC, rowid DESC LIMIT $limit`, params);
    return rows.map(toRunRow);
  }

  async getLogs(runId: string, query: LogQuery = {}): Promise<RunLogRow[]> {
    const rows = await this.all<RunLogDbRow>(`SELECT ${RUN_LOG_COLUMNS} FROM run_logs WHERE run_id = $runId AND id > $afterId ORDER BY id LIMIT $limit`, {
      $runId: runId,
      $afterId: query.afterId ?? 0,
      $limit: query.limit ?? this.maxLogsPerRun,
    });
    return rows.map(toRunLogRow);
  }

  // --- artifacts ------------------------------------------------------------

  async indexArtifact(handle: ArtifactHandle): Promise<void> {
    // Same hash, same bytes: a later entry can only add or correct metadata.
    await this.connection.exclusive((db) =>
      db.run(
        `INSERT INTO artifacts (hash, mime, bytes, name, duration, width, height, frame_rate, sample_rate, channels, created_at)
         VALUES ($hash, $mime, $bytes, $name, $duration, $width, $height, $frameRate, $sampleRate, $channels, $now)
         ON CONFLICT (hash) DO UPDATE SET
           mime        = excluded.mime,
           bytes       = excluded.bytes,
           name        = COALESCE(excluded.name, artifacts.name),
           duration    = COALESCE(excluded.duration, artifacts.duration),
           width       = COALESCE(excluded.width, artifacts.width),
           height      = COALESCE(excluded.height, artifacts.height),
           frame_rate  = COALESCE(excluded.frame_rate, artifacts.frame_rate),
           sample_rate = COALESCE(excluded.sample_rate, artifacts.sample_rate),
           channels    = COALESCE(excluded.channels, artifacts.channels)`,
        {
          $hash: handle.hash,
          $mime: handle.mime,
          $bytes: handle.bytes,
          $name: handle.name,
          $duration: handle.duration,
          $width: handle.width,
          $height: handle.height,
          $frameRate: handle.frameRate,
          $sampleRate: handle.sampleRate,
          $channels: handle.channels,
          $now: this.now(),
        },
      ),
    );
  }

  async getArtifact(hash: string): Promise<ArtifactHandle | undefined> {
    const row = await this.get<ArtifactDbRow>(`SELECT ${ARTIFACT_COLUMNS} FROM artifacts WHERE hash = ?`, [hash]);
    return row && toArtifactHandle(row);
  }

  // --- lifecycle ------------------------------------------------------------

  /** Counters of the write-behind queue, for diagnostics. */
  writeStats(): WriteBehindStats {
    return this.queue.stats();
  }

  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    this.queue.stop();
    try {
      await this.queue.flush();
    } finally {
      await this.connection.close();
    }
  }

  private get<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.connection.exclusive((db) => db.get<T>(sql, params));
  }

  private all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.connection.exclusive((db) => db.all<T>(sql, params));
  }
}

/** A run's usage summed over its nodes. */
const RUN_USAGE_SQL = `
  SELECT provider, unit, model, SUM(quantity) AS quantity FROM run_usage
  WHERE run_id = ? GROUP BY provider, unit, model ORDER BY provider, unit, model`;

function withUsage(detail: Omit<RunDetail, 'usage' | 'costUsd'>, rows: Array<{ provider: string; unit: string; model: string; quantity: number }>): RunDetail {
  const usage = toRunUsage(rows);
  return { ...detail, usage, costUsd: estimateCost(usage).totalUsd };
}
