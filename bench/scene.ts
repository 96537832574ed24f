/**
 * Procedural scene throughput: 1080p30 clips of a few seconds for several
 * motifs, rendered by the scene.procedural node through the engine, against
 * the encode floor measured in the same run — the same x264 settings
 * encoding the same number of frames from ffmpeg's own `testsrc2` source,
 * with no drawing and no pipe. `ratio` is scene time ÷ floor time: what
 * drawing and streaming the pictures cost on top of encoding them.
 *
 * On a shared machine wall time follows whatever else runs; CPU time per
 * frame does not, so each motif also reports this process's CPU (drawing,
 * streaming, the engine) and ffmpeg's (scaling and encoding) per frame.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GRAPH_FORMAT, type GraphDocument } from '../runtime/contract/index.js';
import { ffmpegPath, runTool } from '../runtime/media/binaries.js';
import { clipCodecs } from '../nodes/video/codecs.js';
import { renderProfiles } from '../nodes/video/profiles.js';
import { childrenCpuMs, ownCpuMs } from './cpu.js';
import { benchEngine } from './engine.js';

const SECONDS = 3;
const PROFILE = 'youtube-1080p';

/** Each motif with the weather and camera that exercise it most. */
const SCENES = [
  { setting: 'city street', timeOfDay: 'night', weather: 'heavy rain', movement: 'handheld', prompt: 'neon signs flickering above shuttered shops' },
  { setting: 'skyline', timeOfDay: 'dusk', weather: 'clear', movement: 'pan', prompt: 'the skyline at dusk' },
  { setting: 'data center', timeOfDay: 'night', weather: 'clear', movement: 'push-in', prompt: 'server racks, cold blue emergency lighting' },
  { setting: 'forest', timeOfDay: 'day', weather: 'fog', movement: 'tracking', prompt: 'a misty pine forest' },
  { setting: 'ocean', timeOfDay: 'dawn', weather: 'clear', movement: 'crane', prompt: 'open sea at sunrise' },
] as const;

export interface SceneBenchMotif {
  motif: string;
  frames: number;
  ms: number;
  /** Frames drawn and encoded per second of wall time. */
  fps: number;
  /** Wall time ÷ seconds of video (below 1 is faster than real time). */
  realTimeFactor: number;
  /** Scene time ÷ encode-floor time for the same frames. */
  ratio: number;
  /** CPU milliseconds a frame in this process: drawing, streaming, the engine. */
  drawCpuMsPerFrame: number;
  /** CPU milliseconds a frame in ffmpeg (scaling and encoding); undefined where /proc cannot say. */
  encodeCpuMsPerFrame?: number;
  /** Frames a second this motif's own CPU a frame (drawing and encoding) allows on every core: no schedule beats it. */
  cpuBoundFps?: number;
}

export interface SceneBenchResult {
  width: number;
  height: number;
  fps: number;
  seconds: number;
  /** The encode floor: x264 on ffmpeg's own test source, same settings, same frame count. */
  baselineMs: number;
  baselineFps: number;
  motifs: SceneBenchMotif[];
  meanFps: number;
  meanRealTimeFactor: number;
  meanRatio: number;
}

async function encodeFloor(dir: string, frames: number): Promise<number> {
  const { width, height, fps } = renderProfiles[PROFILE];
  const start = performance.now();
  await runTool(
    ffmpegPath(),
    ['-hide_banner', '-nostats', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`, ...clipCodecs.h264.args, '-frames:v', String(frames), '-an', join(dir, 'floor.mp4')],
    { timeoutMs: 300_000 },
  );
  return performance.now() - start;
}

function sceneGraph(): GraphDocument {
  return {
    format: GRAPH_FORMAT,
    schemaVersion: 1,
    name: 'bench-scene',
    inputs: { prompts: { type: 'ScenePrompt', list: true } },
    nodes: [{ id: 'scenes', type: 'scene.procedural', typeVersion: 1, position: { x: 0, y: 0 }, params: { profile: PROFILE } }],
    edges: [{ from: '$input.prompts', to: 'scenes.prompts' }],
    outputs: { clips: 'scenes.clips' },
  };
}

export async function benchScene(): Promise<SceneBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'reelgraph-bench-scene-'));
  try {
    const engine = benchEngine(dir);
    const { width, height, fps } = renderProfiles[PROFILE];
    const frames = SECONDS * fps;
    // Warm up ffmpeg and the canvas library so neither first-use cost lands on one motif.
    await encodeFloor(dir, fps);
    const baselineMs = await encodeFloor(dir, frames);
    const motifs: SceneBenchMotif[] = [];
    for (const [index, scene] of SCENES.entries()) {
      const prompt = { sceneId: `bench-${index}`, prompt: scene.prompt, setting: scene.setting, timeOfDay: scene.timeOfDay, weather: scene.weather, camera: { movement: scene.movement }, duration: SECONDS, seed: index + 1 };
      const start = performance.now();
      const ownStart = ownCpuMs();
      const childrenStart = childrenCpuMs();
      const result = await engine.run(sceneGraph(), { inputs: { prompts: [prompt] }, outDir: join(dir, 'out'), noCache: true });
      const ms = performance.now() - start;
      const drawCpuMsPerFrame = (ownCpuMs() - ownStart) / frames;
      const childrenEnd = childrenCpuMs();
      const encodeCpuMsPerFrame = childrenStart === undefined || childrenEnd === undefined ? undefined : (childrenEnd - childrenStart) / frames;
      if (result.status !== 'done') throw new Error(`scene bench ${scene.setting} ${result.status}: ${result.error?.message}`);
      const cpuBoundFps = encodeCpuMsPerFrame === undefined ? undefined : (availableParallelism() * 1000) / (drawCpuMsPerFrame + encodeCpuMsPerFrame);
      motifs.push({ motif: scene.setting, frames, ms, fps: frames / (ms / 1000), realTimeFactor: ms / 1000 / SECONDS, ratio: ms / baselineMs, drawCpuMsPerFrame, encodeCpuMsPerFrame, cpuBoundFps });
    }
    const mean = (pick: (m: SceneBenchMotif) => number): number => motifs.reduce((sum, m) => sum + pick(m), 0) / motifs.length;
    return {
      width,
      height,
      fps,
      seconds: SECONDS,
      baselineMs,
      baselineFps: frames / (baselineMs / 1000),
      motifs,
      meanFps: mean((m) => m.fps),
      meanRealTimeFactor: mean((m) => m.realTimeFactor),
      meanRatio: mean((m) => m.ratio),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
