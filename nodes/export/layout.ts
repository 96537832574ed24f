/**
 * The timeline as editors see it: whole frames at the timeline's rate, and
 * tracks split into lanes where no two clips overlap (an editor's track holds
 * one clip at a time; a reelgraph track may stack overlapping lines or
 * stings). Looping beds become one clip per pass over their media, and a clip
 * asking for more media than exists is cut to what exists — both said in
 * warnings. The OpenTimelineIO and FCPXML writers share this one reading.
 */
import type { ArtifactHandle, Timeline, TimelineClip, TrackKind, TransitionKind } from '../../runtime/contract/index.js';

/** A frame rate as a fraction: one frame lasts `den / num` seconds (30000/1001 for 29.97). */
export interface FrameRate {
  fps: number;
  num: number;
  den: number;
}

/** NTSC rates are written as n×1000/1001 so their frame boundaries stay exact in rational time. */
export function frameRateOf(fps: number): FrameRate {
  if (Number.isInteger(fps)) return { fps, num: fps, den: 1 };
  const ntsc = Math.round(fps * 1.001);
  if (Math.abs(ntsc / 1.001 - fps) < 1e-3) return { fps: (ntsc * 1000) / 1001, num: ntsc * 1000, den: 1001 };
  return { fps, num: Math.round(fps * 1000), den: 1000 };
}

export const toFrames = (seconds: number, rate: FrameRate): number => Math.round((seconds * rate.num) / rate.den);

/**
 * Probed durations are printed to the microsecond: a file of whole frames may
 * read a hair short of its last frame boundary. Less than a sample at 48 kHz.
 */
const PROBE_ROUNDING_SECONDS = 1e-6;

/**
 * The whole frames a piece of media holds: rounded down, so a clip cut to
 * them never runs past the end of its media (rounding to the nearest frame
 * claimed up to half a frame that does not exist — 16 ms of a voice line).
 */
export const framesWithin = (seconds: number, rate: FrameRate): number => Math.max(0, Math.floor(((seconds + PROBE_ROUNDING_SECONDS) * rate.num) / rate.den));

export type Medium = 'video' | 'audio';

/** A cut is no transition at all. */
export type DrawnTransition = Exclude<TransitionKind, 'cut'>;

export const mediumOfTrack: Record<TrackKind, Medium> = {
  video: 'video',
  overlay: 'video',
  dialogue: 'audio',
  music: 'audio',
  effects: 'audio',
};

export interface PlacedClip {
  clip: TimelineClip;
  media: ArtifactHandle;
  /** Frames on the timeline. */
  start: number;
  frames: number;
  /** Frames into the media. */
  sourceIn: number;
  /** Whole frames of media that exist (rounded down); undefined for stills, which last as long as asked. */
  mediaFrames: number | undefined;
  transitionIn?: { kind: DrawnTransition; frames: number };
  /** Which pass over the media, for looped clips (0 for the rest). */
  pass: number;
}

export interface Lane {
  name: string;
  kind: TrackKind;
  medium: Medium;
  /** Sorted by start, never overlapping. */
  clips: PlacedClip[];
}

export interface Layout {
  rate: FrameRate;
  /** The whole timeline in frames. */
  frames: number;
  lanes: Lane[];
  warnings: string[];
}

const isStill = (media: ArtifactHandle): boolean => media.mime.startsWith('image/');

/** A clip's pieces: one, or one per pass over the media for a looping bed. */
function piecesOf(clip: TimelineClip, media: ArtifactHandle, rate: FrameRate, warnings: string[]): PlacedClip[] {
  const start = toFrames(clip.start, rate);
  const frames = toFrames(clip.duration, rate);
  const sourceIn = toFrames(clip.sourceIn, rate);
  const mediaFrames = isStill(media) || media.duration === undefined ? undefined : framesWithin(media.duration, rate);
  const wanted = clip.transitionIn;
  const transitionIn =
    wanted && wanted.kind !== 'cut' && wanted.duration > 0 ? { kind: wanted.kind, frames: Math.min(frames, Math.max(1, toFrames(wanted.duration, rate))) } : undefined;
  const base = { clip, media, mediaFrames, ...(transitionIn ? { transitionIn } : {}) };
  if (frames <= 0) return [];
  if (mediaFrames === undefined) return [{ ...base, start, frames, sourceIn, pass: 0 }];
  if (mediaFrames <= 0) {
    warnings.push(`clip "${clip.id}" has media with no duration; left out`);
    return [];
  }
  if (!clip.loop) {
    const available = Math.max(0, mediaFrames - sourceIn);
    // Less than half a frame past the end is only rounding (a line's length is rarely whole frames): cut to whole frames quietly.
    const past = toFrames(clip.sourceIn + clip.duration - media.duration!, rate);
    if (available < frames && past > 0) {
      warnings.push(`clip "${clip.id}" asks for ${past} frame(s) past the end of its media; cut to what exists`);
    }
    return available > 0 ? [{ ...base, start, frames: Math.min(frames, available), sourceIn, pass: 0 }] : [];
  }
  const pieces: PlacedClip[] = [];
  let at = 0;
  let from = sourceIn % mediaFrames;
  while (at < frames) {
    const length = Math.min(frames - at, mediaFrames - from);
    pieces.push({ clip, media, mediaFrames, start: start + at, frames: length, sourceIn: from, pass: pieces.length, ...(at === 0 && transitionIn ? { transitionIn } : {}) });
    at += length;
    from = 0;
  }
  return pieces;
}

const laneEnd = (lane: Lane): number => {
  const last = lane.clips.at(-1);
  return last ? last.start + last.frames : 0;
};

export function layoutTimeline(timeline: Timeline): Layout {
  const rate = frameRateOf(timeline.fps);
  const warnings: string[] = [];
  const lanes: Lane[] = [];
  for (const track of timeline.tracks) {
    const own: Lane[] = [];
    const clips = [...track.clips].sort((a, b) => a.start - b.start);
    for (const clip of clips) {
      if (!clip.media) {
        // A picture effect (a [glitch] cue) is baked into the rendered scenes; it has nothing to place.
        if (!clip.effect) warnings.push(`clip "${clip.id}" on track "${track.name}" has no media; left as a gap`);
        continue;
      }
      for (const piece of piecesOf(clip, clip.media, rate, warnings)) {
        let lane = own.find((candidate) => laneEnd(candidate) <= piece.start);
        if (!lane) {
          lane = { name: own.length === 0 ? track.name : `${track.name} ${own.length + 1}`, kind: track.kind, medium: mediumOfTrack[track.kind], clips: [] };
          own.push(lane);
        }
        lane.clips.push(piece);
      }
    }
    lanes.push(...own);
  }
  const frames = toFrames(timeline.duration, rate);
  for (const lane of lanes) {
    if (laneEnd(lane) > frames) warnings.push(`track "${lane.name}" runs ${laneEnd(lane) - frames} frame(s) past the end of the timeline`);
    lane.clips.forEach((placed, index) => {
      const previous = abuttingPrevious(lane, index);
      if (!placed.transitionIn || previous?.mediaFrames === undefined) return;
      // The transition plays at the start of this clip, so the outgoing clip keeps playing past its cut.
      const short = previous.sourceIn + previous.frames + placed.transitionIn.frames - previous.mediaFrames;
      if (short > 0) warnings.push(`the ${placed.transitionIn.kind} into "${placed.clip.id}" needs ${short} frame(s) more of "${previous.clip.id}" than its media has; an editor will shorten it`);
    });
  }
  return { rate, frames, lanes, warnings };
}

/** The clip right before `index` on a lane when it ends exactly where this one starts (a transition needs a neighbour). */
export function abuttingPrevious(lane: Lane, index: number): PlacedClip | undefined {
  const previous = lane.clips[index - 1];
  const current = lane.clips[index];
  return previous && current && previous.start + previous.frames === current.start ? previous : undefined;
}

/** Chapters and other named points, in frames: scenes span their length, markers are instants. */
export interface NamedRange {
  name: string;
  start: number;
  frames: number;
  kind: 'scene' | 'marker';
  sceneId?: string;
}

export function namedRanges(timeline: Timeline, rate: FrameRate): NamedRange[] {
  return [
    ...timeline.scenes.map((scene): NamedRange => ({ name: scene.title, start: toFrames(scene.start, rate), frames: toFrames(scene.duration, rate), kind: 'scene', sceneId: scene.id })),
    ...timeline.markers.map((marker): NamedRange => ({ name: marker.name, start: toFrames(marker.time, rate), frames: 0, kind: 'marker' })),
  ].sort((a, b) => a.start - b.start);
}
