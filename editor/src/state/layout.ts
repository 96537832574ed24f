/**
 * Auto-layout with dagre: left → right along the edges. Pure (no DOM); the
 * canvas passes the measured card sizes when it has them.
 */
import dagre from '@dagrejs/dagre';
import { GRAPH_INPUT_NODE, parseRef, type GraphDocument } from '../../../runtime/contract/index.js';
import { GRAPH_OUTPUT_NODE, estimateNodeSize, type Position, type Registry, type Size } from './document-ops.js';

export interface LayoutOptions {
  sizes?: Record<string, Size>;
  registry?: Registry;
  /** Horizontal gap between ranks, vertical gap between nodes. */
  rankSep?: number;
  nodeSep?: number;
}

/** New top-left positions of every node of the document. */
export function layoutPositions(doc: GraphDocument, options: LayoutOptions = {}): Record<string, Position> {
  const graph = new dagre.graphlib.Graph({ multigraph: false });
  graph.setGraph({ rankdir: 'LR', ranksep: options.rankSep ?? 90, nodesep: options.nodeSep ?? 36, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  const sizes = new Map<string, Size>();
  for (const node of doc.nodes) {
    const size = options.sizes?.[node.id] ?? estimateNodeSize(options.registry, node);
    sizes.set(node.id, size);
    graph.setNode(node.id, { width: size.width, height: size.height });
  }
  for (const edge of doc.edges) {
    const from = parseRef(edge.from).node;
    const to = parseRef(edge.to).node;
    if (from === GRAPH_INPUT_NODE || to === GRAPH_OUTPUT_NODE || !sizes.has(from) || !sizes.has(to) || from === to) continue;
    graph.setEdge(from, to);
  }
  dagre.layout(graph);
  const positions: Record<string, Position> = {};
  for (const node of doc.nodes) {
    const laid = graph.node(node.id) as { x: number; y: number } | undefined;
    const size = sizes.get(node.id) as Size;
    if (laid) positions[node.id] = { x: Math.round(laid.x - size.width / 2), y: Math.round(laid.y - size.height / 2) };
  }
  return positions;
}
