/**
 * Offline voice throughput: real-time factor of synthesis + finishing (wall
 * time ÷ seconds of audio produced; below 1 is faster than real time) for an
 * example episode, and what a fully cached re-run costs against the cold run.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ArtifactHandle } from '../runtime/contract/index.js';
import { loadGraphFile } from '../runtime/graph-file.js';
import { benchEngine } from './engine.js';

const repo = resolve(import.meta.dirname, '..');

export interface VoiceBenchResult {
  clips: number;
  audioSeconds: number;
  coldMs: number;
  realTimeFactor: number;
  cachedMs: number;
  cachedPerClipMs: number;
  cachedOverCold: number;
}

export async function benchVoice(): Promise<VoiceBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'reelgraph-bench-voice-'));
  try {
    const engine = benchEngine(dir);
    const { graph } = await loadGraphFile(join(repo, 'graphs/voices.json'));
    const episode = await readFile(join(repo, 'examples/episodes/last-terminal-ep01.md'), 'utf8');
    const run = async (): Promise<{ ms: number; clips: ArtifactHandle[] }> => {
      const start = performance.now();
      const result = await engine.run(graph, { inputs: { episode }, outDir: join(dir, 'out') });
      if (result.status !== 'done') throw new Error(`voice bench run ${result.status}: ${result.error?.message}`);
      return { ms: performance.now() - start, clips: result.outputs.clips as ArtifactHandle[] };
    };
    const cold = await run();
    const cached = await run();
    const audioSeconds = cold.clips.reduce((sum, clip) => sum + (clip.duration ?? 0), 0);
    return {
      clips: cold.clips.length,
      audioSeconds,
      coldMs: cold.ms,
      realTimeFactor: cold.ms / 1000 / audioSeconds,
      cachedMs: cached.ms,
      cachedPerClipMs: cached.ms / cold.clips.length,
      cachedOverCold: cached.ms / cold.ms,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
