/**
 * The graph document: a versioned JSON format, its JSON Schema, and the
 * resolution of series variants (`extends` + `overrides`) into full graphs.
 */
import type { JsonSchema, PortTypeName } from './ports.js';
import { portTypeNames } from './ports.js';
import { DEFAULT_MAX_RETRY_DELAY_MS } from './node.js';

export const GRAPH_FORMAT = 'reelgraph/graph';
export const GRAPH_SCHEMA_VERSION = 1;

export interface NodeSettings {
  /** Attempts after the first; overrides the node type's default. */
  retries?: number;
  retryDelayMs?: number;
  /** Longest wait before a retry (a provider's Retry-After beyond it fails the item at once); default 60000. */
  maxRetryDelayMs?: number;
  timeoutMs?: number;
  /** Never reuse a cached result for this node. */
  alwaysRun?: boolean;
}

export interface GraphNode {
  id: string;
  type: string;
  typeVersion: number;
  position: { x: number; y: number };
  params: Record<string, unknown>;
  title?: string;
  notes?: string;
  settings?: NodeSettings;
}

/** `node.port`, or `$input.name` for a graph input (source side only). */
export type PortRef = string;

export interface GraphEdge {
  from: PortRef;
  to: PortRef;
}

export interface GraphInput {
  type: PortTypeName;
  list?: boolean;
  required?: boolean;
  default?: unknown;
  title?: string;
  description?: string;
}

/**
 * Settings of the whole graph. Each fills the node param of the same name on
 * every node that takes it and leaves it unset (see graph-settings.ts): one
 * place to switch a series between 1080p, a 720p preview and 9:16.
 */
export interface GraphSettings {
  /** Render profile, e.g. "youtube-1080p", "preview-720p", "shorts-1080x1920": the allowed names are the nodes' `profile` param enum. */
  profile?: string;
}

export interface GraphOverrides {
  /** JSON Merge Patch of the graph's settings (null removes one: the nodes' own defaults apply again). */
  settings?: { [K in keyof GraphSettings]?: GraphSettings[K] | null };
  /** JSON Merge Patch per node id: an object patches (or adds) a node, null removes it. */
  nodes?: Record<string, Partial<GraphNode> | null>;
  edges?: { add?: GraphEdge[]; remove?: GraphEdge[] };
  /** JSON Merge Patch of the inputs map. */
  inputs?: Record<string, Partial<GraphInput> | null>;
  outputs?: Record<string, PortRef | null>;
}

export interface GraphDocument {
  format: typeof GRAPH_FORMAT;
  schemaVersion: number;
  id?: string;
  name: string;
  description?: string;
  inputs?: Record<string, GraphInput>;
  /** Named results of a run: `name → node.port`. */
  outputs?: Record<string, PortRef>;
  /** Graph-wide values for node params (a node's own value wins). */
  settings?: GraphSettings;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** A series variant: a template reference plus what differs from it. */
export interface GraphVariant {
  format: typeof GRAPH_FORMAT;
  schemaVersion: number;
  id?: string;
  name: string;
  description?: string;
  /** Path (relative to this file) or stored graph id of the template. */
  extends: string;
  overrides: GraphOverrides;
}

export type AnyGraphDocument = GraphDocument | GraphVariant;

export function isVariant(doc: AnyGraphDocument): doc is GraphVariant {
  return typeof (doc as GraphVariant).extends === 'string';
}

const identifier = '^[A-Za-z_][A-Za-z0-9_-]*$';
const portRef = '^[A-Za-z_][A-Za-z0-9_-]*\\.[A-Za-z_][A-Za-z0-9_]*$';
const sourceRef = '^(\\$input|[A-Za-z_][A-Za-z0-9_-]*)\\.[A-Za-z_][A-Za-z0-9_]*$';

const nodeSettingsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    retries: { type: 'integer', minimum: 0, maximum: 20 },
    retryDelayMs: { type: 'integer', minimum: 0 },
    maxRetryDelayMs: {
      type: 'integer',
      minimum: 0,
      default: DEFAULT_MAX_RETRY_DELAY_MS,
      description:
        "Longest wait before a retry this node accepts, in ms. A provider asking for more (e.g. a 429 with Retry-After: 3600) fails the item at once as a transient failure, so a control.fallback moves on to the next provider.",
    },
    timeoutMs: { type: 'integer', minimum: 1 },
    alwaysRun: { type: 'boolean' },
  },
};

const nodeProperties: Record<string, JsonSchema> = {
  id: { type: 'string', pattern: identifier, maxLength: 64 },
  type: { type: 'string', pattern: '^[a-z][a-z0-9]*(\\.[a-z][a-z0-9-]*)+$' },
  typeVersion: { type: 'integer', minimum: 1 },
  position: {
    type: 'object',
    required: ['x', 'y'],
    additionalProperties: false,
    properties: { x: { type: 'number' }, y: { type: 'number' } },
  },
  params: { type: 'object' },
  title: { type: 'string', maxLength: 200 },
  notes: { type: 'string' },
  settings: nodeSettingsSchema,
};

const edgeSchema: JsonSchema = {
  type: 'object',
  required: ['from', 'to'],
  additionalProperties: false,
  properties: {
    from: { type: 'string', pattern: sourceRef },
    to: { type: 'string', pattern: portRef },
  },
};

const inputSchema: JsonSchema = {
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: {
    type: { enum: portTypeNames },
    list: { type: 'boolean' },
    required: { type: 'boolean' },
    default: {},
    title: { type: 'string' },
    description: { type: 'string' },
  },
};

const header: Record<string, JsonSchema> = {
  $schema: { type: 'string' },
  format: { const: GRAPH_FORMAT },
  schemaVersion: { const: GRAPH_SCHEMA_VERSION },
  id: { type: 'string', pattern: identifier, maxLength: 64 },
  name: { type: 'string', minLength: 1, maxLength: 200 },
  description: { type: 'string' },
};

const graphSettingProperties: Record<string, JsonSchema> = {
  profile: {
    type: 'string',
    minLength: 1,
    title: 'Render profile',
    description:
      "Render profile of every node that takes a `profile` param and does not set its own (e.g. youtube-1080p, preview-720p, shorts-1080x1920). Validation checks it against those nodes' allowed profiles.",
  },
};

const graphSettingsSchema: JsonSchema = { type: 'object', additionalProperties: false, properties: graphSettingProperties };

/** Merge patch of the settings: each setting, or null to remove it. */
const graphSettingsPatchSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(Object.entries(graphSettingProperties).map(([name, schema]) => [name, { anyOf: [{ type: 'null' }, schema] }])),
};

const inputsSchema: JsonSchema = { type: 'object', propertyNames: { pattern: identifier }, additionalProperties: inputSchema };
const outputsSchema: JsonSchema = {
  type: 'object',
  propertyNames: { pattern: identifier },
  additionalProperties: { type: 'string', pattern: portRef },
};

/** JSON Schema of a full graph. */
export const fullGraphSchema: JsonSchema = {
  $id: 'https://reelgraph.dev/schema/graph-1.json',
  title: 'reelgraph graph',
  type: 'object',
  required: ['format', 'schemaVersion', 'name', 'nodes', 'edges'],
  additionalProperties: false,
  properties: {
    ...header,
    inputs: inputsSchema,
    outputs: outputsSchema,
    settings: graphSettingsSchema,
    nodes: {
      type: 'array',
      items: { type: 'object', required: ['id', 'type', 'typeVersion', 'position', 'params'], additionalProperties: false, properties: nodeProperties },
    },
    edges: { type: 'array', items: edgeSchema },
  },
};

/** JSON Schema of a series variant: a template plus overrides. */
export const variantGraphSchema: JsonSchema = {
  $id: 'https://reelgraph.dev/schema/graph-variant-1.json',
  title: 'reelgraph graph variant',
  type: 'object',
  required: ['format', 'schemaVersion', 'name', 'extends', 'overrides'],
  additionalProperties: false,
  properties: {
    ...header,
    extends: { type: 'string', minLength: 1 },
    overrides: {
      type: 'object',
      additionalProperties: false,
      properties: {
        settings: graphSettingsPatchSchema,
        nodes: {
          type: 'object',
          propertyNames: { pattern: identifier },
          additionalProperties: {
            anyOf: [{ type: 'null' }, { type: 'object', additionalProperties: false, properties: nodeProperties }],
          },
        },
        edges: {
          type: 'object',
          additionalProperties: false,
          properties: { add: { type: 'array', items: edgeSchema }, remove: { type: 'array', items: edgeSchema } },
        },
        inputs: { type: 'object', additionalProperties: { anyOf: [{ type: 'null' }, { type: 'object' }] } },
        outputs: { type: 'object', additionalProperties: { anyOf: [{ type: 'null' }, { type: 'string', pattern: portRef }] } },
      },
    },
  },
};

export interface ParsedRef {
  node: string;
  port: string;
}

/** Split `node.port`; graph inputs come back as `{ node: '$input', port: name }`. */
export function parseRef(ref: PortRef): ParsedRef {
  const dot = ref.indexOf('.');
  return { node: ref.slice(0, dot), port: ref.slice(dot + 1) };
}

export const GRAPH_INPUT_NODE = '$input';

/** RFC 7386 JSON Merge Patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return structuredClone(patch);
  const base: Record<string, unknown> =
    typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}

const sameEdge = (a: GraphEdge, b: GraphEdge): boolean => a.from === b.from && a.to === b.to;

/** Apply a variant's overrides to its (already resolved) template. */
export function applyOverrides(template: GraphDocument, variant: GraphVariant): GraphDocument {
  const { overrides } = variant;
  const nodes: GraphNode[] = [];
  const patched = new Set<string>();
  for (const node of template.nodes) {
    const patch = overrides.nodes?.[node.id];
    patched.add(node.id);
    if (patch === null) continue;
    nodes.push(patch === undefined ? structuredClone(node) : (mergePatch(node, { ...patch, id: node.id }) as GraphNode));
  }
  for (const [id, patch] of Object.entries(overrides.nodes ?? {})) {
    if (!patched.has(id) && patch !== null) nodes.push({ params: {}, position: { x: 0, y: 0 }, ...patch, id } as GraphNode);
  }
  const removedNodes = new Set(Object.entries(overrides.nodes ?? {}).filter(([, p]) => p === null).map(([id]) => id));
  const touchesRemoved = (edge: GraphEdge): boolean => removedNodes.has(parseRef(edge.from).node) || removedNodes.has(parseRef(edge.to).node);
  const edges = template.edges
    .filter((edge) => !touchesRemoved(edge) && !(overrides.edges?.remove ?? []).some((r) => sameEdge(r, edge)))
    .concat(overrides.edges?.add ?? []);
  const resolved: GraphDocument = {
    format: GRAPH_FORMAT,
    schemaVersion: GRAPH_SCHEMA_VERSION,
    name: variant.name,
    nodes,
    edges,
  };
  if (variant.id) resolved.id = variant.id;
  const description = variant.description ?? template.description;
  if (description) resolved.description = description;
  const inputs = mergePatch(template.inputs ?? {}, overrides.inputs ?? {}) as Record<string, GraphInput>;
  if (Object.keys(inputs).length > 0) resolved.inputs = inputs;
  const outputs = mergePatch(template.outputs ?? {}, overrides.outputs ?? {}) as Record<string, PortRef>;
  if (Object.keys(outputs).length > 0) resolved.outputs = outputs;
  const settings = mergePatch(template.settings ?? {}, overrides.settings ?? {}) as GraphSettings;
  if (Object.keys(settings).length > 0) resolved.settings = settings;
  return resolved;
}
