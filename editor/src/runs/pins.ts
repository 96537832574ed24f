/**
 * Item pins in the editor (docs/steering.md): lock one item's result,
 * regenerate one item (its next take, made by the next run), and undo
 * either. Pins are server state of a stored graph, read with TanStack Query
 * (`useItemPins`); this file holds what has no DOM: the words, the request
 * each action sends, and the request that undoes it.
 *
 * Takes are shown counted from 1, as a producer says them ("take 2" is the
 * first regeneration); the API and run records count from 0 (`take: 1`).
 *
 * Why pin undo is its own stack and not the canvas's Ctrl+Z: the canvas's
 * history holds document snapshots, is synchronous, coalesces edits and
 * crosses document switches (an import is an undo step), while undoing a
 * pin is a server write for a graph id that can be refused (a 409 when the
 * item was locked since). Mixing the two would make Ctrl+Z sometimes a
 * network call that fails after the document stack has moved. So each pin
 * change records the request that undoes it (a `PUT` of the earlier pin's
 * `locked` or `take`, as the API documents) on the graph's pin history,
 * which the Run panel's "Undo" and the change's toast replay.
 */
import { create } from 'zustand';
import type { ItemPinRequest } from '../../../runtime/contract/api-requests.js';
import type { ItemPin } from '../../../runtime/contract/item-pins.js';
import type { ApiClient } from '../api/client.js';

export type PinAction = 'lock' | 'unlock' | 'regenerate' | 'back';

/** An item's pin as the rows show it: unlocked at take 0 when the graph lists none. */
export interface PinView {
  locked: boolean;
  take: number;
  lockedFromRun?: string;
}

export const NEUTRAL_PIN: PinView = { locked: false, take: 0 };

/** Item `index` of node `nodeId` in the graph's pins. */
export function pinOf(pins: readonly ItemPin[] | undefined, nodeId: string, index: number): PinView {
  const pin = pins?.find((candidate) => candidate.nodeId === nodeId && candidate.index === index);
  if (!pin) return NEUTRAL_PIN;
  return { locked: pin.locked, take: pin.take, ...(pin.lockedFromRun ? { lockedFromRun: pin.lockedFromRun } : {}) };
}

/** "take 2" for API take 1: producers count takes from 1. */
export function takeLabel(take: number): string {
  return `take ${take + 1}`;
}

/** How many of a node's items are locked and regenerated, and the card's words ("2 locked · 1 regenerated"); undefined when none. */
export function pinSummary(pins: readonly ItemPin[] | undefined, nodeId: string): { locked: number; regenerated: number; text: string } | undefined {
  let locked = 0;
  let regenerated = 0;
  for (const pin of pins ?? []) {
    if (pin.nodeId !== nodeId) continue;
    if (pin.locked) locked += 1;
    // A locked item's take is kept for when it is unlocked: the lock is what the card says about it.
    else if (pin.take > 0) regenerated += 1;
  }
  if (locked === 0 && regenerated === 0) return undefined;
  const text = [locked > 0 ? `${locked} locked` : '', regenerated > 0 ? `${regenerated} regenerated` : ''].filter(Boolean).join(' · ');
  return { locked, regenerated, text };
}

/** What the run record says of an item: "locked" (its result was the producer's locked one), "take 2", or nothing. */
export function recordedPin(item: { locked?: boolean; take?: number }): string | undefined {
  const parts = [item.locked ? 'locked' : '', item.take ? takeLabel(item.take) : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

/** Why Regenerate is refused before asking, or undefined when it is allowed. */
export function regenerateBlocked(graphId: string | undefined, pin: PinView, nodeType?: string, previewScene?: number): string | undefined {
  if (!graphId) return 'Save the graph to regenerate items';
  if (previewScene !== undefined) return lockBlocked(graphId, previewScene);
  if (pin.locked) return 'Locked: unlock it to regenerate';
  if (nodeType === 'control.fallback') return 'Regenerate it on the alternative that should make it';
  return undefined;
}

/**
 * Why Lock and Regenerate are refused before asking: an unsaved graph has no
 * pins, and a one-scene preview's items are that scene's alone, so its item
 * indexes do not name the graph's items (the runtime honours no pins there).
 */
export function lockBlocked(graphId: string | undefined, previewScene?: number): string | undefined {
  if (!graphId) return 'Save the graph to lock items';
  if (previewScene !== undefined) return `A preview of scene ${previewScene}: its items are not numbered as the graph's; open a full run to lock or regenerate`;
  return undefined;
}

/**
 * The request that undoes `action` done on a pin that was `before`: only
 * what the action changed goes back, so undoing a regenerate on an item
 * locked since is refused (ITEM_LOCKED) rather than silently unlocking it. A
 * lock is made again from the run it came from, which keeps the same result.
 */
export function restoreRequest(action: PinAction, before: PinView): ItemPinRequest {
  switch (action) {
    case 'regenerate':
    case 'back':
      return { take: before.take };
    case 'lock':
    case 'unlock':
      return { locked: before.locked, ...(before.locked && before.lockedFromRun ? { runId: before.lockedFromRun } : {}) };
  }
}

/** What a pin action asks of the server. */
export type PinRequest = { kind: 'put'; change: ItemPinRequest } | { kind: 'regenerate' };

/** The request of `action` on an item whose pin is `before`; `runId`: the run shown, whose result a lock keeps. */
export function pinRequest(action: PinAction, before: PinView, runId?: string): PinRequest {
  switch (action) {
    case 'lock':
      return { kind: 'put', change: { locked: true, ...(runId ? { runId } : {}) } };
    case 'unlock':
      return { kind: 'put', change: { locked: false } };
    case 'regenerate':
      return { kind: 'regenerate' };
    case 'back':
      return { kind: 'put', change: { take: Math.max(0, before.take - 1) } };
  }
}

/** The words of a done action, for the toast and the Undo button. */
export function describePinAction(action: PinAction, index: number, after: PinView): string {
  const item = `Item ${index}`;
  switch (action) {
    case 'lock':
      return `${item} locked: later runs keep this take`;
    case 'unlock':
      return `${item} unlocked: it follows its inputs again`;
    case 'regenerate':
      return `${item}: ${takeLabel(after.take)} will be made by the next run. Nothing is spent until you run`;
    case 'back':
      return `${item} back to ${takeLabel(after.take)} (from the cache, free)`;
  }
}

/** A server refusal in the producer's words. */
export function pinErrorText(error: unknown, index: number): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ITEM_LOCKED':
      return `Item ${index} is locked: unlock it before regenerating it`;
    case 'NO_RESULT_TO_LOCK':
      return `Item ${index} has no result to lock yet: run the graph first`;
    case 'NOT_PER_ITEM':
      return 'This node runs whole: only the items of a node that maps over a list can be locked or regenerated';
    case 'ITEM_NOT_REGENERABLE':
      return "A fallback's items are made by its alternatives: regenerate the item on the alternative that should make it";
    case 'UNKNOWN_NODE':
      return 'Save the graph first: the stored graph does not have this node yet';
    case 'NOT_FOUND':
    case 'GRAPH_HAS_NO_ID':
      return 'Save the graph to lock items';
    default:
      return message;
  }
}

export interface PinStep {
  graphId: string;
  nodeId: string;
  index: number;
  /** "regenerate item 2": what Undo undoes. */
  label: string;
  undo: ItemPinRequest;
}

/** The graph's pin changes, newest last, each with the request that undoes it. */
export interface PinHistoryState {
  steps: PinStep[];
  push(step: PinStep): void;
  /** The newest step of `graphId`, removed. */
  pop(graphId: string): PinStep | undefined;
  /** Removes `step` (undone from its toast); false when it is no longer there (undone already). */
  take(step: PinStep): boolean;
}

const PIN_HISTORY_LIMIT = 50;

export const usePinHistory = create<PinHistoryState>()((set, get) => ({
  steps: [],
  push(step) {
    set({ steps: [...get().steps, step].slice(-PIN_HISTORY_LIMIT) });
  },
  pop(graphId) {
    const steps = get().steps;
    for (let i = steps.length - 1; i >= 0; i -= 1) {
      const step = steps[i] as PinStep;
      if (step.graphId !== graphId) continue;
      set({ steps: [...steps.slice(0, i), ...steps.slice(i + 1)] });
      return step;
    }
    return undefined;
  },
  take(step) {
    const steps = get().steps;
    if (!steps.includes(step)) return false;
    set({ steps: steps.filter((candidate) => candidate !== step) });
    return true;
  },
}));

export type PinApi = Pick<ApiClient, 'setItemPin' | 'regenerateItem'>;

/**
 * Does `action` on item `index` of `nodeId` and records its undo on the pin
 * history. Answers the pin after it and the words to show. Throws the
 * server's refusal (an `ApiError`) without recording anything.
 */
export async function changePin(api: PinApi, graphId: string, nodeId: string, index: number, action: PinAction, before: PinView, runId?: string): Promise<{ pin: ItemPin; message: string; step: PinStep }> {
  const request = pinRequest(action, before, runId);
  const pin = request.kind === 'regenerate' ? await api.regenerateItem(graphId, nodeId, index) : await api.setItemPin(graphId, nodeId, index, request.change);
  const step: PinStep = { graphId, nodeId, index, label: `${action === 'back' ? 'take back' : action} item ${index}`, undo: restoreRequest(action, before) };
  usePinHistory.getState().push(step);
  return { pin, message: describePinAction(action, index, pinOf([pin], nodeId, index)), step };
}

/**
 * Undoes one pin change: `step` (a toast's Undo), else the graph's newest.
 * Undefined when there is nothing (left) to undo. A refused undo stays on the history.
 */
export async function undoPinChange(api: PinApi, graphId: string, only?: PinStep): Promise<{ step: PinStep; pin: ItemPin } | undefined> {
  const history = usePinHistory.getState();
  const step = only ? (history.take(only) ? only : undefined) : history.pop(graphId);
  if (!step) return undefined;
  try {
    const pin = await api.setItemPin(graphId, step.nodeId, step.index, step.undo);
    return { step, pin };
  } catch (error) {
    usePinHistory.getState().push(step);
    throw error;
  }
}
