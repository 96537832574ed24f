/**
 * A long episode end to end, offline, through graphs/episode.json at
 * preview-720p as `npm run demo` runs it: a generated episode of many short
 * scenes (tests/fixtures/long-episode). The full-length cases — a 30-minute
 * single-scene essay and a 10-minute episode — are `npm run bench -- long`;
 * this one is as long as CI affords.
 *
 * Checked with ffprobe and ffmpeg's loudness meter: the streams a publisher
 * expects, the picture exactly the timeline's frames, audio as long as the
 * picture, the loudness target, and a render cut into bounded pieces.
 */
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyOverrides, type ArtifactHandle, type GraphDocument, type GraphVariant, type Timeline } from '../runtime/contract/index.js';
import { EnvCredentials } from '../runtime/engine/credentials.js';
import { loadGraphFile } from '../runtime/graph-file.js';
import { ffprobePath, runTool } from '../runtime/media/binaries.js';
import type { RenderChunk } from '../nodes/assembly/chunks.node.js';
import { manySceneEpisode } from './fixtures/long-episode.js';
import { measureLoudness } from './fixtures/loudness.js';
import { createHarness, registry, type Harness } from './fixtures/harness.js';

const repo = resolve(import.meta.dirname, '..');
/** Minutes of estimated speech: ~45 s scenes, so a few of them, each cut into several render pieces. */
const MINUTES = 2;

let h: Harness;
beforeEach(async () => {
  // As `reelgraph demo`: no credentials, so the cloud voices fail fast and the offline voice speaks.
  h = await createHarness({ credentials: new EnvCredentials(registry.list(), {}) });
});
afterEach(async () => {
  await h.dispose();
});

async function episodeGraphAt(profile: string): Promise<GraphDocument> {
  const { graph } = await loadGraphFile(join(repo, 'graphs/episode.json'));
  return applyOverrides(graph, {
    format: graph.format,
    schemaVersion: 1,
    name: `${graph.name} (${profile})`,
    extends: 'x',
    overrides: { nodes: Object.fromEntries(['terminal', 'scenes', 'timeline'].map((id) => [id, { params: { profile } }])) },
  } as GraphVariant);
}

interface ProbedStream {
  codec_type: string;
  codec_name: string;
  profile?: string;
  pix_fmt?: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
  duration: string;
  nb_read_packets: string;
}

/** Streams with their packet counts (one packet per frame for H.264 here): counting packets reads the file without decoding it. */
async function probeStreams(file: string): Promise<ProbedStream[]> {
  const { stdout } = await runTool(
    ffprobePath(),
    ['-v', 'error', '-count_packets', '-show_entries', 'stream=codec_type,codec_name,profile,pix_fmt,width,height,r_frame_rate,avg_frame_rate,sample_rate,channels,duration,nb_read_packets', '-of', 'json', file],
    { timeoutMs: 120_000 },
  );
  return (JSON.parse(stdout.toString()) as { streams: ProbedStream[] }).streams;
}

describe(`a ${MINUTES}-minute many-scene episode through graphs/episode.json at preview-720p`, () => {
  it('renders offline into a publishable MP4: exact frames, audio as long as the picture, −14 LUFS, a render in bounded pieces', async () => {
    const result = await h.run(await episodeGraphAt('preview-720p'), { inputs: { episode: manySceneEpisode({ minutes: MINUTES }) } });
    expect(result.status, result.error?.message).toBe('done');

    const timeline = result.outputs.timeline as Timeline;
    const frames = Math.round(timeline.duration * 30);
    expect(timeline.scenes.length).toBeGreaterThanOrEqual(3);
    expect(timeline.duration).toBeGreaterThan(MINUTES * 60 * 0.5);

    const file = await h.engine.services.artifacts.localPath(result.outputs.video as ArtifactHandle);
    const [video, audio, ...rest] = await probeStreams(file);
    expect(rest).toEqual([]);
    expect(video).toMatchObject({ codec_type: 'video', codec_name: 'h264', profile: 'High', pix_fmt: 'yuv420p', width: 1280, height: 720, r_frame_rate: '30/1', avg_frame_rate: '30/1' });
    expect(Number(video!.nb_read_packets)).toBe(frames);
    expect(audio).toMatchObject({ codec_type: 'audio', codec_name: 'aac', sample_rate: '48000', channels: 2 });
    expect(Math.abs(Number(audio!.duration) - frames / 30)).toBeLessThan(1 / 30);

    const loudness = await measureLoudness(file);
    expect(Math.abs(loudness.integrated - -14)).toBeLessThanOrEqual(1);
    expect(loudness.peak).toBeLessThanOrEqual(-1);

    // The render is cut into pieces of at most 8 s (6 s, or 7 s with a remainder) that add up to the picture, several per scene.
    const plan = h.events.find((event) => event.type === 'node' && event.nodeId === 'chunks' && event.outputs?.chunks);
    const pieces = (plan?.type === 'node' ? plan.outputs?.chunks : []) as RenderChunk[];
    expect(pieces.reduce((sum, piece) => sum + piece.frames, 0)).toBe(frames);
    expect(Math.max(...pieces.map((piece) => piece.frames))).toBeLessThanOrEqual(8 * 30);
    expect(pieces.length).toBeGreaterThan(2 * timeline.scenes.length);
    expect(result.nodes.find((node) => node.id === 'render')!.items.total).toBe(pieces.length);
    // A deadline, not a measure: it took 20 min on 2 cores at a load average of ~20 (six engineers sharing them).
  }, 2_700_000);
});
