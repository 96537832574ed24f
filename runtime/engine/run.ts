/**
 * One run of a graph, evaluated on demand. Every sink (a node nobody
 * consumes, or a declared graph output) is demanded; a node evaluates its
 * inputs first, so independent branches proceed concurrently and order
 * follows the edges. Demand is what makes fallback lazy: a later alternative
 * is asked only for the items the earlier ones failed, and a mapped node asks
 * its aligned upstream only for the items it needs.
 *
 * A unit of work is a whole node, or one item of a node that maps over a
 * list. Each unit is cached, rate-limited by its resource class, retried and
 * reported on its own.
 *
 * A partial run (`RunScope`) demands one target instead of the sinks: the
 * demanded set is that node and its ancestors, and only those appear in the
 * run's events and record. Nothing else changes, because demand already
 * decides what runs.
 */
import { setMaxListeners } from 'node:events';
import { CancelledError, detailsOf, isRetryable, PermanentError, ReelgraphError, serializeError, UpstreamError } from '../contract/errors.js';
import type { SerializedError } from '../contract/errors.js';
import type { ItemCounts, ItemStatus, NodeStatus, Priority, ReelgraphEvent, RunStatus } from '../contract/events.js';
import { demandedBy, GRAPH_INPUT_NODE, parseRef } from '../contract/graph.js';
import type { GraphDocument, GraphNode } from '../contract/graph.js';
import type { ItemInfo, NodeOutputs, NodeType, RetryPolicy } from '../contract/node.js';
import { formatPortType } from '../contract/ports.js';
import { checkPortValue } from '../contract/port-value.js';
import type { PortSpec } from '../contract/ports.js';
import { collectArtifactHandles } from '../contract/artifacts.js';
import { applySchemaDefaults } from '../contract/schema.js';
import type { BudgetLimits } from '../contract/budget.js';
import { cacheKey } from './cache.js';
import { EstimateOnlyError, isEstimateGap, type EstimateCollector } from './estimate.js';
import type { EngineServices } from './services.js';
import { hashJson } from './hash.js';
import { RunPins, type LockedOutcome } from './item-pins.js';
import { backoffDelay, defaultRetryPolicy, retryWaitBeyondLimit } from './retry.js';
import { ReviewRejectedError, RunReviewGates, type Remake } from './review-gate.js';
import { applyEdits, gateLineage, latestEdits, type GateLineage } from './review-remake.js';
import type { ReviewEditRecord } from '../contract/review.js';
import type { RunProvenance } from '../contract/provenance.js';
import { reelgraphVersion } from '../version.js';
import type { UnitRequest } from './unit.js';

/** How many times one unit may find a budget counter missing and have it counted again before it fails (Redis may still be restarting). */
const MAX_BUDGET_PRIMINGS = 3;

export type Outcome =
  | { ok: true; outputs: NodeOutputs; cached: boolean; producedBy: string }
  | { ok: false; error: unknown };

type Value = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Source {
  node: string;
  port: string;
}

interface ListView {
  length: number;
  item(index: number): Promise<Value>;
}

type ViewResult = { ok: true; view: ListView } | { ok: false; error: unknown };

interface NodePlan {
  node: GraphNode;
  type: NodeType;
  params: Record<string, unknown>;
  inputs: Map<string, Source>;
  /** Runs per item: a node with `mapOver`, or a fallback whose choices are lists. */
  itemMode: boolean;
  retry: RetryPolicy;
  /** The graph's `settings.timeoutMs`; unset, each unit gets its node type's deadline. */
  timeoutMs: number | undefined;
  alwaysRun: boolean;
  /** File names of the graph inputs wired straight into this node, by its input port. */
  inputSources: Record<string, string> | undefined;
}

interface NodeState {
  whole?: Promise<Outcome>;
  items: Map<number, Promise<Outcome>>;
  view?: Promise<ViewResult>;
  shared?: Promise<{ ok: true; values: Record<string, unknown>; hashes: Record<string, string> } | { ok: false; error: unknown }>;
  counts: ItemCounts;
  status: NodeStatus;
  pending: number;
  startedAt?: number;
  finishedAt?: number;
  ranAny: boolean;
  error?: unknown;
  /** Which alternative produced each item of a fallback node. */
  providers: Map<number, string>;
}

/**
 * A partial run: only `target` and what it needs, never anything downstream.
 * `until` treats the ancestors as a whole run would (cache hits reused,
 * misses executed); `only` executes the target alone and takes every
 * ancestor's result from the cache, failing where one is missing rather than
 * spending on it.
 */
export interface RunScope {
  mode: 'until' | 'only';
  target: string;
}

/**
 * An `only` run found an ancestor whose result is not in the cache: nothing
 * was executed for it. The node (and item) is the error's location; the
 * message names it too, for readers of the message alone.
 */
export class UncachedUpstreamError extends ReelgraphError {
  constructor(
    readonly nodeId: string,
    readonly target: string,
    reason: string,
    item?: number,
  ) {
    super('UPSTREAM_NOT_CACHED', `${reason}; running only "${target}" executes nothing upstream: run up to "${nodeId}" first`, {
      retryable: false,
      location: { nodeId, ...(item !== undefined ? { item } : {}) },
    });
  }
}

export interface RunOptions {
  runId: string;
  inputs: Record<string, unknown>;
  outDir: string;
  /** Ignore cached results, except those this very run produced (before a restart it resumes from). */
  noCache: boolean;
  priority: Priority;
  signal?: AbortSignal;
  /** File names of graph inputs given as files (`-i episode=@ep.md`), by input name: errors can then name the file. */
  inputSources?: Record<string, string>;
  /** When the run first started, for a run resumed after a restart: its duration counts from there. Default now. */
  startedAt?: number;
  /** Run only this node and what it needs; unset, the whole graph. */
  scope?: RunScope;
  /** The budgets paid requests reserve against (`NodeContext.reserve`). */
  budget?: BudgetLimits;
  /** Starts the run's budget counters again from its records, where a shared ledger lost them (BudgetUnprimedError). */
  primeBudgets?: () => Promise<void>;
  /** The stored version of the graph, for the run's recipe (`NodeContext.run`). */
  graphVersion?: number;
  /**
   * Estimate instead of run: only the paid nodes (those with
   * `estimateUsage`) and their ancestors are demanded; a paid unit is never
   * executed, its cache hit or its estimated usage goes to the collector, and
   * its result stays absent (what depends on it is not estimated). A fallback
   * counts its first choice only.
   */
  estimate?: EstimateCollector;
}

export interface NodeSummary {
  id: string;
  type: string;
  status: NodeStatus;
  cached: boolean;
  durationMs?: number;
  items: ItemCounts;
  /** For fallback nodes: the node id of the alternative that produced each item (by index). */
  providers?: Record<number, string>;
  error?: SerializedError;
}

export interface RunResult {
  runId: string;
  status: RunStatus;
  startedAt: number;
  durationMs: number;
  nodes: NodeSummary[];
  outputs: Record<string, unknown>;
  error?: SerializedError;
}


export class RunExecution {
  private readonly plans = new Map<string, NodePlan>();
  private readonly states = new Map<string, NodeState>();
  private readonly controller = new AbortController();
  private readonly startedAt: number;
  /** The nodes this run may touch: every node, or a partial run's target and its ancestors. */
  private readonly demanded: ReadonlySet<string>;
  /** Nodes whose results must come from the cache, never executed (the ancestors of an `only` target). */
  private readonly reuseOnly: ReadonlySet<string>;
  /** An estimate's paid nodes, demanded instead of the sinks. */
  private readonly targets: string[] | undefined;
  /** The run's review gates (`control: 'review'`), evaluated here, never dispatched (see review-gate.ts). */
  private readonly gates: RunReviewGates;
  /** The producer's locked items and takes for this graph (item-pins.ts). */
  private readonly pins: RunPins;
  /** What every unit is told of its run (`NodeContext.run`): set when the run starts. */
  private provenance: RunProvenance | undefined;
  /** Rewrites from review gates, by the list (node and port) whose items they change (review-remake.ts). */
  private readonly edits = new Map<string, { all: ReviewEditRecord[]; byItem: Map<number, ReviewEditRecord> }>();

  constructor(
    private readonly graph: GraphDocument,
    private readonly services: EngineServices,
    private readonly options: RunOptions,
  ) {
    this.startedAt = options.startedAt ?? Date.now();
    this.pins = new RunPins(graph, services.pins, services.artifacts);
    const { scope } = options;
    const scoped = scope ? demandedBy(graph, scope.target) : undefined;
    // An estimate of a partial run prices the paid nodes that run would run.
    this.targets = options.estimate ? estimateTargets(graph, services).filter((target) => !scoped || scoped.has(target)) : undefined;
    this.demanded = this.targets ? new Set(this.targets.flatMap((target) => [...demandedBy(graph, target)])) : (scoped ?? new Set(graph.nodes.map((n) => n.id)));
    this.reuseOnly = scope?.mode === 'only' ? new Set([...this.demanded].filter((id) => id !== scope.target)) : new Set();
    // Every waiting or executing unit listens on the run's signal; thousands of items are normal.
    setMaxListeners(0, this.controller.signal);
    this.gates = new RunReviewGates({ runId: options.runId, signal: this.controller.signal, emit: (event) => this.emit(event), desk: services.reviews });
    if (options.signal) {
      if (options.signal.aborted) this.controller.abort(new CancelledError());
      options.signal.addEventListener('abort', () => this.cancel(), { once: true });
    }
    for (const node of graph.nodes) {
      const type = services.registry.get(node.type, node.typeVersion) as NodeType;
      const inputs = new Map<string, Source>();
      for (const edge of graph.edges) {
        const to = parseRef(edge.to);
        if (to.node === node.id) inputs.set(to.port, parseRef(edge.from));
      }
      const declared = { ...defaultRetryPolicy, ...type.retry };
      this.plans.set(node.id, {
        node,
        type,
        params: applySchemaDefaults(type.params, node.params).value as Record<string, unknown>,
        inputs,
        itemMode: false,
        retry: {
          ...declared,
          retries: node.settings?.retries ?? declared.retries,
          backoffMs: node.settings?.retryDelayMs ?? declared.backoffMs,
          maxRetryDelayMs: node.settings?.maxRetryDelayMs ?? declared.maxRetryDelayMs,
        },
        timeoutMs: node.settings?.timeoutMs,
        alwaysRun: node.settings?.alwaysRun ?? false,
        inputSources: fileSourcesOf(inputs, options.inputSources),
      });
      this.states.set(node.id, {
        items: new Map(),
        counts: { total: 0, executed: 0, cached: 0, failed: 0, fellBack: 0 },
        status: 'queued',
        pending: 0,
        ranAny: false,
        providers: new Map(),
      });
    }
    for (const plan of this.plans.values()) plan.itemMode = this.isItemMode(plan, new Set());
  }

  get runId(): string {
    return this.options.runId;
  }

  cancel(): void {
    if (!this.controller.signal.aborted) this.controller.abort(new CancelledError());
  }

  private isItemMode(plan: NodePlan, seen: Set<string>): boolean {
    if (plan.type.mapOver) return true;
    if (plan.type.control !== 'fallback' || seen.has(plan.node.id)) return false;
    seen.add(plan.node.id);
    const first = plan.inputs.get(plan.type.inputs[0]?.name ?? '');
    if (!first) return false;
    if (first.node === GRAPH_INPUT_NODE) return Boolean(this.graph.inputs?.[first.port]?.list);
    const source = this.plans.get(first.node);
    if (!source) return false;
    const port = source.type.outputs.find((p) => p.name === first.port);
    return Boolean(port?.list) || this.isItemMode(source, seen);
  }

  private emit(event: ReelgraphEvent): void {
    this.services.bus.emit(event);
  }

  private plan(nodeId: string): NodePlan {
    return this.plans.get(nodeId) as NodePlan;
  }

  private state(nodeId: string): NodeState {
    return this.states.get(nodeId) as NodeState;
  }

  async execute(): Promise<RunResult> {
    const { runId } = this.options;
    this.provenance = await this.recipe();
    this.emit({ type: 'run', runId, at: this.startedAt, status: 'running', graphName: this.graph.name, ...(this.graph.id ? { graphId: this.graph.id } : {}) });
    for (const plan of this.plans.values()) {
      if (!this.demanded.has(plan.node.id)) continue;
      this.emit({ type: 'node', runId, at: Date.now(), nodeId: plan.node.id, nodeType: plan.node.type, status: 'queued' });
    }
    const target = this.options.scope?.target;
    const sinks = this.targets ?? (target === undefined ? this.sinks() : [target]);
    const sinkOutcomes = await Promise.all(sinks.map(async (nodeId) => ({ nodeId, error: await this.demandAll(nodeId) })));
    // An estimate produces no results: its paid nodes were never executed.
    const outputs = this.targets ? { values: {} } : await this.collectOutputs(target);

    const cancelled = this.controller.signal.aborted;
    const failure = sinkOutcomes.find((s) => s.error !== undefined);
    const status: RunStatus = cancelled ? 'cancelled' : failure || outputs.error ? 'failed' : 'done';
    const nodes = this.summarise();
    const durationMs = Date.now() - this.startedAt;
    const result: RunResult = { runId, status, startedAt: this.startedAt, durationMs, nodes, outputs: outputs.values };
    const error = cancelled ? new CancelledError() : failure ? failure.error : outputs.error;
    if (error !== undefined) result.error = this.describeFailure(error, failure?.nodeId);
    this.emit({ type: 'run', runId, at: Date.now(), status, durationMs, ...(result.error ? { error: result.error } : {}) });
    return result;
  }

  /**
   * The run's recipe: the graph it executes, kept in the artifact store (by
   * hash: the same graph is stored once) when a node of the run asks for it
   * (`usesRunGraph`: an export that ships it beside the video), so that
   * `reelgraph inspect` can find it from a video's metadata. An estimate
   * writes nothing; a store that fails here costs the recipe its document, not the run.
   */
  private async recipe(): Promise<RunProvenance> {
    const { graph } = this;
    const provenance: RunProvenance = {
      reelgraph: reelgraphVersion,
      graph: { name: graph.name, ...(graph.id !== undefined ? { id: graph.id } : {}), ...(this.options.graphVersion !== undefined ? { version: this.options.graphVersion } : {}) },
    };
    if (this.options.estimate || ![...this.plans.values()].some((plan) => plan.type.usesRunGraph && this.demanded.has(plan.node.id))) return provenance;
    try {
      const document = await this.services.artifacts.put({ data: Buffer.from(`${JSON.stringify(graph, null, 2)}\n`) }, { mime: 'application/json', name: 'graph.json', probe: false });
      return { ...provenance, graph: { ...provenance.graph, document } };
    } catch (error) {
      this.services.logger.warn({ err: error, runId: this.runId }, 'could not keep the run\'s graph document');
      return provenance;
    }
  }

  /** Nodes nobody consumes, plus nodes whose ports are graph outputs. */
  private sinks(): string[] {
    const consumed = new Set(this.graph.edges.map((edge) => parseRef(edge.from).node));
    const outputs = new Set(Object.values(this.graph.outputs ?? {}).map((ref) => parseRef(ref).node));
    return this.graph.nodes.map((n) => n.id).filter((id) => !consumed.has(id) || outputs.has(id));
  }

  /** The graph's declared outputs; a partial run's are its target's output ports, by port name. */
  private async collectOutputs(target: string | undefined): Promise<{ values: Record<string, unknown>; error?: unknown }> {
    const values: Record<string, unknown> = {};
    let error: unknown;
    const refs =
      target === undefined
        ? Object.entries(this.graph.outputs ?? {}).map(([name, ref]) => [name, parseRef(ref)] as const)
        : this.plan(target).type.outputs.map((port) => [port.name, { node: target, port: port.name }] as const);
    for (const [name, source] of refs) {
      const value = await this.readWhole(source);
      if (value.ok) values[name] = value.value;
      else error ??= value.error;
    }
    return error === undefined ? { values } : { values, error };
  }

  /** Demand a node completely; resolves with its error, if any. */
  private async demandAll(nodeId: string): Promise<unknown> {
    const plan = this.plan(nodeId);
    if (!plan.itemMode) {
      const outcome = await this.demandWhole(nodeId);
      return outcome.ok ? undefined : outcome.error;
    }
    const view = await this.viewOf(nodeId);
    if (!view.ok) {
      if (plan.type.estimateUsage) this.options.estimate?.blocked(nodeId, undefined, view.error);
      return view.error;
    }
    const outcomes = await Promise.all(Array.from({ length: view.view.length }, (_, i) => this.demandItem(nodeId, i)));
    const failed = outcomes.map((o, index) => ({ o, index })).filter(({ o }) => !o.ok);
    if (failed.length === 0) return undefined;
    const first = failed[0]?.o as { ok: false; error: unknown };
    return failed.length === 1
      ? first.error
      : new UpstreamError(`${failed.length} of ${outcomes.length} items failed (items ${failed.map((f) => f.index).join(', ')})`, {
          cause: first.error,
          location: { nodeId },
        });
  }

  // ---------------------------------------------------------------- values

  /** The complete value on a source port (a list for item-mode sources). */
  private async readWhole(source: Source): Promise<Value> {
    const edits = this.edits.get(sourceKey(source))?.byItem;
    if (source.node === GRAPH_INPUT_NODE) return { ok: true, value: applyEdits(this.options.inputs[source.port], edits) };
    const plan = this.plan(source.node);
    if (!plan.itemMode) {
      const outcome = await this.demandWhole(source.node);
      return outcome.ok ? { ok: true, value: applyEdits(outcome.outputs[source.port], edits) } : { ok: false, error: upstream(source, outcome.error) };
    }
    const view = await this.listView(source);
    if (!view.ok) return view;
    const values = await Promise.all(Array.from({ length: view.view.length }, (_, i) => view.view.item(i)));
    const failed = values.map((v, i) => ({ v, i })).filter(({ v }) => !v.ok);
    if (failed.length > 0) {
      const cause = (failed[0]?.v as { error: unknown }).error;
      return {
        ok: false,
        error: new UpstreamError(`node "${source.node}" failed for items ${failed.map((f) => f.i).join(', ')}`, { cause, location: { nodeId: source.node } }),
      };
    }
    return { ok: true, value: values.map((v) => (v as { value: unknown }).value) };
  }

  /** A list on a source port, item by item; aligned with the source's own items when the source runs per item. */
  private async listView(source: Source): Promise<ViewResult> {
    const plan = source.node === GRAPH_INPUT_NODE ? undefined : this.plan(source.node);
    if (plan?.itemMode) {
      const own = await this.viewOf(source.node);
      if (!own.ok) return { ok: false, error: upstream(source, own.error) };
      return {
        ok: true,
        view: {
          length: own.view.length,
          item: async (index) => {
            const outcome = await this.demandItem(source.node, index);
            return outcome.ok ? { ok: true, value: outcome.outputs[source.port] } : { ok: false, error: upstream(source, outcome.error, index) };
          },
        },
      };
    }
    const whole = await this.readWhole(source);
    if (!whole.ok) return whole;
    // Port types were checked on output; a single value feeding a list is a one-element list (see checkCompatibility).
    const list: unknown[] = Array.isArray(whole.value) ? whole.value : [whole.value];
    return { ok: true, view: { length: list.length, item: async (index) => ({ ok: true, value: list[index] }) } };
  }

  /**
   * The list an item-mode node iterates: its mapped input, or for a fallback
   * the first choice whose list could be produced at all (a batch provider
   * that failed outright hands the whole list to the next choice).
   */
  private viewOf(nodeId: string): Promise<ViewResult> {
    const state = this.state(nodeId);
    state.view ??= (async (): Promise<ViewResult> => {
      const plan = this.plan(nodeId);
      const ports = plan.type.mapOver ? [plan.type.mapOver] : plan.type.inputs.map((port) => port.name);
      let failure: ViewResult | undefined;
      for (const port of ports) {
        const source = plan.inputs.get(port);
        if (!source) continue;
        const view = await this.listView(source);
        if (view.ok) return view;
        failure ??= view;
      }
      return failure ?? { ok: true, view: { length: 0, item: async () => ({ ok: true, value: undefined }) } };
    })();
    return state.view;
  }

  /** Values of every input except the mapped one (and except a fallback's choices), read once per node. */
  private sharedInputs(nodeId: string): NonNullable<NodeState['shared']> {
    const state = this.state(nodeId);
    state.shared ??= (async () => {
      const plan = this.plan(nodeId);
      const entries = await Promise.all(
        plan.type.inputs
          .filter((port) => port.name !== plan.type.mapOver && plan.inputs.has(port.name))
          .map(async (port) => ({ port, value: await this.readWhole(plan.inputs.get(port.name) as Source) })),
      );
      const values: Record<string, unknown> = {};
      const hashes: Record<string, string> = {};
      for (const { port, value } of entries) {
        if (!value.ok) return { ok: false as const, error: value.error };
        values[port.name] = fitToPort(port, value.value);
        hashes[port.name] = hashJson(values[port.name]);
      }
      return { ok: true as const, values, hashes };
    })();
    return state.shared;
  }

  // ---------------------------------------------------------------- demand

  private demandWhole(nodeId: string): Promise<Outcome> {
    const state = this.state(nodeId);
    state.whole ??= this.track(nodeId, undefined, async () => {
      const plan = this.plan(nodeId);
      if (plan.type.control === 'fallback') return this.fallbackWhole(plan);
      if (plan.type.control === 'review') return this.reviewWhole(plan);
      const shared = await this.sharedInputs(nodeId);
      if (!shared.ok) {
        if (plan.type.estimateUsage) this.options.estimate?.blocked(nodeId, undefined, shared.error);
        return { ok: false, error: shared.error };
      }
      return this.runUnit(plan, undefined, shared.values, shared.hashes);
    });
    return state.whole;
  }

  private demandItem(nodeId: string, index: number): Promise<Outcome> {
    const state = this.state(nodeId);
    let promise = state.items.get(index);
    if (!promise) {
      promise = this.track(nodeId, index, async () => {
        const plan = this.plan(nodeId);
        const view = await this.viewOf(nodeId);
        if (!view.ok) return { ok: false, error: view.error };
        if (plan.type.control === 'fallback') return this.fallbackItem(plan, index, view.view.length);
        const [item, shared] = await Promise.all([view.view.item(index), this.sharedInputs(nodeId)]);
        const mapped = plan.type.mapOver as string;
        const itemHash = hashJson(item.ok ? item.value : null);
        const info = await this.pins.withTake(nodeId, { index, key: itemHash.slice(0, 16), count: view.view.length });
        if (!item.ok) return this.blockItem(plan, info, item.error);
        if (!shared.ok) return this.blockItem(plan, info, shared.error);
        return this.runUnit(plan, info, { ...shared.values, [mapped]: item.value }, { ...shared.hashes, [mapped]: itemHash });
      });
      state.items.set(index, promise);
    }
    return promise;
  }

  /**
   * Node-level bookkeeping around a unit: the node is running while any of
   * its demanded units are, and settles (with counts) when the last one does.
   */
  private track(nodeId: string, index: number | undefined, work: () => Promise<Outcome>): Promise<Outcome> {
    const state = this.state(nodeId);
    state.pending += 1;
    state.counts.total += 1;
    // Starting the work in a microtask gives each node a fresh call stack: demand recurses upstream, and graphs can be thousands of nodes deep.
    return Promise.resolve()
      .then(work)
      .catch((error: unknown): Outcome => ({ ok: false, error }))
      .then((outcome) => {
        if (!outcome.ok) state.error ??= outcome.error;
        state.pending -= 1;
        // A whole node's values go with its final event; a mapped node's went with each item.
        if (state.pending === 0) this.settleNode(nodeId, index === undefined && outcome.ok ? outcome.outputs : undefined);
        return outcome;
      });
  }

  private settleNode(nodeId: string, outputs: NodeOutputs | undefined): void {
    const state = this.state(nodeId);
    const plan = this.plan(nodeId);
    const { counts } = state;
    state.finishedAt = Date.now();
    if (state.error instanceof CancelledError) state.status = 'cancelled';
    else if (state.error !== undefined) state.status = !state.ranAny && state.error instanceof UpstreamError ? 'skipped' : 'failed';
    else if (counts.executed === 0 && counts.cached > 0) state.status = 'cached';
    else state.status = 'done';
    this.emit({
      type: 'node',
      runId: this.runId,
      at: state.finishedAt,
      nodeId,
      nodeType: plan.node.type,
      status: state.status,
      ...(plan.itemMode ? { items: { ...counts } } : {}),
      ...(state.startedAt !== undefined ? { durationMs: state.finishedAt - state.startedAt } : {}),
      ...(state.error !== undefined && state.status !== 'done' && state.status !== 'cached' ? { error: this.locate(state.error, nodeId) } : {}),
      ...(outputs && !plan.itemMode && (state.status === 'done' || state.status === 'cached') ? { outputs } : {}),
    });
  }

  private markRunning(plan: NodePlan): void {
    const state = this.state(plan.node.id);
    if (state.status === 'running') return;
    state.status = 'running';
    state.startedAt ??= Date.now();
    this.emit({ type: 'node', runId: this.runId, at: Date.now(), nodeId: plan.node.id, nodeType: plan.node.type, status: 'running' });
  }

  // ---------------------------------------------------------------- fallback

  private async fallbackWhole(plan: NodePlan): Promise<Outcome> {
    const errors: unknown[] = [];
    for (const [choice, port] of plan.type.inputs.entries()) {
      const source = plan.inputs.get(port.name);
      if (!source) continue;
      const value = await this.readWhole(source);
      if (value.ok) {
        const state = this.state(plan.node.id);
        state.providers.set(0, source.node);
        state.ranAny = true;
        if (choice > 0) state.counts.fellBack += 1;
        return { ok: true, outputs: { [plan.type.outputs[0]?.name ?? 'value']: value.value }, cached: false, producedBy: source.node };
      }
      if (this.controller.signal.aborted) return { ok: false, error: new CancelledError() };
      // An estimate counts the first choice: the next one runs only when it fails, which an estimate cannot know.
      if (isEstimateGap(value.error)) return { ok: false, error: value.error };
      errors.push(value.error);
    }
    return { ok: false, error: allAlternativesFailed(plan, errors) };
  }

  private async fallbackItem(plan: NodePlan, index: number, length: number): Promise<Outcome> {
    const state = this.state(plan.node.id);
    const key = `${index}`;
    const errors: unknown[] = [];
    this.emitItem(plan, { index, key, count: length }, 'queued');
    // A locked fallback item is settled before any alternative is asked: none of them may spend on it.
    const locked = await this.pins.locked(plan.node.id, { index, count: length });
    if (locked) return this.lockedUnit(plan, { index, key, count: length }, locked);
    for (const [choice, port] of plan.type.inputs.entries()) {
      const source = plan.inputs.get(port.name);
      if (!source) continue;
      const view = await this.listView(source);
      let value: Value;
      if (!view.ok) value = view;
      else if (view.view.length !== length) {
        value = { ok: false, error: new PermanentError(`alternative "${port.name}" has ${view.view.length} items where ${length} were expected`, { location: { nodeId: plan.node.id, port: port.name } }) };
      } else value = await view.view.item(index);
      if (value.ok) {
        state.providers.set(index, source.node);
        if (choice > 0) state.counts.fellBack += 1;
        state.ranAny = true;
        const outputs = { [plan.type.outputs[0]?.name ?? 'value']: value.value };
        this.emitItem(plan, { index, key, count: length }, choice > 0 ? 'fell-back' : 'done', { provider: source.node, outputs });
        return { ok: true, outputs, cached: false, producedBy: source.node };
      }
      if (this.controller.signal.aborted) break;
      if (isEstimateGap(value.error)) return { ok: false, error: value.error };
      errors.push(value.error);
    }
    if (this.controller.signal.aborted) {
      this.emitItem(plan, { index, key, count: length }, 'cancelled');
      return { ok: false, error: new CancelledError() };
    }
    const error = allAlternativesFailed(plan, errors);
    state.counts.failed += 1;
    this.emitItem(plan, { index, key, count: length }, 'failed', { error: this.locate(error, plan.node.id, index) });
    return { ok: false, error };
  }

  // ---------------------------------------------------------------- review gates

  /**
   * A review gate: its inputs as any node's, then the wait for a decision (no
   * unit, no worker). A decision that rejects or rewrites items sends the run
   * back to make them again (`remake`), and the gate asks again.
   */
  private async reviewWhole(plan: NodePlan): Promise<Outcome> {
    const { node, type } = plan;
    const state = this.state(node.id);
    state.startedAt ??= Date.now();
    state.ranAny = true;
    const lineage = gateLineage(plan, (id) => this.plans.get(id));
    let remadeRound: number | undefined;
    try {
      for (;;) {
        const shared = await this.sharedInputs(node.id);
        if (!shared.ok) return { ok: false, error: shared.error };
        const passage = await this.gates.pass({
          nodeId: node.id,
          type,
          params: plan.params,
          inputs: shared.values,
          // An estimate prices what follows approval; an `only` run past the gate was asked for by name.
          passThrough: this.options.estimate !== undefined || this.reuseOnly.has(node.id),
          onWaiting: () => {
            state.status = 'waiting';
          },
          appliedEdits: lineage.origin ? (this.edits.get(sourceKey(lineage.origin))?.all ?? []) : [],
          ...(remadeRound !== undefined ? { remadeRound } : {}),
          takesOf: async (index) => Object.fromEntries(await Promise.all(lineage.makers.map(async (maker) => [maker, await this.pins.takeOf(maker, index)] as const))),
        });
        if ('outputs' in passage) {
          state.counts.executed += 1;
          return { ok: true, outputs: passage.outputs, cached: false, producedBy: node.id };
        }
        const { remake } = passage;
        await this.remake(node.id, lineage, remake);
        // Applying stored rewrites (a restarted run) answers no round; making a round's items again does.
        if (remake.regenerate.length > 0 || remake.edited.length > 0) remadeRound = remake.round;
      }
    } catch (error) {
      return { ok: false, error };
    }
  }

  /**
   * Makes a gate's rejected and rewritten items again: each rejected item's
   * makers take their next take (a locked maker keeps its result), rewrites
   * apply where the gate's list starts, and the items' demand starts over, so
   * that re-reading the gate's inputs makes exactly them again (everything
   * else comes back from this run's memory or the cache).
   */
  private async remake(gateId: string, lineage: GateLineage, remake: Remake): Promise<void> {
    const unmakeable: string[] = [];
    for (const { index, takes } of remake.regenerate) {
      const reasons: string[] = [];
      let raised = 0;
      for (const maker of lineage.makers) {
        const result = await this.pins.raiseTake(maker, index, takes[maker] ?? 0);
        if (result.ok) raised += 1;
        else reasons.push(result.reason);
      }
      if (raised === 0) unmakeable.push(`item ${index} cannot be made again: ${reasons[0] ?? 'no node before the gate makes it per item (edit it instead)'}`);
    }
    if (unmakeable.length > 0) {
      throw new ReviewRejectedError(`review gate "${gateId}": ${unmakeable.join('; ')}`, gateId, remake.regenerate.map((item) => item.index));
    }
    if (lineage.origin) this.edits.set(sourceKey(lineage.origin), { all: remake.edits, byItem: latestEdits(remake.edits) });
    const items = new Set([...remake.regenerate.map((item) => item.index), ...remake.edited]);
    // A restarted run applies stored rewrites before anything was shown: every item the rewrites name starts over.
    if (remake.regenerate.length === 0 && remake.edited.length === 0) for (const edit of remake.edits) items.add(edit.index);
    for (const maker of lineage.makers) {
      const state = this.state(maker);
      for (const index of items) state.items.delete(index);
      state.view = undefined;
      state.shared = undefined;
    }
    this.state(gateId).shared = undefined;
  }

  // ---------------------------------------------------------------- units

  private emitItem(
    plan: NodePlan,
    item: ItemInfo,
    status: ItemStatus,
    extra: { attempt?: number; provider?: string; durationMs?: number; error?: SerializedError; outputs?: NodeOutputs; locked?: true } = {},
  ): void {
    const take = item.take ? { take: item.take } : {};
    this.emit({ type: 'item', runId: this.runId, at: Date.now(), nodeId: plan.node.id, index: item.index, key: item.key, status, ...take, ...extra });
  }

  private async runUnit(plan: NodePlan, item: ItemInfo | undefined, inputs: Record<string, unknown>, inputHashes: Record<string, string>): Promise<Outcome> {
    const { type, node } = plan;
    const state = this.state(node.id);
    const signal = this.controller.signal;
    const count = (field: keyof ItemCounts): void => {
      state.counts[field] += 1;
    };
    if (item) this.emitItem(plan, item, 'queued');
    if (signal.aborted) return this.cancelledUnit(plan, item);
    // A locked item's result is the producer's, whatever its inputs are now: checked before the cache, an estimate, or `only`.
    const locked = item ? await this.pins.locked(node.id, item, type.mapOver ? inputs[type.mapOver] : undefined) : undefined;
    if (locked && item) return this.lockedUnit(plan, item, locked);

    const identity = type.cacheIdentity?.(plan.params);
    // A node that says what its result depends on (inputs and params) is keyed by exactly that.
    const view = type.cacheKeyInputs ? { view: hashJson(type.cacheKeyInputs(inputs, plan.params)) } : { params: plan.params, inputs: inputHashes };
    const key = cacheKey({ type: type.type, typeVersion: type.version, ...view, ...(identity ? { identity } : {}), ...(item?.take ? { take: item.take } : {}) });
    if (this.options.estimate && type.estimateUsage) return this.estimateUnit(plan, item, inputs, key, this.options.estimate);
    if (this.reuseOnly.has(node.id)) return this.reuseUnit(plan, item, key);
    if (type.cacheable && !plan.alwaysRun) {
      // Without the cache, only results this run produced itself count: a run resumed after a restart keeps what it already did (paid for) and no more.
      const hit = await this.cacheLookup(key, this.options.noCache ? this.runId : undefined);
      if (hit) {
        count('cached');
        state.ranAny = true;
        if (item) this.emitItem(plan, item, 'cached', { provider: node.id, outputs: hit });
        return { ok: true, outputs: hit, cached: true, producedBy: node.id };
      }
    }

    let primings = 0;
    for (let attempt = 1; ; attempt++) {
      const started = Date.now();
      let outputs: NodeOutputs;
      try {
        outputs = await this.services.dispatcher.dispatch(this.unitRequest(plan, item, inputs, attempt), {
          signal,
          onStart: () => {
            this.markRunning(plan);
            state.ranAny = true;
            if (item) this.emitItem(plan, item, 'running', { attempt });
          },
          emit: (event) => this.emit(event),
        });
        checkOutputs(plan, outputs, item?.index);
      } catch (thrown) {
        if (signal.aborted) return this.cancelledUnit(plan, item);
        // Nothing was sent: count the lost budget again from the records and ask again, whatever the node's retries (a few times, in case Redis is still away).
        if (thrown instanceof ReelgraphError && thrown.code === 'BUDGET_UNPRIMED' && this.options.primeBudgets && primings < MAX_BUDGET_PRIMINGS) {
          primings += 1;
          this.emit({ type: 'retry', runId: this.runId, at: Date.now(), nodeId: node.id, attempt, delayMs: 0, error: serializeError(thrown), ...(item ? { index: item.index } : {}) });
          await this.options.primeBudgets();
          continue;
        }
        const retrying = isRetryable(thrown) && attempt <= plan.retry.retries;
        // A wait beyond the node's limit is not worth sleeping through: fail now, so a fallback can take over.
        const beyondLimit = retrying ? retryWaitBeyondLimit(plan.retry, thrown, { nodeId: node.id, ...(item ? { item: item.index } : {}) }) : undefined;
        const error = beyondLimit ?? thrown;
        if (retrying && !beyondLimit) {
          const delayMs = backoffDelay(plan.retry, attempt, error, this.services.random);
          this.emit({ type: 'retry', runId: this.runId, at: Date.now(), nodeId: node.id, attempt, delayMs, error: serializeError(error), ...(item ? { index: item.index } : {}) });
          try {
            await this.services.sleep(delayMs, signal);
          } catch {
            return this.cancelledUnit(plan, item);
          }
          continue;
        }
        count('failed');
        if (item) this.emitItem(plan, item, 'failed', { attempt, durationMs: Date.now() - started, error: this.locate(error, node.id, item.index) });
        return { ok: false, error };
      }
      if (type.cacheable) {
        await this.services.cache.put({ key, nodeType: type.type, typeVersion: type.version, outputs, producedBy: node.id, runId: this.runId, createdAt: Date.now() });
      }
      count('executed');
      if (item) this.emitItem(plan, item, 'done', { attempt, provider: node.id, durationMs: Date.now() - started, outputs });
      return { ok: true, outputs, cached: false, producedBy: node.id };
    }
  }

  /** A locked item: the producer's result, never executed (an estimate counts it free), or the reason the lock cannot hold. */
  private lockedUnit(plan: NodePlan, item: ItemInfo, locked: LockedOutcome): Outcome {
    const { node } = plan;
    const state = this.state(node.id);
    if (!locked.ok) {
      state.counts.failed += 1;
      this.emitItem(plan, item, 'failed', { error: this.locate(locked.error, node.id, item.index) });
      return { ok: false, error: locked.error };
    }
    const provider = locked.provider ?? node.id;
    state.counts.cached += 1;
    state.ranAny = true;
    if (plan.type.control === 'fallback') state.providers.set(item.index, provider);
    if (plan.type.estimateUsage) this.options.estimate?.cached(node.id, item.index);
    this.emitItem(plan, item, 'cached', { provider, outputs: locked.outputs, locked: true });
    return { ok: true, outputs: locked.outputs, cached: true, producedBy: provider };
  }

  /**
   * An ancestor of an `only` target: its result as the cache holds it (from
   * whichever run produced it, even under noCache, which applies to what
   * this run executes), or a failure naming it. Never executed.
   */
  private async reuseUnit(plan: NodePlan, item: ItemInfo | undefined, key: string): Promise<Outcome> {
    const { node, type } = plan;
    const state = this.state(node.id);
    const scope = this.options.scope as RunScope;
    const reusable = type.cacheable && !plan.alwaysRun;
    const hit = reusable ? await this.cacheLookup(key, undefined) : undefined;
    if (hit) {
      state.counts.cached += 1;
      state.ranAny = true;
      if (item) this.emitItem(plan, item, 'cached', { provider: node.id, outputs: hit });
      return { ok: true, outputs: hit, cached: true, producedBy: node.id };
    }
    const reason = !type.cacheable ? `never cached (${type.type} results are not kept)` : plan.alwaysRun ? 'set to always run, so it has no reusable result' : 'no cached result for these inputs';
    const error = new UncachedUpstreamError(node.id, scope.target, reason, item?.index);
    state.counts.failed += 1;
    if (item) this.emitItem(plan, item, 'failed', { error: this.locate(error, node.id, item.index) });
    return { ok: false, error };
  }

  /** A paid unit in an estimate: free when cached, else priced by what the node says it would use, and never executed. */
  private async estimateUnit(plan: NodePlan, item: ItemInfo | undefined, inputs: Record<string, unknown>, key: string, collector: EstimateCollector): Promise<Outcome> {
    const { node, type } = plan;
    const state = this.state(node.id);
    const hit = type.cacheable && !plan.alwaysRun ? await this.cacheLookup(key, this.options.noCache ? this.runId : undefined) : undefined;
    if (hit) {
      state.counts.cached += 1;
      state.ranAny = true;
      collector.cached(node.id, item?.index);
      return { ok: true, outputs: hit, cached: true, producedBy: node.id };
    }
    collector.estimated(node.id, item?.index, type.estimateUsage?.(inputs, plan.params) ?? []);
    return { ok: false, error: new EstimateOnlyError(node.id, item?.index) };
  }

  private unitRequest(plan: NodePlan, item: ItemInfo | undefined, inputs: Record<string, unknown>, attempt: number): UnitRequest {
    const { node, type } = plan;
    const timeoutMs = plan.timeoutMs ?? type.unitTimeoutMs?.(inputs, plan.params) ?? type.timeoutMs;
    return {
      runId: this.runId,
      nodeId: node.id,
      nodeType: type.type,
      typeVersion: type.version,
      resource: type.resource,
      priority: this.options.priority,
      params: plan.params,
      inputs,
      ...(plan.inputSources ? { inputSources: plan.inputSources } : {}),
      ...(item ? { item } : {}),
      attempt,
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      outDir: this.options.outDir,
      ...(this.provenance ? { run: this.provenance } : {}),
      ...(this.options.budget ? { budget: { runId: this.runId, ...(this.graph.id ? { graphId: this.graph.id } : {}), limits: this.options.budget } } : {}),
    };
  }

  /** An item whose inputs failed upstream: shown as failed (with the cause) so the gap is visible where it lands. */
  private blockItem(plan: NodePlan, item: ItemInfo, error: unknown): Outcome {
    if (error instanceof CancelledError) return this.cancelledUnit(plan, item);
    if (plan.type.estimateUsage) this.options.estimate?.blocked(plan.node.id, item.index, error);
    this.state(plan.node.id).counts.failed += 1;
    this.emitItem(plan, item, 'failed', { error: this.locate(error, plan.node.id, item.index) });
    return { ok: false, error };
  }

  private cancelledUnit(plan: NodePlan, item: ItemInfo | undefined): Outcome {
    if (item) this.emitItem(plan, item, 'cancelled');
    return { ok: false, error: new CancelledError() };
  }

  /** A cached result counts only while every artifact it points at still exists (and, with `fromRun`, when that run produced it). */
  private async cacheLookup(key: string, fromRun: string | undefined): Promise<NodeOutputs | undefined> {
    const entry = await this.services.cache.get(key);
    if (!entry || (fromRun !== undefined && entry.runId !== fromRun)) return undefined;
    for (const handle of collectArtifactHandles(entry.outputs)) {
      if (!(await this.services.artifacts.has(handle.hash))) return undefined;
    }
    return entry.outputs;
  }

  // ---------------------------------------------------------------- results

  private locate(error: unknown, nodeId: string, item?: number): SerializedError {
    const serialized = serializeError(error);
    return { ...serialized, location: { nodeId, ...(item !== undefined ? { item } : {}), ...serialized.location } };
  }

  /**
   * The run's error: the root cause behind the failed sink, where it
   * happened. A node's own error often knows only its line (a parser does not
   * know its node id), so the node is the innermost one the chain of upstream
   * failures names — the node that failed, not the sink that noticed.
   */
  private describeFailure(error: unknown, sinkId: string | undefined): SerializedError {
    let root = error;
    let failedNode = sinkId;
    // A fallback's cause is its last alternative's error; the details (a budget that stopped an earlier, paid one) ride along.
    let details = detailsOf(error);
    for (;;) {
      if (root instanceof ReelgraphError && root.location.nodeId) failedNode = root.location.nodeId;
      if (!(root instanceof UpstreamError) || root.cause === undefined) break;
      root = root.cause;
      details ??= detailsOf(root);
    }
    const serialized = { ...serializeError(root), ...(details ? { details: detailsOf(root) ?? details } : {}) };
    if (serialized.location?.nodeId || failedNode === undefined) return serialized;
    return { ...serialized, location: { nodeId: failedNode, ...serialized.location } };
  }

  private summarise(): NodeSummary[] {
    return this.graph.nodes.filter((node) => this.demanded.has(node.id)).map((node) => {
      const state = this.state(node.id);
      if (state.pending === 0 && state.status === 'queued') {
        state.status = this.controller.signal.aborted ? 'cancelled' : 'skipped';
        this.emit({ type: 'node', runId: this.runId, at: Date.now(), nodeId: node.id, nodeType: node.type, status: state.status });
      }
      const items = { ...state.counts };
      const summary: NodeSummary = { id: node.id, type: node.type, status: state.status, cached: state.status === 'cached', items };
      if (state.startedAt !== undefined && state.finishedAt !== undefined) summary.durationMs = state.finishedAt - state.startedAt;
      if (state.providers.size > 0) summary.providers = Object.fromEntries(state.providers);
      if (state.error !== undefined && (state.status === 'failed' || state.status === 'skipped')) summary.error = this.locate(state.error, node.id);
      return summary;
    });
  }
}

/**
 * What an estimate demands: the paid nodes, except those that are only a
 * fallback's later choice (an estimate counts the first choice).
 */
export function estimateTargets(graph: GraphDocument, services: Pick<EngineServices, 'registry'>): string[] {
  const typeOf = (id: string): NodeType | undefined => {
    const node = graph.nodes.find((n) => n.id === id);
    return node ? (services.registry.get(node.type, node.typeVersion) as NodeType | undefined) : undefined;
  };
  return graph.nodes
    .filter((node) => typeOf(node.id)?.estimateUsage)
    .filter((node) => {
      const uses = graph.edges.filter((edge) => parseRef(edge.from).node === node.id).map((edge) => parseRef(edge.to));
      const laterChoice = (to: Source): boolean => {
        const consumer = typeOf(to.node);
        return consumer?.control === 'fallback' && consumer.inputs.findIndex((port) => port.name === to.port) > 0;
      };
      return uses.length === 0 || !uses.every(laterChoice);
    })
    .map((node) => node.id);
}

/** Input port → file name, for the ports wired straight from a graph input that was given as a file. */
function fileSourcesOf(inputs: Map<string, Source>, given: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!given) return undefined;
  const sources: Record<string, string> = {};
  for (const [port, source] of inputs) {
    const file = source.node === GRAPH_INPUT_NODE ? given[source.port] : undefined;
    if (file !== undefined) sources[port] = file;
  }
  return Object.keys(sources).length > 0 ? sources : undefined;
}

function upstream(source: Source, error: unknown, index?: number): unknown {
  if (error instanceof CancelledError || error instanceof UpstreamError) return error;
  const which = index === undefined ? `node "${source.node}"` : `node "${source.node}" item ${index}`;
  return new UpstreamError(`${which} failed: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
    location: { nodeId: source.node, ...(index !== undefined ? { item: index } : {}) },
  });
}

function allAlternativesFailed(plan: NodePlan, errors: unknown[]): unknown {
  if (errors.length === 1) return errors[0];
  const reasons = errors.map((e, i) => `${i + 1}) ${e instanceof Error ? e.message : String(e)}`).join('; ');
  // The details of the first alternative that has any (a budget that stopped the paid one), not only the last's.
  const details = errors.map(detailsOf).find(Boolean);
  return new UpstreamError(`all ${errors.length} alternatives failed: ${reasons}`, { cause: errors[errors.length - 1], location: { nodeId: plan.node.id }, ...(details ? { details } : {}) });
}

/** A single value feeding a list port arrives as a one-element list (see `checkCompatibility`). */
function fitToPort(port: PortSpec, value: unknown): unknown {
  return port.list && value !== undefined && !Array.isArray(value) ? [value] : value;
}

/**
 * Every declared output must be present and match its port type. Provider
 * garbage stops here, named by node, port and item, instead of travelling on.
 */
function checkOutputs(plan: NodePlan, outputs: NodeOutputs, index: number | undefined): void {
  const location = { nodeId: plan.node.id, ...(index !== undefined ? { item: index } : {}) };
  if (typeof outputs !== 'object' || outputs === null) {
    throw new PermanentError(`node "${plan.node.id}" returned ${outputs === null ? 'null' : typeof outputs} instead of an outputs object`, { location });
  }
  for (const port of plan.type.outputs) {
    const value = outputs[port.name];
    if (value === undefined) {
      if (port.optional) continue;
      throw new PermanentError(`node "${plan.node.id}" did not produce output "${port.name}"`, { location: { ...location, port: port.name } });
    }
    // A mapped node returns one element per item; the list is assembled by the runtime.
    const asList = port.list && !plan.type.mapOver;
    const issues = checkPortValue({ type: port.type, list: asList }, value);
    if (issues.length > 0) {
      const detail = issues.slice(0, 3).map((i) => `${i.pointer || '/'} ${i.message}`).join('; ');
      throw new PermanentError(`node "${plan.node.id}" output "${port.name}" is not a valid ${formatPortType({ type: port.type, list: asList })}: ${detail}`, {
        location: { ...location, port: port.name },
      });
    }
  }
}

const sourceKey = (source: Source): string => `${source.node}\u0000${source.port}`;
