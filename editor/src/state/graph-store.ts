/**
 * The editor's state (zustand): the open graph document and its meta, the
 * node types the server describes, selection, clipboard, undo/redo, and the
 * shell's UI state (right-hand tab, run requests).
 *
 * Every panel reads and writes through this store. Actions are exported by
 * name (`addNode(…)`, `undo()`, …) and also live on the store
 * (`useGraphStore.getState().addNode(…)`). Document edits go through
 * `commit`, which records the previous snapshot for undo; selection changes
 * are not undo steps.
 *
 * Undo can cross a document switch (an import is an undo step): every
 * document snapshot belongs to a `DocumentSession` (the stored id/version it
 * edits and the document as last saved there), so undoing past an import
 * brings back the previous graph with its id, version and dirty state.
 */
import { create } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { NodeRegistry, type GraphDocument, type GraphInput, type GraphNode, type NodeDescription, type NodeSettings } from '../../../runtime/contract/index.js';
import * as ops from './document-ops.js';
import { emptyHistory, record, redo as redoHistory, undo as undoHistory, type History } from './history.js';
import { layoutPositions } from './layout.js';
import type { PartialRunRequest } from '../runs/partial.js';

export type { Clipboard, ExposeResult, Position, Size } from './document-ops.js';

export interface DocumentMeta {
  /** The stored graph's id, once saved on the server. */
  id?: string;
  /** The stored version this document was loaded from or saved as. */
  version?: number;
  /** Differs from the stored version (or was never saved). */
  dirty: boolean;
}

/**
 * What the snapshots of one opened document share: the stored graph they edit
 * and its document as last saved. Mutable on purpose: a save updates it for
 * every snapshot of that document, so undo/redo across an import lands on the
 * right meta even after saving in between.
 */
interface DocumentSession {
  id?: string;
  version?: number;
  savedDoc: GraphDocument | null;
}

export interface SetDocumentOptions {
  /** Keep the undo history and make the switch itself an undo step (an import); default: a fresh history. */
  record?: boolean;
}

export type RightTab = 'node' | 'graph' | 'run';
export type NodeTypesStatus = 'idle' | 'loading' | 'ready' | 'error';
export type ConnectResult = { ok: true; wrap: boolean; replaced: string[] } | { ok: false; reason: string };

export interface GraphState {
  doc: GraphDocument;
  meta: DocumentMeta;
  /** The document as last saved/loaded: `dirty` is `doc !== savedDoc`. */
  savedDoc: GraphDocument | null;
  nodeTypes: NodeDescription[];
  nodeTypesStatus: NodeTypesStatus;
  nodeTypesError?: string;
  registry: NodeRegistry<NodeDescription> | undefined;
  /** Selected node ids and edge ids (`from->to`). */
  selection: string[];
  clipboard: ops.Clipboard | null;
  history: History<GraphDocument>;
  /** Paste count since the last copy: each paste lands a little further. */
  pasteCount: number;
  rightTab: RightTab;
  /** Incremented by `setDocument` (a graph was opened): the canvas fits the view. */
  loadCount: number;
  /** Incremented by `requestRun()` (the toolbar's Run): the Run panel starts a run when it changes. */
  runRequest: number;
  /** The scope of the last run request: a partial run (Run to here, Run this node only), or undefined for the whole graph. */
  runScope: PartialRunRequest | undefined;

  /** Opens `doc` (a loaded, imported or new graph); the canvas fits it. With `record`, Undo returns to the previous document. */
  setDocument(doc: GraphDocument, meta?: Partial<DocumentMeta>, options?: SetDocumentOptions): void;
  newDocument(name?: string): void;
  setNodeTypes(nodes: NodeDescription[]): void;
  setNodeTypesStatus(status: NodeTypesStatus, error?: string): void;
  addNode(type: string, position: ops.Position, version?: number): string | undefined;
  removeSelected(): void;
  removeItems(ids: string[]): void;
  connect(from: string, to: string): ConnectResult;
  canConnect(from: string, to: string): ConnectResult;
  disconnect(edgeId: string): void;
  updateParams(nodeId: string, params: Record<string, unknown>): void;
  updateSettings(nodeId: string, settings: Partial<NodeSettings>): void;
  updateNodeMeta(nodeId: string, meta: { title?: string; notes?: string }): void;
  updateGraph(patch: Partial<Pick<GraphDocument, 'name' | 'description' | 'inputs' | 'outputs' | 'settings'>>): void;
  /** Adds or replaces a graph input; with `previous`, renames that input (its edges follow). One undo step. */
  setGraphInput(name: string, input: GraphInput, previous?: string): void;
  /** Removes a graph input and the edges that read it. */
  removeGraphInput(name: string): void;
  /** Sets a graph output (`name → node.port`); with `previous`, renames that output. */
  setGraphOutput(name: string, ref: string, previous?: string): void;
  removeGraphOutput(name: string): void;
  /** A new graph input of the port's type wired to `nodeId.port`; returns its name, or why not. */
  exposeInput(nodeId: string, port: string): ops.ExposeResult;
  /** `outputs[name] = nodeId.port` (an already exposed port keeps its output); returns the name, or why not. */
  exposeOutput(nodeId: string, port: string): ops.ExposeResult;
  moveNodes(positions: Record<string, ops.Position>): void;
  select(ids: string[]): void;
  selectAll(): void;
  copy(withLinks?: boolean): number;
  paste(options?: { withLinks?: boolean }): string[];
  undo(): void;
  redo(): void;
  autoLayout(sizes?: Record<string, ops.Size>): void;
  markSaved(meta: { id?: string; version?: number }): void;
  /** The stored graph behind the open document is gone (deleted): it is an unsaved document now. */
  markUnstored(): void;
  setRightTab(tab: RightTab): void;
  /** Opens the Run tab and starts a run there: the whole graph, or with `scope` a partial run. */
  requestRun(scope?: PartialRunRequest): void;
}

/** Registry of the served descriptions; a duplicate type@version is skipped, not fatal. */
export function toRegistry(nodes: NodeDescription[]): NodeRegistry<NodeDescription> {
  const registry = new NodeRegistry<NodeDescription>();
  for (const node of nodes) {
    if (!registry.get(node.type, node.version)) registry.register(node);
  }
  return registry;
}

const initialDoc = ops.emptyDocument();

/** Each snapshot's session; every document in the store or its history has one. */
const sessions = new WeakMap<GraphDocument, DocumentSession>();
sessions.set(initialDoc, { savedDoc: initialDoc });

const sessionOf = (doc: GraphDocument): DocumentSession => {
  let session = sessions.get(doc);
  if (!session) {
    // A document that entered the store some other way (a test's setState): it starts its own session.
    session = { savedDoc: null };
    sessions.set(doc, session);
  }
  return session;
};

const metaOf = (doc: GraphDocument, session: DocumentSession): DocumentMeta => ({
  ...(session.id !== undefined ? { id: session.id } : {}),
  ...(session.version !== undefined ? { version: session.version } : {}),
  dirty: doc !== session.savedDoc,
});

export const useGraphStore = create<GraphState>()((set, get) => {
  /** Replace the document, recording the old one as an undo step (coalesced by `key`). */
  const commit = (next: GraphDocument, key?: string, extra: Partial<GraphState> = {}): void => {
    const state = get();
    if (next === state.doc) {
      if (Object.keys(extra).length > 0) set(extra);
      return;
    }
    if (!sessions.has(next)) sessions.set(next, sessionOf(state.doc));
    set({
      ...extra,
      doc: next,
      history: record(state.history, state.doc, key),
      meta: { ...state.meta, dirty: next !== state.savedDoc },
    });
  };

  const present = (doc: GraphDocument, selection: string[]): string[] => {
    if (selection.length === 0) return selection;
    const nodes = new Set(doc.nodes.map((node) => node.id));
    const edges = new Set(doc.edges.map(ops.edgeId));
    const kept = selection.filter((id) => nodes.has(id) || edges.has(id));
    return kept.length === selection.length ? selection : kept;
  };

  const travel = (step: typeof undoHistory): void => {
    const state = get();
    const result = step(state.history, state.doc);
    if (!result) return;
    const session = sessionOf(result.state);
    const switched = session !== sessionOf(state.doc);
    set({
      doc: result.state,
      history: result.history,
      meta: metaOf(result.state, session),
      savedDoc: session.savedDoc,
      selection: present(result.state, state.selection),
      // Back to another document (undoing an import): fit it like any opened graph.
      ...(switched ? { loadCount: state.loadCount + 1 } : {}),
    });
  };

  return {
    doc: initialDoc,
    meta: { dirty: false },
    savedDoc: initialDoc,
    nodeTypes: [],
    nodeTypesStatus: 'idle',
    registry: undefined,
    selection: [],
    clipboard: null,
    history: emptyHistory(),
    pasteCount: 0,
    rightTab: 'node',
    loadCount: 0,
    runRequest: 0,
    runScope: undefined,

    setDocument(doc, meta = {}, options = {}) {
      const state = get();
      const dirty = meta.dirty ?? false;
      const session: DocumentSession = {
        ...(meta.id !== undefined ? { id: meta.id } : {}),
        ...(meta.version !== undefined ? { version: meta.version } : {}),
        savedDoc: dirty ? null : doc,
      };
      sessions.set(doc, session);
      sessionOf(state.doc); // the replaced document keeps its meta for undo
      set({
        doc,
        meta: metaOf(doc, session),
        savedDoc: session.savedDoc,
        history: options.record && doc !== state.doc ? record(state.history, state.doc) : emptyHistory(),
        selection: [],
        loadCount: state.loadCount + 1,
      });
    },

    newDocument(name) {
      get().setDocument(ops.emptyDocument(name), { dirty: false });
    },

    setNodeTypes(nodes) {
      set({ nodeTypes: nodes, registry: toRegistry(nodes), nodeTypesStatus: 'ready', nodeTypesError: undefined });
    },

    setNodeTypesStatus(status, error) {
      set({ nodeTypesStatus: status, nodeTypesError: error });
    },

    addNode(type, position, version) {
      const { registry, doc } = get();
      const description = version !== undefined ? registry?.get(type, version) : registry?.latest(type);
      if (!description) return undefined;
      const result = ops.addNode(doc, description, position);
      commit(result.doc, undefined, { selection: [result.id] });
      return result.id;
    },

    removeSelected() {
      const { selection } = get();
      if (selection.length > 0) get().removeItems(selection);
    },

    removeItems(ids) {
      const { doc, selection } = get();
      const next = ops.removeItems(doc, ids);
      commit(next, undefined, { selection: present(next, selection) });
    },

    canConnect(from, to) {
      const { doc, registry } = get();
      const check = ops.checkEdge(doc, registry, from, to);
      return check.ok ? { ok: true, wrap: check.wrap, replaced: check.replaces.map(ops.edgeId) } : check;
    },

    connect(from, to) {
      const { doc, registry } = get();
      const check = ops.checkEdge(doc, registry, from, to);
      if (!check.ok) return check;
      commit(ops.applyEdge(doc, check));
      return { ok: true, wrap: check.wrap, replaced: check.replaces.map(ops.edgeId) };
    },

    disconnect(edgeId) {
      const { doc, selection } = get();
      const next = ops.removeEdge(doc, edgeId);
      commit(next, undefined, { selection: present(next, selection) });
    },

    updateParams(nodeId, params) {
      commit(ops.updateParams(get().doc, nodeId, params), `params:${nodeId}`);
    },

    updateSettings(nodeId, settings) {
      commit(ops.updateSettings(get().doc, nodeId, settings), `settings:${nodeId}`);
    },

    updateNodeMeta(nodeId, meta) {
      commit(ops.updateNodeMeta(get().doc, nodeId, meta), `meta:${nodeId}`);
    },

    updateGraph(patch) {
      const { doc } = get();
      const next: GraphDocument = { ...doc };
      for (const [key, value] of Object.entries(patch) as [keyof typeof patch, unknown][]) {
        if (value === undefined) delete next[key];
        else (next as unknown as Record<string, unknown>)[key] = value;
      }
      commit(next, `graph:${Object.keys(patch).sort().join(',')}`);
    },

    setGraphInput(name, input, previous) {
      commit(ops.setGraphInput(get().doc, name, input, previous));
    },

    removeGraphInput(name) {
      const { doc, selection } = get();
      const next = ops.removeGraphInput(doc, name);
      commit(next, undefined, { selection: present(next, selection) });
    },

    setGraphOutput(name, ref, previous) {
      commit(ops.setGraphOutput(get().doc, name, ref, previous));
    },

    removeGraphOutput(name) {
      commit(ops.removeGraphOutput(get().doc, name));
    },

    exposeInput(nodeId, port) {
      const { doc, registry } = get();
      const result = ops.exposeInput(doc, registry, nodeId, port);
      if (result.ok) commit(result.doc);
      return result;
    },

    exposeOutput(nodeId, port) {
      const { doc, registry } = get();
      const result = ops.exposeOutput(doc, registry, nodeId, port);
      if (result.ok) commit(result.doc);
      return result;
    },

    moveNodes(positions) {
      const ids = Object.keys(positions).sort().join(',');
      commit(ops.moveNodes(get().doc, positions), `move:${ids}`);
    },

    select(ids) {
      const { selection } = get();
      if (ids.length === selection.length && ids.every((id, index) => id === selection[index])) return;
      set({ selection: [...ids] });
    },

    selectAll() {
      set({ selection: get().doc.nodes.map((node) => node.id) });
    },

    copy(withLinks = false) {
      const { doc, selection } = get();
      const clipboard = ops.copyItems(doc, selection, withLinks);
      if (!clipboard) return 0;
      set({ clipboard, pasteCount: 0 });
      return clipboard.nodes.length;
    },

    paste(options = {}) {
      const { doc, clipboard, pasteCount } = get();
      if (!clipboard) return [];
      const step = 40 * (pasteCount + 1);
      const result = ops.pasteItems(doc, clipboard, { ...options, offset: { x: step, y: step } });
      commit(result.doc, undefined, { selection: result.ids, pasteCount: pasteCount + 1 });
      return result.ids;
    },

    undo() {
      travel(undoHistory);
    },

    redo() {
      travel(redoHistory);
    },

    autoLayout(sizes) {
      const { doc, registry } = get();
      if (doc.nodes.length === 0) return;
      commit(ops.moveNodes(doc, layoutPositions(doc, { registry, ...(sizes ? { sizes } : {}) })));
    },

    markSaved(meta) {
      const { doc } = get();
      const session = sessionOf(doc);
      if (meta.id !== undefined) session.id = meta.id;
      if (meta.version !== undefined) session.version = meta.version;
      else delete session.version;
      session.savedDoc = doc;
      set({ savedDoc: doc, meta: metaOf(doc, session) });
    },

    markUnstored() {
      const { doc } = get();
      const session = sessionOf(doc);
      delete session.id;
      delete session.version;
      session.savedDoc = null;
      set({ savedDoc: null, meta: metaOf(doc, session) });
    },

    setRightTab(tab) {
      set({ rightTab: tab });
    },

    requestRun(scope) {
      set({ rightTab: 'run', runRequest: get().runRequest + 1, runScope: scope });
    },
  };
});

// ─── actions by name ────────────────────────────────────────────────────────

const actions = () => useGraphStore.getState();
export const setDocument: GraphState['setDocument'] = (doc, meta, options) => actions().setDocument(doc, meta, options);
export const newDocument: GraphState['newDocument'] = (name) => actions().newDocument(name);
export const setNodeTypes: GraphState['setNodeTypes'] = (nodes) => actions().setNodeTypes(nodes);
export const addNode: GraphState['addNode'] = (type, position, version) => actions().addNode(type, position, version);
export const removeSelected: GraphState['removeSelected'] = () => actions().removeSelected();
export const removeItems: GraphState['removeItems'] = (ids) => actions().removeItems(ids);
export const connect: GraphState['connect'] = (from, to) => actions().connect(from, to);
export const canConnect: GraphState['canConnect'] = (from, to) => actions().canConnect(from, to);
export const disconnect: GraphState['disconnect'] = (edgeId) => actions().disconnect(edgeId);
export const updateParams: GraphState['updateParams'] = (nodeId, params) => actions().updateParams(nodeId, params);
export const updateSettings: GraphState['updateSettings'] = (nodeId, settings) => actions().updateSettings(nodeId, settings);
export const updateNodeMeta: GraphState['updateNodeMeta'] = (nodeId, meta) => actions().updateNodeMeta(nodeId, meta);
export const updateGraph: GraphState['updateGraph'] = (patch) => actions().updateGraph(patch);
export const setGraphInput: GraphState['setGraphInput'] = (name, input, previous) => actions().setGraphInput(name, input, previous);
export const removeGraphInput: GraphState['removeGraphInput'] = (name) => actions().removeGraphInput(name);
export const setGraphOutput: GraphState['setGraphOutput'] = (name, ref, previous) => actions().setGraphOutput(name, ref, previous);
export const removeGraphOutput: GraphState['removeGraphOutput'] = (name) => actions().removeGraphOutput(name);
export const exposeInput: GraphState['exposeInput'] = (nodeId, port) => actions().exposeInput(nodeId, port);
export const exposeOutput: GraphState['exposeOutput'] = (nodeId, port) => actions().exposeOutput(nodeId, port);
export const moveNodes: GraphState['moveNodes'] = (positions) => actions().moveNodes(positions);
export const select: GraphState['select'] = (ids) => actions().select(ids);
export const selectAll: GraphState['selectAll'] = () => actions().selectAll();
export const copy: GraphState['copy'] = (withLinks) => actions().copy(withLinks);
export const paste: GraphState['paste'] = (options) => actions().paste(options);
export const undo: GraphState['undo'] = () => actions().undo();
export const redo: GraphState['redo'] = () => actions().redo();
export const autoLayout: GraphState['autoLayout'] = (sizes) => actions().autoLayout(sizes);
export const markSaved: GraphState['markSaved'] = (meta) => actions().markSaved(meta);
export const markUnstored: GraphState['markUnstored'] = () => actions().markUnstored();
export const setRightTab: GraphState['setRightTab'] = (tab) => actions().setRightTab(tab);
export const requestRun: GraphState['requestRun'] = (scope) => actions().requestRun(scope);

// ─── selectors ──────────────────────────────────────────────────────────────

/** The selected node when exactly one node is selected (edges aside), else undefined. */
export function useSelectedNode(): GraphNode | undefined {
  return useGraphStore((state) => {
    let found: string | undefined;
    const ids = new Set(state.selection);
    let count = 0;
    for (const node of state.doc.nodes) {
      if (ids.has(node.id)) {
        count += 1;
        found = node.id;
      }
    }
    return count === 1 ? state.doc.nodes.find((node) => node.id === found) : undefined;
  });
}

/** The description of the selected node's type (its exact version, else the latest). */
export function useSelectedNodeDescription(): NodeDescription | undefined {
  const node = useSelectedNode();
  const registry = useGraphStore((state) => state.registry);
  if (!node || !registry) return undefined;
  return registry.get(node.type, node.typeVersion) ?? registry.latest(node.type);
}

export const useDocument = (): GraphDocument => useGraphStore((state) => state.doc);
export const useDocumentMeta = (): DocumentMeta => useGraphStore((state) => state.meta);
export const useRegistry = (): NodeRegistry<NodeDescription> | undefined => useGraphStore((state) => state.registry);
export const useNodeTypes = (): NodeDescription[] => useGraphStore((state) => state.nodeTypes);
export const useSelection = (): string[] => useGraphStore((state) => state.selection);
export const useHistoryState = (): { canUndo: boolean; canRedo: boolean } =>
  useGraphStore(useShallow((state) => ({ canUndo: state.history.past.length > 0, canRedo: state.history.future.length > 0 })));
