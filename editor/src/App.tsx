/**
 * The editor shell: a palette of node types on the left, the graph canvas in
 * the middle, a status line at the bottom. This is the viewer skeleton; forms,
 * runs and live progress arrive with the full editor.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type ChangeEvent, type DragEvent } from 'react';
import {
  Background,
  BackgroundVariant,
  Controls,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyEdgeChanges,
  useNodesInitialized,
  useNodesState,
  useReactFlow,
  useUpdateNodeInternals,
  type Connection,
  type EdgeChange,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeTypes,
  type OnConnectEnd,
} from '@xyflow/react';
import { NodeRegistry, type GraphDocument, type NodeDescription } from '../../runtime/contract/index.js';
import { fetchNodeDescriptions } from './api.js';
import { Palette, type NodesState } from './components/Palette.js';
import { GraphNodeView } from './components/GraphNodeView.js';
import { Toast, type ToastMessage } from './components/Toast.js';
import { buildFlowEdges, buildFlowNodes, checkConnection, edgeId, parseGraphDocument, type FlowEdge, type FlowNode } from './graph.js';
import { categoryColor, graphIoColor, unknownColor } from './theme.js';

const nodeTypes: NodeTypes = { reelgraph: GraphNodeView };

/** Registry of the served descriptions; a duplicate type@version is skipped, not fatal. */
function toRegistry(nodes: NodeDescription[]): NodeRegistry<NodeDescription> {
  const registry = new NodeRegistry<NodeDescription>();
  for (const node of nodes) {
    if (!registry.get(node.type, node.version)) registry.register(node);
  }
  return registry;
}

function minimapColor(node: FlowNode): string {
  if (node.data.kind !== 'node') return graphIoColor;
  return node.data.known ? categoryColor(node.data.category) : unknownColor;
}

type Loaded = { doc: GraphDocument; fileName: string };

function Editor() {
  const [nodesState, setNodesState] = useState<NodesState>({ status: 'loading' });
  const [reload, setReload] = useState(0);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [nodes, setNodes, onNodesChange] = useNodesState<FlowNode>([]);
  const [edges, setEdges] = useState<FlowEdge[]>([]);
  const [toast, setToast] = useState<ToastMessage | null>(null);
  const [status, setStatus] = useState<string>('');
  const [pendingFit, setPendingFit] = useState(false);
  const [dragging, setDragging] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const toastId = useRef(0);
  const { fitView } = useReactFlow<FlowNode, FlowEdge>();
  const nodesInitialized = useNodesInitialized();
  const updateNodeInternals = useUpdateNodeInternals();
  const [remeasure, setRemeasure] = useState<string[]>([]);

  const notify = useCallback((kind: ToastMessage['kind'], text: string) => {
    toastId.current += 1;
    setToast({ id: toastId.current, kind, text });
    setStatus(text);
  }, []);
  const clearToast = useCallback(() => setToast(null), []);

  // Node types from the server; an unreachable server is a normal state.
  useEffect(() => {
    const controller = new AbortController();
    setNodesState({ status: 'loading' });
    fetchNodeDescriptions(controller.signal).then(
      (result) => {
        if (controller.signal.aborted) return; // a newer request owns the state
        setNodesState(result.ok ? { status: 'ready', nodes: result.nodes } : { status: 'offline', reason: result.reason });
      },
      () => undefined, // aborted
    );
    return () => controller.abort();
  }, [reload]);

  const registry = useMemo(() => (nodesState.status === 'ready' ? toRegistry(nodesState.nodes) : undefined), [nodesState]);
  const doc = loaded?.doc ?? null;

  // The document (and the known node types) are the source of truth; the canvas keeps positions and selection.
  useEffect(() => {
    if (!doc) return;
    const fresh = buildFlowNodes(doc, registry);
    setNodes((previous) => buildFlowNodes(doc, registry, previous));
    setEdges((previous) => buildFlowEdges(doc, fresh, previous));
    setRemeasure(fresh.map((node) => node.id));
  }, [doc, registry, setNodes]);

  // Ports may have changed (node types loaded, edges added): re-measure the handles once the DOM shows them.
  useEffect(() => {
    if (remeasure.length > 0) updateNodeInternals(remeasure);
  }, [remeasure, updateNodeInternals]);

  useEffect(() => {
    if (pendingFit && nodesInitialized && nodes.length > 0) {
      setPendingFit(false);
      void fitView({ padding: 0.15, maxZoom: 1.2 });
    }
  }, [pendingFit, nodesInitialized, nodes.length, fitView]);

  const openText = useCallback(
    (text: string, fileName: string) => {
      const parsed = parseGraphDocument(text);
      if (!parsed.ok) {
        notify('error', `Cannot open ${fileName}: ${parsed.reason}`);
        return;
      }
      setNodes([]);
      setEdges([]);
      setLoaded({ doc: parsed.doc, fileName });
      setPendingFit(true);
      notify('info', `Opened ${fileName}: ${parsed.doc.nodes.length} nodes, ${parsed.doc.edges.length} edges`);
    },
    [notify, setNodes],
  );

  const openFile = useCallback(
    (file: File) => {
      file.text().then(
        (text) => openText(text, file.name),
        (error: unknown) => notify('error', `Cannot read ${file.name}: ${error instanceof Error ? error.message : String(error)}`),
      );
    },
    [notify, openText],
  );

  const onFileChosen = useCallback(
    (event: ChangeEvent<HTMLInputElement>) => {
      const file = event.target.files?.[0];
      event.target.value = ''; // the same file may be opened again
      if (file) openFile(file);
    },
    [openFile],
  );

  const onDrop = useCallback(
    (event: DragEvent<HTMLDivElement>) => {
      setDragging(false);
      const file = event.dataTransfer.files[0];
      if (!file) return;
      event.preventDefault();
      openFile(file);
    },
    [openFile],
  );

  const updateDoc = useCallback((update: (doc: GraphDocument) => GraphDocument) => {
    setLoaded((current) => (current ? { ...current, doc: update(current.doc) } : current));
  }, []);

  const isValidConnection = useCallback<IsValidConnection<FlowEdge>>(
    (connection) => (doc ? checkConnection(doc, nodes, connection).ok : false),
    [doc, nodes],
  );

  const onConnect = useCallback(
    (connection: Connection) => {
      if (!doc) return;
      const check = checkConnection(doc, nodes, connection);
      if (!check.ok) {
        notify('error', check.reason);
        return;
      }
      const replaced = new Set(check.replaces.map(edgeId));
      updateDoc((current) => ({ ...current, edges: [...current.edges.filter((edge) => !replaced.has(edgeId(edge))), check.edge] }));
      const notes = [check.wrap ? 'value wrapped into a list' : '', ...check.replaces.map((edge) => `replaced ${edge.from}`)].filter(Boolean);
      notify('info', `Connected ${check.edge.from} → ${check.edge.to}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`);
    },
    [doc, nodes, notify, updateDoc],
  );

  // A drop on an incompatible handle never reaches onConnect: say why it was refused.
  const onConnectEnd = useCallback<OnConnectEnd>(
    (_event, state: FinalConnectionState) => {
      if (!doc || state.isValid !== false || !state.fromHandle || !state.toHandle) return;
      const [from, to] = state.fromHandle.type === 'source' ? [state.fromHandle, state.toHandle] : [state.toHandle, state.fromHandle];
      if (from.type !== 'source' || to.type !== 'target') {
        notify('error', 'Connect an output (right side) to an input (left side)');
        return;
      }
      const check = checkConnection(doc, nodes, { source: from.nodeId, sourceHandle: from.id ?? null, target: to.nodeId, targetHandle: to.id ?? null });
      if (!check.ok) notify('error', `Refused: ${check.reason}`);
    },
    [doc, nodes, notify],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<FlowEdge>[]) => {
      const removed = new Set(changes.flatMap((change) => (change.type === 'remove' ? [change.id] : [])));
      if (removed.size > 0) updateDoc((current) => ({ ...current, edges: current.edges.filter((edge) => !removed.has(edgeId(edge))) }));
      setEdges((current) => applyEdgeChanges(changes, current));
    },
    [updateDoc],
  );

  const onNodeDragStop = useCallback(
    (_event: unknown, _node: FlowNode, moved: FlowNode[]) => {
      const positions = new Map(moved.map((node) => [node.id, node.position]));
      updateDoc((current) => ({
        ...current,
        nodes: current.nodes.map((node) => {
          const position = positions.get(node.id);
          return position ? { ...node, position: { x: Math.round(position.x), y: Math.round(position.y) } } : node;
        }),
      }));
    },
    [updateDoc],
  );

  const unknownTypes = useMemo(() => {
    if (!doc || !registry) return [];
    return [...new Set(doc.nodes.filter((node) => !registry.hasType(node.type)).map((node) => node.type))];
  }, [doc, registry]);

  const serverLabel =
    nodesState.status === 'ready' ? `server connected · ${nodesState.nodes.length} node types` : nodesState.status === 'loading' ? 'connecting to server…' : 'server not running';

  return (
    <div className="rg-app">
      <header className="rg-topbar">
        <div className="rg-brand">
          <span className="rg-brand__mark" aria-hidden="true" />
          reelgraph
        </div>
        <div className="rg-topbar__doc">
          {loaded ? (
            <>
              <span className="rg-topbar__name">{loaded.doc.name}</span>
              <span className="rg-muted rg-small">{loaded.fileName}</span>
            </>
          ) : (
            <span className="rg-muted">No graph open</span>
          )}
        </div>
        <div className="rg-topbar__actions">
          <button type="button" className="rg-button" onClick={() => fileInput.current?.click()}>
            Open graph…
          </button>
          <input ref={fileInput} type="file" accept=".json,application/json" hidden onChange={onFileChosen} />
        </div>
      </header>

      <div className="rg-body">
        <Palette state={nodesState} onRetry={() => setReload((n) => n + 1)} />
        <main
          className={`rg-canvas${dragging ? ' is-dragging' : ''}`}
          onDragOver={(event) => {
            if (event.dataTransfer.types.includes('Files')) {
              event.preventDefault();
              setDragging(true);
            }
          }}
          onDragLeave={(event) => {
            if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
          }}
          onDrop={onDrop}
        >
          <ReactFlow<FlowNode, FlowEdge>
            nodes={nodes}
            edges={edges}
            nodeTypes={nodeTypes}
            onNodesChange={onNodesChange}
            onEdgesChange={onEdgesChange}
            onConnect={onConnect}
            onConnectEnd={onConnectEnd}
            isValidConnection={isValidConnection}
            onNodeDragStop={onNodeDragStop}
            deleteKeyCode={['Backspace', 'Delete']}
            colorMode="dark"
            minZoom={0.1}
            maxZoom={2}
            proOptions={{ hideAttribution: true }}
          >
            <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} />
            <MiniMap<FlowNode> pannable zoomable nodeColor={minimapColor} nodeStrokeWidth={0} maskColor="rgba(10, 12, 16, 0.7)" />
            <Controls showInteractive={false} />
          </ReactFlow>
          {!loaded ? (
            <div className="rg-empty">
              <h1>Open a graph</h1>
              <p className="rg-muted">
                Choose a <code>reelgraph/graph</code> JSON document, or drop one here.
              </p>
              <button type="button" className="rg-button rg-button--primary" onClick={() => fileInput.current?.click()}>
                Open graph…
              </button>
            </div>
          ) : null}
          <Toast message={toast} onDone={clearToast} />
        </main>
      </div>

      <footer className="rg-statusbar">
        <span className={`rg-server rg-server--${nodesState.status}`}>
          <span className="rg-server__dot" aria-hidden="true" />
          {serverLabel}
        </span>
        {doc ? (
          <span>
            {doc.nodes.length} nodes · {doc.edges.length} edges
            {unknownTypes.length > 0 ? <span className="rg-warn"> · unknown types: {unknownTypes.join(', ')}</span> : null}
          </span>
        ) : null}
        <span className="rg-statusbar__message" title={status}>
          {status}
        </span>
      </footer>
    </div>
  );
}

export function App() {
  return (
    <ReactFlowProvider>
      <Editor />
    </ReactFlowProvider>
  );
}
