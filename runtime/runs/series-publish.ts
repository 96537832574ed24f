/**
 * A series' publish target (settings.publish, runtime/contract/series.ts):
 * checked against the publish node type's own params schema when settings
 * are stored, so a series never holds a target that would fail at its
 * first publish for a mistake that could be seen at once; and publishing
 * rendered episodes with it, each as a run of a one-node graph fed the
 * render's package files, linked to the episode so its status becomes
 * `published` once that run is done. The runtime knows node types only
 * through the registry it is given.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { applySchemaDefaults, GRAPH_FORMAT, GRAPH_INPUT_NODE, GRAPH_SCHEMA_VERSION, type GraphDocument, type NodeDescription, type NodeRegistry } from '../contract/index.js';
import type { EpisodeRecord, PublishNodeType, SeriesPublishTarget, SeriesRecord, SeriesSettings } from '../contract/series.js';
import type { RunResult } from '../engine/run.js';
import { SeriesError, type SeriesTables } from '../store/series-tables.js';
import type { RunDetail, RunStore, RunTrigger } from '../store/types.js';
import type { RunLauncher } from './launcher.js';
import { episodesNamed, type EpisodeNotStarted } from './series-render.js';

/** One thing wrong with settings: a JSON pointer into them and what is wrong there. */
export interface SettingsProblem {
  path: string;
  message: string;
}

/** What is wrong with the settings' publish target (none: nothing, or no target). */
export function seriesSettingsProblems(settings: SeriesSettings, registry: Pick<NodeRegistry<NodeDescription>, 'latest'>): SettingsProblem[] {
  const target = settings.publish;
  if (!target) return [];
  const node = registry.latest(target.node);
  if (!node) return [{ path: '/publish/node', message: `${target.node} is not an installed node type` }];
  return applySchemaDefaults(node.params, target.params).issues.map((issue) => ({
    path: `/publish/params${issue.pointer}`,
    message: `${target.node} param ${issue.pointer ? `"${issue.pointer.slice(1)}"` : 'object'} ${issue.message}`,
  }));
}

/** Throws SeriesError INVALID_SETTINGS (400) naming each problem, e.g. `publish.webhook param "url" must match format "uri"`. */
export function checkSeriesSettings(settings: SeriesSettings, registry: Pick<NodeRegistry<NodeDescription>, 'latest'>): void {
  const problems = seriesSettingsProblems(settings, registry);
  if (problems.length > 0) throw new SeriesError('INVALID_SETTINGS', `settings.publish: ${problems.map((problem) => problem.message).join('; ')}`, 400);
}

/** Episodes to publish: default every rendered one not yet published; named ones are published (again) when rendered. */
export interface SeriesPublishRequest {
  episodes?: readonly number[];
  trigger: RunTrigger;
  /** Where an episode's publish run keeps its files (it writes none; a run has a directory). */
  outDirOf(episode: EpisodeRecord): string;
}

export interface EpisodePublish {
  number: number;
  title: string;
  /** The render it publishes, and the run that publishes it. */
  renderRunId: string;
  runId: string;
  finished: Promise<RunResult>;
}

export interface SeriesPublish {
  series: SeriesRecord;
  node: PublishNodeType;
  started: EpisodePublish[];
  /** Episodes named but not publishable (not rendered), with why. */
  notStarted: EpisodeNotStarted[];
  /** Why none was chosen, when none was (nothing rendered, all published already). */
  nothingToPublish?: string;
}

/** Written files `{kind, path, bytes}` (export.package's `files`) among a run's outputs, only those inside its output directory. */
export function packageFilesOf(run: Pick<RunDetail, 'outputs' | 'outDir'>): Array<{ kind: string; path: string; bytes: number }> {
  const files: Array<{ kind: string; path: string; bytes: number }> = [];
  if (!run.outDir) return files;
  const root = resolve(run.outDir);
  for (const value of Object.values(run.outputs ?? {})) {
    if (!Array.isArray(value)) continue;
    for (const element of value as unknown[]) {
      const file = element as { kind?: unknown; path?: unknown; bytes?: unknown } | null;
      if (typeof file !== 'object' || file === null || typeof file.kind !== 'string' || typeof file.path !== 'string' || typeof file.bytes !== 'number') continue;
      // A path from the outputs is trusted only inside the run's own directory (as server/deliverables.ts serves them).
      const rel = relative(root, resolve(file.path));
      if (rel && !rel.startsWith('..') && !isAbsolute(rel)) files.push({ kind: file.kind, path: file.path, bytes: file.bytes });
    }
  }
  return files;
}

/**
 * The one-node graph that publishes a render: the series' publish node with
 * its params, fed the render's package files as its `files` input. A run of
 * its own, so it has a record, logs, retries and the credential store like
 * any other, and its status is the publication's outcome.
 */
export function publishGraph(series: SeriesRecord, episode: EpisodeRecord, target: SeriesPublishTarget, typeVersion: number): GraphDocument {
  return {
    format: GRAPH_FORMAT,
    schemaVersion: GRAPH_SCHEMA_VERSION,
    name: `publish ${series.id} e${String(episode.number).padStart(2, '0')}`,
    inputs: { files: { type: 'Json', title: "the render's package files" } },
    nodes: [{ id: 'publish', type: target.node, typeVersion, position: { x: 0, y: 0 }, params: target.params }],
    edges: [{ from: `${GRAPH_INPUT_NODE}.files`, to: 'publish.files' }],
  };
}

export async function publishSeries(
  deps: { series: SeriesTables; launcher: RunLauncher; store: Pick<RunStore, 'getRun'>; registry: Pick<NodeRegistry<NodeDescription>, 'latest'> },
  seriesId: string,
  request: SeriesPublishRequest,
): Promise<SeriesPublish> {
  const series = await deps.series.get(seriesId);
  const target = series.settings.publish;
  if (!target) throw new SeriesError('NO_PUBLISH_TARGET', `series "${seriesId}" has no publish target: set settings.publish (PUT /api/series/${seriesId}/settings)`, 400);
  checkSeriesSettings(series.settings, deps.registry);
  const node = deps.registry.latest(target.node)!;
  const all = await deps.series.episodes(seriesId);
  const wanted = episodesNamed(seriesId, all, request.episodes);
  const chosen = wanted ? all.filter((e) => wanted.has(e.number)) : all.filter((e) => e.status === 'rendered');
  const notStarted: EpisodeNotStarted[] = [];
  const started: EpisodePublish[] = [];
  for (const episode of chosen) {
    const render = episode.lastRun;
    if (!render || render.status !== 'done') {
      notStarted.push({ number: episode.number, title: episode.title, error: `not rendered: ${render ? `its latest render is ${render.status}` : 'never rendered'}` });
      continue;
    }
    try {
      const detail = await deps.store.getRun(render.runId);
      const launched = await deps.launcher.launch({
        graph: publishGraph(series, episode, target, node.version),
        inputs: { files: detail ? packageFilesOf(detail) : [] },
        outDir: request.outDirOf(episode),
        trigger: request.trigger,
      });
      await deps.series.linkPublication(episode.id, render.runId, launched.runId, target.node);
      started.push({ number: episode.number, title: episode.title, renderRunId: render.runId, runId: launched.runId, finished: launched.finished });
    } catch (error) {
      // As a render: an episode that cannot be published stops no other.
      notStarted.push({ number: episode.number, title: episode.title, error: error instanceof Error ? error.message : String(error) });
    }
  }
  const nothingToPublish =
    chosen.length > 0 ? undefined : all.some((e) => e.status === 'published') ? `every rendered episode of ${seriesId} is published` : `no episode of ${seriesId} is rendered`;
  return { series, node: target.node, started, notStarted, ...(nothingToPublish !== undefined ? { nothingToPublish } : {}) };
}
