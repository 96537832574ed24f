/**
 * Batch renders of a series (issue 20, item 2), at the runtime level: every
 * episode is its own run at `batch` priority through the series' graph; a
 * failed episode stops no other; the failed ones render again alone; the
 * episodes share the cache, so a changed template re-renders only what the
 * change touches in each (asserted from the run records).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineNode, GRAPH_FORMAT, type GraphDocument } from '../runtime/contract/index.js';
import { renderSeries, type SeriesRenderRequest } from '../runtime/runs/series-render.js';
import { packageFilesOf } from '../runtime/runs/series-publish.js';
import { openWorkspace, type Workspace } from '../runtime/workspace.js';
import { defaultRetentionPolicy, planRetention, retentionTarget } from '../runtime/store/retention.js';
import type { SqliteRunStore } from '../runtime/store/sqlite.js';
import { builtinNodes } from '../nodes/index.js';
import { episodeRunOf } from '../nodes/script/input-format.js';
import { check } from './fixtures/batch-nodes.js';
import { createCluster, type Cluster } from './fixtures/queue-cluster.js';
import { requireRedis } from './fixtures/redis.js';

const redis = await requireRedis('a series batch in queue mode');

const seriesGraph = (suffix = ''): GraphDocument => ({
  format: GRAPH_FORMAT,
  schemaVersion: 1,
  id: 'batch-graph',
  name: 'Batch',
  inputs: { episode: { type: 'Markdown' } },
  outputs: { title: 'check.title', pid: 'check.pid' },
  nodes: [
    { id: 'parse', type: 'script.markdown', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
    { id: 'check', type: 'testbatch.check', typeVersion: 1, position: { x: 300, y: 0 }, params: { suffix } },
  ],
  edges: [
    { from: '$input.episode', to: 'parse.markdown' },
    { from: 'parse.script', to: 'check.script' },
  ],
});

const episode = (title: string): { text: string; title: string; format: 'markdown' } => ({ text: `# ${title}\n\n## Open\n\n**ADA:** Power is out.\n`, title, format: 'markdown' });

/** A node that reports half its work done, then holds until the test releases it: a render caught mid-run. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}
const gate = { entered: deferred(), release: deferred() };
const held = defineNode({
  type: 'testbatch.held',
  version: 1,
  title: 'Held',
  category: 'test',
  description: 'Reports half done, then waits for the test.',
  inputs: [{ name: 'script', type: 'Script' }],
  outputs: [{ name: 'title', type: 'Text' }],
  params: { type: 'object', properties: {} },
  resource: 'cpu',
  cacheable: false,
  execute: async (ctx) => {
    ctx.progress(0.5);
    gate.entered.resolve();
    await gate.release.promise;
    return { title: 'held' };
  },
});

let dir: string;
let ws: Workspace;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelgraph-series-render-'));
  ws = await openWorkspace(join(dir, 'data'), { nodes: builtinNodes, extraNodes: [check, held], env: { REELGRAPH_LOG_LEVEL: 'error' } });
  await ws.store.saveGraph(seriesGraph(), { id: 'batch-graph' });
  await ws.series.create({ id: 'season', name: 'Season', graphId: 'batch-graph', settings: {} });
  await ws.series.addEpisodes('season', [episode('One'), episode('Two FAIL'), episode('Three')]);
});
afterAll(async () => {
  await ws?.close();
  await rm(dir, { recursive: true, force: true });
});

const request = (graph: GraphDocument, extra: Partial<SeriesRenderRequest> = {}): SeriesRenderRequest => ({
  graph,
  trigger: 'api',
  outDirOf: (e) => join(dir, 'out', `e${e.number}`),
  episodeRun: (g, e, text) => episodeRunOf(g, text, e.format),
  ...extra,
});

async function settle(render: Awaited<ReturnType<typeof renderSeries>>): Promise<Array<[number, string]>> {
  return Promise.all(render.started.map(async (e) => [e.number, (await e.finished).status] as [number, string]));
}

const nodeStatuses = async (runId: string): Promise<string[]> => ((await ws.store.getRun(runId))?.nodes ?? []).map((n) => `${n.nodeId}:${n.status}`);

it('renders every episode as its own batch run: a failed one stops no other, and the failed ones render again alone', async () => {
  const first = await renderSeries(ws, 'season', request(seriesGraph()));
  expect(first.notStarted).toEqual([]);
  expect(await settle(first)).toEqual([
    [1, 'done'],
    [2, 'failed'],
    [3, 'done'],
  ]);
  for (const started of first.started) expect((await ws.store.getRun(started.runId))?.priority).toBe('batch');
  expect((await ws.series.episodes('season')).map((e) => [e.number, e.status])).toEqual([
    [1, 'rendered'],
    [2, 'failed'],
    [3, 'rendered'],
  ]);

  // The writer fixes episode 2; only the failed episode renders again.
  await ws.series.reviseEpisode('season', 2, episode('Two').text);
  const again = await renderSeries(ws, 'season', request(seriesGraph(), { failedOnly: true }));
  expect(again.started.map((e) => e.number)).toEqual([2]);
  expect(await settle(again)).toEqual([[2, 'done']]);
  const episodes = await ws.series.episodes('season');
  expect(episodes.map((e) => [e.number, e.status, e.lastRun?.scriptVersion])).toEqual([
    [1, 'rendered', 1],
    [2, 'rendered', 2],
    [3, 'rendered', 1],
  ]);
  expect((await ws.store.getRun(again.started[0]!.runId))?.outputs).toEqual({ title: 'Two', pid: process.pid });
  await expect(renderSeries(ws, 'season', request(seriesGraph(), { episodes: [2, 9, 10, 12] }))).rejects.toMatchObject({
    code: 'UNKNOWN_EPISODE',
    message: 'series "season" has no episode 9-10, 12 (it has episodes 1-3)',
  });
  // Nothing failed now: a re-run of the failed ones starts nothing and says why, without an error.
  const none = await renderSeries(ws, 'season', request(seriesGraph(), { failedOnly: true }));
  expect([none.started, none.notStarted, none.nothingToRender]).toEqual([[], [], 'no episode of season has failed']);
  expect((await renderSeries(ws, 'season', request(seriesGraph(), { failedOnly: true, episodes: [1, 3] }))).nothingToRender).toBe('none of episodes 1, 3 of season has failed');
});

it('shares the cache across episodes: a changed template re-renders only the node it changed, in each episode', async () => {
  const changed = await renderSeries(ws, 'season', request(seriesGraph(' (final cut)')));
  expect(await settle(changed)).toEqual([
    [1, 'done'],
    [2, 'done'],
    [3, 'done'],
  ]);
  // Each episode's script was parsed before: only the changed node ran.
  for (const started of changed.started) expect(await nodeStatuses(started.runId)).toEqual(['parse:cached', 'check:done']);
  expect(await Promise.all(changed.started.map(async (e) => (await ws.store.getRun(e.runId))?.outputs?.title))).toEqual(['One (final cut)', 'Two (final cut)', 'Three (final cut)']);
  // Nothing changed since: the next render of a selection is all cache.
  const selection = await renderSeries(ws, 'season', request(seriesGraph(' (final cut)'), { episodes: [1, 3] }));
  await settle(selection);
  for (const started of selection.started) expect(await nodeStatuses(started.runId)).toEqual(['parse:cached', 'check:cached']);
});

it("keeps each episode's latest render from gc, not only the graph's newest runs", async () => {
  const latest = (await ws.series.episodes('season')).map((e) => e.lastRun!.runId);
  const target = retentionTarget({ dataDir: join(dir, 'data'), artifacts: ws.artifacts, database: (ws.store as SqliteRunStore).database, nodeTypes: ws.registry.list() });
  // One run kept per group, and no run young enough to be kept for its age: each episode is a group of its own.
  const { keptRuns } = await planRetention(target, { ...defaultRetentionPolicy, keepRuns: 1, keepYoungerThanMs: 0 });
  expect(latest).toHaveLength(3);
  expect(keptRuns).toEqual(expect.arrayContaining(latest));
  expect(keptRuns).toHaveLength(3);
});

it('says which episode could not start, and starts the others', async () => {
  const noInput: GraphDocument = { ...seriesGraph(), inputs: {}, edges: [{ from: 'parse.script', to: 'check.script' }], nodes: seriesGraph().nodes.slice(1) };
  const render = await renderSeries(ws, 'season', request(noInput, { episodes: [1] }));
  expect(render.started).toEqual([]);
  expect(render.notStarted).toEqual([{ number: 1, title: 'One', error: expect.stringContaining('has no input that feeds a script parser') }]);
});

describe.skipIf(!redis)('a series batch in queue mode', () => {
  let cluster: Cluster | undefined;
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('renders each episode on the workers, a failed one stopping no other, and the failed one again alone', async () => {
    cluster = await createCluster('series', { REELGRAPH_NODE_MODULES: [join(import.meta.dirname, 'fixtures', 'queue-nodes.ts'), join(import.meta.dirname, 'fixtures', 'batch-nodes.ts')].join(',') });
    const worker = await cluster.startWorker(['--no-sandbox']);
    const orchestrator = await cluster.orchestrator();
    expect(orchestrator.mode).toBe('queue');
    await orchestrator.store.saveGraph(seriesGraph(), { id: 'batch-graph' });
    await orchestrator.series.create({ id: 'queued', name: 'Queued', graphId: 'batch-graph', settings: {} });
    await orchestrator.series.addEpisodes('queued', [episode('One'), episode('Two FAIL'), episode('Three')]);
    const queueRequest = (extra: Partial<SeriesRenderRequest> = {}): SeriesRenderRequest => ({ ...request(seriesGraph()), outDirOf: (e) => join(cluster!.dir, 'out', `e${e.number}`), ...extra });

    const render = await renderSeries(orchestrator, 'queued', queueRequest());
    expect(await settle(render)).toEqual([
      [1, 'done'],
      [2, 'failed'],
      [3, 'done'],
    ]);
    // The episodes' units ran on the worker, not in this process.
    for (const number of [1, 3]) {
      const run = await orchestrator.store.getRun(render.started.find((e) => e.number === number)!.runId);
      expect([run?.priority, run?.outputs?.pid]).toEqual(['batch', worker.pid]);
    }
    await orchestrator.series.reviseEpisode('queued', 2, episode('Two').text);
    const again = await renderSeries(orchestrator, 'queued', queueRequest({ failedOnly: true }));
    expect(await settle(again)).toEqual([[2, 'done']]);
    expect((await orchestrator.series.episodes('queued')).map((e) => e.status)).toEqual(['rendered', 'rendered', 'rendered']);
  }, 120_000);
});

it("reads an episode's progress from its run's node records: between 0 and 1 mid-run, 1 once done", async () => {
  const graph: GraphDocument = {
    ...seriesGraph(),
    id: 'held-graph',
    outputs: { title: 'held.title' },
    nodes: [seriesGraph().nodes[0]!, { id: 'held', type: 'testbatch.held', typeVersion: 1, position: { x: 300, y: 0 }, params: {} }],
    edges: [
      { from: '$input.episode', to: 'parse.markdown' },
      { from: 'parse.script', to: 'held.script' },
    ],
  };
  await ws.store.saveGraph(graph, { id: 'held-graph' });
  await ws.series.create({ id: 'held', name: 'Held', graphId: 'held-graph', settings: {} });
  await ws.series.addEpisodes('held', [episode('Held')]);
  const render = await renderSeries(ws, 'held', request(graph));
  await gate.entered.promise;
  await ws.store.flush();
  const [mid] = await ws.series.episodes('held');
  expect(mid!.status).toBe('rendering');
  // parse done (1 of 2 nodes), held running at its reported half: (1 + 0.5) / 2.
  expect(mid!.lastRun!.progress).toBe(0.75);
  gate.release.resolve();
  expect((await render.started[0]!.finished).status).toBe('done');
  const [after] = await ws.series.episodes('held');
  expect(after!.lastRun!.progress).toBe(1);
});

it("publishes only a render's package files inside its own output directory", () => {
  const outDir = join(dir, 'out', 'e1');
  const run = {
    outDir,
    outputs: {
      files: [
        { kind: 'mp4', path: join(outDir, 'e01.mp4'), bytes: 3 },
        { kind: 'srt', path: join(dir, 'elsewhere.srt'), bytes: 1 },
        { kind: 'vtt', path: join(outDir, '..', 'e2', 'e02.vtt'), bytes: 1 },
      ],
      title: 'One',
      numbers: [1, 2],
    },
  };
  expect(packageFilesOf(run)).toEqual([{ kind: 'mp4', path: join(outDir, 'e01.mp4'), bytes: 3 }]);
  expect(packageFilesOf({ outputs: run.outputs })).toEqual([]);
});
