/**
 * The season status board in the editor (editor/src/series/), the parts
 * without a DOM: which buttons can be pressed and what each sends, when the
 * board polls, what a row says (badge, last render, thumbnail), the board and
 * an opened episode as markup; and the API client against a live server: a
 * season rendered from the board's request, the board following it, an
 * episode's runs, and the archive link answering a zip without the token.
 * tests/e2e/editor-series-board.test.ts drives the same in Chromium.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, type EpisodeDetail, type EpisodeRecord, type RunDeliverables, type SeriesBoard } from '../editor/src/api/client.js';
import {
  BOARD_POLL_MS,
  boardActions,
  boardRefetchInterval,
  costOf,
  describeRenderAnswer,
  episodePercent,
  lastRenderOf,
  renderRequestOf,
  runRouteOf,
  seasonProgressOf,
  thumbnailOf,
  thumbnailRunOf,
} from '../editor/src/series/board.js';
import { EpisodeDetailView, SeriesBoardView, SeriesList } from '../editor/src/series/SeriesBoard.js';
import { startTestServer, type TestServer } from './fixtures/server.js';

const T = Date.UTC(2026, 11, 5, 23, 30);
const repo = resolve(import.meta.dirname, '..');

const episode = (number: number, status: EpisodeRecord['status'], lastRun?: Partial<NonNullable<EpisodeRecord['lastRun']>>): EpisodeRecord => ({
  id: `ep${number}`,
  seriesId: 'season',
  number,
  title: `Episode ${number}`,
  format: 'markdown',
  version: 1,
  sha256: 'x',
  status,
  ...(lastRun ? { lastRun: { runId: `run-${number}`, status: 'done', scriptVersion: 1, createdAt: T, costUsd: 0, ...lastRun } } : {}),
  createdAt: T,
  updatedAt: T,
});

const board = (episodes: EpisodeRecord[]): SeriesBoard => ({ id: 'season', name: 'Season', graphId: 'script', settings: {}, createdAt: T, updatedAt: T, episodeCount: episodes.length, episodes });

const image = (name: string, output: string): RunDeliverables['deliverables'][number] => ({
  name,
  output,
  kind: 'image',
  mime: 'image/png',
  bytes: 10,
  hash: name,
  downloadUrl: `/d/${name}`,
  inlineUrl: `/i/${name}`,
});

describe('the board buttons', () => {
  const settled = [episode(1, 'rendered', { durationMs: 1200 }), episode(2, 'failed', { status: 'failed' }), episode(3, 'draft')];

  it('offers every button when nothing renders, counting the selected and the failed episodes', () => {
    const actions = boardActions(settled, new Set([1, 3]));
    expect(actions.season).toEqual({ label: 'Render season', disabled: false });
    expect(actions.selected).toEqual({ label: 'Render selected (2)', disabled: false });
    expect(actions.failed).toEqual({ label: 'Re-run failed (1)', disabled: false });
  });

  it('disables every render button while an episode renders or a request is under way, saying why', () => {
    const rendering = [...settled.slice(0, 2), episode(3, 'rendering', { status: 'running' })];
    for (const actions of [boardActions(rendering, new Set([1])), boardActions(settled, new Set([1]), true)]) {
      expect(Object.values(actions).map((action) => action.disabled)).toEqual([true, true, true]);
      expect(actions.season.reason).toMatch(/rendering|starting/);
    }
  });

  it('disables "Render selected" without a selection and "Re-run failed" without a failure', () => {
    const actions = boardActions([episode(1, 'rendered', {})], new Set());
    expect(actions.selected).toMatchObject({ label: 'Render selected', disabled: true, reason: 'select episodes first' });
    expect(actions.failed).toMatchObject({ label: 'Re-run failed', disabled: true, reason: 'no episode failed' });
  });

  it('sends the whole season, the selected numbers in order, or the failed ones', () => {
    expect(renderRequestOf('season', new Set([2]))).toEqual({});
    expect(renderRequestOf('selected', new Set([3, 1]))).toEqual({ episodes: [1, 3] });
    expect(renderRequestOf('failed', new Set([2]))).toEqual({ failedOnly: true });
  });

  it('words what a render started, naming the episodes that could not start', () => {
    expect(describeRenderAnswer({ seriesId: 's', runs: [{ number: 1, title: 'A', runId: 'r' }], notStarted: [] })).toEqual({ tone: 'success', message: 'Rendering 1 episode' });
    expect(describeRenderAnswer({ seriesId: 's', runs: [], notStarted: [] })).toEqual({ tone: 'warning', message: 'No episode to render' });
    expect(describeRenderAnswer({ seriesId: 's', runs: [], notStarted: [], nothingToRender: 'no episode of s has failed' })).toEqual({ tone: 'warning', message: 'Nothing to render: no episode of s has failed' });
    expect(describeRenderAnswer({ seriesId: 's', runs: [], notStarted: [{ number: 2, title: 'B', error: 'no input' }] })).toEqual({ tone: 'error', message: 'Rendering 0 episodes; not started: episode 2: no input' });
  });

  it('polls the board only while an episode renders', () => {
    expect(boardRefetchInterval(board(settled))).toBe(false);
    expect(boardRefetchInterval(board([...settled, episode(4, 'rendering', { status: 'queued' })]))).toBe(BOARD_POLL_MS);
    expect(boardRefetchInterval(undefined)).toBe(false);
  });
});

describe('what a row shows', () => {
  it('shows when the last render started and how long it took', () => {
    expect(lastRenderOf(episode(1, 'draft'))).toBe('');
    expect(lastRenderOf(episode(1, 'rendered', { durationMs: 12_400 }), 'en-GB')).toMatch(/5 Dec.* · 12\.4 s$/);
    expect(lastRenderOf(episode(1, 'rendering', { status: 'running' }), 'en-GB')).not.toContain('·');
  });

  it("shows the last render's cost at list price: none before a render, so far while one runs, $0.00 when it paid for nothing", () => {
    expect(costOf(episode(1, 'draft'))).toMatchObject({ text: '—' });
    expect(costOf(episode(1, 'rendered', { costUsd: 1.234 }))).toMatchObject({ text: '$1.23' });
    expect(costOf(episode(1, 'rendered', { costUsd: 0.004 }))).toMatchObject({ text: '$0.0040' });
    expect(costOf(episode(1, 'rendered', { costUsd: 0 }))).toEqual({ text: '$0.00', title: expect.stringMatching(/offline providers, or results from the cache/) });
    expect(costOf(episode(1, 'rendering', { status: 'running', costUsd: 0.5 }))).toMatchObject({ text: '$0.50 so far' });
  });

  it("takes the thumbnail of a done run only: its `thumbnail` output, else its first image", () => {
    expect(thumbnailRunOf(episode(1, 'rendered', {}))).toBe('run-1');
    expect(thumbnailRunOf(episode(1, 'failed', { status: 'failed' }))).toBeUndefined();
    expect(thumbnailOf({ deliverables: [image('a.png', 'files.png'), image('t.png', 'thumbnail')] })).toBe('/i/t.png');
    expect(thumbnailOf({ deliverables: [image('a.png', 'files.png')] })).toBe('/i/a.png');
    expect(thumbnailOf({ deliverables: [] })).toBeUndefined();
  });
});

describe('the board as markup', () => {
  const props = {
    selected: new Set([2]),
    thumbnails: { 'run-1': '/i/thumb.png' },
    onToggle: () => undefined,
    onAction: () => undefined,
    onOpenEpisode: () => undefined,
  };

  it('draws one focusable row per episode with its badge, a labelled checkbox and the thumbnail of a done run', () => {
    const html = renderToStaticMarkup(
      createElement(SeriesBoardView, { ...props, board: board([episode(1, 'rendered', {}), episode(2, 'failed', { status: 'failed', costUsd: 0.12 })]), packageUrl: '/media/series/season/package/season.zip?exp=1&sig=a' }),
    );
    expect(html.match(/<tr tabindex="0"/g)).toHaveLength(2);
    expect(html).toMatch(/data-testid="series-status-1">rendered</);
    expect(html).toMatch(/rg-series-status--danger" data-testid="series-status-2">failed</);
    expect(html).toContain('aria-label="Select episode 1"');
    expect(html).toMatch(/<input type="checkbox" aria-label="Select episode 2" checked=""/);
    expect(html).toContain('src="/i/thumb.png" alt="Thumbnail of episode 1"');
    expect(html).toMatch(/data-testid="series-cost-1">\$0\.00</);
    expect(html).toMatch(/data-testid="series-cost-2">\$0\.12</);
    expect(html).toMatch(/<a class="rg-button" href="\/media\/series\/season\/package\/season\.zip\?exp=1&amp;sig=a" download=""[^>]*>Download season<\/a>/);
    expect(html).toMatch(/<button[^>]*data-testid="series-render-season">Render season<\/button>/);
  });

  it('badges a published episode, and offers its thumbnail and the season download as for a rendered one', () => {
    const html = renderToStaticMarkup(createElement(SeriesBoardView, { ...props, board: board([episode(1, 'published', {}), episode(2, 'draft')]), packageUrl: '/x.zip' }));
    expect(html).toMatch(/rg-series-status--ok" data-testid="series-status-1">published</);
    expect(html).toContain('href="/x.zip"');
    expect(html).toContain('src="/i/thumb.png" alt="Thumbnail of episode 1"');
  });

  it('offers no download before an episode is rendered, and disables the render buttons while one renders', () => {
    const html = renderToStaticMarkup(createElement(SeriesBoardView, { ...props, board: board([episode(1, 'rendering', { status: 'running' }), episode(2, 'draft')]), packageUrl: '/x.zip' }));
    expect(html).not.toContain('href="/x.zip"');
    expect(html).toMatch(/<button type="button" class="rg-button" disabled="" title="No episode is rendered yet" data-testid="series-download">/);
    expect(html.match(/disabled="" title="an episode is rendering"/g)).toHaveLength(3);
  });

  it("bars each rendering row with its percentage, and heads the board with the season's render under way", () => {
    const season = [
      episode(1, 'rendered', { createdAt: T - 86_400_000 }), // an earlier render: not part of this one
      episode(2, 'rendered', { progress: 1 }),
      episode(3, 'rendering', { status: 'running', progress: 0.4 }),
      episode(4, 'rendering', { status: 'queued' }),
      episode(5, 'failed', { status: 'failed', createdAt: T + 1 }),
      episode(6, 'draft'),
    ];
    expect(season.map(episodePercent)).toEqual([undefined, undefined, 40, 0, undefined, undefined]);
    // (1 + 0.4 + 0 + 1) / 4 episodes of this render.
    expect(seasonProgressOf(season)).toEqual({ rendering: 2, total: 4, percent: 60, text: 'Rendering 2 of 4 · 60%' });
    const html = renderToStaticMarkup(createElement(SeriesBoardView, { ...props, board: board(season) }));
    expect(html).toMatch(/data-testid="series-season-progress"><span class="rg-small">Rendering 2 of 4 · 60%<\/span><div class="rg-run-progress rg-run-progress--overall" role="progressbar" aria-label="Season rendered" aria-valuemin="0" aria-valuemax="100" aria-valuenow="60">/);
    expect(html).toMatch(/data-testid="series-progress-3"><div class="rg-run-progress" role="progressbar" aria-label="Episode 3 rendered" aria-valuemin="0" aria-valuemax="100" aria-valuenow="40"><div class="rg-run-progress-fill" style="width:40%"><\/div><\/div><span class="rg-small">40%<\/span>/);
    expect(html).toMatch(/aria-label="Episode 4 rendered"[^>]*aria-valuenow="0"/);
    expect(html.match(/role="progressbar"/g)).toHaveLength(3);
    // Nothing rendering: no season bar.
    expect(renderToStaticMarkup(createElement(SeriesBoardView, { ...props, board: board([episode(2, 'rendered', { progress: 1 })]) }))).not.toContain('progressbar');
    expect(seasonProgressOf([episode(2, 'rendered', {})])).toBeUndefined();
  });

  it('lists the series with graph and episode count, and an opened episode with its runs linking into the editor and its script', () => {
    const list = renderToStaticMarkup(createElement(SeriesList, { series: [board([episode(1, 'draft')])], onOpen: () => undefined }));
    expect(list).toContain('graph script · 1 episode<');
    const detail: EpisodeDetail = { ...episode(1, 'rendered', { runId: 'new-run' }), script: '# Boot\n\n## Open\n', runs: [{ runId: 'new-run', scriptVersion: 1, createdAt: T }, { runId: 'old-run', scriptVersion: 1, createdAt: T - 1000 }] };
    const html = renderToStaticMarkup(createElement(EpisodeDetailView, { detail, graphId: 'script' }));
    expect([...html.matchAll(/href="([^"]+)"/g)].map((match) => match[1])).toEqual([runRouteOf('script', 'new-run'), runRouteOf('script', 'old-run')]);
    expect(runRouteOf('script', 'new-run')).toBe('#/graphs/script/runs/new-run');
    expect(html).toContain('# Boot\n\n## Open\n</pre>');
  });
});

describe('the API client against a live server', () => {
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startTestServer();
    api = new ApiClient(server.token, server.server.url);
    const document = JSON.parse(await readFile(join(repo, 'graphs/script.json'), 'utf8')) as Record<string, unknown>;
    expect((await server.api.post('/api/graphs').send({ document })).status).toBe(201);
    await server.api.post('/api/series').send({ id: 'season', name: 'Season', graphId: 'script' });
    await server.api.post('/api/series/season/episodes').send({ episodes: [{ text: '# Boot\n\n## Open\n\n**ADA:** Power.\n' }, { text: '# Cold\n\n## Open\n\n**ADA:** Out.\n' }] });
  }, 60_000);

  afterAll(async () => {
    await server?.dispose();
  });

  it('renders the selected episodes, follows the board until they are rendered, and downloads the archive through its signed link', async () => {
    expect((await api.listSeries()).map((entry) => [entry.id, entry.episodeCount])).toEqual([['season', 2]]);
    const started = await api.renderSeries('season', renderRequestOf('selected', new Set([2, 1])));
    expect(started.runs.map((run) => run.number)).toEqual([1, 2]);
    let current = await api.getSeries('season');
    for (let i = 0; i < 400 && boardRefetchInterval(current) !== false; i++) {
      await new Promise((r) => setTimeout(r, 50));
      current = await api.getSeries('season');
    }
    // A finished render reads as whole over the API too.
    expect(current.episodes.map((e) => [e.number, e.status, e.lastRun?.runId, e.lastRun?.progress])).toEqual([
      [1, 'rendered', started.runs[0]!.runId, 1],
      [2, 'rendered', started.runs[1]!.runId, 1],
    ]);
    const detail = await api.getEpisode('season', 2);
    expect(detail.runs.map((run) => run.runId)).toEqual([started.runs[1]!.runId]);
    expect(detail.script).toContain('# Cold');

    const link = await api.seriesPackageLink('season');
    expect(link.url.startsWith(`${server.server.url}/media/series/season/package/season.zip?`)).toBe(true);
    const zip = await fetch(link.url);
    expect([zip.status, zip.headers.get('content-type')]).toEqual([200, 'application/zip']);
    expect(Buffer.from(await zip.arrayBuffer()).subarray(0, 2).toString()).toBe('PK');
  }, 60_000);
});
