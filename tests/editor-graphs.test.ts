import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { applyOverrides, type GraphDocument, type GraphVariant } from '../runtime/contract/index.js';
import { ApiError, type StoredGraph } from '../editor/src/api/client.js';
import { computeOverrides, describeVariantDiff, formatChange, formatEdge, mergePatchDiff, valueChanges } from '../editor/src/graphs/diff.js';
import { describeProblem, describeProblems, nodeIdAt, pointerSegments } from '../editor/src/graphs/problems.js';
import { saveCurrentGraph, variantDocument, type SaveApi, type SaveStore } from '../editor/src/graphs/save.js';

const readJson = <T>(name: string): T => JSON.parse(readFileSync(new URL(`../graphs/${name}`, import.meta.url), 'utf8')) as T;
const episode = (): GraphDocument => readJson<GraphDocument>('episode.json');
const shorts = (): GraphVariant => readJson<GraphVariant>('shorts.json');

const small = (): GraphDocument => ({
  format: 'reelgraph/graph',
  schemaVersion: 1,
  name: 'small',
  inputs: { script: { type: 'Markdown', required: true } },
  outputs: { video: 'b.out' },
  nodes: [
    { id: 'a', type: 'script.markdown', typeVersion: 1, position: { x: 0, y: 0 }, params: { strict: true } },
    { id: 'b', type: 'voice.tts', typeVersion: 1, position: { x: 200, y: 0 }, params: { provider: 'offline', padMs: 120 } },
    { id: 'c', type: 'text.join', typeVersion: 1, position: { x: 400, y: 0 }, params: {} },
  ],
  edges: [
    { from: '$input.script', to: 'a.markdown' },
    { from: 'a.segments', to: 'b.segments' },
    { from: 'b.clips', to: 'c.items' },
  ],
});

const asVariant = (overrides: GraphVariant['overrides']): GraphVariant => ({ format: 'reelgraph/graph', schemaVersion: 1, name: 'small', extends: 'small', overrides });

describe('mergePatchDiff', () => {
  it('is undefined for equal values and null for removed keys', () => {
    expect(mergePatchDiff({ a: 1, b: { c: 2 } }, { b: { c: 2 }, a: 1 })).toBeUndefined();
    expect(mergePatchDiff({ a: 1, b: 2 }, { a: 1 })).toEqual({ b: null });
    expect(mergePatchDiff({ a: { x: 1, y: 2 } }, { a: { x: 1, y: 3 } })).toEqual({ a: { y: 3 } });
    expect(mergePatchDiff({ list: [1, 2] }, { list: [1] })).toEqual({ list: [1] });
  });
});

describe('computeOverrides', () => {
  it('is empty for an unchanged graph', () => {
    expect(computeOverrides(small(), small())).toEqual({});
  });

  it('round-trips through applyOverrides: params, settings, added/removed nodes, edges, inputs, outputs', () => {
    const template = small();
    const edited = small();
    edited.nodes[1]!.params = { provider: 'elevenlabs' }; // padMs back to default, provider changed
    edited.nodes[1]!.settings = { retries: 4 };
    edited.nodes[0]!.position = { x: 10, y: 20 };
    edited.nodes = edited.nodes.filter((node) => node.id !== 'c');
    edited.edges = edited.edges.filter((edge) => !edge.to.startsWith('c.'));
    edited.nodes.push({ id: 'd', type: 'json.stringify', typeVersion: 1, position: { x: 1, y: 2 }, params: { indent: 2 } });
    edited.edges.push({ from: 'b.clips', to: 'd.value' });
    edited.inputs = { script: { type: 'Markdown', required: false }, extra: { type: 'Text' } };
    edited.outputs = { json: 'd.text' };

    const overrides = computeOverrides(template, edited);
    expect(overrides.nodes?.c).toBeNull();
    expect(overrides.nodes?.b).toEqual({ params: { provider: 'elevenlabs', padMs: null }, settings: { retries: 4 } });
    expect(overrides.nodes?.d).toEqual({ type: 'json.stringify', typeVersion: 1, position: { x: 1, y: 2 }, params: { indent: 2 } });
    // The edge of the removed node goes with it; it is not listed as removed.
    expect(overrides.edges).toEqual({ add: [{ from: 'b.clips', to: 'd.value' }] });
    expect(overrides.outputs).toEqual({ video: null, json: 'd.text' });

    const resolved = applyOverrides(template, asVariant(overrides));
    expect(resolved.nodes).toEqual(edited.nodes);
    expect(resolved.edges).toEqual(edited.edges);
    expect(resolved.inputs).toEqual(edited.inputs);
    expect(resolved.outputs).toEqual(edited.outputs);
  });

  it('round-trips the shipped shorts variant of the episode graph', () => {
    const template = episode();
    const variant = shorts();
    const resolved = applyOverrides(template, variant);
    const overrides = computeOverrides(template, resolved);
    expect(overrides).toEqual(variant.overrides);
    expect(applyOverrides(template, { ...variant, overrides })).toEqual(resolved);
  });
});

describe('describeVariantDiff', () => {
  it('lists param changes of the shorts variant with before → after', () => {
    const template = episode();
    const variant = shorts();
    const diff = describeVariantDiff(template, variant.overrides, applyOverrides(template, variant));
    expect(diff.empty).toBe(false);
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
    expect(diff.changed.map((node) => node.id).sort()).toEqual(['captions', 'chunks', 'pace', 'timeline']);
    const timeline = diff.changed.find((node) => node.id === 'timeline')!;
    expect(timeline.changes.map((change) => change.path)).toEqual(['params.transition']);
    // The 9:16 switch is one graph setting, not a param on each picture node.
    const [profile, ...others] = diff.settings;
    expect(others).toEqual([]);
    expect(formatChange(profile!)).toBe('profile: "youtube-1080p" → "shorts-1080x1920"');
  });

  it('reports added and removed nodes, edges, inputs and a move', () => {
    const template = small();
    const edited = small();
    edited.nodes = edited.nodes.filter((node) => node.id !== 'c');
    edited.edges = edited.edges.filter((edge) => !edge.to.startsWith('c.'));
    edited.nodes.push({ id: 'd', type: 'json.stringify', typeVersion: 1, position: { x: 0, y: 0 }, params: {}, title: 'Dump' });
    edited.edges.push({ from: 'b.clips', to: 'd.value' });
    edited.nodes[0]!.position = { x: 5, y: 5 };
    edited.inputs = { script: { type: 'Markdown', required: false } };
    const overrides = computeOverrides(template, edited);
    const diff = describeVariantDiff(template, overrides, applyOverrides(template, asVariant(overrides)));
    expect(diff.removed).toEqual([{ id: 'c', type: 'text.join' }]);
    expect(diff.added).toEqual([{ id: 'd', type: 'json.stringify', title: 'Dump' }]);
    expect(diff.changed).toEqual([{ id: 'a', type: 'script.markdown', changes: [], movedOnly: true }]);
    expect(diff.edgesAdded.map(formatEdge)).toEqual(['b.clips → d.value']);
    expect(diff.edgesRemoved.map(formatEdge)).toEqual(['b.clips → c.items']);
    expect(diff.inputs).toEqual([{ path: 'script.required', before: true, after: false, kind: 'changed' }]);
  });

  it('is empty for a fresh clone and readable without the template', () => {
    expect(describeVariantDiff(small(), {}, small()).empty).toBe(true);
    const diff = describeVariantDiff(undefined, { nodes: { b: { params: { provider: 'openai', padMs: null } } } }, small());
    expect(diff.changed[0]!.changes.map(formatChange)).toEqual(['params.provider: "openai"', 'params.padMs: reset to default']);
  });

  it('valueChanges walks objects and compares arrays whole', () => {
    expect(valueChanges({ a: [1], b: { c: 1 } }, { a: [1, 2], b: { c: 1, d: 'x' } })).toEqual([
      { path: 'a', before: [1], after: [1, 2], kind: 'changed' },
      { path: 'b.d', before: undefined, after: 'x', kind: 'added' },
    ]);
  });
});

describe('problems', () => {
  it('splits pointers and finds the node by index', () => {
    expect(pointerSegments('/nodes/1/params/a~1b')).toEqual(['nodes', '1', 'params', 'a/b']);
    expect(nodeIdAt('/nodes/2/type', small())).toBe('c');
    expect(nodeIdAt('/edges/0', small())).toBeUndefined();
  });

  it('names node, port and param', () => {
    expect(describeProblem({ path: '/nodes/1/params/provider', message: 'must be equal to one of the allowed values', param: '/provider' }, small())).toEqual({
      where: 'node "b" (voice.tts) · param provider',
      nodeId: 'b',
      pointer: '/nodes/1/params/provider',
      message: 'must be equal to one of the allowed values',
    });
    expect(describeProblems([{ path: '', message: 'no nodes', code: 'EMPTY' }])).toEqual([{ where: '', pointer: '/', message: 'no nodes', code: 'EMPTY' }]);
    expect(describeProblem({ path: '/edges/0/to', message: 'x', nodeId: 'a', port: 'markdown' }).where).toBe('node "a" · port markdown');
  });
});

describe('saveCurrentGraph', () => {
  const stored = (doc: StoredGraph['doc'], version = 1, extra: Partial<StoredGraph> = {}): StoredGraph => ({ id: doc.id ?? 'g', name: doc.name, version, doc, createdAt: 0, ...extra });

  function storeWith(doc: GraphDocument | undefined, meta: { id?: string; version?: number; dirty: boolean }) {
    const markSaved = vi.fn();
    const store: SaveStore = { getState: () => ({ doc, meta, markSaved }) };
    return { store, markSaved };
  }

  it('creates a new graph with POST and marks it saved', async () => {
    const api = { createGraph: vi.fn(async (doc: GraphDocument) => stored({ ...doc, id: 'small' })), saveGraph: vi.fn(), getGraph: vi.fn() };
    const { store, markSaved } = storeWith(small(), { dirty: true });
    const saved = await saveCurrentGraph(api as unknown as SaveApi, store, '  first  ', { id: 'small' });
    expect(api.createGraph).toHaveBeenCalledWith(small(), 'first', 'small');
    expect(api.saveGraph).not.toHaveBeenCalled();
    expect(saved.id).toBe('small');
    expect(markSaved).toHaveBeenCalledWith({ id: 'small', version: 1 });
  });

  it('saves a new version of a stored graph with PUT', async () => {
    const api = {
      getGraph: vi.fn(async () => stored({ ...small(), id: 'small' }, 3)),
      saveGraph: vi.fn(async (id: string, doc: GraphDocument) => stored({ ...doc, id }, 4)),
      createGraph: vi.fn(),
    };
    const { store, markSaved } = storeWith(small(), { id: 'small', version: 3, dirty: true });
    await saveCurrentGraph(api as unknown as SaveApi, store);
    expect(api.saveGraph).toHaveBeenCalledWith('small', small(), undefined);
    expect(markSaved).toHaveBeenCalledWith({ id: 'small', version: 4 });
  });

  it('keeps a variant a variant: PUTs extends + recomputed overrides', async () => {
    const template = { ...episode(), id: 'episode' };
    const variant: GraphVariant = { ...shorts(), extends: 'episode' };
    const resolved = applyOverrides(template, variant);
    const edited = structuredClone(resolved);
    edited.nodes.find((node) => node.id === 'pace')!.params.gap = 0.3;
    const api = {
      getGraph: vi.fn(async (id: string) => (id === 'shorts' ? stored(variant, 2, { resolved }) : stored(template, 5))),
      saveGraph: vi.fn(async (id: string, doc: GraphVariant) => stored({ ...doc, id }, 3)),
      createGraph: vi.fn(),
    };
    const { store, markSaved } = storeWith(edited, { id: 'shorts', version: 2, dirty: true });
    await saveCurrentGraph(api as unknown as SaveApi, store, 'slower gaps');
    const [, sent] = api.saveGraph.mock.calls[0]!;
    expect(sent.extends).toBe('episode');
    expect(sent.name).toBe(variant.name);
    expect(sent.overrides.nodes?.pace).toEqual({ params: { leadIn: 0.2, gap: 0.3, tail: 0.4, minScene: 2 } });
    expect(applyOverrides(template, sent)).toEqual(edited);
    expect(markSaved).toHaveBeenCalledWith({ id: 'shorts', version: 3 });
  });

  it('explains a variant whose template is not stored, and refuses with no graph', async () => {
    const variant: GraphVariant = { ...shorts(), extends: './episode.json' };
    const api = {
      getGraph: vi.fn(async (id: string) => {
        if (id === 'shorts') return stored(variant);
        throw new ApiError(404, 'NOT_FOUND', 'missing');
      }),
      saveGraph: vi.fn(),
      createGraph: vi.fn(),
    };
    await expect(saveCurrentGraph(api as unknown as SaveApi, storeWith(small(), { id: 'shorts', dirty: true }).store)).rejects.toMatchObject({ code: 'TEMPLATE_MISSING' });
    await expect(saveCurrentGraph(api as unknown as SaveApi, storeWith(undefined, { dirty: false }).store)).rejects.toMatchObject({ code: 'NO_GRAPH' });
  });

  it('variantDocument keeps the variant’s description unless the user changed it', () => {
    const template = small();
    const variant = asVariant({});
    expect(variantDocument({ ...variant, description: 'mine' }, template, small()).description).toBe('mine');
    expect(variantDocument(variant, { ...template, description: 'T' }, { ...small(), description: 'new' }).description).toBe('new');
  });
});
