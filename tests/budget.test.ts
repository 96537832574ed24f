/**
 * Budgets stop a run before the request that would cross them: the fake
 * provider counts what it was sent, and the failed item names the budget,
 * its limit, what was spent and what the request would have cost.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applySchemaDefaults, BudgetExceededError, budgetCounters, BudgetUnprimedError, type GraphDocument, type ItemEvent } from '../runtime/contract/index.js';
import { Redis } from 'ioredis';
import { InProcessBudgetLedger } from '../runtime/engine/budget-ledger.js';
import { RedisBudgetLedger } from '../runtime/queue/redis-budget-ledger.js';
import { redisUrl, requireRedis, uniquePrefix } from './fixtures/redis.js';
import { createCluster } from './fixtures/queue-cluster.js';
import { RunLauncher } from '../runtime/runs/launcher.js';
import { openSqliteStore } from '../runtime/store/index.js';
import { budgetSeed } from '../runtime/workspace.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import runway from '../nodes/scene/runway.node.js';
import { startFakeRunway } from './fixtures/fake-runway.js';
import { testsrcMp4 } from './fixtures/fake-http.js';
import { PROMPT } from './fixtures/scene-provider-suite.js';
import { runSceneItem } from './fixtures/scene-context.js';
import { priceOf } from '../runtime/observability/prices.js';
import { createHarness, graph, type Harness } from './fixtures/harness.js';
import { startFakeElevenLabs, type FakeElevenLabs } from './fixtures/fake-elevenlabs.js';

/** Three lines of exactly 40 characters each: each costs the same. */
const LINES = ['Is anyone still listening out there now?', 'Another dead block, nothing but rust ok.', 'I can see you, Kael, up on the roof now.'];
const episode = (lines: string[]): string => `# Signal\n\n## Roof\n\n${lines.map((line) => `**ARIA:** ${line}`).join('\n\n')}\n`;
const PER_LINE_USD = 40 * (priceOf({ provider: 'elevenlabs', unit: 'characters', model: 'eleven_multilingual_v2' })?.usdPerUnit ?? NaN);

let fake: FakeElevenLabs;
let h: Harness;

function voices(extra: Partial<GraphDocument> = {}): GraphDocument {
  return graph(
    [
      ['parse', 'script.markdown'],
      ['eleven', 'voice.tts', { provider: 'elevenlabs', endpoint: fake.url }],
    ],
    ['$input.episode -> parse.markdown', 'parse.speakable -> eleven.segments'],
    { inputs: { episode: { type: 'Markdown' } }, outputs: { clips: 'eleven.clips' }, ...extra },
  );
}

function failedItems(runId: string): ItemEvent[] {
  return h.events.filter((e): e is ItemEvent => e.type === 'item' && e.runId === runId && e.nodeId === 'eleven' && e.status === 'failed');
}

beforeAll(async () => {
  fake = await startFakeElevenLabs();
  expect(LINES.every((line) => line.length === 40)).toBe(true);
});
beforeEach(async () => {
  fake.requests.length = 0;
});
afterEach(async () => h?.dispose());
afterAll(() => fake.close());

const credentials = { get: async (name: string) => (name === 'elevenlabs' ? { apiKey: 'sk_test_budget' } : undefined) };

describe('budgets', () => {
  it('a run budget that fits two of three lines sends exactly two requests, and the third item names the budget', async () => {
    h = await createHarness({ realSleep: true, credentials });
    const result = await h.run(voices(), { inputs: { episode: episode(LINES) }, budgetUsd: PER_LINE_USD * 2.5 });
    expect(fake.requests).toHaveLength(2);
    expect(result.status).toBe('failed');
    expect(result.nodes.find((n) => n.id === 'eleven')?.items).toMatchObject({ executed: 2, failed: 1 });
    const [failed] = failedItems(result.runId);
    expect(failed?.error).toMatchObject({ name: 'BudgetExceededError', code: 'PERMANENT', retryable: false, location: { nodeId: 'eleven' } });
    expect(failed?.error?.message).toBe(
      `run budget of $0.01 would be exceeded: $0.0080 spent or held, and this request (40 characters of elevenlabs eleven_multilingual_v2) would cost $0.0040; the request was not sent`,
    );
    expect(result.error?.message).toMatch(/^run budget of \$0\.01 would be exceeded/);
    // The figures travel as data too, in the stored item and in the run's error: nobody parses the message.
    const stop = { budget: 'run budget', kind: 'run', limitUsd: PER_LINE_USD * 2.5, spentUsd: PER_LINE_USD * 2, requestUsd: PER_LINE_USD, request: 'this request (40 characters of elevenlabs eleven_multilingual_v2)' };
    expect(failed?.error?.details?.budget).toEqual({ ...stop, limitUsd: expect.closeTo(stop.limitUsd, 10), spentUsd: expect.closeTo(stop.spentUsd, 10), requestUsd: expect.closeTo(stop.requestUsd, 10) });
    expect(result.error?.details?.budget).toMatchObject({ budget: 'run budget', request: stop.request });
    // Not retried: a budget is not a glitch.
    expect(h.events.filter((e) => e.type === 'retry')).toHaveLength(0);
  });

  it('a fallback whose every alternative failed still carries the budget that stopped the paid one, as figures', async () => {
    h = await createHarness({ realSleep: true, credentials });
    const g = graph(
      [
        ['parse', 'script.markdown'],
        ['eleven', 'voice.tts', { provider: 'elevenlabs', endpoint: fake.url }],
        // No Google credentials here: the second choice fails at once, after the budget stopped the first.
        ['google', 'voice.tts', { provider: 'google' }],
        ['voice', 'control.fallback'],
      ],
      ['$input.episode -> parse.markdown', 'parse.speakable -> eleven.segments', 'parse.speakable -> google.segments', 'eleven.clips -> voice.choice1', 'google.clips -> voice.choice2'],
      { inputs: { episode: { type: 'Markdown' } }, outputs: { clips: 'voice.value' } },
    );
    const result = await h.run(g, { inputs: { episode: episode(LINES) }, budgetUsd: PER_LINE_USD * 2.5 });
    expect(result.status).toBe('failed');
    // The run's error is the root cause, the last alternative's; the budget that stopped the first comes with it.
    expect(result.error?.message).toMatch(/not a Google voice name/);
    expect(result.error?.details?.budget).toMatchObject({ budget: 'run budget', kind: 'run', spentUsd: expect.closeTo(PER_LINE_USD * 2, 10) });
  });

  it('a budget that fits the whole run lets it finish', async () => {
    h = await createHarness({ realSleep: true, credentials });
    const result = await h.run(voices(), { inputs: { episode: episode(LINES) }, budgetUsd: PER_LINE_USD * 3 });
    expect(result.status).toBe('done');
    expect(fake.requests).toHaveLength(3);
  });

  it("a provider's daily budget holds across runs: what one run spent, the next cannot", async () => {
    h = await createHarness({ realSleep: true, credentials, providerBudgetsUsdPerDay: { elevenlabs: PER_LINE_USD * 2.5 } });
    const first = await h.run(voices(), { inputs: { episode: episode(LINES.slice(0, 2)) } });
    expect(first.status).toBe('done');
    expect(fake.requests).toHaveLength(2);
    const second = await h.run(voices(), { inputs: { episode: episode(LINES) } });
    // Two lines are cached (free); the third would cross the day's budget.
    expect(fake.requests).toHaveLength(2);
    expect(second.status).toBe('failed');
    expect(failedItems(second.runId)[0]?.error?.message).toMatch(/^daily budget of provider "elevenlabs" of \$0\.01 would be exceeded: \$0\.0080 spent or held/);
  });

  it("a graph's daily budget (its settings) counts every run of that graph, and no other graph's", async () => {
    h = await createHarness({ realSleep: true, credentials });
    const limited = voices({ id: 'signal', settings: { budgetUsdPerDay: PER_LINE_USD * 1.5 } });
    const first = await h.run(limited, { inputs: { episode: episode(LINES.slice(0, 1)) } });
    expect(first.status).toBe('done');
    const second = await h.run(limited, { inputs: { episode: episode(LINES.slice(1, 2)) } });
    expect(second.status).toBe('failed');
    expect(failedItems(second.runId)[0]?.error?.message).toMatch(/^daily budget of graph "signal" of \$0\.0060 would be exceeded/);
    expect(fake.requests).toHaveLength(1);
    const other = await h.run(voices({ id: 'other' }), { inputs: { episode: episode(LINES.slice(1, 2)) } });
    expect(other.status).toBe('done');
    expect(fake.requests).toHaveLength(2);
  });
});

describe('a run resumed after a restart', () => {
  it('keeps its budget, and what it spent before the restart still counts', async () => {
    h = await createHarness({ realSleep: true, credentials });
    const store = await openSqliteStore(join(h.dir, 'runs.db'));
    try {
      // Before the restart: the run was recorded with its budget and had paid for two lines.
      const runId = 'run-before-restart';
      const g = voices();
      await store.createRun({ id: runId, graphName: g.name, graph: g, inputs: { episode: episode(LINES) }, priority: 'normal', outDir: join(h.dir, 'out'), trigger: 'api', budgetUsd: PER_LINE_USD * 2.5 });
      for (const index of [0, 1]) store.recordEvent({ type: 'usage', runId, at: Date.now(), nodeId: 'eleven', index, provider: 'elevenlabs', unit: 'characters', quantity: 40, model: 'eleven_multilingual_v2' });
      await store.flush();
      expect(await store.getRun(runId)).toMatchObject({ budgetUsd: PER_LINE_USD * 2.5 });

      // After it: a fresh engine whose ledger starts from the records (as the workspace's does).
      const restarted = await createHarness({ realSleep: true, credentials, budgets: new InProcessBudgetLedger(budgetSeed(store)) });
      try {
        const launcher = new RunLauncher(restarted.engine, store);
        expect(await launcher.resumeUnfinished()).toEqual([runId]);
        const result = await (launcher.finished(runId) as Promise<Awaited<ReturnType<Harness['run']>>>);
        expect(result.status).toBe('failed');
        expect(result.error?.message).toMatch(/^run budget of \$0\.01 would be exceeded: \$0\.0080 spent or held/);
        expect(fake.requests).toHaveLength(0);
        await launcher.close();
      } finally {
        await restarted.dispose();
      }
    } finally {
      await store.close();
    }
  });
});

describe('InProcessBudgetLedger', () => {
  const scope = { runId: 'r1', graphId: 'g', limits: { runUsd: 1, graphUsdPerDay: 5 } };
  const day = Date.UTC(2026, 11, 5);

  it('holds a reservation against every counter or none, and names the first it would cross', async () => {
    const ledger = new InProcessBudgetLedger(async (counter) => (counter.kind === 'graph-day' ? 4.5 : 0));
    const counters = budgetCounters(scope, 'runway', day);
    expect(counters.map((c) => c.key)).toEqual(['run:r1', 'graph:g:2026-12-05']);
    await ledger.reserve(counters, 0.4, 'a');
    const error = await ledger.reserve(counters, 0.2, 'this request').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExceededError);
    expect((error as BudgetExceededError).budget).toBe('daily budget of graph "g"');
    expect((error as BudgetExceededError).spentUsd).toBeCloseTo(4.9, 10);
    // The refused reservation held nothing anywhere.
    expect(await ledger.spent(counters[0] as (typeof counters)[number])).toBeCloseTo(0.4, 10);
    await ledger.adjust(counters, -0.4);
    await ledger.reserve(counters, 0.5, 'b');
    expect(await ledger.spent(counters[1] as (typeof counters)[number])).toBeCloseTo(5, 10);
  });

  it('does not keep every counter forever: past days go, and idle runs go when the records can restore them', async () => {
    let now = day + 10 * 3_600_000;
    const recorded = new Map([['run:r1', 0.25]]);
    const ledger = new InProcessBudgetLedger(async (counter) => recorded.get(counter.key) ?? 0, { now: () => now });
    const first = budgetCounters(scope, 'runway', now);
    await ledger.reserve(first, 0.4, 'a');
    expect(ledger.size).toBe(2);
    expect(await ledger.spent(first[0] as (typeof first)[number])).toBeCloseTo(0.65, 10);
    // The next day, another run: yesterday's graph counter is gone; run r1 (idle 26 h) is dropped too, and
    // asking for it again starts it from what the records say it spent.
    now += 26 * 3_600_000;
    await ledger.reserve(budgetCounters({ ...scope, runId: 'r2' }, 'runway', now), 0.1, 'b');
    expect(ledger.size).toBe(2);
    recorded.set('run:r1', 0.65);
    expect(await ledger.spent(first[0] as (typeof first)[number])).toBeCloseTo(0.65, 10);
    // Without records to restore from, an idle run's counter is the only copy of its spend, and stays.
    const unseeded = new InProcessBudgetLedger(undefined, { now: () => now });
    await unseeded.reserve(first, 0.4, 'a');
    now += 26 * 3_600_000;
    await unseeded.reserve(budgetCounters({ ...scope, runId: 'r3' }, 'runway', now), 0.1, 'c');
    expect(await unseeded.spent(first[0] as (typeof first)[number])).toBeCloseTo(0.4, 10);
  });
});

const redis = await requireRedis('the queue-mode budget ledger');

describe.skipIf(!redis)('RedisBudgetLedger (queue mode: workers share the counters)', () => {
  const client = redis ? new Redis(redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
  afterAll(() => client?.disconnect());

  it('two workers cannot both slip under a limit; a refused reservation holds nothing; adjustments settle the spend', async () => {
    const prefix = `${uniquePrefix('budget')}:`;
    const [a, b] = [new RedisBudgetLedger(client as Redis, { prefix }), new RedisBudgetLedger(client as Redis, { prefix })];
    const counters = budgetCounters({ runId: 'r1', graphId: 'g', limits: { runUsd: 0.01, providerUsdPerDay: { elevenlabs: 1 } } }, 'elevenlabs', Date.UTC(2026, 11, 5));
    // A counter nobody started is not counted from zero.
    await expect(a.reserve(counters, 0.004, 'before the run started its counters')).rejects.toBeInstanceOf(BudgetUnprimedError);
    await a.prime(counters);
    const results = await Promise.allSettled([0, 1, 2].map((i) => (i % 2 ? a : b).reserve(counters, 0.004, `request ${i}`)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')?.reason as BudgetExceededError;
    expect(refused).toBeInstanceOf(BudgetExceededError);
    expect(refused.message).toMatch(/^run budget of \$0\.01 would be exceeded: \$0\.0080 spent or held, and request \d would cost \$0\.0040/);
    expect(await a.spent(counters[1] as (typeof counters)[number])).toBeCloseTo(0.008, 10);
    await b.adjust(counters, 0.003 - 0.004);
    expect(await a.spent(counters[0] as (typeof counters)[number])).toBeCloseTo(0.007, 10);
    await a.reserve(counters, 0.003, 'fits now');
  });
});

describe.skipIf(!redis)('budgets in queue mode', () => {
  it('workers stop a run before the crossing request: exactly two of three lines are sent, the third names the budget', async () => {
    const cluster = await createCluster('budget', { ELEVENLABS_API_KEY: 'sk_test_queue_budget' });
    try {
      // Three lines at once: each worker slot reserves in Redis before sending.
      await cluster.startWorker(['--concurrency', 'voice=3']);
      const orchestrator = await cluster.orchestrator();
      const result = await orchestrator.engine.run(voices(), { inputs: { episode: episode(LINES) }, outDir: `${cluster.dir}/out`, budgetUsd: PER_LINE_USD * 2.5 });
      expect(fake.requests).toHaveLength(2);
      expect(result.status).toBe('failed');
      expect(result.nodes.find((n) => n.id === 'eleven')?.items).toMatchObject({ executed: 2, failed: 1 });
      expect(result.error?.message).toMatch(/^run budget of \$0\.01 would be exceeded: \$0\.0080 spent or held/);
      // The worker's error keeps its figures on the way back through Redis.
      expect(result.error?.details?.budget).toMatchObject({ budget: 'run budget', kind: 'run', spentUsd: expect.closeTo(0.008, 10), requestUsd: expect.closeTo(0.004, 10) });
    } finally {
      await cluster.dispose();
    }
  }, 120_000);

  it('a run budget Redis loses mid-run is counted again from the records, not from zero: still exactly two of three lines are sent', async () => {
    const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    let prefix = '';
    let lost = false;
    // While the first line is in flight, Redis loses the run's counter (as a restart would: it keeps nothing on disk).
    const forgetful = await startFakeElevenLabs({
      beforeAnswer: async () => {
        if (lost) return;
        lost = true;
        const keys = await client.keys(`${prefix}:budget:run:*`);
        expect(keys).toHaveLength(1);
        await client.del(...keys);
      },
    });
    const cluster = await createCluster('budget-lost', { ELEVENLABS_API_KEY: 'sk_test_queue_budget' });
    prefix = cluster.env.REELGRAPH_QUEUE_PREFIX!;
    try {
      await cluster.startWorker(['--concurrency', 'voice=1']);
      const orchestrator = await cluster.orchestrator();
      const g = graph(
        [
          ['parse', 'script.markdown'],
          ['eleven', 'voice.tts', { provider: 'elevenlabs', endpoint: forgetful.url }],
        ],
        ['$input.episode -> parse.markdown', 'parse.speakable -> eleven.segments'],
        { inputs: { episode: { type: 'Markdown' } }, outputs: { clips: 'eleven.clips' } },
      );
      // Launched as the server and the CLI launch runs: recorded, so the records can say what was spent.
      const launched = await orchestrator.launcher.launch({ graph: g, inputs: { episode: episode(LINES) }, outDir: `${cluster.dir}/out`, trigger: 'api', budgetUsd: PER_LINE_USD * 2.5 });
      const result = await launched.finished;
      expect(lost).toBe(true);
      // Counted from zero, the lost line would be spent again and all three sent.
      expect(forgetful.requests).toHaveLength(2);
      expect(result.status).toBe('failed');
      expect(result.error?.details?.budget).toMatchObject({ budget: 'run budget', spentUsd: expect.closeTo(PER_LINE_USD * 2, 10) });
    } finally {
      await cluster.dispose();
      await forgetful.close();
      client.disconnect();
    }
  }, 120_000);

  it("a graph's daily budget still holds after Redis lost its counters: the orchestrator starts them from its run records", async () => {
    const cluster = await createCluster('budget-day', { ELEVENLABS_API_KEY: 'sk_test_queue_budget' });
    const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    try {
      await cluster.startWorker();
      const orchestrator = await cluster.orchestrator();
      const limited = voices({ id: 'signal', settings: { budgetUsdPerDay: PER_LINE_USD * 1.5 } });
      const render = async (lines: string[]) => (await orchestrator.launcher.launch({ graph: limited, inputs: { episode: episode(lines) }, outDir: `${cluster.dir}/out`, trigger: 'api' })).finished;
      expect((await render(LINES.slice(0, 1))).status).toBe('done');
      expect(fake.requests).toHaveLength(1);
      // Redis restarted (it keeps nothing on disk here): the day's counters are gone, the records are not.
      // Today's counter, and tomorrow's, started ahead for a run still going at midnight.
      const keys = await client.keys(`${cluster.env.REELGRAPH_QUEUE_PREFIX}:budget:*`);
      expect(keys).toHaveLength(2);
      await client.del(...keys);
      const second = await render(LINES.slice(1, 2));
      expect(fake.requests).toHaveLength(1);
      expect(second.status).toBe('failed');
      expect(second.error?.message).toMatch(/^daily budget of graph "signal" of \$0\.0060 would be exceeded: \$0\.0040 spent or held/);
    } finally {
      const keys = await client.keys(`${cluster.env.REELGRAPH_QUEUE_PREFIX}:budget:*`);
      if (keys.length > 0) await client.del(...keys);
      client.disconnect();
      await cluster.dispose();
    }
  }, 120_000);
});

describe('scene nodes reserve before submitting', () => {
  it('a refused reservation sends Runway nothing: no task, no seconds billed', async () => {
    const fakeRunway = await startFakeRunway(await testsrcMp4({ width: 160, height: 120, fps: 12, seconds: 2 }));
    const dir = await mkdtemp(join(tmpdir(), 'reelgraph-budget-scene-'));
    try {
      const prompt = { ...PROMPT, duration: 4 };
      const params = { endpoint: fakeRunway.url, model: 'gen4.5', width: 160, height: 120, fps: 12, pollIntervalMs: 5, timeoutSeconds: 10 };
      const refuse = async (): Promise<void> => {
        throw new BudgetExceededError('run budget', 'run', 0.1, 0, 0.6, 'this request');
      };
      const run = runSceneItem(runway, { dir, prompt, params, credentials: { runway: { apiKey: 'key_runway_budget' } }, reserve: refuse });
      await expect(run.result).rejects.toBeInstanceOf(BudgetExceededError);
      // What it would have asked for: gen4.5's 4 s clip, the same figure an estimate prices.
      expect(run.reserved).toEqual([{ provider: 'runway', unit: 'seconds', quantity: 4, model: 'gen4.5' }]);
      expect(runway.estimateUsage?.({ prompts: prompt }, applySchemaDefaults(runway.params, params).value as Parameters<typeof runway.execute>[0]['params'])).toEqual(run.reserved);
      expect(fakeRunway.requests).toHaveLength(0);
      expect(run.usage).toEqual([]);
    } finally {
      await fakeRunway.close();
    }
  });
});
