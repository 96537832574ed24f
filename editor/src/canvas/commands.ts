/**
 * Canvas commands the toolbar, palette, node menu and shortcuts share: add a
 * node at the centre or at a drop point, fit the view, auto-layout with the
 * measured card sizes, run a partial run of a node. The canvas registers its
 * React Flow instance and element here when it mounts.
 */
import { getViewportForBounds, type ReactFlowInstance } from '@xyflow/react';
import type { FlowEdge, FlowNode } from '../graph.js';
import { partialCommands, partialRequest, type PartialMode } from '../runs/partial.js';
import { useGraphStore, type Size } from '../state/graph-store.js';
import { notify } from '../state/toast-store.js';

let flow: ReactFlowInstance<FlowNode, FlowEdge> | undefined;
let element: HTMLElement | undefined;

export function registerCanvas(instance: ReactFlowInstance<FlowNode, FlowEdge> | undefined, container: HTMLElement | undefined): void {
  flow = instance;
  element = container;
}

/** Cards are placed by their top-left corner: centre them on the point instead. */
const CARD_OFFSET = { x: 120, y: 40 };

/** Adds a node of `type` with its card centred at a screen point; returns its id. */
export function addNodeAtScreen(type: string, point: { x: number; y: number }): string | undefined {
  const position = flow ? flow.screenToFlowPosition(point) : { x: 0, y: 0 };
  return addNodeAtFlow(type, { x: position.x - CARD_OFFSET.x, y: position.y - CARD_OFFSET.y });
}

function addNodeAtFlow(type: string, position: { x: number; y: number }): string | undefined {
  const state = useGraphStore.getState();
  // Adds at an occupied spot cascade down-right instead of covering a card's header.
  const at = { x: Math.round(position.x), y: Math.round(position.y) };
  const near = (x: number, y: number) => state.doc.nodes.some((node) => Math.abs(node.position.x - x) < 24 && Math.abs(node.position.y - y) < 24);
  for (let tries = 0; tries < 50 && near(at.x, at.y); tries += 1) {
    at.x += 36;
    at.y += 36;
  }
  const id = state.addNode(type, at);
  if (!id) notify('error', `Cannot add ${type}: the node type is not known (are node types loaded?)`);
  return id;
}

/** Adds a node in the middle of the visible canvas. */
export function addNodeAtCentre(type: string): string | undefined {
  if (!element || !flow) return addNodeAtFlow(type, { x: 0, y: 0 });
  const rect = element.getBoundingClientRect();
  return addNodeAtScreen(type, { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 });
}

/** Fits the view to the graph (animated). Takes no arguments: the toolbar passes it as a click handler. */
export function fitCanvas(): void {
  fitView(200);
}

function fitView(duration: number): void {
  // includeHiddenNodes: large graphs render only the cards in view, and React Flow otherwise fits around the
  // measured (rendered) cards alone; with it, unrendered cards count with their estimated size (see graph.ts).
  void flow?.fitView({ padding: FIT_PADDING, maxZoom: FIT_MAX_ZOOM, duration, includeHiddenNodes: true });
}

/** Dagre layout (left → right) with the cards' measured sizes; then fit. */
export function layoutCanvas(): void {
  const sizes: Record<string, Size> = {};
  for (const node of flow?.getNodes() ?? []) {
    if (node.measured?.width && node.measured.height) sizes[node.id] = { width: node.measured.width, height: node.measured.height };
  }
  useGraphStore.getState().autoLayout(sizes);
  // Let the canvas take the new positions before fitting.
  requestAnimationFrame(() => requestAnimationFrame(fitCanvas));
}

const FIT_PADDING = 0.15;
const FIT_MAX_ZOOM = 1.2;
/** As the canvas's minZoom (Canvas.tsx). */
const FIT_MIN_ZOOM = 0.02;

/**
 * Frames `nodes` (by position and their estimated size) in the canvas at
 * once, before any card is drawn: called as a graph is opened, so a large
 * graph's first render is already the zoomed-out one (simple cards) rather
 * than full cards at zoom 1 that are thrown away a frame later.
 */
export function frameNodesNow(nodes: ReadonlyArray<FlowNode>, pane?: { width: number; height: number }): void {
  if (!flow || !element || nodes.length === 0) return;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const node of nodes) {
    const width = node.measured?.width ?? node.initialWidth ?? 0;
    const height = node.measured?.height ?? node.initialHeight ?? 0;
    minX = Math.min(minX, node.position.x);
    minY = Math.min(minY, node.position.y);
    maxX = Math.max(maxX, node.position.x + width);
    maxY = Math.max(maxY, node.position.y + height);
  }
  // The pane's size as React Flow last measured it: asking the element would force a layout of the whole page.
  const rect = pane && pane.width > 0 && pane.height > 0 ? pane : element.getBoundingClientRect();
  if (rect.width === 0 || rect.height === 0) return;
  const viewport = getViewportForBounds({ x: minX, y: minY, width: maxX - minX, height: maxY - minY }, rect.width, rect.height, FIT_MIN_ZOOM, FIT_MAX_ZOOM, FIT_PADDING);
  void flow.setViewport(viewport, { duration: 0 });
}

/** Fits the view once every card has been measured (after a graph is opened; frameNodesNow framed it roughly already). */
export function fitWhenMeasured(): void {
  let frames = 0;
  const step = () => {
    frames += 1;
    const nodes = flow?.getNodes() ?? [];
    const measured = nodes.every((node) => node.measured?.width && node.measured.height);
    if ((measured && frames > 1) || frames > 60) {
      if (nodes.length > 0) fitView(0);
      return;
    }
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}

/** The one selected node (edges aside), if exactly one is selected. */
function selectedNodeId(): string | undefined {
  const { doc, selection } = useGraphStore.getState();
  const ids = new Set(selection);
  const nodes = doc.nodes.filter((node) => ids.has(node.id));
  return nodes.length === 1 ? nodes[0]?.id : undefined;
}

/**
 * "Run to here" (`until`) or "Run this node only" (`only`) for `nodeId`, or
 * the selected node: the Run panel starts it with the form's inputs.
 */
export function runPartial(mode: PartialMode, nodeId: string | undefined = selectedNodeId()): void {
  if (!nodeId) {
    const label = partialCommands.find((command) => command.mode === mode)?.label ?? mode;
    notify('info', `${label}: select one node first`);
    return;
  }
  useGraphStore.getState().requestRun(partialRequest(mode, nodeId));
}
