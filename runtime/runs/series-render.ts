/**
 * Batch renders of a series (issue 20): every episode (or a selection, or
 * the failed ones) is launched as its own run at `batch` priority through
 * the series' graph, and linked to the episode and the script version it
 * renders. Episodes share the cache, so a changed template re-renders only
 * what changed in each; each run is independent, so a failed episode stops
 * no other. What a run of an episode needs from its script (the input it
 * feeds, the parser of its format) is the caller's: the runtime knows no
 * node type.
 */
import type { GraphDocument } from '../contract/graph.js';
import type { RunResult } from '../engine/run.js';
import type { EpisodeRecord, SeriesRecord } from '../contract/series.js';
import type { RunTrigger } from '../store/types.js';
import { SeriesError, type SeriesTables } from '../store/series-tables.js';
import type { RunLauncher } from './launcher.js';

export interface SeriesRenderRequest {
  /** The series' graph, resolved (a variant against its template), and its stored version. */
  graph: GraphDocument;
  graphVersion?: number;
  /** Episode numbers to render; default every episode. */
  episodes?: readonly number[];
  /** Only the episodes whose latest run failed (or was cancelled). */
  failedOnly?: boolean;
  /** The render profile; default the series' own, else the graph's. */
  profile?: string;
  trigger: RunTrigger;
  /** Where an episode's run writes its deliverables. */
  outDirOf(episode: EpisodeRecord): string;
  /** The graph and inputs that render this script (its input wired, its format's parser). */
  episodeRun(graph: GraphDocument, episode: EpisodeRecord, script: string): { graph: GraphDocument; inputs: Record<string, unknown> };
}

export interface EpisodeRender {
  number: number;
  episodeId: string;
  title: string;
  runId: string;
  finished: Promise<RunResult>;
  cancel(): void;
}

/** An episode that could not be launched (its script no longer fits the graph, say): the others go on. */
export interface EpisodeNotStarted {
  number: number;
  title: string;
  error: string;
}

export interface SeriesRender {
  series: SeriesRecord;
  started: EpisodeRender[];
  notStarted: EpisodeNotStarted[];
  /** Why no episode was chosen, when none was (nothing failed, no episodes yet): not an error. */
  nothingToRender?: string;
}

/** `1-3,5` → [1, 2, 3, 5]; undefined when the text is not such a list. */
export function parseEpisodeList(text: string): number[] | undefined {
  const numbers: number[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) return undefined;
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (from < 1 || to < from || to - from > 10_000) return undefined;
    for (let n = from; n <= to; n++) numbers.push(n);
  }
  return [...new Set(numbers)].sort((a, b) => a - b);
}

/** [1, 2, 3, 5] → "1-3, 5": the inverse of parseEpisodeList, for messages. */
export function formatEpisodeList(numbers: readonly number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    runs.push(i === j ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return runs.join(', ');
}

/** Why a request chose no episode of a series that has `count` of them. */
function nothingChosen(seriesId: string, count: number, request: Pick<SeriesRenderRequest, 'episodes' | 'failedOnly'>): string | undefined {
  if (count === 0) return `series "${seriesId}" has no episodes yet`;
  if (!request.failedOnly) return undefined;
  return request.episodes ? `none of episodes ${formatEpisodeList(request.episodes)} of ${seriesId} has failed` : `no episode of ${seriesId} has failed`;
}

/**
 * The episode numbers a request names, as a set (undefined: it names none, so
 * all); a number the series lacks is a 404 naming it and what the series has.
 */
export function episodesNamed(seriesId: string, all: readonly Pick<EpisodeRecord, 'number'>[], named: readonly number[] | undefined): Set<number> | undefined {
  if (!named) return undefined;
  const missing = named.filter((n) => !all.some((e) => e.number === n));
  if (missing.length > 0) {
    const has = all.length === 0 ? 'it has no episodes yet' : `it has ${all.length === 1 ? 'episode' : 'episodes'} ${formatEpisodeList(all.map((e) => e.number))}`;
    throw new SeriesError('UNKNOWN_EPISODE', `series "${seriesId}" has no episode ${formatEpisodeList(missing)} (${has})`, 404);
  }
  return new Set(named);
}

export async function renderSeries(deps: { series: SeriesTables; launcher: RunLauncher }, seriesId: string, request: SeriesRenderRequest): Promise<SeriesRender> {
  const series = await deps.series.get(seriesId);
  const all = await deps.series.episodes(seriesId);
  const wanted = episodesNamed(seriesId, all, request.episodes);
  const chosen = all.filter((e) => (!wanted || wanted.has(e.number)) && (!request.failedOnly || e.status === 'failed'));
  if (chosen.length === 0) {
    const why = nothingChosen(seriesId, all.length, request);
    return { series, started: [], notStarted: [], ...(why !== undefined ? { nothingToRender: why } : {}) };
  }
  const profile = request.profile ?? series.settings.profile;
  const graph: GraphDocument = profile === undefined ? request.graph : { ...request.graph, settings: { ...request.graph.settings, profile } };
  const started: EpisodeRender[] = [];
  const notStarted: EpisodeNotStarted[] = [];
  for (const episode of chosen) {
    const script = await deps.series.script(episode.id);
    try {
      const run = request.episodeRun(graph, episode, script.text);
      const launched = await deps.launcher.launch({
        graph: run.graph,
        inputs: run.inputs,
        outDir: request.outDirOf(episode),
        priority: 'batch',
        trigger: request.trigger,
        ...(request.graphVersion !== undefined ? { graphVersion: request.graphVersion } : {}),
        ...(series.settings.budgetUsdPerRun !== undefined ? { budgetUsd: series.settings.budgetUsdPerRun } : {}),
      });
      await deps.series.linkRun(episode.id, launched.runId, script.version);
      started.push({
        number: episode.number,
        episodeId: episode.id,
        title: episode.title,
        runId: launched.runId,
        finished: launched.finished,
        cancel: () => void deps.launcher.cancel(launched.runId),
      });
    } catch (error) {
      notStarted.push({ number: episode.number, title: episode.title, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { series, started, notStarted };
}
