/**
 * Undo/redo as a bounded history of document snapshots. Documents are
 * immutable, so a snapshot is just the previous object. Edits sharing a
 * `key` (one node's drag, a burst of param edits on one node) within
 * `coalesceMs` of each other are one step.
 */
export interface History<T> {
  past: T[];
  future: T[];
  /** The last recorded edit, for coalescing. */
  last?: { key: string; at: number };
}

export const HISTORY_LIMIT = 200;
export const COALESCE_MS = 500;

export function emptyHistory<T>(): History<T> {
  return { past: [], future: [] };
}

/** Records that `previous` was replaced by a new state. */
export function record<T>(history: History<T>, previous: T, key?: string, now = Date.now(), limit = HISTORY_LIMIT): History<T> {
  if (key && history.last && history.last.key === key && now - history.last.at < COALESCE_MS && history.past.length > 0) {
    return { past: history.past, future: [], last: { key, at: now } };
  }
  const past = [...history.past, previous];
  if (past.length > limit) past.splice(0, past.length - limit);
  return key ? { past, future: [], last: { key, at: now } } : { past, future: [] };
}

export function undo<T>(history: History<T>, current: T): { history: History<T>; state: T } | undefined {
  const state = history.past[history.past.length - 1];
  if (state === undefined) return undefined;
  return { history: { past: history.past.slice(0, -1), future: [...history.future, current] }, state };
}

export function redo<T>(history: History<T>, current: T): { history: History<T>; state: T } | undefined {
  const state = history.future[history.future.length - 1];
  if (state === undefined) return undefined;
  return { history: { past: [...history.past, current], future: history.future.slice(0, -1) }, state };
}
