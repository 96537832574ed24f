import { Counter, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReelgraphEvent } from '../runtime/contract/index.js';
import { EventBus } from '../runtime/engine/bus.js';
import { RuntimeMetrics } from '../runtime/observability/metrics.js';
import { estimateCost, priceTable } from '../runtime/observability/prices.js';
import { createHarness, graph, type Harness } from './fixtures/harness.js';

/** Samples of the exposition text: `name{a="x",b="y"}` → value. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^(\S+?(?:\{.*\})?) (\S+)$/.exec(line);
    if (match) samples.set(match[1] as string, Number(match[2]));
  }
  return samples;
}

const open: RuntimeMetrics[] = [];
function metricsOn(bus: EventBus, defaultMetrics = false): RuntimeMetrics {
  const metrics = new RuntimeMetrics({ bus, defaultMetrics });
  open.push(metrics);
  return metrics;
}
afterEach(() => {
  for (const metrics of open.splice(0)) metrics.close();
});

const transient = { name: 'TransientError', code: 'TRANSIENT', message: '503' };
const permanent = { name: 'PermanentError', code: 'PERMANENT', message: 'voice not found' };

describe('RuntimeMetrics from events', () => {
  it('counts runs, units, cache hits, retries, failures, usage and cost with bounded labels', async () => {
    const bus = new EventBus();
    const metrics = metricsOn(bus);
    const events: ReelgraphEvent[] = [
      { type: 'run', runId: 'run-1', at: 0, status: 'running' },
      { type: 'node', runId: 'run-1', at: 0, nodeId: 'script', nodeType: 'script.markdown', status: 'queued' },
      { type: 'node', runId: 'run-1', at: 0, nodeId: 'voices', nodeType: 'voice.tts', status: 'queued' },
      { type: 'node', runId: 'run-1', at: 0, nodeId: 'scenes', nodeType: 'scene.runway', status: 'queued' },
      { type: 'node', runId: 'run-1', at: 5, nodeId: 'script', nodeType: 'script.markdown', status: 'cached' },
      { type: 'node', runId: 'run-1', at: 5, nodeId: 'voices', nodeType: 'voice.tts', status: 'running' },
      { type: 'item', runId: 'run-1', at: 5, nodeId: 'voices', index: 0, key: 'a', status: 'running', attempt: 1 },
      { type: 'item', runId: 'run-1', at: 5, nodeId: 'voices', index: 1, key: 'b', status: 'cached' },
      { type: 'retry', runId: 'run-1', at: 6, nodeId: 'voices', index: 0, attempt: 1, delayMs: 10, error: transient },
      { type: 'usage', runId: 'run-1', at: 7, nodeId: 'voices', index: 0, provider: 'elevenlabs', unit: 'characters', quantity: 2_000, model: 'eleven_multilingual_v2' },
      { type: 'item', runId: 'run-1', at: 8, nodeId: 'voices', index: 0, key: 'a', status: 'done', attempt: 2, durationMs: 250 },
      { type: 'item', runId: 'run-1', at: 8, nodeId: 'voices', index: 2, key: 'c', status: 'failed', attempt: 1, durationMs: 50, error: permanent },
      { type: 'node', runId: 'run-1', at: 9, nodeId: 'voices', nodeType: 'voice.tts', status: 'failed', durationMs: 4_000, items: { total: 3, executed: 2, cached: 1, failed: 1, fellBack: 0 }, error: permanent },
      { type: 'usage', runId: 'run-1', at: 9, nodeId: 'scenes', index: 0, provider: 'runway', unit: 'seconds', quantity: 10, model: 'gen4_turbo' },
      { type: 'usage', runId: 'run-1', at: 9, nodeId: 'scenes', index: 1, provider: 'acme', unit: 'seconds', quantity: 4 },
      { type: 'item', runId: 'run-1', at: 10, nodeId: 'scenes', index: 0, key: 's', status: 'done', durationMs: 30_000 },
      { type: 'node', runId: 'run-1', at: 10, nodeId: 'scenes', nodeType: 'scene.runway', status: 'done', durationMs: 30_000, items: { total: 1, executed: 1, cached: 0, failed: 0, fellBack: 0 } },
      { type: 'run', runId: 'run-1', at: 11, status: 'failed', durationMs: 42_000, error: permanent },
      { type: 'run', runId: 'run-2', at: 20, status: 'running' },
      // A review gate: the run waits, then runs on; it is still one run that ran.
      { type: 'run', runId: 'run-2', at: 20, status: 'waiting' },
      { type: 'run', runId: 'run-2', at: 20, status: 'running' },
      { type: 'usage', runId: 'run-2', at: 21, nodeId: 'voices', provider: 'openai', unit: 'characters', quantity: 1_000_000, model: 'tts-1' },
      { type: 'run', runId: 'run-2', at: 22, status: 'done', durationMs: 1_500 },
    ];
    for (const event of events) bus.emit(event);
    const text = await metrics.metricsText();
    const samples = parse(text);

    expect(text).not.toMatch(/run-1|run-2/);
    expect(samples.get('reelgraph_runs_total{status="running"}')).toBe(2);
    expect(samples.get('reelgraph_runs_total{status="waiting"}')).toBe(1);
    expect(samples.get('reelgraph_runs_total{status="failed"}')).toBe(1);
    expect(samples.get('reelgraph_runs_total{status="done"}')).toBe(1);
    expect(samples.get('reelgraph_run_duration_seconds_count{status="failed"}')).toBe(1);
    expect(samples.get('reelgraph_run_duration_seconds_sum{status="failed"}')).toBe(42);
    expect(samples.get('reelgraph_run_duration_seconds_bucket{le="60",status="done"}')).toBe(1);

    expect(samples.get('reelgraph_units_total{node_type="script.markdown",result="hit"}')).toBe(1);
    expect(samples.get('reelgraph_units_total{node_type="voice.tts",result="hit"}')).toBe(1);
    expect(samples.get('reelgraph_units_total{node_type="voice.tts",result="executed"}')).toBe(2);
    expect(samples.get('reelgraph_units_total{node_type="scene.runway",result="executed"}')).toBe(1);
    expect(samples.get('reelgraph_retries_total{node_type="voice.tts",code="TRANSIENT"}')).toBe(1);
    // The failed item counts once; its mapped node's failure is not a second unit failure.
    expect(samples.get('reelgraph_unit_failures_total{node_type="voice.tts",code="PERMANENT"}')).toBe(1);
    expect(samples.get('reelgraph_item_duration_seconds_count{node_type="voice.tts",status="done"}')).toBe(1);
    expect(samples.get('reelgraph_item_duration_seconds_sum{node_type="voice.tts",status="done"}')).toBe(0.25);
    expect(samples.get('reelgraph_item_duration_seconds_sum{node_type="voice.tts",status="failed"}')).toBe(0.05);
    expect(samples.get('reelgraph_node_duration_seconds_sum{node_type="voice.tts",status="failed"}')).toBe(4);
    expect(samples.get('reelgraph_node_duration_seconds_count{node_type="scene.runway",status="done"}')).toBe(1);

    expect(samples.get('reelgraph_provider_usage_total{provider="elevenlabs",unit="characters"}')).toBe(2_000);
    expect(samples.get('reelgraph_provider_usage_total{provider="runway",unit="seconds"}')).toBe(10);
    expect(samples.get('reelgraph_provider_unpriced_usage_total{provider="acme",unit="seconds"}')).toBe(4);
    expect(samples.get('reelgraph_provider_estimated_cost_usd_total{provider="elevenlabs"}')).toBeCloseTo(0.2, 10);
    expect(samples.get('reelgraph_provider_estimated_cost_usd_total{provider="runway"}')).toBeCloseTo(0.5, 10);
    expect(samples.get('reelgraph_provider_estimated_cost_usd_total{provider="openai"}')).toBeCloseTo(15, 10);
    // Per run: 0.70 USD for run-1, 15 USD for run-2.
    expect(samples.get('reelgraph_run_estimated_cost_usd_count')).toBe(2);
    expect(samples.get('reelgraph_run_estimated_cost_usd_sum')).toBeCloseTo(15.7, 10);
    expect(samples.get('reelgraph_run_estimated_cost_usd_bucket{le="0.5"}')).toBe(0);
    expect(samples.get('reelgraph_run_estimated_cost_usd_bucket{le="1"}')).toBe(1);
    expect(samples.get('reelgraph_run_estimated_cost_usd_bucket{le="25"}')).toBe(2);
  });

  it('reads queue depths at scrape time', async () => {
    const metrics = metricsOn(new EventBus());
    expect(await metrics.metricsText()).not.toMatch(/^reelgraph_queue_jobs\{/m);
    let waiting = 4;
    metrics.setQueueSource(async () => [
      { queue: 'voice', waiting, active: 2, delayed: 1, failed: 0 },
      { queue: 'video', waiting: 0, active: 3, delayed: 0, failed: 7 },
    ]);
    let samples = parse(await metrics.metricsText());
    expect(samples.get('reelgraph_queue_jobs{queue="voice",state="waiting"}')).toBe(4);
    expect(samples.get('reelgraph_queue_jobs{queue="voice",state="active"}')).toBe(2);
    expect(samples.get('reelgraph_queue_jobs{queue="voice",state="delayed"}')).toBe(1);
    expect(samples.get('reelgraph_queue_jobs{queue="video",state="failed"}')).toBe(7);
    waiting = 0;
    samples = parse(await metrics.metricsText());
    expect(samples.get('reelgraph_queue_jobs{queue="voice",state="waiting"}')).toBe(0);
  });

  it('includes prefixed process metrics in its own registry, and stops listening when closed', async () => {
    const bus = new EventBus();
    const metrics = metricsOn(bus, true);
    expect(metrics.contentType).toMatch(/^text\/plain/);
    const text = await metrics.metricsText();
    expect(text).toMatch(/^reelgraph_process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^reelgraph_nodejs_heap_size_used_bytes /m);
    // A second instance has its own registry: no "already registered" clash.
    const other = metricsOn(bus);
    bus.emit({ type: 'run', runId: 'r', at: 0, status: 'running' });
    expect(parse(await other.metricsText()).get('reelgraph_runs_total{status="running"}')).toBe(1);
    other.close();
    expect((await other.metricsText()).trim()).toBe('');
    bus.emit({ type: 'run', runId: 'r', at: 0, status: 'done' });
    expect(parse(await metrics.metricsText()).get('reelgraph_runs_total{status="done"}')).toBe(1);
  });

  it('shares a registry it is given, and leaves the other metrics there when closed', async () => {
    const registry = new Registry();
    const mine = new Counter({ name: 'app_requests_total', help: 'Requests.', registers: [registry] });
    mine.inc(3);
    const metrics = new RuntimeMetrics({ bus: new EventBus(), registry, defaultMetrics: false });
    expect(metrics.registry).toBe(registry);
    expect(await registry.metrics()).toMatch(/^# HELP reelgraph_runs_total /m);
    metrics.close();
    const text = await registry.metrics();
    expect(text).not.toMatch(/reelgraph_/);
    expect(parse(text).get('app_requests_total')).toBe(3);
  });
});

describe('RuntimeMetrics on a real engine', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.dispose();
    h = undefined;
  });

  it('counts executions, then cache hits on a second identical run, and retries', async () => {
    h = await createHarness();
    const metrics = metricsOn(h.engine.events);
    const pipeline = graph(
      [
        ['src', 'test.source', { items: ['a', 'b', 'c'] }],
        ['first', 'test.map', { tag: 'x' }],
        ['all', 'test.collect'],
      ],
      ['src.items -> first.items', 'first.items -> all.items'],
      { outputs: { joined: 'all.value' } },
    );
    expect((await h.run(pipeline)).status).toBe('done');
    expect((await h.run(pipeline)).status).toBe('done');
    expect((await h.run(graph([['n', 'test.fail-n', { key: 'k', failures: 5 }, { retries: 2, retryDelayMs: 1 }]]))).status).toBe('failed');

    const samples = parse(await metrics.metricsText());
    expect(samples.get('reelgraph_runs_total{status="done"}')).toBe(2);
    expect(samples.get('reelgraph_runs_total{status="failed"}')).toBe(1);
    expect(samples.get('reelgraph_units_total{node_type="test.map",result="executed"}')).toBe(3);
    expect(samples.get('reelgraph_units_total{node_type="test.map",result="hit"}')).toBe(3);
    expect(samples.get('reelgraph_units_total{node_type="test.source",result="executed"}')).toBe(1);
    expect(samples.get('reelgraph_units_total{node_type="test.source",result="hit"}')).toBe(1);
    expect(samples.get('reelgraph_units_total{node_type="test.collect",result="hit"}')).toBe(1);
    expect(samples.get('reelgraph_retries_total{node_type="test.fail-n",code="TRANSIENT"}')).toBe(2);
    expect(samples.get('reelgraph_unit_failures_total{node_type="test.fail-n",code="TRANSIENT"}')).toBe(1);
    expect(samples.get('reelgraph_run_estimated_cost_usd_count')).toBe(3);
    expect(samples.get('reelgraph_run_estimated_cost_usd_sum')).toBe(0);
  });
});

describe('estimateCost', () => {
  it('prices usage per provider and lists what no row prices, summed', () => {
    const estimate = estimateCost([
      { provider: 'elevenlabs', unit: 'characters', quantity: 1_000, model: 'eleven_flash_v2_5' },
      { provider: 'google-tts', unit: 'characters', quantity: 1_000_000, model: 'standard' },
      { provider: 'flite', unit: 'characters', quantity: 5_000 },
      { provider: 'openai-compatible', unit: 'characters', quantity: 300, model: 'kokoro' },
      { provider: 'openai-compatible', unit: 'characters', quantity: 200, model: 'kokoro' },
      { provider: 'runway', unit: 'seconds', quantity: 4, model: 'some-new-model' },
    ]);
    expect(estimate.totalUsd).toBeCloseTo(0.05 + 4, 10);
    expect(estimate.byProvider).toEqual({ elevenlabs: expect.closeTo(0.05, 10), 'google-tts': expect.closeTo(4, 10), flite: 0 });
    expect(estimate.unpriced).toEqual([
      { provider: 'openai-compatible', unit: 'characters', model: 'kokoro', quantity: 500 },
      { provider: 'runway', unit: 'seconds', model: 'some-new-model', quantity: 4 },
    ]);
    expect(estimate.estimated).toBe(true);
  });

  it('cites a source and a date for every price row, with no duplicate rows', () => {
    const keys = new Set<string>();
    for (const row of priceTable) {
      expect(row.source).not.toBe('');
      expect(row.checked).toMatch(/^\d{4}-\d{2}$/);
      expect(row.usdPerUnit).toBeGreaterThanOrEqual(0);
      const key = `${row.provider}|${row.unit}|${row.model ?? '*'}`;
      expect(keys.has(key), key).toBe(false);
      keys.add(key);
    }
  });
});
