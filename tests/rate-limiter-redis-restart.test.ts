/**
 * The Redis rate limiter across a Redis restart that loses every key (and
 * every loaded script): a request still in flight keeps its concurrency
 * slot, because its holder's next renewal puts the lost lease back.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRateLimiter } from '../runtime/queue/redis-rate-limiter.js';
import { neverAborted as signal, pause } from './fixtures/rate-limiter-suite.js';
import { redisServerInstalled, startPrivateRedis, type PrivateRedis } from './fixtures/private-redis.js';

const installed = redisServerInstalled();
if (!installed) {
  const message = 'redis-server is not installed: the rate limiter restart test needs it';
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: failing instead of skipping)`);
  console.warn(`\n*** SKIPPED: ${message}. ***\n`);
}

let redis: PrivateRedis | undefined;
const clients: Redis[] = [];
const limiters: RedisRateLimiter[] = [];

beforeAll(async () => {
  if (installed) redis = await startPrivateRedis();
});
afterAll(async () => {
  await Promise.all(limiters.map((limiter) => limiter.close()));
  for (const client of clients) client.disconnect();
  await redis?.stop();
});

function limiter(url: string): RedisRateLimiter {
  // Reconnects at once: the restart is the point of the test, not the back-off.
  const client = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
  client.on('error', () => {});
  clients.push(client);
  const created = new RedisRateLimiter(client, { prefix: 'restart:', leaseTtlMs: 300, pollMs: 10, onError: () => {} });
  limiters.push(created);
  return created;
}

describe.skipIf(!installed)('RedisRateLimiter across a Redis restart without persistence', () => {
  it('keeps the slot of a request in flight: the renewal puts the lost lease back', async () => {
    const r = redis as PrivateRedis;
    const holder = limiter(r.url);
    const other = limiter(r.url);
    const limits = { concurrency: 1 };
    const release = await holder.acquire({ key: 'fal', limits, signal });

    await r.kill();
    await r.start();
    // Wait (bounded) for the holder's first renewal against the empty Redis.
    const probe = new Redis(r.url, { maxRetriesPerRequest: 1 });
    probe.on('error', () => {});
    clients.push(probe);
    for (let i = 0; i < 100 && (await probe.zcard('restart:fal:leases')) === 0; i++) await pause(50);

    let granted = false;
    const waiting = other.acquire({ key: 'fal', limits, signal }).then((releaseOther) => ((granted = true), releaseOther));
    await pause(1_000); // more than three lease lifetimes: the holder's renewals keep the slot taken
    expect(granted).toBe(false);
    release();
    (await waiting)();
    expect(granted).toBe(true);
  });
});
