/**
 * Partial runs (issue 19): `until` runs a node and everything it needs,
 * nothing downstream; `only` executes one node with its ancestors' results
 * taken from the cache. Asserted from the run records (the engine's result and
 * the stored run), with cheap test nodes: nothing renders here.
 */
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeEvent } from '../runtime/contract/index.js';
import { InvalidRunInputError, InvalidRunScopeError } from '../runtime/engine/engine.js';
import type { NodeSummary, RunResult } from '../runtime/engine/run.js';
import { RunLauncher } from '../runtime/runs/launcher.js';
import { openSqliteStore, type RunDetail } from '../runtime/store/index.js';
import { createHarness, graph, type Harness } from './fixtures/harness.js';
import { probe } from './fixtures/test-nodes.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.dispose();
});

/**
 * a → b → c, an unrelated root `side`, and a mapped chain
 * src → m (per item) → all → after.
 */
const pipeline = (params: { aTag?: string; cTag?: string; items?: number[] } = {}) =>
  graph(
    [
      ['a', 'test.echo', { tag: params.aTag ?? 'a' }],
      ['b', 'test.echo', { tag: 'b' }],
      ['c', 'test.echo', { tag: params.cTag ?? 'c' }],
      ['side', 'test.echo', { tag: 'side' }],
      ['src', 'test.source', { items: params.items ?? [1, 2, 3] }],
      ['m', 'test.map', { tag: 'm' }],
      ['all', 'test.collect'],
      ['after', 'test.echo', { tag: 'after' }],
    ],
    ['a.value -> b.value', 'b.value -> c.value', 'src.items -> m.items', 'm.items -> all.items', 'all.value -> after.value'],
    { outputs: { end: 'c.value' } },
  );

const executed = (): string[] => [...new Set(probe.starts().map((e) => e.nodeId))].sort();
const recorded = (result: RunResult): string[] => result.nodes.map((n) => n.id).sort();
const node = (result: RunResult, id: string): NodeSummary => {
  const found = result.nodes.find((n) => n.id === id);
  if (!found) throw new Error(`node ${id} is not in the run record`);
  return found;
};
const eventNodes = (): string[] => [...new Set(h.events.filter((e): e is NodeEvent => e.type === 'node').map((e) => e.nodeId))].sort();

describe('until: a node and everything it needs', () => {
  it('executes only the demanded subgraph; downstream and unrelated nodes never appear', async () => {
    const result = await h.run(pipeline(), { until: 'b' });
    expect(result.status).toBe('done');
    expect(executed()).toEqual(['a', 'b']);
    expect(recorded(result)).toEqual(['a', 'b']);
    expect(eventNodes()).toEqual(['a', 'b']);
    // The run's outputs are the target's, by port name (not the graph's declared `end`).
    expect(result.outputs).toEqual({ value: { tag: 'b', input: { tag: 'a', input: null } } });
    expect(node(result, 'a')).toMatchObject({ status: 'done', cached: false });
  });

  it('reuses the ancestors from the cache on a later run and says so per node', async () => {
    await h.run(pipeline(), { until: 'b' });
    probe.reset();
    const result = await h.run(pipeline(), { until: 'c' });
    expect(result.status).toBe('done');
    expect(executed()).toEqual(['c']);
    expect(recorded(result)).toEqual(['a', 'b', 'c']);
    expect(node(result, 'a')).toMatchObject({ status: 'cached', cached: true, items: { executed: 0, cached: 1 } });
    expect(node(result, 'b')).toMatchObject({ status: 'cached', cached: true, items: { executed: 0, cached: 1 } });
    expect(node(result, 'c')).toMatchObject({ status: 'done', cached: false, items: { executed: 1, cached: 0 } });
  });

  it('says per item what was reused in a mapped ancestor', async () => {
    const first = await h.run(pipeline(), { until: 'm' });
    expect(recorded(first)).toEqual(['m', 'src']);
    expect(first.outputs).toEqual({ items: ['m(1)', 'm(2)', 'm(3)'] });
    probe.reset();
    h.events.length = 0;
    // One more item: the first three come from the cache, the new one runs.
    const result = await h.run(pipeline({ items: [1, 2, 3, 4] }), { until: 'after' });
    expect(result.status).toBe('done');
    expect(recorded(result)).toEqual(['after', 'all', 'm', 'src']);
    expect(node(result, 'm').items).toMatchObject({ total: 4, executed: 1, cached: 3 });
    expect(probe.starts('m').map((e) => e.index)).toEqual([3]);
    const itemStatuses = h.events.filter((e) => e.type === 'item' && e.nodeId === 'm' && (e.status === 'cached' || e.status === 'done'));
    expect(itemStatuses.map((e) => (e.type === 'item' ? [e.index, e.status] : [])).sort()).toEqual([
      [0, 'cached'],
      [1, 'cached'],
      [2, 'cached'],
      [3, 'done'],
    ]);
  });

  it('refuses an unknown node id before anything runs, naming it', async () => {
    let thrown: unknown;
    try {
      h.engine.start(pipeline(), { outDir: h.dir, until: 'nope' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidRunScopeError);
    // The CLI and the server already treat invalid run inputs as the caller's mistake (exit 2, HTTP 400).
    expect(thrown).toBeInstanceOf(InvalidRunInputError);
    expect((thrown as InvalidRunScopeError).problems).toEqual([expect.objectContaining({ path: '/until', nodeId: 'nope', code: 'UNKNOWN_NODE' })]);
    expect((thrown as Error).message).toContain('"nope"');
    expect(h.events).toEqual([]);
    expect(probe.log).toEqual([]);
  });

  it('refuses until and only together', () => {
    expect(() => h.engine.start(pipeline(), { outDir: h.dir, until: 'b', only: 'c' })).toThrow(InvalidRunScopeError);
    expect(h.events).toEqual([]);
  });
});

describe('only: one node, its inputs from the cache', () => {
  it('executes the node alone, its ancestors reused', async () => {
    await h.run(pipeline());
    probe.reset();
    // An edit to c alone: only c is executed, with b's cached result as its input.
    const result = await h.run(pipeline({ cTag: 'c2' }), { only: 'c' });
    expect(result.status).toBe('done');
    expect(executed()).toEqual(['c']);
    expect(recorded(result)).toEqual(['a', 'b', 'c']);
    expect(node(result, 'a')).toMatchObject({ status: 'cached', cached: true });
    expect(node(result, 'b')).toMatchObject({ status: 'cached', cached: true });
    expect(node(result, 'c')).toMatchObject({ status: 'done', cached: false, items: { executed: 1 } });
    expect(result.outputs).toEqual({ value: { tag: 'c2', input: { tag: 'b', input: { tag: 'a', input: null } } } });
  });

  it('fails with a cold cache, naming the upstream node, and executes nothing', async () => {
    const result = await h.run(pipeline(), { only: 'c' });
    expect(result.status).toBe('failed');
    expect(probe.log).toEqual([]);
    expect(result.error).toMatchObject({ code: 'UPSTREAM_NOT_CACHED', location: { nodeId: 'a' } });
    expect(result.error?.message).toMatch(/^no cached result for these inputs; .*run up to "a" first/);
    expect(node(result, 'a')).toMatchObject({ status: 'failed', error: { code: 'UPSTREAM_NOT_CACHED' } });
    expect(node(result, 'c').status).toBe('skipped');
    expect(recorded(result)).toEqual(['a', 'b', 'c']);
  });

  it('fails when an upstream edit left an ancestor out of the cache, rather than executing it', async () => {
    await h.run(pipeline());
    probe.reset();
    // a's params changed: its cached result no longer applies, and b's (keyed by a's value) cannot be found either.
    const result = await h.run(pipeline({ aTag: 'a2' }), { only: 'c' });
    expect(result.status).toBe('failed');
    expect(probe.log).toEqual([]);
    expect(result.error).toMatchObject({ code: 'UPSTREAM_NOT_CACHED', location: { nodeId: 'a' } });
  });

  it('names the item of a mapped ancestor that is missing', async () => {
    // The list comes from a graph input, so a longer list changes nothing upstream of the mapped node but its new item.
    const fromInput = graph(
      [
        ['m', 'test.map', { tag: 'm' }],
        ['all', 'test.collect'],
      ],
      ['$input.items -> m.items', 'm.items -> all.items'],
      { inputs: { items: { type: 'Json', list: true } } },
    );
    await h.run(fromInput, { until: 'm', inputs: { items: [1, 2, 3] } });
    probe.reset();
    const result = await h.run(fromInput, { only: 'all', inputs: { items: [1, 2, 3, 4] } });
    expect(result.status).toBe('failed');
    expect(probe.log).toEqual([]);
    expect(result.error).toMatchObject({ code: 'UPSTREAM_NOT_CACHED', location: { nodeId: 'm', item: 3 } });
    expect(node(result, 'm').items).toMatchObject({ total: 4, executed: 0, cached: 3, failed: 1 });
    expect(node(result, 'all').status).toBe('skipped');
  });

  it('with noCache executes the node again but still takes its inputs from the cache', async () => {
    await h.run(pipeline());
    probe.reset();
    const result = await h.run(pipeline(), { only: 'after', noCache: true });
    expect(result.status).toBe('done');
    expect(executed()).toEqual(['after']);
    expect(node(result, 'm').items).toMatchObject({ total: 3, executed: 0, cached: 3 });
    expect(node(result, 'all')).toMatchObject({ status: 'cached', cached: true });
    expect(node(result, 'after')).toMatchObject({ status: 'done', cached: false });
  });

  it('reuses a cached node result without executing when nothing changed', async () => {
    await h.run(pipeline());
    probe.reset();
    const result = await h.run(pipeline(), { only: 'c' });
    expect(result.status).toBe('done');
    expect(probe.log).toEqual([]);
    expect(node(result, 'c')).toMatchObject({ status: 'cached', cached: true });
  });

  it('refuses an unknown node id', () => {
    expect(() => h.engine.start(pipeline(), { outDir: h.dir, only: 'ghost' })).toThrow(/no node "ghost"/);
  });
});

describe('the stored run record', () => {
  const stored = async (launcher: RunLauncher, store: Awaited<ReturnType<typeof openSqliteStore>>, options: { until?: string; only?: string }, g = pipeline()): Promise<RunDetail> => {
    const launched = await launcher.launch({ graph: g, trigger: 'api', outDir: join(h.dir, 'out'), ...options });
    await launched.finished;
    const detail = await store.getRun(launched.runId);
    if (!detail) throw new Error('run not stored');
    return detail;
  };

  it('keeps the scope and holds only the demanded nodes, each saying whether it was executed or reused', async () => {
    const store = await openSqliteStore(join(h.dir, 'runs.db'));
    const launcher = new RunLauncher(h.engine, store);
    try {
      const first = await stored(launcher, store, { until: 'm' });
      expect(first).toMatchObject({ status: 'done', until: 'm' });
      expect(first.only).toBeUndefined();
      expect(first.nodes.map((n) => n.nodeId).sort()).toEqual(['m', 'src']);
      expect(first.items.map((i) => [i.nodeId, i.index, i.status, i.cached])).toEqual([
        ['m', 0, 'done', false],
        ['m', 1, 'done', false],
        ['m', 2, 'done', false],
      ]);

      const second = await stored(launcher, store, { only: 'all' });
      expect(second).toMatchObject({ status: 'done', only: 'all' });
      expect(second.nodes.map((n) => [n.nodeId, n.status, n.cached]).sort()).toEqual([
        ['all', 'done', false],
        ['m', 'cached', true],
        ['src', 'cached', true],
      ]);
      expect(second.items.every((i) => i.nodeId === 'm' && i.status === 'cached' && i.cached)).toBe(true);
      expect(second.items).toHaveLength(3);
      expect((await store.listRuns()).map((r) => [r.until, r.only])).toEqual([
        [undefined, 'all'],
        ['m', undefined],
      ]);
    } finally {
      await launcher.close();
      await store.close();
    }
  });

  it('stays partial when a restarted server resumes it', async () => {
    // a → gate → c → d: the gate holds the run until a second execution arrives, i.e. after the restart.
    const gated = graph(
      [
        ['a', 'test.echo', { tag: 'a' }],
        ['gate', 'test.barrier', { group: 'partial-restart', size: 2, giveUpMs: 60_000 }],
        ['c', 'test.echo', { tag: 'c' }],
        ['d', 'test.echo', { tag: 'd' }],
      ],
      ['a.value -> gate.value', 'gate.value -> c.value', 'c.value -> d.value'],
    );
    const store = await openSqliteStore(join(h.dir, 'runs.db'));
    try {
      const first = new RunLauncher(h.engine, store);
      const launched = await first.launch({ graph: gated, trigger: 'api', outDir: join(h.dir, 'out'), until: 'c' });
      while (probe.starts('gate').length < 1) await delay(10);
      first.detach();
      h.engine.cancel(launched.runId);
      await launched.finished;
      await store.flush();

      const second = new RunLauncher(h.engine, store);
      expect(await second.resumeUnfinished()).toEqual([launched.runId]);
      const result = await (second.finished(launched.runId) as Promise<RunResult>);
      await second.close();
      expect(result.status).toBe('done');
      expect(recorded(result)).toEqual(['a', 'c', 'gate']);
      expect(probe.starts('d')).toEqual([]);
      const detail = await store.getRun(launched.runId);
      expect(detail).toMatchObject({ status: 'done', until: 'c' });
      expect(detail?.nodes.map((n) => n.nodeId).sort()).toEqual(['a', 'c', 'gate']);
    } finally {
      await store.close();
    }
  });
});
