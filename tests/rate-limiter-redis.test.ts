/**
 * The Redis rate limiter: two instances on two connections stand for two
 * queue workers sharing one provider budget.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError, PermanentError, type RateLimiter, type RateLimitRequest } from '../runtime/contract/index.js';
import type { Clock } from '../runtime/engine/rate-limiter.js';
import { RedisRateLimiter, type RedisRateLimiterOptions } from '../runtime/queue/redis-rate-limiter.js';
import { fakeClock, neverAborted as signal, pause, rateLimiterSuite } from './fixtures/rate-limiter-suite.js';
import { redisUrl, requireRedis, uniquePrefix } from './fixtures/redis.js';

const redis = await requireRedis('the Redis rate limiter');

const clients: Redis[] = [];
const limiters: RedisRateLimiter[] = [];
const prefixes: string[] = [];

function connect(): Redis {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  clients.push(client);
  return client;
}

/** Two workers: limiters on separate connections sharing one key prefix (and one clock, when given). */
function workers(options: Omit<RedisRateLimiterOptions, 'prefix'> = {}): [RedisRateLimiter, RedisRateLimiter] {
  const prefix = `${uniquePrefix('ratelimit')}:`;
  prefixes.push(prefix);
  const pair: [RedisRateLimiter, RedisRateLimiter] = [
    new RedisRateLimiter(connect(), { pollMs: 10, ...options, prefix }),
    new RedisRateLimiter(connect(), { pollMs: 10, ...options, prefix }),
  ];
  limiters.push(...pair);
  return pair;
}

/** One limiter whose requests alternate between the two workers: the shared cases then hold across workers. */
function alternating(clock?: Clock): RateLimiter {
  const pair = workers(clock ? { clock } : {});
  let turn = 0;
  return { acquire: (request: RateLimitRequest) => (pair[turn++ % 2] as RedisRateLimiter).acquire(request) };
}

afterAll(async () => {
  await Promise.all(limiters.map((limiter) => limiter.close()));
  if (clients[0]) {
    for (const prefix of prefixes) {
      const keys = await clients[0].keys(`${prefix}*`);
      if (keys.length > 0) await clients[0].del(...keys);
    }
  }
  for (const client of clients) client.disconnect();
});

rateLimiterSuite('RedisRateLimiter across two workers', alternating, { skip: !redis });

describe.skipIf(!redis)('RedisRateLimiter', () => {
  it('shares the rolling minute between workers', async () => {
    const clock = fakeClock();
    const [a, b] = workers({ clock });
    const limits = { requestsPerMinute: 2 };
    (await a.acquire({ key: 'eleven', limits, signal }))();
    (await b.acquire({ key: 'eleven', limits, signal }))();
    expect(clock.slept).toEqual([]);
    // Both slots of this minute went to two different workers: a third start waits out the oldest.
    (await a.acquire({ key: 'eleven', limits, signal }))();
    expect(clock.slept).toEqual([60_000]);
    // At t0 + 60 s both earlier starts left the window: b starts at once, and a waits a full minute again.
    (await b.acquire({ key: 'eleven', limits, signal }))();
    expect(clock.slept).toEqual([60_000]);
    (await a.acquire({ key: 'eleven', limits, signal }))();
    expect(clock.slept).toEqual([60_000, 60_000]);
  });

  it('shares the daily budget, and refunds a request cancelled while waiting', async () => {
    const clock = fakeClock();
    const [a, b] = workers({ clock });
    const limits = { unitsPerDay: 1000, requestsPerMinute: 1 };
    (await a.acquire({ key: 'google', limits, units: 600, signal }))();
    await expect(b.acquire({ key: 'google', limits, units: 500, signal })).rejects.toThrow(PermanentError);
    await expect(b.acquire({ key: 'google', limits, units: 500, signal })).rejects.toThrow(/\(600 used, this request needs 500\)/);

    // b's request waits for the minute window and is cancelled: its 400 units come back.
    const controller = new AbortController();
    controller.abort();
    await expect(b.acquire({ key: 'google', limits, units: 400, signal: controller.signal })).rejects.toBeInstanceOf(CancelledError);
    (await a.acquire({ key: 'google', limits, units: 400, signal }))();
    await expect(b.acquire({ key: 'google', limits, units: 1, signal })).rejects.toThrow(/\(1000 used, this request needs 1\)/);
  });

  it('lets one request at a time through with concurrency 1: the second worker waits for the first to release', async () => {
    const [a, b] = workers();
    const limits = { concurrency: 1 };
    const releaseA = await a.acquire({ key: 'runway', limits, signal });
    let granted = false;
    const waiting = b.acquire({ key: 'runway', limits, signal }).then((release) => {
      granted = true;
      return release;
    });
    await pause(150);
    expect(granted).toBe(false);
    releaseA();
    const releaseB = await waiting;
    expect(granted).toBe(true);
    // And now a waits for b.
    let again = false;
    const next = a.acquire({ key: 'runway', limits, signal }).then((release) => ((again = true), release));
    await pause(50);
    expect(again).toBe(false);
    releaseB();
    (await next)();
  });

  it('frees the slot of a killed holder when its lease expires', async () => {
    const clock = fakeClock();
    const killedClient = connect();
    const prefix = `${uniquePrefix('ratelimit')}:`;
    prefixes.push(prefix);
    const killed = new RedisRateLimiter(killedClient, { prefix, clock, leaseTtlMs: 20_000, onError: () => {} });
    const survivor = new RedisRateLimiter(connect(), { prefix, clock, leaseTtlMs: 20_000, pollMs: 5_000 });
    limiters.push(killed, survivor);
    const limits = { concurrency: 1 };
    await killed.acquire({ key: 'fal', limits, signal }); // never released
    killedClient.disconnect(); // the worker dies: no release, no renewal
    await survivor.acquire({ key: 'fal', limits, signal });
    // Polls every 5 s of (fake) time until the dead holder's 20 s lease runs out.
    expect(clock.slept).toEqual([5_000, 5_000, 5_000, 5_000]);
  });

  it('keeps a held lease alive by renewing it', async () => {
    const [a, b] = workers({ leaseTtlMs: 150 });
    const limits = { concurrency: 1 };
    const release = await a.acquire({ key: 'comfy', limits, signal });
    let granted = false;
    const waiting = b.acquire({ key: 'comfy', limits, signal }).then((r) => ((granted = true), r));
    await pause(500); // more than three lease lifetimes: renewals keep it
    expect(granted).toBe(false);
    release();
    (await waiting)();
  });

  it('stops waiting when cancelled, and the cancelled request takes no slot', async () => {
    const [a, b] = workers();
    const limits = { concurrency: 1 };
    const releaseA = await a.acquire({ key: 'openai', limits, signal });
    const controller = new AbortController();
    const waiting = b.acquire({ key: 'openai', limits, signal: controller.signal });
    await pause(40);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    releaseA();
    const releaseB = await b.acquire({ key: 'openai', limits, signal });
    releaseB();
    (await a.acquire({ key: 'openai', limits, signal }))();
  });

  it('writes under the configured prefix', async () => {
    const client = connect();
    const prefix = `${uniquePrefix('ratelimit')}:`;
    prefixes.push(prefix);
    const limiter = new RedisRateLimiter(client, { prefix, clock: fakeClock() });
    limiters.push(limiter);
    (await limiter.acquire({ key: 'p', limits: { requestsPerMinute: 5, unitsPerDay: 10, concurrency: 1 }, units: 3, signal }))();
    expect((await client.keys(`${prefix}*`)).sort()).toEqual([`${prefix}p:day:2026-11-24`, `${prefix}p:window`]);
    expect(await client.get(`${prefix}p:day:2026-11-24`)).toBe('3');
  });
});
