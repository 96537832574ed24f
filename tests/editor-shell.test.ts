/**
 * The editor shell's pure parts (no DOM): hash routes, and undo across a
 * document switch (an import is an undo step that brings back the previous
 * graph with its stored id, version and dirty state).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GraphDocument } from '../runtime/contract/index.js';
import { emptyDocument } from '../editor/src/state/document-ops.js';
import { useGraphStore } from '../editor/src/state/graph-store.js';
import { formatRoute, parseRoute, sameRoute, type Route } from '../editor/src/shell/routing.js';

const store = () => useGraphStore.getState();
const named = (name: string): GraphDocument => ({ ...emptyDocument(name), nodes: [] });

describe('hash routes', () => {
  it('reads and writes graph and run routes', () => {
    const cases: Array<[string, Route]> = [
      ['', {}],
      ['#/graphs/episode', { graphId: 'episode' }],
      ['#/graphs/episode/runs/r_1', { graphId: 'episode', runId: 'r_1' }],
      ['#/runs/r_2', { runId: 'r_2' }],
      ['#/graphs/a%20b', { graphId: 'a b' }],
      ['#/series', { series: {} }],
      ['#/series/season-1', { series: { id: 'season-1' } }],
    ];
    for (const [hash, route] of cases) {
      expect(parseRoute(hash)).toEqual(route);
      expect(formatRoute(route)).toBe(hash);
    }
  });

  it('tells a series route from its list and from a graph route, and names no graph in it', () => {
    expect(sameRoute({ series: {} }, { series: {} })).toBe(true);
    expect(sameRoute({ series: { id: 'a' } }, { series: {} })).toBe(false);
    expect(sameRoute({ series: {} }, {})).toBe(false);
    expect(formatRoute({ graphId: 'g', series: { id: 'a' } })).toBe('#/series/a');
    expect(parseRoute('#/series/a%20b/')).toEqual({ series: { id: 'a b' } });
  });

  it('reads an unknown shape as the empty route', () => {
    expect(parseRoute('#/something/else')).toEqual({});
    expect(parseRoute('#/graphs/')).toEqual({});
    expect(parseRoute('#/graphs/x/')).toEqual({ graphId: 'x' });
  });
});

describe('undo across an import', () => {
  beforeEach(() => {
    store().setDocument(named('stored'), { id: 'stored', version: 3 });
  });

  it('brings back the replaced graph with its id, version and unsaved edit', () => {
    store().updateGraph({ name: 'stored, edited' });
    const edited = store().doc;
    expect(store().meta).toEqual({ id: 'stored', version: 3, dirty: true });

    const imported = named('imported');
    store().setDocument(imported, { dirty: true }, { record: true });
    expect(store().meta).toEqual({ dirty: true });
    expect(store().history.past.length).toBeGreaterThan(0);

    store().undo();
    expect(store().doc).toBe(edited);
    expect(store().meta).toEqual({ id: 'stored', version: 3, dirty: true });
    store().undo();
    expect(store().doc.name).toBe('stored');
    expect(store().meta).toEqual({ id: 'stored', version: 3, dirty: false });

    store().redo();
    store().redo();
    expect(store().doc).toBe(imported);
    expect(store().meta).toEqual({ dirty: true });
  });

  it('remembers a save made after the import when undoing and redoing over it', () => {
    store().setDocument(named('imported'), { dirty: true }, { record: true });
    store().markSaved({ id: 'imported', version: 1 });
    store().undo();
    expect(store().meta).toEqual({ id: 'stored', version: 3, dirty: false });
    store().redo();
    expect(store().meta).toEqual({ id: 'imported', version: 1, dirty: false });
  });

  it('opening a graph without record starts a fresh history', () => {
    store().updateGraph({ name: 'edited' });
    store().setDocument(named('other'), { id: 'other', version: 1 });
    expect(store().history.past).toEqual([]);
  });

  it('a deleted stored graph stays open as unsaved work', () => {
    store().markUnstored();
    expect(store().meta).toEqual({ dirty: true });
  });
});

describe('autosave', () => {
  const storage = new Map<string, string>();
  const globals = globalThis as unknown as { localStorage?: unknown; window?: unknown };
  let stop: (() => void) | undefined;

  beforeEach(async () => {
    storage.clear();
    globals.localStorage = {
      getItem: (key: string) => storage.get(key) ?? null,
      setItem: (key: string, value: string) => void storage.set(key, value),
      removeItem: (key: string) => void storage.delete(key),
    };
    globals.window ??= { addEventListener() {}, removeEventListener() {} };
    vi.useFakeTimers();
    store().setDocument(named('untitled'));
    const { startAutosave } = await import('../editor/src/shell/autosave.js');
    stop = startAutosave();
  });

  afterEach(() => {
    stop?.();
    vi.useRealTimers();
  });

  it('keeps the unsaved document while it is dirty and forgets it once saved', async () => {
    const { readDraft } = await import('../editor/src/shell/autosave.js');
    store().updateGraph({ name: 'typed, not saved' });
    vi.runAllTimers();
    expect(readDraft('unsaved')?.doc.name).toBe('typed, not saved');
    store().markSaved({ id: 'typed', version: 1 });
    expect(readDraft('unsaved')).toBeUndefined();
    expect(readDraft('typed')).toBeUndefined();
  });

  it('offers a stored graph\'s kept draft when it is opened again, and restores it as an undo step', async () => {
    const { readDraft, restoreDraft, useRestoreOffer } = await import('../editor/src/shell/autosave.js');
    store().setDocument(named('stored'), { id: 'stored', version: 2 });
    store().updateGraph({ name: 'stored, edited' });
    vi.runAllTimers();
    expect(readDraft('stored')).toMatchObject({ graphId: 'stored', baseVersion: 2 });

    // A reload (a fresh page: the store starts empty), then the stored version opens clean and the draft is offered.
    stop?.();
    store().setDocument(named('untitled'));
    const { startAutosave } = await import('../editor/src/shell/autosave.js');
    stop = startAutosave();
    store().setDocument(named('stored'), { id: 'stored', version: 2 });
    expect(useRestoreOffer.getState().offer?.slot).toBe('stored');
    restoreDraft();
    expect(store().doc.name).toBe('stored, edited');
    expect(store().meta).toEqual({ id: 'stored', version: 2, dirty: true });
    store().undo();
    expect(store().doc.name).toBe('stored');
    expect(store().meta.dirty).toBe(false);
    expect(readDraft('stored')).toBeUndefined();
  });

  it('drops the draft of changes the user chose to discard by opening another graph', async () => {
    const { readDraft } = await import('../editor/src/shell/autosave.js');
    store().setDocument(named('stored'), { id: 'stored', version: 2 });
    store().updateGraph({ name: 'stored, edited' });
    vi.runAllTimers();
    expect(readDraft('stored')).toBeDefined();
    store().setDocument(named('other'), { id: 'other', version: 1 });
    expect(readDraft('stored')).toBeUndefined();
  });
});
