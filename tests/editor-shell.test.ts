/**
 * The editor shell's pure parts (no DOM): hash routes, and undo across a
 * document switch (an import is an undo step that brings back the previous
 * graph with its stored id, version and dirty state).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { GraphDocument } from '../runtime/contract/index.js';
import { emptyDocument } from '../editor/src/state/document-ops.js';
import { useGraphStore } from '../editor/src/state/graph-store.js';
import { formatRoute, parseRoute } from '../editor/src/shell/routing.js';

const store = () => useGraphStore.getState();
const named = (name: string): GraphDocument => ({ ...emptyDocument(name), nodes: [] });

describe('hash routes', () => {
  it('reads and writes graph and run routes', () => {
    const cases: Array<[string, { graphId?: string; runId?: string }]> = [
      ['', {}],
      ['#/graphs/episode', { graphId: 'episode' }],
      ['#/graphs/episode/runs/r_1', { graphId: 'episode', runId: 'r_1' }],
      ['#/runs/r_2', { runId: 'r_2' }],
      ['#/graphs/a%20b', { graphId: 'a b' }],
    ];
    for (const [hash, route] of cases) {
      expect(parseRoute(hash)).toEqual(route);
      expect(formatRoute(route)).toBe(hash);
    }
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
