/**
 * The episode's sound as the published MP4 carries it: AAC-LC, 48 kHz
 * stereo, lined up with the picture without an edit list and cut to its
 * length to the sample. `audio.mix` encodes it while the picture is still
 * being rendered, and `assembly.join` copies it when it was made for the
 * picture being joined (same frames, rate and bitrate); otherwise the join
 * encodes the mix itself, with the same arguments. Either way the packets
 * are the same bytes.
 */
import { PermanentError, type AudioClip } from '../../runtime/contract/index.js';
import { runFfmpeg, type RunFfmpegOptions } from '../../runtime/media/ffmpeg.js';

/** The mix's rate in the MP4. */
export const AUDIO_RATE = 48_000;

/**
 * Samples the native AAC encoder puts before the first sample it is given
 * (its `initial_padding`): the decoder's first frame. An MP4 says to skip
 * them with an edit list; without one (YouTube asks for none) they are
 * presented, at time 0.
 */
export const AAC_PRIMING = 1024;

/**
 * The audio filter that makes the encoded track line up with the picture
 * without an edit list: the mix's first `AAC_PRIMING` samples are dropped,
 * so the priming frame stands in for them and every later sample is
 * presented at its own time; the rest is cut or padded with silence to the
 * picture's length. What is lost is the mix's first 21 ms, where every
 * timeline has its lead-in.
 */
export function audioAlignFilter(frames: number, fps: number): string {
  const encoded = Math.max(1, Math.round((frames * AUDIO_RATE) / fps) - AAC_PRIMING);
  return `aresample=${AUDIO_RATE},atrim=start_sample=${AAC_PRIMING},asetpts=PTS-STARTPTS,apad=whole_len=${encoded},atrim=end_sample=${encoded}`;
}

/**
 * What the AAC encoder is asked for, so the delivered average is at least
 * the profile's figure. The native encoder has no constant-bitrate mode: its
 * two-loop coder lands within about 1 % of its target either side on
 * continuous content (190.9–195.7 kb/s measured when asked for 192k on a
 * tone, pink noise, music and a real mix), so it is asked for 4 % more.
 * Stretches of digital silence still spend next to nothing: no AAC encoder
 * ffmpeg ships pads them.
 */
export function encoderAudioBitrate(profileBitrate: string): string {
  const match = /^(\d+(?:\.\d+)?)([kK]?)$/.exec(profileBitrate.trim());
  if (!match) throw new PermanentError(`audio bitrate ${JSON.stringify(profileBitrate)} is not a number of bits (or kbits, with k) per second`);
  const bits = Number(match[1]) * (match[2] ? 1000 : 1);
  return `${Math.ceil((bits * 1.04) / 1000)}k`;
}

/** An encode of the mix for one picture: the AAC track (in an M4A) and what it was made for. */
export type DeliveryAudio = NonNullable<AudioClip['delivery']>;

/** The picture a delivery encode is cut for, and the profile's audio bitrate it was asked for. */
export type DeliveryTarget = Pick<DeliveryAudio, 'frames' | 'fps' | 'bitrate'>;

/** The output arguments that encode the (first) audio input for `target`: aligned, cut to the picture, no edit lists. */
export function deliveryAudioArgs(target: DeliveryTarget): string[] {
  return [
    // Shifted by the encoder's priming and cut to the picture's length, to the sample.
    '-af', audioAlignFilter(target.frames, target.fps),
    // twoloop, not this ffmpeg's default fast coder, which delivered 108 kb/s of a 192k target on a real mix.
    '-c:a', 'aac', '-aac_coder', 'twoloop', '-b:a', encoderAudioBitrate(target.bitrate),
    '-ar', String(AUDIO_RATE), '-ac', '2',
    ...lengthArgs(target),
  ];
}

/**
 * Cut to the picture, and no edit lists (YouTube's upload advice). Timestamps go to the muxer as they are: its shift
 * to zero (the default without edit lists) would stretch the first sample of a track to cover the other's head start.
 */
export function lengthArgs(target: Pick<DeliveryTarget, 'frames' | 'fps'>): string[] {
  return ['-t', (target.frames / target.fps).toFixed(6), '-use_editlist', '0', '-avoid_negative_ts', 'disabled'];
}

/** Whether `delivery` was encoded for exactly this picture and bitrate, so a join may copy it. */
export function deliveryFits(delivery: DeliveryAudio | undefined, target: DeliveryTarget): delivery is DeliveryAudio {
  return delivery !== undefined && delivery.frames === target.frames && delivery.fps === target.fps && delivery.bitrate === target.bitrate;
}

/** Encodes `input` (any audio ffmpeg reads) for `target` into the M4A `output`. */
export async function encodeDeliveryAudio(input: string, output: string, target: DeliveryTarget, options: Pick<RunFfmpegOptions, 'signal' | 'timeoutMs'>): Promise<void> {
  await runFfmpeg(['-i', input, '-map', '0:a:0', ...deliveryAudioArgs(target), '-f', 'mp4', output], options);
}
