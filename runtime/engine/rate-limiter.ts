/**
 * The in-process rate limiter: a rolling one-minute window of request start
 * times, a per-day unit budget, and a concurrency cap, per key. Waiting is
 * cancellable; a spent daily budget fails at once (a retry cannot help until
 * tomorrow, so the fallback chain should take over).
 */
import { CancelledError, PermanentError } from '../contract/errors.js';
import type { RateLimiter, RateLimitRequest } from '../contract/rate-limit.js';
import { PrioritySemaphore } from './pool.js';

const MINUTE_MS = 60_000;

interface Budget {
  starts: number[];
  day: string;
  units: number;
  concurrency?: PrioritySemaphore;
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** Wall time, and cancellable sleeps; shared by the in-process and Redis limiters. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new CancelledError());
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(new CancelledError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
    }),
};

export class InProcessRateLimiter implements RateLimiter {
  private readonly budgets = new Map<string, Budget>();

  constructor(private readonly clock: Clock = realClock) {}

  async acquire(request: RateLimitRequest): Promise<() => void> {
    const budget = this.budget(request);
    this.spendDaily(request, budget);
    const release = budget.concurrency ? await budget.concurrency.acquire('normal', request.signal) : () => {};
    try {
      await this.waitForMinuteSlot(request, budget);
    } catch (error) {
      // A request that never started must not count against today's budget.
      if (request.limits.unitsPerDay) budget.units -= request.units ?? 0;
      release();
      throw error;
    }
    return release;
  }

  private budget(request: RateLimitRequest): Budget {
    let budget = this.budgets.get(request.key);
    if (!budget) {
      const { concurrency } = request.limits;
      budget = { starts: [], day: '', units: 0, ...(concurrency ? { concurrency: new PrioritySemaphore(concurrency) } : {}) };
      this.budgets.set(request.key, budget);
    }
    return budget;
  }

  private spendDaily(request: RateLimitRequest, budget: Budget): void {
    const perDay = request.limits.unitsPerDay;
    if (!perDay) return;
    const today = new Date(this.clock.now()).toISOString().slice(0, 10);
    if (budget.day !== today) {
      budget.day = today;
      budget.units = 0;
    }
    const units = request.units ?? 0;
    if (budget.units + units > perDay) {
      throw new PermanentError(`${request.key}: daily budget of ${perDay} units is spent (${budget.units} used, this request needs ${units})`);
    }
    budget.units += units;
  }

  private async waitForMinuteSlot(request: RateLimitRequest, budget: Budget): Promise<void> {
    const perMinute = request.limits.requestsPerMinute;
    if (!perMinute) return;
    for (;;) {
      const now = this.clock.now();
      while (budget.starts.length > 0 && (budget.starts[0] as number) <= now - MINUTE_MS) budget.starts.shift();
      if (budget.starts.length < perMinute) {
        budget.starts.push(now);
        return;
      }
      await this.clock.sleep((budget.starts[0] as number) + MINUTE_MS - now, request.signal);
    }
  }
}
