/**
 * Partial runs in the editor, the parts without a DOM (issue 19): which key
 * asks for which partial run, the menu's and the help's words, the request a
 * node command sends, which nodes a partial run covers (the rest read
 * "outside", not queued forever), executed vs reused per node, and the
 * ancestor to run first when "Run this node only" finds no cached input.
 * tests/e2e/editor-partial-runs.test.ts drives the same through Chromium.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { demandedBy, type GraphDocument } from '../runtime/contract/graph.js';
import { NodeRegistry, type NodeDescription } from '../runtime/contract/index.js';
import type { RunDetail } from '../runtime/contract/records.js';
import { runPartial } from '../editor/src/canvas/commands.js';
import { canPreviewScene, describeScope, partialCommands, partialRequest, partialRunKey, previewedScene, sceneField, scopeOf, uncachedUpstream } from '../editor/src/runs/partial.js';
import { describeReuse, nodeOutcome, nodeProgressRows, reuseOf, runProgress } from '../editor/src/runs/run-progress.js';
import { applyRunEvent, stateFromDetail } from '../editor/src/runs/run-state.js';
import { shortcuts } from '../editor/src/shell/shortcuts.js';
import { useGraphStore } from '../editor/src/state/graph-store.js';
import { useToastStore } from '../editor/src/state/toast-store.js';

const T = 1_700_000_000_000;
const at = (id: string): GraphDocument['nodes'][number] => ({ id, type: 'text.template', typeVersion: 1, position: { x: 0, y: 0 }, params: {} });

/** $input → a → b → c, with `side` fed by the input alone and `d` fed by b: b's scope is {a, b}. */
const graph: GraphDocument = {
  format: 'reelgraph/graph',
  schemaVersion: 1,
  id: 'chain',
  name: 'Chain',
  nodes: [at('a'), { ...at('b'), title: 'Render' }, at('c'), at('d'), at('side')],
  edges: [
    { from: '$input.name', to: 'a.text' },
    { from: '$input.name', to: 'side.text' },
    { from: 'a.text', to: 'b.text' },
    { from: 'b.text', to: 'c.text' },
    { from: 'b.text', to: 'd.text' },
  ],
};

function detail(extra: Partial<RunDetail> = {}): RunDetail {
  return { id: 'r1', graphId: 'chain', graphName: 'Chain', status: 'running', priority: 'normal', inputs: {}, createdAt: T, logCount: 0, trigger: 'editor', nodes: [], items: [], graph, usage: [], costUsd: 0, ...extra };
}

const key = (code: string, mods: { shift?: boolean; alt?: boolean; ctrl?: boolean; meta?: boolean } = {}) => ({
  code,
  shiftKey: mods.shift ?? false,
  altKey: mods.alt ?? false,
  ctrlKey: mods.ctrl ?? false,
  metaKey: mods.meta ?? false,
});

describe('keys and words', () => {
  it('Shift+R runs to the node, Alt+Shift+R runs it alone; nothing else asks for a partial run', () => {
    expect(partialRunKey(key('KeyR', { shift: true }))).toBe('until');
    expect(partialRunKey(key('KeyR', { shift: true, alt: true }))).toBe('only');
    // Ctrl+Shift+R reloads the page; plain R and Alt+R are not ours; Shift+L is auto-layout.
    expect(partialRunKey(key('KeyR', { shift: true, ctrl: true }))).toBeUndefined();
    expect(partialRunKey(key('KeyR', { shift: true, meta: true }))).toBeUndefined();
    expect(partialRunKey(key('KeyR'))).toBeUndefined();
    expect(partialRunKey(key('KeyR', { alt: true }))).toBeUndefined();
    expect(partialRunKey(key('KeyL', { shift: true }))).toBeUndefined();
  });

  it('the shortcut help lists both with the keys the menu shows, and no key twice', () => {
    expect(partialCommands.map((command) => [command.label, command.keys])).toEqual([
      ['Run to here', 'Shift+R'],
      ['Run this node only', 'Alt+Shift+R'],
    ]);
    for (const command of partialCommands) expect(shortcuts).toContainEqual({ keys: command.keys, action: command.help });
    const keys = shortcuts.flatMap((shortcut) => shortcut.keys.split(' · '));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('reads a scope from a run row, and says it', () => {
    expect(scopeOf({ until: 'b' })).toEqual({ mode: 'until', target: 'b' });
    expect(scopeOf({ only: 'voice' })).toEqual({ mode: 'only', target: 'voice' });
    expect(scopeOf({})).toBeUndefined();
    expect(describeScope({ mode: 'until', target: 'b' }, 'render')).toBe('until render');
    expect(describeScope({ mode: 'only', target: 'voice' })).toBe('only voice');
    expect(partialRequest('until', 'b')).toEqual({ until: 'b' });
    expect(partialRequest('only', 'b')).toEqual({ only: 'b' });
  });
});

describe('node commands', () => {
  const store = () => useGraphStore.getState();
  beforeEach(() => {
    store().setDocument(graph, { id: 'chain', version: 1 });
    useToastStore.setState({ toasts: [] });
  });

  it('ask the Run panel for a partial run of the node, or of the one selected node', () => {
    const before = store().runRequest;
    runPartial('until', 'b');
    expect(store()).toMatchObject({ rightTab: 'run', runRequest: before + 1, runScope: { until: 'b' } });
    store().select(['c', 'a.text->b.text']);
    runPartial('only');
    expect(store()).toMatchObject({ runRequest: before + 2, runScope: { only: 'c' } });
    // The toolbar's Run is the whole graph again.
    store().requestRun();
    expect(store().runScope).toBeUndefined();
  });

  it('with no single node selected, say so and start nothing', () => {
    const before = store().runRequest;
    store().select(['a', 'b']);
    runPartial('until');
    expect(store().runRequest).toBe(before);
    expect(useToastStore.getState().toasts.map((toast) => toast.text)).toEqual(['Run to here: select one node first']);
  });
});

describe('a partial run in the run view', () => {
  it('covers the target and its ancestors; the other nodes are outside it, not queued', () => {
    expect([...demandedBy(graph, 'b')].sort()).toEqual(['a', 'b']);
    expect([...demandedBy(graph, 'side')]).toEqual(['side']);
    const state = stateFromDetail(detail({ until: 'b' }));
    expect(Object.keys(state.nodes).sort()).toEqual(['a', 'b']);
    expect(nodeOutcome(state, 'a')).toBe('queued');
    for (const id of ['c', 'd', 'side']) expect(nodeOutcome(state, id)).toBe('outside');
    // A whole run shows every node queued, and a node it does not know is idle.
    const whole = stateFromDetail(detail());
    expect(Object.keys(whole.nodes).sort()).toEqual(['a', 'b', 'c', 'd', 'side']);
    expect(nodeOutcome(whole, 'elsewhere')).toBe('idle');
  });

  it('finishes when its scope has: the overall counts are of the covered nodes', () => {
    let state = stateFromDetail(detail({ until: 'b' }));
    state = applyRunEvent(state, { type: 'node', runId: 'r1', at: T + 1, nodeId: 'a', nodeType: 'text.template', status: 'cached' });
    state = applyRunEvent(state, { type: 'node', runId: 'r1', at: T + 2, nodeId: 'b', nodeType: 'text.template', status: 'done' });
    expect(runProgress(state)).toMatchObject({ nodesDone: 2, nodesTotal: 2, fraction: 1 });
    expect(nodeProgressRows(state).map((row) => [row.nodeId, row.outcome, row.reuse && describeReuse(row.reuse)])).toEqual([
      ['a', 'cached', 'reused from the cache'],
      ['b', 'done', 'executed'],
    ]);
  });

  it('says per node whether it executed, was reused, or (mapped) both', () => {
    const base = stateFromDetail(detail()).nodes.a!;
    expect(reuseOf({ ...base, status: 'running' })).toBeUndefined();
    expect(reuseOf({ ...base, status: 'done' })).toEqual({ kind: 'executed' });
    expect(reuseOf({ ...base, status: 'cached', cached: true })).toEqual({ kind: 'cached' });
    const mixed = reuseOf({ ...base, status: 'done', items: { total: 5, done: 5, cached: 2, failed: 0, fellBack: 0 } });
    expect(mixed).toEqual({ kind: 'mixed', executed: 3, cached: 2 });
    expect(describeReuse(mixed!)).toBe('3 executed, 2 reused');
  });

  it('names the ancestor to run first when "only" found it uncached, and nothing for other failures', () => {
    expect(uncachedUpstream({ name: 'UncachedUpstreamError', code: 'UPSTREAM_NOT_CACHED', message: 'no cached result; run up to "a" first', retryable: false, location: { nodeId: 'a' } })).toBe('a');
    expect(uncachedUpstream({ name: 'PermanentError', code: 'NODE_FAILED', message: 'boom', retryable: false, location: { nodeId: 'a' } })).toBeUndefined();
    expect(uncachedUpstream(undefined)).toBeUndefined();
  });
});

describe('previewing one scene from the Run panel', () => {
  const described = (type: string, properties: Record<string, unknown>): NodeDescription => ({
    type,
    version: 1,
    title: type,
    category: 'script',
    description: '',
    inputs: [],
    outputs: [],
    params: { type: 'object', properties },
    resource: 'cpu',
    cacheable: true,
  });
  const registry = new NodeRegistry<NodeDescription>([described('script.markdown', { scene: { type: 'integer', minimum: 1 } }), described('text.template', { template: { type: 'string' } })]);

  it('is offered when a node of the graph takes a scene', () => {
    expect(canPreviewScene(graph, registry)).toBe(false);
    expect(canPreviewScene({ nodes: [...graph.nodes, { id: 'parse', type: 'script.markdown', typeVersion: 1, position: { x: 0, y: 0 }, params: {} }] }, registry)).toBe(true);
    expect(canPreviewScene(graph, undefined)).toBe(false);
  });

  it('reads the field as a scene number, the whole episode when empty, and a problem otherwise', () => {
    expect(sceneField('')).toEqual({});
    expect(sceneField(' 2 ')).toEqual({ scene: 2 });
    expect(sceneField('0').problem).toMatch(/not a scene number/);
    expect(sceneField('1.5').problem).toMatch(/not a scene number/);
  });

  it("says which scene a run previewed, from its graph's script node", () => {
    expect(previewedScene(graph)).toBeUndefined();
    expect(previewedScene({ nodes: [{ id: 'parse', type: 'script.markdown', typeVersion: 1, position: { x: 0, y: 0 }, params: { scene: 3 } }] })).toBe(3);
    expect(previewedScene(undefined)).toBeUndefined();
  });
});
