/**
 * Cost before a run: an estimate calls no provider, prices each paid node
 * from its inputs, equals what the same run then records against fakes that
 * report usage, and costs nothing once the results are cached.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphDocument, ProviderUsage, UsageEvent } from '../runtime/contract/index.js';
import { estimateCost } from '../runtime/observability/prices.js';
import { sceneGraph } from '../runtime/runs/scene-preview.js';
import { createHarness, graph, type Harness } from './fixtures/harness.js';
import { startFakeElevenLabs, type FakeElevenLabs } from './fixtures/fake-elevenlabs.js';
import { startFakeRunway } from './fixtures/fake-runway.js';
import { testsrcMp4, type FakeProvider } from './fixtures/fake-http.js';
import { newSecretKey, startTestServer, testEnv } from './fixtures/server.js';

const episode = `---
cast:
  ARIA: { voice: calm-female }
  KAEL: { voice: young-male }
---
# Signal

## The roof

*Rain on a dead antenna array.*

**ARIA:** Is anyone still listening out there?

**KAEL:** Another dead block. Nothing but rust and rain.

## The stairwell

*A flickering emergency light.*

**ARIA:** I can see you, Kael.
`;

let eleven: FakeElevenLabs;
let runway: FakeProvider;
let h: Harness;

const credentials: Record<string, Record<string, string>> = { elevenlabs: { apiKey: 'sk_test_estimate' }, runway: { apiKey: 'key_runway_estimate' } };

/** Voices on ElevenLabs and scenes on Runway, side by side: the scenes take their lengths from the script, not from the voices. */
function paidGraph(): GraphDocument {
  return graph(
    [
      ['parse', 'script.markdown'],
      ['cast', 'voice.cast', { voices: {} }],
      ['eleven', 'voice.tts', { provider: 'elevenlabs', endpoint: eleven.url }],
      ['prompts', 'scene.prompt'],
      ['scenes', 'scene.runway', { endpoint: runway.url, model: 'gen4.5', width: 160, height: 120, fps: 12, pollIntervalMs: 5, timeoutSeconds: 20 }],
    ],
    ['$input.episode -> parse.markdown', 'parse.script -> cast.script', 'parse.speakable -> eleven.segments', 'cast.casting -> eleven.casting', 'parse.script -> prompts.script', 'prompts.prompts -> scenes.prompts'],
    { inputs: { episode: { type: 'Markdown' } }, outputs: { clips: 'eleven.clips', scenes: 'scenes.clips' } },
  );
}

beforeAll(async () => {
  eleven = await startFakeElevenLabs();
  runway = await startFakeRunway(await testsrcMp4({ width: 160, height: 120, fps: 12, seconds: 2 }));
  runway.plan = { polls: 1, outcome: 'succeed' };
  h = await createHarness({ realSleep: true, credentials: { get: async (name) => credentials[name] } });
});
afterAll(async () => {
  await h.dispose();
  await eleven.close();
  await runway.close();
});

describe('reelgraph estimate', () => {
  it('prices each paid node without calling a provider, equals the recorded spend of the same run, and is free once cached', async () => {
    const g = paidGraph();
    const estimate = await h.engine.estimate(g, { inputs: { episode } });
    expect(eleven.requests).toHaveLength(0);
    expect(runway.requests).toHaveLength(0);
    expect(estimate.error).toBeUndefined();
    expect(estimate.complete).toBe(true);
    expect(estimate.nodes.map((n) => [n.id, n.type, n.provider, n.items, n.cachedItems])).toEqual([
      ['eleven', 'voice.tts', 'elevenlabs', 3, 0],
      ['scenes', 'scene.runway', 'runway', 2, 0],
    ]);
    const voice = estimate.nodes[0];
    expect(voice?.usage).toEqual([{ provider: 'elevenlabs', unit: 'characters', quantity: expect.any(Number), model: 'eleven_multilingual_v2' }]);
    expect(estimate.costUsd).toBeGreaterThan(0);

    // The same run against the fakes: what the providers report is what the estimate said.
    const before = h.events.length;
    const result = await h.run(g, { inputs: { episode } });
    expect(result.status).toBe('done');
    const usage = h.events.slice(before).filter((e): e is UsageEvent => e.type === 'usage');
    const spentBy = (nodeId: string): number => estimateCost(usage.filter((u) => u.nodeId === nodeId).map(({ provider, unit, quantity, model }): ProviderUsage => ({ provider, unit, quantity, ...(model ? { model } : {}) }))).totalUsd;
    for (const node of estimate.nodes) expect(node.costUsd).toBeCloseTo(spentBy(node.id), 10);
    expect(estimate.costUsd).toBeCloseTo(spentBy('eleven') + spentBy('scenes'), 10);
    expect(eleven.requests).toHaveLength(3);

    // Everything is cached now: a second estimate costs nothing and says why.
    const again = await h.engine.estimate(g, { inputs: { episode } });
    expect(again.costUsd).toBe(0);
    expect(again.nodes.map((n) => [n.id, n.items, n.cachedItems, n.costUsd])).toEqual([
      ['eleven', 3, 3, 0],
      ['scenes', 2, 2, 0],
    ]);
    expect(eleven.requests).toHaveLength(3);
  });

  it('prices a partial run as it would run: `until` one node, `only` one node, or one scene alone', async () => {
    const g = paidGraph();
    const sent = { eleven: eleven.requests.length, runway: runway.requests.length };
    // Until the voices: the scenes are not part of that run, so not of its price.
    const untilVoices = await h.engine.estimate(g, { inputs: { episode }, noCache: true, until: 'eleven' });
    expect(untilVoices.nodes.map((n) => [n.id, n.items])).toEqual([['eleven', 3]]);
    const whole = await h.engine.estimate(g, { inputs: { episode }, noCache: true });
    expect(untilVoices.costUsd).toBeCloseTo(whole.nodes.find((n) => n.id === 'eleven')!.costUsd, 12);
    // Only the scenes, their prompts from the cache (the earlier run filled it); priced as if the scenes were not.
    const onlyScenes = await h.engine.estimate(g, { inputs: { episode }, noCache: true, only: 'scenes' });
    expect(onlyScenes.nodes.map((n) => [n.id, n.items])).toEqual([['scenes', 2]]);
    // Scene 2 alone: its one line and its one visual.
    const second = await h.engine.estimate(sceneGraph(g, h.engine.services.registry, 2), { inputs: { episode }, noCache: true });
    expect(second.nodes.map((n) => [n.id, n.items])).toEqual([
      ['eleven', 1],
      ['scenes', 1],
    ]);
    expect(second.costUsd).toBeLessThan(whole.costUsd);
    await expect(h.engine.estimate(g, { inputs: { episode }, until: 'eleven', only: 'scenes' })).rejects.toThrow(/not both/);
    expect(eleven.requests).toHaveLength(sent.eleven);
    expect(runway.requests).toHaveLength(sent.runway);
  });

  it('counts a fallback chain as its first choice, and says what it cannot price before the voices exist', async () => {
    const g = graph(
      [
        ['parse', 'script.markdown'],
        ['eleven', 'voice.tts', { provider: 'elevenlabs', endpoint: eleven.url, model: 'eleven_flash_v2_5' }],
        ['offline', 'voice.tts', { provider: 'offline' }],
        ['voice', 'control.fallback'],
        ['pace', 'assembly.pace'],
        ['prompts', 'scene.prompt'],
        ['scenes', 'scene.runway', { endpoint: runway.url, model: 'gen4.5', width: 160, height: 120, fps: 12 }],
      ],
      [
        '$input.episode -> parse.markdown',
        'parse.speakable -> eleven.segments',
        'parse.speakable -> offline.segments',
        'eleven.clips -> voice.choice1',
        'offline.clips -> voice.choice2',
        'parse.script -> pace.script',
        'voice.value -> pace.audio',
        'parse.script -> prompts.script',
        'pace.plan -> prompts.plan',
        'prompts.prompts -> scenes.prompts',
      ],
      { inputs: { episode: { type: 'Markdown' } } },
    );
    const requests = eleven.requests.length;
    const estimate = await h.engine.estimate(g, { inputs: { episode: episode.replace('Is anyone', 'Is anybody') } });
    expect(eleven.requests).toHaveLength(requests);
    expect(estimate.error).toBeUndefined();
    // The offline voice only takes over what ElevenLabs fails: not counted.
    expect(estimate.nodes.map((n) => n.id)).toEqual(['eleven', 'scenes']);
    const [voice, scenes] = estimate.nodes;
    // Another model than the first test's: nothing is cached, all three lines are priced.
    expect(voice).toMatchObject({ provider: 'elevenlabs', items: 3, cachedItems: 0 });
    expect(voice?.usage[0]?.model).toBe('eleven_flash_v2_5');
    expect(scenes).toMatchObject({ items: 0, costUsd: 0, unestimated: { reason: expect.stringMatching(/paid node "eleven"/) } });
    expect(estimate.complete).toBe(false);
    expect(estimate.costUsd).toBeCloseTo(voice?.costUsd ?? NaN, 12);
  });
});

describe('reelgraph estimate (CLI)', () => {
  const bin = resolve(import.meta.dirname, '..', 'bin', 'reelgraph.js');
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'reelgraph-estimate-cli-'));
  });
  afterAll(() => rm(cwd, { recursive: true, force: true }));

  const reelgraph = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((done) => {
      const env = { ...process.env, REELGRAPH_DATA: join(cwd, 'data'), ELEVENLABS_API_KEY: 'sk_test_cli' };
      execFile(process.execPath, [bin, ...args], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });

  it('prints { costUsd, nodes: [{ id, type, provider, usage, costUsd, cachedItems, items }] } with --json, sends nothing, and a run under --budget-usd 0 sends nothing either', async () => {
    const g = graph(
      [
        ['parse', 'script.markdown'],
        ['eleven', 'voice.tts', { provider: 'elevenlabs', endpoint: eleven.url }],
      ],
      ['$input.episode -> parse.markdown', 'parse.speakable -> eleven.segments'],
      { inputs: { episode: { type: 'Markdown' } } },
    );
    await writeFile(join(cwd, 'g.json'), JSON.stringify(g));
    await writeFile(join(cwd, 'ep.md'), '**ARIA:** Twelve characters.\n\n**KAEL:** Ten chars!\n');
    const requests = eleven.requests.length;
    const r = await reelgraph('estimate', 'g.json', '-i', 'episode=@ep.md', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as Record<string, unknown>;
    const perChar = 0.1 / 1000;
    const characters = 'Twelve characters.'.length + 'Ten chars!'.length;
    expect(parsed).toEqual({
      costUsd: expect.closeTo(characters * perChar, 12),
      complete: true,
      estimatedPrices: true,
      nodes: [
        {
          id: 'eleven',
          type: 'voice.tts',
          provider: 'elevenlabs',
          usage: [{ provider: 'elevenlabs', unit: 'characters', quantity: characters, model: 'eleven_multilingual_v2' }],
          costUsd: expect.closeTo(characters * perChar, 12),
          cachedItems: 0,
          items: 2,
        },
      ],
    });
    const untilParse = await reelgraph('estimate', 'g.json', '-i', 'episode=@ep.md', '--json', '--until', 'parse');
    expect([untilParse.code, (JSON.parse(untilParse.stdout) as { nodes: unknown[] }).nodes]).toEqual([0, []]);
    const text = await reelgraph('estimate', 'g.json', '-i', 'episode=@ep.md');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/eleven\s.*voice\.tts\s.*elevenlabs\s.*28 characters \(eleven_multilingual_v2\)\s.*2\s.*0\s.*\$0\.0028/);
    expect(text.stdout).toMatch(/^total \$0\.0028 at list price/m);

    const run = await reelgraph('run', 'g.json', '-i', 'episode=@ep.md', '--json', '--budget-usd', '0');
    expect(run.code).toBe(1);
    expect((JSON.parse(run.stdout) as { error: { message: string } }).error.message).toMatch(/^run budget of \$0\.00 would be exceeded: \$0\.00 spent or held, and this request \(\d+ characters of elevenlabs eleven_multilingual_v2\) would cost/);
    expect(eleven.requests).toHaveLength(requests);
    const bad = await reelgraph('run', 'g.json', '-i', 'episode=@ep.md', '--budget-usd', 'lots');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--budget-usd must be an amount in US dollars/);
  });
});

describe('POST /api/estimate, and budgetUsd in POST /api/runs', () => {
  it('answers the estimate of a stored or inline graph without calling the provider; a run under budgetUsd 0 sends nothing', async () => {
    const key = newSecretKey();
    const t = await startTestServer({ key, env: testEnv({ REELGRAPH_SECRET_KEY: key, ELEVENLABS_API_KEY: 'sk_test_api' }) });
    try {
      const g = graph(
        [
          ['parse', 'script.markdown'],
          ['eleven', 'voice.tts', { provider: 'elevenlabs', endpoint: eleven.url, model: 'eleven_turbo_v2_5' }],
        ],
        ['$input.episode -> parse.markdown', 'parse.speakable -> eleven.segments'],
        { inputs: { episode: { type: 'Markdown' } }, outputs: { clips: 'eleven.clips' } },
      );
      const requests = eleven.requests.length;
      const answer = await t.api.post('/api/estimate').send({ graph: g, inputs: { episode: '**ARIA:** Twenty characters here.' } });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({
        complete: true,
        nodes: [{ id: 'eleven', type: 'voice.tts', provider: 'elevenlabs', usage: [{ provider: 'elevenlabs', unit: 'characters', quantity: 23, model: 'eleven_turbo_v2_5' }], cachedItems: 0, items: 1 }],
      });
      expect(answer.body.costUsd).toBeCloseTo(23 * 0.05 / 1000, 12);
      expect((await t.api.post('/api/estimate').send({ graphId: 'no-such-graph' })).status).toBe(404);
      // A partial run's price: until the parser, nothing paid runs.
      const partial = await t.api.post('/api/estimate').send({ graph: g, inputs: { episode: '**ARIA:** Twenty characters here.' }, until: 'parse' });
      expect([partial.status, partial.body.nodes, partial.body.costUsd]).toEqual([200, [], 0]);
      expect((await t.api.post('/api/estimate').send({ graph: g, inputs: { episode: 'x' }, until: 'parse', only: 'eleven' })).status).toBe(400);
      expect((await t.api.post('/api/estimate').send({ graph: g, inputs: { episode: 'x' }, until: 'no-such-node' })).status).toBe(400);
      const sceneOne = await t.api.post('/api/estimate').send({ graph: g, inputs: { episode: '## Roof\n\n**ARIA:** Twenty characters here.\n\n## Stairs\n\n**ARIA:** And a second scene line.' }, scene: 1 });
      expect(sceneOne.status).toBe(200);
      expect(sceneOne.body.nodes).toMatchObject([{ id: 'eleven', items: 1, usage: [{ quantity: 23 }] }]);
      expect((await t.api.post('/api/estimate').send({ graph: g, inputs: { nope: 1 } })).status).toBe(400);

      const started = await t.api.post('/api/runs').send({ graph: g, inputs: { episode: '**ARIA:** Twenty characters here.' }, budgetUsd: 0 });
      expect(started.status).toBe(202);
      const run = await t.api.get(`/api/runs/${started.body.runId as string}?wait=30000`);
      expect(run.body.status).toBe('failed');
      expect(run.body.error.message).toMatch(/^run budget of \$0\.00 would be exceeded/);
      expect(eleven.requests).toHaveLength(requests);
      expect((await t.api.post('/api/runs').send({ graph: g, budgetUsd: -1 })).status).toBe(400);

      const openapi = await t.api.get('/api/openapi.json');
      expect(openapi.body.paths['/api/estimate']?.post?.responses?.['200']).toBeDefined();
      expect(openapi.body.components.schemas.RunEstimate.required).toEqual(expect.arrayContaining(['costUsd', 'nodes', 'complete']));
    } finally {
      await t.dispose();
    }
  });
});
