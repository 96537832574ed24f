/**
 * Writes a synthesised stereo source to a FLAC file a block at a time
 * through ffmpeg's stdin: memory stays one block however long the clip.
 * 16-bit: a bed or an effect at −12 to −42 dBFS keeps 54 dB and more above
 * its quantisation, and a 30-minute bed stays a fraction of its 24-bit size.
 */
import { PermanentError } from '../../../runtime/contract/index.js';
import { feedFfmpeg, startFfmpeg } from '../../../runtime/media/ffmpeg.js';
import { SAMPLE_RATE, type StereoSource } from './dsp.js';

/** One second of stereo float samples per write. */
const BLOCK_FRAMES = SAMPLE_RATE;

export async function encodeSource(source: StereoSource, frames: number, output: string, signal: AbortSignal): Promise<void> {
  if (!(frames > 0)) throw new PermanentError(`nothing to write to ${output}: ${frames} frames`);
  const running = startFfmpeg(['-f', 'f32le', '-ar', String(SAMPLE_RATE), '-ac', '2', '-i', 'pipe:0', '-c:a', 'flac', '-sample_fmt', 's16', output], {
    stdin: true,
    signal,
    timeoutMs: Math.max(120_000, (frames / SAMPLE_RATE) * 1_000),
    location: { file: output },
  });
  await feedFfmpeg(running, blocksOf(source, frames, signal), { making: 'synthesising audio' });
}

/** The source a second at a time, as interleaved float samples. */
function* blocksOf(source: StereoSource, frames: number, signal: AbortSignal): Generator<Uint8Array> {
  for (let from = 0; from < frames; from += BLOCK_FRAMES) {
    signal.throwIfAborted();
    const count = Math.min(BLOCK_FRAMES, frames - from);
    const block = new Float32Array(count * 2);
    source.render(block, from, count);
    yield new Uint8Array(block.buffer);
  }
}
