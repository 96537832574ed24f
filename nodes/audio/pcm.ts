/**
 * Audio as float samples in memory: the mix places every voice line at its
 * exact sample, sums, ducks and gains in JavaScript (block-mix.ts) — one
 * decode per clip instead of a filtergraph with an input per line (old
 * ffmpeg's amix also divides every input's level by the input count).
 */
import { ffmpegPath, runTool } from '../../runtime/media/binaries.js';

export const MIX_RATE = 48_000;

export interface DecodeOptions {
  channels: 1 | 2;
  signal: AbortSignal;
  /** Read at most this many seconds (and loop the input to reach it when `loop`). */
  seconds?: number;
  loop?: boolean;
  /** Skip this many seconds of the input first. */
  offset?: number;
}

/** Interleaved float samples at 48 kHz. */
export async function decodeAudio(path: string, options: DecodeOptions): Promise<Float32Array> {
  const limit = options.seconds !== undefined ? ['-t', options.seconds.toFixed(6)] : [];
  const maxBytes = Math.ceil(((options.seconds ?? 3 * 3600) + 1) * MIX_RATE * options.channels * 4);
  const { stdout } = await runTool(
    ffmpegPath(),
    [
      '-hide_banner', '-v', 'error',
      ...(options.loop ? ['-stream_loop', '-1'] : []),
      ...(options.offset ? ['-ss', options.offset.toFixed(6)] : []),
      '-i', path, ...limit, '-vn', '-f', 'f32le', '-ac', String(options.channels), '-ar', String(MIX_RATE), 'pipe:1',
    ],
    { timeoutMs: 120_000, signal: options.signal, maxStdoutBytes: maxBytes, location: { file: path } },
  );
  const samples = Math.floor(stdout.length / 4);
  // A large output is a buffer of its own and read in place (a minute of stereo is 23 MB, and the mix's memory peaks
  // beside the render's); a small one may sit in Node's shared pool at an offset a float cannot start at, and is copied.
  if (stdout.byteOffset % 4 === 0) return new Float32Array(stdout.buffer, stdout.byteOffset, samples);
  return new Float32Array(stdout.buffer.slice(stdout.byteOffset, stdout.byteOffset + samples * 4));
}

/** Adds `source` (interleaved, `channels` wide) into `target` at sample frame `at`, times `gain`. */
export function mixInto(target: Float32Array, targetChannels: number, source: Float32Array, sourceChannels: number, at: number, gain = 1): void {
  const frames = source.length / sourceChannels;
  const end = Math.min(frames, target.length / targetChannels - at);
  for (let frame = Math.max(0, -at); frame < end; frame++) {
    for (let channel = 0; channel < targetChannels; channel++) {
      target[(at + frame) * targetChannels + channel]! += source[frame * sourceChannels + (sourceChannels === 1 ? 0 : channel)]! * gain;
    }
  }
}
