/**
 * The Timeline: every clip of an episode placed in time — what the render
 * turns into a video, what captions and chapters are cut from, and what the
 * OpenTimelineIO export hands to an editor. Times are seconds on the
 * episode's clock; media are artifact handles.
 */
import type { ArtifactHandle } from './artifacts.js';
import type { JsonSchema } from './json-schema.js';

export const transitionKinds = ['cut', 'crossfade', 'dip', 'glitch'] as const;
export type TransitionKind = (typeof transitionKinds)[number];

export interface Transition {
  kind: TransitionKind;
  /** Seconds, centred on nothing: a transition plays at the start of the clip it leads into. */
  duration: number;
}

export interface WordTime {
  word: string;
  /** Seconds on the episode's clock. */
  start: number;
  end: number;
}

export interface TimelineClip {
  /** Unique in the timeline: scene or segment id, with a role suffix where needed. */
  id: string;
  /** Seconds on the episode's clock. */
  start: number;
  duration: number;
  media?: ArtifactHandle;
  /** Seconds into the media where this clip starts. */
  sourceIn: number;
  sceneId?: string;
  segmentId?: string;
  /** Transition from the previous clip on the track into this one. */
  transitionIn?: Transition;
  /** Audio only: gain applied before the mix. */
  gainDb?: number;
  /** Spoken words (dialogue clips), for captions. */
  words?: WordTime[];
  /** What this clip says or shows, for captions and editors. */
  text?: string;
  speaker?: string;
  /** Audio only: repeat the media to fill the clip (music beds). */
  loop?: boolean;
  /** A picture effect at this moment instead of media (a `[glitch]` cue). */
  effect?: 'glitch' | 'flash';
}

export const trackKinds = ['video', 'overlay', 'dialogue', 'music', 'effects'] as const;
export type TrackKind = (typeof trackKinds)[number];

export interface Track {
  name: string;
  kind: TrackKind;
  clips: TimelineClip[];
}

export interface TimelineScene {
  id: string;
  index: number;
  title: string;
  start: number;
  duration: number;
}

export interface Timeline {
  title: string;
  /** Total seconds. */
  duration: number;
  width: number;
  height: number;
  fps: number;
  /** The render profile the timeline was laid out for; later nodes take their encode and loudness settings from it. */
  profile?: string;
  scenes: TimelineScene[];
  tracks: Track[];
  /** Named points, e.g. chapter starts. */
  markers: Array<{ time: number; name: string }>;
  /** Music ducking under dialogue, applied by the mix. */
  ducking?: { amountDb: number; attackMs: number; releaseMs: number };
}

const seconds = { type: 'number', minimum: 0 };
const str = { type: 'string' };

const clipSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'start', 'duration', 'sourceIn'],
  properties: {
    id: str,
    start: seconds,
    duration: seconds,
    media: { type: 'object', required: ['hash', 'mime', 'bytes'] },
    sourceIn: seconds,
    sceneId: str,
    segmentId: str,
    transitionIn: { type: 'object', required: ['kind', 'duration'], properties: { kind: { enum: [...transitionKinds] }, duration: seconds } },
    gainDb: { type: 'number' },
    words: { type: 'array', items: { type: 'object', required: ['word', 'start', 'end'], properties: { word: str, start: seconds, end: seconds } } },
    text: str,
    speaker: str,
    loop: { type: 'boolean' },
    effect: { enum: ['glitch', 'flash'] },
  },
};

export const timelineSchema: JsonSchema = {
  title: 'Timeline',
  type: 'object',
  required: ['title', 'duration', 'width', 'height', 'fps', 'scenes', 'tracks', 'markers'],
  properties: {
    title: str,
    duration: seconds,
    width: { type: 'integer', minimum: 1 },
    height: { type: 'integer', minimum: 1 },
    fps: { type: 'number', exclusiveMinimum: 0 },
    profile: str,
    scenes: {
      type: 'array',
      items: { type: 'object', required: ['id', 'index', 'title', 'start', 'duration'], properties: { id: str, index: { type: 'integer', minimum: 0 }, title: str, start: seconds, duration: seconds } },
    },
    tracks: {
      type: 'array',
      items: { type: 'object', required: ['name', 'kind', 'clips'], properties: { name: str, kind: { enum: [...trackKinds] }, clips: { type: 'array', items: clipSchema } } },
    },
    markers: { type: 'array', items: { type: 'object', required: ['time', 'name'], properties: { time: seconds, name: str } } },
    ducking: { type: 'object', required: ['amountDb', 'attackMs', 'releaseMs'], properties: { amountDb: { type: 'number' }, attackMs: seconds, releaseMs: seconds } },
  },
};
