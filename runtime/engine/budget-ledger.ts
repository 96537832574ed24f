/**
 * The in-process budget ledger: every run of one process shares its
 * counters (embedded mode). A daily counter starts from what the records say
 * was already spent today (`seed`), so the budget of a graph still holds
 * across `reelgraph run` invocations; the check and the hold happen in one
 * synchronous step, so concurrent items cannot both slip under a limit.
 *
 * A long-lived server would otherwise keep one counter per run forever:
 * counters of past days are dropped (no reservation counts against a past
 * day), and, when the records can restore them, counters idle for a day.
 */
import { BudgetExceededError, budgetDay, type BudgetCounter, type BudgetLedger, type BudgetSeed } from '../contract/budget.js';

/** Floating sums of cents drift; a request that fits to the micro-dollar fits. */
const EPSILON_USD = 1e-9;

const HOUR_MS = 60 * 60 * 1000;

export interface InProcessBudgetLedgerOptions {
  /** The clock counters age by (tests). Default `Date.now`. */
  now?: () => number;
  /** How long a counter may go unused before it is dropped, when the records can restore it. Default a day. */
  idleMs?: number;
}

export class InProcessBudgetLedger implements BudgetLedger {
  private readonly counters = new Map<string, number>();
  private readonly seeding = new Map<string, Promise<void>>();
  /** When each counter was last used, and its day when it is a daily one. */
  private readonly used = new Map<string, { at: number; day: string | undefined }>();
  private readonly now: () => number;
  private readonly idleMs: number;
  private prunedAt: number;

  constructor(
    private readonly seed?: BudgetSeed,
    options: InProcessBudgetLedgerOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.idleMs = options.idleMs ?? 24 * HOUR_MS;
    this.prunedAt = this.now();
  }

  /** How many counters the ledger holds (diagnostics). */
  get size(): number {
    return this.counters.size;
  }

  async reserve(counters: readonly BudgetCounter[], usd: number, request: string): Promise<void> {
    this.prune();
    await this.seeded(counters);
    this.touch(counters);
    for (const counter of counters) {
      const spent = this.counters.get(counter.key) ?? 0;
      if (spent + usd > counter.limitUsd + EPSILON_USD) throw new BudgetExceededError(counter.name, counter.kind, counter.limitUsd, spent, usd, request);
    }
    for (const counter of counters) this.counters.set(counter.key, (this.counters.get(counter.key) ?? 0) + usd);
  }

  async adjust(counters: readonly BudgetCounter[], usd: number): Promise<void> {
    await this.seeded(counters);
    this.touch(counters);
    for (const counter of counters) this.counters.set(counter.key, (this.counters.get(counter.key) ?? 0) + usd);
  }

  async spent(counter: BudgetCounter): Promise<number> {
    await this.seeded([counter]);
    this.touch([counter]);
    return this.counters.get(counter.key) ?? 0;
  }

  private touch(counters: readonly BudgetCounter[]): void {
    const at = this.now();
    for (const counter of counters) this.used.set(counter.key, { at, day: counter.day });
  }

  /**
   * At most hourly: drops counters of days before today, and counters idle
   * longer than `idleMs` when a seed can restore them from the records
   * (without one, the ledger is their only copy).
   */
  private prune(): void {
    const now = this.now();
    if (now - this.prunedAt < HOUR_MS) return;
    this.prunedAt = now;
    const today = budgetDay(now);
    for (const [key, { at, day }] of this.used) {
      const pastDay = day !== undefined && day < today;
      const idle = this.seed !== undefined && now - at > this.idleMs;
      if (!pastDay && !idle) continue;
      this.counters.delete(key);
      this.seeding.delete(key);
      this.used.delete(key);
    }
  }

  /** Each counter starts from the records once: today's spend of a graph or provider, and what a resumed run spent before a restart. */
  private async seeded(counters: readonly BudgetCounter[]): Promise<void> {
    const seed = this.seed;
    if (!seed) return;
    await Promise.all(
      counters
        .filter((counter) => !this.counters.has(counter.key))
        .map((counter) => {
          let pending = this.seeding.get(counter.key);
          if (!pending) {
            pending = seed(counter).then(
              (usd) => {
                this.counters.set(counter.key, (this.counters.get(counter.key) ?? 0) + usd);
              },
              (error: unknown) => {
                // Not knowing today's spend is no reason to guess it: this reservation fails, the next one asks again.
                this.seeding.delete(counter.key);
                throw error;
              },
            );
            this.seeding.set(counter.key, pending);
          }
          return pending;
        }),
    );
  }
}
