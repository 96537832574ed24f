/**
 * The in-process budget ledger: every run of one process shares its
 * counters (embedded mode). A daily counter starts from what the records say
 * was already spent today (`seed`), so the budget of a graph still holds
 * across `reelgraph run` invocations; the check and the hold happen in one
 * synchronous step, so concurrent items cannot both slip under a limit.
 */
import { BudgetExceededError, type BudgetCounter, type BudgetLedger, type BudgetSeed } from '../contract/budget.js';

/** Floating sums of cents drift; a request that fits to the micro-dollar fits. */
const EPSILON_USD = 1e-9;

export class InProcessBudgetLedger implements BudgetLedger {
  private readonly counters = new Map<string, number>();
  private readonly seeding = new Map<string, Promise<void>>();

  constructor(private readonly seed?: BudgetSeed) {}

  async reserve(counters: readonly BudgetCounter[], usd: number, request: string): Promise<void> {
    await this.seeded(counters);
    for (const counter of counters) {
      const spent = this.counters.get(counter.key) ?? 0;
      if (spent + usd > counter.limitUsd + EPSILON_USD) throw new BudgetExceededError(counter.name, counter.kind, counter.limitUsd, spent, usd, request);
    }
    for (const counter of counters) this.counters.set(counter.key, (this.counters.get(counter.key) ?? 0) + usd);
  }

  async adjust(counters: readonly BudgetCounter[], usd: number): Promise<void> {
    await this.seeded(counters);
    for (const counter of counters) this.counters.set(counter.key, (this.counters.get(counter.key) ?? 0) + usd);
  }

  async spent(counter: BudgetCounter): Promise<number> {
    await this.seeded([counter]);
    return this.counters.get(counter.key) ?? 0;
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
