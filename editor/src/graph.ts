/**
 * Graph document ⇄ React Flow. Pure functions, no React: nodes of the document
 * become `reelgraph` flow nodes whose handles are the node type's ports (or,
 * for types the editor does not know, ports derived from the edges); graph
 * inputs and outputs get a node of their own.
 */
import type { Edge, Node } from '@xyflow/react';
import {
  GRAPH_FORMAT,
  GRAPH_INPUT_NODE,
  checkCompatibility,
  isPortTypeName,
  isVariant,
  parseRef,
  portTypes,
  type AnyGraphDocument,
  type GraphDocument,
  type GraphEdge,
  type NodeCategory,
  type NodeDescription,
  type NodeRegistry,
  type PortSpec,
} from '../../runtime/contract/index.js';

/** Id of the flow node that shows the graph's named outputs. */
export const GRAPH_OUTPUT_NODE = '$output';

export type PortView = PortSpec & {
  /** Not declared by the node type: derived from an edge. */
  derived?: boolean;
};

export type GraphNodeData = {
  kind: 'node' | 'inputs' | 'outputs';
  title: string;
  /** `type@version`, or a short explanation for the synthetic nodes. */
  subtitle: string;
  inputs: PortView[];
  outputs: PortView[];
  /** The node type is described by the server. */
  known: boolean;
  category?: NodeCategory;
  description?: string;
  /** Why the node is drawn generically or with a different version. */
  warning?: string;
};

export type FlowNode = Node<GraphNodeData, 'reelgraph'>;
export type FlowEdge = Edge<{ from: string; to: string }>;

export const edgeId = (edge: GraphEdge): string => `${edge.from}->${edge.to}`;

export function portColor(port: Pick<PortSpec, 'type'>): string {
  return isPortTypeName(port.type) ? portTypes[port.type].color : portTypes.Any.color;
}

/** Parse a file's text into a graph document, or explain why it is not one. */
export function parseGraphDocument(text: string): { ok: true; doc: GraphDocument } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not a graph document (expected a JSON object)' };
  const doc = value as Partial<AnyGraphDocument>;
  if (doc.format !== GRAPH_FORMAT) return { ok: false, reason: `not a graph document (format is not "${GRAPH_FORMAT}")` };
  if (isVariant(doc as AnyGraphDocument)) {
    return { ok: false, reason: `this is a series variant (extends "${(doc as { extends: string }).extends}"); open its template, or resolve it with the CLI first` };
  }
  const full = doc as Partial<GraphDocument>;
  if (!Array.isArray(full.nodes) || !Array.isArray(full.edges)) return { ok: false, reason: 'graph document has no nodes/edges arrays' };
  for (const [index, node] of full.nodes.entries()) {
    if (typeof node !== 'object' || node === null || typeof node.id !== 'string' || typeof node.type !== 'string') {
      return { ok: false, reason: `/nodes/${index} is not a node (id and type are required)` };
    }
  }
  for (const [index, edge] of full.edges.entries()) {
    if (typeof edge !== 'object' || edge === null || typeof edge.from !== 'string' || typeof edge.to !== 'string' || !edge.from.includes('.') || !edge.to.includes('.')) {
      return { ok: false, reason: `/edges/${index} is not an edge ("from" and "to" must be "node.port")` };
    }
  }
  const nodes = full.nodes.map((node) => ({
    ...node,
    typeVersion: typeof node.typeVersion === 'number' ? node.typeVersion : 1,
    position: node.position && typeof node.position.x === 'number' && typeof node.position.y === 'number' ? node.position : { x: 0, y: 0 },
    params: node.params ?? {},
  }));
  return { ok: true, doc: { ...(full as GraphDocument), name: typeof full.name === 'string' ? full.name : 'untitled', nodes } };
}

function addDerived(ports: PortView[], name: string): void {
  if (!ports.some((port) => port.name === name)) ports.push({ name, type: 'Any', derived: true, optional: true });
}

function describe(doc: GraphDocument, registry: NodeRegistry<NodeDescription> | undefined, id: string, type: string, version: number): GraphNodeData {
  const exact = registry?.get(type, version);
  const description = exact ?? registry?.latest(type);
  const node = doc.nodes.find((n) => n.id === id);
  const title = node?.title ?? description?.title ?? id;
  if (!description) {
    return {
      kind: 'node',
      title,
      subtitle: `${type}@${version}`,
      inputs: [],
      outputs: [],
      known: false,
      warning: registry ? `unknown node type ${type}` : 'node types not loaded: ports derived from edges',
    };
  }
  const data: GraphNodeData = {
    kind: 'node',
    title,
    subtitle: `${type}@${version}`,
    inputs: description.inputs.map((port) => ({ ...port })),
    outputs: description.outputs.map((port) => ({ ...port })),
    known: true,
    category: description.category,
    description: description.description,
  };
  if (!exact) data.warning = `version ${version} unknown; ports of version ${description.version} shown`;
  return data;
}

/** Lay the synthetic input/output nodes out beside the document's nodes. */
function bounds(doc: GraphDocument): { minX: number; maxX: number; minY: number } {
  if (doc.nodes.length === 0) return { minX: 0, maxX: 0, minY: 0 };
  const xs = doc.nodes.map((n) => n.position.x);
  const ys = doc.nodes.map((n) => n.position.y);
  return { minX: Math.min(...xs), maxX: Math.max(...xs), minY: Math.min(...ys) };
}

/**
 * Flow nodes for a document. `previous` keeps what the user changed in the
 * canvas (positions, selection, measured sizes) across rebuilds.
 */
export function buildFlowNodes(doc: GraphDocument, registry: NodeRegistry<NodeDescription> | undefined, previous: FlowNode[] = []): FlowNode[] {
  const byId = new Map<string, GraphNodeData>();
  for (const node of doc.nodes) byId.set(node.id, describe(doc, registry, node.id, node.type, node.typeVersion));

  const inputs: PortView[] = Object.entries(doc.inputs ?? {}).map(([name, input]) => {
    const port: PortView = { name, type: isPortTypeName(input.type) ? input.type : 'Any' };
    if (input.list) port.list = true;
    if (input.title) port.title = input.title;
    if (input.description) port.description = input.description;
    return port;
  });

  // Ports the edges use but no description declares: draw them so the edges show.
  for (const edge of doc.edges) {
    const from = parseRef(edge.from);
    const to = parseRef(edge.to);
    if (from.node === GRAPH_INPUT_NODE) addDerived(inputs, from.port);
    else { const data = byId.get(from.node); if (data) addDerived(data.outputs, from.port); }
    const target = byId.get(to.node);
    if (target) addDerived(target.inputs, to.port);
  }

  const outputs: PortView[] = [];
  for (const [name, ref] of Object.entries(doc.outputs ?? {})) {
    const source = parseRef(ref);
    const data = byId.get(source.node);
    if (data) addDerived(data.outputs, source.port);
    const port = data?.outputs.find((p) => p.name === source.port);
    outputs.push({ name, type: port?.type ?? 'Any', ...(port?.list ? { list: true } : {}), description: ref });
  }

  const prev = new Map(previous.map((node) => [node.id, node]));
  const keep = (node: FlowNode): FlowNode => {
    const old = prev.get(node.id);
    if (!old) return node;
    const kept: FlowNode = { ...node, position: old.position };
    if (old.selected !== undefined) kept.selected = old.selected;
    if (old.measured) kept.measured = old.measured;
    return kept;
  };

  const box = bounds(doc);
  const result: FlowNode[] = [];
  if (inputs.length > 0) {
    result.push(
      keep({
        id: GRAPH_INPUT_NODE,
        type: 'reelgraph',
        position: { x: box.minX - 320, y: box.minY },
        deletable: false,
        data: { kind: 'inputs', title: 'Graph inputs', subtitle: '$input', inputs: [], outputs: inputs, known: true },
      }),
    );
  }
  for (const node of doc.nodes) {
    const data = byId.get(node.id);
    if (data) result.push(keep({ id: node.id, type: 'reelgraph', position: { ...node.position }, deletable: false, data }));
  }
  if (outputs.length > 0) {
    result.push(
      keep({
        id: GRAPH_OUTPUT_NODE,
        type: 'reelgraph',
        position: { x: box.maxX + 360, y: box.minY },
        deletable: false,
        data: { kind: 'outputs', title: 'Graph outputs', subtitle: 'named results', inputs: outputs, outputs: [], known: true },
      }),
    );
  }
  return result;
}

/** Flow edges: the document's edges plus one per named graph output. */
export function buildFlowEdges(doc: GraphDocument, nodes: FlowNode[], previous: FlowEdge[] = []): FlowEdge[] {
  const selected = new Set(previous.filter((edge) => edge.selected).map((edge) => edge.id));
  const colorOf = (ref: string): string => {
    const { node, port } = parseRef(ref);
    const spec = nodes.find((n) => n.id === node)?.data.outputs.find((p) => p.name === port);
    return spec ? portColor(spec) : portTypes.Any.color;
  };
  const edges: FlowEdge[] = doc.edges.map((edge) => {
    const from = parseRef(edge.from);
    const to = parseRef(edge.to);
    const id = edgeId(edge);
    return {
      id,
      source: from.node,
      sourceHandle: from.port,
      target: to.node,
      targetHandle: to.port,
      selected: selected.has(id),
      style: { stroke: colorOf(edge.from) },
      data: { from: edge.from, to: edge.to },
    };
  });
  for (const [name, ref] of Object.entries(doc.outputs ?? {})) {
    const from = parseRef(ref);
    edges.push({
      id: `${ref}->${GRAPH_OUTPUT_NODE}.${name}`,
      source: from.node,
      sourceHandle: from.port,
      target: GRAPH_OUTPUT_NODE,
      targetHandle: name,
      deletable: false,
      selectable: false,
      className: 'rg-edge--output',
      style: { stroke: colorOf(ref), strokeDasharray: '6 4' },
    });
  }
  return edges;
}

export type ConnectCheck =
  | { ok: true; edge: GraphEdge; replaces: GraphEdge[]; /** A single value will be wrapped into a one-element list. */ wrap: boolean }
  | { ok: false; reason: string };

/** May `source.sourceHandle → target.targetHandle` be added to the document? */
export function checkConnection(
  doc: GraphDocument,
  nodes: FlowNode[],
  connection: { source: string; sourceHandle?: string | null; target: string; targetHandle?: string | null },
): ConnectCheck {
  const { source, target } = connection;
  const sourceNode = nodes.find((n) => n.id === source);
  const targetNode = nodes.find((n) => n.id === target);
  const sourcePort = sourceNode?.data.outputs.find((p) => p.name === connection.sourceHandle);
  const targetPort = targetNode?.data.inputs.find((p) => p.name === connection.targetHandle);
  if (!sourceNode || !targetNode || !sourcePort || !targetPort) return { ok: false, reason: 'connect an output (right) to an input (left)' };
  if (targetNode.data.kind === 'outputs') return { ok: false, reason: 'graph outputs are edited in the document for now' };
  const fromLabel = `${source}.${sourcePort.name}`;
  const toLabel = `${target}.${targetPort.name}`;
  if (source === target) return { ok: false, reason: `${fromLabel} → ${toLabel}: a node cannot feed itself` };

  const compatibility = checkCompatibility(sourcePort, targetPort);
  if (!compatibility.ok) return { ok: false, reason: `${fromLabel} → ${toLabel}: ${compatibility.reason}` };

  const edge: GraphEdge = { from: fromLabel, to: toLabel };
  if (doc.edges.some((e) => e.from === edge.from && e.to === edge.to)) return { ok: false, reason: `${fromLabel} → ${toLabel} is already connected` };
  if (reaches(doc.edges, target, source)) return { ok: false, reason: `${fromLabel} → ${toLabel} would create a cycle` };

  // A single input takes one edge: the new one replaces the old. (Derived ports of unknown types might be lists: keep both.)
  const replaces = targetPort.list || targetPort.derived ? [] : doc.edges.filter((e) => e.to === edge.to);
  return { ok: true, edge, replaces, wrap: compatibility.wrap };
}

/** Is `goal` downstream of `start` along the document's edges? */
function reaches(edges: GraphEdge[], start: string, goal: string): boolean {
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
