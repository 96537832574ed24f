import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ItemEvent, NodeEvent } from '../runtime/contract/index.js';
import { GraphValidationError } from '../runtime/contract/index.js';
import { backoffDelay } from '../runtime/engine/retry.js';
import { createHarness, graph, type Harness } from './fixtures/harness.js';
import { parseScript } from '../nodes/script/engine/index.js';
import { probe } from './fixtures/test-nodes.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.dispose();
});

const itemEvents = (nodeId: string, status?: string): ItemEvent[] =>
  h.events.filter((e): e is ItemEvent => e.type === 'item' && e.nodeId === nodeId && (status === undefined || e.status === status));
const nodeEvents = (nodeId: string): NodeEvent[] => h.events.filter((e): e is NodeEvent => e.type === 'node' && e.nodeId === nodeId);
const executedIndices = (nodeId: string): number[] => probe.starts(nodeId).map((e) => e.index ?? -1).sort((a, b) => a - b);

describe('scheduling', () => {
  it('runs every node after all of its inputs have finished', async () => {
    const g = graph(
      [
        ['a', 'test.echo', { tag: 'a', delayMs: 20 }],
        ['b', 'test.echo', { tag: 'b', delayMs: 5 }],
        ['c', 'test.echo', { tag: 'c', delayMs: 1 }],
        ['d', 'test.echo', { tag: 'd' }],
        ['e', 'test.echo', { tag: 'e' }],
      ],
      ['a.value -> b.value', 'a.value -> c.value', 'b.value -> d.value', 'c.value -> e.value'],
    );
    const result = await h.run(g);
    expect(result.status).toBe('done');
    const position = (nodeId: string, phase: 'start' | 'end'): number => probe.log.findIndex((e) => e.nodeId === nodeId && e.phase === phase);
    for (const edge of g.edges) {
      const from = edge.from.split('.')[0] as string;
      const to = edge.to.split('.')[0] as string;
      expect(position(from, 'end'), `${from} ends before ${to} starts`).toBeLessThan(position(to, 'start'));
    }
  });

  it('refuses a graph with an unconnected required input before running anything', async () => {
    expect(() => h.engine.start(graph([['f', 'test.collect']]), { outDir: h.dir })).toThrow(GraphValidationError);
  });

  it('runs independent items concurrently but never above the resource class limit', async () => {
    await h.dispose();
    h = await createHarness({ limits: { voice: 2, cpu: 4 } });
    const items = Array.from({ length: 12 }, (_, i) => i);
    const result = await h.run(
      graph(
        [
          ['src', 'test.source', { items }],
          ['tts', 'test.barrier-items', { group: 'voice', size: 2 }],
          ['all', 'test.collect'],
        ],
        ['src.items -> tts.items', 'tts.items -> all.items'],
      ),
    );
    expect(result.status).toBe('done');
    expect(probe.maxActive.get('voice')).toBe(2);
    expect(probe.starts('tts')).toHaveLength(12);
    // Results join back in order whatever order the items finished in.
    expect(result.nodes.find((n) => n.id === 'tts')?.items).toMatchObject({ total: 12, executed: 12 });
  });

  it('runs bookkeeping nodes (casting, pacing, the timeline…) beside drawing that fills every cpu slot', async () => {
    // The reference episode's casting once waited 9 s for a terminal overlay to free a cpu slot, with everything after it.
    await h.dispose();
    h = await createHarness({ limits: { cpu: 1 } });
    const script = parseScript('# Ep\n\n## Scene 1: Room\n\n**KAEL:** Hello.\n', { format: 'markdown' });
    const result = await h.run(
      graph(
        [
          // Holds the only cpu slot until a second execution of its group arrives.
          ['drawing', 'test.barrier', { group: 'light', size: 2, giveUpMs: 3000 }],
          // Casting is asked for only once the drawing holds that slot.
          ['held', 'test.after-arrival', { group: 'light' }],
          ['cast', 'voice.cast'],
          ['second', 'test.barrier-light', { group: 'light', size: 2 }],
        ],
        ['$input.script -> held.value', 'held.value -> cast.script', 'cast.casting -> second.value'],
        { inputs: { script: { type: 'Script' } } },
      ),
      { inputs: { script } },
    );
    expect(result.error?.message).toBeUndefined();
    expect(result.status).toBe('done');
    expect(probe.maxActive.get('cpu')).toBe(1);
  });

  it('synthesises the score beside drawing that fills every cpu slot', async () => {
    // Traced: in the cpu class the score (seconds of single-threaded synthesis the timeline waits for) ran after every
    // scene had been drawn, one core idle, and an edit's redrawn scene waited for it.
    await h.dispose();
    h = await createHarness({ limits: { cpu: 1 } });
    const script = parseScript('# Ep\n\n## Scene 1: Room\n\n**KAEL:** Hello.\n', { format: 'markdown' });
    const plan = { scenes: [{ id: script.scenes[0]!.id, index: 0, title: 'Room', start: 0, duration: 1, events: [] }], duration: 1, fps: 30 };
    const result = await h.run(
      graph(
        [
          ['drawing', 'test.barrier', { group: 'score', size: 2, giveUpMs: 20_000 }],
          ['held', 'test.after-arrival', { group: 'score' }],
          ['score', 'audio.score'],
          ['json', 'json.stringify'],
          ['second', 'test.barrier-light', { group: 'score', size: 2 }],
        ],
        ['$input.plan -> held.value', '$input.script -> score.script', 'held.value -> score.plan', 'score.clips -> json.value', 'json.text -> second.value'],
        { inputs: { script: { type: 'Script' }, plan: { type: 'ScenePlan' } } },
      ),
      { inputs: { script, plan } },
    );
    expect(result.error?.message).toBeUndefined();
    expect(result.status).toBe('done');
    expect(probe.maxActive.get('cpu')).toBe(1);
  });

  it('runs and validates graphs deeper than the call stack', async () => {
    const depth = 3000;
    const nodes = Array.from({ length: depth }, (_, i): [string, string, Record<string, unknown>] => [`n${i}`, 'text.template', { template: i === 0 ? 'start' : '{{text}}+' }]);
    const edges = Array.from({ length: depth - 1 }, (_, i) => `n${i}.text -> n${i + 1}.text`);
    const result = await h.run(graph(nodes, edges, { outputs: { end: `n${depth - 1}.text` } }));
    expect(result.status).toBe('done');
    expect(result.outputs.end).toBe(`start${'+'.repeat(depth - 1)}`);
    expect(result.nodes.every((n) => n.status === 'done')).toBe(true);
    const cyclic = graph(nodes, [...edges, `n${depth - 1}.text -> n0.text`]);
    expect(() => h.engine.start(cyclic, { outDir: h.dir })).toThrow(/cycle: n0 → n1 → n2/);
  });

  it('runs independent branches concurrently', async () => {
    await h.dispose();
    h = await createHarness({ limits: { cpu: 3 } });
    const result = await h.run(graph([0, 1, 2].map((i): [string, string, Record<string, unknown>] => [`b${i}`, 'test.barrier', { group: 'branches', size: 3 }])));
    expect(result.status).toBe('done');
    expect(probe.maxActive.get('cpu')).toBe(3);
  });
});

describe('cache', () => {
  const pipeline = (items: unknown[]) =>
    graph(
      [
        ['src', 'test.source', { items }],
        ['first', 'test.map', { tag: 'x' }],
        ['second', 'test.map', { tag: 'y' }],
        ['all', 'test.collect'],
      ],
      ['src.items -> first.items', 'first.items -> second.items', 'second.items -> all.items'],
      { outputs: { joined: 'all.value' } },
    );

  it("reports each node's and item's output values with its done or cached event", async () => {
    for (const expectedStatus of ['done', 'cached'] as const) {
      h.events.length = 0;
      await h.run(pipeline(['a', 'b']));
      const nodeEvents = h.events.filter((e): e is NodeEvent => e.type === 'node' && e.status === expectedStatus);
      expect(nodeEvents.find((e) => e.nodeId === 'src')?.outputs).toEqual({ items: ['a', 'b'] });
      // A mapped node's values travel with its items, not (again) with the node.
      expect(nodeEvents.find((e) => e.nodeId === 'first')?.outputs).toBeUndefined();
      const items = h.events.filter((e): e is ItemEvent => e.type === 'item' && e.nodeId === 'first' && e.status === expectedStatus);
      // Items run concurrently: their events arrive in any order.
      expect(items.map((e) => [e.index, e.outputs]).sort((a, b) => (a[0] as number) - (b[0] as number))).toEqual([
        [0, { items: 'x(a)' }],
        [1, { items: 'x(b)' }],
      ]);
    }
  });

  it('executes nothing on a second identical run', async () => {
    const first = await h.run(pipeline(['a', 'b', 'c']));
    expect(first.status).toBe('done');
    expect(probe.starts()).toHaveLength(1 + 3 + 3 + 1);
    probe.reset();
    const second = await h.run(pipeline(['a', 'b', 'c']));
    expect(second.status).toBe('done');
    expect(probe.starts()).toHaveLength(0);
    expect(second.nodes.map((n) => n.status)).toEqual(['cached', 'cached', 'cached', 'cached']);
    expect(second.outputs).toEqual(first.outputs);
  });

  it('re-executes only the edited item and its dependants', async () => {
    await h.run(pipeline(['a', 'b', 'c', 'd']));
    probe.reset();
    const result = await h.run(pipeline(['a', 'b', 'C', 'd']));
    expect(result.outputs.joined).toBe('y(x(a))|y(x(b))|y(x(C))|y(x(d))');
    expect(executedIndices('first')).toEqual([2]);
    expect(executedIndices('second')).toEqual([2]);
    expect(probe.starts('src')).toHaveLength(1);
    expect(probe.starts('all')).toHaveLength(1);
    expect(result.nodes.find((n) => n.id === 'first')?.items).toMatchObject({ total: 4, executed: 1, cached: 3 });
  });

  it('keys items by content, so inserting an item runs only the new one', async () => {
    await h.run(pipeline(['a', 'b', 'c']));
    probe.reset();
    const result = await h.run(pipeline(['new', 'a', 'b', 'c']));
    expect(result.outputs.joined).toBe('y(x(new))|y(x(a))|y(x(b))|y(x(c))');
    expect(executedIndices('first')).toEqual([0]);
    expect(executedIndices('second')).toEqual([0]);
  });

  it('--no-cache executes everything, and "always run" executes that node only', async () => {
    await h.run(pipeline(['a', 'b']));
    probe.reset();
    await h.run(pipeline(['a', 'b']), { noCache: true });
    expect(probe.starts()).toHaveLength(1 + 2 + 2 + 1);
    probe.reset();
    const g = pipeline(['a', 'b']);
    (g.nodes[2] as { settings?: object }).settings = { alwaysRun: true };
    await h.run(g);
    expect(probe.starts().map((e) => e.nodeId)).toEqual(['second', 'second']);
  });

  it('treats a cached result whose artifact has vanished as a miss', async () => {
    const g = graph([['save', 'file.write', { filename: 'x.txt' }], ['t', 'text.template', { template: 'hi' }]], ['t.text -> save.content']);
    await h.run(g);
    const cachedEvents = h.events.filter((e) => e.type === 'node' && e.status === 'cached');
    expect(cachedEvents).toHaveLength(0);
    const second = await h.run(g);
    expect(second.nodes.find((n) => n.id === 't')?.status).toBe('cached');
    // file.write is a side effect: never cached.
    expect(second.nodes.find((n) => n.id === 'save')?.status).toBe('done');
  });
});

describe('fallback', () => {
  const chain = (fail: unknown[], secondFail: unknown[] = []) =>
    graph(
      [
        ['src', 'test.source', { items: ['s0', 's1', 's2', 's3', 's4'] }],
        ['cloud', 'test.flaky-items', { fail, tag: 'cloud' }],
        ['backup', 'test.flaky-items', { fail: secondFail, tag: 'backup' }],
        ['offline', 'test.map', { tag: 'offline' }],
        ['voice', 'control.fallback'],
        ['all', 'test.collect'],
      ],
      [
        'src.items -> cloud.items',
        'src.items -> backup.items',
        'src.items -> offline.items',
        'cloud.items -> voice.choice1',
        'backup.items -> voice.choice2',
        'offline.items -> voice.choice3',
        'voice.value -> all.items',
      ],
      { outputs: { joined: 'all.value' } },
    );

  it('runs the next alternative only for the items the previous one failed, and records who produced each', async () => {
    const result = await h.run(chain(['s1', 's3'], ['s3']));
    expect(result.status).toBe('done');
    expect(result.outputs.joined).toBe('cloud(s0)|backup(s1)|cloud(s2)|offline(s3)|cloud(s4)');
    expect(executedIndices('cloud')).toEqual([0, 1, 2, 3, 4]);
    expect(executedIndices('backup')).toEqual([1, 3]);
    expect(executedIndices('offline')).toEqual([3]);
    const voice = result.nodes.find((n) => n.id === 'voice');
    expect(voice?.providers).toEqual({ 0: 'cloud', 1: 'backup', 2: 'cloud', 3: 'offline', 4: 'cloud' });
    expect(voice?.items.fellBack).toBe(2);
    expect(itemEvents('voice', 'fell-back').map((e) => [e.index, e.provider])).toEqual(
      expect.arrayContaining([
        [1, 'backup'],
        [3, 'offline'],
      ]),
    );
  });

  it('never runs later alternatives when the first succeeds', async () => {
    const result = await h.run(chain([]));
    expect(result.status).toBe('done');
    expect(probe.starts('backup')).toHaveLength(0);
    expect(probe.starts('offline')).toHaveLength(0);
    expect(result.nodes.find((n) => n.id === 'backup')?.status).toBe('skipped');
  });

  it('fails the run, naming the item, when every alternative fails for it', async () => {
    const g = chain(['s2'], ['s2']);
    g.edges = g.edges.filter((e) => e.to !== 'voice.choice3');
    const result = await h.run(g);
    expect(result.status).toBe('failed');
    expect(result.error?.message).toContain('s2');
    expect(result.nodes.find((n) => n.id === 'voice')?.items.failed).toBe(1);
    expect(itemEvents('voice', 'failed').map((e) => e.index)).toEqual([2]);
  });

  it('hands the whole list to the next choice when a batch provider fails outright', async () => {
    const g = graph(
      [
        ['src', 'test.source', { items: ['a', 'b', 'c'] }],
        ['batch', 'test.batch', { fail: true }],
        ['each', 'test.map', { tag: 'each' }],
        ['pick', 'control.fallback'],
        ['all', 'test.collect'],
      ],
      ['src.items -> batch.items', 'src.items -> each.items', 'batch.items -> pick.choice1', 'each.items -> pick.choice2', 'pick.value -> all.items'],
      { outputs: { joined: 'all.value' } },
    );
    const result = await h.run(g);
    expect(result.status).toBe('done');
    expect(result.outputs.joined).toBe('each(a)|each(b)|each(c)');
    expect(result.nodes.find((n) => n.id === 'pick')?.providers).toEqual({ 0: 'each', 1: 'each', 2: 'each' });
    expect(result.nodes.find((n) => n.id === 'batch')?.status).toBe('failed');
  });

  it('falls back for a whole (non-list) value', async () => {
    const g = graph(
      [
        ['primary', 'test.fail-n', { key: 'p', failures: 99, permanent: true }],
        ['secondary', 'test.echo', { tag: 'second' }],
        ['pick', 'control.fallback'],
        ['end', 'test.echo', { tag: 'end' }],
      ],
      ['primary.value -> pick.choice1', 'secondary.value -> pick.choice2', 'pick.value -> end.value'],
    );
    const result = await h.run(g);
    expect(result.status).toBe('done');
    expect(result.nodes.find((n) => n.id === 'pick')?.providers).toEqual({ 0: 'secondary' });
  });
});

describe('retries and timeouts', () => {
  it('retries with exponential backoff and jitter', async () => {
    const result = await h.run(graph([['n', 'test.fail-n', { key: 'k', failures: 2 }, { retries: 3, retryDelayMs: 100 }]]));
    expect(result.status).toBe('done');
    expect(probe.attempts.get('k')).toBe(3);
    expect(h.sleeps).toHaveLength(2);
    expect(h.sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(h.sleeps[0]).toBeLessThanOrEqual(100);
    expect(h.sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(h.sleeps[1]).toBeLessThanOrEqual(200);
    expect(h.events.filter((e) => e.type === 'retry').map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2]);
  });

  it('honours a Retry-After hint longer than the backoff', async () => {
    const result = await h.run(graph([['n', 'test.fail-n', { key: 'k', failures: 1, retryAfterMs: 7000 }, { retries: 1, retryDelayMs: 10 }]]));
    expect(result.status).toBe('done');
    expect(h.sleeps).toEqual([7000]);
  });

  it('fails at once when Retry-After asks for more than maxRetryDelayMs, naming the wait; the node setting moves the bound', async () => {
    const hour = graph([['n', 'test.fail-n', { key: 'k', failures: 1, retryAfterMs: 3_600_000 }, { retries: 2, retryDelayMs: 10 }]]);
    const refused = await h.run(hour);
    expect(refused.status).toBe('failed');
    expect(probe.attempts.get('k')).toBe(1);
    expect(h.sleeps).toEqual([]);
    expect(refused.error).toMatchObject({ code: 'TRANSIENT', retryable: true, location: { nodeId: 'n' } });
    expect(refused.error?.message).toBe('attempt 1 of k fails on purpose: the provider asked to wait 3600 s (Retry-After), more than node "n"\'s 60 s limit (settings.maxRetryDelayMs), so it fails now instead of waiting');

    const patient = graph([['n', 'test.fail-n', { key: 'k2', failures: 1, retryAfterMs: 3_600_000 }, { retries: 2, retryDelayMs: 10, maxRetryDelayMs: 7_200_000 }]]);
    expect((await h.run(patient)).status).toBe('done');
    expect(h.sleeps).toEqual([3_600_000]);

    const strict = graph([['n', 'test.fail-n', { key: 'k3', failures: 1, retryAfterMs: 7000 }, { retries: 2, retryDelayMs: 10, maxRetryDelayMs: 5000 }]]);
    expect((await h.run(strict)).error?.message).toMatch(/asked to wait 7 s \(Retry-After\), more than node "n"'s 5 s limit/);
  });

  it('gives up after the configured retries and reports the attempts', async () => {
    const result = await h.run(graph([['n', 'test.fail-n', { key: 'k', failures: 5 }, { retries: 2, retryDelayMs: 1 }]]));
    expect(result.status).toBe('failed');
    expect(probe.attempts.get('k')).toBe(3);
    expect(result.error).toMatchObject({ code: 'TRANSIENT', location: { nodeId: 'n' } });
  });

  it('does not retry permanent errors', async () => {
    const result = await h.run(graph([['n', 'test.fail-n', { key: 'k', failures: 5, permanent: true }, { retries: 4 }]]));
    expect(result.status).toBe('failed');
    expect(probe.attempts.get('k')).toBe(1);
    expect(h.sleeps).toEqual([]);
  });

  it('times out a hanging node, retrying it as configured', async () => {
    const result = await h.run(graph([['slow', 'test.hang', {}, { timeoutMs: 30, retries: 1, retryDelayMs: 1 }]]));
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'TIMEOUT', location: { nodeId: 'slow' } });
    expect(probe.starts('slow')).toHaveLength(2);
  });

  it("gives each unit the deadline its own work sets, unless the graph's timeoutMs setting overrides it", async () => {
    const items = [
      { workMs: 10, budgetMs: 5_000 },
      { workMs: 2_000, budgetMs: 50 },
    ];
    const sized = (settings?: { timeoutMs: number }) => graph([['src', 'test.source', { items }], ['work', 'test.sized-work', {}, settings]], ['src.items -> work.items']);
    const byItem = await h.run(sized());
    expect(byItem.status).toBe('failed');
    const outcomes = h.events.filter((e): e is ItemEvent => e.type === 'item' && e.nodeId === 'work' && (e.status === 'done' || e.status === 'failed'));
    expect(outcomes.map((e) => [e.index, e.status]).sort()).toEqual([
      [0, 'done'],
      [1, 'failed'],
    ]);
    expect(byItem.error).toMatchObject({ code: 'TIMEOUT', location: { nodeId: 'work', item: 1 } });

    expect((await h.run(sized({ timeoutMs: 10_000 }))).status).toBe('done');
  });

  it('rejects output that does not match the port type, naming node and port', async () => {
    const result = await h.run(graph([['g', 'test.garbage']]));
    expect(result.status).toBe('failed');
    expect(result.error?.message).toMatch(/output "clip" is not a valid AudioClip/);
    expect(result.error?.location).toMatchObject({ nodeId: 'g', port: 'clip' });
  });

  it('computes backoff from the policy, capped', () => {
    const policy = { retries: 10, backoffMs: 1000, maxBackoffMs: 5000 };
    expect(backoffDelay(policy, 1, new Error('x'), () => 1)).toBe(1000);
    expect(backoffDelay(policy, 1, new Error('x'), () => 0)).toBe(500);
    expect(backoffDelay(policy, 6, new Error('x'), () => 1)).toBe(5000);
  });
});

describe('cancellation', () => {
  it('cancels running and queued work and reports it', async () => {
    await h.dispose();
    h = await createHarness({ limits: { cpu: 1 } });
    const handle = h.engine.start(graph([['a', 'test.hang'], ['b', 'test.hang']]), { outDir: h.dir });
    await new Promise<void>((resolve) => {
      const off = h.engine.events.on((e) => {
        if (e.type === 'node' && e.status === 'running') {
          off();
          resolve();
        }
      });
    });
    handle.cancel();
    const result = await handle.result;
    expect(result.status).toBe('cancelled');
    expect(result.nodes.map((n) => n.status)).toEqual(['cancelled', 'cancelled']);
    expect(probe.starts()).toHaveLength(1);
    expect(nodeEvents('a').at(-1)?.status).toBe('cancelled');
  });

  it('cancels through an AbortSignal', async () => {
    const controller = new AbortController();
    const pending = h.run(graph([['a', 'test.hang']]), { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect((await pending).status).toBe('cancelled');
  });
});

describe('run inputs and events', () => {
  it('feeds graph inputs, applies defaults and reports bad inputs before running', async () => {
    const g = graph([['t', 'text.template', { template: '<{{text}}>' }]], ['$input.name -> t.text'], {
      inputs: { name: { type: 'Text', default: 'world' } },
      outputs: { text: 't.text' },
    });
    expect((await h.run(g)).outputs.text).toBe('<world>');
    expect((await h.run(g, { inputs: { name: 'Kael' } })).outputs.text).toBe('<Kael>');
    expect(() => h.engine.start(g, { outDir: h.dir, inputs: { nam: 'x' } })).toThrow(/no input "nam"/);
    expect(() => h.engine.start(g, { outDir: h.dir, inputs: { name: 42 } })).toThrow(/must be string/);
  });

  it('emits one event stream: run, node and item lifecycles in order', async () => {
    await h.run(graph([['src', 'test.source', { items: [1, 2] }], ['m', 'test.map']], ['src.items -> m.items']));
    const runStatuses = h.events.filter((e) => e.type === 'run').map((e) => (e as { status: string }).status);
    expect(runStatuses).toEqual(['running', 'done']);
    expect(nodeEvents('m').map((e) => e.status)).toEqual(['queued', 'running', 'done']);
    for (const index of [0, 1]) {
      expect(itemEvents('m').filter((e) => e.index === index).map((e) => e.status)).toEqual(['queued', 'running', 'done']);
    }
  });
});
