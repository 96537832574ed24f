/**
 * Port types: the named data types that travel along edges. Each is a JSON
 * Schema (checked on every node output) plus an editor colour. Which type may
 * feed which is data too (`conversions`), so the editor and the runtime agree.
 *
 * Media never travels in a port: audio, video and images are artifact handles
 * (content hash + metadata) pointing into the artifact store.
 */

import { artifactHandle as artifactHandleShape } from './artifacts.js';
import { jsonSchema, type JsonSchema } from './json-schema.js';
import { scriptSchema, segmentSchema } from './script.js';
import { timelineSchema } from './timeline.js';

export type { JsonSchema };

const artifactHandle = jsonSchema(artifactHandleShape);

const withHandle = (extra: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
  type: 'object',
  required: ['hash', 'mime', 'bytes', ...required],
  properties: { ...(artifactHandle.properties as Record<string, JsonSchema>), ...extra },
});

export interface PortTypeDefinition {
  title: string;
  description: string;
  /** Hex colour for handles and edges in the editor. */
  color: string;
  schema: JsonSchema;
}

/** The registry of port types. Node issues refine these schemas; keep them permissive enough to evolve. */
/** A picture layer of a render chunk: a clip placed in the chunk's time. */
const chunkLayer: JsonSchema = { type: 'object', required: ['media', 'sourceIn', 'start', 'duration'] };

export const portTypes = {
  Any: { title: 'Any', description: 'Any value; used by generic nodes such as control.fallback.', color: '#9ca3af', schema: {} },
  Text: { title: 'Text', description: 'Plain text.', color: '#60a5fa', schema: { type: 'string' } },
  Markdown: { title: 'Markdown', description: 'Narrative markdown (an episode).', color: '#3b82f6', schema: { type: 'string' } },
  Number: { title: 'Number', description: 'A number.', color: '#a78bfa', schema: { type: 'number' } },
  Boolean: { title: 'Boolean', description: 'true or false.', color: '#f472b6', schema: { type: 'boolean' } },
  Json: { title: 'JSON', description: 'Any JSON value.', color: '#94a3b8', schema: {} },
  File: { title: 'File', description: 'A file in the artifact store.', color: '#facc15', schema: artifactHandle },
  Image: {
    title: 'Image',
    description: 'A still image in the artifact store.',
    color: '#fb923c',
    schema: withHandle({}, []),
  },
  Script: {
    title: 'Script',
    description: 'A parsed episode: metadata, cast, scenes with their briefs and timed segments.',
    color: '#22c55e',
    schema: scriptSchema,
  },
  Segment: {
    title: 'Segment',
    description: 'One speakable or visual unit of a scene (dialogue, narration, terminal, cue).',
    color: '#4ade80',
    schema: segmentSchema,
  },
  ScenePrompt: {
    title: 'Scene prompt',
    description: 'A provider-ready description of one scene visual.',
    color: '#2dd4bf',
    schema: {
      type: 'object',
      required: ['sceneId', 'prompt', 'duration'],
      properties: {
        sceneId: { type: 'string' },
        /** Position of the scene in the episode (0-based). */
        index: { type: 'integer', minimum: 0 },
        title: { type: 'string' },
        prompt: { type: 'string' },
        /** Stills the script places in this scene (`![description](path)`), as written. */
        images: {
          type: 'array',
          items: { type: 'object', required: ['path'], properties: { path: { type: 'string', minLength: 1 }, description: { type: 'string' }, line: { type: 'integer', minimum: 1 } } },
        },
        negativePrompt: { type: 'string' },
        style: { type: 'array', items: { type: 'string' } },
        setting: { type: 'string' },
        timeOfDay: { type: 'string' },
        weather: { type: 'string' },
        lighting: { type: 'string' },
        mood: { type: 'string' },
        camera: { type: 'object', properties: { angle: { type: 'string' }, movement: { type: 'string' }, shot: { type: 'string' } } },
        duration: { type: 'number', exclusiveMinimum: 0 },
        seed: { type: 'integer', minimum: 0 },
      },
    },
  },
  Casting: {
    title: 'Casting',
    description: 'Who speaks with which voice: speaker id → voice, speed, pitch, style.',
    color: '#fbbf24',
    schema: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['voice'],
        properties: {
          voice: { type: 'string', minLength: 1 },
          speed: { type: 'number', exclusiveMinimum: 0 },
          pitch: { type: 'number' },
          style: { type: 'string' },
          providerVoices: { type: 'object', additionalProperties: { type: 'string' } },
        },
      },
    },
  },
  AudioClip: {
    title: 'Audio clip',
    description: 'Audio in the artifact store with its measured duration.',
    color: '#f59e0b',
    schema: withHandle({ segmentId: { type: 'string' }, provider: { type: 'string' } }, ['duration']),
  },
  VideoClip: {
    title: 'Video clip',
    description: 'A video clip in the artifact store with duration and dimensions.',
    color: '#ef4444',
    schema: withHandle({ sceneId: { type: 'string' }, provider: { type: 'string' } }, ['duration']),
  },
  Overlay: {
    title: 'Overlay',
    description: 'A timed overlay (terminal animation, lower third, caption layer).',
    color: '#e879f9',
    schema: {
      type: 'object',
      required: ['kind'],
      properties: {
        kind: { type: 'string' },
        /** Seconds from the start of the episode (the block's cue). */
        start: { type: 'number' },
        duration: { type: 'number' },
        sceneId: { type: 'string' },
        segmentId: { type: 'string' },
        /** The rendered overlay: full frame, transparent where nothing is drawn (or opaque, as its codec says). */
        clip: withHandle({ sceneId: { type: 'string' }, provider: { type: 'string' } }, ['duration', 'width', 'height']),
        /** Where the overlay's content sits in its frame, in pixels. */
        window: {
          type: 'object',
          required: ['x', 'y', 'width', 'height'],
          properties: { x: { type: 'integer', minimum: 0 }, y: { type: 'integer', minimum: 0 }, width: { type: 'integer', minimum: 1 }, height: { type: 'integer', minimum: 1 } },
        },
      },
    },
  },
  Subtitles: {
    title: 'Subtitles',
    description: 'Timed caption cues: their lines, speaker and each word’s time (for highlighting).',
    color: '#c084fc',
    schema: {
      type: 'object',
      required: ['cues'],
      properties: {
        cues: {
          type: 'array',
          items: {
            type: 'object',
            required: ['start', 'end', 'text'],
            properties: {
              start: { type: 'number' },
              end: { type: 'number' },
              /** The lines joined by newlines. */
              text: { type: 'string' },
              lines: { type: 'array', items: { type: 'string' } },
              speaker: { type: 'string' },
              sceneId: { type: 'string' },
              /** Seconds on the episode's clock, in reading order. */
              words: { type: 'array', items: { type: 'object', required: ['word', 'start', 'end'], properties: { word: { type: 'string' }, start: { type: 'number' }, end: { type: 'number' } } } },
            },
          },
        },
      },
    },
  },
  ScenePlan: {
    title: 'Scene plan',
    description: 'How long each scene lasts and when each line, terminal block and pause happens in it, from the real audio.',
    color: '#fb7185',
    schema: {
      type: 'object',
      required: ['scenes', 'duration', 'fps'],
      properties: {
        duration: { type: 'number', minimum: 0 },
        fps: { type: 'number', exclusiveMinimum: 0 },
        scenes: {
          type: 'array',
          items: {
            type: 'object',
            required: ['id', 'index', 'title', 'start', 'duration', 'events'],
            properties: {
              id: { type: 'string' },
              index: { type: 'integer', minimum: 0 },
              title: { type: 'string' },
              start: { type: 'number', minimum: 0 },
              duration: { type: 'number', minimum: 0 },
              events: { type: 'array', items: { type: 'object', required: ['segment', 'start', 'duration'], properties: { start: { type: 'number', minimum: 0 }, duration: { type: 'number', minimum: 0 } } } },
            },
          },
        },
      },
    },
  },
  Timeline: {
    title: 'Timeline',
    description: 'Tracks of clips placed in time, ready to render or to open in an editor.',
    color: '#f97316',
    schema: timelineSchema,
  },
  RenderChunk: {
    title: 'Render chunk',
    description: 'One piece of the render plan: a few seconds of one scene (whole keyframe intervals) with its layers, transition, effects and captions, encoded on its own.',
    color: '#fdba74',
    schema: {
      type: 'object',
      required: ['index', 'sceneId', 'frames', 'width', 'height', 'fps', 'encode', 'base', 'overlays', 'effects'],
      properties: {
        index: { type: 'integer', minimum: 0 },
        sceneId: { type: 'string' },
        frames: { type: 'integer', minimum: 1 },
        width: { type: 'integer', minimum: 2 },
        height: { type: 'integer', minimum: 2 },
        fps: { type: 'number', exclusiveMinimum: 0 },
        encode: { type: 'object', required: ['preset', 'crf'] },
        base: chunkLayer,
        overlays: { type: 'array', items: chunkLayer },
        effects: { type: 'array' },
      },
    },
  },
  Video: {
    title: 'Video',
    description: 'A finished, rendered video in the artifact store.',
    color: '#dc2626',
    schema: withHandle({}, ['duration', 'width', 'height']),
  },
} as const satisfies Record<string, PortTypeDefinition>;

export type PortTypeName = keyof typeof portTypes;

export const portTypeNames = Object.keys(portTypes) as PortTypeName[];

export function isPortTypeName(name: string): name is PortTypeName {
  return Object.prototype.hasOwnProperty.call(portTypes, name);
}

/**
 * Which output type may feed which input type besides itself. A Video is a
 * VideoClip is a File; any text is Text. `Any` on either side matches all,
 * and a `Json` input takes any value.
 */
export const conversions: Partial<Record<PortTypeName, PortTypeName[]>> = {
  Markdown: ['Text'],
  Text: ['Markdown'],
  Number: ['Text'],
  Boolean: ['Text'],
  Image: ['File'],
  AudioClip: ['File'],
  VideoClip: ['File'],
  Video: ['VideoClip', 'File'],
};

export interface PortSpec {
  name: string;
  type: PortTypeName;
  /** The port carries `type[]`. */
  list?: boolean;
  /** An input that may stay unconnected. */
  optional?: boolean;
  title?: string;
  description?: string;
}

export function formatPortType(port: Pick<PortSpec, 'type' | 'list'>): string {
  return port.list ? `${port.type}[]` : port.type;
}

export type Compatibility = { ok: true; wrap: boolean } | { ok: false; reason: string };

/**
 * Can a value of `from` feed an input of `to`? A single value feeding a list
 * input is wrapped into a one-element list; a list never feeds a single input
 * (map over it with a node that takes items instead).
 */
export function checkCompatibility(from: Pick<PortSpec, 'type' | 'list'>, to: Pick<PortSpec, 'type' | 'list'>): Compatibility {
  // Every port value is JSON, so a Json input takes anything.
  const typesMatch =
    from.type === to.type || from.type === 'Any' || to.type === 'Any' || to.type === 'Json' || (conversions[from.type]?.includes(to.type) ?? false);
  if (!typesMatch) {
    return { ok: false, reason: `${formatPortType(from)} cannot feed ${formatPortType(to)}` };
  }
  if (from.list && !to.list && to.type !== 'Any') {
    return { ok: false, reason: `${formatPortType(from)} is a list and cannot feed the single input ${formatPortType(to)}` };
  }
  return { ok: true, wrap: !from.list && Boolean(to.list) };
}
