/**
 * The mix's stems (issue 18 item 2): stems were written at the mix's gain as
 * integer FLAC, so a stem louder alone than the limited sum clipped flat
 * (the demo's dialogue stem: 57 full-scale samples). They are now written
 * with a common headroom that keeps every sample at or under −1 dBFS, and
 * say it as `gainDb`: raised by it, they add up to the mix. Here a dialogue
 * line with the crest of speech (quiet body, loud plosive bursts) is mixed
 * through the real audio.mix node with an effect and a ducked music bed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactHandle, AudioClip, Timeline } from '../runtime/contract/index.js';
import { ffprobePath, runTool } from '../runtime/media/binaries.js';
import { AAC_PRIMING } from '../nodes/audio/delivery.js';
import { FloatWavWriter } from '../nodes/audio/block-mix.js';
import { mixPassDeadlineMs, STEM_PEAK_DB, stemHeadroomDb } from '../nodes/audio/mix.node.js';
import { decodeAudio, MIX_RATE } from '../nodes/audio/pcm.js';
import { createHarness, graph, type Harness } from './fixtures/harness.js';

let h: Harness;
let work: string;
const signal = new AbortController().signal;
const dbToGain = (db: number): number => 10 ** (db / 20);

/** A float WAV of `seconds` at 48 kHz, each frame's samples from `sample(n, channel)`. */
async function wav(name: string, seconds: number, channels: 1 | 2, sample: (n: number, channel: number) => number): Promise<ArtifactHandle> {
  const frames = Math.round(seconds * MIX_RATE);
  const path = join(work, `${name}.wav`);
  const writer = await FloatWavWriter.create(path, channels, frames);
  const samples = new Float32Array(frames * channels);
  for (let n = 0; n < frames; n++) for (let c = 0; c < channels; c++) samples[n * channels + c] = sample(n, c);
  await writer.append(samples);
  await writer.close();
  return h.engine.services.artifacts.put({ path }, { mime: 'audio/wav', name: `${name}.wav` });
}

/** Counts samples at full scale (what an integer FLAC holds for anything at or over 0 dBFS), and the runs of them. */
function fullScale(samples: Float32Array): { samples: number; runs: number } {
  let count = 0;
  let runs = 0;
  let previous = false;
  for (const sample of samples) {
    const full = Math.abs(sample) >= 0.9999;
    if (full) count++;
    if (full && previous) runs++;
    previous = full;
  }
  return { samples: count, runs };
}

const peakOf = (samples: Float32Array): number => samples.reduce((peak, sample) => Math.max(peak, Math.abs(sample)), 0);

beforeAll(async () => {
  h = await createHarness();
  work = await mkdtemp(join(tmpdir(), 'reelgraph-stems-'));
});
afterAll(async () => {
  await h.dispose();
  await rm(work, { recursive: true, force: true });
});

const seconds = 4;
const mixGraph = graph([['mix', 'audio.mix']], ['$input.timeline -> mix.timeline'], { inputs: { timeline: { type: 'Timeline' } }, outputs: { mix: 'mix.mix', stems: 'mix.stems' } });

/** Four seconds of two dialogue lines, an effect and a ducked music bed. */
async function stemsTimeline(): Promise<Timeline> {
  // Speech-like: a quiet body with short loud bursts at −1 dBFS, as a voice line's plosives: quiet overall, so the
  // mix's gain is positive and the bursts alone pass full scale at it.
  const voice = await wav('voice', 1.7, 1, (n) => {
    const t = n / MIX_RATE;
    const burst = n % 24_000 >= 12_000 && n % 24_000 < 12_240 ? dbToGain(-1) * Math.sin((Math.PI * (n % 24_000 - 12_000)) / 240) * Math.sin(2 * Math.PI * 1000 * t) : 0;
    return 0.08 * Math.sin(2 * Math.PI * 220 * t) + burst;
  });
  const hit = await wav('hit', 0.3, 2, (n, c) => 0.2 * Math.sin(2 * Math.PI * (c === 0 ? 660 : 550) * (n / MIX_RATE)) * (1 - n / (0.3 * MIX_RATE)));
  const bed = await wav('bed', 1, 2, (n, c) => 0.15 * Math.sin(2 * Math.PI * (c === 0 ? 110 : 165) * (n / MIX_RATE)));
  return {
    title: 'Stems',
    duration: seconds,
    width: 320,
    height: 180,
    fps: 30,
    scenes: [{ id: 's1', index: 0, title: 'One', start: 0, duration: seconds }],
    tracks: [
      {
        name: 'Dialogue',
        kind: 'dialogue',
        clips: [
          { id: 'l1', start: 0.2, duration: 1.7, sourceIn: 0, media: voice },
          { id: 'l2', start: 2.1, duration: 1.7, sourceIn: 0, media: voice },
        ],
      },
      { name: 'Effects', kind: 'effects', clips: [{ id: 'hit', start: 1.9, duration: 0.3, sourceIn: 0, media: hit }] },
      { name: 'Music', kind: 'music', clips: [{ id: 'bed', start: 0, duration: seconds, sourceIn: 0, media: bed, loop: true, gainDb: -6 }] },
    ],
    markers: [],
    ducking: { amountDb: 10, attackMs: 80, releaseMs: 300 },
  };
}

describe('the mix', () => {
  it('gives every ffmpeg pass a deadline that grows with the episode, so a long one is not cut off', () => {
    // A pass runs at 20–50× real time here; at its deadline it would have run slower than half real time.
    for (const hours of [0.5, 3, 6]) expect(mixPassDeadlineMs(hours * 3600)).toBeGreaterThan(hours * 3600 * 1000 * 0.5);
    expect(mixPassDeadlineMs(66)).toBeGreaterThanOrEqual(120_000);
  });
});

describe('the mix stems', () => {
  it('needs headroom only past −1 dBFS, in 0.01 dB steps rounded up, one figure for all stems', () => {
    expect(STEM_PEAK_DB).toBe(-1);
    expect(stemHeadroomDb([0, 0, 0], 12)).toBe(0);
    expect(stemHeadroomDb([dbToGain(-10), 0.01, 0], 8)).toBe(0);
    expect(stemHeadroomDb([dbToGain(-1), 0, 0], 1.4)).toBe(1.4);
    expect(stemHeadroomDb([dbToGain(-3), dbToGain(-1.2), 0], 4.003)).toBe(3.81);
  });

  it('are written unclipped with a common headroom, and raised by their gainDb add up to the mix', async () => {
    const result = await h.run(mixGraph, { inputs: { timeline: await stemsTimeline() } });
    expect(result.status, result.error?.message).toBe('done');
    const stems = result.outputs.stems as Array<ArtifactHandle & { stem: string; gainDb: number }>;
    expect(stems.map((stem) => stem.stem)).toEqual(['dialogue', 'effects', 'music']);
    const gainDb = stems[0]!.gainDb;
    // The bursts pass full scale at the mix's gain by several dB: that is the headroom, the same on every stem.
    expect(gainDb).toBeGreaterThan(2);
    expect(stems.map((stem) => stem.gainDb)).toEqual([gainDb, gainDb, gainDb]);

    const path = (handle: ArtifactHandle): Promise<string> => h.engine.services.artifacts.localPath(handle);
    const [dialogue, effects, music] = await Promise.all(stems.map(async (stem, i) => decodeAudio(await path(stem), { channels: i === 0 ? 1 : 2, signal })));
    const mix = await decodeAudio(await path(result.outputs.mix as ArtifactHandle), { channels: 2, signal });
    const frames = seconds * MIX_RATE;
    for (const [name, samples] of [['dialogue', dialogue], ['effects', effects], ['music', music]] as const) {
      expect(fullScale(samples!), name).toEqual({ samples: 0, runs: 0 });
      expect(peakOf(samples!), name).toBeLessThanOrEqual(dbToGain(STEM_PEAK_DB) * 1.0001);
    }
    // The headroom is the least that does it: the loudest stem peaks right at −1 dBFS.
    expect(20 * Math.log10(peakOf(dialogue!))).toBeGreaterThan(STEM_PEAK_DB - 0.05);
    expect(mix.length).toBe(frames * 2);

    // Raised by gainDb and summed as the mix sums them (the mono dialogue in both channels), the stems are the mix
    // sample for sample wherever its limiter leaves it alone: compared in 20 ms windows, leaving out those within
    // 150 ms after a sum over −2 dBFS (the limiter holds the mix at −1.5 dBFS and releases over 60 ms).
    const raise = dbToGain(gainDb);
    const sum = new Float32Array(frames * 2);
    for (let n = 0; n < frames; n++) for (let c = 0; c < 2; c++) sum[n * 2 + c] = (dialogue![n]! + effects![n * 2 + c]! + music![n * 2 + c]!) * raise;
    const window = MIX_RATE / 50;
    const reach = 0.15 * MIX_RATE;
    const residuals: number[] = [];
    let limited = 0;
    for (let from = 0; from + window <= frames; from += window) {
      if (peakOf(sum.subarray(Math.max(0, from - reach) * 2, (from + window + MIX_RATE / 500) * 2)) > dbToGain(-2)) {
        limited++;
        continue;
      }
      let error = 0;
      let energy = 0;
      for (let i = from * 2; i < (from + window) * 2; i++) {
        error += (sum[i]! - mix[i]!) ** 2;
        energy += mix[i]! ** 2;
      }
      if (energy > 0) residuals.push(10 * Math.log10(error / energy + 1e-15));
    }
    // Most of the episode is compared; every compared window is the mix to within 24-bit rounding.
    expect(residuals.length, `${limited} windows limited`).toBeGreaterThan(120);
    expect(Math.max(...residuals)).toBeLessThan(-60);
  }, 60_000);
});

describe('the mix’s delivery encode', () => {
  const path = (handle: ArtifactHandle): Promise<string> => h.engine.services.artifacts.localPath(handle);

  it('is the mix as the MP4 carries it: AAC, 48 kHz stereo, exactly the picture’s length, each sample at its own time', async () => {
    const result = await h.run(mixGraph, { inputs: { timeline: await stemsTimeline() } });
    expect(result.status, result.error?.message).toBe('done');
    const mix = result.outputs.mix as AudioClip;
    expect(mix.delivery).toMatchObject({ frames: seconds * 30, fps: 30, bitrate: '192k', mime: 'audio/mp4' });
    const { stdout } = await runTool(ffprobePath(), ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=codec_name,sample_rate,channels,duration,start_time', '-of', 'json', await path(mix.delivery!)], { timeoutMs: 30_000 });
    const stream = (JSON.parse(stdout.toString()) as { streams: Array<Record<string, string | number>> }).streams[0]!;
    expect(stream).toMatchObject({ codec_name: 'aac', sample_rate: '48000', channels: 2 });
    expect(Number(stream.start_time)).toBe(0);
    expect(Math.abs(Number(stream.duration) - seconds)).toBeLessThan(1 / MIX_RATE + 1e-6);

    // Decoded, the encode is the mix sample for sample (to AAC's accuracy) after the priming frame that stands in for
    // the mix's first 1024 samples: a shift of even one AAC frame would leave nothing in common.
    const [flac, aac] = await Promise.all([decodeAudio(await path(mix), { channels: 2, signal }), decodeAudio(await path(mix.delivery!), { channels: 2, signal })]);
    const residualDb = (shift: number): number => {
      let error = 0;
      let energy = 0;
      for (let i = (AAC_PRIMING + 2048) * 2; i < flac.length - 4096; i++) {
        error += (aac[i + shift * 2]! - flac[i]!) ** 2;
        energy += flac[i]! ** 2;
      }
      return 10 * Math.log10(error / energy);
    };
    expect(residualDb(0)).toBeLessThan(-20);
    expect(residualDb(AAC_PRIMING)).toBeGreaterThan(-3);
  }, 60_000);

  it('is part of the mix’s result: a cached mix whose encode is gone from the store runs again', async () => {
    const timeline = await stemsTimeline();
    const first = await h.run(mixGraph, { inputs: { timeline } });
    expect(first.status, first.error?.message).toBe('done');
    await rm(await path((first.outputs.mix as AudioClip).delivery!));
    const again = await h.run(mixGraph, { inputs: { timeline } });
    expect(again.status, again.error?.message).toBe('done');
    expect(again.nodes.find((node) => node.id === 'mix')?.status).toBe('done');
    expect(await h.engine.services.artifacts.has((again.outputs.mix as AudioClip).delivery!.hash)).toBe(true);
  }, 60_000);
});
