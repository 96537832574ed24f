/** The editor's zustand store: actions, undo/redo steps, dirty tracking (no DOM). */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { NodeDescription } from '../runtime/contract/index.js';
import { emptyDocument } from '../editor/src/state/document-ops.js';
import { useGraphStore } from '../editor/src/state/graph-store.js';

const node = (type: string, inputs: NodeDescription['inputs'], outputs: NodeDescription['outputs']): NodeDescription => ({
  type,
  version: 1,
  title: type,
  category: 'voice',
  description: '',
  inputs,
  outputs,
  params: { type: 'object', properties: { voice: { type: 'string', default: 'kal' } } },
  resource: 'cpu',
  cacheable: true,
});

const store = () => useGraphStore.getState();

beforeEach(() => {
  store().setNodeTypes([node('voice.src', [], [{ name: 'clip', type: 'AudioClip' }]), node('voice.sink', [{ name: 'clip', type: 'AudioClip' }], []), node('script.text', [], [{ name: 'text', type: 'Text' }])]);
  store().setDocument(emptyDocument('t'), { id: 't', version: 1 });
});

describe('graph store', () => {
  it('adds, connects, refuses with a reason, undoes and redoes', () => {
    const a = store().addNode('voice.src', { x: 0, y: 0 });
    const b = store().addNode('voice.sink', { x: 300, y: 0 });
    const c = store().addNode('script.text', { x: 0, y: 200 });
    expect([a, b, c]).toEqual(['voice-src', 'voice-sink', 'script-text']);
    expect(store().doc.nodes[0]?.params).toEqual({ voice: 'kal' });
    expect(store().selection).toEqual(['script-text']);
    expect(store().meta).toEqual({ id: 't', version: 1, dirty: true });
    expect(store().connect('voice-src.clip', 'voice-sink.clip')).toEqual({ ok: true, wrap: false, replaced: [] });
    expect(store().connect('script-text.text', 'voice-sink.clip')).toEqual({ ok: false, reason: 'script-text.text → voice-sink.clip: Text cannot feed AudioClip' });
    expect(store().doc.edges).toHaveLength(1);
    store().undo();
    expect(store().doc.edges).toHaveLength(0);
    store().undo();
    store().undo();
    store().undo();
    expect(store().doc.nodes).toHaveLength(0);
    expect(store().meta.dirty).toBe(false);
    store().redo();
    expect(store().doc.nodes).toHaveLength(1);
    expect(store().meta.dirty).toBe(true);
  });

  it('makes one step of a burst of param edits and of a drag; selection is no step', () => {
    vi.useFakeTimers();
    try {
      const id = store().addNode('voice.src', { x: 0, y: 0 }) as string;
      const steps = store().history.past.length;
      store().updateParams(id, { voice: 'a' });
      vi.advanceTimersByTime(100);
      store().updateParams(id, { voice: 'ab' });
      vi.advanceTimersByTime(100);
      store().updateParams(id, { voice: 'abc' });
      expect(store().history.past.length).toBe(steps + 1);
      store().select([]);
      store().select([id]);
      expect(store().history.past.length).toBe(steps + 1);
      vi.advanceTimersByTime(1000);
      store().moveNodes({ [id]: { x: 10, y: 0 } });
      store().moveNodes({ [id]: { x: 20, y: 0 } });
      expect(store().history.past.length).toBe(steps + 2);
      store().undo();
      expect(store().doc.nodes[0]?.position).toEqual({ x: 0, y: 0 });
      store().undo();
      expect(store().doc.nodes[0]?.params).toEqual({ voice: 'kal' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('removes the selection, copies and pastes with and without links, marks saved', () => {
    const a = store().addNode('voice.src', { x: 0, y: 0 }) as string;
    const b = store().addNode('voice.sink', { x: 300, y: 0 }) as string;
    store().connect(`${a}.clip`, `${b}.clip`);
    store().select([b]);
    expect(store().copy()).toBe(1);
    expect(store().paste()).toEqual(['voice-sink-2']);
    expect(store().doc.edges).toHaveLength(1);
    expect(store().paste({ withLinks: true })).toEqual(['voice-sink-3']);
    expect(store().doc.edges.map((e) => e.to)).toEqual(['voice-sink.clip', 'voice-sink-3.clip']);
    // Below the original and the first copy, not on top of them.
    expect(store().doc.nodes.find((n) => n.id === 'voice-sink-3')?.position).toEqual({ x: 380, y: 600 });
    store().select(['voice-sink-3', 'voice-src.clip->voice-sink.clip']);
    store().removeSelected();
    expect(store().doc.nodes.map((n) => n.id)).toEqual(['voice-src', 'voice-sink', 'voice-sink-2']);
    expect(store().doc.edges).toEqual([]);
    expect(store().selection).toEqual([]);
    store().markSaved({ version: 2 });
    expect(store().meta).toEqual({ id: 't', version: 2, dirty: false });
    store().autoLayout();
    expect(store().meta.dirty).toBe(true);
    store().undo();
    expect(store().meta.dirty).toBe(false);
  });

  it('edits graph inputs and outputs as undo steps; exposing a port wires it in one step', () => {
    const sink = store().addNode('voice.sink', { x: 0, y: 0 }) as string;
    const src = store().addNode('voice.src', { x: 0, y: 200 }) as string;
    const steps = store().history.past.length;
    const exposed = store().exposeInput(sink, 'clip');
    expect(exposed).toMatchObject({ ok: true, name: 'clip' });
    expect(store().doc.inputs).toEqual({ clip: { type: 'AudioClip', required: true } });
    expect(store().doc.edges).toEqual([{ from: '$input.clip', to: `${sink}.clip` }]);
    expect(store().exposeOutput(src, 'clip')).toMatchObject({ ok: true, name: 'clip' });
    expect(store().doc.outputs).toEqual({ clip: `${src}.clip` });
    store().setGraphInput('take', { type: 'AudioClip' }, 'clip');
    expect(store().doc.edges).toEqual([{ from: '$input.take', to: `${sink}.clip` }]);
    store().removeGraphInput('take');
    expect(store().doc.inputs).toBeUndefined();
    expect(store().doc.edges).toEqual([]);
    expect(store().history.past.length).toBe(steps + 4);
    store().undo();
    expect(store().doc.edges).toEqual([{ from: '$input.take', to: `${sink}.clip` }]);
    store().undo();
    store().undo();
    expect(store().doc.outputs).toBeUndefined();
    store().undo();
    expect(store().doc.inputs).toBeUndefined();
    expect(store().doc.edges).toEqual([]);
  });
});
