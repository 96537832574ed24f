/**
 * Streaming drawn frames and synthesised samples into ffmpeg (one feeder,
 * runtime/media/ffmpeg.ts `feedFfmpeg`): the output holds exactly what was
 * fed, and every way it can go wrong — the drawing throws, a frame has the
 * wrong size, ffmpeg refuses its arguments — ends in a clear error with no
 * ffmpeg left running, never a hang.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '../runtime/contract/index.js';
import { encodeSource } from '../nodes/audio/synth/encode.js';
import { encodeFrames } from '../nodes/video/frame-encoder.js';
import { copyablePartsArgs } from '../nodes/video/piece-encoding.js';
import { ffmpegPath, runTool } from '../runtime/media/binaries.js';
import { probeMedia } from '../runtime/media/probe.js';
import { streamInfo } from './fixtures/frames.js';
import { treeOf } from './fixtures/process-tree.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelgraph-feed-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const format = { width: 64, height: 36, fps: 30 };
const grey = (level: number): Buffer => Buffer.alloc(format.width * format.height * 4, level);
const ffmpegChildren = (): number => treeOf(process.pid).filter((entry) => entry.comm === 'ffmpeg').length;

describe('encodeFrames', () => {
  it('writes exactly the frames it was given', async () => {
    const output = join(dir, 'exact.mp4');
    const progress: number[] = [];
    await encodeFrames({ format, frameCount: 45, codec: 'h264', output, signal: new AbortController().signal, renderFrame: (index) => grey(index * 5), onProgress: (fraction) => progress.push(fraction) });
    expect(await streamInfo(output)).toMatchObject({ width: 64, height: 36, frames: 45 });
    expect(progress.at(-1)).toBe(1);
  });

  it('reports each part of a cut output as ffmpeg closes it, while later frames are still being drawn', async () => {
    const said: string[] = [];
    let firstPart!: () => void;
    const firstPartReported = new Promise<void>((resolve) => (firstPart = resolve));
    await encodeFrames({
      format,
      frameCount: 120,
      codec: 'h264',
      codecArgs: copyablePartsArgs({ preset: 'veryfast', crf: 18, keyframeInterval: 60 }, format.fps, [60, 60]),
      output: join(dir, 'cut-%d.mp4'),
      signal: new AbortController().signal,
      renderFrame: async (index) => {
        // Frame 100 waits for the first part (60 frames, then the encoder's look-ahead and delay); it would wait in vain
        // if parts were only reported when the encoder exits, so it waits 30 s at most and the order below says so.
        if (index === 100) await Promise.race([firstPartReported, new Promise((resolve) => setTimeout(resolve, 30_000))]);
        if (index === 100 || index === 119) said.push(`frame ${index}`);
        return grey(index * 2);
      },
      onSegment: (file) => {
        said.push(file);
        firstPart();
      },
    });
    expect(said).toEqual(['cut-0.mp4', 'frame 100', 'frame 119', 'cut-1.mp4']);
    for (const part of ['cut-0.mp4', 'cut-1.mp4']) expect(await streamInfo(join(dir, part))).toMatchObject({ width: 64, height: 36, frames: 60 });
  }, 60_000);

  it('is done with a frame once it asks for the frame after next, so a renderer can draw into two buffers in turn', async () => {
    // Frames larger than a pipe's buffer, so each write waits for ffmpeg to take it, as a real frame's does.
    const large = { width: 320, height: 240, fps: 30 };
    const buffers = [Buffer.alloc(large.width * large.height * 4), Buffer.alloc(large.width * large.height * 4)];
    const output = join(dir, 'two-buffers.mov');
    const frames = 40;
    await encodeFrames({
      format: large,
      frameCount: frames,
      codec: 'prores4444',
      output,
      signal: new AbortController().signal,
      renderFrame: (index) => (buffers[index % 2] as Buffer).fill(index * 6),
    });
    const { stdout } = await runTool(ffmpegPath(), ['-v', 'error', '-i', output, '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], { timeoutMs: 60_000 });
    const size = large.width * large.height;
    expect(stdout.length).toBe(frames * size);
    // Each frame shows its own level: a frame the encoder read after the renderer drew over it would show a later one.
    const levels = Array.from({ length: frames }, (_, i) => Math.round(stdout.subarray(i * size, (i + 1) * size).reduce((sum, value) => sum + value, 0) / size));
    expect(levels).toEqual(Array.from({ length: frames }, (_, i) => i * 6));
  }, 60_000);

  it('leaves none of the frames it was given uncollected once it returns (their memory is mostly outside the JavaScript heap)', async () => {
    const frames: Array<WeakRef<Buffer>> = [];
    await encodeFrames({
      format,
      frameCount: 30,
      codec: 'h264',
      output: join(dir, 'collected.mp4'),
      signal: new AbortController().signal,
      renderFrame: (index) => {
        const frame = grey(index * 5);
        frames.push(new WeakRef(frame));
        return frame;
      },
    });
    // A WeakRef holds its target until the job that last read it ends: look from a later one.
    await new Promise((resolve) => setImmediate(resolve));
    expect(frames.filter((frame) => frame.deref() !== undefined)).toHaveLength(0);
  });

  it('stops ffmpeg and rethrows when drawing a frame throws', async () => {
    const output = join(dir, 'throws.mp4');
    const broken = new Error('the brush broke');
    await expect(
      encodeFrames({
        format,
        frameCount: 300,
        codec: 'h264',
        output,
        signal: new AbortController().signal,
        renderFrame: (index) => {
          if (index === 20) throw broken;
          return grey(100);
        },
      }),
    ).rejects.toBe(broken);
    expect(ffmpegChildren()).toBe(0);
  });

  it('names the frame that has the wrong size', async () => {
    const output = join(dir, 'size.mp4');
    const failure = encodeFrames({ format, frameCount: 30, codec: 'h264', output, signal: new AbortController().signal, renderFrame: (index) => (index === 7 ? Buffer.alloc(10) : grey(50)) });
    await expect(failure).rejects.toBeInstanceOf(PermanentError);
    await expect(failure).rejects.toThrow(/frame 7 has 10 bytes; 64×36 RGBA needs 9216/);
    expect(ffmpegChildren()).toBe(0);
  });

  it('says why when ffmpeg refuses its arguments, instead of waiting on a pipe nobody reads', async () => {
    const output = join(dir, 'refused.mp4');
    await expect(
      encodeFrames({ format, frameCount: 300, codec: 'h264', output, signal: new AbortController().signal, extraArgs: ['-vf', 'no_such_filter'], renderFrame: () => grey(80) }),
    ).rejects.toThrow(/ffmpeg/);
    expect(ffmpegChildren()).toBe(0);
  });
});

describe('encodeSource', () => {
  it('writes every sample of a source longer than one block', async () => {
    const output = join(dir, 'tone.flac');
    const frames = 48_000 * 2 + 1234;
    const tone = { render: (out: Float32Array, from: number, count: number) => { for (let i = 0; i < count; i++) out[2 * i] = out[2 * i + 1] = 0.25 * Math.sin((2 * Math.PI * 440 * (from + i)) / 48_000); } };
    await encodeSource(tone, frames, output, new AbortController().signal);
    const probed = await probeMedia(output);
    expect(probed.duration).toBeCloseTo(frames / 48_000, 4);
  });

  it('stops ffmpeg and rethrows when the source throws', async () => {
    const output = join(dir, 'broken.flac');
    const broken = new Error('the oscillator broke');
    const source = { render: (_out: Float32Array, from: number) => { if (from > 0) throw broken; } };
    await expect(encodeSource(source, 48_000 * 5, output, new AbortController().signal)).rejects.toBe(broken);
    expect(ffmpegChildren()).toBe(0);
  });
});
