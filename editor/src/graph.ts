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
  isPortTypeName,
  isVariant,
  parseRef,
  portTypes,
  type AnyGraphDocument,
  type GraphDocument,
  type GraphNode,
  type NodeCategory,
  type NodeDescription,
  type NodeRegistry,
  type PortSpec,
} from '../../runtime/contract/index.js';
import { GRAPH_OUTPUT_NODE, edgeId, graphInputPorts, summarizeParams, type PortView } from './state/document-ops.js';

export { GRAPH_OUTPUT_NODE, edgeId, type PortView };

/** A faulty edge (incompatible ports, unknown port): the theme's danger red. */
const FAULTY_EDGE_COLOR = '#f87171';

/** A card's usual width, and its height from its port rows (see canvas/GraphNodeView.tsx and styles.css). */
const CARD_WIDTH = 260;
const cardHeight = (data: GraphNodeData): number => 64 + 20 * Math.max(data.inputs.length, data.outputs.length, 1);
/** The usual size of a card: what an unmeasured card counts as, and the size of a simplified (far zoom) one. */
export const cardSize = (data: GraphNodeData): { width: number; height: number } => ({ width: CARD_WIDTH, height: cardHeight(data) });

/**
 * A node as the canvas hands it to React Flow below the detail zoom, where
 * its card is drawn simplified: exactly `cardSize`, with no handles (the
 * canvas draws those edges itself). Saying both up front means React Flow's
 * first measurement of a card finds nothing to update, so opening a large
 * graph zoomed out is one render pass, not a second one over every node.
 * Cached per node object: an unchanged node stays the same object, and its
 * card is not re-rendered.
 */
export function asSimpleCard(node: FlowNode): FlowNode {
  let simple = simpleCards.get(node);
  if (!simple) {
    simple = { ...node, measured: cardSize(node.data), handles: [] };
    simpleCards.set(node, simple);
  }
  return simple;
}
const simpleCards = new WeakMap<FlowNode, FlowNode>();

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
  /** A one-line summary of the key params. */
  summary?: string;
};

export type FlowNode = Node<GraphNodeData, 'reelgraph'>;
export type FlowEdge = Edge<{ from: string; to: string }>;

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

function describe(registry: NodeRegistry<NodeDescription> | undefined, node: GraphNode): GraphNodeData {
  const exact = registry?.get(node.type, node.typeVersion);
  const description = exact ?? registry?.latest(node.type);
  const title = node.title ?? description?.title ?? node.id;
  const summary = summarizeParams(node, description);
  if (!description) {
    return {
      kind: 'node',
      title,
      subtitle: `${node.type}@${node.typeVersion}`,
      inputs: [],
      outputs: [],
      known: false,
      summary,
      warning: registry ? `unknown node type ${node.type}` : 'node types not loaded: ports derived from edges',
    };
  }
  const data: GraphNodeData = {
    kind: 'node',
    title,
    subtitle: `${node.type}@${node.typeVersion}`,
    inputs: description.inputs.map((port) => ({ ...port })),
    outputs: description.outputs.map((port) => ({ ...port })),
    known: true,
    category: description.category,
    description: description.description,
    summary,
  };
  if (!exact) data.warning = `version ${node.typeVersion} unknown; ports of version ${description.version} shown`;
  return data;
}

const samePorts = (a: PortView[], b: PortView[]): boolean =>
  a.length === b.length &&
  a.every((port, i) => {
    const other = b[i] as PortView;
    return port.name === other.name && port.type === other.type && port.list === other.list && port.optional === other.optional && port.derived === other.derived && port.title === other.title && port.description === other.description;
  });

/** Equal card content: the previous data object is kept, so the memoised card does not re-render. */
export function sameNodeData(a: GraphNodeData, b: GraphNodeData): boolean {
  return (
    a.kind === b.kind &&
    a.title === b.title &&
    a.subtitle === b.subtitle &&
    a.known === b.known &&
    a.category === b.category &&
    a.description === b.description &&
    a.warning === b.warning &&
    a.summary === b.summary &&
    samePorts(a.inputs, b.inputs) &&
    samePorts(a.outputs, b.outputs)
  );
}

/** Lay the synthetic input/output nodes out beside the document's nodes. */
function bounds(doc: GraphDocument): { minX: number; maxX: number; minY: number } {
  if (doc.nodes.length === 0) return { minX: 0, maxX: 0, minY: 0 };
  const xs = doc.nodes.map((n) => n.position.x);
  const ys = doc.nodes.map((n) => n.position.y);
  return { minX: Math.min(...xs), maxX: Math.max(...xs), minY: Math.min(...ys) };
}

/**
 * Flow nodes for a document. `previous` keeps what the canvas knows
 * (measured sizes, positions of the synthetic nodes); a node whose content,
 * position and selection are unchanged keeps its previous object, so a
 * 500-node graph re-renders only what an edit touched.
 */
export function buildFlowNodes(
  doc: GraphDocument,
  registry: NodeRegistry<NodeDescription> | undefined,
  previous: FlowNode[] = [],
  selection: ReadonlySet<string> = new Set(),
): FlowNode[] {
  const byId = new Map<string, GraphNodeData>();
  for (const node of doc.nodes) byId.set(node.id, describe(registry, node));

  const inputs: PortView[] = graphInputPorts(doc);

  // Ports the edges use but no description declares: draw them so the edges show.
  for (const edge of doc.edges) {
    const from = parseRef(edge.from);
    const to = parseRef(edge.to);
    if (from.node === GRAPH_INPUT_NODE) addDerived(inputs, from.port);
    else {
      const data = byId.get(from.node);
      if (data) addDerived(data.outputs, from.port);
    }
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
  const settle = (estimated: FlowNode, synthetic: boolean): FlowNode => {
    // An estimated size until the card is measured: with only visible cards rendered (large graphs),
    // unmeasured ones still count when the view is fitted around the graph.
    const node: FlowNode = { ...estimated, initialWidth: CARD_WIDTH, initialHeight: cardHeight(estimated.data) };
    const old = prev.get(node.id);
    const selected = selection.has(node.id);
    if (!old) return selected ? { ...node, selected } : node;
    const position = synthetic ? old.position : node.position;
    const data = sameNodeData(old.data, node.data) ? old.data : node.data;
    if (data === old.data && Boolean(old.selected) === selected && old.position.x === position.x && old.position.y === position.y) return old;
    const kept: FlowNode = { ...node, data, position, selected };
    if (old.measured) kept.measured = old.measured;
    return kept;
  };

  const box = bounds(doc);
  const result: FlowNode[] = [];
  if (inputs.length > 0) {
    result.push(
      settle(
        {
          id: GRAPH_INPUT_NODE,
          type: 'reelgraph',
          position: { x: box.minX - 320, y: box.minY },
          deletable: false,
          data: { kind: 'inputs', title: 'Graph inputs', subtitle: '$input', inputs: [], outputs: inputs, known: true },
        },
        true,
      ),
    );
  }
  for (const node of doc.nodes) {
    const data = byId.get(node.id) as GraphNodeData;
    result.push(settle({ id: node.id, type: 'reelgraph', position: { x: node.position.x, y: node.position.y }, deletable: false, data }, false));
  }
  if (outputs.length > 0) {
    result.push(
      settle(
        {
          id: GRAPH_OUTPUT_NODE,
          type: 'reelgraph',
          position: { x: box.maxX + 360, y: box.minY },
          deletable: false,
          data: { kind: 'outputs', title: 'Graph outputs', subtitle: 'named results', inputs: outputs, outputs: [], known: true },
        },
        true,
      ),
    );
  }
  return result;
}

/**
 * Flow edges: the document's edges plus one per named graph output. Unchanged
 * edges keep their object. `problems` (edge id → message) draws those edges
 * as faulty (red, dashed, the message as their tooltip).
 */
export function buildFlowEdges(
  doc: GraphDocument,
  nodes: FlowNode[],
  previous: FlowEdge[] = [],
  selection: ReadonlySet<string> = new Set(),
  problems: Readonly<Record<string, string>> = {},
): FlowEdge[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const prev = new Map(previous.map((edge) => [edge.id, edge]));
  const colorOf = (ref: string): string => {
    const { node, port } = parseRef(ref);
    const spec = byId.get(node)?.data.outputs.find((p) => p.name === port);
    return spec ? portColor(spec) : portTypes.Any.color;
  };
  const settle = (edge: FlowEdge): FlowEdge => {
    const old = prev.get(edge.id);
    if (old && old.selected === edge.selected && old.style?.stroke === edge.style?.stroke && old.className === edge.className && old.ariaLabel === edge.ariaLabel) return old;
    return edge;
  };
  const edges: FlowEdge[] = doc.edges.map((edge) => {
    const from = parseRef(edge.from);
    const to = parseRef(edge.to);
    const id = edgeId(edge);
    const problem = problems[id];
    return settle({
      id,
      source: from.node,
      sourceHandle: from.port,
      target: to.node,
      targetHandle: to.port,
      selected: selection.has(id),
      style: problem ? { stroke: FAULTY_EDGE_COLOR, strokeDasharray: '5 4' } : { stroke: colorOf(edge.from) },
      data: { from: edge.from, to: edge.to },
      ...(problem ? { className: 'rg-edge--problem', ariaLabel: problem } : {}),
    });
  });
  for (const [name, ref] of Object.entries(doc.outputs ?? {})) {
    const from = parseRef(ref);
    edges.push(
      settle({
        id: `${ref}->${GRAPH_OUTPUT_NODE}.${name}`,
        source: from.node,
        sourceHandle: from.port,
        target: GRAPH_OUTPUT_NODE,
        targetHandle: name,
        deletable: false,
        selectable: false,
        selected: false,
        className: 'rg-edge--output',
        style: { stroke: colorOf(ref), strokeDasharray: '6 4' },
      }),
    );
  }
  return edges;
}

