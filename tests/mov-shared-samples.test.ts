/**
 * Repeated frames of an intra-only clip are encoded and stored once
 * (nodes/video/mov-shared-samples.ts, through encodeFrames): the clip still
 * reads frame for frame, at the same constant rate, as one whose every frame
 * was encoded, by the bundled ffmpeg and by the system's, from the start or
 * from a seek; an inter-frame codec encodes every frame; and a file the
 * rewrite does not understand is refused, named and untouched.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '../runtime/contract/index.js';
import { ffmpegPath, ffprobePath, runTool } from '../runtime/media/binaries.js';
import { encodeFrames } from '../nodes/video/frame-encoder.js';
import { shareRepeatedSamples } from '../nodes/video/mov-shared-samples.js';
import type { ClipCodecName } from '../nodes/video/codecs.js';
import { streamInfo } from './fixtures/frames.js';

/** Debian's ffmpeg, which .ci/run installs (for the xfade test too): a newer demuxer than the one that wrote the files. */
const SYSTEM_FFMPEG = existsSync('/usr/bin/ffmpeg') ? '/usr/bin/ffmpeg' : undefined;
if (!SYSTEM_FFMPEG) {
  if (process.env.CI === 'true') throw new Error('/usr/bin/ffmpeg is missing: .ci/run installs Debian\'s ffmpeg');
  console.warn('SKIPPING the system-ffmpeg read of shared samples: no /usr/bin/ffmpeg (apt-get install ffmpeg)');
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelgraph-shared-samples-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const format = { width: 96, height: 54, fps: 30 };
/** Which picture each frame shows: runs of repeats at the start, in the middle and at the end. */
const SHOWS = [0, 0, 0, 1, 2, 2, 3, 4, 5, 5, 5, 5, 5, 6, 7, 8, 9, 9, 10, 11, 11, 11];
const DISTINCT = new Set(SHOWS).size;

/** A picture that differs from every other in every pixel, with a gradient and translucency for ProRes to code. */
function picture(n: number): Uint8Array {
  const pixels = new Uint8Array(format.width * format.height * 4);
  for (let i = 0; i < pixels.length; i += 4) {
    const x = (i / 4) % format.width;
    pixels.set([(n * 23 + x * 2) % 256, (n * 41) % 256, (x * 5) % 256, 128 + ((n * 9) % 128)], i);
  }
  return pixels;
}

/** Encodes SHOWS; `repeat` says whether a repeated frame comes back as the same buffer or as an equal copy. */
async function encode(name: string, codec: ClipCodecName, repeat: 'same buffer' | 'copy'): Promise<string> {
  const output = join(dir, name);
  const pictures = new Map<number, Uint8Array>();
  await encodeFrames({
    format,
    frameCount: SHOWS.length,
    codec,
    output,
    signal: new AbortController().signal,
    renderFrame: (index) => {
      const n = SHOWS[index] as number;
      const drawn = pictures.get(n) ?? picture(n);
      pictures.set(n, drawn);
      return repeat === 'same buffer' ? drawn : Uint8Array.from(drawn);
    },
  });
  return output;
}

async function frameHashes(ffmpeg: string, file: string, seekSeconds = 0): Promise<string[]> {
  const { stdout } = await runTool(ffmpeg, ['-v', 'error', ...(seekSeconds ? ['-ss', String(seekSeconds)] : []), '-i', file, '-f', 'framemd5', '-'], { timeoutMs: 60_000 });
  return stdout
    .toString()
    .split('\n')
    .filter((line) => line && !line.startsWith('#'));
}

/** Where each packet's bytes sit in the file: a repeated frame listed again points at the bytes it repeats. */
async function packetPositions(file: string): Promise<number[]> {
  const { stdout } = await runTool(ffprobePath(), ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pos', '-of', 'csv=p=0', file], { timeoutMs: 60_000 });
  return stdout.toString().trim().split('\n').map(Number);
}

describe('repeated frames of a ProRes 4444 clip', () => {
  it('are encoded once and listed again: the clip decodes frame for frame as one whose every frame was encoded', async () => {
    const shared = await encode('shared.mov', 'prores4444', 'same buffer');
    const everyFrame = await encode('every-frame.mov', 'prores4444', 'copy');

    expect(new Set(await packetPositions(shared)).size).toBe(DISTINCT);
    expect(new Set(await packetPositions(everyFrame)).size).toBe(SHOWS.length);
    expect((await stat(shared)).size).toBeLessThan((await stat(everyFrame)).size * (DISTINCT + 1) / SHOWS.length);

    const expected = await streamInfo(everyFrame);
    expect(expected).toMatchObject({ frames: SHOWS.length, fps: 30 });
    expect(await streamInfo(shared)).toEqual(expected);
    // Decoded pictures and their timestamps, line for line; through a seek into a run of repeats too.
    expect(await frameHashes(ffmpegPath(), shared)).toEqual(await frameHashes(ffmpegPath(), everyFrame));
    expect(await frameHashes(ffmpegPath(), shared, 10 / 30)).toEqual(await frameHashes(ffmpegPath(), everyFrame, 10 / 30));
  });

  it.skipIf(!SYSTEM_FFMPEG)('read the same through the system ffmpeg, a demuxer other than the one that wrote them', async () => {
    const shared = await encode('shared-system.mov', 'prores4444', 'same buffer');
    const everyFrame = await encode('every-frame-system.mov', 'prores4444', 'copy');
    const hashes = await frameHashes(SYSTEM_FFMPEG!, shared);
    expect(hashes).toHaveLength(SHOWS.length);
    expect(hashes).toEqual(await frameHashes(SYSTEM_FFMPEG!, everyFrame));
  });

  it('are encoded again, every one, by an inter-frame codec', async () => {
    const h264 = await encode('repeats.mp4', 'h264', 'same buffer');
    expect(await streamInfo(h264)).toMatchObject({ frames: SHOWS.length, fps: 30 });
    expect(new Set(await packetPositions(h264)).size).toBe(SHOWS.length);
  });
});

describe('shareRepeatedSamples', () => {
  it('refuses a file it cannot rewrite, naming it, and leaves it as it was', async () => {
    const clip = await encode('refused.mov', 'prores4444', 'copy');
    const { size } = await stat(clip);
    const refusal = shareRepeatedSamples(clip, [0, 1, 1]);
    await expect(refusal).rejects.toBeInstanceOf(PermanentError);
    await expect(refusal).rejects.toThrow(`cannot store repeated frames of "${clip}" once: it holds ${SHOWS.length} samples for 2 distinct frames`);
    await expect(shareRepeatedSamples(clip, [0, 1, 99])).rejects.toThrow('frame 2 shows sample 99');

    // The movie atom first (an MP4 made for streaming): rewriting it would move the media after it.
    const streaming = join(dir, 'faststart.mov');
    await runTool(ffmpegPath(), ['-v', 'error', '-y', '-i', clip, '-c', 'copy', '-movflags', '+faststart', streaming], { timeoutMs: 60_000 });
    await expect(shareRepeatedSamples(streaming, SHOWS.map((_, i) => i))).rejects.toThrow('its moov atom is not the last in the file');
    expect((await stat(clip)).size).toBe(size);
    expect(await streamInfo(clip)).toMatchObject({ frames: SHOWS.length });
  });
});
