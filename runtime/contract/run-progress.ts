/**
 * How far a run is, as one fraction: the rule the editor's Run panel, the
 * season board (an episode's `lastRun.progress`, read by the server from the
 * stored node records) and the CLI share, so a run reads the same percentage
 * everywhere. Pure and browser-safe.
 */
import type { ItemCounts, NodeStatus } from './events.js';

/** Node statuses that will not change any more. */
export const terminalNodeStatuses: ReadonlySet<NodeStatus> = new Set(['done', 'failed', 'cached', 'skipped', 'cancelled']);

export interface ItemTally {
  total: number;
  /** Finished with a result: executed, cached or produced by a fallback. */
  done: number;
  cached: number;
  failed: number;
  fellBack: number;
}

/** The engine's node-level counts (`executed`, not `done`) as a tally. */
export function tallyFromCounts(counts: ItemCounts, status: NodeStatus): ItemTally {
  // A fallback's first alternative is neither executed nor cached here, so a finished node's done count is what did not fail.
  const done = terminalNodeStatuses.has(status) && status !== 'cancelled' ? counts.total - counts.failed : counts.executed + counts.cached + counts.fellBack;
  return { total: counts.total, done: Math.max(0, Math.min(counts.total, done)), cached: counts.cached, failed: counts.failed, fellBack: counts.fellBack };
}

/**
 * A node's share done, in [0, 1]: 1 once done or cached; a mapped node's
 * finished items (plus `runningItemsShare`, the running items' own fractions
 * summed) over its items; else the fraction it reported; else unknown.
 */
export function nodeFraction(status: NodeStatus, reported: number | undefined, items?: Pick<ItemTally, 'total' | 'done' | 'failed'>, runningItemsShare = 0): number | undefined {
  if (status === 'done' || status === 'cached') return 1;
  if (items && items.total > 0) return Math.min(1, (items.done + items.failed + runningItemsShare) / items.total);
  return reported;
}

/**
 * A run's share done, in [0, 1]. Each node weighs one, a finished node whole
 * and a running one by its share done (a run of one mapped node over 40 lines
 * still moves with its lines). Items do not weigh on their own: only the
 * started nodes' items are known, so the voice lines done early would read as
 * a nearly finished run (6/17 nodes at 75 %). `nodesTotal` is the graph's node
 * count when not every node has reported yet (stored records exist only for
 * nodes that did).
 */
export function runFraction(nodes: readonly { status: NodeStatus; progress?: number }[], nodesTotal: number = nodes.length): number {
  let done = 0;
  let partial = 0;
  for (const node of nodes) {
    if (terminalNodeStatuses.has(node.status)) done += 1;
    else if (node.status === 'running') partial += node.progress ?? 0;
  }
  return nodesTotal <= 0 ? 0 : Math.min(1, (done + partial) / nodesTotal);
}
