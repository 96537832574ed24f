/**
 * Pure operations on graph documents, used by the editor's store. Every
 * function returns a new document and leaves its argument untouched; nodes
 * and edges that do not change keep their identity (the canvas reuses their
 * views). No React, no DOM: unit-tested in node (tests/editor-document-ops.test.ts).
 */
import {
  GRAPH_FORMAT,
  GRAPH_INPUT_NODE,
  GRAPH_SCHEMA_VERSION,
  checkCompatibility,
  checkSchema,
  isPortTypeName,
  parseRef,
  portValueSchema,
  type GraphDocument,
  type GraphEdge,
  type GraphInput,
  type GraphNode,
  type JsonSchema,
  type NodeDescription,
  type NodeRegistry,
  type NodeSettings,
  type PortSpec,
} from '../../../runtime/contract/index.js';

export type Registry = NodeRegistry<NodeDescription>;
export type Position = { x: number; y: number };

export type PortView = PortSpec & {
  /** Not declared by the node type: derived from an edge. */
  derived?: boolean;
};

/** Id of the canvas node that shows the graph's named outputs (not part of the document). */
export const GRAPH_OUTPUT_NODE = '$output';

export const edgeId = (edge: GraphEdge): string => `${edge.from}->${edge.to}`;

export function emptyDocument(name = 'untitled'): GraphDocument {
  return { format: GRAPH_FORMAT, schemaVersion: GRAPH_SCHEMA_VERSION, name, nodes: [], edges: [] };
}

// ─── ids ────────────────────────────────────────────────────────────────────

/**
 * A readable id from a node type: `voice.tts` → `voice-tts`,
 * `text.format-each` → `text-format-each` (the whole type, so a cast and a
 * voice are not both called `voice`).
 */
export function nodeIdBase(type: string): string {
  const clean = type
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  if (clean === '') return 'node';
  return /^[A-Za-z_]/.test(clean) ? clean : `n-${clean}`;
}

/**
 * `base`, else `base_2`, `base_3`, … — the first id not in `taken` (`-` as
 * the separator for node ids). A taken `base_2` whose stem `base` is taken
 * too counts on from the stem (`base_3`, not `base_2_2`).
 */
export function uniqueId(taken: ReadonlySet<string>, base: string, separator = '_'): string {
  const name = base || 'node';
  if (!taken.has(name)) return name;
  const numbered = /^(.+?)[-_](\d+)$/.exec(name);
  const stem = numbered && taken.has(numbered[1] as string) ? (numbered[1] as string) : name;
  for (let n = 2; ; n += 1) {
    const id = `${stem}${separator}${n}`;
    if (!taken.has(id)) return id;
  }
}

/** A free node id from `base`: `voice-tts`, else `voice-tts-2`, `voice-tts-3`, … */
export const uniqueNodeId = (taken: ReadonlySet<string>, base: string): string => uniqueId(taken, base, '-');

const idsOf = (doc: GraphDocument): Set<string> => new Set([GRAPH_INPUT_NODE, GRAPH_OUTPUT_NODE, ...doc.nodes.map((node) => node.id)]);

// ─── params ─────────────────────────────────────────────────────────────────

/**
 * The defaults a params schema declares (top-level properties, and nested
 * objects' properties). Written here rather than with ajv's `useDefaults`:
 * ajv compiles code with `new Function`, which the server's CSP forbids.
 */
export function schemaDefaults(schema: JsonSchema | undefined): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const properties = (schema?.properties ?? {}) as Record<string, JsonSchema>;
  for (const [key, property] of Object.entries(properties)) {
    if (typeof property !== 'object' || property === null) continue;
    if ('default' in property) result[key] = structuredClone(property.default);
    else if (property.type === 'object' && property.properties) {
      const nested = schemaDefaults(property);
      if (Object.keys(nested).length > 0) result[key] = nested;
    }
  }
  return result;
}

/** Shallow merge; keys set to `undefined` are removed (a cleared form field). */
function mergeDefined<T extends object>(base: T | undefined, patch: Partial<T>): T {
  const merged: Record<string, unknown> = { ...(base ?? {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete merged[key];
    else merged[key] = value;
  }
  return merged as T;
}

/** A one-line summary of a node's key params for its card, e.g. `provider: elevenlabs · voice: kal`. */
export function summarizeParams(node: Pick<GraphNode, 'params'>, description?: Pick<NodeDescription, 'params'>, max = 3): string {
  const order = Object.keys((description?.params?.properties ?? {}) as Record<string, unknown>);
  const keys = [...order.filter((key) => key in node.params), ...Object.keys(node.params).filter((key) => !order.includes(key))];
  const parts: string[] = [];
  for (const key of keys) {
    const value = node.params[key];
    let text: string;
    if (typeof value === 'string') text = value.length > 28 ? `${value.slice(0, 27)}…` : value;
    else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
    else if (Array.isArray(value)) text = `[${value.length}]`;
    else continue;
    if (text === '') continue;
    parts.push(`${key}: ${text.replace(/\s+/g, ' ')}`);
    if (parts.length >= max) break;
  }
  return parts.join(' · ');
}

// ─── nodes ──────────────────────────────────────────────────────────────────

export function addNode(doc: GraphDocument, description: NodeDescription, position: Position, id?: string): { doc: GraphDocument; id: string } {
  const nodeId = id && !idsOf(doc).has(id) ? id : uniqueNodeId(idsOf(doc), nodeIdBase(description.type));
  const node: GraphNode = {
    id: nodeId,
    type: description.type,
    typeVersion: description.version,
    position: { x: Math.round(position.x), y: Math.round(position.y) },
    params: schemaDefaults(description.params),
  };
  return { doc: { ...doc, nodes: [...doc.nodes, node] }, id: nodeId };
}

/**
 * Removes the nodes and edges named in `ids` (edge ids are `from->to`), every
 * edge touching a removed node, and named outputs that read from one.
 */
export function removeItems(doc: GraphDocument, ids: Iterable<string>): GraphDocument {
  const remove = new Set(ids);
  // The synthetic canvas nodes are not removable: dropping `$input` must not drop every edge from a graph input.
  remove.delete(GRAPH_INPUT_NODE);
  remove.delete(GRAPH_OUTPUT_NODE);
  const filtered = doc.nodes.filter((node) => !remove.has(node.id));
  const nodes = filtered.length === doc.nodes.length ? doc.nodes : filtered;
  const edges = doc.edges.filter((edge) => !remove.has(edgeId(edge)) && !remove.has(parseRef(edge.from).node) && !remove.has(parseRef(edge.to).node));
  let outputs = doc.outputs;
  if (outputs) {
    const kept = Object.entries(outputs).filter(([name, ref]) => !remove.has(parseRef(ref).node) && !remove.has(`${ref}->${GRAPH_OUTPUT_NODE}.${name}`));
    if (kept.length !== Object.keys(outputs).length) outputs = Object.fromEntries(kept);
  }
  if (nodes.length === doc.nodes.length && edges.length === doc.edges.length && outputs === doc.outputs) return doc;
  const next: GraphDocument = { ...doc, nodes, edges };
  if (outputs) next.outputs = outputs;
  return next;
}

function mapNode(doc: GraphDocument, nodeId: string, update: (node: GraphNode) => GraphNode): GraphDocument {
  let changed = false;
  const nodes = doc.nodes.map((node) => {
    if (node.id !== nodeId) return node;
    changed = true;
    return update(node);
  });
  return changed ? { ...doc, nodes } : doc;
}

/** Merges `params` into the node's params; a key set to `undefined` is removed. */
export function updateParams(doc: GraphDocument, nodeId: string, params: Record<string, unknown>): GraphDocument {
  return mapNode(doc, nodeId, (node) => ({ ...node, params: mergeDefined(node.params, params) }));
}

/** Merges `settings` into the node's settings; `undefined` removes a key, an empty result removes `settings`. */
export function updateSettings(doc: GraphDocument, nodeId: string, settings: Partial<NodeSettings>): GraphDocument {
  return mapNode(doc, nodeId, (node) => {
    const merged = mergeDefined(node.settings, settings);
    const { settings: _old, ...rest } = node;
    return Object.keys(merged).length > 0 ? { ...rest, settings: merged } : rest;
  });
}

/** Title and notes of a node; an empty string removes them. */
export function updateNodeMeta(doc: GraphDocument, nodeId: string, meta: { title?: string; notes?: string }): GraphDocument {
  return mapNode(doc, nodeId, (node) => {
    const next: GraphNode = { ...node };
    for (const key of ['title', 'notes'] as const) {
      if (!(key in meta)) continue;
      const value = meta[key];
      if (value) next[key] = value;
      else delete next[key];
    }
    return next;
  });
}

export function moveNodes(doc: GraphDocument, positions: Record<string, Position>): GraphDocument {
  let changed = false;
  const nodes = doc.nodes.map((node) => {
    const position = positions[node.id];
    if (!position) return node;
    const x = Math.round(position.x);
    const y = Math.round(position.y);
    if (x === node.position.x && y === node.position.y) return node;
    changed = true;
    return { ...node, position: { x, y } };
  });
  return changed ? { ...doc, nodes } : doc;
}

// ─── ports and edges ────────────────────────────────────────────────────────

function addDerived(ports: PortView[], name: string): void {
  if (!ports.some((port) => port.name === name)) ports.push({ name, type: 'Any', derived: true, optional: true });
}

/** The declared inputs of the graph, as the output ports of the `$input` node. */
export function graphInputPorts(doc: GraphDocument): PortView[] {
  return Object.entries(doc.inputs ?? {}).map(([name, input]) => {
    const port: PortView = { name, type: isPortTypeName(input.type) ? input.type : 'Any' };
    if (input.list) port.list = true;
    if (input.title) port.title = input.title;
    if (input.description) port.description = input.description;
    return port;
  });
}

/**
 * A node's ports: its type's (the exact version, else the latest), plus ports
 * its edges use that no description declares (drawn as `Any`).
 */
export function resolvePorts(doc: GraphDocument, registry: Registry | undefined, nodeId: string): { inputs: PortView[]; outputs: PortView[]; known: boolean } | undefined {
  let inputs: PortView[];
  let outputs: PortView[];
  let known = true;
  if (nodeId === GRAPH_INPUT_NODE) {
    inputs = [];
    outputs = graphInputPorts(doc);
  } else {
    const node = doc.nodes.find((n) => n.id === nodeId);
    if (!node) return undefined;
    const description = registry?.get(node.type, node.typeVersion) ?? registry?.latest(node.type);
    known = Boolean(description);
    inputs = description?.inputs.map((port) => ({ ...port })) ?? [];
    outputs = description?.outputs.map((port) => ({ ...port })) ?? [];
  }
  for (const edge of doc.edges) {
    const from = parseRef(edge.from);
    const to = parseRef(edge.to);
    if (from.node === nodeId) addDerived(outputs, from.port);
    if (to.node === nodeId) addDerived(inputs, to.port);
  }
  for (const ref of Object.values(doc.outputs ?? {})) {
    const source = parseRef(ref);
    if (source.node === nodeId) addDerived(outputs, source.port);
  }
  return { inputs, outputs, known };
}

export type EdgeCheck =
  | { ok: true; edge: GraphEdge; replaces: GraphEdge[]; /** A single value will be wrapped into a one-element list. */ wrap: boolean }
  | { ok: false; reason: string };

/** Is `goal` downstream of `start` along the edges? */
export function reaches(edges: GraphEdge[], start: string, goal: string): boolean {
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    const from = parseRef(edge.from).node;
    const list = next.get(from) ?? [];
    list.push(parseRef(edge.to).node);
    next.set(from, list);
  }
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (id === goal) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(next.get(id) ?? []));
  }
  return false;
}

/** May `from` (`node.port`, or `$input.name`) feed `to` (`node.port`)? Says why not. */
export function checkEdge(doc: GraphDocument, registry: Registry | undefined, from: string, to: string): EdgeCheck {
  const source = parseRef(from);
  const target = parseRef(to);
  if (!from.includes('.') || !to.includes('.')) return { ok: false, reason: 'ports are written "node.port"' };
  if (target.node === GRAPH_OUTPUT_NODE) return { ok: false, reason: 'graph outputs are edited in the Graph panel' };
  if (target.node === GRAPH_INPUT_NODE) return { ok: false, reason: 'graph inputs cannot be fed; connect an output (right) to an input (left)' };
  if (source.node === target.node) return { ok: false, reason: `${from} → ${to}: a node cannot feed itself` };
  const sourcePorts = resolvePorts(doc, registry, source.node);
  const targetPorts = resolvePorts(doc, registry, target.node);
  if (!sourcePorts) return { ok: false, reason: `there is no node "${source.node}"` };
  if (!targetPorts) return { ok: false, reason: `there is no node "${target.node}"` };
  const sourcePort = sourcePorts.outputs.find((port) => port.name === source.port);
  const targetPort = targetPorts.inputs.find((port) => port.name === target.port);
  if (!sourcePort) return { ok: false, reason: `${source.node} has no output "${source.port}"` };
  if (!targetPort) return { ok: false, reason: `${target.node} has no input "${target.port}"` };

  const compatibility = checkCompatibility(sourcePort, targetPort);
  if (!compatibility.ok) return { ok: false, reason: `${from} → ${to}: ${compatibility.reason}` };
  if (doc.edges.some((e) => e.from === from && e.to === to)) return { ok: false, reason: `${from} → ${to} is already connected` };
  if (source.node !== GRAPH_INPUT_NODE && reaches(doc.edges, target.node, source.node)) return { ok: false, reason: `${from} → ${to} would create a cycle` };

  // A single input takes one edge: the new one replaces the old. (Derived ports of unknown types might be lists: keep both.)
  const replaces = targetPort.list || targetPort.derived ? [] : doc.edges.filter((e) => e.to === to);
  return { ok: true, edge: { from, to }, replaces, wrap: compatibility.wrap };
}

/** Adds a checked edge, dropping the edges it replaces. */
export function applyEdge(doc: GraphDocument, check: Extract<EdgeCheck, { ok: true }>): GraphDocument {
  const replaced = new Set(check.replaces.map(edgeId));
  return { ...doc, edges: [...doc.edges.filter((edge) => !replaced.has(edgeId(edge))), check.edge] };
}

export function removeEdge(doc: GraphDocument, id: string): GraphDocument {
  return removeItems(doc, [id]);
}

// ─── clipboard ──────────────────────────────────────────────────────────────

export interface Clipboard {
  nodes: GraphNode[];
  /** Edges between copied nodes. */
  edges: GraphEdge[];
  /** Edges from nodes outside the copy (or graph inputs) into it: pasted only "with links". */
  links: GraphEdge[];
  /** Paste keeps the links by default. */
  withLinks: boolean;
}

export function copyItems(doc: GraphDocument, ids: Iterable<string>, withLinks = false): Clipboard | undefined {
  const selected = new Set(ids);
  const nodes = doc.nodes.filter((node) => selected.has(node.id));
  if (nodes.length === 0) return undefined;
  const inside = new Set(nodes.map((node) => node.id));
  const edges: GraphEdge[] = [];
  const links: GraphEdge[] = [];
  for (const edge of doc.edges) {
    const from = parseRef(edge.from).node;
    const to = parseRef(edge.to).node;
    if (inside.has(from) && inside.has(to)) edges.push(edge);
    else if (inside.has(to)) links.push(edge);
  }
  return structuredClone({ nodes, edges, links, withLinks });
}

/** Gap between a pasted group and what it would otherwise cover. */
const PASTE_GAP = 40;
/** A card's size when nothing better is known: generous, so a pasted copy rather clears its original than touches it. */
const PASTE_CARD = { width: 300, height: 220 };

type Box = { x: number; y: number; width: number; height: number };
const overlaps = (a: Box, b: Box): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/**
 * Where a pasted group goes: `offset` from where it was copied, moved further
 * down by the group's height (plus a gap) until no pasted card covers a card
 * already there. So a paste lands beside its original, and each further
 * paste below the previous one, never on top.
 */
export function freePasteOffset(doc: GraphDocument, nodes: readonly GraphNode[], offset: Position, sizeOf: (node: GraphNode) => Size = () => PASTE_CARD): Position {
  if (nodes.length === 0) return offset;
  const boxes = nodes.map((node) => ({ ...node.position, ...sizeOf(node) }));
  const top = Math.min(...boxes.map((box) => box.y));
  const bottom = Math.max(...boxes.map((box) => box.y + box.height));
  const step = bottom - top + PASTE_GAP;
  const existing = doc.nodes.map((node) => ({ ...node.position, ...sizeOf(node) }));
  for (let tries = 0; tries < 200; tries += 1) {
    const dy = offset.y + tries * step;
    const clear = boxes.every((box) => existing.every((other) => !overlaps({ ...box, x: box.x + offset.x, y: box.y + dy }, other)));
    if (clear) return { x: offset.x, y: dy };
  }
  return { x: offset.x, y: offset.y + 200 * step };
}

/**
 * Pastes a clipboard: fresh readable ids (`voice-tts` → `voice-tts-2`),
 * positions moved by `offset` and then down until the copies cover no card
 * (see freePasteOffset; `registry` sizes the cards), inner edges re-wired to
 * the copies; with links, the copies also get the incoming edges from nodes
 * that still exist.
 */
export function pasteItems(
  doc: GraphDocument,
  clipboard: Clipboard,
  options: { withLinks?: boolean; offset?: Position; registry?: Registry } = {},
): { doc: GraphDocument; ids: string[] } {
  const withLinks = options.withLinks ?? clipboard.withLinks;
  const sizeOf = (node: GraphNode): Size => {
    const described = options.registry?.get(node.type, node.typeVersion) ?? options.registry?.latest(node.type);
    return described ? pasteCardSize(options.registry, node) : PASTE_CARD;
  };
  const offset = freePasteOffset(doc, clipboard.nodes, options.offset ?? { x: PASTE_GAP, y: PASTE_GAP }, sizeOf);
  const taken = idsOf(doc);
  const rename = new Map<string, string>();
  const nodes: GraphNode[] = clipboard.nodes.map((node) => {
    const id = uniqueNodeId(taken, node.id);
    taken.add(id);
    rename.set(node.id, id);
    return { ...structuredClone(node), id, position: { x: Math.round(node.position.x + offset.x), y: Math.round(node.position.y + offset.y) } };
  });
  const remap = (ref: string): string => {
    const { node, port } = parseRef(ref);
    return `${rename.get(node) ?? node}.${port}`;
  };
  const edges: GraphEdge[] = clipboard.edges.map((edge) => ({ from: remap(edge.from), to: remap(edge.to) }));
  if (withLinks) {
    const existing = new Set(doc.nodes.map((node) => node.id));
    const inputs = new Set(Object.keys(doc.inputs ?? {}));
    for (const link of clipboard.links) {
      const from = parseRef(link.from);
      const live = from.node === GRAPH_INPUT_NODE ? inputs.has(from.port) : existing.has(from.node);
      if (live) edges.push({ from: link.from, to: remap(link.to) });
    }
  }
  return { doc: { ...doc, nodes: [...doc.nodes, ...nodes], edges: [...doc.edges, ...edges] }, ids: nodes.map((node) => node.id) };
}

// ─── layout ─────────────────────────────────────────────────────────────────

export type Size = { width: number; height: number };

/** A described card's size for placing pastes: as drawn (graph.ts's cardSize), plus the header rows a summary adds. */
function pasteCardSize(registry: Registry | undefined, node: GraphNode): Size {
  const description = registry?.get(node.type, node.typeVersion) ?? registry?.latest(node.type);
  const rows = Math.max(description?.inputs.length ?? 1, description?.outputs.length ?? 1, 1);
  return { width: 300, height: 90 + rows * 22 };
}

/** Roughly the card's size when the canvas has not measured it. */
export function estimateNodeSize(registry: Registry | undefined, node: GraphNode): Size {
  const description = registry?.get(node.type, node.typeVersion) ?? registry?.latest(node.type);
  const rows = Math.max(description?.inputs.length ?? 1, description?.outputs.length ?? 1, 1);
  return { width: 240, height: 70 + rows * 22 };
}

// ─── graph inputs and outputs ───────────────────────────────────────────────

/**
 * Names of graph inputs. The contract's identifier would allow `-`, but an
 * input is read by edges as `$input.<name>`, whose port part may not hold
 * one: so the port-name pattern, which every `$input.<name>` ref accepts.
 */
export const GRAPH_INPUT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Names of graph outputs: the contract's identifier. */
export const GRAPH_OUTPUT_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Why `name` cannot name a graph input (or output), or undefined when it can. `current` is the name being edited. */
export function graphIoNameProblem(doc: GraphDocument, kind: 'input' | 'output', name: string, current?: string): string | undefined {
  if (name === '') return `the ${kind} needs a name`;
  const pattern = kind === 'input' ? GRAPH_INPUT_NAME : GRAPH_OUTPUT_NAME;
  if (!pattern.test(name)) {
    return kind === 'input'
      ? `"${name}" is not a valid input name: a letter or _, then letters, digits or _`
      : `"${name}" is not a valid output name: a letter or _, then letters, digits, _ or -`;
  }
  if (name.length > 64) return 'names have at most 64 characters';
  const taken = Object.keys((kind === 'input' ? doc.inputs : doc.outputs) ?? {});
  if (name !== current && taken.includes(name)) return `there is already a graph ${kind} "${name}"`;
  return undefined;
}

/** The JSON Schema a graph input's values (and its default) must match: its port type's, as a list when `list`. */
export function graphInputSchema(input: Pick<GraphInput, 'type' | 'list'>): JsonSchema {
  // A type this editor does not know takes any value, as `Any` does.
  return portValueSchema(isPortTypeName(input.type) ? input.type : 'Any', input.list);
}

/**
 * Problems of an input's default against its type's schema, checked with
 * ajv exactly as the runtime checks it (INVALID_INPUT_DEFAULT); [] when it
 * fits or there is none.
 */
export function graphInputDefaultProblems(input: GraphInput): string[] {
  if (input.default === undefined) return [];
  return checkSchema(graphInputSchema(input), input.default).map((issue) => `default${issue.pointer ? ` ${issue.pointer}` : ''} ${issue.message}`);
}

/** Edges that read graph input `name`. */
export function graphInputUses(doc: GraphDocument, name: string): GraphEdge[] {
  const ref = `${GRAPH_INPUT_NODE}.${name}`;
  return doc.edges.filter((edge) => edge.from === ref);
}

/** The document with `inputs` (or `outputs`) replaced; an empty map is dropped from the document. */
function withIo<K extends 'inputs' | 'outputs'>(doc: GraphDocument, key: K, map: NonNullable<GraphDocument[K]>, edges = doc.edges): GraphDocument {
  const next: GraphDocument = { ...doc, edges };
  if (Object.keys(map).length > 0) next[key] = map;
  else delete next[key];
  return next;
}

/** `map` with `name` set to `value`, in the place of `previous ?? name` (else at the end); another entry called `name` is replaced. */
function putEntry<T>(map: Record<string, T>, name: string, value: T, previous?: string): Record<string, T> {
  const result: Record<string, T> = {};
  const target = previous ?? name;
  let placed = false;
  for (const [key, old] of Object.entries(map)) {
    if (key === target) {
      result[name] = value;
      placed = true;
    } else if (key !== name) result[key] = old;
  }
  if (!placed) result[name] = value;
  return result;
}

/**
 * Adds or replaces graph input `name`. With `previous` (the name it had) the
 * input is renamed in place (its position in the map kept) and the edges
 * reading `$input.<previous>` follow it.
 */
export function setGraphInput(doc: GraphDocument, name: string, input: GraphInput, previous?: string): GraphDocument {
  const clean = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as unknown as GraphInput;
  let edges = doc.edges;
  if (previous !== undefined && previous !== name) {
    const from = `${GRAPH_INPUT_NODE}.${previous}`;
    if (edges.some((edge) => edge.from === from)) edges = edges.map((edge) => (edge.from === from ? { ...edge, from: `${GRAPH_INPUT_NODE}.${name}` } : edge));
  }
  return withIo(doc, 'inputs', putEntry(doc.inputs ?? {}, name, clean, previous), edges);
}

/** Removes graph input `name` and every edge that reads it. */
export function removeGraphInput(doc: GraphDocument, name: string): GraphDocument {
  if (!doc.inputs || !(name in doc.inputs)) return doc;
  const { [name]: _removed, ...inputs } = doc.inputs;
  const ref = `${GRAPH_INPUT_NODE}.${name}`;
  return withIo(doc, 'inputs', inputs, doc.edges.filter((edge) => edge.from !== ref));
}

/** Sets graph output `name` to `ref` (`node.port`); with `previous`, renames that output in place. */
export function setGraphOutput(doc: GraphDocument, name: string, ref: string, previous?: string): GraphDocument {
  return withIo(doc, 'outputs', putEntry(doc.outputs ?? {}, name, ref, previous));
}

export function removeGraphOutput(doc: GraphDocument, name: string): GraphDocument {
  if (!doc.outputs || !(name in doc.outputs)) return doc;
  const { [name]: _removed, ...outputs } = doc.outputs;
  return withIo(doc, 'outputs', outputs);
}

/** The output ports of the document's nodes (declared, or derived from edges), as `node.port` choices for a graph output. */
export function outputPortChoices(doc: GraphDocument, registry: Registry | undefined): Array<{ ref: string; node: GraphNode; port: PortView }> {
  const choices: Array<{ ref: string; node: GraphNode; port: PortView }> = [];
  for (const node of doc.nodes) {
    for (const port of resolvePorts(doc, registry, node.id)?.outputs ?? []) choices.push({ ref: `${node.id}.${port.name}`, node, port });
  }
  return choices;
}

/** A free name for a graph input or output, from `base` (a port name): `clips`, else `clips_2`, … */
function freeIoName(taken: Iterable<string>, base: string, pattern: RegExp): string {
  let stem = base.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(stem)) stem = `_${stem}`;
  if (!pattern.test(stem)) stem = 'value';
  return uniqueId(new Set(taken), stem.slice(0, 60));
}

export type ExposeResult = { ok: true; doc: GraphDocument; name: string } | { ok: false; reason: string };

/**
 * "Expose as graph input": a new graph input of the port's type (a list when
 * the port takes a list; required unless the port is optional), named after
 * the port (unique), and the edge `$input.<name>` → `node.port`.
 */
export function exposeInput(doc: GraphDocument, registry: Registry | undefined, nodeId: string, portName: string): ExposeResult {
  const ports = resolvePorts(doc, registry, nodeId);
  if (!ports || nodeId === GRAPH_INPUT_NODE) return { ok: false, reason: `there is no node "${nodeId}"` };
  const port = ports.inputs.find((candidate) => candidate.name === portName);
  if (!port) return { ok: false, reason: `${nodeId} has no input "${portName}"` };
  const name = freeIoName(Object.keys(doc.inputs ?? {}), port.name, GRAPH_INPUT_NAME);
  const input: GraphInput = { type: isPortTypeName(port.type) ? port.type : 'Any' };
  if (port.list) input.list = true;
  if (!port.optional) input.required = true;
  // A title that only capitalises the name would hide the name in the Run panel.
  if (port.title && port.title.toLowerCase() !== port.name.toLowerCase()) input.title = port.title;
  if (port.description) input.description = port.description;
  const added = setGraphInput(doc, name, input);
  const check = checkEdge(added, registry, `${GRAPH_INPUT_NODE}.${name}`, `${nodeId}.${port.name}`);
  if (!check.ok) return check;
  return { ok: true, doc: applyEdge(added, check), name };
}

/**
 * "Expose as graph output": `outputs[name] = node.port`, named after the
 * port (unique). A port already exposed keeps its output: the document is
 * returned unchanged with that output's name.
 */
export function exposeOutput(doc: GraphDocument, registry: Registry | undefined, nodeId: string, portName: string): ExposeResult {
  const ports = resolvePorts(doc, registry, nodeId);
  if (!ports || nodeId === GRAPH_INPUT_NODE) return { ok: false, reason: `there is no node "${nodeId}"` };
  if (!ports.outputs.some((candidate) => candidate.name === portName)) return { ok: false, reason: `${nodeId} has no output "${portName}"` };
  const ref = `${nodeId}.${portName}`;
  const existing = Object.entries(doc.outputs ?? {}).find(([, value]) => value === ref);
  if (existing) return { ok: true, doc, name: existing[0] };
  const name = freeIoName(Object.keys(doc.outputs ?? {}), portName, GRAPH_OUTPUT_NAME);
  return { ok: true, doc: setGraphOutput(doc, name, ref), name };
}
