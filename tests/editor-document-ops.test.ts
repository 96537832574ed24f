/** The editor's pure document operations, history and store (no DOM). */
import { describe, expect, it } from 'vitest';
import { NodeRegistry, type GraphDocument, type NodeDescription } from '../runtime/contract/index.js';
import * as ops from '../editor/src/state/document-ops.js';
import { COALESCE_MS, emptyHistory, record, redo, undo } from '../editor/src/state/history.js';
import { layoutPositions } from '../editor/src/state/layout.js';

const describeNode = (type: string, inputs: NodeDescription['inputs'], outputs: NodeDescription['outputs'], params: NodeDescription['params'] = { type: 'object', properties: {} }): NodeDescription => ({
  type,
  version: 1,
  title: type,
  category: type.startsWith('voice') ? 'voice' : 'script',
  description: `${type} node`,
  inputs,
  outputs,
  params,
  resource: 'cpu',
  cacheable: true,
});

const script = describeNode('script.markdown', [{ name: 'markdown', type: 'Markdown' }], [{ name: 'script', type: 'Script' }, { name: 'segments', type: 'Segment', list: true }]);
const tts = describeNode('voice.tts', [{ name: 'segments', type: 'Segment', list: true }], [{ name: 'clips', type: 'AudioClip', list: true }], {
  type: 'object',
  properties: { provider: { type: 'string', default: 'flite' }, voice: { type: 'string', default: 'kal' }, speed: { type: 'number' }, options: { type: 'object', properties: { pitch: { type: 'number', default: 1 } } } },
});
const one = describeNode('voice.one', [{ name: 'segment', type: 'Segment' }], [{ name: 'clip', type: 'AudioClip' }]);
const registry = new NodeRegistry<NodeDescription>([script, tts, one]);

function base(): GraphDocument {
  return {
    ...ops.emptyDocument('test'),
    inputs: { episode: { type: 'Markdown' } },
    outputs: { voices: 'voice.clips' },
    nodes: [
      { id: 'script', type: 'script.markdown', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
      { id: 'voice', type: 'voice.tts', typeVersion: 1, position: { x: 300, y: 0 }, params: { provider: 'flite' } },
    ],
    edges: [
      { from: '$input.episode', to: 'script.markdown' },
      { from: 'script.segments', to: 'voice.segments' },
    ],
  };
}

describe('ids and defaults', () => {
  it('makes readable unique ids from the whole type', () => {
    expect(ops.nodeIdBase('voice.tts')).toBe('voice-tts');
    expect(ops.nodeIdBase('voice.cast')).toBe('voice-cast');
    expect(ops.nodeIdBase('text.format-each')).toBe('text-format-each');
    expect(ops.nodeIdBase('9x.odd type')).toBe('n-9x-odd-type');
    expect(ops.uniqueNodeId(new Set(['voice-tts']), 'voice-tts')).toBe('voice-tts-2');
    expect(ops.uniqueNodeId(new Set(['voice-tts', 'voice-tts-2']), 'voice-tts-2')).toBe('voice-tts-3');
    // A type whose name ends in digits keeps them.
    expect(ops.uniqueNodeId(new Set(['image-sd-15']), 'image-sd-15')).toBe('image-sd-15-2');
    // Graph input and output names cannot hold "-": they count with "_".
    expect(ops.uniqueId(new Set(['voice']), 'voice')).toBe('voice_2');
    expect(ops.uniqueId(new Set(['voice', 'voice_2']), 'voice_2')).toBe('voice_3');
    expect(ops.uniqueId(new Set(), 'scene')).toBe('scene');
  });

  it('fills params with the schema defaults (nested too)', () => {
    expect(ops.schemaDefaults(tts.params)).toEqual({ provider: 'flite', voice: 'kal', options: { pitch: 1 } });
  });

  it('adds a node with a fresh id, its version and defaults', () => {
    const doc = base();
    const { doc: next, id } = ops.addNode(doc, tts, { x: 10.4, y: 20.6 });
    expect(id).toBe('voice-tts');
    expect(ops.addNode(next, tts, { x: 0, y: 0 }).id).toBe('voice-tts-2');
    expect(next.nodes.at(-1)).toEqual({ id: 'voice-tts', type: 'voice.tts', typeVersion: 1, position: { x: 10, y: 21 }, params: { provider: 'flite', voice: 'kal', options: { pitch: 1 } } });
    expect(doc.nodes).toHaveLength(2);
    expect(next.nodes[0]).toBe(doc.nodes[0]);
  });

  it('summarises key params in schema order', () => {
    expect(ops.summarizeParams({ params: { voice: 'kal', provider: 'flite', options: {} } }, tts)).toBe('provider: flite · voice: kal');
    expect(ops.summarizeParams({ params: { text: 'a'.repeat(40) } })).toBe(`text: ${'a'.repeat(27)}…`);
  });
});

describe('edits', () => {
  it('removes nodes with their edges and outputs, and edges by id', () => {
    const doc = base();
    const removed = ops.removeItems(doc, ['voice']);
    expect(removed.nodes.map((n) => n.id)).toEqual(['script']);
    expect(removed.edges).toEqual([{ from: '$input.episode', to: 'script.markdown' }]);
    expect(removed.outputs).toEqual({});
    const edgeGone = ops.removeItems(doc, ['script.segments->voice.segments']);
    expect(edgeGone.edges).toHaveLength(1);
    expect(edgeGone.nodes).toBe(doc.nodes);
    expect(ops.removeItems(doc, ['$input', 'nothing'])).toBe(doc);
  });

  it('merges params and settings; undefined removes a key', () => {
    const doc = base();
    const next = ops.updateParams(doc, 'voice', { voice: 'awb', provider: undefined });
    expect(next.nodes[1]?.params).toEqual({ voice: 'awb' });
    const withSettings = ops.updateSettings(next, 'voice', { retries: 2 });
    expect(withSettings.nodes[1]?.settings).toEqual({ retries: 2 });
    expect(ops.updateSettings(withSettings, 'voice', { retries: undefined }).nodes[1]).not.toHaveProperty('settings');
    expect(ops.updateParams(doc, 'missing', { a: 1 })).toBe(doc);
  });

  it('moves nodes (rounded) and keeps the document when nothing moves', () => {
    const doc = base();
    expect(ops.moveNodes(doc, { script: { x: 0, y: 0 } })).toBe(doc);
    expect(ops.moveNodes(doc, { script: { x: 5.5, y: -3.2 } }).nodes[0]?.position).toEqual({ x: 6, y: -3 });
  });
});

describe('connections', () => {
  it('accepts compatible ports and wraps a single value into a list', () => {
    const doc = ops.addNode(base(), one, { x: 0, y: 200 }).doc;
    const check = ops.checkEdge(doc, registry, 'voice-one.clip', 'voice.segments');
    expect(check.ok).toBe(false);
    const ok = ops.checkEdge(ops.removeItems(doc, ['script.segments->voice.segments']), registry, 'script.segments', 'voice.segments');
    expect(ok).toMatchObject({ ok: true, wrap: false });
  });

  it('refuses with a reason: types, lists into singles, cycles, duplicates, self', () => {
    let doc = ops.addNode(base(), one, { x: 0, y: 200 }).doc; // voice-one: segment → clip
    const types = ops.checkEdge(doc, registry, 'script.script', 'voice-one.segment');
    expect(types).toEqual({ ok: false, reason: 'script.script → voice-one.segment: Script cannot feed Segment' });
    const list = ops.checkEdge(doc, registry, 'script.segments', 'voice-one.segment');
    expect(list.ok ? '' : list.reason).toMatch(/is a list and cannot feed the single input/);
    expect(ops.checkEdge(doc, registry, 'script.segments', 'voice.segments')).toMatchObject({ ok: false, reason: expect.stringMatching(/already connected/) });
    expect(ops.checkEdge(doc, registry, 'voice.clips', 'voice.segments')).toMatchObject({ ok: false, reason: expect.stringMatching(/cannot feed itself/) });
    expect(ops.checkEdge(doc, registry, 'voice.nope', 'voice-one.segment')).toMatchObject({ ok: false, reason: 'voice has no output "nope"' });
    // A cycle: voice-one → script would need a Markdown output; use a two-node loop of `one`.
    doc = ops.addNode(doc, one, { x: 0, y: 300 }).doc; // voice-one-2
    const first = ops.checkEdge(doc, registry, 'voice-one.clip', 'voice-one-2.segment');
    expect(first.ok).toBe(false); // AudioClip cannot feed Segment
    const loop = describeNode('control.loop', [{ name: 'in', type: 'Any' }], [{ name: 'out', type: 'Any' }]);
    const reg = new NodeRegistry<NodeDescription>([loop]);
    let d = ops.addNode(ops.emptyDocument(), loop, { x: 0, y: 0 }).doc;
    d = ops.addNode(d, loop, { x: 0, y: 0 }).doc;
    const ab = ops.checkEdge(d, reg, 'control-loop.out', 'control-loop-2.in');
    if (!ab.ok) throw new Error(ab.reason);
    d = ops.applyEdge(d, ab);
    expect(ops.checkEdge(d, reg, 'control-loop-2.out', 'control-loop.in')).toEqual({ ok: false, reason: 'control-loop-2.out → control-loop.in would create a cycle' });
  });

  it('replaces the edge into a single input', () => {
    let doc = ops.addNode(ops.addNode(base(), one, { x: 0, y: 0 }).doc, one, { x: 0, y: 0 }).doc;
    const seg = describeNode('script.seg', [], [{ name: 'segment', type: 'Segment' }]);
    const reg = new NodeRegistry<NodeDescription>([script, tts, one, seg]);
    doc = ops.addNode(doc, seg, { x: 0, y: 0 }).doc; // script-seg
    doc = ops.addNode(doc, seg, { x: 0, y: 0 }).doc; // script-seg-2
    const a = ops.checkEdge(doc, reg, 'script-seg.segment', 'voice-one.segment');
    if (!a.ok) throw new Error(a.reason);
    doc = ops.applyEdge(doc, a);
    const b = ops.checkEdge(doc, reg, 'script-seg-2.segment', 'voice-one.segment');
    expect(b).toMatchObject({ ok: true, replaces: [{ from: 'script-seg.segment', to: 'voice-one.segment' }] });
    if (!b.ok) return;
    doc = ops.applyEdge(doc, b);
    expect(doc.edges.filter((e) => e.to === 'voice-one.segment')).toEqual([{ from: 'script-seg-2.segment', to: 'voice-one.segment' }]);
  });

  it('connects graph inputs, and derives ports of unknown types from edges', () => {
    const doc = ops.removeItems(base(), ['$input.episode->script.markdown']);
    expect(ops.checkEdge(doc, registry, '$input.episode', 'script.markdown')).toMatchObject({ ok: true });
    const unknown: GraphDocument = { ...doc, nodes: [...doc.nodes, { id: 'x', type: 'mystery.node', typeVersion: 1, position: { x: 0, y: 0 }, params: {} }], edges: [...doc.edges, { from: 'x.out', to: 'voice.segments' }] };
    const ports = ops.resolvePorts(unknown, registry, 'x');
    expect(ports).toMatchObject({ known: false, outputs: [{ name: 'out', type: 'Any', derived: true }] });
  });
});

describe('graph inputs and outputs', () => {
  it('validates names: the input pattern (no "-": edges read $input.<name>), the output identifier, uniqueness', () => {
    const doc = base();
    expect(ops.graphIoNameProblem(doc, 'input', 'title')).toBeUndefined();
    expect(ops.graphIoNameProblem(doc, 'input', '')).toMatch(/needs a name/);
    expect(ops.graphIoNameProblem(doc, 'input', '2nd')).toMatch(/not a valid input name/);
    expect(ops.graphIoNameProblem(doc, 'input', 'my-input')).toMatch(/not a valid input name/);
    expect(ops.graphIoNameProblem(doc, 'input', 'episode')).toBe('there is already a graph input "episode"');
    expect(ops.graphIoNameProblem(doc, 'input', 'episode', 'episode')).toBeUndefined();
    expect(ops.graphIoNameProblem(doc, 'output', 'final-cut')).toBeUndefined();
    expect(ops.graphIoNameProblem(doc, 'output', 'voices')).toBe('there is already a graph output "voices"');
    expect(ops.graphIoNameProblem(doc, 'output', 'a.b')).toMatch(/not a valid output name/);
  });

  it("checks a default against its type's schema (as a list when list)", () => {
    expect(ops.graphInputDefaultProblems({ type: 'Number', default: 3 })).toEqual([]);
    expect(ops.graphInputDefaultProblems({ type: 'Number', default: 'three' })).toEqual(['default must be number']);
    expect(ops.graphInputDefaultProblems({ type: 'Text', list: true, default: ['a', 'b'] })).toEqual([]);
    expect(ops.graphInputDefaultProblems({ type: 'Text', list: true, default: 'a' })).toEqual(['default must be array']);
    expect(ops.graphInputDefaultProblems({ type: 'Text', list: true, default: ['a', 1] })).toEqual(['default /1 must be string']);
    expect(ops.graphInputDefaultProblems({ type: 'Boolean' })).toEqual([]);
    expect(ops.graphInputDefaultProblems({ type: 'Json', default: { any: ['thing'] } })).toEqual([]);
    expect(ops.graphInputSchema({ type: 'Markdown', list: true })).toEqual({ type: 'array', items: { type: 'string' } });
  });

  it('adds, edits and renames an input in place; its edges follow a rename', () => {
    const doc = base();
    const added = ops.setGraphInput(doc, 'title', { type: 'Text', default: 'Pilot', title: undefined });
    expect(Object.keys(added.inputs ?? {})).toEqual(['episode', 'title']);
    expect(added.inputs?.title).toEqual({ type: 'Text', default: 'Pilot' });
    expect(added.edges).toBe(doc.edges);
    const renamed = ops.setGraphInput(added, 'story', { type: 'Markdown', required: true }, 'episode');
    expect(Object.keys(renamed.inputs ?? {})).toEqual(['story', 'title']);
    expect(renamed.edges[0]).toEqual({ from: '$input.story', to: 'script.markdown' });
    expect(renamed.edges[1]).toBe(doc.edges[1]);
    expect(doc.inputs).toEqual({ episode: { type: 'Markdown' } });
    expect(ops.graphInputUses(renamed, 'story')).toEqual([{ from: '$input.story', to: 'script.markdown' }]);
  });

  it('removes an input with the edges that read it (and drops an empty map)', () => {
    const doc = base();
    const removed = ops.removeGraphInput(doc, 'episode');
    expect(removed.inputs).toBeUndefined();
    expect(removed.edges).toEqual([{ from: 'script.segments', to: 'voice.segments' }]);
    expect(ops.removeGraphInput(doc, 'nothing')).toBe(doc);
  });

  it('sets, renames and removes outputs', () => {
    const doc = base();
    const two = ops.setGraphOutput(doc, 'script', 'script.script');
    expect(two.outputs).toEqual({ voices: 'voice.clips', script: 'script.script' });
    expect(ops.setGraphOutput(two, 'clips', 'voice.clips', 'voices').outputs).toEqual({ clips: 'voice.clips', script: 'script.script' });
    expect(ops.removeGraphOutput(two, 'voices').outputs).toEqual({ script: 'script.script' });
    expect(ops.removeGraphOutput(doc, 'voices').outputs).toBeUndefined();
    expect(ops.outputPortChoices(doc, registry).map((choice) => choice.ref)).toEqual(['script.script', 'script.segments', 'voice.clips']);
  });

  it('exposes an input port as a new graph input of its type, with the edge', () => {
    const doc = { ...base(), edges: [] };
    const first = ops.exposeInput(doc, registry, 'voice', 'segments');
    expect(first).toMatchObject({ ok: true, name: 'segments' });
    if (!first.ok) return;
    expect(first.doc.inputs?.segments).toEqual({ type: 'Segment', list: true, required: true });
    expect(first.doc.edges).toEqual([{ from: '$input.segments', to: 'voice.segments' }]);
    // The name stays unique; a single input's old edge is replaced.
    const withOne = ops.addNode(first.doc, one, { x: 0, y: 300 }, 'single').doc;
    const second = ops.exposeInput(withOne, registry, 'single', 'segment');
    expect(second).toMatchObject({ ok: true, name: 'segment' });
    const third = ops.exposeInput(second.ok ? second.doc : withOne, registry, 'voice', 'segments');
    expect(third).toMatchObject({ ok: true, name: 'segments_2' });
    expect(ops.exposeInput(doc, registry, 'voice', 'nope')).toEqual({ ok: false, reason: 'voice has no input "nope"' });
    expect(ops.exposeInput(doc, registry, 'ghost', 'x')).toEqual({ ok: false, reason: 'there is no node "ghost"' });
  });

  it('exposes an output port as a named output; an exposed port keeps its name', () => {
    const doc = base();
    const again = ops.exposeOutput(doc, registry, 'voice', 'clips');
    expect(again).toEqual({ ok: true, doc, name: 'voices' });
    const script = ops.exposeOutput(doc, registry, 'script', 'script');
    expect(script).toMatchObject({ ok: true, name: 'script' });
    if (!script.ok) return;
    expect(script.doc.outputs).toEqual({ voices: 'voice.clips', script: 'script.script' });
    const clash = ops.exposeOutput({ ...doc, outputs: { segments: 'voice.clips' } }, registry, 'script', 'segments');
    expect(clash).toMatchObject({ ok: true, name: 'segments_2' });
    expect(ops.exposeOutput(doc, registry, 'script', 'nope')).toEqual({ ok: false, reason: 'script has no output "nope"' });
  });
});

describe('clipboard', () => {
  it('copies nodes, inner edges and incoming links; pastes with fresh ids', () => {
    const doc = base();
    const clip = ops.copyItems(doc, ['voice']);
    expect(clip).toMatchObject({ edges: [], links: [{ from: 'script.segments', to: 'voice.segments' }], withLinks: false });
    if (!clip) return;
    const plain = ops.pasteItems(doc, clip, { offset: { x: 40, y: 40 } });
    expect(plain.ids).toEqual(['voice-2']);
    // 40 px off would cover the original: the copy goes below it (a 220 px card + a 40 px gap).
    expect(plain.doc.nodes.at(-1)).toMatchObject({ id: 'voice-2', position: { x: 340, y: 300 }, params: { provider: 'flite' } });
    expect(plain.doc.edges).toHaveLength(2);
    const linked = ops.pasteItems(doc, clip, { withLinks: true });
    expect(linked.doc.edges.at(-1)).toEqual({ from: 'script.segments', to: 'voice-2.segments' });
  });

  it('rewires edges between copied nodes and skips links to removed nodes', () => {
    const doc = base();
    const clip = ops.copyItems(doc, ['script', 'voice'], true);
    if (!clip) throw new Error('nothing copied');
    expect(clip.edges).toEqual([{ from: 'script.segments', to: 'voice.segments' }]);
    expect(clip.links).toEqual([{ from: '$input.episode', to: 'script.markdown' }]);
    const pasted = ops.pasteItems(doc, clip);
    expect(pasted.ids).toEqual(['script-2', 'voice-2']);
    expect(pasted.doc.edges.slice(2)).toEqual([
      { from: 'script-2.segments', to: 'voice-2.segments' },
      { from: '$input.episode', to: 'script-2.markdown' },
    ]);
    const single = ops.copyItems(doc, ['voice'], true);
    if (!single) throw new Error('nothing copied');
    const after = ops.pasteItems(ops.removeItems(doc, ['script']), single);
    expect(after.doc.edges).toEqual([]);
    expect(ops.copyItems(doc, [])).toBeUndefined();
  });

  it('pastes beside the original and each further paste below the last, never on top', () => {
    type Box = { x: number; y: number; width: number; height: number };
    const size = (id: string) => ({ width: 300, height: id.startsWith('voice') ? 90 + 22 : 90 + 2 * 22 });
    const boxOf = (node: { id: string; type: string; position: { x: number; y: number } }): Box => ({ ...node.position, ...size(node.type) });
    const overlap = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
    let doc = base();
    const clip = ops.copyItems(doc, ['script', 'voice']);
    if (!clip) throw new Error('nothing copied');
    const ids: string[] = [];
    for (let paste = 1; paste <= 3; paste += 1) {
      // As the store pastes: a small diagonal step per paste, which alone would land on the original.
      const result = ops.pasteItems(doc, clip, { offset: { x: 40 * paste, y: 40 * paste }, registry });
      doc = result.doc;
      ids.push(...result.ids);
    }
    expect(ids).toEqual(['script-2', 'voice-2', 'script-3', 'voice-3', 'script-4', 'voice-4']);
    for (const [i, a] of doc.nodes.entries()) {
      for (const b of doc.nodes.slice(i + 1)) expect(overlap(boxOf(a), boxOf(b)), `${a.id} covers ${b.id}`).toBe(false);
    }
    // Each copy keeps its group's shape: voice stays 300 px right of its script.
    const at = (id: string) => doc.nodes.find((node) => node.id === id)!.position;
    expect(at('voice-3').x - at('script-3').x).toBe(300);
    expect(at('script-2').y).toBeGreaterThan(at('script').y);
    expect(at('script-3').y).toBeGreaterThan(at('script-2').y);
  });
});

describe('history', () => {
  it('records steps, undoes and redoes, and bounds the past', () => {
    let history = emptyHistory<number>();
    history = record(history, 1, undefined, 0);
    history = record(history, 2, undefined, 1);
    const back = undo(history, 3);
    expect(back?.state).toBe(2);
    const forward = redo(back!.history, 2);
    expect(forward?.state).toBe(3);
    let bounded = emptyHistory<number>();
    for (let i = 0; i < 10; i += 1) bounded = record(bounded, i, undefined, i, 5);
    expect(bounded.past).toEqual([5, 6, 7, 8, 9]);
  });

  it('coalesces edits with the same key within the window', () => {
    let history = emptyHistory<string>();
    history = record(history, 'a', 'params:voice', 1000);
    history = record(history, 'b', 'params:voice', 1000 + COALESCE_MS - 1);
    history = record(history, 'c', 'params:voice', 1000 + 2 * COALESCE_MS - 2);
    expect(history.past).toEqual(['a']);
    history = record(history, 'd', 'params:other', 1000 + 2 * COALESCE_MS);
    expect(history.past).toEqual(['a', 'd']);
    history = record(history, 'e', 'params:other', 1000 + 4 * COALESCE_MS);
    expect(history.past).toEqual(['a', 'd', 'e']);
  });
});

describe('layout', () => {
  it('lays nodes out left to right along the edges', () => {
    const doc = ops.addNode(base(), one, { x: 0, y: 0 }).doc;
    const positions = layoutPositions(doc, { registry });
    expect(Object.keys(positions).sort()).toEqual(['script', 'voice', 'voice-one']);
    expect(positions.voice!.x).toBeGreaterThan(positions.script!.x);
  });

  it('handles 500 nodes quickly', () => {
    let doc = ops.emptyDocument();
    for (let i = 0; i < 500; i += 1) doc = ops.addNode(doc, one, { x: 0, y: 0 }).doc;
    const edges = doc.nodes.slice(1).map((node, i) => ({ from: `${doc.nodes[Math.floor(i / 2)]!.id}.clip`, to: `${node.id}.segment` }));
    doc = { ...doc, edges };
    const started = performance.now();
    const positions = layoutPositions(doc, { registry });
    expect(Object.keys(positions)).toHaveLength(500);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
