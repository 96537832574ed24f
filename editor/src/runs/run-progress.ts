/**
 * How far a run is, for people: nodes done of total, items done of total,
 * an estimate of the time left, and per node whether it really failed or
 * only "fell back" (an alternative of a `control.fallback` chain that could
 * not run — typically a provider with no key — while a later one delivered).
 *
 * Pure functions over the run state (run-state.ts) and the graph the run
 * executed; tests/editor-runs.test.ts exercises them directly.
 */
import type { GraphDocument } from '../../../runtime/contract/graph.js';
import type { NodeStatus } from '../../../runtime/contract/events.js';
import { runFraction } from '../../../runtime/contract/run-progress.js';
import { terminalNodeStatuses, type NodeRunState, type RunState } from './run-state.js';
import { scopeOf } from './partial.js';

/**
 * What a node's badge says: its engine status, except that a failure a
 * fallback covered reads `fell-back` (neutral, not red); `outside` is a
 * node a partial run does not cover (downstream of its target, or unrelated):
 * not waiting, not part of it.
 */
export type NodeOutcome = NodeStatus | 'fell-back' | 'idle' | 'outside';

const FALLBACK_TYPE = 'control.fallback';
/** A fallback still delivering, or done: the alternatives it consumed are covered (or may still be). */
const coveringStatuses: ReadonlySet<NodeStatus> = new Set(['queued', 'running', 'done', 'cached']);

/**
 * The fallback nodes a node's outputs feed, when the node feeds nothing
 * else: only then is its failure "expected" (nothing but the fallback
 * depended on it). Graph outputs count as something else.
 */
export function fallbacksFed(graph: Pick<GraphDocument, 'nodes' | 'edges' | 'outputs'> | undefined, nodeId: string): string[] | undefined {
  if (!graph) return undefined;
  const typeOf = new Map(graph.nodes.map((node) => [node.id, node.type]));
  const consumers = graph.edges.filter((edge) => edge.from.slice(0, edge.from.indexOf('.')) === nodeId).map((edge) => edge.to.slice(0, edge.to.indexOf('.')));
  if (consumers.length === 0) return undefined;
  if (Object.values(graph.outputs ?? {}).some((ref) => ref.slice(0, ref.indexOf('.')) === nodeId)) return undefined;
  return consumers.every((id) => typeOf.get(id) === FALLBACK_TYPE) ? [...new Set(consumers)] : undefined;
}

/**
 * A failed node whose only consumers are fallbacks that delivered (or are
 * still running): it "fell back". Every other failure stays a failure.
 */
export function nodeOutcome(run: Pick<RunState, 'nodes' | 'detail'> | undefined, nodeId: string, graph?: Pick<GraphDocument, 'nodes' | 'edges' | 'outputs'>): NodeOutcome {
  const node = run?.nodes[nodeId];
  // A partial run's state holds the nodes it covers (stateFromDetail): any other node is outside it.
  if (!node) return scopeOf(run?.detail) ? 'outside' : 'idle';
  if (node.status !== 'failed') return node.status;
  const fallbacks = fallbacksFed(graph ?? run?.detail?.graph, nodeId);
  if (!fallbacks) return 'failed';
  const covered = fallbacks.every((id) => {
    const fallback = run?.nodes[id];
    return fallback !== undefined && coveringStatuses.has(fallback.status) && (fallback.items?.failed ?? 0) === 0;
  });
  return covered ? 'fell-back' : 'failed';
}

// ---------------------------------------------------------------- progress

export interface RunProgress {
  nodesDone: number;
  nodesTotal: number;
  /** Items finished (with a result or failed) over every mapped node. */
  itemsDone: number;
  itemsTotal: number;
  nodesFailed: number;
  nodesRunning: number;
  /** Work done in [0, 1]: nodes and items together. */
  fraction: number;
}

/** Statuses that count as "done" for the overall bar: the node will not change any more. */
const finishedStatuses: ReadonlySet<NodeStatus> = terminalNodeStatuses;

export function runProgress(run: Pick<RunState, 'nodes' | 'detail'>): RunProgress {
  const nodes = Object.values(run.nodes);
  let nodesDone = 0;
  let nodesFailed = 0;
  let nodesRunning = 0;
  let itemsDone = 0;
  let itemsTotal = 0;
  for (const node of nodes) {
    if (finishedStatuses.has(node.status)) nodesDone += 1;
    else if (node.status === 'running') nodesRunning += 1;
    if (node.status === 'failed' && nodeOutcome(run, node.nodeId) === 'failed') nodesFailed += 1;
    if (node.items) {
      itemsTotal += node.items.total;
      itemsDone += Math.min(node.items.total, node.items.done + node.items.failed);
    }
  }
  const nodesTotal = nodes.length;
  // The one rule for a run's share done, shared with the season board and the CLI.
  const fraction = runFraction(nodes);
  return { nodesDone, nodesTotal, itemsDone, itemsTotal, nodesFailed, nodesRunning, fraction };
}

/** Below these, an estimate would mostly be noise: say "estimating…" instead. */
export const ETA_MIN_ELAPSED_MS = 3_000;
export const ETA_MIN_FRACTION = 0.05;

export type Eta = { state: 'estimating' } | { state: 'estimate'; remainingMs: number } | { state: 'finished' };

/**
 * Time left, assuming the rest of the work goes at the pace so far:
 * `elapsed × (1 − f) / f`. Until some time has passed and some work is done
 * (at least one unit beyond the start), there is no estimate.
 */
export function estimateEta(progress: Pick<RunProgress, 'fraction' | 'nodesDone' | 'itemsDone'>, elapsedMs: number, active: boolean): Eta {
  if (!active) return { state: 'finished' };
  const { fraction } = progress;
  if (elapsedMs < ETA_MIN_ELAPSED_MS || fraction < ETA_MIN_FRACTION || progress.nodesDone + progress.itemsDone === 0) return { state: 'estimating' };
  if (fraction >= 1) return { state: 'estimate', remainingMs: 0 };
  return { state: 'estimate', remainingMs: Math.round((elapsedMs * (1 - fraction)) / fraction) };
}

/** "about 2 min 10 s left" / "estimating…". */
export function describeEta(eta: Eta): string {
  switch (eta.state) {
    case 'estimating':
      return 'estimating…';
    case 'finished':
      return '';
    case 'estimate': {
      const s = Math.max(1, Math.round(eta.remainingMs / 1000));
      if (s < 60) return `about ${s} s left`;
      const m = Math.floor(s / 60);
      if (m < 60) return `about ${m} min ${s - m * 60} s left`;
      const h = Math.floor(m / 60);
      return `about ${h} h ${m - h * 60} min left`;
    }
  }
}

/** When the run began working (its first running event or stored start), for the ETA. */
export function runStartedAt(run: Pick<RunState, 'detail' | 'startedAt' | 'nodes'>): number | undefined {
  if (run.startedAt !== undefined) return run.startedAt;
  if (run.detail?.startedAt !== undefined) return run.detail.startedAt;
  return undefined;
}

/** The node rows of the progress list: the graph's order, each with what to show. */
export interface NodeProgressRow {
  nodeId: string;
  /** The node's title on the canvas, else its id: the list reads like the cards. */
  title: string;
  outcome: NodeOutcome;
  /** [0, 1], when known. */
  progress?: number;
  items?: { done: number; total: number };
  durationMs?: number;
  /** For a finished node: whether it executed or its result came from the cache (see `reuseOf`). */
  reuse?: Reuse;
}

/** How a finished node got its result: `executed`, `cached` (all of it reused), or a mapped node's mix of both. */
export type Reuse = { kind: 'executed' } | { kind: 'cached' } | { kind: 'mixed'; executed: number; cached: number };

/**
 * Executed or reused, per node: what a partial run (and any re-run) is
 * about. A node's `cached` flag covers a node whose every item came from the
 * cache; a mapped node with some fresh items is a mix. Undefined while the
 * node has not finished with a result.
 */
export function reuseOf(node: NodeRunState): Reuse | undefined {
  if (node.cached) return { kind: 'cached' };
  if (node.status !== 'done') return undefined;
  const cached = node.items?.cached ?? 0;
  if (node.items && cached > 0) return { kind: 'mixed', executed: Math.max(0, node.items.done - node.items.fellBack - cached), cached };
  return { kind: 'executed' };
}

/** "executed" / "reused from the cache" / "3 executed, 2 reused". */
export function describeReuse(reuse: Reuse): string {
  if (reuse.kind === 'executed') return 'executed';
  if (reuse.kind === 'cached') return 'reused from the cache';
  return `${reuse.executed} executed, ${reuse.cached} reused`;
}

/** What the canvas calls a node: its title in the run's graph ("Pacing"), else its id ("pace"). */
export function nodeTitle(run: Pick<RunState, 'detail'> | undefined, nodeId: string): string {
  return run?.detail?.graph?.nodes.find((node) => node.id === nodeId)?.title ?? nodeId;
}

export function nodeProgressRows(run: Pick<RunState, 'nodes' | 'detail'>): NodeProgressRow[] {
  const order = run.detail?.graph?.nodes.map((node) => node.id) ?? [];
  const ids = [...order.filter((id) => id in run.nodes), ...Object.keys(run.nodes).filter((id) => !order.includes(id))];
  return ids.map((nodeId) => {
    const node = run.nodes[nodeId] as NodeRunState;
    const outcome = nodeOutcome(run, nodeId);
    const reuse = reuseOf(node);
    return {
      nodeId,
      title: nodeTitle(run, nodeId),
      outcome,
      ...(node.progress !== undefined ? { progress: node.progress } : outcome === 'done' || outcome === 'cached' ? { progress: 1 } : {}),
      ...(node.items && node.items.total > 0 ? { items: { done: node.items.done + node.items.failed, total: node.items.total } } : {}),
      ...(node.durationMs !== undefined ? { durationMs: node.durationMs } : {}),
      ...(reuse ? { reuse } : {}),
    };
  });
}
