/**
 * A season rendered for real (issue 20, item 7): three short episodes through
 * the shipped episode graph at the series' `preview-720p` profile, offline,
 * in embedded mode and in queue mode. Each episode becomes a finished,
 * watchable video, checked with ffprobe: its picture is the profile's, its
 * length is its own script's, it has sound, and no two episodes share a
 * video. series-render.test.ts covers the batch rules with a light graph.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ArtifactHandle } from '../runtime/contract/index.js';
import { loadGraphFile } from '../runtime/graph-file.js';
import { probeMedia } from '../runtime/media/probe.js';
import { renderSeries, type EpisodeRender } from '../runtime/runs/series-render.js';
import { openWorkspace, type Workspace } from '../runtime/workspace.js';
import { builtinNodes } from '../nodes/index.js';
import { episodeRunOf } from '../nodes/script/input-format.js';
import { createCluster, type Cluster } from './fixtures/queue-cluster.js';
import { requireRedis } from './fixtures/redis.js';

const redis = await requireRedis('a season rendered at the preview profile in queue mode');

/** One scene, one or two lines: a few seconds of video each, of different lengths. */
const episodes = [
  { title: 'Power', lines: ['The grid went dark at noon.'] },
  { title: 'Rain', lines: ['It rained for three days.', 'Nobody came up the road.'] },
  { title: 'Signal', lines: ['Then the radio woke up.'] },
].map(({ title, lines }) => ({
  title,
  format: 'markdown' as const,
  text: `# ${title}\n\n## The Roof\n\n*Night. Rain on a rooftop, neon below.*\n\n${lines.map((line) => `**ADA:** ${line}`).join('\n\n')}\n`,
}));

interface Rendered {
  number: number;
  status: string;
  video: { width?: number; height?: number; fps?: number; duration: number; audio: boolean; hash: string };
}

async function renderSeason(ws: Workspace, outDir: string): Promise<Rendered[]> {
  const { graph } = await loadGraphFile(resolve(import.meta.dirname, '..', 'graphs', 'episode.json'));
  await ws.store.saveGraph(graph, { id: 'episode' });
  await ws.series.create({ id: 'preview-season', name: 'Preview season', graphId: 'episode', settings: { profile: 'preview-720p' } });
  await ws.series.addEpisodes('preview-season', episodes);
  const render = await renderSeries(ws, 'preview-season', {
    graph,
    trigger: 'api',
    outDirOf: (e) => join(outDir, `e${e.number}`),
    episodeRun: (g, e, text) => episodeRunOf(g, text, e.format),
  });
  expect(render.notStarted).toEqual([]);
  return Promise.all(
    render.started.map(async (episode: EpisodeRender): Promise<Rendered> => {
      const result = await episode.finished;
      expect(result.status, `episode ${episode.number}: ${result.error?.message}`).toBe('done');
      expect((await ws.store.getRun(episode.runId))?.priority).toBe('batch');
      const handle = result.outputs.video as ArtifactHandle;
      const info = await probeMedia(await ws.artifacts.localPath(handle));
      const picture = info.streams.find((stream) => stream.type === 'video');
      return {
        number: episode.number,
        status: result.status,
        video: { width: picture?.width, height: picture?.height, fps: picture?.frameRate, duration: info.duration ?? 0, audio: info.streams.some((stream) => stream.type === 'audio'), hash: handle.hash },
      };
    }),
  );
}

/** What every episode's video must be: the preview picture, sound, a few seconds long; and each its own. */
function expectSeason(rendered: Rendered[]): void {
  expect(rendered.map((r) => r.number)).toEqual([1, 2, 3]);
  for (const { video } of rendered) {
    expect(video).toMatchObject({ width: 1280, height: 720, fps: 30, audio: true });
    expect(video.duration).toBeGreaterThan(2);
    expect(video.duration).toBeLessThan(20);
  }
  expect(new Set(rendered.map((r) => r.video.hash)).size).toBe(3);
  // Two lines take longer than one: each episode is as long as its own script.
  const [one, two, three] = rendered.map((r) => r.video.duration);
  expect(two).toBeGreaterThan(one!);
  expect(two).toBeGreaterThan(three!);
}

describe('a season at the preview profile', () => {
  let dir: string | undefined;
  let ws: Workspace | undefined;
  afterAll(async () => {
    await ws?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders three short episodes into three finished preview videos (embedded)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'reelgraph-series-preview-'));
    ws = await openWorkspace(join(dir, 'data'), { nodes: builtinNodes, env: { REELGRAPH_LOG_LEVEL: 'error' } });
    expectSeason(await renderSeason(ws, join(dir, 'out')));
  }, 300_000);
});

describe.skipIf(!redis)('a season at the preview profile in queue mode', () => {
  let cluster: Cluster | undefined;
  afterAll(async () => {
    await cluster?.dispose();
  });

  it('renders the same three episodes on a worker', async () => {
    cluster = await createCluster('series-preview');
    await cluster.startWorker();
    const orchestrator = await cluster.orchestrator();
    // Every unit goes through Redis to the worker: the orchestrator runs none itself.
    expect(orchestrator.mode).toBe('queue');
    expectSeason(await renderSeason(orchestrator, join(cluster.dir, 'out')));
  }, 300_000);
});
