/**
 * The embedded engine: runs graphs in this process under per-resource
 * concurrency limits shared by all its runs. Queue mode (BullMQ) will keep
 * the same semantics; this is the reference implementation.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { GraphValidationError, ReelgraphError } from '../contract/errors.js';
import type { GraphProblem } from '../contract/errors.js';
import type { Priority } from '../contract/events.js';
import type { GraphDocument } from '../contract/graph.js';
import type { CredentialsLookup, NodeType } from '../contract/node.js';
import type { RateLimiter } from '../contract/rate-limit.js';
import { runBudgetCounters, type BudgetLedger, type BudgetLimits } from '../contract/budget.js';
import { formatPortType } from '../contract/ports.js';
import { checkPortValue } from '../contract/port-value.js';
import type { ArtifactStore } from '../contract/artifacts.js';
import type { NodeRegistry } from '../contract/registry.js';
import { validateGraph } from '../contract/validate.js';
import { applyGraphSettings } from '../contract/graph-settings.js';
import { EventBus } from './bus.js';
import type { CacheStore } from './cache.js';
import type { ItemPinSource } from './item-pins.js';
import { EnvCredentials } from './credentials.js';
import { ResourcePool, type ResourceLimits } from './pool.js';
import { InProcessRateLimiter } from './rate-limiter.js';
import { InProcessBudgetLedger } from './budget-ledger.js';
import { EstimateTally, type RunEstimate } from './estimate.js';
import { LocalDispatcher } from './local-dispatcher.js';
import { ReviewDesk } from './review-desk.js';
import { MemoryReviewRecords } from '../store/review-tables.js';
import type { UnitDispatcher } from './unit.js';
import { sleep as realSleep, type Sleep } from './retry.js';
import { estimateTargets, RunExecution, type RunResult, type RunScope } from './run.js';
import type { EngineServices } from './services.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export type { EngineServices };

export interface EngineOptions {
  registry: NodeRegistry<NodeType>;
  artifacts: ArtifactStore;
  cache: CacheStore;
  /** Root for scratch directories. */
  dataDir: string;
  limits?: Partial<ResourceLimits>;
  credentials?: CredentialsLookup;
  rateLimiter?: RateLimiter;
  /**
   * Spend counters the budgets are enforced with. Default: this process's
   * (in memory, daily ones starting at zero). Queue workers keep their own,
   * shared in Redis.
   */
  budgets?: BudgetLedger;
  /** Each provider's spend per UTC day over every run, in USD (REELGRAPH_BUDGET_PROVIDERS). */
  providerBudgetsUsdPerDay?: Record<string, number>;
  logger?: Logger;
  /**
   * Where units execute. Default: this process, under `limits`. Queue mode
   * passes a dispatcher that sends units to workers over Redis.
   */
  dispatcher?: UnitDispatcher;
  /** Injectable for tests: how retries wait, and the jitter source. */
  sleep?: Sleep;
  random?: () => number;
  /**
   * Where review gates keep their records and wait for decisions. Default:
   * in memory (a gate then cannot outlive this process); a workspace passes
   * one on its SQLite store.
   */
  reviews?: ReviewDesk;
  /**
   * Item pins by graph id (runtime/contract/item-pins.ts): locked items are
   * reused and never executed, takes enter cache keys. Default: none.
   */
  pins?: ItemPinSource;
}

export interface StartOptions {
  runId?: string;
  inputs?: Record<string, unknown>;
  outDir: string;
  noCache?: boolean;
  priority?: Priority;
  signal?: AbortSignal;
  /** File names of graph inputs given as files (`-i episode=@ep.md`), by input name: errors can then name the file. */
  inputSources?: Record<string, string>;
  /** When the run first started (a run resumed after a restart); its duration counts from there. Default now. */
  startedAt?: number;
  /** The stored version of the graph the run was started from (its recipe names it). */
  graphVersion?: number;
  /** Run only this node and its ancestors (cache hits reused as usual), nothing downstream; the run's outputs are this node's. */
  until?: string;
  /**
   * Execute only this node, with its inputs from the cached results of its
   * ancestors (what the last run with these inputs produced); an ancestor
   * missing from the cache fails the run, naming it, and nothing upstream is
   * executed. `noCache` then applies to this node alone.
   */
  only?: string;
  /**
   * This run's budget in USD at list price: a paid request that would take
   * the run past it is not sent, and its item fails naming the budget.
   */
  budgetUsd?: number;
}

/** What an estimate takes: a run's inputs, without what only a run has. */
export type EstimateOptions = Pick<StartOptions, 'inputs' | 'noCache' | 'signal' | 'inputSources' | 'until' | 'only'> & { outDir?: string };

export interface PreparedRun {
  runId: string;
  /** The inputs the run will see: given values plus defaults, checked against their types. */
  inputs: Record<string, unknown>;
  start(): RunHandle;
}

export interface RunHandle {
  runId: string;
  result: Promise<RunResult>;
  cancel(): void;
}

export class InvalidRunInputError extends ReelgraphError {
  constructor(readonly problems: GraphProblem[]) {
    super('INVALID_INPUT', `invalid run inputs:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`, { retryable: false });
  }
}

/** `until` / `only` name a node the graph does not have (or both are given): refused before anything runs. */
export class InvalidRunScopeError extends InvalidRunInputError {
  constructor(problem: GraphProblem) {
    super([problem]);
  }
}

/** The partial run `until` / `only` ask for, checked against the graph. */
export function runScopeOf(graph: GraphDocument, options: Pick<StartOptions, 'until' | 'only'>): RunScope | undefined {
  const { until, only } = options;
  if (until !== undefined && only !== undefined) {
    throw new InvalidRunScopeError({ path: '/only', code: 'CONFLICTING_SCOPE', message: `give "until" or "only", not both (until "${until}", only "${only}")` });
  }
  const target = until ?? only;
  if (target === undefined) return undefined;
  const mode = until !== undefined ? 'until' : 'only';
  if (!graph.nodes.some((node) => node.id === target)) {
    const known = graph.nodes.map((node) => node.id);
    const listed = known.length > 20 ? `${known.slice(0, 20).join(', ')}, …` : known.join(', ');
    throw new InvalidRunScopeError({ path: `/${mode}`, nodeId: target, code: 'UNKNOWN_NODE', message: `the graph has no node "${target}" (nodes: ${listed || 'none'})` });
  }
  return { mode, target };
}

export class Engine {
  readonly services: EngineServices;
  private readonly providerBudgets: Record<string, number> | undefined;
  private readonly budgets: BudgetLedger;
  private readonly running = new Map<string, RunExecution>();

  constructor(options: EngineOptions) {
    const logger = options.logger ?? pino({ level: process.env.REELGRAPH_LOG_LEVEL ?? 'warn' }, pino.destination(2));
    const credentials = options.credentials ?? new EnvCredentials(options.registry.list());
    const rateLimiter = options.rateLimiter ?? new InProcessRateLimiter();
    const budgets = options.budgets ?? new InProcessBudgetLedger();
    const unitServices = { artifacts: options.artifacts, credentials, rateLimiter, dataDir: options.dataDir, logger, partCache: options.cache, budgets };
    this.providerBudgets = options.providerBudgetsUsdPerDay;
    this.budgets = budgets;
    this.services = {
      registry: options.registry,
      artifacts: options.artifacts,
      cache: options.cache,
      dataDir: options.dataDir,
      dispatcher: options.dispatcher ?? new LocalDispatcher(options.registry, new ResourcePool(options.limits), unitServices),
      bus: new EventBus((error) => logger.error({ err: error }, 'event listener failed')),
      credentials,
      rateLimiter,
      logger,
      sleep: options.sleep ?? realSleep,
      random: options.random ?? Math.random,
      reviews: options.reviews ?? new ReviewDesk(new MemoryReviewRecords()),
      ...(options.pins ? { pins: options.pins } : {}),
    };
  }

  get events(): EventBus {
    return this.services.bus;
  }

  /**
   * Validate the graph and the inputs and fix the run id, without starting:
   * the caller can record the run and subscribe to its events first, so not
   * even the first event is missed. Throws when the graph or inputs are invalid.
   * The graph's settings (e.g. its render profile) are written into the nodes
   * they fill here, before the run plans params and cache keys.
   */
  prepare(document: GraphDocument, options: StartOptions): PreparedRun {
    const graph = this.validated(document);
    const scope = runScopeOf(graph, options);
    const inputs = resolveInputs(graph, options.inputs ?? {});
    const runId = options.runId ?? randomUUID();
    return {
      runId,
      inputs,
      start: () => {
        const limits = budgetLimits(options.budgetUsd, graph.settings?.budgetUsdPerDay, this.providerBudgets);
        const primeBudgets = (): Promise<void> => this.primeBudgets(runId, graph.id, limits.budget);
        const execution = new RunExecution(graph, this.services, {
          runId,
          primeBudgets,
          inputs,
          outDir: options.outDir,
          noCache: options.noCache ?? false,
          priority: options.priority ?? 'normal',
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.inputSources ? { inputSources: options.inputSources } : {}),
          ...(options.startedAt !== undefined ? { startedAt: options.startedAt } : {}),
          ...(options.graphVersion !== undefined ? { graphVersion: options.graphVersion } : {}),
          ...(scope ? { scope } : {}),
          ...limits,
        });
        this.running.set(runId, execution);
        const result = primeBudgets()
          .then(() => execution.execute())
          .finally(() => this.running.delete(runId));
        return { runId, result, cancel: () => execution.cancel() };
      },
    };
  }

  /**
   * What a run with these inputs would bill, per paid node and in total,
   * calling no provider (see estimate.ts). An estimate is not a run: its
   * events reach no listener and nothing records it.
   */
  async estimate(document: GraphDocument, options: EstimateOptions = {}): Promise<RunEstimate> {
    const graph = this.validated(document);
    const inputs = resolveInputs(graph, options.inputs ?? {});
    // A partial run is priced as it would run: only what `until` needs, or `only` its one node.
    const scope = runScopeOf(graph, options);
    const runId = `estimate-${randomUUID()}`;
    const tally = new EstimateTally();
    const bus = new EventBus((error) => this.services.logger.error({ err: error }, 'event listener failed'));
    const execution = new RunExecution(graph, { ...this.services, bus }, {
      runId,
      inputs,
      outDir: options.outDir ?? join(this.services.dataDir, 'tmp', runId),
      noCache: options.noCache ?? false,
      priority: 'normal',
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.inputSources ? { inputSources: options.inputSources } : {}),
      estimate: tally,
      ...(scope ? { scope } : {}),
    });
    const result = await execution.execute();
    const targets = new Set(estimateTargets(graph, this.services));
    const ran = new Set(result.nodes.map((node) => node.id));
    const paid = graph.nodes.filter((node) => targets.has(node.id) && ran.has(node.id));
    const estimate = tally.result(paid, result.nodes);
    // A node's own failure (a script that does not parse) is the estimate's error; paid results left out are not failures.
    const failed = result.nodes.find((node) => node.status === 'failed' && node.error && !['UPSTREAM', 'ESTIMATE_ONLY'].includes(node.error.code));
    if (failed?.error) estimate.error = `node "${failed.id}": ${failed.error.message}`;
    else if (result.status === 'cancelled') estimate.error = 'cancelled';
    return estimate;
  }

  /** The graph checked against the registry, with its settings filled into its nodes' params; a broken graph throws, naming each problem. */
  private validated(document: GraphDocument): GraphDocument {
    const problems = validateGraph(document, this.services.registry);
    if (problems.length > 0) throw new GraphValidationError(problems);
    return applyGraphSettings(document, this.services.registry);
  }

  /** Validate, then start at once. */
  start(graph: GraphDocument, options: StartOptions): RunHandle {
    return this.prepare(graph, options).start();
  }

  cancel(runId: string): boolean {
    const execution = this.running.get(runId);
    execution?.cancel();
    return execution !== undefined;
  }

  /** Waits for nothing: runs in flight keep going. Releases the dispatcher's connections. */
  async close(): Promise<void> {
    await this.services.dispatcher.close?.();
  }

  /**
   * Starts the run's counters from the records where the ledger needs it
   * (queue mode: workers have no records): when the run starts, and again
   * when a reservation finds one missing (Redis restarted under the run). A ledger that cannot be primed
   * leaves reservations to fail on their own, closed, as they do when it is
   * unreachable; the run is not refused for it.
   */
  private async primeBudgets(runId: string, graphId: string | undefined, limits: BudgetLimits | undefined): Promise<void> {
    const ledger = this.budgets;
    if (!limits || !ledger.prime) return;
    try {
      const scope = { runId, ...(graphId !== undefined ? { graphId } : {}), limits };
      // Tomorrow's daily counters too: a run still going at midnight (UTC) reserves against them.
      const now = Date.now();
      const counters = new Map([now, now + DAY_MS].flatMap((at) => runBudgetCounters(scope, at)).map((counter) => [counter.key, counter]));
      await ledger.prime([...counters.values()]);
    } catch (error) {
      this.services.logger.warn({ err: error, runId }, 'could not start the budget counters from the run records');
    }
  }

  /** Convenience: start and wait. */
  run(graph: GraphDocument, options: StartOptions): Promise<RunResult> {
    return this.start(graph, options).result;
  }
}

/** The run's budgets, or nothing when none applies. */
function budgetLimits(runUsd: number | undefined, graphUsdPerDay: number | undefined, providerUsdPerDay: Record<string, number> | undefined): { budget?: BudgetLimits } {
  const limits: BudgetLimits = {
    ...(runUsd !== undefined ? { runUsd } : {}),
    ...(graphUsdPerDay !== undefined ? { graphUsdPerDay } : {}),
    ...(providerUsdPerDay && Object.keys(providerUsdPerDay).length > 0 ? { providerUsdPerDay } : {}),
  };
  return Object.keys(limits).length > 0 ? { budget: limits } : {};
}

/** Apply defaults, require required inputs, reject unknown ones, and check every value against its port type. */
export function resolveInputs(graph: GraphDocument, given: Record<string, unknown>): Record<string, unknown> {
  const problems: GraphProblem[] = [];
  const declared = graph.inputs ?? {};
  const resolved: Record<string, unknown> = {};
  for (const name of Object.keys(given)) {
    if (!(name in declared)) {
      problems.push({ path: `/inputs/${name}`, code: 'UNKNOWN_INPUT', message: `the graph has no input "${name}" (inputs: ${Object.keys(declared).join(', ') || 'none'})` });
    }
  }
  for (const [name, spec] of Object.entries(declared)) {
    const value = given[name] ?? spec.default;
    if (value === undefined) {
      if (spec.required !== false) problems.push({ path: `/inputs/${name}`, code: 'MISSING_INPUT', message: `input "${name}" (${formatPortType(spec)}) is required` });
      continue;
    }
    for (const issue of checkPortValue(spec, value)) {
      problems.push({ path: `/inputs/${name}${issue.pointer}`, code: 'INVALID_INPUT', message: `input "${name}" ${issue.message}` });
    }
    resolved[name] = value;
  }
  if (problems.length > 0) throw new InvalidRunInputError(problems);
  return resolved;
}
