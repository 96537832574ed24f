/**
 * The edges of a zoomed-out canvas, drawn as one SVG in flow coordinates
 * (inside React Flow's viewport, so a pan moves it without any work).
 *
 * React Flow draws each edge as a component that subscribes to its store
 * and recomputes its path on every viewport change: with 1,000 edges that
 * is most of a pan frame. Below the detail zoom the cards are simple boxes
 * whose handles all sit at the middle of their sides (GraphNodeView's
 * SimpleCard), so the paths follow from the cards' positions and sizes
 * alone; they are grouped by colour into a handful of <path> elements.
 */
import { memo, useMemo } from 'react';
import { ViewportPortal } from '@xyflow/react';
import { cardSize, type FlowEdge, type FlowNode } from '../graph.js';

interface PathGroup {
  stroke: string;
  dashed: boolean;
  d: string;
}

/** Bezier from the right middle of `source` to the left middle of `target`, as React Flow bends its default edges. */
function edgePath(source: FlowNode, target: FlowNode): string {
  const from = source.measured?.width ? { width: source.measured.width, height: source.measured.height ?? 0 } : cardSize(source.data);
  const to = target.measured?.height ? { height: target.measured.height } : cardSize(target.data);
  const sx = source.position.x + from.width;
  const sy = source.position.y + from.height / 2;
  const tx = target.position.x;
  const ty = target.position.y + to.height / 2;
  const bend = Math.max(Math.abs(tx - sx) / 2, 40);
  return `M${sx.toFixed(0)} ${sy.toFixed(0)}C${(sx + bend).toFixed(0)} ${sy.toFixed(0)} ${(tx - bend).toFixed(0)} ${ty.toFixed(0)} ${tx.toFixed(0)} ${ty.toFixed(0)}`;
}

/** The edges as a few paths, one per colour and dash style (pure). */
export function farEdgePaths(nodes: readonly FlowNode[], edges: readonly FlowEdge[]): PathGroup[] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const groups = new Map<string, PathGroup>();
  for (const edge of edges) {
    const source = byId.get(edge.source);
    const target = byId.get(edge.target);
    if (!source || !target) continue;
    const stroke = edge.style?.stroke ?? '#888';
    const dashed = edge.style?.strokeDasharray !== undefined;
    const key = `${stroke}|${dashed}`;
    const group = groups.get(key) ?? { stroke, dashed, d: '' };
    group.d += edgePath(source, target);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function FarEdgesBase({ nodes, edges }: { nodes: readonly FlowNode[]; edges: readonly FlowEdge[] }) {
  const groups = useMemo(() => farEdgePaths(nodes, edges), [nodes, edges]);
  return (
    <ViewportPortal>
      <svg className="rg-far-edges" data-testid="far-edges" data-count={edges.length}>
        {groups.map((group) => (
          <path key={`${group.stroke}|${group.dashed}`} d={group.d} stroke={group.stroke} strokeDasharray={group.dashed ? '24 16' : undefined} />
        ))}
      </svg>
    </ViewportPortal>
  );
}

export const FarEdges = memo(FarEdgesBase);
