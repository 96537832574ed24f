/**
 * Series in the editor: the list of series (on the start page and in the
 * Series dialog from the toolbar) and a series' status board — one row per
 * episode (status, last render, cost, thumbnail), the render buttons, the season
 * archive, and an opened episode's runs and script.
 *
 * The views take their data as props (tests render them without a server);
 * `SeriesDialog` reads the API; whether it is open, and on which series,
 * follows the address (series-ui.ts). The board is read again every
 * `BOARD_POLL_MS` while an episode renders (board.ts), so rows turn
 * "rendered" without a socket per run.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ApiClient, EpisodeDetail, SeriesBoard, SeriesRecord } from '../api/client.js';
import { useApi } from '../api/context.js';
import { notify } from '../state/toast-store.js';
import { boardActions, boardRefetchInterval, costOf, describeRenderAnswer, episodePercent, hasRender, lastRenderOf, seasonProgressOf, renderRequestOf, runRouteOf, statusBadges, thumbnailOf, thumbnailRunOf, type BoardAction } from './board.js';
import { closeSeries, openSeries, showSeriesList, useSeriesUi } from './series-ui.js';
// The run progress bar's look (.rg-run-progress), shared with the Run panel.
import '../runs/runs.css';
import './series.css';
import { useModalFocus } from '../shell/modal-focus.js';

export { openSeries, useSeriesUi } from './series-ui.js';

export const seriesKeys = {
  all: ['series'] as const,
  list: () => ['series', 'list'] as const,
  board: (id: string) => ['series', 'board', id] as const,
  episode: (id: string, number: number) => ['series', 'episode', id, number] as const,
  packageLink: (id: string) => ['series', 'package-link', id] as const,
  deliverables: (runId: string) => ['series', 'deliverables', runId] as const,
};

export function useSeriesList(api: ApiClient) {
  return useQuery({ queryKey: seriesKeys.list(), queryFn: ({ signal }) => api.listSeries(signal), staleTime: 0 });
}

/** The series' list: name, graph, episode count; a click (or Enter) opens its board. */
export function SeriesList({ series, onOpen }: { series: readonly SeriesRecord[]; onOpen(id: string): void }) {
  if (series.length === 0) return <p className="rg-muted rg-small">No series yet: create one with <code>reelgraph series create</code> or POST /api/series.</p>;
  return (
    <ul className="rg-series-list" data-testid="series-list">
      {series.map((entry) => (
        <li key={entry.id}>
          <button type="button" className="rg-template" onClick={() => onOpen(entry.id)} data-testid={`series-open-${entry.id}`}>
            <span className="rg-template__title">{entry.name}</span>
            <span className="rg-template__meta">
              graph {entry.graphId} · {entry.episodeCount} episode{entry.episodeCount === 1 ? '' : 's'}
            </span>
          </button>
        </li>
      ))}
    </ul>
  );
}

export interface SeriesBoardViewProps {
  board: SeriesBoard;
  selected: ReadonlySet<number>;
  /** Inline thumbnail URLs by run id. */
  thumbnails: Readonly<Record<string, string | undefined>>;
  /** The season archive's signed URL, once something is rendered. */
  packageUrl?: string;
  /** A render request is under way. */
  busy?: boolean;
  openedEpisode?: number;
  onToggle(number: number): void;
  onAction(action: BoardAction): void;
  onOpenEpisode(number: number): void;
}

/** The Run panel's bar (runs.css), for one episode's render or the season's. */
function ProgressBar({ percent, label, overall = false }: { percent: number; label: string; overall?: boolean }) {
  return (
    <div className={`rg-run-progress${overall ? ' rg-run-progress--overall' : ''}`} role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
      <div className="rg-run-progress-fill" style={{ width: `${percent}%` }} />
    </div>
  );
}

/** The status board: the buttons, then one row per episode. */
export function SeriesBoardView({ board, selected, thumbnails, packageUrl, busy = false, openedEpisode, onToggle, onAction, onOpenEpisode }: SeriesBoardViewProps) {
  const actions = boardActions(board.episodes, selected, busy);
  const rendered = board.episodes.some(hasRender);
  const season = seasonProgressOf(board.episodes);
  const rowKey = (number: number) => (event: KeyboardEvent<HTMLTableRowElement>) => {
    if (event.target !== event.currentTarget) return;
    if (event.key === 'Enter') onOpenEpisode(number);
    else if (event.key === ' ') {
      event.preventDefault();
      onToggle(number);
    }
  };
  return (
    <section className="rg-series-board" aria-label={`${board.name}: status board`} data-testid="series-board">
      <div className="rg-series-board__actions">
        {(['season', 'selected', 'failed'] as const).map((action) => (
          <button
            key={action}
            type="button"
            className={`rg-button${action === 'season' ? ' rg-button--primary' : ''}`}
            disabled={actions[action].disabled}
            title={actions[action].reason}
            onClick={() => onAction(action)}
            data-testid={`series-render-${action}`}
          >
            {actions[action].label}
          </button>
        ))}
        {packageUrl && rendered ? (
          <a className="rg-button" href={packageUrl} download title="One zip: every rendered episode in its own folder" data-testid="series-download">
            Download season
          </a>
        ) : (
          <button type="button" className="rg-button" disabled title="No episode is rendered yet" data-testid="series-download">
            Download season
          </button>
        )}
      </div>
      {season ? (
        <div className="rg-series-season-progress" data-testid="series-season-progress">
          <span className="rg-small">{season.text}</span>
          <ProgressBar percent={season.percent} label="Season rendered" overall />
        </div>
      ) : null}
      <table className="rg-series-table">
        <thead>
          <tr>
            <th scope="col">
              <span className="rg-visually-hidden">Selected</span>
            </th>
            <th scope="col">#</th>
            <th scope="col">Title</th>
            <th scope="col">Status</th>
            <th scope="col">Last render</th>
            <th scope="col">Cost</th>
            <th scope="col">Thumbnail</th>
          </tr>
        </thead>
        <tbody>
          {board.episodes.map((episode) => {
            const badge = statusBadges[episode.status];
            const thumbnailRun = thumbnailRunOf(episode);
            const thumbnail = thumbnailRun ? thumbnails[thumbnailRun] : undefined;
            const cost = costOf(episode);
            const percent = episodePercent(episode);
            return (
              <tr
                key={episode.number}
                tabIndex={0}
                className={`rg-series-row${openedEpisode === episode.number ? ' is-open' : ''}`}
                aria-selected={openedEpisode === episode.number}
                onClick={() => onOpenEpisode(episode.number)}
                onKeyDown={rowKey(episode.number)}
                data-testid={`series-episode-${episode.number}`}
                data-status={episode.status}
              >
                <td onClick={(event) => event.stopPropagation()}>
                  <input type="checkbox" checked={selected.has(episode.number)} onChange={() => onToggle(episode.number)} aria-label={`Select episode ${episode.number}`} />
                </td>
                <td>{episode.number}</td>
                <td>{episode.title}</td>
                <td>
                  <span className={`rg-series-status rg-series-status--${badge.tone}`} data-testid={`series-status-${episode.number}`}>
                    {badge.label}
                  </span>
                  {percent !== undefined ? (
                    <span className="rg-series-progress" data-testid={`series-progress-${episode.number}`}>
                      <ProgressBar percent={percent} label={`Episode ${episode.number} rendered`} />
                      <span className="rg-small">{percent}%</span>
                    </span>
                  ) : null}
                </td>
                <td className="rg-small">{lastRenderOf(episode)}</td>
                <td className="rg-small rg-series-cost" title={cost.title} data-testid={`series-cost-${episode.number}`}>
                  {cost.text}
                </td>
                <td>{thumbnail ? <img className="rg-series-thumb" src={thumbnail} alt={`Thumbnail of episode ${episode.number}`} /> : null}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

/** An opened episode: its runs (newest first, each opening in the editor) and its script. */
export function EpisodeDetailView({ detail, graphId, onOpenRun }: { detail: EpisodeDetail; graphId: string; onOpenRun?(): void }) {
  return (
    <section className="rg-series-episode" aria-label={`Episode ${detail.number}: ${detail.title}`} data-testid="series-episode-detail">
      <h3>
        Episode {detail.number}: {detail.title} <span className="rg-muted rg-small">script v{detail.version} · {detail.format}</span>
      </h3>
      <h4>Runs</h4>
      {detail.runs.length === 0 ? (
        <p className="rg-muted rg-small">Not rendered yet.</p>
      ) : (
        <ol className="rg-series-runs">
          {detail.runs.map((run) => (
            <li key={run.runId}>
              <a href={runRouteOf(graphId, run.runId)} onClick={onOpenRun} className="rg-run-id" title="Open this run in the editor (Run panel, inspector, deliverables)">
                {run.runId.slice(0, 8)}
              </a>{' '}
              <span className="rg-muted rg-small">
                {new Date(run.createdAt).toLocaleString()} · script v{run.scriptVersion}
                {run.runId === detail.lastRun?.runId ? ` · ${detail.lastRun.status}` : ''}
              </span>
            </li>
          ))}
        </ol>
      )}
      <h4>Script</h4>
      <pre className="rg-series-script" tabIndex={0} aria-label="Script (read-only)">
        {detail.script}
      </pre>
    </section>
  );
}

/** A series' board with its live data. */
function SeriesBoardPanel({ seriesId }: { seriesId: string }) {
  const api = useApi();
  const client = useQueryClient();
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [opened, setOpened] = useState<number | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const board = useQuery({
    queryKey: seriesKeys.board(seriesId),
    queryFn: ({ signal }) => api.getSeries(seriesId, signal),
    staleTime: 0,
    refetchInterval: (query) => boardRefetchInterval(query.state.data),
  });
  const episodes = board.data?.episodes ?? [];
  const anyRendered = episodes.some(hasRender);
  const link = useQuery({ queryKey: seriesKeys.packageLink(seriesId), queryFn: ({ signal }) => api.seriesPackageLink(seriesId, signal), enabled: anyRendered, staleTime: 3_600_000 });
  const thumbnailRuns = [...new Set(episodes.map(thumbnailRunOf).filter((runId): runId is string => runId !== undefined))];
  const listings = useQueries({
    queries: thumbnailRuns.map((runId) => ({ queryKey: seriesKeys.deliverables(runId), queryFn: ({ signal }: { signal: AbortSignal }) => api.runDeliverables(runId, signal), staleTime: 3_600_000 })),
  });
  const thumbnails = Object.fromEntries(thumbnailRuns.map((runId, index) => [runId, thumbnailOf(listings[index]?.data)]));
  const detail = useQuery({
    queryKey: seriesKeys.episode(seriesId, opened ?? 0),
    queryFn: ({ signal }) => api.getEpisode(seriesId, opened ?? 0, signal),
    enabled: opened !== undefined,
    staleTime: 0,
    refetchInterval: board.data && opened !== undefined && episodes.find((episode) => episode.number === opened)?.status === 'rendering' ? 1500 : false,
  });

  // A render finished: the opened episode's runs are read again with the board.
  const lastRunOfOpened = episodes.find((episode) => episode.number === opened)?.lastRun;
  useEffect(() => {
    if (opened !== undefined) void client.invalidateQueries({ queryKey: seriesKeys.episode(seriesId, opened) });
  }, [client, seriesId, opened, lastRunOfOpened?.runId, lastRunOfOpened?.status]);

  const onAction = (action: BoardAction) => {
    if (busy) return;
    setBusy(true);
    api
      .renderSeries(seriesId, renderRequestOf(action, selected))
      .then(
        (answer) => {
          const { tone, message } = describeRenderAnswer(answer);
          notify(tone, message);
          if (action === 'selected') setSelected(new Set());
        },
        (error: unknown) => notify('error', `Render failed to start: ${error instanceof Error ? error.message : String(error)}`),
      )
      .finally(() => {
        setBusy(false);
        void client.invalidateQueries({ queryKey: seriesKeys.board(seriesId) });
      });
  };

  if (board.isPending) return <p className="rg-muted rg-small">Loading the series…</p>;
  if (board.isError) return <p className="rg-graph-error">The series could not be loaded: {board.error.message}</p>;
  return (
    <>
      <p className="rg-muted rg-small">
        Graph <code>{board.data.graphId}</code>
        {board.data.settings.profile ? ` · profile ${board.data.settings.profile}` : ''} · {board.data.episodes.length} episode{board.data.episodes.length === 1 ? '' : 's'}
      </p>
      <SeriesBoardView
        board={board.data}
        selected={selected}
        thumbnails={thumbnails}
        {...(link.data ? { packageUrl: link.data.url } : {})}
        busy={busy}
        {...(opened !== undefined ? { openedEpisode: opened } : {})}
        onToggle={(number) =>
          setSelected((previous) => {
            const next = new Set(previous);
            if (!next.delete(number)) next.add(number);
            return next;
          })
        }
        onAction={onAction}
        onOpenEpisode={(number) => setOpened((previous) => (previous === number ? undefined : number))}
      />
      {opened !== undefined ? (
        detail.data ? (
          // A run's link changes the address, which closes the dialog (series-ui.ts): nothing to do on its click.
          <EpisodeDetailView detail={detail.data} graphId={board.data.graphId} />
        ) : detail.isError ? (
          <p className="rg-graph-error">{detail.error.message}</p>
        ) : (
          <p className="rg-muted rg-small">Loading episode {opened}…</p>
        )
      ) : null}
    </>
  );
}

/** The series on the start page: shown only when there are some. */
export function SeriesSection() {
  const api = useApi();
  const list = useSeriesList(api);
  if (!list.data || list.data.length === 0) return null;
  return (
    <section aria-labelledby="rg-start-series" className="rg-series-start" data-testid="start-series">
      <h3 id="rg-start-series">Series</h3>
      <SeriesList series={list.data} onOpen={(id) => openSeries(id)} />
    </section>
  );
}

/** The Series dialog (toolbar, start page): the list, or one series' board. */
export function SeriesDialog() {
  const api = useApi();
  const { open, seriesId } = useSeriesUi();
  const box = useRef<HTMLDivElement>(null);
  // Read on a board too: the heading names the series (a board opened from its address has no list read before).
  const list = useQuery({ queryKey: seriesKeys.list(), queryFn: ({ signal }) => api.listSeries(signal), enabled: open, staleTime: 0 });
  useModalFocus(open, box, closeSeries);
  if (!open) return null;
  const name = seriesId ? (list.data?.find((entry) => entry.id === seriesId)?.name ?? seriesId) : undefined;
  return (
    <div className="rg-modal" role="dialog" aria-modal="true" aria-label="Series" onMouseDown={(event) => event.target === event.currentTarget && closeSeries()}>
      <div ref={box} tabIndex={-1} className="rg-modal__box rg-series-dialog" data-testid="series-dialog">
        <header className="rg-modal__head">
          <h2>
            {seriesId ? (
              <>
                <button type="button" className="rg-run-linkish" onClick={showSeriesList} aria-label="Back to all series" data-testid="series-back">
                  Series
                </button>{' '}
                › {name}
              </>
            ) : (
              'Series'
            )}
          </h2>
          <button type="button" className="rg-icon-button" onClick={closeSeries} aria-label="Close">
            ×
          </button>
        </header>
        <div className="rg-series-dialog__body">
          {seriesId ? (
            <SeriesBoardPanel key={seriesId} seriesId={seriesId} />
          ) : list.isError ? (
            <p className="rg-graph-error">Series could not be loaded: {list.error.message}</p>
          ) : list.data ? (
            <SeriesList series={list.data} onOpen={(id) => openSeries(id)} />
          ) : (
            <p className="rg-muted rg-small">Loading series…</p>
          )}
        </div>
      </div>
    </div>
  );
}
