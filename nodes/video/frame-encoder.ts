/**
 * Drawn frames → a video file. Frames are streamed as raw pixels into
 * ffmpeg's stdin (never PNG-encoded in between: that costs more than the
 * drawing), with backpressure, so memory stays at a few frames whatever the
 * clip length. The output holds exactly `frameCount` frames at `fps`.
 */
import { PermanentError, TimeoutError } from '../../runtime/contract/index.js';
import { feedFfmpeg, startFfmpeg } from '../../runtime/media/ffmpeg.js';
import { clipCodecs, type ClipCodecName } from './codecs.js';
import type { VideoFormat } from './profiles.js';

export interface FrameEncodeOptions {
  /** The output picture. */
  format: VideoFormat;
  frameCount: number;
  codec: ClipCodecName;
  /** The codec's arguments instead of its defaults (a clip render pieces may copy from: see piece-encoding.ts). */
  codecArgs?: readonly string[];
  output: string;
  signal: AbortSignal;
  /** Pixel layout of the buffers `renderFrame` returns. @napi-rs/canvas `data()` is RGBA. */
  pixelFormat?: 'rgba' | 'bgra';
  /** Size of the drawn frames when it differs from the output (drawn smaller for speed, scaled by ffmpeg). */
  frameSize?: { width: number; height: number };
  /**
   * A stuck encoder is killed when no frame goes through for this long
   * (default 60 s). Idle rather than total time: on a loaded machine a long
   * clip is slow, not stuck.
   */
  idleTimeoutMs?: number;
  /** Extra output args (e.g. metadata); placed before the output path. */
  extraArgs?: readonly string[];
  /** One frame's pixels: width × height × 4 bytes. The same buffer may be returned again for a repeated frame. */
  renderFrame(index: number): Buffer | Uint8Array | Promise<Buffer | Uint8Array>;
  onProgress?(fraction: number): void;
}

export async function encodeFrames(options: FrameEncodeOptions): Promise<void> {
  const { format, frameCount, output } = options;
  const drawn = options.frameSize ?? format;
  const frameBytes = drawn.width * drawn.height * 4;
  const codec = clipCodecs[options.codec];
  const scale = drawn.width !== format.width || drawn.height !== format.height ? ['-vf', `scale=${format.width}:${format.height}:flags=bicubic`] : [];
  const args = [
    '-f', 'rawvideo', '-pix_fmt', options.pixelFormat ?? 'rgba', '-s', `${drawn.width}x${drawn.height}`, '-r', String(format.fps), '-i', 'pipe:0',
    ...scale,
    ...(options.codecArgs ?? codec.args),
    '-r', String(format.fps), '-frames:v', String(frameCount), '-an',
    ...(options.extraArgs ?? []),
    output,
  ];
  const running = startFfmpeg(args, {
    stdin: true,
    signal: options.signal,
    timeoutMs: Infinity,
    location: { file: output },
  });
  const idleMs = options.idleTimeoutMs ?? 60_000;
  let watchdog: NodeJS.Timeout | undefined;
  const alive = (): void => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => running.stop(new TimeoutError(`ffmpeg encoding "${output}" made no progress for ${idleMs} ms`, { location: { file: output } })), idleMs);
  };
  alive();
  const frames = function* (): Generator<Promise<Uint8Array>> {
    for (let index = 0; index < frameCount; index++) {
      yield (async () => {
        const frame = await options.renderFrame(index);
        if (frame.byteLength !== frameBytes) {
          throw new PermanentError(`frame ${index} has ${frame.byteLength} bytes; ${drawn.width}×${drawn.height} RGBA needs ${frameBytes}`);
        }
        return frame;
      })();
    }
  };
  try {
    await feedFfmpeg(running, frames(), {
      making: 'drawing a frame',
      onWritten: (index) => {
        alive();
        if (index % 15 === 0) options.onProgress?.(index / frameCount);
      },
    });
  } finally {
    clearTimeout(watchdog);
  }
  options.onProgress?.(1);
}
