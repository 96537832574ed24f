/**
 * The final render's H.264 stream, written down once. Render pieces encode
 * with it; a clip drawn for a scene can be encoded with it too, keyframes on
 * the pieces' grid, and then says so (`VideoClip.encoding`): a piece that
 * lays nothing over a stretch of that clip copies the stretch's frames, so
 * those frames are encoded once, not twice.
 *
 * Copied and encoded pieces join by stream copy into one track, so both must
 * carry the same stream parameters (SPS/PPS): the same x264 build, preset,
 * quality, profile, pixel format, B-frames and frame size. Everything that
 * decides those is here.
 */
import type { PieceEncoding } from '../../runtime/contract/index.js';
import type { RenderProfile } from './profiles.js';

/** Frames between keyframes. */
export const keyframeIntervalOf = (seconds: number, fps: number): number => Math.max(1, Math.round(fps * seconds));

/** A profile's piece encoding at `fps`. */
export function pieceEncodingOf(profile: Pick<RenderProfile, 'encode'>, fps: number): PieceEncoding {
  return { preset: profile.encode.preset, crf: profile.encode.crf, keyframeInterval: keyframeIntervalOf(profile.encode.keyframeSeconds, fps) };
}

/**
 * x264 and MP4 arguments of the stream: closed GOPs of `keyframeInterval`
 * frames and one track timescale (512 ticks a frame).
 */
export function pieceStreamArgs(encoding: Omit<PieceEncoding, 'keyframes'>, fps: number): string[] {
  return [
    '-c:v', 'libx264', '-preset', encoding.preset, '-crf', String(encoding.crf), '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    '-g', String(encoding.keyframeInterval), '-flags', '+cgop', '-bf', '2',
    '-video_track_timescale', String(Math.round(fps * 512)),
  ];
}

/**
 * The arguments for a clip pieces may copy from: the stream's, with a
 * keyframe exactly on every interval (no scene-cut keyframes moving the
 * grid) and on each extra keyframe.
 */
export function copyableClipArgs(encoding: PieceEncoding, fps: number): string[] {
  const extra = (encoding.keyframes ?? []).map((frame) => `+eq(n,${frame})`).join('');
  return [...pieceStreamArgs(encoding, fps), '-sc_threshold', '0', '-force_key_frames', `expr:eq(mod(n,${encoding.keyframeInterval}),0)${extra}`, '-movflags', '+faststart'];
}

/** Whether `frame` (from the clip's first) is one of the clip's keyframes. */
export function isKeyframe(encoding: PieceEncoding, frame: number): boolean {
  return frame % encoding.keyframeInterval === 0 || (encoding.keyframes ?? []).includes(frame);
}

/** Whether a clip encoded with `clip` holds the same stream as pieces encoded with `piece`. */
export function sameStream(clip: PieceEncoding | undefined, piece: Omit<PieceEncoding, 'keyframes'>): boolean {
  return clip !== undefined && clip.preset === piece.preset && clip.crf === piece.crf && clip.keyframeInterval === piece.keyframeInterval;
}
