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

/** Ticks a frame in the MP4 track: one timescale for every piece and clip, so their frames join without rounding. */
const trackTimescale = (fps: number): number => Math.round(fps * 512);

/** x264's arguments of the stream: closed GOPs of `keyframeInterval` frames. */
function pieceCodecArgs(encoding: Omit<PieceEncoding, 'keyframes'>): string[] {
  return [
    '-c:v', 'libx264', '-preset', encoding.preset, '-crf', String(encoding.crf), '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    '-g', String(encoding.keyframeInterval), '-flags', '+cgop', '-bf', '2',
  ];
}

/**
 * x264 and MP4 arguments of the stream: closed GOPs of `keyframeInterval`
 * frames and one track timescale (512 ticks a frame).
 */
export function pieceStreamArgs(encoding: Omit<PieceEncoding, 'keyframes'>, fps: number): string[] {
  return [...pieceCodecArgs(encoding), '-video_track_timescale', String(trackTimescale(fps))];
}

/** A keyframe exactly on every interval (no scene-cut keyframes moving the grid) and on each extra keyframe. */
function gridKeyframeArgs(encoding: PieceEncoding): string[] {
  const extra = (encoding.keyframes ?? []).map((frame) => `+eq(n,${frame})`).join('');
  return ['-sc_threshold', '0', '-force_key_frames', `expr:eq(mod(n,${encoding.keyframeInterval}),0)${extra}`];
}

/** The arguments for a clip pieces may copy from: the stream's, with its keyframes on the grid. */
export function copyableClipArgs(encoding: PieceEncoding, fps: number): string[] {
  return [...pieceStreamArgs(encoding, fps), ...gridKeyframeArgs(encoding), '-movflags', '+faststart'];
}

/**
 * One encode written as consecutive copyable clips of `lengths` frames (each
 * a whole number of keyframe intervals), through ffmpeg's segment muxer: the
 * output is a file pattern (`part-%d.mp4`), and ffmpeg lists each file on
 * stdout as it closes it (see `onSegment` in ffmpeg.ts). Each file reads as
 * a clip encoded on its own would: the same stream parameters, its first
 * frame at time zero (hence `-avoid_negative_ts disabled`: otherwise the
 * first file starts two B-frame delays late), `lengths[i]` frames at `fps`.
 * `encoding.keyframes` count from the first frame of all.
 */
export function copyablePartsArgs(encoding: PieceEncoding, fps: number, lengths: readonly number[]): string[] {
  // Where each file ends; the last end is never reached, which also keeps a single file whole (the muxer's default cuts every 2 s).
  let end = 0;
  const ends = lengths.map((length) => (end += length));
  return [
    ...pieceCodecArgs(encoding),
    ...gridKeyframeArgs(encoding),
    '-avoid_negative_ts', 'disabled',
    '-f', 'segment', '-reset_timestamps', '1',
    '-segment_frames', ends.join(','),
    '-segment_format', 'mp4', '-segment_format_options', `movflags=+faststart:video_track_timescale=${trackTimescale(fps)}`,
    '-segment_list', 'pipe:1', '-segment_list_type', 'flat',
  ];
}

/** Whether `frame` (from the clip's first) is one of the clip's keyframes. */
export function isKeyframe(encoding: PieceEncoding, frame: number): boolean {
  return frame % encoding.keyframeInterval === 0 || (encoding.keyframes ?? []).includes(frame);
}

/** Whether a clip encoded with `clip` holds the same stream as pieces encoded with `piece`. */
export function sameStream(clip: PieceEncoding | undefined, piece: Omit<PieceEncoding, 'keyframes'>): boolean {
  return clip !== undefined && clip.preset === piece.preset && clip.crf === piece.crf && clip.keyframeInterval === piece.keyframeInterval;
}
