/**
 * The Script: what the script engine makes of an episode, and what every
 * later node (voice, scene, overlay, assembly) consumes. Its JSON Schema is
 * published (docs/schema/script.schema.json) and checked on every script
 * node output through the `Script` and `Segment` port types.
 *
 * Each shape is written once, as a TypeBox schema; its TypeScript type is
 * derived from it (`Static`), so the schema ajv checks and the type the code
 * compiles against cannot disagree.
 */
import { Type, type Static } from './typebox.js';
import { jsonSchema, type JsonSchema } from './json-schema.js';

export const segmentKinds = ['dialogue', 'narration', 'terminal', 'cue'] as const;
export type SegmentKind = (typeof segmentKinds)[number];

/** One of `values`, as a JSON Schema `enum` (ajv's message names the allowed values). */
const count = () => Type.Integer({ minimum: 0 });
const lineNumber = () => Type.Integer({ minimum: 1 });
const seconds = () => Type.Number({ minimum: 0 });
const strings = () => Type.Array(Type.String());

const terminalLine = Type.Object({
  /** Exactly as written. */
  text: Type.String(),
  /** A recognised shell prompt (`$`, `#`, `>`, `user@host:~$`, `C:\>`): the line is a command typed after it. */
  prompt: Type.Optional(Type.String()),
  /** For prompt lines: what is typed after the prompt. */
  command: Type.Optional(Type.String()),
});
export type TerminalLine = Static<typeof terminalLine>;

const cue = Type.Object({
  /** `pause`, `glitch`, or any other bracket word (kept, with a warning, so overlays can use it). */
  type: Type.String(),
  /** For pauses: how long. */
  seconds: Type.Optional(seconds()),
  /** As written, without the brackets. */
  raw: Type.String(),
});
export type Cue = Static<typeof cue>;

/** Estimated placement; real audio durations replace these in the timeline. */
const timing = Type.Object({
  /** Seconds from the start of the episode. */
  start: seconds(),
  duration: seconds(),
});
export type Timing = Static<typeof timing>;

const segment = Type.Object(
  {
    /** Stable across edits elsewhere in the script: derived from content, not position. */
    id: Type.String({ minLength: 1 }),
    sceneId: Type.String(),
    kind: Type.StringEnum(segmentKinds),
    /** Canonical character id (upper case), for dialogue and narration. */
    speaker: Type.Optional(Type.String()),
    /** `(whispering)`, `(V.O.)` and the like, without parentheses. */
    parenthetical: Type.Optional(Type.String()),
    /** What a voice says: markdown stripped, numbers and symbols spelled out, the series lexicon applied. */
    speechText: Type.String(),
    /** What captions show: the writer's words, markdown stripped. */
    displayText: Type.String(),
    /** 1-based line in the source. */
    line: lineNumber(),
    words: count(),
    timing,
    terminal: Type.Optional(Type.Object({ lines: Type.Array(terminalLine) })),
    cue: Type.Optional(cue),
  },
  { title: 'Segment' },
);
export type Segment = Static<typeof segment>;

const direction = Type.Object({ text: Type.String(), line: lineNumber() });
export type Direction = Static<typeof direction>;

const sceneImage = Type.Object({ description: Type.String(), path: Type.String(), line: lineNumber() });
export type SceneImage = Static<typeof sceneImage>;

/** What the visual nodes need to know about a scene, taken from its directions (or its dialogue when it has none). */
const sceneBrief = Type.Object(
  {
    /** The directions (or dialogue) the brief was drawn from, joined. */
    description: Type.String(),
    source: Type.StringEnum(['directions', 'dialogue', 'heading']),
    /** A setting motif: `data center`, `city street`, `forest`, … or `unknown`. */
    setting: Type.String(),
    /** Named place, when the text gives one ("Neo Tokyo", "the archive"). */
    location: Type.Optional(Type.String()),
    interior: Type.Optional(Type.Boolean()),
    timeOfDay: Type.Optional(Type.String()),
    weather: Type.Optional(Type.String()),
    lighting: Type.Optional(Type.String()),
    camera: Type.Object({ angle: Type.Optional(Type.String()), movement: Type.Optional(Type.String()), shot: Type.Optional(Type.String()) }),
    mood: Type.Optional(Type.String()),
    /** Main subjects: characters present and prominent nouns of the description. */
    subjects: strings(),
  },
  { title: 'SceneBrief' },
);
export type SceneBrief = Static<typeof sceneBrief>;

const scene = Type.Object({
  id: Type.String(),
  index: count(),
  title: Type.String(),
  line: lineNumber(),
  directions: Type.Array(direction),
  images: Type.Array(sceneImage),
  segments: Type.Array(segment),
  brief: sceneBrief,
  timing,
});
export type Scene = Static<typeof scene>;

const castMember = Type.Object({
  /** Canonical id: upper case, as speakers appear on segments. */
  id: Type.String(),
  /** Display name, as first written (or as the front matter names it). */
  name: Type.String(),
  /** Every spelling seen in the script. */
  aliases: strings(),
  /** Voice preset or provider voice from the front matter. */
  voice: Type.Optional(Type.String()),
  /** Speaking-rate multiplier from the front matter (1 = normal). */
  pace: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  /** Words per minute used for timing. */
  wordsPerMinute: Type.Number({ exclusiveMinimum: 0 }),
  lines: count(),
  words: count(),
  /** Everything else the front matter says about the character. */
  extra: Type.Optional(Type.Unsafe<Record<string, unknown>>({ type: 'object' })),
});
export type CastMember = Static<typeof castMember>;

const scriptWarning = Type.Object({ code: Type.String(), message: Type.String(), line: Type.Optional(Type.Integer()) });
export type ScriptWarning = Static<typeof scriptWarning>;

const scriptMeta = Type.Object({
  series: Type.Optional(Type.String()),
  episode: Type.Optional(Type.Unsafe<number | string>({ type: ['integer', 'string'] })),
  aspect: Type.Optional(Type.String()),
  style: Type.Optional(strings()),
});
/** The front matter: the fields above, and every other field as written. */
export type ScriptMeta = Static<typeof scriptMeta> & { [field: string]: unknown };

const script = Type.Object(
  {
    title: Type.String(),
    meta: scriptMeta,
    cast: Type.Array(castMember),
    scenes: Type.Array(scene),
    analysis: Type.Object({ sentences: count(), words: count(), places: strings(), times: strings() }),
    /** Estimated seconds for the whole episode. */
    duration: seconds(),
    warnings: Type.Array(scriptWarning),
    source: Type.Object({ format: Type.StringEnum(['markdown', 'fountain']), name: Type.Optional(Type.String()), sha256: Type.String(), lines: count() }),
  },
  { $id: 'https://reelgraph.dev/schema/script-1.json', title: 'reelgraph Script' },
);
export type Script = Omit<Static<typeof script>, 'meta'> & { meta: ScriptMeta };

export const segmentSchema: JsonSchema = jsonSchema(segment);
export const sceneBriefSchema: JsonSchema = jsonSchema(sceneBrief);
export const scriptSchema: JsonSchema = jsonSchema(script);
