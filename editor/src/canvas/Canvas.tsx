/**
 * The graph canvas. The store's document is the source of truth: flow nodes
 * and edges are derived from it (reusing unchanged objects, so memoised cards
 * do not re-render), selection lives in the store, and a drag moves nodes
 * locally and commits one `moveNodes` step when it ends. Connections go
 * through the store's compatibility check; a refused one says why in a toast.
 *
 * Below SIMPLE_CARD_ZOOM the cards are drawn simplified (GraphNodeView's
 * SimpleCard), and below OVERVIEW_ZOOM without their titles: a 500-node
 * graph fitted to view is mostly tiny cards, and their port rows, labels and
 * shadows are what made opening and panning it slow. The canvas also validates the open document as it changes
 * (state/problem-store.ts) so the cards can show their problems.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  applyEdgeChanges,
  applyNodeChanges,
  useStore,
  useStoreApi,
  useUpdateNodeInternals,
  type Connection,
  type EdgeChange,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeChange,
  type NodeTypes,
  type OnConnectEnd,
  type ReactFlowInstance,
  type ReactFlowState,
} from '@xyflow/react';
import { useApi } from '../api/context.js';
import { asSimpleCard, buildFlowEdges, buildFlowNodes, type FlowEdge, type FlowNode } from '../graph.js';
import { GRAPH_OUTPUT_NODE } from '../state/document-ops.js';
import { useGraphStore } from '../state/graph-store.js';
import { useProblemStore, watchProblems } from '../state/problem-store.js';
import { notify } from '../state/toast-store.js';
import { useUiStore } from '../state/ui-store.js';
import { categoryColor, graphIoColor, unknownColor } from '../theme.js';
import { Toasts } from '../ui/Toasts.js';
import { addNodeAtScreen, fitWhenMeasured, frameNodesNow, registerCanvas } from './commands.js';
import { FarEdges } from './FarEdges.js';
import { CardDetailContext, GraphNodeView, type CardDetail } from './GraphNodeView.js';
import { NodeMenu, type NodeMenuAt } from './NodeMenu.js';
import { NODE_DRAG_TYPE } from './Palette.js';
import './canvas.css';

/** Below this zoom cards are drawn simplified: a coloured box with the title (port labels are unreadable there anyway). */
export const SIMPLE_CARD_ZOOM = 0.5;
/** Below this zoom a card's title would be a few pixels tall: the coloured box alone. */
export const OVERVIEW_ZOOM = 0.2;
const cardDetail = (state: ReactFlowState): CardDetail => {
  const zoom = state.transform[2];
  return zoom < OVERVIEW_ZOOM ? 'overview' : zoom < SIMPLE_CARD_ZOOM ? 'simple' : 'full';
};

const nodeTypes: NodeTypes = { reelgraph: GraphNodeView };
const MULTI_SELECT_KEYS = ['Shift', 'Meta', 'Control'];
const proOptions = { hideAttribution: true };
const noEdges: FlowEdge[] = [];

function minimapColor(node: FlowNode): string {
  if (node.data.kind !== 'node') return graphIoColor;
  return node.data.known ? categoryColor(node.data.category) : unknownColor;
}

const ref = (node: string, port: string | null | undefined): string => `${node}.${port ?? ''}`;

/** React Flow's select changes (of nodes or edges) applied to the store's selection. */
function applySelectionChanges(changes: ReadonlyArray<{ type: string; id?: string; selected?: boolean }>): void {
  const selects = changes.filter((change) => change.type === 'select' && change.id !== undefined);
  if (selects.length === 0) return;
  const store = useGraphStore.getState();
  const next = new Set(store.selection);
  for (const change of selects) {
    if (change.selected) next.add(change.id as string);
    else next.delete(change.id as string);
  }
  store.select([...next]);
}

export function Canvas() {
  const api = useApi();
  const detail = useStore(cardDetail);
  const far = detail !== 'full';
  const flowStore = useStoreApi<FlowNode, FlowEdge>();
  const doc = useGraphStore((state) => state.doc);
  const registry = useGraphStore((state) => state.registry);
  const selection = useGraphStore((state) => state.selection);
  const loadCount = useGraphStore((state) => state.loadCount);
  const edgeProblems = useProblemStore((state) => state.byEdge);
  const [nodes, setNodes] = useState<FlowNode[]>([]);
  const [edges, setEdges] = useState<FlowEdge[]>([]);
  const [fileOver, setFileOver] = useState(false);
  const nodesRef = useRef(nodes);
  nodesRef.current = nodes;
  const container = useRef<HTMLDivElement>(null);
  const updateNodeInternals = useUpdateNodeInternals();
  const [remeasure, setRemeasure] = useState<string[]>([]);
  const [menu, setMenu] = useState<NodeMenuAt | null>(null);
  const closeMenu = useCallback(() => setMenu(null), []);

  const selectionSet = useMemo(() => new Set(selection), [selection]);
  // What React Flow draws: zoomed out, simple cards whose size is known up front (see asSimpleCard).
  const shownNodes = useMemo(() => (far ? nodes.map(asSimpleCard) : nodes), [far, nodes]);

  // Document, node types or selection changed: derive the flow nodes and edges.
  const framedLoad = useRef(-1);
  useLayoutEffect(() => {
    const previous = nodesRef.current;
    const next = buildFlowNodes(doc, registry, previous, selectionSet);
    // A graph was just opened: frame it before its cards are first drawn (fitWhenMeasured refines it).
    if (framedLoad.current !== loadCount) {
      framedLoad.current = loadCount;
      frameNodesNow(next, flowStore.getState());
    }
    const before = new Map(previous.map((node) => [node.id, node.data]));
    const changed = next.filter((node) => before.has(node.id) && before.get(node.id) !== node.data).map((node) => node.id);
    setNodes(next);
    setEdges((current) => buildFlowEdges(doc, next, current, selectionSet, edgeProblems));
    if (changed.length > 0) setRemeasure(changed);
  }, [doc, registry, selectionSet, loadCount, edgeProblems, flowStore]);

  // Ports may have changed: re-measure those cards' handles once the DOM shows them.
  useEffect(() => {
    if (remeasure.length > 0) updateNodeInternals(remeasure);
  }, [remeasure, updateNodeInternals]);

  // Zoomed in again: the full cards' handles replace the simple cards' none. A card whose size did not change
  // gets no resize notice, so measure them all (React Flow skips the cards not in the DOM).
  const wasFar = useRef(far);
  useEffect(() => {
    if (wasFar.current && !far) updateNodeInternals(nodesRef.current.map((node) => node.id));
    wasFar.current = far;
  }, [far, updateNodeInternals]);

  // A graph was opened: fit it once its cards are measured.
  useEffect(() => fitWhenMeasured(), [loadCount]);

  // Problems on the cards: the open document is validated as it changes.
  useEffect(() => watchProblems(api), [api]);

  const onInit = useCallback((instance: ReactFlowInstance<FlowNode, FlowEdge>) => registerCanvas(instance, container.current ?? undefined), []);
  useEffect(() => () => registerCanvas(undefined, undefined), []);

  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => {
    const local = changes.filter((change) => change.type === 'position' || change.type === 'dimensions');
    if (local.length > 0) setNodes((current) => applyNodeChanges(local, current));
    applySelectionChanges(changes);
  }, []);

  const onEdgesChange = useCallback((changes: EdgeChange<FlowEdge>[]) => {
    applySelectionChanges(changes);
    const other = changes.filter((change) => change.type !== 'select' && change.type !== 'remove');
    if (other.length > 0) setEdges((current) => applyEdgeChanges(other, current));
  }, []);

  const onNodeDragStop = useCallback((_event: unknown, _node: FlowNode, moved: FlowNode[]) => {
    const positions: Record<string, { x: number; y: number }> = {};
    for (const node of moved) if (node.data.kind === 'node') positions[node.id] = node.position;
    if (Object.keys(positions).length > 0) useGraphStore.getState().moveNodes(positions);
  }, []);

  const isValidConnection = useCallback<IsValidConnection<FlowEdge>>(
    (connection) => useGraphStore.getState().canConnect(ref(connection.source, connection.sourceHandle), ref(connection.target, connection.targetHandle)).ok,
    [],
  );

  const onConnect = useCallback((connection: Connection) => {
    const from = ref(connection.source, connection.sourceHandle);
    const to = ref(connection.target, connection.targetHandle);
    const result = useGraphStore.getState().connect(from, to);
    if (!result.ok) {
      notify('error', `Refused: ${result.reason}`);
      return;
    }
    const notes = [result.wrap ? 'value wrapped into a list' : '', ...result.replaced.map((id) => `replaced ${id.split('->')[0]}`)].filter(Boolean);
    notify('info', `Connected ${from} → ${to}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`);
  }, []);

  // A drop on an incompatible handle never reaches onConnect: say why it was refused.
  const onConnectEnd = useCallback<OnConnectEnd>((_event, state: FinalConnectionState) => {
    if (state.isValid !== false || !state.fromHandle || !state.toHandle) return;
    const [from, to] = state.fromHandle.type === 'source' ? [state.fromHandle, state.toHandle] : [state.toHandle, state.fromHandle];
    if (from.type !== 'source' || to.type !== 'target') {
      notify('error', 'Refused: connect an output (right side) to an input (left side)');
      return;
    }
    if (to.nodeId === GRAPH_OUTPUT_NODE) {
      notify('error', 'Refused: graph outputs are edited in the Graph panel');
      return;
    }
    const check = useGraphStore.getState().canConnect(ref(from.nodeId, from.id), ref(to.nodeId, to.id));
    if (!check.ok) notify('error', `Refused: ${check.reason}`);
  }, []);

  const onNodeDoubleClick = useCallback((_event: unknown, node: FlowNode) => {
    if (node.data.kind === 'node') useGraphStore.getState().setRightTab('node');
    else useGraphStore.getState().setRightTab('graph');
  }, []);

  // A right-click on a node card: select it (the shortcuts and the Node tab then agree) and open its menu.
  const onNodeContextMenu = useCallback((event: { preventDefault(): void; clientX: number; clientY: number }, node: FlowNode) => {
    event.preventDefault();
    if (node.data.kind !== 'node') return;
    const store = useGraphStore.getState();
    if (!store.selection.includes(node.id)) store.select([node.id]);
    setMenu({ nodeId: node.id, x: event.clientX, y: event.clientY });
  }, []);

  const onDragOver = useCallback((event: DragEvent<HTMLDivElement>) => {
    const types = event.dataTransfer.types;
    if (types.includes(NODE_DRAG_TYPE)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
    } else if (types.includes('Files')) {
      event.preventDefault();
      setFileOver(true);
    }
  }, []);

  const onDrop = useCallback((event: DragEvent<HTMLDivElement>) => {
    setFileOver(false);
    const type = event.dataTransfer.getData(NODE_DRAG_TYPE);
    if (type) {
      event.preventDefault();
      addNodeAtScreen(type, { x: event.clientX, y: event.clientY });
      return;
    }
    const file = event.dataTransfer.files[0];
    if (!file) return;
    event.preventDefault();
    file.text().then(
      (text) => useUiStore.getState().openImport({ text, fileName: file.name }),
      (error: unknown) => notify('error', `Cannot read ${file.name}: ${error instanceof Error ? error.message : String(error)}`),
    );
  }, []);

  const empty = doc.nodes.length === 0 && Object.keys(doc.inputs ?? {}).length === 0;

  return (
    <main
      ref={container}
      className={`rg-canvas${fileOver ? ' is-dragging' : ''}`}
      onDragOver={onDragOver}
      onDragLeave={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setFileOver(false);
      }}
      onDrop={onDrop}
      data-testid="canvas"
      data-detail={detail}
    >
      <CardDetailContext.Provider value={detail}>
      <ReactFlow<FlowNode, FlowEdge>
        nodes={shownNodes}
        // Zoomed out, FarEdges draws the edges in one SVG instead (see there).
        edges={far ? noEdges : edges}
        nodeTypes={nodeTypes}
        onInit={onInit}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        isValidConnection={isValidConnection}
        onNodeDragStop={onNodeDragStop}
        onNodeDoubleClick={onNodeDoubleClick}
        onNodeContextMenu={onNodeContextMenu}
        onMoveStart={closeMenu}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={MULTI_SELECT_KEYS}
        zoomOnDoubleClick={false}
        // Rendering only what is in view pays for large graphs close up; zoomed out, nearly everything is in view and
        // working out what is would cost every pan frame a pass over all nodes and edges.
        onlyRenderVisibleElements={nodes.length > 150 && !far}
        colorMode="dark"
        minZoom={0.02}
        maxZoom={2}
        proOptions={proOptions}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} />
        <MiniMap<FlowNode> pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0} maskColor="rgba(10, 12, 16, 0.7)" />
        <Controls showInteractive={false} />
        {far ? <FarEdges nodes={shownNodes} edges={edges} /> : null}
      </ReactFlow>
      </CardDetailContext.Provider>
      {empty ? (
        <div className="rg-empty">
          <h2>Start a graph</h2>
          <p className="rg-muted">
            Drag a node from the palette, double-click one, or press <kbd>Ctrl</kbd>+<kbd>O</kbd> to import a graph file. <kbd>?</kbd> lists the shortcuts.
          </p>
        </div>
      ) : null}
      {menu ? <NodeMenu at={menu} onClose={closeMenu} /> : null}
      <Toasts />
    </main>
  );
}
