/**
 * The graph document: a versioned JSON format, its JSON Schema, and the
 * resolution of series variants (`extends` + `overrides`) into full graphs.
 */
import { jsonSchema, type JsonSchema } from './json-schema.js';
import type { PortTypeName } from './ports.js';
import { portTypeNames } from './ports.js';
import { DEFAULT_MAX_RETRY_DELAY_MS } from './node.js';
import { Type, type Static, type TSchema } from './typebox.js';

export const GRAPH_FORMAT = 'reelgraph/graph';
export const GRAPH_SCHEMA_VERSION = 1;

const identifier = '^[A-Za-z_][A-Za-z0-9_-]*$';
const portRef = '^[A-Za-z_][A-Za-z0-9_-]*\\.[A-Za-z_][A-Za-z0-9_]*$';
const sourceRef = '^(\\$input|[A-Za-z_][A-Za-z0-9_-]*)\\.[A-Za-z_][A-Za-z0-9_]*$';

/**
 * A map whose keys are identifiers, published as `propertyNames` +
 * `additionalProperties` (TypeBox's Record would publish `patternProperties`,
 * and the validator's messages name the key that way).
 */
const identifierMap = <T extends TSchema>(value: T) =>
  Type.Unsafe<Record<string, Static<T>>>({ type: 'object', propertyNames: { pattern: identifier }, additionalProperties: value });
/** A JSON Merge Patch entry: the value, or null to remove it. */
const orNull = <T>(schema: JsonSchema) => Type.Unsafe<T | null>({ anyOf: [{ type: 'null' }, schema] });
const closed = { additionalProperties: false } as const;

export const nodeSettings = Type.Object(
  {
    retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 20, description: "attempts after the first; overrides the node type's default" })),
    retryDelayMs: Type.Optional(Type.Integer({ minimum: 0 })),
    maxRetryDelayMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        default: DEFAULT_MAX_RETRY_DELAY_MS,
        description:
          'Longest wait before a retry this node accepts, in ms. A provider asking for more (e.g. a 429 with Retry-After: 3600) fails the item at once as a transient failure, so a control.fallback moves on to the next provider.',
      }),
    ),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    alwaysRun: Type.Optional(Type.Boolean({ description: 'never reuse a cached result for this node' })),
  },
  closed,
);
export type NodeSettings = Static<typeof nodeSettings>;

const nodeProperties = {
  id: Type.String({ pattern: identifier, maxLength: 64 }),
  type: Type.String({ pattern: '^[a-z][a-z0-9]*(\\.[a-z][a-z0-9-]*)+$' }),
  typeVersion: Type.Integer({ minimum: 1 }),
  position: Type.Object({ x: Type.Number(), y: Type.Number() }, closed),
  params: Type.Unsafe<Record<string, unknown>>({ type: 'object' }),
  title: Type.Optional(Type.String({ maxLength: 200 })),
  notes: Type.Optional(Type.String()),
  settings: Type.Optional(nodeSettings),
};
export const graphNode = Type.Object(nodeProperties, closed);
export type GraphNode = Static<typeof graphNode>;

/** `node.port`, or `$input.name` for a graph input (source side only). */
export type PortRef = string;

export const graphEdge = Type.Object({ from: Type.String({ pattern: sourceRef }), to: Type.String({ pattern: portRef }) }, closed);
export type GraphEdge = Static<typeof graphEdge>;

export const graphInput = Type.Object(
  {
    type: Type.Unsafe<PortTypeName>({ enum: portTypeNames }),
    list: Type.Optional(Type.Boolean()),
    required: Type.Optional(Type.Boolean()),
    default: Type.Optional(Type.Unknown()),
    title: Type.Optional(Type.String()),
    description: Type.Optional(Type.String()),
  },
  closed,
);
export type GraphInput = Static<typeof graphInput>;

/**
 * Settings of the whole graph. Each (but the budget, which the runtime reads)
 * fills the node param of the same name on every node that takes it and
 * leaves it unset (see graph-settings.ts): one place to switch a series
 * between 1080p, a 720p preview and 9:16.
 */
const graphSettingProperties = {
  profile: Type.Optional(
    Type.String({
      minLength: 1,
      title: 'Render profile',
      description:
        "Render profile of every node that takes a `profile` param and does not set its own (e.g. youtube-1080p, preview-720p, shorts-1080x1920). Validation checks it against those nodes' allowed profiles.",
    }),
  ),
  // Not a node param: the runtime reads it (a paid request that would cross it is not sent).
  budgetUsdPerDay: Type.Optional(
    Type.Number({
      minimum: 0,
      title: 'Daily budget (USD)',
      description: "The most this graph's runs together may spend on paid providers per UTC day, at list price. A paid request that would cross it is not sent; its item fails naming the budget.",
    }),
  ),
};
export const graphSettings = Type.Object(graphSettingProperties, closed);
export type GraphSettings = Static<typeof graphSettings>;

/** Merge patch of the settings: each setting, or null to remove it (the nodes' own defaults apply again). */
const graphSettingsPatch = Type.Unsafe<{ [K in keyof GraphSettings]?: GraphSettings[K] | null }>({
  type: 'object',
  ...closed,
  properties: Object.fromEntries(Object.entries(graphSettingProperties).map(([name, schema]) => [name, { anyOf: [{ type: 'null' }, schema] }])),
});

const outputsMap = identifierMap(Type.String({ pattern: portRef }));

/** A graph's id: also what the API takes for a stored graph. */
export const graphId = Type.String({ pattern: identifier, maxLength: 64 });

const header = {
  $schema: Type.Optional(Type.String()),
  format: Type.Unsafe<typeof GRAPH_FORMAT>({ const: GRAPH_FORMAT }),
  schemaVersion: Type.Unsafe<number>({ const: GRAPH_SCHEMA_VERSION }),
  id: Type.Optional(graphId),
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String()),
};

/** JSON Schema of a full graph. */
export const graphDocument = Type.Object(
  {
    ...header,
    inputs: Type.Optional(identifierMap(graphInput)),
    /** Named results of a run: `name → node.port`. */
    outputs: Type.Optional(outputsMap),
    /** Graph-wide values for node params (a node's own value wins). */
    settings: Type.Optional(graphSettings),
    nodes: Type.Array(graphNode),
    edges: Type.Array(graphEdge),
  },
  { $id: 'https://reelgraph.dev/schema/graph-1.json', title: 'reelgraph graph', ...closed },
);
export type GraphDocument = Static<typeof graphDocument>;

export const graphOverrides = Type.Object(
  {
    settings: Type.Optional(graphSettingsPatch),
    /** JSON Merge Patch per node id: an object patches (or adds) a node, null removes it. */
    nodes: Type.Optional(identifierMap(orNull<Partial<GraphNode>>({ type: 'object', ...closed, properties: nodeProperties }))),
    edges: Type.Optional(Type.Object({ add: Type.Optional(Type.Array(graphEdge)), remove: Type.Optional(Type.Array(graphEdge)) }, closed)),
    /** JSON Merge Patch of the inputs map. */
    inputs: Type.Optional(Type.Unsafe<Record<string, Partial<GraphInput> | null>>({ type: 'object', additionalProperties: { anyOf: [{ type: 'null' }, { type: 'object' }] } })),
    outputs: Type.Optional(Type.Unsafe<Record<string, PortRef | null>>({ type: 'object', additionalProperties: { anyOf: [{ type: 'null' }, { type: 'string', pattern: portRef }] } })),
  },
  closed,
);
export type GraphOverrides = Static<typeof graphOverrides>;

/** A series variant: a template reference plus what differs from it. */
export const graphVariant = Type.Object(
  {
    ...header,
    /** Path (relative to this file) or stored graph id of the template. */
    extends: Type.String({ minLength: 1 }),
    overrides: graphOverrides,
  },
  { $id: 'https://reelgraph.dev/schema/graph-variant-1.json', title: 'reelgraph graph variant', ...closed },
);
export type GraphVariant = Static<typeof graphVariant>;

export type AnyGraphDocument = GraphDocument | GraphVariant;

export function isVariant(doc: AnyGraphDocument): doc is GraphVariant {
  return typeof (doc as GraphVariant).extends === 'string';
}

export const fullGraphSchema: JsonSchema = jsonSchema(graphDocument);
export const variantGraphSchema: JsonSchema = jsonSchema(graphVariant);

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

/**
 * A node and all its ancestors: what demanding it reaches, so what a partial
 * run up to it covers (the engine runs these; the editor shows the rest as
 * not in the run). Iterative, because graphs can be deeper than the call stack.
 */
export function demandedBy(graph: Pick<GraphDocument, 'edges'>, target: string): Set<string> {
  const sourcesOf = new Map<string, string[]>();
  for (const edge of graph.edges) {
    const from = parseRef(edge.from).node;
    if (from === GRAPH_INPUT_NODE) continue;
    const to = parseRef(edge.to).node;
    const sources = sourcesOf.get(to);
    if (sources) sources.push(from);
    else sourcesOf.set(to, [from]);
  }
  const demanded = new Set<string>([target]);
  const pending = [target];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const source of sourcesOf.get(next) ?? []) {
      if (demanded.has(source)) continue;
      demanded.add(source);
      pending.push(source);
    }
  }
  return demanded;
}

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
