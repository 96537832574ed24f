import { describe, expect, it } from 'vitest';
import { CancelledError, PermanentError } from '../runtime/contract/index.js';
import { InProcessRateLimiter, type Clock } from '../runtime/engine/rate-limiter.js';

/** A clock the test moves by hand: sleeping advances it, so waits are exact and instant. */
function fakeClock(start = Date.UTC(2026, 10, 24, 12)): Clock & { slept: number[] } {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms, signal) => {
      if (signal.aborted) throw new CancelledError();
      slept.push(ms);
      now += ms;
    },
  };
}

const signal = new AbortController().signal;

describe('InProcessRateLimiter', () => {
  it('starts at most N requests in any rolling minute', async () => {
    const clock = fakeClock();
    const limiter = new InProcessRateLimiter(clock);
    const started: number[] = [];
    for (let i = 0; i < 7; i++) {
      const release = await limiter.acquire({ key: 'eleven', limits: { requestsPerMinute: 3 }, signal });
      started.push(clock.now());
      release();
    }
    const t0 = started[0] as number;
    expect(started.map((t) => t - t0)).toEqual([0, 0, 0, 60_000, 60_000, 60_000, 120_000]);
  });

  it('keeps budgets per key', async () => {
    const clock = fakeClock();
    const limiter = new InProcessRateLimiter(clock);
    for (const key of ['a', 'b', 'a', 'b']) (await limiter.acquire({ key, limits: { requestsPerMinute: 2 }, signal }))();
    expect(clock.slept).toEqual([]);
  });

  it('fails at once when the daily unit budget is spent, and resets the next UTC day', async () => {
    const clock = fakeClock(Date.UTC(2026, 10, 24, 23, 59));
    const limiter = new InProcessRateLimiter(clock);
    const limits = { unitsPerDay: 1000 };
    (await limiter.acquire({ key: 'google', limits, units: 800, signal }))();
    await expect(limiter.acquire({ key: 'google', limits, units: 300, signal })).rejects.toThrow(PermanentError);
    await expect(limiter.acquire({ key: 'google', limits, units: 300, signal })).rejects.toThrow(/daily budget of 1000 units is spent \(800 used, this request needs 300\)/);
    await clock.sleep(120_000, signal);
    await expect(limiter.acquire({ key: 'google', limits, units: 300, signal })).resolves.toBeTypeOf('function');
  });

  it('caps requests in flight', async () => {
    const limiter = new InProcessRateLimiter(fakeClock());
    const limits = { concurrency: 2 };
    const first = await limiter.acquire({ key: 'k', limits, signal });
    await limiter.acquire({ key: 'k', limits, signal });
    let third = false;
    const waiting = limiter.acquire({ key: 'k', limits, signal }).then((release) => {
      third = true;
      return release;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(third).toBe(false);
    first();
    await waiting;
    expect(third).toBe(true);
  });

  it('gives the units back when a waiting request is cancelled', async () => {
    const clock = fakeClock();
    const limiter = new InProcessRateLimiter(clock);
    const limits = { requestsPerMinute: 1, unitsPerDay: 100 };
    (await limiter.acquire({ key: 'k', limits, units: 50, signal }))();
    const controller = new AbortController();
    controller.abort();
    await expect(limiter.acquire({ key: 'k', limits, units: 50, signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);
    await expect(limiter.acquire({ key: 'k', limits, units: 50, signal })).resolves.toBeTypeOf('function');
  });
});
