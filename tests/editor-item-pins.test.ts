/**
 * Item pins in the editor (issue 19 item 3), the parts without a DOM: what
 * each row control sends (lock keeps the shown run's result, regenerate is a
 * POST, "back" a PUT of the previous take), the request that undoes each
 * change and the pin history that replays it, the producer's words (takes
 * counted from 1, refusals, the card's summary), the run record's `take` and
 * `locked` carried into the run state, and the pins query's invalidation.
 * tests/e2e/editor-item-pins.test.ts drives the same through Chromium.
 */
import { QueryClient } from '@tanstack/react-query';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ItemPinRequest } from '../runtime/contract/api-requests.js';
import type { GraphDocument } from '../runtime/contract/graph.js';
import type { ItemPin } from '../runtime/contract/item-pins.js';
import type { RunDetail } from '../runtime/contract/records.js';
import { ApiError } from '../editor/src/api/client.js';
import { graphDeleted, pinKeys, pinsChanged } from '../editor/src/api/queries.js';
import {
  changePin,
  lockBlocked,
  pinErrorText,
  pinOf,
  pinRequest,
  pinSummary,
  recordedPin,
  regenerateBlocked,
  restoreRequest,
  takeLabel,
  undoPinChange,
  usePinHistory,
  type PinApi,
} from '../editor/src/runs/pins.js';
import { applyRunEvent, stateFromDetail } from '../editor/src/runs/run-state.js';
import { useToastStore } from '../editor/src/state/toast-store.js';

const T = 1_700_000_000_000;

const pin = (nodeId: string, index: number, extra: Partial<ItemPin> = {}): ItemPin => ({ graphId: 'ep', nodeId, index, locked: false, take: 0, updatedAt: T, ...extra });

/** A fake server for pins: applies PUT and regenerate like the API (refusing a take change on a locked item) and records every request. */
function fakePins(initial: ItemPin[] = []) {
  const pins = new Map(initial.map((p) => [`${p.nodeId}/${p.index}`, p]));
  const requests: Array<{ method: string; nodeId: string; index: number; body?: ItemPinRequest }> = [];
  const current = (nodeId: string, index: number): ItemPin => pins.get(`${nodeId}/${index}`) ?? pin(nodeId, index);
  const api: PinApi = {
    async setItemPin(_graphId, nodeId, index, change) {
      requests.push({ method: 'PUT', nodeId, index, body: change });
      let next = current(nodeId, index);
      if (change.locked === false) next = { ...next, locked: false, lockedFromRun: undefined };
      if (change.take !== undefined && change.take !== next.take) {
        if (next.locked) throw new ApiError(409, 'ITEM_LOCKED', `item ${index} of node "${nodeId}" is locked`);
        next = { ...next, take: change.take };
      }
      if (change.locked === true) next = { ...next, locked: true, lockedFromRun: change.runId ?? 'latest' };
      pins.set(`${nodeId}/${index}`, next);
      return next;
    },
    async regenerateItem(_graphId, nodeId, index) {
      requests.push({ method: 'POST', nodeId, index });
      const before = current(nodeId, index);
      if (before.locked) throw new ApiError(409, 'ITEM_LOCKED', `item ${index} of node "${nodeId}" is locked`);
      const next = { ...before, take: before.take + 1 };
      pins.set(`${nodeId}/${index}`, next);
      return next;
    },
  };
  return { api, requests, current };
}

beforeEach(() => {
  usePinHistory.setState({ steps: [] });
  useToastStore.setState({ toasts: [], status: null });
});

describe('the words', () => {
  it('counts takes from 1 for people; the run record says "locked" and "take 2"', () => {
    expect(takeLabel(0)).toBe('take 1');
    expect(takeLabel(1)).toBe('take 2');
    expect(recordedPin({ take: 1 })).toBe('take 2');
    expect(recordedPin({ locked: true })).toBe('locked');
    expect(recordedPin({ locked: true, take: 2 })).toBe('locked · take 3');
    expect(recordedPin({})).toBeUndefined();
    expect(recordedPin({ take: 0 })).toBeUndefined();
  });

  it('summarises a node’s pins for its card; a locked item with a take counts as locked only', () => {
    const pins = [pin('voice', 0, { locked: true }), pin('voice', 2, { locked: true, take: 1 }), pin('voice', 3, { take: 2 }), pin('scenes', 0, { take: 1 })];
    expect(pinSummary(pins, 'voice')).toEqual({ locked: 2, regenerated: 1, text: '2 locked · 1 regenerated' });
    expect(pinSummary(pins, 'scenes')?.text).toBe('1 regenerated');
    expect(pinSummary(pins, 'mix')).toBeUndefined();
    expect(pinSummary(undefined, 'voice')).toBeUndefined();
  });

  it('an item the graph does not list is unlocked at take 0', () => {
    expect(pinOf([pin('voice', 1, { take: 3 })], 'voice', 0)).toEqual({ locked: false, take: 0 });
    expect(pinOf([pin('voice', 1, { take: 3 })], 'voice', 1)).toEqual({ locked: false, take: 3 });
  });

  it('says why a control is off before asking: an unsaved graph, a locked item, a fallback, a scene preview', () => {
    expect(lockBlocked(undefined)).toBe('Save the graph to lock items');
    expect(lockBlocked('ep')).toBeUndefined();
    expect(regenerateBlocked(undefined, { locked: false, take: 0 })).toMatch(/Save the graph/);
    expect(regenerateBlocked('ep', { locked: true, take: 0 })).toMatch(/unlock it to regenerate/);
    expect(regenerateBlocked('ep', { locked: false, take: 0 }, 'control.fallback')).toMatch(/alternative/);
    expect(regenerateBlocked('ep', { locked: false, take: 4 }, 'voice.tts')).toBeUndefined();
    // A one-scene preview's item 0 is that scene's first line, not the graph's: nothing may be pinned from it.
    expect(lockBlocked('ep', 2)).toMatch(/preview of scene 2.*full run/);
    expect(regenerateBlocked('ep', { locked: false, take: 0 }, 'voice.tts', 2)).toMatch(/preview of scene 2/);
  });

  it('puts the server’s refusals plainly', () => {
    expect(pinErrorText(new ApiError(409, 'ITEM_LOCKED', 'x'), 2)).toBe('Item 2 is locked: unlock it before regenerating it');
    expect(pinErrorText(new ApiError(409, 'NO_RESULT_TO_LOCK', 'x'), 0)).toBe('Item 0 has no result to lock yet: run the graph first');
    expect(pinErrorText(new ApiError(400, 'GRAPH_HAS_NO_ID', 'x'), 0)).toBe('Save the graph to lock items');
    expect(pinErrorText(new ApiError(400, 'NOT_PER_ITEM', 'x'), 0)).toMatch(/runs whole/);
    expect(pinErrorText(new ApiError(500, 'BOOM', 'the disk is full'), 0)).toBe('the disk is full');
  });
});

describe('what each control sends, and its undo', () => {
  it('Lock keeps the result of the run shown; Unlock and "back" are PUTs; Regenerate is the POST', () => {
    const neutral = { locked: false, take: 0 };
    expect(pinRequest('lock', neutral, 'run-7')).toEqual({ kind: 'put', change: { locked: true, runId: 'run-7' } });
    expect(pinRequest('lock', neutral)).toEqual({ kind: 'put', change: { locked: true } });
    expect(pinRequest('unlock', { locked: true, take: 0 })).toEqual({ kind: 'put', change: { locked: false } });
    expect(pinRequest('regenerate', neutral)).toEqual({ kind: 'regenerate' });
    expect(pinRequest('back', { locked: false, take: 2 })).toEqual({ kind: 'put', change: { take: 1 } });
  });

  it('an undo puts back only what the action changed, re-locking from the run the lock came from', () => {
    expect(restoreRequest('regenerate', { locked: false, take: 0 })).toEqual({ take: 0 });
    expect(restoreRequest('back', { locked: false, take: 2 })).toEqual({ take: 2 });
    expect(restoreRequest('lock', { locked: false, take: 1 })).toEqual({ locked: false });
    expect(restoreRequest('unlock', { locked: true, take: 1, lockedFromRun: 'run-3' })).toEqual({ locked: true, runId: 'run-3' });
  });

  it('regenerate, then Undo: the POST, then a PUT back to take 0; the history is empty again', async () => {
    const server = fakePins();
    const done = await changePin(server.api, 'ep', 'voice', 1, 'regenerate', pinOf([], 'voice', 1));
    expect(done.pin.take).toBe(1);
    expect(done.message).toBe('Item 1: take 2 will be made by the next run. Nothing is spent until you run');
    expect(usePinHistory.getState().steps).toEqual([{ graphId: 'ep', nodeId: 'voice', index: 1, label: 'regenerate item 1', undo: { take: 0 } }]);

    const undone = await undoPinChange(server.api, 'ep');
    expect(undone?.pin.take).toBe(0);
    expect(server.requests).toEqual([
      { method: 'POST', nodeId: 'voice', index: 1 },
      { method: 'PUT', nodeId: 'voice', index: 1, body: { take: 0 } },
    ]);
    expect(server.current('voice', 1)).toMatchObject({ locked: false, take: 0 });
    expect(usePinHistory.getState().steps).toEqual([]);
    expect(await undoPinChange(server.api, 'ep')).toBeUndefined();
  });

  it('undo goes newest first and only within the graph asked for', async () => {
    const server = fakePins();
    await changePin(server.api, 'ep', 'voice', 0, 'lock', pinOf([], 'voice', 0), 'run-1');
    await changePin(server.api, 'ep', 'voice', 1, 'regenerate', pinOf([], 'voice', 1));
    usePinHistory.getState().push({ graphId: 'other', nodeId: 'voice', index: 0, label: 'lock item 0', undo: { locked: false, take: 0 } });

    await undoPinChange(server.api, 'ep');
    expect(server.current('voice', 1).take).toBe(0);
    expect(server.current('voice', 0).locked).toBe(true);
    await undoPinChange(server.api, 'ep');
    expect(server.current('voice', 0).locked).toBe(false);
    expect(usePinHistory.getState().steps.map((step) => step.graphId)).toEqual(['other']);
  });

  it("a toast's Undo undoes its own change, once, even after later ones", async () => {
    const server = fakePins();
    const lock = await changePin(server.api, 'ep', 'voice', 0, 'lock', pinOf([], 'voice', 0), 'run-1');
    await changePin(server.api, 'ep', 'voice', 1, 'regenerate', pinOf([], 'voice', 1));
    await undoPinChange(server.api, 'ep', lock.step);
    expect(server.current('voice', 0).locked).toBe(false);
    expect(server.current('voice', 1).take).toBe(1);
    expect(usePinHistory.getState().steps.map((step) => step.label)).toEqual(['regenerate item 1']);
    // The same toast clicked again: nothing left to undo, nothing sent.
    const sent = server.requests.length;
    expect(await undoPinChange(server.api, 'ep', lock.step)).toBeUndefined();
    expect(server.requests).toHaveLength(sent);
  });

  it('undoing an unlock locks again from the run the lock came from', async () => {
    const server = fakePins([pin('voice', 0, { locked: true, lockedFromRun: 'run-2' })]);
    await changePin(server.api, 'ep', 'voice', 0, 'unlock', pinOf([server.current('voice', 0)], 'voice', 0));
    expect(server.current('voice', 0).locked).toBe(false);
    await undoPinChange(server.api, 'ep');
    expect(server.requests.at(-1)).toEqual({ method: 'PUT', nodeId: 'voice', index: 0, body: { locked: true, runId: 'run-2' } });
    expect(server.current('voice', 0)).toMatchObject({ locked: true, lockedFromRun: 'run-2' });
  });

  it('a refused change records no undo; a refused undo stays on the history', async () => {
    const server = fakePins([pin('voice', 0, { locked: true })]);
    await expect(changePin(server.api, 'ep', 'voice', 0, 'regenerate', { locked: false, take: 0 })).rejects.toMatchObject({ code: 'ITEM_LOCKED' });
    expect(usePinHistory.getState().steps).toEqual([]);

    // Regenerated, then locked elsewhere (the CLI): undoing the take is refused rather than unlocking it, and stays to be tried after an unlock.
    const other = fakePins();
    await changePin(other.api, 'ep', 'voice', 1, 'regenerate', pinOf([], 'voice', 1));
    await other.api.setItemPin('ep', 'voice', 1, { locked: true });
    await expect(undoPinChange(other.api, 'ep')).rejects.toMatchObject({ code: 'ITEM_LOCKED' });
    expect(usePinHistory.getState().steps).toHaveLength(1);
    expect(other.current('voice', 1)).toMatchObject({ locked: true, take: 1 });
  });
});

describe('the run record in the run state', () => {
  const graph: GraphDocument = {
    format: 'reelgraph/graph',
    schemaVersion: 1,
    id: 'ep',
    name: 'Episode',
    nodes: [{ id: 'voice', type: 'voice.tts', typeVersion: 1, position: { x: 0, y: 0 }, params: {} }],
    edges: [],
  };
  const detail: RunDetail = {
    id: 'r2',
    graphId: 'ep',
    graphName: 'Episode',
    status: 'done',
    priority: 'normal',
    inputs: {},
    createdAt: T,
    logCount: 0,
    trigger: 'editor',
    nodes: [{ runId: 'r2', nodeId: 'voice', nodeType: 'voice.tts', status: 'done', attempts: 1, cached: false, startedAt: T, finishedAt: T + 10 }],
    items: [
      { runId: 'r2', nodeId: 'voice', index: 0, key: 'k0', status: 'cached', cached: true, attempts: 0, locked: true, finishedAt: T + 5 },
      { runId: 'r2', nodeId: 'voice', index: 1, key: 'k1', status: 'done', cached: false, attempts: 1, take: 1, finishedAt: T + 9 },
      { runId: 'r2', nodeId: 'voice', index: 2, key: 'k2', status: 'cached', cached: true, attempts: 0, finishedAt: T + 5 },
    ],
    graph,
    usage: [],
    costUsd: 0,
  };

  it('rows carry `locked` and `take` from the record; other rows carry neither', () => {
    const items = stateFromDetail(detail).nodes.voice?.itemStates ?? {};
    expect(items[0]).toMatchObject({ status: 'cached', locked: true });
    expect(items[0]?.take).toBeUndefined();
    expect(items[1]).toMatchObject({ status: 'done', take: 1 });
    expect(items[1]?.locked).toBeUndefined();
    expect(items[2]?.take).toBeUndefined();
    expect(items[2]?.locked).toBeUndefined();
  });

  it('live item events say the same: the take from the first event on, the lock on the cached one', () => {
    let state = stateFromDetail({ ...detail, status: 'running', nodes: [], items: [] });
    state = applyRunEvent(state, { type: 'item', runId: 'r2', at: T + 1, nodeId: 'voice', index: 1, key: 'k1', status: 'running', take: 1 });
    expect(state.nodes.voice?.itemStates[1]).toMatchObject({ status: 'running', take: 1 });
    state = applyRunEvent(state, { type: 'item', runId: 'r2', at: T + 2, nodeId: 'voice', index: 1, key: 'k1', status: 'done', take: 1, outputs: { audio: 'a' } });
    expect(state.nodes.voice?.itemStates[1]).toMatchObject({ status: 'done', take: 1 });
    state = applyRunEvent(state, { type: 'item', runId: 'r2', at: T + 2, nodeId: 'voice', index: 0, key: 'k0', status: 'cached', locked: true });
    expect(state.nodes.voice?.itemStates[0]).toMatchObject({ status: 'cached', locked: true });
  });
});

describe('the pins query', () => {
  it('a change invalidates the graph’s pins (and no other graph’s); a deleted graph drops them', async () => {
    const client = new QueryClient();
    client.setQueryData(pinKeys.forGraph('ep'), [pin('voice', 0, { locked: true })]);
    client.setQueryData(pinKeys.forGraph('other'), []);
    await pinsChanged(client, 'ep');
    expect(client.getQueryState(pinKeys.forGraph('ep'))?.isInvalidated).toBe(true);
    expect(client.getQueryState(pinKeys.forGraph('other'))?.isInvalidated).toBe(false);
    graphDeleted(client, 'other');
    expect(client.getQueryData(pinKeys.forGraph('other'))).toBeUndefined();
  });
});

describe('toasts with buttons', () => {
  it('keeps the actions ("Run now", "Undo") on the toast; a plain note has none', () => {
    let ran = 0;
    useToastStore.getState().notify('success', 'Item 1: take 2 will be made by the next run', { actions: [{ label: 'Run now', run: () => (ran += 1) }, { label: 'Undo', run: () => {} }] });
    const toast = useToastStore.getState().toasts[0];
    expect(toast?.actions?.map((action) => action.label)).toEqual(['Run now', 'Undo']);
    toast?.actions?.[0]?.run();
    expect(ran).toBe(1);
    useToastStore.getState().notify('success', 'Saved');
    expect(useToastStore.getState().toasts[0]?.actions).toBeUndefined();
  });
});
