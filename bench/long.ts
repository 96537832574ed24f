/**
 * `npm run bench -- long`: long episodes end to end, offline, at
 * preview-720p (unless told another profile), through graphs/episode.json
 * as `reelgraph demo` runs it:
 * - a generated 30-minute single-scene essay (one scene, long narration);
 * - a generated 10-minute episode of many short scenes.
 * For each: wall time, real-time factor (wall time ÷ episode length), the
 * ratio to the encode floor (the same ffmpeg re-encoding the finished video
 * with the profile's settings, measured in the same run), the
 * units the run was cut into (items of mapped nodes, one per other node),
 * the render pieces, and the peak resident memory of this process and every
 * process it started (ffmpeg, voice engines), sampled from /proc.
 *
 * REELGRAPH_BENCH_LONG=episode (or essay) runs one of them;
 * REELGRAPH_BENCH_LONG_PROFILE=youtube-1080p renders them at another profile.
 *
 * A run that fails is reported with the node and error, not thrown: the
 * figures up to the failure are still worth reading.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { applyOverrides, type ArtifactHandle, type GraphDocument, type GraphVariant } from '../runtime/contract/index.js';
import type { RunResult } from '../runtime/engine/run.js';
import { loadGraphFile } from '../runtime/graph-file.js';
import type { RenderChunk } from '../nodes/assembly/chunks.node.js';
import { renderProfileNames, type RenderProfileName } from '../nodes/video/profiles.js';
import { essayEpisode, manySceneEpisode } from '../tests/fixtures/long-episode.js';
import { benchEngine } from './engine.js';
import { describePeak, sampleMemory, type MemoryPeak } from './memory.js';
import { measureEncodeFloor } from './render.js';

const repo = resolve(import.meta.dirname, '..');

/** The picture-making nodes of graphs/episode.json: the profile is set on them, as a series variant would. */
const pictureNodes = ['terminal', 'scenes', 'timeline'] as const;

export interface LongCase {
  name: string;
  /** The episode's markdown. */
  episode: () => string;
}

/** 1, 10 and 30 minutes: whether time and memory stay flat in the episode's length. */
export const longCases: Record<string, LongCase> = {
  minute: { name: '1-minute many-scene episode', episode: () => manySceneEpisode({ minutes: 1 }) },
  episode: { name: '10-minute many-scene episode', episode: () => manySceneEpisode({ minutes: 10 }) },
  essay: { name: '30-minute single-scene essay', episode: () => essayEpisode({ minutes: 30 }) },
};

export interface LongBenchResult {
  name: string;
  status: RunResult['status'];
  /** Where it failed, if it did. */
  failure?: string;
  episodeSeconds: number;
  wallMs: number;
  realTimeFactor: number;
  /** The same ffmpeg re-encoding the finished video with the profile's settings, in this run; NaN without a video. */
  encodeFloorMs: number;
  /** Wall time ÷ the encode floor. */
  overFloor: number;
  /** Units of work: each item of a mapped node, and each other node that ran. */
  units: number;
  scenes: number;
  voiceLines: number;
  renderPieces: number;
  /** The longest render piece, in seconds. */
  longestPieceSeconds: number;
  peakMemoryMiB: number;
  /** The process holding the most at the peak, and the node(s) running then: whose peak it is. */
  peakHeldBy: string;
  slowestNodes: Array<{ id: string; ms: number }>;
}

/** graphs/episode.json at another profile, as `npm run demo` runs it otherwise. */
export async function episodeGraphAt(profile: RenderProfileName): Promise<GraphDocument> {
  const { graph } = await loadGraphFile(join(repo, 'graphs/episode.json'));
  const variant: GraphVariant = {
    format: graph.format,
    schemaVersion: 1,
    name: `${graph.name} (${profile})`,
    extends: 'graphs/episode.json',
    overrides: { nodes: Object.fromEntries(pictureNodes.map((id) => [id, { params: { profile } }])) },
  } as GraphVariant;
  return applyOverrides(graph, variant);
}

/** What the long cases render at unless told another profile: the editor's preview, as a producer iterates on a long episode. */
export const DEFAULT_LONG_PROFILE: RenderProfileName = 'preview-720p';

export async function benchLongCase(longCase: LongCase, profile: RenderProfileName = DEFAULT_LONG_PROFILE): Promise<LongBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'reelgraph-bench-long-'));
  try {
    const engine = benchEngine(dir, { offline: true });
    const graph = await episodeGraphAt(profile);
    const episode = longCase.episode();
    // The render plan is not a graph output: read it from the chunks node's event.
    let pieces: RenderChunk[] = [];
    const began = performance.now();
    const off = engine.events.on((event) => {
      if (event.type !== 'node') return;
      if (event.nodeId === 'chunks' && Array.isArray(event.outputs?.chunks)) pieces = event.outputs.chunks as RenderChunk[];
      // A line per finished node on stderr: a run this long is watched, not waited for.
      if (['done', 'cached', 'failed'].includes(event.status)) {
        const items = event.items ? ` (${event.items.total} items)` : '';
        console.error(`  ${longCase.name} ${((performance.now() - began) / 1000).toFixed(0)} s: ${event.nodeId} ${event.status}${items}${event.error ? `: ${event.error.message.slice(0, 200)}` : ''}`);
      }
    });
    const memory = sampleMemory(250);
    const start = performance.now();
    let peak: MemoryPeak = { peakBytes: 0 };
    let runningAtPeak: string[] = [];
    // Which nodes run at the moment of the peak: sampled alongside it.
    const running = new Set<string>();
    const track = engine.events.on((event) => {
      if (event.type !== 'node') return;
      if (event.status === 'running') running.add(event.nodeId);
      else running.delete(event.nodeId);
    });
    let lastPeak = 0;
    const watch = setInterval(() => {
      const now = memory.peek();
      if (now > lastPeak) {
        lastPeak = now;
        runningAtPeak = [...running];
      }
    }, 250);
    let result: RunResult;
    try {
      result = await engine.run(graph, { inputs: { episode }, outDir: join(dir, 'out') });
    } finally {
      off();
      track();
      clearInterval(watch);
      peak = memory.stop();
    }
    const wallMs = performance.now() - start;
    const video = result.outputs.video as ArtifactHandle | undefined;
    const timeline = result.outputs.timeline as { duration?: number } | undefined;
    const episodeSeconds = video?.duration ?? timeline?.duration ?? 0;
    const encodeFloorMs = video ? await measureEncodeFloor(await engine.services.artifacts.localPath(video), profile, dir) : Number.NaN;
    const node = (id: string): RunResult['nodes'][number] | undefined => result.nodes.find((n) => n.id === id);
    const failed = result.nodes.find((n) => n.status === 'failed' && n.error);
    return {
      name: longCase.name,
      status: result.status,
      ...(result.status !== 'done' ? { failure: `${failed ? `node "${failed.id}": ${failed.error!.message}` : (result.error?.message ?? result.status)}`.slice(0, 400) } : {}),
      episodeSeconds,
      wallMs,
      realTimeFactor: episodeSeconds > 0 ? wallMs / 1000 / episodeSeconds : Number.NaN,
      encodeFloorMs,
      overFloor: wallMs / encodeFloorMs,
      units: result.nodes.reduce((sum, n) => sum + (n.items.total > 0 ? n.items.total : n.status === 'done' ? 1 : 0), 0),
      scenes: node('scenes')?.items.total ?? 0,
      voiceLines: node('offline')?.items.total ?? 0,
      renderPieces: node('render')?.items.total ?? 0,
      longestPieceSeconds: pieces.reduce((most, piece) => Math.max(most, piece.frames / piece.fps), 0),
      peakMemoryMiB: peak.peakBytes / (1 << 20),
      peakHeldBy: `${describePeak(peak)}; running: ${runningAtPeak.join(', ') || 'n/a'}`,
      slowestNodes: result.nodes
        .map((n) => ({ id: n.id, ms: n.durationMs ?? 0 }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 4),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function benchLong(names: readonly string[] = Object.keys(longCases), profile: string = DEFAULT_LONG_PROFILE): Promise<LongBenchResult[]> {
  const unknown = names.filter((name) => !(name in longCases));
  if (unknown.length > 0) throw new Error(`unknown long case(s): ${unknown.join(', ')} (cases: ${Object.keys(longCases).join(', ')})`);
  const known = renderProfileNames.find((name) => name === profile);
  if (!known) throw new Error(`unknown profile "${profile}" (profiles: ${renderProfileNames.join(', ')})`);
  const results: LongBenchResult[] = [];
  for (const name of names) results.push(await benchLongCase(longCases[name]!, known));
  return results;
}
