/**
 * Item pins against a fake paid provider (Runway) that counts what it is
 * sent: a locked scene is reused after its prompt changed and never sent
 * again; a regenerated scene is sent once more, alone, with a new seed, and
 * setting its take back costs nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { builtinNodes } from '../nodes/index.js';
import { ItemLockedError, ItemPinError, takeSeed, type GraphDocument } from '../runtime/contract/index.js';
import type { ItemRunRow, RunDetail } from '../runtime/contract/records.js';
import { openWorkspace, type Workspace } from '../runtime/workspace.js';
import { sceneGraph } from '../runtime/runs/scene-preview.js';
import { testsrcMp4, type FakeProvider } from './fixtures/fake-http.js';
import { startFakeRunway } from './fixtures/fake-runway.js';
import { startFakeElevenLabs } from './fixtures/fake-elevenlabs.js';
import { createHarness, graph } from './fixtures/harness.js';
import { probe } from './fixtures/test-nodes.js';
import type { ItemPin } from '../runtime/contract/item-pins.js';
import { createCluster, type Cluster } from './fixtures/queue-cluster.js';
import type { Trace } from './fixtures/queue-nodes.js';
import { requireRedis } from './fixtures/redis.js';
import { SOURCE } from './fixtures/scene-provider-suite.js';

const prompt = (index: number, text: string, seed: number, duration = 1.5) => ({ sceneId: `scene-${index + 1}`, index, prompt: text, duration, seed });
const PROMPTS = [prompt(0, 'A rain-soaked terminal glows', 11), prompt(1, 'A rooftop antenna in the storm', 22), prompt(2, 'Dawn over the dead city', 33)];

let fake: FakeProvider;
let dir: string;
let ws: Workspace;

function scenes(): GraphDocument {
  const params = { endpoint: fake.url, width: 160, height: 120, fps: 12, pollIntervalMs: 5, timeoutSeconds: 10 };
  return graph([['scenes', 'scene.runway', params]], ['$input.prompts -> scenes.prompts'], {
    id: 'pinned-scenes',
    inputs: { prompts: { type: 'ScenePrompt', list: true } },
    outputs: { clips: 'scenes.clips' },
  });
}

/** What Runway was asked to generate, in arrival order: the prompt text and seed of each task. */
function submitted(): Array<{ promptText: string; seed: number }> {
  return fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/text_to_video').map((r) => r.body as { promptText: string; seed: number });
}

async function run(prompts: unknown[]): Promise<RunDetail> {
  const launched = await ws.launcher.launch({ graph: scenes(), inputs: { prompts }, outDir: join(dir, 'out'), trigger: 'cli' });
  await launched.finished;
  const detail = await ws.store.getRun(launched.runId);
  if (!detail) throw new Error('run not recorded');
  return detail;
}

const item = (detail: RunDetail, index: number): ItemRunRow => detail.items.find((i) => i.nodeId === 'scenes' && i.index === index) as ItemRunRow;
const clipOf = (detail: RunDetail, index: number) => item(detail, index).outputs?.clips as { hash: string; duration: number };

beforeAll(async () => {
  fake = await startFakeRunway(await testsrcMp4(SOURCE));
});
afterAll(() => fake.close());
beforeEach(async () => {
  fake.reset();
  dir = await mkdtemp(join(tmpdir(), 'reelgraph-pins-'));
  ws = await openWorkspace(dir, {
    nodes: builtinNodes,
    env: {},
    credentials: () => ({ get: async (name: string) => ({ runway: { apiKey: 'key_runway_pins' }, elevenlabs: { apiKey: 'sk_test_pins' } })[name] }),
  });
});
afterEach(async () => {
  await ws.close();
  await rm(dir, { recursive: true, force: true });
});

describe('locking an item', () => {
  it('a locked item is reused after its upstream changes: never sent again, its old clip kept, the record says locked', async () => {
    const first = await run(PROMPTS);
    expect(first.status).toBe('done');
    expect(submitted()).toHaveLength(3);

    const pin = await ws.pins.lock(scenes(), 'scenes', 1);
    expect(pin).toMatchObject({ graphId: 'pinned-scenes', nodeId: 'scenes', index: 1, locked: true, take: 0, key: item(first, 1).key, count: 3, anchor: 'scene-2', lockedFromRun: first.id });
    expect(pin.outputs).toEqual(item(first, 1).outputs);

    // Scene 2's prompt (and length) is rewritten, and so is scene 3's.
    fake.reset();
    const edited = [PROMPTS[0], prompt(1, 'A rooftop antenna, lightning striking it', 22, 1), prompt(2, 'Dawn over the rebuilt city', 33)];
    const second = await run(edited);
    expect(second.status).toBe('done');
    // Only scene 3 was sent: nothing for the locked scene 2, whatever its prompt says now.
    expect(submitted().map((s) => s.promptText)).toEqual(['Dawn over the rebuilt city']);
    expect(clipOf(second, 1)).toEqual(clipOf(first, 1));
    expect(clipOf(second, 1).duration).toBe(1.5);
    expect(item(second, 1)).toMatchObject({ status: 'cached', locked: true });
    expect(item(second, 0)).toMatchObject({ status: 'cached' });
    expect(item(second, 0).locked).toBeUndefined();
    expect(item(second, 2)).toMatchObject({ status: 'done' });
    expect(item(second, 2).locked).toBeUndefined();
    expect(second.outputs?.clips).toEqual([clipOf(second, 0), clipOf(first, 1), clipOf(second, 2)]);

    // Unlocked, scene 2 follows its prompt again: made once, at its new length.
    await ws.pins.unlock(scenes(), 'scenes', 1);
    expect(await ws.pins.list(scenes())).toEqual([]);
    fake.reset();
    const third = await run(edited);
    expect(submitted().map((s) => s.promptText)).toEqual(['A rooftop antenna, lightning striking it']);
    expect(item(third, 1)).toMatchObject({ status: 'done' });
    expect(item(third, 1).locked).toBeUndefined();
    expect(clipOf(third, 1).duration).toBe(1);
  });

  it('a lock never lands on another item: when the list changed length, the locked item fails unsent, naming itself', async () => {
    await run(PROMPTS);
    await ws.pins.lock(scenes(), 'scenes', 1);
    fake.reset();
    const inserted = [prompt(0, 'A cold open on static', 44), ...PROMPTS.map((p, i) => ({ ...p, index: i + 1 }))];
    const detail = await run(inserted);
    expect(detail.status).toBe('failed');
    expect(item(detail, 1).status).toBe('failed');
    expect(item(detail, 1).error).toMatchObject({ code: 'LOCKED_ITEM_UNUSABLE', location: { nodeId: 'scenes', item: 1 } });
    expect(item(detail, 1).error?.message).toMatch(/^item 1 of node "scenes" is locked, but the list had 3 items when it was locked and has 4 now/);
    // Only the new scene was sent; the others came from the cache.
    expect(submitted().map((s) => s.promptText)).toEqual(['A cold open on static']);
  });

  it('refuses what cannot be locked, naming node and item', async () => {
    await expect(ws.pins.lock(scenes(), 'scenes', 0)).rejects.toMatchObject({ code: 'NO_RESULT_TO_LOCK', location: { nodeId: 'scenes', item: 0 } });
    await expect(ws.pins.lock(scenes(), 'nope', 0)).rejects.toMatchObject({ code: 'UNKNOWN_NODE', httpStatus: 404 });
    const { id: _id, ...unnamed } = scenes();
    await expect(ws.pins.lock(unnamed, 'scenes', 0)).rejects.toBeInstanceOf(ItemPinError);
  });
});

describe('regenerating an item', () => {
  it('sends exactly one new request, for that item only, with a new seed; setting the take back costs nothing', async () => {
    const first = await run(PROMPTS);
    // The three items are sent concurrently, so the provider sees them in any order.
    expect(submitted().map((s) => s.seed).sort((a, b) => a - b)).toEqual([11, 22, 33]);

    const pin = await ws.pins.regenerate(scenes(), 'scenes', 2);
    expect(pin).toMatchObject({ index: 2, take: 1, locked: false });

    // An estimate prices the one regenerated scene (2 s of gen4.5) and calls nothing.
    const sent = fake.requests.length;
    const estimate = await ws.engine.estimate(scenes(), { inputs: { prompts: PROMPTS } });
    expect(estimate.nodes[0]).toMatchObject({ cachedItems: 2, items: 3 });
    expect(fake.requests).toHaveLength(sent);

    fake.reset();
    const second = await run(PROMPTS);
    expect(second.status).toBe('done');
    expect(submitted()).toEqual([expect.objectContaining({ promptText: PROMPTS[2]?.prompt, seed: takeSeed(33, 1) })]);
    expect(takeSeed(33, 1)).not.toBe(33);
    expect(item(second, 2)).toMatchObject({ status: 'done', take: 1 });
    expect(item(second, 0)).toMatchObject({ status: 'cached' });
    expect(item(second, 1)).toMatchObject({ status: 'cached' });
    expect(item(second, 0).take).toBeUndefined();

    // Undo: take 0 again, and the first clip comes back from the cache.
    expect(await ws.pins.change(scenes(), 'scenes', 2, { take: 0 })).toMatchObject({ take: 0 });
    fake.reset();
    const third = await run(PROMPTS);
    expect(submitted()).toEqual([]);
    expect(item(third, 2)).toMatchObject({ status: 'cached' });
    expect(item(third, 2).take).toBeUndefined();
    expect(clipOf(third, 2)).toEqual(clipOf(first, 2));

    // Redo: take 1 is cached too.
    await ws.pins.change(scenes(), 'scenes', 2, { take: 1 });
    fake.reset();
    const fourth = await run(PROMPTS);
    expect(submitted()).toEqual([]);
    expect(item(fourth, 2)).toMatchObject({ status: 'cached', take: 1 });
  });

  it('a locked item is not regenerated: refused with a typed error naming node and item, nothing sent', async () => {
    await run(PROMPTS);
    await ws.pins.lock(scenes(), 'scenes', 0);
    const error = await ws.pins.regenerate(scenes(), 'scenes', 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ItemLockedError);
    expect(error).toMatchObject({ code: 'ITEM_LOCKED', httpStatus: 409, location: { nodeId: 'scenes', item: 0 } });
    expect((error as Error).message).toBe('item 0 of node "scenes" of graph "pinned-scenes" is locked: unlock it before regenerating it');
    expect(await ws.pins.get(scenes(), 'scenes', 0)).toMatchObject({ locked: true, take: 0 });
    fake.reset();
    await run(PROMPTS);
    expect(submitted()).toEqual([]);
  });

  it('a locked item costs nothing in an estimate, whatever its prompt says now', async () => {
    await run(PROMPTS);
    await ws.pins.lock(scenes(), 'scenes', 1);
    const edited = PROMPTS.map((p) => ({ ...p, prompt: `${p.prompt}, in fog` }));
    const estimate = await ws.engine.estimate(scenes(), { inputs: { prompts: edited } });
    expect(estimate.nodes[0]).toMatchObject({ cachedItems: 1, items: 3 });
    expect(estimate.nodes[0]?.usage).toEqual([{ provider: 'runway', unit: 'seconds', model: 'gen4.5', quantity: 4 }]);
  });
});

describe('a locked voice line', () => {
  it('keeps its paid reading after the writer rewrote the line: ElevenLabs is not asked again, the other lines behave as usual', async () => {
    const eleven = await startFakeElevenLabs();
    try {
      const voices = graph(
        [
          ['parse', 'script.markdown'],
          ['voice', 'voice.tts', { provider: 'elevenlabs', endpoint: eleven.url }],
        ],
        ['$input.episode -> parse.markdown', 'parse.speakable -> voice.segments'],
        { id: 'pinned-voices', inputs: { episode: { type: 'Markdown' } }, outputs: { clips: 'voice.clips' } },
      );
      const episode = (lines: string[]) => `# Signal\n\n## Roof\n\n${lines.map((line) => `**ARIA:** ${line}`).join('\n\n')}\n`;
      const voiceRun = async (lines: string[]) => {
        const launched = await ws.launcher.launch({ graph: voices, inputs: { episode: episode(lines) }, outDir: join(dir, 'out'), trigger: 'cli' });
        await launched.finished;
        return (await ws.store.getRun(launched.runId)) as RunDetail;
      };
      const sentTexts = () => eleven.requests.map((r) => (r.body as { text: string }).text);
      const lineOf = (detail: RunDetail, index: number) => detail.items.find((i) => i.nodeId === 'voice' && i.index === index);

      const first = await voiceRun(['Is anyone still out there?', 'Another dead block.', 'I can see you, Kael.']);
      expect(first.status).toBe('done');
      expect(sentTexts()).toHaveLength(3);
      await ws.pins.lock(voices, 'voice', 1);

      eleven.requests.length = 0;
      const second = await voiceRun(['Is anyone still out there?', 'Another dead block, nothing but rust.', 'I can see you now, Kael.']);
      expect(second.status).toBe('done');
      expect(sentTexts()).toEqual(['I can see you now, Kael.']);
      expect(lineOf(second, 1)).toMatchObject({ status: 'cached', locked: true, outputs: lineOf(first, 1)?.outputs });
      expect(lineOf(second, 2)).toMatchObject({ status: 'done' });
      // Regenerating a line sends it once more, alone, with a seed of its take.
      await ws.pins.regenerate(voices, 'voice', 0);
      eleven.requests.length = 0;
      const third = await voiceRun(['Is anyone still out there?', 'Another dead block, nothing but rust.', 'I can see you now, Kael.']);
      expect(eleven.requests.map((r) => r.body)).toEqual([expect.objectContaining({ text: 'Is anyone still out there?', seed: takeSeed(0, 1) })]);
      expect(lineOf(third, 0)).toMatchObject({ status: 'done', take: 1 });
      expect(lineOf(third, 1)).toMatchObject({ status: 'cached', locked: true });
      // A one-scene preview's items are that scene's alone: the graph's indexes do not name them, so no pin applies,
      // and a lock never keeps a preview's result (another scene at index 0, at another profile).
      expect(await ws.pins.pinsOf(voices)).toHaveLength(2);
      const preview = sceneGraph(voices, ws.registry, 1);
      expect(await ws.pins.pinsOf(preview)).toEqual([]);
      const previewed = await ws.launcher.launch({ graph: preview, inputs: { episode: episode(['Is anyone still out there?', 'Another dead block, nothing but rust.', 'I can see you now, Kael.']) }, outDir: join(dir, 'preview'), trigger: 'cli' });
      expect((await previewed.finished).status).toBe('done');
      expect(await ws.pins.lock(voices, 'voice', 2)).toMatchObject({ locked: true, lockedFromRun: third.id });
    } finally {
      await eleven.close();
    }
  });
});

describe('a locked item of a fallback', () => {
  it('is settled before any alternative is asked, so none of them spends on it, and the record names who made it', async () => {
    const chain = graph(
      [
        ['src', 'test.source', { items: ['s0', 's1', 's2'] }],
        ['cloud', 'test.flaky-items', { fail: ['s1'], tag: 'cloud' }],
        ['offline', 'test.map', { tag: 'offline' }],
        ['pick', 'control.fallback'],
      ],
      ['src.items -> cloud.items', 'src.items -> offline.items', 'cloud.items -> pick.choice1', 'offline.items -> pick.choice2'],
      { id: 'chain', outputs: { items: 'pick.value' } },
    );
    // What `lock` stores for item 1 after a run where the cloud failed it and the offline voice made it.
    const pin: ItemPin = { graphId: 'chain', nodeId: 'pick', index: 1, locked: true, take: 0, count: 3, provider: 'offline', outputs: { value: 'kept(s1)' }, updatedAt: 0 };
    const h = await createHarness({ pins: { pinsOf: async (pinned) => (pinned.id === 'chain' ? [pin] : []) } });
    try {
      const result = await h.run(chain);
      expect(result.status).toBe('done');
      expect(result.outputs.items).toEqual(['cloud(s0)', 'kept(s1)', 'cloud(s2)']);
      // Item 1 was asked of nobody: neither the cloud (which would fail it, after trying) nor the offline voice.
      // (Items start concurrently: their order is not the assertion.)
      expect(probe.starts('cloud').map((e) => e.index).sort()).toEqual([0, 2]);
      expect(probe.starts('offline')).toEqual([]);
      expect(result.nodes.find((n) => n.id === 'pick')?.providers).toEqual({ 0: 'cloud', 1: 'offline', 2: 'cloud' });
      const locked = h.events.filter((e) => e.type === 'item' && e.nodeId === 'pick' && e.index === 1).at(-1);
      expect(locked).toMatchObject({ status: 'cached', locked: true, provider: 'offline' });
    } finally {
      await h.dispose();
    }
  });
});

const redis = await requireRedis('item pins in queue mode');

describe.skipIf(!redis)('item pins in queue mode', () => {
  let cluster: Cluster | undefined;
  afterEach(async () => {
    await cluster?.dispose();
    cluster = undefined;
  });

  it('the orchestrator keeps a locked item off the queue and hands a regenerated one its take; workers need nothing new', async () => {
    cluster = await createCluster('pins');
    await cluster.startWorker(['--concurrency', 'voice=2,video=2']);
    const orchestrator = await cluster.orchestrator();
    const work = graph([['w', 'testq.work-video', { tag: 't' }]], ['$input.items -> w.items'], {
      id: 'queue-pins',
      inputs: { items: { type: 'Json', list: true } },
      outputs: { items: 'w.items', trace: 'w.trace' },
    });
    const queued = async (items: string[]): Promise<RunDetail> => {
      const launched = await orchestrator.launcher.launch({ graph: work, inputs: { items }, outDir: join(cluster?.dir ?? '', 'out'), trigger: 'cli' });
      await launched.finished;
      return (await orchestrator.store.getRun(launched.runId)) as RunDetail;
    };
    const traceOf = (detail: RunDetail, index: number) => (detail.items.find((i) => i.index === index)?.outputs?.trace ?? {}) as Partial<Trace>;

    const first = await queued(['a', 'b', 'c']);
    expect(first.status).toBe('done');
    // Executed off this process: on the worker (in its unit sandboxes).
    for (const index of [0, 1, 2]) expect(traceOf(first, index).pid).not.toBe(process.pid);

    await orchestrator.pins.lock(work, 'w', 1);
    await orchestrator.pins.regenerate(work, 'w', 2);
    const second = await queued(['a', 'B', 'c']);
    expect(second.status).toBe('done');
    expect(second.outputs?.items).toEqual(['t(a)', 't(b)', 't(c)']);
    expect(second.items.map((i) => [i.index, i.status, i.locked ?? false, i.take ?? 0])).toEqual([
      [0, 'cached', false, 0],
      [1, 'cached', true, 0],
      [2, 'done', false, 1],
    ]);
    // Item 2 ran again on the worker, which saw its take; item 1's trace is still the first run's.
    expect(traceOf(second, 2).take).toBe(1);
    expect(traceOf(second, 2).pid).not.toBe(process.pid);
    expect(traceOf(second, 2).start).toBeGreaterThan(traceOf(first, 2).start ?? Infinity);
    expect(traceOf(second, 1)).toEqual(traceOf(first, 1));
  }, 120_000);
});
