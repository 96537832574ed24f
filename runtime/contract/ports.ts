/**
 * Port types: the named data types that travel along edges. Each is a JSON
 * Schema (checked on every node output) plus an editor colour. Which type may
 * feed which is data too (`conversions`), so the editor and the runtime agree.
 *
 * Media never travels in a port: audio, video and images are artifact handles
 * (content hash + metadata) pointing into the artifact store.
 */

import { artifactHandle } from './artifacts.js';
import { jsonSchema, type JsonSchema } from './json-schema.js';
import { audioClip, casting, image, overlay, renderChunk, scenePlan, scenePrompt, subtitles, video, videoClip } from './port-values.js';
import { scriptSchema, segmentSchema } from './script.js';
import { timelineSchema } from './timeline.js';

export type { JsonSchema };
export type {
  AudioClip,
  CaptionCue,
  CaptionWord,
  Casting,
  CastingEntry,
  ChunkCue,
  ChunkLayer,
  Image,
  Overlay,
  PieceEncoding,
  PlannedScene,
  RenderChunk,
  ScenePlan,
  ScenePlanEvent,
  ScenePrompt,
  Subtitles,
  Video,
  VideoClip,
} from './port-values.js';

export interface PortTypeDefinition {
  title: string;
  description: string;
  /** Hex colour for handles and edges in the editor. */
  color: string;
  schema: JsonSchema;
}

/** The registry of port types. Node issues refine these schemas; keep them permissive enough to evolve. */
export const portTypes = {
  Any: { title: 'Any', description: 'Any value; used by generic nodes such as control.fallback.', color: '#9ca3af', schema: {} },
  Text: { title: 'Text', description: 'Plain text.', color: '#60a5fa', schema: { type: 'string' } },
  Markdown: { title: 'Markdown', description: 'Narrative markdown (an episode).', color: '#3b82f6', schema: { type: 'string' } },
  Number: { title: 'Number', description: 'A number.', color: '#a78bfa', schema: { type: 'number' } },
  Boolean: { title: 'Boolean', description: 'true or false.', color: '#f472b6', schema: { type: 'boolean' } },
  Json: { title: 'JSON', description: 'Any JSON value.', color: '#94a3b8', schema: {} },
  File: { title: 'File', description: 'A file in the artifact store.', color: '#facc15', schema: jsonSchema(artifactHandle) },
  Image: {
    title: 'Image',
    description: 'A still image in the artifact store.',
    color: '#fb923c',
    schema: jsonSchema(image),
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
    schema: jsonSchema(scenePrompt),
  },
  Casting: {
    title: 'Casting',
    description: 'Who speaks with which voice: speaker id → voice, speed, pitch, style.',
    color: '#fbbf24',
    schema: jsonSchema(casting),
  },
  AudioClip: {
    title: 'Audio clip',
    description: 'Audio in the artifact store with its measured duration.',
    color: '#f59e0b',
    schema: jsonSchema(audioClip),
  },
  VideoClip: {
    title: 'Video clip',
    description: 'A video clip in the artifact store with duration and dimensions.',
    color: '#ef4444',
    schema: jsonSchema(videoClip),
  },
  Overlay: {
    title: 'Overlay',
    description: 'A timed overlay (terminal animation, lower third, caption layer).',
    color: '#e879f9',
    schema: jsonSchema(overlay),
  },
  Subtitles: {
    title: 'Subtitles',
    description: 'Timed caption cues: their lines, speaker and each word’s time (for highlighting).',
    color: '#c084fc',
    schema: jsonSchema(subtitles),
  },
  ScenePlan: {
    title: 'Scene plan',
    description: 'How long each scene lasts and when each line, terminal block and pause happens in it, from the real audio.',
    color: '#fb7185',
    schema: jsonSchema(scenePlan),
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
    schema: jsonSchema(renderChunk),
  },
  Video: {
    title: 'Video',
    description: 'A finished, rendered video in the artifact store.',
    color: '#dc2626',
    schema: jsonSchema(video),
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
