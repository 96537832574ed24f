/**
 * The mix is made a block at a time so its memory does not grow with the
 * episode (issue 17). It must sum to exactly what laying whole tracks did:
 * here the block mix, with 1 s blocks so clips, ducking look-ahead and a
 * looped music bed all cross block boundaries, is compared sample by sample
 * with the whole-episode mix written straight from the same decodes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactHandle, TimelineClip } from '../runtime/contract/index.js';
import { ffmpegPath, runTool } from '../runtime/media/binaries.js';
import { mixToFiles, tileInto } from '../nodes/audio/block-mix.js';
import { duckingGains } from '../nodes/audio/ducking.js';
import { decodeAudio, MIX_RATE, mixInto } from '../nodes/audio/pcm.js';

let dir: string;
const paths = new Map<string, string>();
const signal = new AbortController().signal;

async function tone(name: string, source: string, seconds: number, channels: 1 | 2): Promise<ArtifactHandle> {
  const path = join(dir, `${name}.wav`);
  await runTool(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', `${source}:d=${seconds}:sample_rate=48000`, '-ac', String(channels), '-c:a', 'pcm_f32le', path], { timeoutMs: 30_000 });
  const hash = name.padEnd(64, '0');
  paths.set(hash, path);
  return { hash, mime: 'audio/wav', bytes: 1, duration: seconds };
}

const clip = (id: string, media: ArtifactHandle, start: number, duration: number, extra: Partial<TimelineClip> = {}): TimelineClip => ({ id, media, start, duration, sourceIn: 0, ...extra });

/** Float samples of a float WAV written by the mix (44-byte header). */
async function samplesOf(path: string): Promise<Float32Array> {
  const bytes = await readFile(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset + 44, bytes.byteOffset + bytes.length));
}

const maxDifference = (a: Float32Array, b: Float32Array): number => {
  let most = 0;
  for (let i = 0; i < a.length; i++) most = Math.max(most, Math.abs(a[i]! - b[i]!));
  return most;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelgraph-mix-blocks-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the block mix', () => {
  it('sums to the whole-track mix sample for sample, across block boundaries, with ducking and a looped bed', async () => {
    const voice = await tone('voice', 'sine=f=440', 2.5, 1);
    const hit = await tone('hit', 'sine=f=880', 0.4, 2);
    const bed = await tone('bed', 'sine=f=110', 1.7, 2);
    const seconds = 7.3;
    const frames = Math.round(seconds * MIX_RATE);
    const dialogue = [clip('l1', voice, 0.6, 2.5), clip('l2', voice, 4.2, 2.3, { gainDb: -3 })];
    const effects = [clip('e1', hit, 0.9, 0.4), clip('e2', hit, 2.95, 0.4, { gainDb: 2 })];
    const music = [clip('m', bed, 0, seconds, { loop: true, gainDb: -6 })];
    const ducking = { amountDb: 12, attackMs: 80, releaseMs: 400 };

    const io = { localPath: async (handle: ArtifactHandle) => paths.get(handle.hash)!, signal };
    const out = { mix: join(dir, 'mix.wav'), stems: { dialogue: join(dir, 'd.wav'), effects: join(dir, 'e.wav'), music: join(dir, 'm.wav') } };
    const peaks = await mixToFiles({ frames, dialogue, effects, music, ducking, blockFrames: MIX_RATE }, out, io);

    // The whole-track mix, as the node made it before: every clip decoded whole and laid on episode-long beds.
    const lay = async (clips: TimelineClip[], channels: 1 | 2): Promise<Float32Array> => {
      const track = new Float32Array(frames * channels);
      for (const c of clips) {
        const samples = await decodeAudio(paths.get(c.media!.hash)!, { channels, signal, seconds: c.duration, offset: c.sourceIn, loop: c.loop ?? false });
        mixInto(track, channels, samples, channels, Math.round(c.start * MIX_RATE), 10 ** ((c.gainDb ?? 0) / 20));
      }
      return track;
    };
    const [d, e, m] = [await lay(dialogue, 1), await lay(effects, 2), await lay(music, 2)];
    const gains = duckingGains(d, { ...ducking, sampleRate: MIX_RATE });
    for (let i = 0; i < frames; i++) {
      m[i * 2]! *= gains[i]!;
      m[i * 2 + 1]! *= gains[i]!;
    }
    const whole = new Float32Array(frames * 2);
    mixInto(whole, 2, d, 1, 0);
    mixInto(whole, 2, e, 2, 0);
    mixInto(whole, 2, m, 2, 0);

    const mixed = await samplesOf(out.mix);
    expect(mixed.length).toBe(frames * 2);
    expect(maxDifference(mixed, whole)).toBeLessThan(1e-6);
    expect(maxDifference(await samplesOf(out.stems.music), m)).toBeLessThan(1e-6);
    expect(maxDifference(await samplesOf(out.stems.dialogue), d)).toBeLessThan(1e-6);
    // The sample peaks it reports (the mix's stems take their headroom from them) are the files' own.
    const peakOf = (samples: Float32Array): number => samples.reduce((peak, sample) => Math.max(peak, Math.abs(sample)), 0);
    expect(peaks).toEqual({ mix: peakOf(mixed), dialogue: peakOf(await samplesOf(out.stems.dialogue)), effects: peakOf(await samplesOf(out.stems.effects)), music: peakOf(await samplesOf(out.stems.music)) });
    expect(peaks.dialogue).toBeGreaterThan(0.1);
    // Not silence: the comparison can fail.
    expect(Math.max(...mixed.slice(0, MIX_RATE * 2).map(Math.abs))).toBeGreaterThan(0.1);
    // The bed ducks under the first line, which starts in the first block and ends in the third.
    expect(gains[Math.round(2 * MIX_RATE)]!).toBeLessThan(0.3);
  });

  it('tiles a looped source as -stream_loop plays it: from sourceIn to the end, then from the start', () => {
    const source = Float32Array.from([0, 1, 2, 3, 4]);
    const tiled = (first: number, count: number): number[] => {
      const target = new Float32Array(count);
      tileInto(target, 1, { source, sourceIn: 2, first, count }, 0);
      return [...target];
    };
    expect(tiled(0, 8)).toEqual([2, 3, 4, 0, 1, 2, 3, 4]);
    expect(tiled(6, 4)).toEqual([3, 4, 0, 1]);
  });

  it('adds a looped read into a block at its place and gain, stereo, clipped at either end', () => {
    const source = Float32Array.from([1, -1, 2, -2, 3, -3]);
    const target = new Float32Array(8).fill(10);
    tileInto(target, 2, { source, sourceIn: 1, first: 0, count: 4 }, 1, 0.5);
    expect([...target]).toEqual([10, 10, 11, 9, 11.5, 8.5, 10.5, 9.5]);
    const early = new Float32Array(4);
    tileInto(early, 2, { source, sourceIn: 0, first: 0, count: 3 }, -1);
    expect([...early]).toEqual([2, -2, 3, -3]);
  });

  it('holds a few blocks and the clips in play, not the episode: memory stays flat from 1 to 10 minutes', async () => {
    const voice = await tone('line', 'sine=f=330', 2.5, 1);
    const bed = await tone('loop', 'sine=f=220', 6, 2);
    const io = { localPath: async (handle: ArtifactHandle) => paths.get(handle.hash)!, signal };
    /** Peak bytes of ArrayBuffers (where samples live) above the start, while mixing `minutes` of lines over a looped bed. */
    const peakFor = async (minutes: number): Promise<number> => {
      const seconds = minutes * 60;
      const dialogue = Array.from({ length: minutes * 6 }, (_, i) => clip(`l${i}`, voice, i * 10 + 1, 2.5));
      const base = process.memoryUsage().arrayBuffers;
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().arrayBuffers - base)), 5);
      try {
        await mixToFiles(
          { frames: seconds * MIX_RATE, dialogue, effects: [], music: [clip('bed', bed, 0, seconds, { loop: true })], ducking: { amountDb: 12, attackMs: 80, releaseMs: 400 } },
          { mix: join(dir, `long-${minutes}.wav`) },
          io,
        );
      } finally {
        clearInterval(sampler);
        await rm(join(dir, `long-${minutes}.wav`), { force: true });
      }
      return Math.max(peak, process.memoryUsage().arrayBuffers - base);
    };
    const one = await peakFor(1);
    const ten = await peakFor(10);
    const MiB = 1 << 20;
    const figures = `peak ${(one / MiB).toFixed(0)} MiB at 1 min, ${(ten / MiB).toFixed(0)} MiB at 10 min`;
    // Whole tracks held ~8 channels of 11.5 MB a minute: about 920 MB at 10 minutes (measured here: 58 and 71 MiB).
    expect(ten, figures).toBeLessThan(384 * MiB);
    expect(ten, figures).toBeLessThan(one + 256 * MiB);
  });
});
