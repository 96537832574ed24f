/**
 * When a render piece copies its frames instead of encoding them. A piece
 * that lays nothing over its scene clip (no overlay, effect, transition, fade
 * or burned-in caption) shows the clip's frames as they are; when the clip
 * was encoded as pieces are (`VideoClip.encoding`, see piece-encoding.ts) and
 * the stretch starts on one of its keyframes and ends on another (or at the
 * clip's end), the stretch's packets are a valid piece by themselves: closed
 * GOPs hold every frame they reference. Copying them is the same picture as
 * encoding it again, minus a generation and nearly all the time.
 */
import type { ArtifactHandle, ChunkLayer, PieceEncoding, RenderChunk } from '../../runtime/contract/index.js';
import { isKeyframe, keyframeIntervalOf, sameStream } from '../video/piece-encoding.js';
import { KEYFRAME_SECONDS } from '../video/profiles.js';

type EncodedMedia = ArtifactHandle & { encoding?: PieceEncoding; parts?: Array<{ frames: number; hash: string }> };

/** What a piece is encoded as: its size, rate and encoding. */
export type PieceTarget = Pick<RenderChunk, 'width' | 'height' | 'fps'> & { encode: Omit<PieceEncoding, 'keyframes'> };

/** A frame count read from seconds, when the seconds fall on a frame (to a thousandth of one). */
function wholeFrames(seconds: number, fps: number): number | undefined {
  const frames = seconds * fps;
  return Math.abs(frames - Math.round(frames)) < 1e-3 ? Math.round(frames) : undefined;
}

/**
 * The first frame of the stretch of `media` from `sourceIn` seconds, `frames`
 * long, when a piece of `target` can copy it; undefined when it must be encoded.
 */
export function copyableFrom(media: EncodedMedia, sourceIn: number, frames: number, target: PieceTarget): number | undefined {
  const encoding = media.encoding;
  if (!encoding || !sameStream(encoding, target.encode)) return undefined;
  if (media.width !== target.width || media.height !== target.height || media.frameRate !== target.fps) return undefined;
  const from = wholeFrames(sourceIn, target.fps);
  const length = media.duration === undefined ? undefined : wholeFrames(media.duration, target.fps);
  if (from === undefined || length === undefined || from + frames > length) return undefined;
  const end = from + frames;
  return isKeyframe(encoding, from) && (end === length || isKeyframe(encoding, end)) ? from : undefined;
}

/** Whether the piece lays anything over its scene clip. */
export const layersOver = (chunk: RenderChunk): boolean =>
  Boolean(chunk.outgoing || chunk.transitionIn || chunk.fadeOut || chunk.captions || chunk.overlays.length > 0 || chunk.effects.length > 0);

/** A piece's encoding; a plan that does not say its keyframe interval (made before profiles set one) used the profiles' 2 s. */
export const pieceEncodingOfChunk = (chunk: Pick<RenderChunk, 'encode' | 'fps'>): Omit<PieceEncoding, 'keyframes'> => ({
  preset: chunk.encode.preset,
  crf: chunk.encode.crf,
  keyframeInterval: chunk.encode.keyframeInterval ?? keyframeIntervalOf(KEYFRAME_SECONDS, chunk.fps),
});

/** The clip frame a piece copies from, or undefined when it is encoded. */
export function copiedFrom(chunk: RenderChunk): number | undefined {
  if (layersOver(chunk)) return undefined;
  return copyableFrom(chunk.base.media, chunk.base.sourceIn, chunk.frames, { ...chunk, encode: pieceEncodingOfChunk(chunk) });
}

/**
 * What a layer of a piece shows, for its cache key: the parts of its clip
 * that the stretch covers and where in them it starts, when the clip says
 * what it was joined from; otherwise the layer as it is. A scene made longer
 * by an edit is a new clip of mostly the same parts: the pieces over those
 * parts keep their cache.
 */
export function layerIdentity(layer: ChunkLayer, fps: number): unknown {
  const media = layer.media as EncodedMedia;
  const from = wholeFrames(layer.sourceIn, fps);
  const frames = Math.ceil(layer.duration * fps - 1e-6);
  const total = media.parts?.reduce((sum, part) => sum + part.frames, 0) ?? 0;
  // A stretch past the clip's end shows its last frame held: that depends on the whole clip.
  if (!media.parts || from === undefined || from + frames > total) return layer;
  const covering: string[] = [];
  let offset = 0;
  let at = 0;
  for (const part of media.parts) {
    if (at + part.frames > from && at < from + frames) {
      if (covering.length === 0) offset = from - at;
      covering.push(`${part.hash}:${part.frames}`);
    }
    at += part.frames;
  }
  // The stream's settings, not where the clip's other keyframes fall.
  const { keyframes: _keyframes, ...stream } = media.encoding ?? { keyframes: undefined };
  return { parts: covering, offset, frames, start: layer.start, media: { stream, width: media.width, height: media.height, frameRate: media.frameRate } };
}
