/**
 * The season status board without a DOM: what each episode row says (its
 * status badge, last render, thumbnail), which board buttons can be pressed
 * and the render request each sends, how often the board is read again, and
 * the words for what a render started. SeriesBoard.tsx draws them.
 */
import type { EpisodeRecord, RunDeliverables, SeriesBoard, SeriesRenderAnswer, SeriesRenderRequest } from '../api/client.js';
import { usd } from '../../../runtime/contract/budget.js';
import { formatDuration } from '../runs/media.js';

export type EpisodeStatus = EpisodeRecord['status'];

/** Each status's badge: its words and its colour (a class suffix). */
export const statusBadges: Record<EpisodeStatus, { label: string; tone: 'muted' | 'busy' | 'warn' | 'ok' | 'danger' }> = {
  draft: { label: 'draft', tone: 'muted' },
  rendering: { label: 'rendering', tone: 'busy' },
  'needs review': { label: 'needs review', tone: 'warn' },
  rendered: { label: 'rendered', tone: 'ok' },
  published: { label: 'published', tone: 'ok' },
  failed: { label: 'failed', tone: 'danger' },
};

/** While an episode renders the board is read again this often (runs are short; a season's board is small). */
export const BOARD_POLL_MS = 1500;

/** A rendered episode has deliverables (a thumbnail, a place in the season archive), published or not. */
export const hasRender = (episode: Pick<EpisodeRecord, 'status'>): boolean => episode.status === 'rendered' || episode.status === 'published';

export const isRendering = (episodes: readonly Pick<EpisodeRecord, 'status'>[]): boolean => episodes.some((episode) => episode.status === 'rendering');

/** TanStack Query's `refetchInterval`: poll while something renders, never otherwise. */
export const boardRefetchInterval = (board: Pick<SeriesBoard, 'episodes'> | undefined): number | false => (board && isRendering(board.episodes) ? BOARD_POLL_MS : false);

export type BoardAction = 'season' | 'selected' | 'failed';

export interface ActionState {
  label: string;
  disabled: boolean;
  /** Why it cannot be pressed (its tooltip), when it cannot. */
  reason?: string;
}

/** The three render buttons: all disabled while an episode renders (a second batch would queue behind the first). */
export function boardActions(episodes: readonly Pick<EpisodeRecord, 'number' | 'status'>[], selected: ReadonlySet<number>, busy = false): Record<BoardAction, ActionState> {
  const rendering = isRendering(episodes) ? 'an episode is rendering' : busy ? 'starting…' : undefined;
  const failed = episodes.filter((episode) => episode.status === 'failed').length;
  const chosen = episodes.filter((episode) => selected.has(episode.number)).length;
  const state = (label: string, none: string | undefined): ActionState => {
    const reason = rendering ?? none;
    return { label, disabled: reason !== undefined, ...(reason !== undefined ? { reason } : {}) };
  };
  return {
    season: state('Render season', episodes.length === 0 ? 'the series has no episodes' : undefined),
    selected: state(chosen > 0 ? `Render selected (${chosen})` : 'Render selected', chosen === 0 ? 'select episodes first' : undefined),
    failed: state(failed > 0 ? `Re-run failed (${failed})` : 'Re-run failed', failed === 0 ? 'no episode failed' : undefined),
  };
}

/** The body of POST /api/series/:id/render for a button. */
export function renderRequestOf(action: BoardAction, selected: ReadonlySet<number>): SeriesRenderRequest {
  if (action === 'selected') return { episodes: [...selected].sort((a, b) => a - b) };
  if (action === 'failed') return { failedOnly: true };
  return {};
}

/** What a render started, for a toast. */
export function describeRenderAnswer(answer: SeriesRenderAnswer): { tone: 'success' | 'warning' | 'error'; message: string } {
  const started = answer.runs.length;
  const notStarted = answer.notStarted.map((episode) => `episode ${episode.number}: ${episode.error}`);
  if (started === 0 && notStarted.length === 0) return { tone: 'warning', message: answer.nothingToRender ? `Nothing to render: ${answer.nothingToRender}` : 'No episode to render' };
  const head = `Rendering ${started} episode${started === 1 ? '' : 's'}`;
  if (notStarted.length === 0) return { tone: 'success', message: head };
  return { tone: started === 0 ? 'error' : 'warning', message: `${head}; not started: ${notStarted.join('; ')}` };
}

/** "5 Dec, 23:30 · 12.4 s" (when the last render started, and how long it took once finished); '' when never rendered. */
export function lastRenderOf(episode: Pick<EpisodeRecord, 'lastRun'>, locale?: string): string {
  const run = episode.lastRun;
  if (!run) return '';
  const when = new Date(run.createdAt).toLocaleString(locale, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
  return run.durationMs !== undefined ? `${when} · ${formatDuration(run.durationMs)}` : when;
}

/**
 * A row's cost cell: the latest run's priced usage at list price (as its run
 * detail prices it), "—" before any render, "so far" while it runs. A run
 * that paid for nothing (offline providers, results from the cache) costs
 * $0.00, and the tooltip says why rather than guessing which of the two.
 */
export function costOf(episode: Pick<EpisodeRecord, 'lastRun' | 'status'>): { text: string; title: string } {
  const run = episode.lastRun;
  if (!run) return { text: '—', title: 'Not rendered yet' };
  const amount = usd(run.costUsd);
  if (episode.status === 'rendering') return { text: `${amount} so far`, title: 'Spent so far by the render under way, at list price' };
  if (run.costUsd === 0) return { text: amount, title: 'The last render paid for nothing: offline providers, or results from the cache' };
  return { text: amount, title: "The last render's provider usage at list price (an estimate, not an invoice)" };
}

/** A rendering row's share done, as a whole percentage (0 until its run reports); undefined for a row not rendering. */
export function episodePercent(episode: Pick<EpisodeRecord, 'lastRun' | 'status'>): number | undefined {
  if (episode.status !== 'rendering') return undefined;
  return Math.round((episode.lastRun?.progress ?? 0) * 100);
}

export interface SeasonProgress {
  /** Episodes still rendering. */
  rendering: number;
  /** Episodes of the render under way: the rendering ones and those whose last render started with or after them. */
  total: number;
  /** Their mean share done, as a whole percentage; a finished one (rendered, failed, or waiting for review) counts whole. */
  percent: number;
  text: string;
}

/**
 * The season's progress for the board header while any episode renders. The
 * board does not know which batch an episode was rendered in, so the render
 * under way is read as the episodes whose last render started no earlier
 * than the oldest one still rendering: a batch's runs are all made when it
 * starts, so the ones already finished stay in its count.
 */
export function seasonProgressOf(episodes: readonly Pick<EpisodeRecord, 'lastRun' | 'status'>[]): SeasonProgress | undefined {
  const rendering = episodes.filter((episode) => episode.status === 'rendering');
  if (rendering.length === 0) return undefined;
  const since = Math.min(...rendering.map((episode) => episode.lastRun?.createdAt ?? Number.POSITIVE_INFINITY));
  const batch = episodes.filter((episode) => episode.status === 'rendering' || (episode.lastRun !== undefined && episode.lastRun.createdAt >= since));
  const share = batch.reduce((sum, episode) => sum + (episode.status === 'rendering' ? (episode.lastRun?.progress ?? 0) : 1), 0);
  const percent = Math.round((share / batch.length) * 100);
  return { rendering: rendering.length, total: batch.length, percent, text: `Rendering ${rendering.length} of ${batch.length} · ${percent}%` };
}

/** The run whose thumbnail a row shows: only a finished (`done`) last run has one worth showing. */
export const thumbnailRunOf = (episode: Pick<EpisodeRecord, 'lastRun'>): string | undefined => (episode.lastRun?.status === 'done' ? episode.lastRun.runId : undefined);

/** The thumbnail among a run's deliverables (the `thumbnail` output, else its first image), as an inline URL. */
export function thumbnailOf(listing: Pick<RunDeliverables, 'deliverables'> | undefined): string | undefined {
  const images = listing?.deliverables.filter((deliverable) => deliverable.kind === 'image') ?? [];
  return (images.find((image) => image.output === 'thumbnail' || image.output.startsWith('files.thumbnail')) ?? images[0])?.inlineUrl;
}

/** The hash route that opens a run of the series' graph in the editor (its Run panel and inspector). */
export const runRouteOf = (graphId: string, runId: string): string => `#/graphs/${encodeURIComponent(graphId)}/runs/${encodeURIComponent(runId)}`;
