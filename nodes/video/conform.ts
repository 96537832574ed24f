/**
 * Conforming any clip (a provider's download, a still) to the run's picture:
 * exact width × height (cover crops, contain letterboxes), constant frame
 * rate, and exactly the frames of the requested duration — a short clip is
 * held on its last frame or looped, a long one cut.
 */
import { PermanentError } from '../../runtime/contract/index.js';
import { runFfmpeg } from '../../runtime/media/ffmpeg.js';
import { clipCodecs, type ClipCodecName } from './codecs.js';
import { frameCountOf, type VideoFormat } from './profiles.js';

export type Fit = 'cover' | 'contain';
export type Extend = 'freeze' | 'loop';

export interface ConformOptions {
  format: VideoFormat;
  duration: number;
  fit: Fit;
  /** How a clip shorter than `duration` is extended. Default freeze. */
  extend?: Extend;
  /** Letterbox colour for `contain`. */
  background?: string;
  codec?: ClipCodecName;
  signal: AbortSignal;
  timeoutMs?: number;
}

/** The filter that fits a picture of any size into the format. */
export function fitFilter(format: VideoFormat, fit: Fit, background = 'black'): string {
  const { width: w, height: h } = format;
  return fit === 'cover'
    ? `scale=${w}:${h}:force_original_aspect_ratio=increase:flags=lanczos,crop=${w}:${h}`
    : `scale=${w}:${h}:force_original_aspect_ratio=decrease:flags=lanczos,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=${background}`;
}

export async function conformClip(input: string, output: string, options: ConformOptions): Promise<void> {
  if (!(options.duration > 0)) throw new PermanentError(`cannot conform a clip to ${options.duration} s`);
  const { format } = options;
  const frames = frameCountOf(options.duration, format.fps);
  const loop = options.extend === 'loop' ? ['-stream_loop', '-1'] : [];
  const filter = [
    fitFilter(format, options.fit, options.background),
    'setsar=1',
    `fps=${format.fps}`,
    // Enough held frames to fill any shortfall; -frames:v cuts the rest.
    `tpad=stop_mode=clone:stop_duration=${Math.ceil(options.duration) + 1}`,
  ].join(',');
  await runFfmpeg(
    [...loop, '-i', input, '-vf', filter, ...clipCodecs[options.codec ?? 'h264'].args, '-r', String(format.fps), '-frames:v', String(frames), '-an', output],
    { signal: options.signal, timeoutMs: options.timeoutMs ?? 60_000 + frames * 200, location: { file: input } },
  );
}
