/**
 * Prometheus metrics from the run event stream: runs, node and item
 * durations, cache hits against executions, retries and failures, provider
 * usage with its estimated cost, and (when a queue source is set) queue
 * depths. Labels are bounded sets — statuses, node types, error codes,
 * providers, units, queue names — never run ids.
 *
 * Its own registry (not prom-client's global one), so several instances and
 * tests never collide; the process's default metrics are included with the
 * `reelgraph_` prefix.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ItemStatus, NodeStatus, ReelgraphEvent, RunStatus } from '../contract/events.js';
import type { EventBus } from '../engine/bus.js';
import { priceOf } from './prices.js';

export interface QueueDepth {
  queue: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export type QueueSource = () => Promise<QueueDepth[]>;

export interface RuntimeMetricsOptions {
  bus: Pick<EventBus, 'on'>;
  /** Default: a new registry of its own. */
  registry?: Registry;
  /** Include the process's default metrics (CPU, memory, event loop, GC). Default true. */
  defaultMetrics?: boolean;
}

const PREFIX = 'reelgraph_';
const terminalRun: ReadonlySet<RunStatus> = new Set(['done', 'failed', 'cancelled']);
const terminalNode: ReadonlySet<NodeStatus> = new Set(['done', 'failed', 'cached', 'skipped', 'cancelled']);
const terminalItem: ReadonlySet<ItemStatus> = new Set(['done', 'failed', 'cached', 'fell-back', 'cancelled']);
const queueStates = ['waiting', 'active', 'delayed', 'failed'] as const;

/** Seconds: from a cached item (milliseconds) to a long video render (an hour). */
const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** USD per run: free offline runs to a long generated episode. */
const COST_BUCKETS = [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100];

/** What is remembered per run in flight: node types (item events do not carry one) and the cost so far. */
interface RunState {
  nodeTypes: Map<string, string>;
  costUsd: number;
  /** Run statuses already counted in runs_total. */
  statuses: Set<RunStatus>;
}

export class RuntimeMetrics {
  readonly registry: Registry;
  private readonly unsubscribe: () => void;
  private readonly runs = new Map<string, RunState>();
  private queueSource: QueueSource | undefined;
  /** The metrics this instance registered: a shared registry keeps everything else on close. */
  private readonly owned: string[];

  private readonly runsTotal: Counter<'status'>;
  private readonly runDuration: Histogram<'status'>;
  private readonly runCost: Histogram;
  private readonly nodeDuration: Histogram<'node_type' | 'status'>;
  private readonly itemDuration: Histogram<'node_type' | 'status'>;
  private readonly cacheTotal: Counter<'node_type' | 'result'>;
  private readonly retriesTotal: Counter<'node_type' | 'code'>;
  private readonly failuresTotal: Counter<'node_type' | 'code'>;
  private readonly usageTotal: Counter<'provider' | 'unit'>;
  private readonly costTotal: Counter<'provider'>;
  private readonly unpricedTotal: Counter<'provider' | 'unit'>;

  constructor(options: RuntimeMetricsOptions) {
    const registry = options.registry ?? new Registry();
    this.registry = registry;
    const before = new Set(registry.getMetricsAsArray().map((metric) => metric.name));
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: PREFIX });
    const registers = [registry];

    this.runsTotal = new Counter({ name: `${PREFIX}runs_total`, help: 'Runs that reached each status (running, done, failed, cancelled…).', labelNames: ['status'], registers });
    this.runDuration = new Histogram({ name: `${PREFIX}run_duration_seconds`, help: 'Duration of finished runs.', labelNames: ['status'], buckets: DURATION_BUCKETS, registers });
    this.runCost = new Histogram({ name: `${PREFIX}run_estimated_cost_usd`, help: 'Estimated provider cost per finished run, in USD at list prices.', buckets: COST_BUCKETS, registers });
    this.nodeDuration = new Histogram({
      name: `${PREFIX}node_duration_seconds`,
      help: 'Duration of nodes, from first start to their final status.',
      labelNames: ['node_type', 'status'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.itemDuration = new Histogram({
      name: `${PREFIX}item_duration_seconds`,
      help: 'Duration of the items of mapped nodes.',
      labelNames: ['node_type', 'status'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.cacheTotal = new Counter({
      name: `${PREFIX}units_total`,
      help: 'Units (items, or whole nodes that do not map) by result: hit = served from the cache, executed = ran (done or failed).',
      labelNames: ['node_type', 'result'],
      registers,
    });
    this.retriesTotal = new Counter({ name: `${PREFIX}retries_total`, help: 'Retries scheduled, by node type and the code of the error retried.', labelNames: ['node_type', 'code'], registers });
    this.failuresTotal = new Counter({
      name: `${PREFIX}unit_failures_total`,
      help: 'Units (items, or whole nodes that do not map) that failed for good, by node type and error code.',
      labelNames: ['node_type', 'code'],
      registers,
    });
    this.usageTotal = new Counter({ name: `${PREFIX}provider_usage_total`, help: 'Billable provider usage reported by nodes (characters, seconds…).', labelNames: ['provider', 'unit'], registers });
    this.costTotal = new Counter({ name: `${PREFIX}provider_estimated_cost_usd_total`, help: 'Estimated provider cost in USD at list prices.', labelNames: ['provider'], registers });
    this.unpricedTotal = new Counter({ name: `${PREFIX}provider_unpriced_usage_total`, help: 'Usage that no price row covers.', labelNames: ['provider', 'unit'], registers });

    const source = (): QueueSource | undefined => this.queueSource;
    new Gauge({
      name: `${PREFIX}queue_jobs`,
      help: 'Jobs per queue and state, read at scrape time.',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        const read = source();
        if (!read) return;
        for (const depth of await read()) {
          for (const state of queueStates) this.set({ queue: depth.queue, state }, depth[state]);
        }
      },
    });

    this.owned = registry
      .getMetricsAsArray()
      .map((metric) => metric.name)
      .filter((name) => !before.has(name));
    this.unsubscribe = options.bus.on((event) => this.observe(event));
  }

  /** Where queue depths come from (queue mode); read on every scrape. */
  setQueueSource(source: QueueSource | undefined): void {
    this.queueSource = source;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  metricsText(): Promise<string> {
    return this.registry.metrics();
  }

  /** Stops listening to the bus and unregisters this instance's metrics. */
  close(): void {
    this.unsubscribe();
    this.runs.clear();
    for (const name of this.owned) this.registry.removeSingleMetric(name);
  }

  private run(runId: string): RunState {
    let state = this.runs.get(runId);
    if (!state) {
      state = { nodeTypes: new Map(), costUsd: 0, statuses: new Set() };
      this.runs.set(runId, state);
    }
    return state;
  }

  private observe(event: ReelgraphEvent): void {
    switch (event.type) {
      case 'run': {
        // Once per run and status: a run back from a review gate is `running` again, not a second run.
        const { statuses } = this.run(event.runId);
        if (!statuses.has(event.status)) this.runsTotal.inc({ status: event.status });
        statuses.add(event.status);
        if (!terminalRun.has(event.status)) return;
        if (event.durationMs !== undefined) this.runDuration.observe({ status: event.status }, event.durationMs / 1000);
        this.runCost.observe(this.runs.get(event.runId)?.costUsd ?? 0);
        this.runs.delete(event.runId);
        return;
      }
      case 'node': {
        this.run(event.runId).nodeTypes.set(event.nodeId, event.nodeType);
        if (!terminalNode.has(event.status)) return;
        const labels = { node_type: event.nodeType, status: event.status };
        if (event.durationMs !== undefined) this.nodeDuration.observe(labels, event.durationMs / 1000);
        // A mapped node's units are its items, counted from the item events.
        if (!event.items) this.countUnit(event.nodeType, event.status, event.error?.code);
        return;
      }
      case 'item': {
        if (!terminalItem.has(event.status)) return;
        const nodeType = this.nodeType(event.runId, event.nodeId);
        if (event.durationMs !== undefined) this.itemDuration.observe({ node_type: nodeType, status: event.status }, event.durationMs / 1000);
        this.countUnit(nodeType, event.status, event.error?.code);
        return;
      }
      case 'retry':
        this.retriesTotal.inc({ node_type: this.nodeType(event.runId, event.nodeId), code: event.error.code });
        return;
      case 'usage': {
        const labels = { provider: event.provider, unit: event.unit };
        this.usageTotal.inc(labels, event.quantity);
        const price = priceOf(event);
        if (!price) {
          this.unpricedTotal.inc(labels, event.quantity);
          return;
        }
        const usd = event.quantity * price.usdPerUnit;
        this.costTotal.inc({ provider: event.provider }, usd);
        this.run(event.runId).costUsd += usd;
        return;
      }
      case 'progress':
      case 'log':
      case 'review':
        return;
    }
  }

  private nodeType(runId: string, nodeId: string): string {
    return this.runs.get(runId)?.nodeTypes.get(nodeId) ?? 'unknown';
  }

  private countUnit(nodeType: string, status: NodeStatus | ItemStatus, code: string | undefined): void {
    if (status === 'cached') this.cacheTotal.inc({ node_type: nodeType, result: 'hit' });
    else if (status === 'done' || status === 'failed') this.cacheTotal.inc({ node_type: nodeType, result: 'executed' });
    if (status === 'failed') this.failuresTotal.inc({ node_type: nodeType, code: code ?? 'UNKNOWN' });
  }
}
