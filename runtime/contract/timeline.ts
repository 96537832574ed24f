/**
 * The Timeline: every clip of an episode placed in time — what the render
 * turns into a video, what captions and chapters are cut from, and what the
 * OpenTimelineIO export hands to an editor. Times are seconds on the
 * episode's clock; media are artifact handles.
 *
 * Each shape is written once, as a TypeBox schema; its TypeScript type is
 * derived from it (`Static`).
 */
import type { ArtifactHandle } from './artifacts.js';
import { jsonSchema, type JsonSchema } from './json-schema.js';
import { Type, type Static } from './typebox.js';

const seconds = () => Type.Number({ minimum: 0 });

export const transitionKinds = ['cut', 'crossfade', 'dip', 'glitch'] as const;
export type TransitionKind = (typeof transitionKinds)[number];

export const transition = Type.Object({
  kind: Type.StringEnum(transitionKinds),
  /** Seconds, centred on nothing: a transition plays at the start of the clip it leads into. */
  duration: seconds(),
});
export type Transition = Static<typeof transition>;

const wordTime = Type.Object({
  word: Type.String(),
  /** Seconds on the episode's clock. */
  start: seconds(),
  end: seconds(),
});
export type WordTime = Static<typeof wordTime>;

/**
 * A clip's media: an artifact handle, of which the timeline checks only that
 * it names one (the handle was checked on the port it came from).
 */
const mediaReference = () => Type.Unsafe<ArtifactHandle>({ type: 'object', required: ['hash', 'mime', 'bytes'] });

/**
 * Where a picture smaller than the frame is laid: its top-left corner, in
 * the frame's pixels. Absent: at 0,0 (a picture as big as the frame).
 */
export const placement = Type.Object({ x: Type.Integer({ minimum: 0 }), y: Type.Integer({ minimum: 0 }) });

const timelineClip = Type.Object({
  /** Unique in the timeline: scene or segment id, with a role suffix where needed. */
  id: Type.String(),
  /** Seconds on the episode's clock. */
  start: seconds(),
  duration: seconds(),
  media: Type.Optional(mediaReference()),
  /** Seconds into the media where this clip starts. */
  sourceIn: seconds(),
  sceneId: Type.Optional(Type.String()),
  segmentId: Type.Optional(Type.String()),
  /** Transition from the previous clip on the track into this one. */
  transitionIn: Type.Optional(transition),
  /** Audio only: gain applied before the mix. */
  gainDb: Type.Optional(Type.Number()),
  /** Spoken words (dialogue clips), for captions. */
  words: Type.Optional(Type.Array(wordTime)),
  /** What this clip says or shows, for captions and editors. */
  text: Type.Optional(Type.String()),
  speaker: Type.Optional(Type.String()),
  /** Audio only: repeat the media to fill the clip (music beds). */
  loop: Type.Optional(Type.Boolean()),
  /** Picture only, for media smaller than the frame: where its top-left corner sits, in the frame's pixels (absent: 0,0). */
  position: Type.Optional(placement),
  /** A picture effect at this moment instead of media (a `[glitch]` cue). */
  effect: Type.Optional(Type.StringEnum(['glitch', 'flash'])),
});
export type TimelineClip = Static<typeof timelineClip>;

export const trackKinds = ['video', 'overlay', 'dialogue', 'music', 'effects'] as const;
export type TrackKind = (typeof trackKinds)[number];

const track = Type.Object({
  name: Type.String(),
  kind: Type.StringEnum(trackKinds),
  clips: Type.Array(timelineClip),
});
export type Track = Static<typeof track>;

const timelineScene = Type.Object({
  id: Type.String(),
  index: Type.Integer({ minimum: 0 }),
  title: Type.String(),
  start: seconds(),
  duration: seconds(),
});
export type TimelineScene = Static<typeof timelineScene>;

const timeline = Type.Object(
  {
    title: Type.String(),
    /** Total seconds. */
    duration: seconds(),
    width: Type.Integer({ minimum: 1 }),
    height: Type.Integer({ minimum: 1 }),
    fps: Type.Number({ exclusiveMinimum: 0 }),
    /** The render profile the timeline was laid out for; later nodes take their encode and loudness settings from it. */
    profile: Type.Optional(Type.String()),
    scenes: Type.Array(timelineScene),
    tracks: Type.Array(track),
    /** Named points, e.g. chapter starts. */
    markers: Type.Array(Type.Object({ time: seconds(), name: Type.String() })),
    /** Music ducking under dialogue, applied by the mix. */
    ducking: Type.Optional(Type.Object({ amountDb: Type.Number(), attackMs: seconds(), releaseMs: seconds() })),
  },
  { title: 'Timeline' },
);
export type Timeline = Static<typeof timeline>;

export const timelineSchema: JsonSchema = jsonSchema(timeline);
