/**
 * Drawn frames → a video file. Frames are streamed as raw pixels into
 * ffmpeg's stdin (never PNG-encoded in between: that costs more than the
 * drawing), with backpressure, so memory stays at a few frames whatever the
 * clip length. The output holds exactly `frameCount` frames at `fps`.
 *
 * With an intra-only codec a repeated frame (the same buffer returned again)
 * is not sent: ffmpeg encodes the distinct frames, and the file is rewritten
 * so each repeat lists the stored frame again. The clip reads frame for frame
 * as if every frame had been encoded.
 */
import { PermanentError, TimeoutError } from '../../runtime/contract/index.js';
import { feedFfmpeg, startFfmpeg } from '../../runtime/media/ffmpeg.js';
import { collectGarbage } from '../../runtime/process/collect-garbage.js';
import { clipCodecs, type ClipCodecName } from './codecs.js';
import { shareRepeatedSamples } from './mov-shared-samples.js';
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
  /** Extra output args (e.g. metadata); placed before the output path. Filters here must not change with time: a repeated frame of an intra-only codec is encoded once. */
  extraArgs?: readonly string[];
  /**
   * One frame's pixels: width × height × 4 bytes. Returning the same buffer again says the frame repeats the one
   * before. The encoder is done with a frame's buffer once it asks for the frame after next, so a renderer may draw
   * each new frame into the buffer of the frame before last (two buffers in turn) instead of allocating one.
   */
  renderFrame(index: number): Buffer | Uint8Array | Promise<Buffer | Uint8Array>;
  onProgress?(fraction: number): void;
  /**
   * For an output cut into files by ffmpeg's segment muxer (`output` a
   * pattern, see `copyablePartsArgs`): each file as ffmpeg closes it, while
   * later frames are still drawn. Not with an intra-only codec, whose
   * repeated frames are written into one finished file.
   */
  onSegment?(file: string): void;
}

export async function encodeFrames(options: FrameEncodeOptions): Promise<void> {
  const { format, frameCount, output } = options;
  const drawn = options.frameSize ?? format;
  const frameBytes = drawn.width * drawn.height * 4;
  const codec = clipCodecs[options.codec];
  if (codec.intraOnly && options.onSegment) throw new Error(`${options.codec} shares repeated frames within one file; it cannot be cut into segments`);
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
    ...(options.onSegment ? { onSegment: options.onSegment } : {}),
  });
  const idleMs = options.idleTimeoutMs ?? 60_000;
  let watchdog: NodeJS.Timeout | undefined;
  const alive = (): void => {
    clearTimeout(watchdog);
    watchdog = setTimeout(() => running.stop(new TimeoutError(`ffmpeg encoding "${output}" made no progress for ${idleMs} ms`, { location: { file: output } })), idleMs);
  };
  alive();
  // Frame i shows stored frame storedFrameOf[i]: with an intra-only codec, a repeat is the same stored frame again.
  const storedFrameOf: number[] = [];
  let stored = 0;
  let previous: Buffer | Uint8Array | undefined;
  const frames = async function* (): AsyncGenerator<Uint8Array> {
    for (let index = 0; index < frameCount; index++) {
      const frame = await options.renderFrame(index);
      if (frame.byteLength !== frameBytes) {
        throw new PermanentError(`frame ${index} has ${frame.byteLength} bytes; ${drawn.width}×${drawn.height} RGBA needs ${frameBytes}`);
      }
      const repeat = codec.intraOnly && frame === previous;
      previous = frame;
      storedFrameOf.push(repeat ? stored - 1 : stored++);
      if (repeat) {
        alive();
        continue;
      }
      yield frame;
    }
  };
  try {
    await feedFfmpeg(running, frames(), {
      making: 'drawing a frame',
      onWritten: () => {
        alive();
        const index = storedFrameOf.length - 1;
        if (index % 15 === 0) options.onProgress?.(index / frameCount);
      },
    });
  } finally {
    clearTimeout(watchdog);
    // The frames are garbage now (the last one once this lets go of it), most of their memory outside V8's heap, where
    // V8 does not look (see collect-garbage.ts).
    previous = undefined;
    collectGarbage();
  }
  if (stored < frameCount) await shareRepeatedSamples(output, storedFrameOf);
  options.onProgress?.(1);
}
