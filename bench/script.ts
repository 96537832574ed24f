/**
 * Script engine throughput on a generated 500-scene episode: segments per
 * second for parse + analyse + timing, as a ratio against the bare
 * CommonMark parse of the same text measured in the same run.
 */
import { performance } from 'node:perf_hooks';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { parseScript } from '../nodes/script/engine/index.js';

const places = ['A vast, abandoned data center. Cold blue emergency lighting. Slow dolly forward, low angle.', 'Night. A ruined city street in heavy rain, neon signs flickering. Handheld camera.', 'Inside a cramped apartment at dawn. Warm amber light, close-up.', 'A desert highway under a white sky. Dust in the wind. Wide shot, static.'];
const lines = [
  '**KAEL:** Another dead block. Nothing but rust and rain, and 3 hours to go.',
  '**ARIA** (softly): I have been waiting for 11 years, 4 months and 6 days.',
  'KAEL: How do you know my name? It costs $2.50 to ask.',
  '> **Dr. Okonjo**: The signal peaks at 47% — then drops to 0.',
  'The city did not answer. It never did, not since 1999.',
];

export function generateEpisode(scenes: number): string {
  const parts = ['---\ntitle: Bench\nseries: Bench\ncast:\n  KAEL: { voice: young-male }\n  ARIA: { voice: calm-female, pace: 0.9 }\n---\n\n# Bench episode\n'];
  for (let i = 0; i < scenes; i++) {
    parts.push(`## Scene ${i + 1}: Part ${i + 1}\n\n*${places[i % places.length]}*\n`);
    for (let j = 0; j < 6; j++) parts.push(`${lines[(i + j) % lines.length]} (${i}.${j})\n`);
    if (i % 3 === 0) parts.push('```terminal\n$ scan --deep\nFOUND 3 SIGNALS\n```\n');
    if (i % 4 === 0) parts.push('[pause 1.5s]\n');
  }
  return parts.join('\n');
}

async function median(repeat: number, fn: () => unknown): Promise<number> {
  fn();
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const start = performance.now();
    fn();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[Math.floor(repeat / 2)] as number;
}

export interface ScriptBenchResult {
  scenes: number;
  segments: number;
  bytes: number;
  baselineMs: number;
  engineMs: number;
  segmentsPerSecond: number;
  ratio: number;
}

export async function benchScript(scenes = 500, repeat = 5): Promise<ScriptBenchResult> {
  const text = generateEpisode(scenes);
  const script = parseScript(text, { file: 'bench.md' });
  const segments = script.scenes.reduce((n, s) => n + s.segments.length, 0);
  const baselineMs = await median(repeat, () => fromMarkdown(text));
  const engineMs = await median(repeat, () => parseScript(text, { file: 'bench.md' }));
  return { scenes, segments, bytes: Buffer.byteLength(text), baselineMs, engineMs, segmentsPerSecond: segments / (engineMs / 1000), ratio: engineMs / baselineMs };
}
