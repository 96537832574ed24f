/**
 * Spending budgets, in US dollars at list price (runtime/observability/prices.ts).
 *
 * A paid node calls `ctx.reserve(usage)` with what its next request will
 * use, before sending it; the reservation is held against every budget that
 * applies (the run's, its graph's today, the provider's today) and fails —
 * the request is never sent — when it would take one past its limit. The
 * usage the provider then reports replaces the hold; a request that reported
 * nothing releases it when its unit ends.
 *
 * Counters live in a `BudgetLedger`: one process keeps them in memory
 * (embedded mode, seeded from the store's records of today's runs), workers
 * share them in Redis (queue mode).
 */
import { PermanentError, ReelgraphError } from './errors.js';
import type { ErrorLocation } from './errors.js';

/** The limits one run is under; plain data, so it travels with each unit to queue workers. */
export interface BudgetLimits {
  /** This run's spend (`reelgraph run --budget-usd`, `budgetUsd` over the API). */
  runUsd?: number;
  /** The graph's spend per UTC day, over all its runs (graph setting `budgetUsdPerDay`). */
  graphUsdPerDay?: number;
  /** Each provider's spend per UTC day, over every run (REELGRAPH_BUDGET_PROVIDERS, e.g. `runway=20,elevenlabs=5`). */
  providerUsdPerDay?: Record<string, number>;
}

/** Which run a reservation belongs to, and the limits it is under. */
export interface BudgetScope {
  runId: string;
  /** The stored graph's id; a graph without one has no daily graph budget. */
  graphId?: string;
  limits: BudgetLimits;
}

export type BudgetKind = 'run' | 'graph-day' | 'provider-day';

/** One counter a reservation is held against. */
export interface BudgetCounter {
  kind: BudgetKind;
  /** The ledger's key: `run:<id>`, `graph:<id>:<day>`, `provider:<id>:<day>`. */
  key: string;
  /** What the budget is called in messages: `run budget`, `daily budget of provider "runway"`. */
  name: string;
  limitUsd: number;
  /** For daily counters: the UTC day, so a ledger can seed today's spend from the records. */
  day?: string;
  /** The run, graph or provider id the counter is about. */
  subject?: string;
}

/** A counter's spend before a ledger counted anything (from the run records), in USD. */
export type BudgetSeed = (counter: BudgetCounter) => Promise<number>;

export interface BudgetLedger {
  /**
   * Adds `usd` to every counter when each stays within its limit, and to
   * none otherwise: throws a BudgetExceededError naming the first one crossed.
   */
  reserve(counters: readonly BudgetCounter[], usd: number, request: string): Promise<void>;
  /** Adds `usd` (negative: gives back) to every counter, whatever the limits: spend already made. */
  adjust(counters: readonly BudgetCounter[], usd: number): Promise<void>;
  /** What a counter holds now (spent plus held). */
  spent(counter: BudgetCounter): Promise<number>;
  /**
   * Starts each counter the ledger does not hold yet from the records, before
   * a run reserves against it. A ledger that seeds lazily needs no priming;
   * one shared with workers that have no records (Redis) does.
   */
  prime?(counters: readonly BudgetCounter[]): Promise<void>;
  close?(): Promise<void>;
}

/**
 * A paid request was not sent: it would have taken a budget past its limit.
 * Permanent: retrying cannot help until the budget is raised (or, for a daily
 * one, tomorrow), so a fallback chain moves on to its next provider.
 */
export class BudgetExceededError extends PermanentError {
  constructor(
    readonly budget: string,
    readonly kind: BudgetKind,
    readonly limitUsd: number,
    readonly spentUsd: number,
    readonly requestUsd: number,
    request: string,
    location: ErrorLocation = {},
  ) {
    super(
      `${budget} of ${usd(limitUsd)} would be exceeded: ${usd(spentUsd)} spent or held, and ${request} would cost ${usd(requestUsd)}; the request was not sent`,
      { location, details: { budget: { budget, kind, limitUsd, spentUsd, requestUsd, request } } },
    );
  }
}

/**
 * A shared ledger (Redis) no longer holds a counter a request must reserve
 * against: Redis restarted and kept nothing, or the counter expired. Counting
 * it from zero would let spending already made pass again, so the request is
 * not sent; the run starts the counter again from its records and retries.
 */
export class BudgetUnprimedError extends ReelgraphError {
  constructor(readonly counter: Pick<BudgetCounter, 'name' | 'key'>) {
    super('BUDGET_UNPRIMED', `the ${counter.name} is not in the shared budget ledger (Redis restarted or lost it); the request was not sent and waits for it to be counted again from the run records`, {
      retryable: true,
    });
  }
}

/** Dollars as a producer reads them: cents, or more digits for fractions of a cent. */
export function usd(amount: number): string {
  if (amount !== 0 && Math.abs(amount) < 0.01) return `$${amount.toPrecision(2)}`;
  return `$${amount.toFixed(2)}`;
}

/** The UTC day of a time, as daily budgets count it. */
export function budgetDay(at: number): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** The counters a reservation of this provider's usage is held against, under these limits, on this day. */
export function budgetCounters(scope: BudgetScope, provider: string, at: number): BudgetCounter[] {
  return countersFor(scope, [provider], at);
}

/** Every counter a run under this scope may reserve against on this day: the run's, its graph's, each budgeted provider's. */
export function runBudgetCounters(scope: BudgetScope, at: number): BudgetCounter[] {
  return countersFor(scope, Object.keys(scope.limits.providerUsdPerDay ?? {}), at);
}

function countersFor(scope: BudgetScope, providers: readonly string[], at: number): BudgetCounter[] {
  const { limits } = scope;
  const day = budgetDay(at);
  const counters: BudgetCounter[] = [];
  if (limits.runUsd !== undefined) counters.push({ kind: 'run', key: `run:${scope.runId}`, name: 'run budget', limitUsd: limits.runUsd, subject: scope.runId });
  if (limits.graphUsdPerDay !== undefined && scope.graphId !== undefined) {
    counters.push({ kind: 'graph-day', key: `graph:${scope.graphId}:${day}`, name: `daily budget of graph "${scope.graphId}"`, limitUsd: limits.graphUsdPerDay, day, subject: scope.graphId });
  }
  for (const provider of providers) {
    const perProvider = limits.providerUsdPerDay?.[provider];
    if (perProvider === undefined) continue;
    counters.push({ kind: 'provider-day', key: `provider:${provider}:${day}`, name: `daily budget of provider "${provider}"`, limitUsd: perProvider, day, subject: provider });
  }
  return counters;
}

/** `runway=20,elevenlabs=5` → `{ runway: 20, elevenlabs: 5 }`; throws naming the bad entry. */
export function parseProviderBudgets(text: string, source = 'REELGRAPH_BUDGET_PROVIDERS'): Record<string, number> {
  const budgets: Record<string, number> = {};
  for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = /^([^=\s]+)\s*=\s*(\S+)$/.exec(entry);
    const amount = match ? Number(match[2]) : NaN;
    if (!match || !Number.isFinite(amount) || amount < 0) throw new Error(`${source}: "${entry}" is not provider=usd (e.g. runway=20)`);
    budgets[match[1] as string] = amount;
  }
  return budgets;
}
