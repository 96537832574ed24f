/**
 * The values the structured port types carry, each written once as a TypeBox
 * schema: the port type publishes it (ports.ts) and the engine checks every
 * node output against it; the nodes that make and read these values compile
 * against its `Static` type. Kept permissive, as port schemas are: a field
 * that travels but that readers need not rely on stays optional.
 */
import { artifactHandle, type ArtifactHandle } from './artifacts.js';
import type { Segment } from './script.js';
import { placement, transition } from './timeline.js';
import { Type, type Static } from './typebox.js';

const handle = artifactHandle.properties;

/** A spoken word and when it is said, in seconds (from where, each value says). */
const spokenWord = Type.Object({ word: Type.String(), start: Type.Number(), end: Type.Number() });
/** The handle's optional `duration`, `width` and `height`, required (a clip is measured; a video has a size). */
const measured = { duration: Type.Optional(handle.duration, false) };
const sized = { width: Type.Optional(handle.width, false), height: Type.Optional(handle.height, false) };

/** A still in the artifact store. */
export const image = Type.Object(handle);
export type Image = Static<typeof image>;

/** Which scene a clip shows (or belongs to) and what made it. */
const clipOrigin = { sceneId: Type.Optional(Type.String()), provider: Type.Optional(Type.String()) };

/**
 * The x264 settings of a render piece: the preset and quality, and a keyframe
 * (an IDR frame closing its GOP) every `keyframeInterval` frames from the
 * first. A clip encoded with exactly these (and so with the same stream
 * parameters) says so, with any extra `keyframes` it holds: a piece that lays
 * nothing over a stretch of it copies those frames instead of encoding them
 * a second time.
 */
export const pieceEncoding = Type.Object({
  preset: Type.String(),
  crf: Type.Number(),
  keyframeInterval: Type.Integer({ minimum: 1, description: 'frames' }),
  /** Keyframes besides every interval's (e.g. where the scene is cut, before its handle), as frame indices. */
  keyframes: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }))),
});
export type PieceEncoding = Static<typeof pieceEncoding>;

export const videoClip = Type.Object({
  ...handle,
  ...clipOrigin,
  ...measured,
  /** Set when the clip was encoded as a render piece is: pieces may copy its frames. */
  encoding: Type.Optional(pieceEncoding),
  /**
   * The clip's frames, in order, as the parts it was joined from (frames and
   * content hash each): what a stretch of it shows depends on those parts
   * alone, so a render piece keeps its cache when the clip around it changed.
   */
  parts: Type.Optional(Type.Array(Type.Object({ frames: Type.Integer({ minimum: 1 }), hash: Type.String() }))),
});
export type VideoClip = Static<typeof videoClip>;

/** A finished, rendered video. */
export const video = Type.Object({
  ...handle,
  ...measured,
  ...sized,
  /** The mix's stems by name (dialogue, music, effects), carried for exports: artifact handles, which exports check themselves. */
  stems: Type.Optional(Type.Unsafe<Record<string, unknown>>({ type: 'object' })),
});
export type Video = Static<typeof video>;

export const audioClip = Type.Object({
  ...handle,
  segmentId: Type.Optional(Type.String()),
  provider: Type.Optional(Type.String()),
  ...measured,
  speaker: Type.Optional(Type.String()),
  /** Which voice actually spoke. */
  voice: Type.Optional(Type.String()),
  /** A mix stem's name: dialogue, music or effects. */
  stem: Type.Optional(Type.String()),
  /** A stem's clip gain in dB: written this much below the mix's level (headroom, so it never clips); exports raise it back. */
  gainDb: Type.Optional(Type.Number()),
  /** Each spoken word, in seconds from the start of the clip. */
  words: Type.Optional(Type.Array(spokenWord)),
  /** A clip made for a place on the timeline (a score's bed or effect): seconds on the episode's clock; `stem` names its track. */
  start: Type.Optional(Type.Number({ minimum: 0 })),
  sceneId: Type.Optional(Type.String()),
  /**
   * A mix's sound encoded for one picture as the published MP4 carries it (AAC in an M4A, lined up and cut to the
   * picture's frames): a join of that picture at that bitrate copies it instead of encoding the mix again.
   */
  delivery: Type.Optional(
    Type.Object({
      ...handle,
      frames: Type.Integer({ minimum: 1 }),
      fps: Type.Number({ exclusiveMinimum: 0 }),
      /** The profile's audio bitrate it was encoded for, as the profile says it ('192k'). */
      bitrate: Type.String(),
    }),
  ),
});
export type AudioClip = Static<typeof audioClip>;

const sceneImage = Type.Object({ path: Type.String({ minLength: 1 }), description: Type.Optional(Type.String()), line: Type.Optional(Type.Integer({ minimum: 1 })) });

export const scenePrompt = Type.Object({
  sceneId: Type.String(),
  /** Position of the scene in the episode (0-based). */
  index: Type.Optional(Type.Integer({ minimum: 0 })),
  title: Type.Optional(Type.String()),
  prompt: Type.String(),
  /** Stills the script places in this scene (`![description](path)`), as written. */
  images: Type.Optional(Type.Array(sceneImage)),
  negativePrompt: Type.Optional(Type.String()),
  style: Type.Optional(Type.Array(Type.String())),
  setting: Type.Optional(Type.String()),
  timeOfDay: Type.Optional(Type.String()),
  weather: Type.Optional(Type.String()),
  lighting: Type.Optional(Type.String()),
  mood: Type.Optional(Type.String()),
  camera: Type.Optional(Type.Object({ angle: Type.Optional(Type.String()), movement: Type.Optional(Type.String()), shot: Type.Optional(Type.String()) })),
  duration: Type.Number({ exclusiveMinimum: 0 }),
  /** Seconds at the end of `duration` past the scene's cut, rendered for the crossfade into the next scene. */
  handle: Type.Optional(Type.Number({ minimum: 0 })),
  seed: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type ScenePrompt = Static<typeof scenePrompt>;

/** One speaker's voice. */
export const castingEntry = Type.Object({
  /** Provider voice id or preset name. */
  voice: Type.String({ minLength: 1 }),
  /** Speaking-rate multiplier, 1 = the voice's normal rate. */
  speed: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  /** Pitch shift in semitones, where the provider supports it. */
  pitch: Type.Optional(Type.Number()),
  /** Free-form style hint (ElevenLabs style, Google SSML emphasis…). */
  style: Type.Optional(Type.String()),
  /** The same character's voice on each provider of a fallback chain, by provider id. */
  providerVoices: Type.Optional(Type.Unsafe<Record<string, string>>({ type: 'object', additionalProperties: { type: 'string' } })),
});
export type CastingEntry = Static<typeof castingEntry>;

/** Speaker id → voice. A map: TypeBox's Record would publish patternProperties, not additionalProperties. */
export const casting = Type.Unsafe<Record<string, CastingEntry>>({ type: 'object', additionalProperties: castingEntry });
export type Casting = Static<typeof casting>;

/** Where an overlay's content sits in its frame, in pixels. */
const overlayWindow = Type.Object({
  x: Type.Integer({ minimum: 0 }),
  y: Type.Integer({ minimum: 0 }),
  width: Type.Integer({ minimum: 1 }),
  height: Type.Integer({ minimum: 1 }),
});

/**
 * A moment of an overlay's animation a sound can follow: the screen powering
 * on or off, a typed character (`key`), a command entered, a line printed.
 */
export const overlayEventKinds = ['power-on', 'key', 'enter', 'print', 'power-off'] as const;
const overlayEvent = Type.Object({ time: Type.Number({ minimum: 0 }), kind: Type.StringEnum(overlayEventKinds) });
export type OverlayEvent = Static<typeof overlayEvent>;

/**
 * One clip of an overlay made of several, stacked in order: a still image
 * shows its one picture for the layer's whole duration.
 */
export const overlayLayer = Type.Object({
  /** What the layer is, for the timeline's clip id and an editor's track (`chrome`, `screen`, `in`…). */
  name: Type.String({ pattern: '^[a-z][a-z0-9-]*$' }),
  clip: Type.Object({ ...handle, ...clipOrigin, ...measured, ...sized }),
  /** Where the clip's top-left corner sits in the picture; absent: 0,0. */
  position: Type.Optional(placement),
  /** Seconds from the overlay's start. */
  start: Type.Number({ minimum: 0 }),
  duration: Type.Number({ exclusiveMinimum: 0 }),
  /** The clip plays again from its start until the layer ends (a short loop of grain). */
  loop: Type.Optional(Type.Boolean()),
});
export type OverlayLayer = Static<typeof overlayLayer>;

export const overlay = Type.Object({
  kind: Type.String(),
  /** Seconds from the start of the episode (the block's cue). */
  start: Type.Optional(Type.Number()),
  duration: Type.Optional(Type.Number()),
  sceneId: Type.Optional(Type.String()),
  segmentId: Type.Optional(Type.String()),
  /** The rendered overlay, transparent where nothing is drawn (or opaque, as its codec says): the full frame, or only the part drawn on, laid at `position`. */
  clip: Type.Optional(Type.Object({ ...handle, ...clipOrigin, ...measured, ...sized })),
  /** Where the clip's top-left corner sits in the picture; absent: 0,0 (a full-frame clip). */
  position: Type.Optional(placement),
  /**
   * The overlay as several clips instead of `clip` (absent then), bottom first: what does not change as a still, what
   * does as a clip of its own size, each laid where it belongs for its own part of the overlay's time.
   */
  layers: Type.Optional(Type.Array(overlayLayer, { minItems: 1 })),
  /** Where the overlay's content sits in the picture, in pixels. */
  window: Type.Optional(overlayWindow),
  /** What happens in the picture, for sound: seconds from the overlay's start, in time order. */
  events: Type.Optional(Type.Array(overlayEvent)),
});
export type Overlay = Static<typeof overlay>;

/** A word of a cue; seconds on the episode's clock, inside the cue. */
export const captionWord = spokenWord;
export type CaptionWord = Static<typeof captionWord>;

export const captionCue = Type.Object({
  start: Type.Number(),
  end: Type.Number(),
  /** The lines joined by newlines, speaker label included. */
  text: Type.String(),
  lines: Type.Optional(Type.Array(Type.String())),
  speaker: Type.Optional(Type.String()),
  sceneId: Type.Optional(Type.String()),
  /** The cue's words in reading order (a speaker label is not one), for highlighting. */
  words: Type.Optional(Type.Array(captionWord)),
});
export type CaptionCue = Static<typeof captionCue>;

export const subtitles = Type.Object({ cues: Type.Array(captionCue) });
export type Subtitles = Static<typeof subtitles>;

/**
 * When one line, terminal block, cue or pause happens. The values it carries
 * from other ports (the script's segment, the voice clip, the overlay) were
 * checked on those ports and are not checked again here.
 */
const scenePlanEvent = Type.Object({
  segment: Type.Unsafe<Segment>({}),
  /** Seconds on the episode's clock. */
  start: Type.Number({ minimum: 0 }),
  duration: Type.Number({ minimum: 0 }),
  audio: Type.Optional(Type.Unsafe<AudioClip>({})),
  overlay: Type.Optional(Type.Unsafe<Overlay>({})),
});
export type ScenePlanEvent = Static<typeof scenePlanEvent>;

const plannedScene = Type.Object({
  id: Type.String(),
  index: Type.Integer({ minimum: 0 }),
  title: Type.String(),
  start: Type.Number({ minimum: 0 }),
  duration: Type.Number({ minimum: 0 }),
  events: Type.Array(scenePlanEvent),
});
export type PlannedScene = Static<typeof plannedScene>;

export const scenePlan = Type.Object({
  scenes: Type.Array(plannedScene),
  duration: Type.Number({ minimum: 0 }),
  fps: Type.Number({ exclusiveMinimum: 0 }),
});
export type ScenePlan = Static<typeof scenePlan>;

/** A picture layer of a render chunk: a clip placed in the chunk's time. */
const chunkLayer = Type.Object({
  /** An artifact handle, taken from the timeline (checked there): not checked again. */
  media: Type.Unsafe<ArtifactHandle>({}),
  /** Seconds into the media. */
  sourceIn: Type.Number(),
  /** Seconds from the chunk's start. */
  start: Type.Number(),
  duration: Type.Number(),
  /** A picture smaller than the frame: where its top-left corner goes. */
  position: Type.Optional(placement),
  /** The media plays again from its start until the layer ends; `sourceIn` is then where in the loop the chunk starts. */
  loop: Type.Optional(Type.Boolean()),
});
export type ChunkLayer = Static<typeof chunkLayer>;

/** A caption cue inside a chunk: times are seconds from the chunk's start (words spoken before it are negative). */
const chunkCue = Type.Object({
  start: Type.Number(),
  end: Type.Number(),
  text: Type.String(),
  words: Type.Optional(Type.Array(spokenWord)),
  speaker: Type.Optional(Type.String()),
});
export type ChunkCue = Static<typeof chunkCue>;

export const renderChunk = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  sceneId: Type.String(),
  title: Type.Optional(Type.String()),
  /** This piece's place in its scene: `part` of `parts` (for reports; the pixels do not depend on it). */
  part: Type.Optional(Type.Integer({ minimum: 0 })),
  parts: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Seconds on the episode's clock (for reports; the chunk's pixels do not depend on it). */
  start: Type.Optional(Type.Number()),
  frames: Type.Integer({ minimum: 1 }),
  width: Type.Integer({ minimum: 2 }),
  height: Type.Integer({ minimum: 2 }),
  fps: Type.Number({ exclusiveMinimum: 0 }),
  /** Without `keyframeInterval`, a keyframe every 2 s (plans made before profiles set it). */
  encode: Type.Object({ preset: Type.String(), crf: Type.Number(), keyframeInterval: Type.Optional(Type.Integer({ minimum: 1 })) }),
  base: chunkLayer,
  /** The previous scene continuing under a crossfade into this one. */
  outgoing: Type.Optional(chunkLayer),
  transitionIn: Type.Optional(transition),
  /** Fade to black at the end (the first half of a dip into the next scene). */
  fadeOut: Type.Optional(Type.Number()),
  overlays: Type.Array(chunkLayer),
  effects: Type.Array(Type.Object({ effect: Type.Unsafe<'glitch' | 'flash'>({ enum: ['glitch', 'flash'] }), start: Type.Number(), duration: Type.Number() })),
  /** Cue times are seconds from the chunk's start; `fitCharacters` keeps the text one size across chunks. */
  captions: Type.Optional(Type.Object({ cues: Type.Array(chunkCue), style: Type.String(), highlightWords: Type.Boolean(), fitCharacters: Type.Number() })),
});
export type RenderChunk = Static<typeof renderChunk>;
