/**
 * The budget ledger of queue mode: the in-process ledger's semantics
 * (check every counter, then hold on all or none) in Redis, so every worker
 * of the cluster shares the run, graph and provider budgets. Each step is one
 * Lua script, so two workers cannot both slip under a limit.
 *
 * Amounts are whole micro-dollars (INCRBY is exact; floats drift). Keys are
 * `<prefix><counter key>`; daily and run counters expire two days after their
 * last change. Workers have no run records, so they cannot start a counter
 * from them; the orchestrator, which has them, primes a run's counters when
 * the run starts (`prime`, with `seed`): a counter Redis lacks (the day's
 * first run in queue mode, or a Redis restarted, which keeps nothing) starts
 * from what the records say was spent, and one it holds is left alone. A
 * counter that goes missing while a run is under way (Redis restarted) is not
 * counted again from zero: reserving against it fails (BudgetUnprimedError)
 * until the run primes it again from the records.
 *
 * The caller owns the ioredis client.
 */
import type { Redis } from 'ioredis';
import { BudgetExceededError, BudgetUnprimedError, type BudgetCounter, type BudgetLedger, type BudgetSeed } from '../contract/budget.js';

const TTL_SECONDS = 2 * 24 * 60 * 60;
const MICRO = 1_000_000;

/**
 * KEYS: counters; ARGV: amount, ttl, then each counter's limit. → {1} held
 * on all, {0, index (1-based), used} for the first it would cross, or
 * {2, index} for the first Redis does not hold (see BudgetUnprimedError).
 */
const RESERVE = `
local amount = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local held = redis.call('GET', key)
  if not held then return {2, i} end
  local used = tonumber(held)
  if used + amount > tonumber(ARGV[i + 2]) then return {0, i, used} end
end
for _, key in ipairs(KEYS) do
  redis.call('INCRBY', key, amount)
  redis.call('EXPIRE', key, ARGV[2])
end
return {1}`;

/** KEYS: counters; ARGV: amount (may be negative), ttl. A counter Redis lost stays lost: created here it would count from zero, so the next reservation waits for the records instead. */
const ADJUST = `
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('INCRBY', key, ARGV[1])
    redis.call('EXPIRE', key, ARGV[2])
  end
end
return 1`;

/** KEYS: one counter; ARGV: its spend from the records, ttl. Sets it only where Redis has none: counting always wins over the records. */
const PRIME = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 1 end
return 0`;

export interface RedisBudgetLedgerOptions {
  /** Prepended to every key. Default `reelgraph:budget:`. */
  prefix?: string;
  /** A counter's spend from the run records, for `prime` (the orchestrator has them; workers do not). */
  seed?: BudgetSeed;
}

export class RedisBudgetLedger implements BudgetLedger {
  private readonly prefix: string;
  private readonly seed: BudgetSeed | undefined;

  constructor(
    private readonly redis: Redis,
    options: RedisBudgetLedgerOptions = {},
  ) {
    this.prefix = options.prefix ?? 'reelgraph:budget:';
    this.seed = options.seed;
  }

  async prime(counters: readonly BudgetCounter[]): Promise<void> {
    for (const counter of counters) {
      const key = this.prefix + counter.key;
      // Asking the records costs a query; a counter Redis holds needs none.
      if ((await this.redis.exists(key)) === 1) continue;
      // Without records (a ledger given no seed) the counter starts at zero, as every counter did before they were primed.
      await this.redis.eval(PRIME, 1, key, toMicro(this.seed ? await this.seed(counter) : 0), TTL_SECONDS);
    }
  }

  async reserve(counters: readonly BudgetCounter[], usd: number, request: string): Promise<void> {
    if (counters.length === 0) return;
    const amount = toMicro(usd);
    const keys = counters.map((c) => this.prefix + c.key);
    const answer = (await this.redis.eval(RESERVE, keys.length, ...keys, amount, TTL_SECONDS, ...counters.map((c) => toMicro(c.limitUsd)))) as number[];
    if (answer[0] === 1) return;
    const counter = counters[(answer[1] as number) - 1] as BudgetCounter;
    if (answer[0] === 2) throw new BudgetUnprimedError(counter);
    throw new BudgetExceededError(counter.name, counter.kind, counter.limitUsd, (answer[2] as number) / MICRO, usd, request);
  }

  async adjust(counters: readonly BudgetCounter[], usd: number): Promise<void> {
    if (counters.length === 0) return;
    const keys = counters.map((c) => this.prefix + c.key);
    await this.redis.eval(ADJUST, keys.length, ...keys, toMicro(usd), TTL_SECONDS);
  }

  async spent(counter: BudgetCounter): Promise<number> {
    return Number((await this.redis.get(this.prefix + counter.key)) ?? 0) / MICRO;
  }
}

function toMicro(usd: number): number {
  return Math.round(usd * MICRO);
}
