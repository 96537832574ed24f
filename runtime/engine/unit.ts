/**
 * One unit of work — a node, or one item of a mapped node — as plain data,
 * and the one function that executes it. The embedded engine calls
 * `executeUnit` in its own process; a queue worker calls the same function
 * for a job it took from Redis, so both modes run a node identically: same
 * context, timeout, cancellation, scratch directories and events.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ArtifactStore } from '../contract/artifacts.js';
import { CancelledError, TimeoutError } from '../contract/errors.js';
import type { Priority, ReelgraphEvent } from '../contract/events.js';
import type { CredentialsLookup, ItemInfo, NodeContext, NodeLogger, NodeOutputs, NodeType, ProviderUsage, ResourceClass } from '../contract/node.js';
import type { RateLimiter } from '../contract/rate-limit.js';
import { budgetCounters, type BudgetLedger, type BudgetScope } from '../contract/budget.js';
import { estimateCost } from '../observability/prices.js';
import type { RunProvenance } from '../contract/provenance.js';
import { cacheKey, type CacheStore } from './cache.js';
import { hashJson } from './hash.js';

/** Everything a unit needs besides the services of the process executing it. JSON-serialisable. */
export interface UnitRequest {
  runId: string;
  nodeId: string;
  nodeType: string;
  typeVersion: number;
  resource: ResourceClass;
  priority: Priority;
  /** Validated, defaults applied. */
  params: Record<string, unknown>;
  inputs: Record<string, unknown>;
  /** File names of inputs given as files, by input port (see `NodeContext.inputSources`). */
  inputSources?: Record<string, string>;
  item?: ItemInfo;
  attempt: number;
  timeoutMs?: number;
  outDir: string;
  /** The budgets this run is under; absent, reservations hold nothing. */
  budget?: BudgetScope;
  /** The run's recipe (`NodeContext.run`). */
  run?: RunProvenance;
}

/** What the caller learns while a unit runs. */
export interface UnitHooks {
  /** Aborts the unit (run cancelled). */
  signal: AbortSignal;
  /** Called once, when the unit leaves the queue and starts executing. */
  onStart(): void;
  /** Progress, log and usage events the node reports. */
  emit(event: ReelgraphEvent): void;
}

/** Runs units somewhere: in this process (embedded) or on queue workers. */
export interface UnitDispatcher {
  dispatch(request: UnitRequest, hooks: UnitHooks): Promise<NodeOutputs>;
  close?(): Promise<void>;
}

/** The services of the process that executes units. */
export interface UnitServices {
  artifacts: ArtifactStore;
  credentials: CredentialsLookup;
  rateLimiter: RateLimiter;
  /** Root for scratch directories. */
  dataDir: string;
  logger: Logger;
  /** Where units keep the results of their parts (`NodeContext.parts`); without it they keep none. */
  partCache?: CacheStore;
  /** Shared spend counters (`NodeContext.reserve`); without them no budget is enforced. */
  budgets?: BudgetLedger;
}

/** A node type's view of the part cache: keys are hashed with its type, version and identity, so no two node types share an entry. */
function partsOf(cache: CacheStore, type: NodeType, request: UnitRequest): NodeContext['parts'] {
  const keyOf = (key: unknown): string =>
    cacheKey({ type: type.type, typeVersion: type.version, view: hashJson({ part: key }), identity: `part:${type.cacheIdentity?.(request.params) ?? ''}` });
  return {
    get: async (key) => (await cache.get(keyOf(key)))?.outputs,
    put: (key, outputs) => cache.put({ key: keyOf(key), nodeType: type.type, typeVersion: type.version, outputs, runId: request.runId, createdAt: Date.now() }),
  };
}

const PROGRESS_INTERVAL_MS = 100;
/** Aborts whatever a finished execute left running; shared because building an Error per unit shows up in profiles. */
const EXECUTION_FINISHED = new CancelledError('execution finished');

/** Call execute under the unit's timeout and the caller's cancellation, with a scratch directory. */
export async function executeUnit(type: NodeType, request: UnitRequest, services: UnitServices, signal: AbortSignal, emit: (event: ReelgraphEvent) => void): Promise<NodeOutputs> {
  const { nodeId, item, runId } = request;
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal.reason ?? new CancelledError());
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const { timeoutMs } = request;
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(
          () => controller.abort(new TimeoutError(`node "${nodeId}" timed out after ${timeoutMs} ms`, { location: { nodeId, ...(item ? { item: item.index } : {}) } })),
          timeoutMs,
        );
  const tempDirs: string[] = [];
  const index = item?.index;
  const spending = spendingOf(request, services.budgets);
  const context: NodeContext = {
    runId,
    nodeId,
    params: request.params,
    inputs: request.inputs,
    ...(request.inputSources ? { inputSources: request.inputSources } : {}),
    ...(item ? { item } : {}),
    ...(request.run ? { run: request.run } : {}),
    attempt: request.attempt,
    artifacts: services.artifacts,
    log: nodeLogger(services.logger, request, emit),
    progress: progressReporter(request, emit),
    usage: (usage) => {
      if (!Number.isFinite(usage.quantity) || usage.quantity <= 0) return;
      spending.spent(usage);
      emit({ type: 'usage', runId, at: Date.now(), nodeId, ...(index !== undefined ? { index } : {}), ...usage });
    },
    reserve: (usage) => spending.reserve(usage),
    signal: controller.signal,
    credentials: services.credentials,
    rateLimiter: services.rateLimiter,
    outDir: request.outDir,
    tempDir: async () => {
      const base = join(services.dataDir, 'tmp');
      await mkdir(base, { recursive: true });
      const dir = await mkdtemp(join(base, `${safeName(nodeId)}-`));
      tempDirs.push(dir);
      return dir;
    },
    ...(services.partCache ? { parts: partsOf(services.partCache, type, request) } : {}),
  };
  const aborted = new Promise<never>((_, reject) => {
    const fail = (): void => reject(controller.signal.reason);
    if (controller.signal.aborted) fail();
    else controller.signal.addEventListener('abort', fail, { once: true });
  });
  try {
    return await Promise.race([type.execute(context), aborted]);
  } finally {
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    controller.abort(EXECUTION_FINISHED);
    await Promise.all([spending.settle(), ...tempDirs.map((dir) => rm(dir, { recursive: true, force: true }))]);
  }
}

interface Spending {
  reserve(usage: ProviderUsage): Promise<void>;
  /** Usage the provider reported: it replaces the oldest hold of that provider. */
  spent(usage: ProviderUsage): void;
  /** Waits for the counters to be updated, and gives back holds no usage replaced (requests that failed before billing). */
  settle(): Promise<void>;
}

interface Hold {
  provider: string;
  counters: ReturnType<typeof budgetCounters>;
  usd: number;
}

/** List price of one usage report; unpriced usage (self-hosted servers) costs nothing here. */
function costOf(usage: ProviderUsage): number {
  return estimateCost([usage]).totalUsd;
}

function describeRequest(usage: ProviderUsage): string {
  return `this request (${usage.quantity} ${usage.unit} of ${usage.provider}${usage.model ? ` ${usage.model}` : ''})`;
}

/** One unit's reservations against the run's budgets, and how reported usage settles them. */
function spendingOf(request: UnitRequest, ledger: BudgetLedger | undefined): Spending {
  const scope = request.budget;
  if (!scope || !ledger) return { reserve: async () => {}, spent: () => {}, settle: async () => {} };
  const holds: Hold[] = [];
  const updates: Promise<void>[] = [];
  return {
    async reserve(usage) {
      const counters = budgetCounters(scope, usage.provider, Date.now());
      if (counters.length === 0) return;
      const usd = costOf(usage);
      await ledger.reserve(counters, usd, describeRequest(usage));
      holds.push({ provider: usage.provider, counters, usd });
    },
    spent(usage) {
      const counters = budgetCounters(scope, usage.provider, Date.now());
      const usd = costOf(usage);
      const at = holds.findIndex((hold) => hold.provider === usage.provider);
      const hold = at >= 0 ? holds.splice(at, 1)[0] : undefined;
      const sameCounters = hold !== undefined && hold.counters.map((c) => c.key).join() === counters.map((c) => c.key).join();
      // One step when it can be: between giving the hold back and adding the spend, another request could slip in.
      if (hold && sameCounters) updates.push(ledger.adjust(counters, usd - hold.usd));
      else {
        if (hold) updates.push(ledger.adjust(hold.counters, -hold.usd));
        if (counters.length > 0) updates.push(ledger.adjust(counters, usd));
      }
    },
    async settle() {
      for (const hold of holds.splice(0)) updates.push(ledger.adjust(hold.counters, -hold.usd));
      // A counter that could not be updated must not fail the unit whose result is already paid for.
      await Promise.allSettled(updates);
    },
  };
}

function safeName(nodeId: string): string {
  return nodeId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
}

function nodeLogger(base: Logger, request: UnitRequest, emit: (event: ReelgraphEvent) => void): NodeLogger {
  const { runId, nodeId } = request;
  const index = request.item?.index;
  // Created on first use: most units never log, and a pino child per unit is not free.
  let logger: Logger | undefined;
  const at = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, data?: Record<string, unknown>) => {
    logger ??= base.child({ runId, nodeId, ...(index !== undefined ? { item: index } : {}) });
    logger[level](data ?? {}, message);
    if (level !== 'debug') emit({ type: 'log', runId, at: Date.now(), nodeId, level, message, ...(index !== undefined ? { index } : {}), ...(data ? { data } : {}) });
  };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Progress events, at most one per interval per unit (plus completion), so a chatty node cannot flood listeners. */
function progressReporter(request: UnitRequest, emit: (event: ReelgraphEvent) => void): (fraction: number, message?: string) => void {
  const { runId, nodeId } = request;
  const index = request.item?.index;
  let last = 0;
  return (fraction, message) => {
    const now = Date.now();
    const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
    if (clamped < 1 && now - last < PROGRESS_INTERVAL_MS) return;
    last = now;
    emit({ type: 'progress', runId, at: now, nodeId, fraction: clamped, ...(index !== undefined ? { index } : {}), ...(message ? { message } : {}) });
  };
}
