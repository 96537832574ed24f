/**
 * The whole pipeline on the reference episode at 1080p30, offline:
 * - cold render: real-time factor (render time ÷ episode length) and the
 *   ratio to the encode floor — the same ffmpeg re-encoding the finished
 *   video with the same settings, measured in the same run;
 * - incremental re-render after editing one line: its time ÷ the cold time;
 * - peak memory of this process and its ffmpeg children (during the cold render);
 * - a cold render of the same episode at preview-720p, in a fresh data
 *   directory: its real-time factor (what a producer waits for a first look).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ArtifactHandle, GraphDocument, RenderChunk } from '../runtime/contract/index.js';
import type { RunResult } from '../runtime/engine/run.js';
import { ffmpegPath, runTool } from '../runtime/media/binaries.js';
import { loadGraphFile } from '../runtime/graph-file.js';
import { copiedFrom } from '../nodes/assembly/piece-copy.js';
import { renderProfiles, type RenderProfileName } from '../nodes/video/profiles.js';
import { cpuSince, machineSince } from './cpu.js';
import { describePeak, sampleMemory } from './memory.js';
import { benchEngine } from './engine.js';

const repo = resolve(import.meta.dirname, '..');

/**
 * The encode floor: the same ffmpeg re-encoding a finished video with the
 * profile's settings, in ms. A pipeline can hardly beat one encode of its own
 * output, so its time ÷ this says how much it costs beyond encoding.
 */
export async function measureEncodeFloor(video: string, profile: RenderProfileName, dir: string): Promise<number> {
  const { encode } = renderProfiles[profile];
  const start = performance.now();
  await runTool(
    ffmpegPath(),
    ['-v', 'error', '-y', '-i', video, '-c:v', 'libx264', '-preset', encode.preset, '-crf', String(encode.crf), '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', encode.audioBitrate, '-movflags', '+faststart', join(dir, 'floor.mp4')],
    { timeoutMs: 3_600_000 },
  );
  return performance.now() - start;
}

export interface RenderBenchResult {
  episodeSeconds: number;
  coldMs: number;
  realTimeFactor: number;
  encodeFloorMs: number;
  coldOverFloor: number;
  incrementalMs: number;
  incrementalOverCold: number;
  /** Render chunks re-encoded by the edit, of all. */
  chunksReencoded: string;
  peakMemoryMiB: number;
  /** Who held the most at the peak. */
  peakHeldBy: string;
  slowestNodes: Array<{ id: string; ms: number }>;
  /** The same for the one-line edit and the preview render. */
  editSlowestNodes: Array<{ id: string; ms: number }>;
  previewSlowestNodes: Array<{ id: string; ms: number }>;
  previewMs: number;
  /** The preview-720p cold render's time ÷ the episode's length. */
  previewRealTimeFactor: number;
  /** Where the cold render's time goes (CPU figures undefined where /proc cannot say). */
  breakdown: ColdBreakdown;
}

export interface ColdBreakdown {
  /** CPU seconds of the cold render: this process and its ffmpeg children. */
  cpuSeconds?: number;
  /** That CPU ÷ (wall time × cores): 1 when every core worked throughout. */
  coreUtilisation?: number;
  /** Shares of the machine's CPU time during the cold render spent waiting on disk, and taken by the hypervisor (Linux). */
  iowaitShare?: number;
  stealShare?: number;
  /** x264 CPU ms a frame at the profile's settings on this episode's pictures (the encode floor's CPU ÷ its frames). */
  encodeCpuMsPerFrame?: number;
  /** Frames of render pieces that lay something over their scene (overlay, transition, effect, captions) and so encode them a second time, ÷ all frames. */
  reencodedFraction: number;
  /** CPU seconds of the one-line edit's re-render and of the preview's cold render, counted as the cold render's. */
  editCpuSeconds?: number;
  previewCpuSeconds?: number;
  /** Cores the runs could spread over. */
  cores: number;
}

/** The render bench's one-line edit of the reference episode: a line of scene 2 made longer. */
export function editReferenceEpisode(episode: string): string {
  const edited = episode.replace('Another dead block. Nothing but rust and rain.', 'Another dead block. Nothing out here but rust, rain and silence.');
  if (edited === episode) throw new Error('the render bench edit no longer matches the example episode');
  return edited;
}

export async function benchRender(): Promise<RenderBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'reelgraph-bench-render-'));
  try {
    const { graph } = await loadGraphFile(join(repo, 'graphs/episode.json'));
    const episode = await readFile(join(repo, 'examples/episodes/last-terminal-ep01.md'), 'utf8');
    const runner = (data: string, profile?: RenderProfileName) => {
      const engine = benchEngine(data, { offline: true });
      // The render plan too: which pieces encode their frames a second time.
      const doc: GraphDocument = { ...graph, outputs: { ...graph.outputs, chunks: 'chunks.chunks' }, ...(profile ? { settings: { ...graph.settings, profile } } : {}) };
      return {
        engine,
        run: async (markdown: string): Promise<{ ms: number; result: RunResult }> => {
          const start = performance.now();
          const result = await engine.run(doc, { inputs: { episode: markdown }, outDir: join(data, 'out') });
          if (result.status !== 'done') throw new Error(`render bench run ${result.status}: ${result.error?.message}`);
          return { ms: performance.now() - start, result };
        },
      };
    };
    const { engine, run } = runner(join(dir, 'full'));

    const memory = sampleMemory();
    const coldCpu = cpuSince();
    const coldMachine = machineSince();
    const cold = await run(episode);
    const coldCpuMs = coldCpu();
    const machine = coldMachine();
    const peak = memory.stop();
    const video = cold.result.outputs.video as ArtifactHandle;
    const episodeSeconds = video.duration ?? 0;

    const floorCpu = cpuSince();
    const encodeFloorMs = await measureEncodeFloor(await engine.services.artifacts.localPath(video), 'youtube-1080p', dir);
    const floorCpuMs = floorCpu().children;
    const profile = renderProfiles['youtube-1080p'];
    const frames = Math.round(episodeSeconds * profile.fps);
    const chunks = (cold.result.outputs.chunks ?? []) as RenderChunk[];
    const chunkFrames = chunks.reduce((sum, chunk) => sum + chunk.frames, 0);
    const reencodedFrames = chunks.reduce((sum, chunk) => sum + (copiedFrom(chunk) === undefined ? chunk.frames : 0), 0);
    const seconds = (cpu: { own: number; children: number | undefined }): number | undefined => (cpu.children === undefined ? undefined : (cpu.own + cpu.children) / 1000);
    const cores = availableParallelism();

    const edited = editReferenceEpisode(episode);
    const editCpu = cpuSince();
    const incremental = await run(edited);
    const editCpuSeconds = seconds(editCpu());
    const render = incremental.result.nodes.find((node) => node.id === 'render');

    // Nothing shared with the runs above: a first look at a new episode.
    const previewCpu = cpuSince();
    const preview = await runner(join(dir, 'preview'), 'preview-720p').run(episode);
    const previewCpuSeconds = seconds(previewCpu());
    const coldCpuSeconds = seconds(coldCpuMs);
    const breakdown: ColdBreakdown = {
      ...(coldCpuSeconds !== undefined ? { cpuSeconds: coldCpuSeconds, coreUtilisation: coldCpuSeconds / ((cold.ms / 1000) * cores) } : {}),
      ...(machine ? { iowaitShare: machine.iowait, stealShare: machine.steal } : {}),
      ...(floorCpuMs !== undefined && frames > 0 ? { encodeCpuMsPerFrame: floorCpuMs / frames } : {}),
      reencodedFraction: chunkFrames > 0 ? reencodedFrames / chunkFrames : 0,
      ...(editCpuSeconds !== undefined ? { editCpuSeconds } : {}),
      ...(previewCpuSeconds !== undefined ? { previewCpuSeconds } : {}),
      cores,
    };
    const slowest = (result: RunResult): Array<{ id: string; ms: number }> =>
      result.nodes
        .map((node) => ({ id: node.id, ms: node.durationMs ?? 0 }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 4);
    return {
      episodeSeconds,
      coldMs: cold.ms,
      realTimeFactor: cold.ms / 1000 / episodeSeconds,
      encodeFloorMs,
      coldOverFloor: cold.ms / encodeFloorMs,
      incrementalMs: incremental.ms,
      incrementalOverCold: incremental.ms / cold.ms,
      chunksReencoded: render ? `${render.items.executed} of ${render.items.total}` : 'n/a',
      peakMemoryMiB: peak.peakBytes / (1 << 20),
      peakHeldBy: describePeak(peak),
      slowestNodes: slowest(cold.result),
      editSlowestNodes: slowest(incremental.result),
      previewSlowestNodes: slowest(preview.result),
      previewMs: preview.ms,
      previewRealTimeFactor: preview.ms / 1000 / episodeSeconds,
      breakdown,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
