/**
 * The live state of one run as the editor shows it: a run status and, per
 * node, `{status, progress, cached, fellBack, items, error, providers,
 * durationMs}`. Built from the server's snapshot (GET /api/runs/:id or the
 * socket's `snapshot`) and then advanced by engine events.
 *
 * Pure functions over plain data (no DOM, no React): the store and the
 * socket call them; tests/editor-runs.test.ts exercises them directly.
 *
 * Ordering: the socket sends events from the moment it joins a run's room,
 * while the snapshot comes from the store's write-behind, which may be a
 * little behind or ahead of them. So an event older than what a node already
 * shows is ignored, and a finished node or item is never sent back to a
 * non-final status by an event of the same instant.
 */
import type { SerializedError } from '../../../runtime/contract/errors.js';
import type { ItemStatus, NodeStatus, ReelgraphEvent, RunStatus } from '../../../runtime/contract/events.js';
import type { ItemRunRow, NodeRunRow, RunDetail, RunLogRow } from '../../../runtime/contract/records.js';
import { demandedBy } from '../../../runtime/contract/graph.js';
import { nodeFraction, tallyFromCounts, terminalNodeStatuses, type ItemTally } from '../../../runtime/contract/run-progress.js';
import { scopeOf } from './partial.js';

// The tally, the terminal node statuses and the progress rule are shared with the server and CLI (runtime/contract/run-progress.ts).
export { tallyFromCounts, terminalNodeStatuses, type ItemTally };

export interface ItemState {
  index: number;
  key: string;
  status: ItemStatus;
  provider?: string;
  attempts: number;
  durationMs?: number;
  error?: SerializedError;
  /** Last progress fraction reported for this item. */
  progress?: number;
  /** The item's output values, once it has a result. */
  outputs?: Record<string, unknown>;
  /** The producer's take of the item (an item pin), when not the first. */
  take?: number;
  /** The result was the producer's locked one (status `cached`). */
  locked?: true;
  /** Epoch ms of the last change applied. */
  at: number;
}

export interface NodeRunState {
  nodeId: string;
  nodeType?: string;
  status: NodeStatus;
  /** Fraction in [0, 1]; from progress events, or items done / total. */
  progress?: number;
  progressMessage?: string;
  cached: boolean;
  fellBack: boolean;
  /** Set for nodes that map over items. */
  items?: ItemTally;
  error?: SerializedError;
  /** Providers that produced this node's results, other than the node itself (fallback alternatives). */
  providers: string[];
  durationMs?: number;
  attempts: number;
  /** Retries scheduled so far (the last one's error shows while waiting). */
  retries: number;
  lastRetryError?: SerializedError;
  /** Per item, by index. */
  itemStates: Record<number, ItemState>;
  /** Node-level counts from the node's last event (authoritative when present). */
  reportedItems?: ItemTally;
  /** Output values of a node that runs whole, once done or cached (a mapped node's are per item). */
  outputs?: Record<string, unknown>;
  at: number;
}

/** A log line as the run panel keeps it: a stored log row without its store ids. */
export type LogLine = Omit<RunLogRow, 'id' | 'runId'>;

export interface RunState {
  runId: string;
  status: RunStatus;
  graphId?: string;
  graphName?: string;
  error?: SerializedError;
  durationMs?: number;
  /** Epoch ms the run started working (stored, or its first `running` event): the ETA counts from here. */
  startedAt?: number;
  nodes: Record<string, NodeRunState>;
  /** The last log lines seen (events and fetched logs), oldest first. */
  logs: LogLine[];
  /** The last full detail received (snapshot or GET), for outputs and the graph. */
  detail?: RunDetail;
  /** Epoch ms of the last run-status change applied. */
  runAt: number;
  /** Epoch ms of the last change of any kind. */
  at: number;
}

export const MAX_LOG_LINES = 300;

export const terminalRunStatuses: ReadonlySet<RunStatus> = new Set(['done', 'failed', 'cancelled']);
export const terminalItemStatuses: ReadonlySet<ItemStatus> = new Set(['done', 'failed', 'cached', 'fell-back', 'cancelled']);

export const isRunActive = (status: RunStatus | undefined): boolean => status === 'queued' || status === 'running' || status === 'waiting';

// ---------------------------------------------------------------- tallies

/** Counts from item states: exact for everything the events or snapshot told. */
export function tallyItems(items: Record<number, ItemState>): ItemTally {
  const tally: ItemTally = { total: 0, done: 0, cached: 0, failed: 0, fellBack: 0 };
  for (const item of Object.values(items)) {
    tally.total += 1;
    if (item.status === 'done' || item.status === 'cached' || item.status === 'fell-back') tally.done += 1;
    if (item.status === 'cached') tally.cached += 1;
    if (item.status === 'failed') tally.failed += 1;
    if (item.status === 'fell-back') tally.fellBack += 1;
  }
  return tally;
}

/** Item states win while they know at least as many items as the node's own report. */
function effectiveItems(node: NodeRunState): ItemTally | undefined {
  const fromItems = Object.keys(node.itemStates).length > 0 ? tallyItems(node.itemStates) : undefined;
  if (!fromItems) return node.reportedItems;
  if (node.reportedItems && node.reportedItems.total > fromItems.total) return node.reportedItems;
  return fromItems;
}

function providersOf(node: NodeRunState): string[] {
  const seen = new Set<string>();
  for (const item of Object.values(node.itemStates)) if (item.provider && item.provider !== node.nodeId) seen.add(item.provider);
  return [...seen].sort();
}

/** Recomputes the derived fields (items, progress, fellBack, providers) of a node. */
function derive(node: NodeRunState): NodeRunState {
  const items = effectiveItems(node);
  const providers = providersOf(node);
  // Item progress: finished items plus the running ones' reported fractions.
  let runningShare = 0;
  for (const item of Object.values(node.itemStates)) if (item.status === 'running' && item.progress !== undefined) runningShare += item.progress;
  const progress = nodeFraction(node.status, node.progress, items, runningShare);
  return {
    ...node,
    ...(items ? { items } : {}),
    ...(progress !== undefined ? { progress } : {}),
    providers,
    fellBack: (items?.fellBack ?? 0) > 0,
    cached: node.status === 'cached' || (items !== undefined && items.total > 0 && items.cached === items.total),
  };
}

function emptyNode(nodeId: string, at: number, nodeType?: string): NodeRunState {
  return { nodeId, ...(nodeType ? { nodeType } : {}), status: 'queued', cached: false, fellBack: false, providers: [], attempts: 0, retries: 0, itemStates: {}, at };
}

/** Should an update stamped `at` to `next` replace a state stamped `prevAt` with `prev`? */
function newer<S extends string>(prev: S, prevAt: number, next: S, at: number, terminal: ReadonlySet<S>): boolean {
  if (at < prevAt) return false;
  if (at === prevAt && terminal.has(prev) && !terminal.has(next)) return false;
  return true;
}

// ---------------------------------------------------------------- snapshot

function itemFromRow(row: ItemRunRow): ItemState {
  return {
    index: row.index,
    key: row.key,
    status: row.status,
    attempts: row.attempts,
    at: row.finishedAt ?? row.startedAt ?? 0,
    ...(row.provider ? { provider: row.provider } : {}),
    ...(row.durationMs !== undefined ? { durationMs: row.durationMs } : {}),
    ...(row.error ? { error: row.error } : {}),
    ...(row.outputs ? { outputs: row.outputs } : {}),
    ...(row.take ? { take: row.take } : {}),
    ...(row.locked ? { locked: true as const } : {}),
  };
}

function nodeFromRow(row: NodeRunRow, items: ItemRunRow[]): NodeRunState {
  const itemStates: Record<number, ItemState> = {};
  for (const item of items) itemStates[item.index] = itemFromRow(item);
  const node: NodeRunState = {
    ...emptyNode(row.nodeId, row.finishedAt ?? row.startedAt ?? 0, row.nodeType),
    status: row.status,
    attempts: row.attempts,
    itemStates,
    ...(row.progress !== undefined ? { progress: row.progress } : {}),
    ...(row.items ? { reportedItems: tallyFromCounts(row.items, row.status) } : {}),
    ...(row.error ? { error: row.error } : {}),
    ...(row.durationMs !== undefined ? { durationMs: row.durationMs } : {}),
    ...(row.outputs ? { outputs: row.outputs } : {}),
  };
  return derive(node);
}

/** The state a run detail describes (every node of its graph, or of a partial run's scope, `queued` until it reported). */
export function stateFromDetail(detail: RunDetail, logs: LogLine[] = []): RunState {
  const nodes: Record<string, NodeRunState> = {};
  const at = detail.finishedAt ?? detail.startedAt ?? detail.createdAt;
  // A partial run covers its target and the target's ancestors only: the rest of the graph is not waiting on it.
  const scope = scopeOf(detail);
  const covered = scope && detail.graph ? demandedBy(detail.graph, scope.target) : undefined;
  for (const graphNode of detail.graph?.nodes ?? []) if (!covered || covered.has(graphNode.id)) nodes[graphNode.id] = emptyNode(graphNode.id, 0, graphNode.type);
  const itemsByNode = new Map<string, ItemRunRow[]>();
  for (const item of detail.items ?? []) {
    const list = itemsByNode.get(item.nodeId) ?? [];
    list.push(item);
    itemsByNode.set(item.nodeId, list);
  }
  for (const row of detail.nodes ?? []) nodes[row.nodeId] = nodeFromRow(row, itemsByNode.get(row.nodeId) ?? []);
  return {
    runId: detail.id,
    status: detail.status,
    ...(detail.graphId ? { graphId: detail.graphId } : {}),
    graphName: detail.graphName,
    ...(detail.error ? { error: detail.error } : {}),
    ...(detail.durationMs !== undefined ? { durationMs: detail.durationMs } : {}),
    ...(detail.startedAt !== undefined ? { startedAt: detail.startedAt } : {}),
    nodes,
    logs,
    detail,
    runAt: at,
    at,
  };
}

/**
 * Applies a (newer) snapshot over the live state: the snapshot is the base,
 * and whatever the live state knows that is newer than the snapshot stays.
 */
export function mergeSnapshot(state: RunState | undefined, detail: RunDetail): RunState {
  const base = stateFromDetail(detail, state?.runId === detail.id ? state.logs : []);
  if (!state || state.runId !== detail.id) return base;
  const nodes = { ...base.nodes };
  for (const [id, live] of Object.entries(state.nodes)) {
    const snap = nodes[id];
    // The live node wins only when it is strictly newer than the snapshot's (or finished at the same instant).
    if (!snap || live.at > snap.at || (live.at === snap.at && terminalNodeStatuses.has(live.status) && !terminalNodeStatuses.has(snap.status))) nodes[id] = live;
  }
  const liveRunNewer = state.runAt > base.runAt || (state.runAt === base.runAt && terminalRunStatuses.has(state.status) && !terminalRunStatuses.has(base.status));
  const startedAt = base.startedAt ?? state.startedAt;
  return {
    ...base,
    ...(startedAt !== undefined ? { startedAt } : {}),
    nodes,
    logs: state.logs,
    ...(liveRunNewer
      ? { status: state.status, runAt: state.runAt, ...(state.error ? { error: state.error } : {}), ...(state.durationMs !== undefined ? { durationMs: state.durationMs } : {}) }
      : {}),
    at: Math.max(base.at, state.at),
  };
}

// ---------------------------------------------------------------- events

function withNode(state: RunState, nodeId: string, at: number, update: (node: NodeRunState) => NodeRunState | undefined, nodeType?: string): RunState {
  const current = state.nodes[nodeId] ?? emptyNode(nodeId, 0, nodeType);
  const next = update(current);
  if (!next || next === current) return state;
  return { ...state, nodes: { ...state.nodes, [nodeId]: derive(next) }, at: Math.max(state.at, at) };
}

function pushLog(logs: LogLine[], line: LogLine): LogLine[] {
  const last = logs[logs.length - 1];
  // The same event twice (delivered around a subscribe) is shown once.
  if (last && last.at === line.at && last.message === line.message && last.nodeId === line.nodeId && last.index === line.index) return logs;
  const next = [...logs, line];
  return next.length > MAX_LOG_LINES ? next.slice(next.length - MAX_LOG_LINES) : next;
}

/** A new state with one engine event applied; events of other runs are ignored. */
export function applyRunEvent(state: RunState, event: ReelgraphEvent): RunState {
  if (event.runId !== state.runId) return state;
  switch (event.type) {
    case 'run': {
      if (!newer(state.status, state.runAt, event.status, event.at, terminalRunStatuses)) return state;
      const { error: _previous, ...rest } = state;
      return {
        ...(event.status === 'running' || event.status === 'queued' ? rest : state),
        status: event.status,
        ...(event.graphId ? { graphId: event.graphId } : {}),
        ...(event.graphName ? { graphName: event.graphName } : {}),
        ...(event.error ? { error: event.error } : {}),
        ...(event.durationMs !== undefined ? { durationMs: event.durationMs } : {}),
        ...(state.startedAt === undefined && event.status === 'running' ? { startedAt: event.at } : {}),
        runAt: event.at,
        at: Math.max(state.at, event.at),
      };
    }
    case 'node':
      return withNode(
        state,
        event.nodeId,
        event.at,
        (node) => {
          if (!newer(node.status, node.at, event.status, event.at, terminalNodeStatuses)) return undefined;
          const { error: _error, ...rest } = node;
          return {
            ...rest,
            nodeType: event.nodeType,
            status: event.status,
            at: event.at,
            attempts: event.status === 'running' ? Math.max(1, node.attempts) : node.attempts,
            ...(event.items ? { reportedItems: tallyFromCounts(event.items, event.status) } : {}),
            ...(event.durationMs !== undefined ? { durationMs: event.durationMs } : {}),
            ...(event.error ? { error: event.error } : {}),
            ...(event.outputs ? { outputs: event.outputs } : {}),
          };
        },
        event.nodeType,
      );
    case 'item':
      return withNode(state, event.nodeId, event.at, (node) => {
        const prev = node.itemStates[event.index];
        if (prev && !newer(prev.status, prev.at, event.status, event.at, terminalItemStatuses)) return undefined;
        const item: ItemState = {
          index: event.index,
          key: event.key,
          status: event.status,
          attempts: Math.max(prev?.attempts ?? 0, event.attempt ?? (event.status === 'running' ? 1 : 0)),
          at: event.at,
          ...((event.provider ?? prev?.provider) ? { provider: event.provider ?? prev?.provider } : {}),
          ...(event.durationMs !== undefined ? { durationMs: event.durationMs } : prev?.durationMs !== undefined ? { durationMs: prev.durationMs } : {}),
          ...(event.error ? { error: event.error } : {}),
          ...(event.status === 'running' && prev?.progress !== undefined ? { progress: prev.progress } : {}),
          ...((event.outputs ?? prev?.outputs) ? { outputs: event.outputs ?? prev?.outputs } : {}),
          // Every item event of a run says its take; a lock shows on its final `cached` event.
          ...((event.take ?? prev?.take) ? { take: event.take ?? prev?.take } : {}),
          ...(event.locked ? { locked: true as const } : {}),
        };
        // An item that reports while its node still shows queued means the node runs.
        const status: NodeStatus = node.status === 'queued' && event.status !== 'queued' ? 'running' : node.status;
        return { ...node, status, itemStates: { ...node.itemStates, [event.index]: item } };
      });
    case 'progress':
      return withNode(state, event.nodeId, event.at, (node) => {
        if (terminalNodeStatuses.has(node.status)) return undefined;
        if (event.index !== undefined) {
          const item = node.itemStates[event.index];
          if (!item || terminalItemStatuses.has(item.status)) return undefined;
          return { ...node, itemStates: { ...node.itemStates, [event.index]: { ...item, progress: clamp(event.fraction) } } };
        }
        return { ...node, progress: clamp(event.fraction), ...(event.message ? { progressMessage: event.message } : {}) };
      });
    case 'retry':
      return withNode(state, event.nodeId, event.at, (node) => ({
        ...node,
        retries: node.retries + 1,
        attempts: Math.max(node.attempts, event.attempt + 1),
        lastRetryError: event.error,
        ...(event.index !== undefined && node.itemStates[event.index]
          ? { itemStates: { ...node.itemStates, [event.index]: { ...(node.itemStates[event.index] as ItemState), attempts: Math.max((node.itemStates[event.index] as ItemState).attempts, event.attempt + 1) } } }
          : {}),
      }));
    case 'log':
      return {
        ...state,
        logs: pushLog(state.logs, {
          at: event.at,
          level: event.level,
          message: event.message,
          ...(event.nodeId ? { nodeId: event.nodeId } : {}),
          ...(event.index !== undefined ? { index: event.index } : {}),
          ...(event.data ? { data: event.data } : {}),
        }),
      };
    case 'usage':
    case 'review':
      return state;
  }
}

export function applyRunEvents(state: RunState, events: readonly ReelgraphEvent[]): RunState {
  return events.reduce(applyRunEvent, state);
}

/** Stored log rows (GET /api/runs/:id/logs) as log lines, merged before the live ones. */
export function withFetchedLogs(state: RunState, rows: readonly RunLogRow[]): RunState {
  const lines: LogLine[] = rows.map((row) => ({
    at: row.at,
    level: row.level,
    message: row.message,
    ...(row.nodeId ? { nodeId: row.nodeId } : {}),
    ...(row.index !== undefined ? { index: row.index } : {}),
    ...(row.data ? { data: row.data } : {}),
  }));
  const seen = new Set(lines.map(logKey));
  const merged = [...lines, ...state.logs.filter((line) => !seen.has(logKey(line)))].sort((a, b) => a.at - b.at);
  return { ...state, logs: merged.slice(Math.max(0, merged.length - MAX_LOG_LINES)) };
}

const logKey = (line: LogLine): string => `${line.at}|${line.nodeId ?? ''}|${line.index ?? ''}|${line.message}`;

const clamp = (fraction: number): number => (Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0);

// ---------------------------------------------------------------- presentation helpers (still DOM-free)

/** "node "voice", item 3, port "audio"": where an error happened, for people. */
export function describeLocation(error: SerializedError | undefined): string {
  const location = error?.location;
  if (!location) return '';
  const parts: string[] = [];
  if (location.nodeId) parts.push(`node "${location.nodeId}"`);
  if (location.item !== undefined) parts.push(`item ${location.item}`);
  if (location.port) parts.push(`port "${location.port}"`);
  if (location.param) parts.push(`param ${location.param}`);
  if (location.file) parts.push(location.line !== undefined ? `${location.file}:${location.line}` : location.file);
  else if (location.line !== undefined) parts.push(`line ${location.line}`);
  return parts.join(', ');
}

/** "12/40" for mapped nodes. */
export function itemsLabel(items: ItemTally | undefined): string | undefined {
  return items && items.total > 0 ? `${items.done}/${items.total}` : undefined;
}

/** Graph outputs (`name → node.port`) that a node produces. */
export function outputsOfNode(graphOutputs: Record<string, string> | undefined, nodeId: string): string[] {
  return Object.entries(graphOutputs ?? {})
    .filter(([, ref]) => ref.slice(0, ref.indexOf('.')) === nodeId)
    .map(([name]) => name);
}
