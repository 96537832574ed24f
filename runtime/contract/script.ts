/**
 * The Script: what the script engine makes of an episode, and what every
 * later node (voice, scene, overlay, assembly) consumes. Its JSON Schema is
 * published (docs/schema/script.schema.json) and checked on every script
 * node output through the `Script` and `Segment` port types.
 */
import type { JsonSchema } from './json-schema.js';

export const segmentKinds = ['dialogue', 'narration', 'terminal', 'cue'] as const;
export type SegmentKind = (typeof segmentKinds)[number];

export interface TerminalLine {
  /** Exactly as written. */
  text: string;
  /** A recognised shell prompt (`$`, `#`, `>`, `user@host:~$`, `C:\>`): the line is a command typed after it. */
  prompt?: string;
  /** For prompt lines: what is typed after the prompt. */
  command?: string;
}

export interface Cue {
  /** `pause`, `glitch`, or any other bracket word (kept, with a warning, so overlays can use it). */
  type: string;
  /** For pauses: how long. */
  seconds?: number;
  /** As written, without the brackets. */
  raw: string;
}

/** Estimated placement; real audio durations replace these in the timeline. */
export interface Timing {
  /** Seconds from the start of the episode. */
  start: number;
  duration: number;
}

export interface Segment {
  /** Stable across edits elsewhere in the script: derived from content, not position. */
  id: string;
  sceneId: string;
  kind: SegmentKind;
  /** Canonical character id (upper case), for dialogue and narration. */
  speaker?: string;
  /** `(whispering)`, `(V.O.)` and the like, without parentheses. */
  parenthetical?: string;
  /** What a voice says: markdown stripped, numbers and symbols spelled out, the series lexicon applied. */
  speechText: string;
  /** What captions show: the writer's words, markdown stripped. */
  displayText: string;
  /** 1-based line in the source. */
  line: number;
  words: number;
  timing: Timing;
  terminal?: { lines: TerminalLine[] };
  cue?: Cue;
}

export interface Direction {
  text: string;
  line: number;
}

export interface SceneImage {
  description: string;
  path: string;
  line: number;
}

/** What the visual nodes need to know about a scene, taken from its directions (or its dialogue when it has none). */
export interface SceneBrief {
  /** The directions (or dialogue) the brief was drawn from, joined. */
  description: string;
  source: 'directions' | 'dialogue' | 'heading';
  /** A setting motif: `data center`, `city street`, `forest`, … or `unknown`. */
  setting: string;
  /** Named place, when the text gives one ("Neo Tokyo", "the archive"). */
  location?: string;
  interior?: boolean;
  timeOfDay?: string;
  weather?: string;
  lighting?: string;
  camera: { angle?: string; movement?: string; shot?: string };
  mood?: string;
  /** Main subjects: characters present and prominent nouns of the description. */
  subjects: string[];
}

export interface Scene {
  id: string;
  index: number;
  title: string;
  line: number;
  directions: Direction[];
  images: SceneImage[];
  segments: Segment[];
  brief: SceneBrief;
  timing: Timing;
}

export interface CastMember {
  /** Canonical id: upper case, as speakers appear on segments. */
  id: string;
  /** Display name, as first written (or as the front matter names it). */
  name: string;
  /** Every spelling seen in the script. */
  aliases: string[];
  /** Voice preset or provider voice from the front matter. */
  voice?: string;
  /** Speaking-rate multiplier from the front matter (1 = normal). */
  pace?: number;
  /** Words per minute used for timing. */
  wordsPerMinute: number;
  lines: number;
  words: number;
  /** Everything else the front matter says about the character. */
  extra?: Record<string, unknown>;
}

export interface ScriptWarning {
  code: string;
  message: string;
  line?: number;
}

export interface ScriptMeta {
  series?: string;
  episode?: number | string;
  aspect?: string;
  style?: string[];
  /** Every other front matter field, as written. */
  [field: string]: unknown;
}

export interface Script {
  title: string;
  meta: ScriptMeta;
  cast: CastMember[];
  scenes: Scene[];
  analysis: {
    sentences: number;
    words: number;
    places: string[];
    times: string[];
  };
  /** Estimated seconds for the whole episode. */
  duration: number;
  warnings: ScriptWarning[];
  source: { format: 'markdown' | 'fountain'; name?: string; sha256: string; lines: number };
}

const str = { type: 'string' };
const int = { type: 'integer', minimum: 0 };
const seconds = { type: 'number', minimum: 0 };
const timingSchema: JsonSchema = { type: 'object', required: ['start', 'duration'], properties: { start: seconds, duration: seconds } };

export const segmentSchema: JsonSchema = {
  title: 'Segment',
  type: 'object',
  required: ['id', 'sceneId', 'kind', 'speechText', 'displayText', 'line', 'words', 'timing'],
  properties: {
    id: { type: 'string', minLength: 1 },
    sceneId: str,
    kind: { enum: [...segmentKinds] },
    speaker: str,
    parenthetical: str,
    speechText: str,
    displayText: str,
    line: { type: 'integer', minimum: 1 },
    words: int,
    timing: timingSchema,
    terminal: {
      type: 'object',
      required: ['lines'],
      properties: {
        lines: { type: 'array', items: { type: 'object', required: ['text'], properties: { text: str, prompt: str, command: str } } },
      },
    },
    cue: { type: 'object', required: ['type', 'raw'], properties: { type: str, seconds, raw: str } },
  },
};

const located = (extra: Record<string, JsonSchema>): JsonSchema => ({
  type: 'object',
  required: [...Object.keys(extra), 'line'],
  properties: { ...extra, line: { type: 'integer', minimum: 1 } },
});

export const sceneBriefSchema: JsonSchema = {
  title: 'SceneBrief',
  type: 'object',
  required: ['description', 'source', 'setting', 'camera', 'subjects'],
  properties: {
    description: str,
    source: { enum: ['directions', 'dialogue', 'heading'] },
    setting: str,
    location: str,
    interior: { type: 'boolean' },
    timeOfDay: str,
    weather: str,
    lighting: str,
    camera: { type: 'object', properties: { angle: str, movement: str, shot: str } },
    mood: str,
    subjects: { type: 'array', items: str },
  },
};

export const scriptSchema: JsonSchema = {
  $id: 'https://reelgraph.dev/schema/script-1.json',
  title: 'reelgraph Script',
  type: 'object',
  required: ['title', 'meta', 'cast', 'scenes', 'analysis', 'duration', 'warnings', 'source'],
  properties: {
    title: str,
    meta: { type: 'object', properties: { series: str, episode: { type: ['integer', 'string'] }, aspect: str, style: { type: 'array', items: str } } },
    cast: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'name', 'aliases', 'wordsPerMinute', 'lines', 'words'],
        properties: {
          id: str,
          name: str,
          aliases: { type: 'array', items: str },
          voice: str,
          pace: { type: 'number', exclusiveMinimum: 0 },
          wordsPerMinute: { type: 'number', exclusiveMinimum: 0 },
          lines: int,
          words: int,
          extra: { type: 'object' },
        },
      },
    },
    scenes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'index', 'title', 'line', 'directions', 'images', 'segments', 'brief', 'timing'],
        properties: {
          id: str,
          index: int,
          title: str,
          line: { type: 'integer', minimum: 1 },
          directions: { type: 'array', items: located({ text: str }) },
          images: { type: 'array', items: located({ description: str, path: str }) },
          segments: { type: 'array', items: segmentSchema },
          brief: sceneBriefSchema,
          timing: timingSchema,
        },
      },
    },
    analysis: {
      type: 'object',
      required: ['sentences', 'words', 'places', 'times'],
      properties: { sentences: int, words: int, places: { type: 'array', items: str }, times: { type: 'array', items: str } },
    },
    duration: seconds,
    warnings: { type: 'array', items: { type: 'object', required: ['code', 'message'], properties: { code: str, message: str, line: { type: 'integer' } } } },
    source: {
      type: 'object',
      required: ['format', 'sha256', 'lines'],
      properties: { format: { enum: ['markdown', 'fountain'] }, name: str, sha256: str, lines: int },
    },
  },
};
