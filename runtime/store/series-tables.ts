/**
 * Data access for series and episodes (migration 19; runtime/contract/series.ts).
 * Shares the run store's connection. An episode's status is read from its
 * latest run in the same query that lists it, so it is never stale.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { ItemCounts, NodeStatus } from '../contract/events.js';
import { nodeFraction, runFraction, tallyFromCounts } from '../contract/run-progress.js';
import { episodeStatusOf, type EpisodeRecord, type ScriptFormat, type SeriesRecord, type SeriesSettings } from '../contract/series.js';
import { estimateCost } from '../observability/prices.js';
import type { Connection } from './connection.js';
import { StoreError } from './errors.js';
import { toRunUsage } from './rows.js';

/** A series or episode that is not there, or one that cannot be made as asked; `status` is its HTTP answer. */
export class SeriesError extends StoreError {
  constructor(
    code: 'UNKNOWN_SERIES' | 'UNKNOWN_EPISODE' | 'SERIES_EXISTS' | 'UNKNOWN_GRAPH' | 'INVALID_SETTINGS' | 'NOT_RENDERED' | 'NO_PUBLISH_TARGET',
    message: string,
    readonly status: 400 | 404 | 409,
  ) {
    super(code, message, { retryable: false });
  }
}

export interface NewSeries {
  id: string;
  name: string;
  graphId: string;
  settings: SeriesSettings;
}

export interface NewEpisode {
  title: string;
  format: ScriptFormat;
  text: string;
  fileName?: string;
}

interface SeriesDbRow {
  id: string;
  name: string;
  graph_id: string;
  settings: string;
  created_at: number;
  updated_at: number;
  episode_count: number;
}

interface EpisodeDbRow {
  id: string;
  series_id: string;
  number: number;
  title: string;
  format: ScriptFormat;
  latest_version: number;
  file_name: string | null;
  created_at: number;
  updated_at: number;
  sha256: string;
  run_id: string | null;
  run_status: string | null;
  script_version: number | null;
  run_created_at: number | null;
  run_finished_at: number | null;
  run_duration_ms: number | null;
  /** The run's graph's node count, read only while the run is queued or running (for its progress). */
  run_node_count: number | null;
  published_at: number | null;
}

const toSeries = (row: SeriesDbRow): SeriesRecord => ({
  id: row.id,
  name: row.name,
  graphId: row.graph_id,
  settings: JSON.parse(row.settings) as SeriesSettings,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  episodeCount: row.episode_count,
});

const toEpisode = (row: EpisodeDbRow, costUsd: number, progress: number | undefined): EpisodeRecord => ({
  id: row.id,
  seriesId: row.series_id,
  number: row.number,
  title: row.title,
  format: row.format,
  version: row.latest_version,
  sha256: row.sha256,
  ...(row.file_name !== null ? { fileName: row.file_name } : {}),
  status: episodeStatusOf(row.run_status ?? undefined, row.published_at !== null),
  ...(row.run_id !== null
    ? {
        lastRun: {
          runId: row.run_id,
          status: row.run_status ?? 'unknown',
          scriptVersion: row.script_version ?? row.latest_version,
          createdAt: row.run_created_at ?? 0,
          ...(row.run_finished_at !== null ? { finishedAt: row.run_finished_at } : {}),
          ...(row.run_duration_ms !== null ? { durationMs: row.run_duration_ms } : {}),
          ...(row.published_at !== null ? { publishedAt: row.published_at } : {}),
          ...(progress !== undefined ? { progress } : {}),
          costUsd,
        },
      }
    : {}),
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

const SERIES_SELECT = `SELECT s.id, s.name, s.graph_id, s.settings, s.created_at, s.updated_at,
  (SELECT COUNT(*) FROM episodes e WHERE e.series_id = s.id) AS episode_count FROM series s`;

/** Each episode with its latest script's hash and its latest run (by when it was linked). */
const EPISODE_SELECT = `SELECT e.id, e.series_id, e.number, e.title, e.format, e.latest_version, e.file_name, e.created_at, e.updated_at,
  v.sha256, r.id AS run_id, r.status AS run_status, er.script_version, r.created_at AS run_created_at,
  r.finished_at AS run_finished_at, r.duration_ms AS run_duration_ms,
  CASE WHEN r.status IN ('queued', 'running') THEN json_array_length(r.graph, '$.nodes') END AS run_node_count,
  (SELECT MIN(p.created_at) FROM episode_publications p JOIN runs pr ON pr.id = p.publish_run_id
    WHERE p.episode_id = e.id AND p.render_run_id = r.id AND pr.status = 'done') AS published_at
  FROM episodes e
  JOIN episode_versions v ON v.episode_id = e.id AND v.version = e.latest_version
  LEFT JOIN episode_runs er ON er.episode_id = e.id
    AND er.run_id = (SELECT x.run_id FROM episode_runs x WHERE x.episode_id = e.id ORDER BY x.created_at DESC, x.run_id DESC LIMIT 1)
  LEFT JOIN runs r ON r.id = er.run_id`;

/** The usage of some runs, summed per run, provider, unit and model (as a run detail sums it). */
const usageOfRuns = (count: number): string =>
  `SELECT run_id, provider, unit, model, SUM(quantity) AS quantity FROM run_usage WHERE run_id IN (${Array.from({ length: count }, () => '?').join(', ')})
   GROUP BY run_id, provider, unit, model`;

/** The stored node records of some runs: what their progress is read from. */
const nodesOfRuns = (count: number): string =>
  `SELECT run_id, status, progress, items FROM node_runs WHERE run_id IN (${Array.from({ length: count }, () => '?').join(', ')})`;

interface NodeProgressRow {
  run_id: string;
  status: NodeStatus;
  progress: number | null;
  items: string | null;
}

/** A run's share done by the shared rule (runtime/contract/run-progress.ts) over its stored node records. */
function progressOfRun(nodes: readonly NodeProgressRow[], nodesTotal: number): number {
  return runFraction(
    nodes.map((node) => {
      const items = node.items !== null ? tallyFromCounts(JSON.parse(node.items) as ItemCounts, node.status) : undefined;
      const progress = nodeFraction(node.status, node.progress ?? undefined, items);
      return { status: node.status, ...(progress !== undefined ? { progress } : {}) };
    }),
    nodesTotal,
  );
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export class SeriesTables {
  constructor(
    private readonly connection: Connection,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a series on a stored graph; SeriesError when the id is taken or the graph is not stored. */
  async create(series: NewSeries): Promise<SeriesRecord> {
    const now = this.now();
    await this.connection.transaction(async (db) => {
      if (!(await db.get('SELECT 1 FROM graphs WHERE id = ?', [series.graphId]))) {
        throw new SeriesError('UNKNOWN_GRAPH', `no stored graph "${series.graphId}": save it first (reelgraph save FILE)`, 404);
      }
      if (await db.get('SELECT 1 FROM series WHERE id = ?', [series.id])) throw new SeriesError('SERIES_EXISTS', `series "${series.id}" exists already`, 409);
      await db.run('INSERT INTO series (id, name, graph_id, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [
        series.id,
        series.name,
        series.graphId,
        JSON.stringify(series.settings),
        now,
        now,
      ]);
    });
    return this.get(series.id);
  }

  /** Replaces the fields given (settings as a whole; the caller has checked them); SeriesError when the series is not there. */
  async update(id: string, change: { name?: string; settings?: SeriesSettings }): Promise<SeriesRecord> {
    await this.get(id);
    await this.connection.exclusive((db) =>
      db.run('UPDATE series SET name = COALESCE(?, name), settings = COALESCE(?, settings), updated_at = ? WHERE id = ?', [
        change.name ?? null,
        change.settings === undefined ? null : JSON.stringify(change.settings),
        this.now(),
        id,
      ]),
    );
    return this.get(id);
  }

  async list(): Promise<SeriesRecord[]> {
    const rows = await this.connection.exclusive((db) => db.all<SeriesDbRow>(`${SERIES_SELECT} ORDER BY s.created_at, s.id`));
    return rows.map(toSeries);
  }

  async get(id: string): Promise<SeriesRecord> {
    const row = await this.connection.exclusive((db) => db.get<SeriesDbRow>(`${SERIES_SELECT} WHERE s.id = ?`, [id]));
    if (!row) throw new SeriesError('UNKNOWN_SERIES', `no series "${id}"`, 404);
    return toSeries(row);
  }

  /** Appends episodes in the order given, numbered after the last one; all or none. */
  async addEpisodes(seriesId: string, episodes: readonly NewEpisode[]): Promise<EpisodeRecord[]> {
    const now = this.now();
    const ids = await this.connection.transaction(async (db) => {
      if (!(await db.get('SELECT 1 FROM series WHERE id = ?', [seriesId]))) throw new SeriesError('UNKNOWN_SERIES', `no series "${seriesId}"`, 404);
      const last = (await db.get<{ number: number | null }>('SELECT MAX(number) AS number FROM episodes WHERE series_id = ?', [seriesId]))?.number ?? 0;
      const added: string[] = [];
      for (const [offset, episode] of episodes.entries()) {
        const id = randomUUID();
        await db.run('INSERT INTO episodes (id, series_id, number, title, format, latest_version, file_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)', [
          id,
          seriesId,
          last + offset + 1,
          episode.title,
          episode.format,
          episode.fileName ?? null,
          now,
          now,
        ]);
        await db.run('INSERT INTO episode_versions (episode_id, version, text, sha256, created_at) VALUES (?, 1, ?, ?, ?)', [id, episode.text, sha256(episode.text), now]);
        added.push(id);
      }
      await db.run('UPDATE series SET updated_at = ? WHERE id = ?', [now, seriesId]);
      return added;
    });
    const all = await this.episodes(seriesId);
    return all.filter((episode) => ids.includes(episode.id));
  }

  /** A new version of an episode's script; the same text again makes none. */
  async reviseEpisode(seriesId: string, number: number, text: string): Promise<EpisodeRecord> {
    const episode = await this.episode(seriesId, number);
    if (episode.sha256 === sha256(text)) return episode;
    const now = this.now();
    await this.connection.transaction(async (db) => {
      const version = episode.version + 1;
      await db.run('INSERT INTO episode_versions (episode_id, version, text, sha256, created_at) VALUES (?, ?, ?, ?, ?)', [episode.id, version, text, sha256(text), now]);
      await db.run('UPDATE episodes SET latest_version = ?, updated_at = ? WHERE id = ?', [version, now, episode.id]);
    });
    return this.episode(seriesId, number);
  }

  /** The series' episodes in order, each with its status from its latest run. */
  async episodes(seriesId: string): Promise<EpisodeRecord[]> {
    await this.get(seriesId);
    const rows = await this.connection.exclusive((db) => db.all<EpisodeDbRow>(`${EPISODE_SELECT} WHERE e.series_id = ? ORDER BY e.number`, [seriesId]));
    return this.withCosts(rows);
  }

  async episode(seriesId: string, number: number): Promise<EpisodeRecord> {
    const row = await this.connection.exclusive((db) => db.get<EpisodeDbRow>(`${EPISODE_SELECT} WHERE e.series_id = ? AND e.number = ?`, [seriesId, number]));
    if (!row) throw new SeriesError('UNKNOWN_EPISODE', `series "${seriesId}" has no episode ${number}`, 404);
    return (await this.withCosts([row]))[0]!;
  }

  /**
   * The episodes with their latest run's cost, priced as the run detail prices
   * it (estimateCost over the run's summed usage), in one query for them all.
   */
  private async withCosts(rows: readonly EpisodeDbRow[]): Promise<EpisodeRecord[]> {
    const usage = await this.rowsByRun<{ run_id: string; provider: string; unit: string; model: string; quantity: number }>(
      usageOfRuns,
      rows.map((row) => row.run_id),
    );
    // Progress only for the queued or running runs.
    const nodes = await this.rowsByRun<NodeProgressRow>(
      nodesOfRuns,
      rows.filter((row) => row.run_node_count !== null).map((row) => row.run_id),
    );
    return rows.map((row) => {
      const costUsd = row.run_id === null ? 0 : estimateCost(toRunUsage(usage.get(row.run_id) ?? [])).totalUsd;
      // While the run works, how far it is (0 before any node reported); 1 once done; no figure otherwise (waiting, failed, cancelled).
      const progress =
        row.run_status === 'done' ? 1 : row.run_id !== null && row.run_node_count !== null ? progressOfRun(nodes.get(row.run_id) ?? [], row.run_node_count) : undefined;
      return toEpisode(row, costUsd, progress);
    });
  }

  /** The rows `sql(n)` answers for these runs (n of them bound), grouped by run_id: one query per 500 runs, as SQLite binds at most 999 parameters by default. */
  private async rowsByRun<Row extends { run_id: string }>(sql: (count: number) => string, ids: ReadonlyArray<string | null>): Promise<Map<string, Row[]>> {
    const runIds = [...new Set(ids.filter((id): id is string => id !== null))];
    const byRun = new Map<string, Row[]>();
    for (let start = 0; start < runIds.length; start += 500) {
      const slice = runIds.slice(start, start + 500);
      const found = await this.connection.exclusive((db) => db.all<Row>(sql(slice.length), slice));
      for (const row of found) {
        const list = byRun.get(row.run_id);
        if (list) list.push(row);
        else byRun.set(row.run_id, [row]);
      }
    }
    return byRun;
  }

  /** The text of a version of an episode's script (default its latest). */
  async script(episodeId: string, version?: number): Promise<{ text: string; version: number; sha256: string }> {
    const row = await this.connection.exclusive((db) =>
      version === undefined
        ? db.get<{ text: string; version: number; sha256: string }>(
            'SELECT v.text, v.version, v.sha256 FROM episode_versions v JOIN episodes e ON e.id = v.episode_id AND v.version = e.latest_version WHERE e.id = ?',
            [episodeId],
          )
        : db.get<{ text: string; version: number; sha256: string }>('SELECT text, version, sha256 FROM episode_versions WHERE episode_id = ? AND version = ?', [episodeId, version]),
    );
    if (!row) throw new SeriesError('UNKNOWN_EPISODE', `no script version ${version ?? 'latest'} of episode "${episodeId}"`, 404);
    return row;
  }

  /** Records that `runId` renders the episode's script `version` (the run must be recorded already). */
  async linkRun(episodeId: string, runId: string, scriptVersion: number): Promise<void> {
    await this.connection.exclusive((db) =>
      db.run('INSERT OR IGNORE INTO episode_runs (episode_id, run_id, script_version, created_at) VALUES (?, ?, ?, ?)', [episodeId, runId, scriptVersion, this.now()]),
    );
  }

  /** Records that `publishRunId` publishes the episode's render `renderRunId` (both runs recorded already); its outcome is that run's status. */
  async linkPublication(episodeId: string, renderRunId: string, publishRunId: string, nodeType: string): Promise<void> {
    await this.connection.exclusive((db) =>
      db.run('INSERT OR IGNORE INTO episode_publications (episode_id, render_run_id, publish_run_id, node_type, created_at) VALUES (?, ?, ?, ?, ?)', [
        episodeId,
        renderRunId,
        publishRunId,
        nodeType,
        this.now(),
      ]),
    );
  }

  /** The episode's publish runs, newest first, with the render each published. */
  async publicationsOf(episodeId: string): Promise<Array<{ publishRunId: string; renderRunId: string; node: string; status: string; createdAt: number }>> {
    return this.connection.exclusive((db) =>
      db.all<{ publishRunId: string; renderRunId: string; node: string; status: string; createdAt: number }>(
        `SELECT p.publish_run_id AS publishRunId, p.render_run_id AS renderRunId, p.node_type AS node, r.status, p.created_at AS createdAt
         FROM episode_publications p JOIN runs r ON r.id = p.publish_run_id WHERE p.episode_id = ? ORDER BY p.created_at DESC, p.publish_run_id DESC`,
        [episodeId],
      ),
    );
  }

  /** The episode's runs, newest first. */
  async runsOf(episodeId: string): Promise<Array<{ runId: string; scriptVersion: number; createdAt: number }>> {
    return this.connection.exclusive((db) =>
      db.all<{ runId: string; scriptVersion: number; createdAt: number }>(
        'SELECT run_id AS runId, script_version AS scriptVersion, created_at AS createdAt FROM episode_runs WHERE episode_id = ? ORDER BY created_at DESC, run_id DESC',
        [episodeId],
      ),
    );
  }
}
