/**
 * The rate limiter of queue mode: the in-process limiter's semantics (a
 * rolling one-minute window of request starts, a per-UTC-day unit budget
 * that fails at once when spent, a concurrency cap) enforced in Redis, so
 * every worker that shares the Redis shares each provider's limits.
 *
 * Each step is one Lua script, so checking and taking a slot is atomic across
 * workers. Per key (after the prefix):
 * - `{key}:window`: sorted set of request starts (score = start time, ms);
 * - `{key}:day:{YYYY-MM-DD}`: units spent that UTC day (expires after two days);
 * - `{key}:leases`: concurrency slots as leases (score = expiry time, ms).
 *   A holder renews its lease while it holds it; a worker killed mid-request
 *   stops renewing, and its slot frees itself when the lease expires. A
 *   renewal puts back a lease Redis no longer has (a restart without
 *   persistence, an eviction): the request is still in flight, so it still
 *   takes a slot.
 *
 * "Now" comes from the injectable clock and is passed into every script, so
 * tests move time by hand. Waiting sleeps exactly as long as the script says
 * the oldest start needs to leave the window; a concurrency wait sleeps until
 * the earliest lease would expire, but at most `pollMs`, because a release by
 * another worker is only seen by asking again.
 *
 * The caller owns the ioredis client; `close()` only stops renewals and gives
 * back the leases this instance still holds.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { PermanentError } from '../contract/errors.js';
import type { RateLimiter, RateLimitRequest } from '../contract/rate-limit.js';
import { realClock, type Clock } from '../engine/rate-limiter.js';

const MINUTE_MS = 60_000;
/** Daily counters outlive their day a little, for refunds of requests that straddle midnight. */
const DAY_KEY_TTL_SECONDS = 2 * 24 * 60 * 60;

export interface RedisRateLimiterOptions {
  /** Prepended to every key. Default `reelgraph:ratelimit:`. */
  prefix?: string;
  clock?: Clock;
  /** How long a concurrency slot stays taken without renewal. Default 30 s. */
  leaseTtlMs?: number;
  /** How often a held lease is renewed. Default a third of the TTL. */
  renewEveryMs?: number;
  /** Longest sleep between checks while waiting for a concurrency slot. Default 250 ms. */
  pollMs?: number;
  /** Redis failures of background work (renewals, releases). Default: console.error. */
  onError?: (error: unknown) => void;
}

/** Spends units of today's budget if they fit. → {1, used} or {0, used}. */
const SPEND_DAILY = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local units = tonumber(ARGV[1])
if used + units > tonumber(ARGV[2]) then return {0, used} end
used = redis.call('INCRBY', KEYS[1], units)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {1, used}`;

/** Gives units back (a request that never started), never below zero. */
const REFUND_DAILY = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0} end
local left = redis.call('DECRBY', KEYS[1], ARGV[1])
if left < 0 then redis.call('SET', KEYS[1], 0, 'KEEPTTL') end
return {1, left}`;

/** Records a request start if the rolling minute has room. → {1, 0} or {0, ms until the oldest start leaves the window}. */
const TAKE_WINDOW_SLOT = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window * 2)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window - now}`;

/** Takes a concurrency lease if a slot is free (expired leases are dropped first). → {1, 0} or {0, ms until the earliest lease expires}. */
const TAKE_LEASE = `
local now = tonumber(ARGV[1])
local ttl = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ttl + 60000)
  return {1, 0}
end
local earliest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(earliest[2]) - now}`;

/**
 * Extends this holder's lease, putting it back if Redis lost it: the holder
 * is alive and its request in flight, so it counts against the limit even if
 * that briefly exceeds it (new requests then wait until it falls back).
 * → {1, 1} extended, {1, 0} put back.
 */
const RENEW_LEASE = `
local existed = redis.call('ZSCORE', KEYS[1], ARGV[2]) and 1 or 0
local ttl = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + ttl, ARGV[2])
redis.call('PEXPIRE', KEYS[1], ttl + 60000)
return {1, existed}`;

interface Script {
  source: string;
  sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

const scripts = {
  spendDaily: script(SPEND_DAILY),
  refundDaily: script(REFUND_DAILY),
  takeWindowSlot: script(TAKE_WINDOW_SLOT),
  takeLease: script(TAKE_LEASE),
  renewLease: script(RENEW_LEASE),
};

interface HeldLease {
  key: string;
  id: string;
  timer: NodeJS.Timeout;
}

export class RedisRateLimiter implements RateLimiter {
  readonly prefix: string;
  private readonly clock: Clock;
  private readonly leaseTtlMs: number;
  private readonly renewEveryMs: number;
  private readonly pollMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly held = new Set<HeldLease>();

  constructor(
    private readonly redis: Redis,
    options: RedisRateLimiterOptions = {},
  ) {
    this.prefix = options.prefix ?? 'reelgraph:ratelimit:';
    this.clock = options.clock ?? realClock;
    this.leaseTtlMs = options.leaseTtlMs ?? 30_000;
    this.renewEveryMs = options.renewEveryMs ?? Math.max(1, Math.floor(this.leaseTtlMs / 3));
    this.pollMs = options.pollMs ?? 250;
    this.onError = options.onError ?? ((error) => console.error('rate limiter (Redis):', error));
    if (!(this.leaseTtlMs > 0) || !(this.pollMs > 0)) throw new Error('RedisRateLimiter: leaseTtlMs and pollMs must be positive');
  }

  async acquire(request: RateLimitRequest): Promise<() => void> {
    const dayKey = await this.spendDaily(request);
    let release: () => void = () => {};
    try {
      if (request.limits.concurrency) release = await this.takeLease(request, request.limits.concurrency);
      await this.waitForMinuteSlot(request);
    } catch (error) {
      // A request that never started must not count against today's budget.
      if (dayKey) await this.run(scripts.refundDaily, [dayKey], [request.units ?? 0]).catch(this.onError);
      release();
      throw error;
    }
    return release;
  }

  /** Stops renewing and gives back every lease this instance holds. Does not close the client. */
  async close(): Promise<void> {
    const leases = [...this.held];
    this.held.clear();
    for (const lease of leases) clearInterval(lease.timer);
    await Promise.all(leases.map((lease) => this.redis.zrem(lease.key, lease.id).catch(this.onError)));
  }

  private key(request: RateLimitRequest, part: string): string {
    return `${this.prefix}${request.key}:${part}`;
  }

  /** Spends today's units; resolves with the counter's key (for a refund), or undefined when there is no daily budget. */
  private async spendDaily(request: RateLimitRequest): Promise<string | undefined> {
    const perDay = request.limits.unitsPerDay;
    if (!perDay) return undefined;
    const today = new Date(this.clock.now()).toISOString().slice(0, 10);
    const dayKey = this.key(request, `day:${today}`);
    const units = request.units ?? 0;
    const [ok, used] = await this.run(scripts.spendDaily, [dayKey], [units, perDay, DAY_KEY_TTL_SECONDS]);
    if (!ok) throw new PermanentError(`${request.key}: daily budget of ${perDay} units is spent (${used} used, this request needs ${units})`);
    return dayKey;
  }

  private async takeLease(request: RateLimitRequest, limit: number): Promise<() => void> {
    const key = this.key(request, 'leases');
    const id = randomUUID();
    for (;;) {
      const [ok, untilExpiry] = await this.run(scripts.takeLease, [key], [this.clock.now(), limit, id, this.leaseTtlMs]);
      if (ok) break;
      await this.clock.sleep(Math.max(1, Math.min(this.pollMs, untilExpiry)), request.signal);
    }
    const lease: HeldLease = {
      key,
      id,
      timer: setInterval(() => {
        this.run(scripts.renewLease, [key], [this.clock.now(), id, this.leaseTtlMs])
          // A renewal that was under way when the lease was given back may have put it back: take it out again.
          .then(async () => (this.held.has(lease) ? undefined : this.redis.zrem(key, id)))
          .catch(this.onError);
      }, this.renewEveryMs),
    };
    lease.timer.unref();
    this.held.add(lease);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      clearInterval(lease.timer);
      this.held.delete(lease);
      this.redis.zrem(key, id).catch(this.onError);
    };
  }

  private async waitForMinuteSlot(request: RateLimitRequest): Promise<void> {
    const perMinute = request.limits.requestsPerMinute;
    if (!perMinute) return;
    const key = this.key(request, 'window');
    const member = randomUUID();
    for (;;) {
      const [ok, wait] = await this.run(scripts.takeWindowSlot, [key], [this.clock.now(), perMinute, member, MINUTE_MS]);
      if (ok) return;
      await this.clock.sleep(Math.max(1, wait), request.signal);
    }
  }

  /** EVALSHA, loading the script on first use (or after a SCRIPT FLUSH). */
  private async run(target: Script, keys: string[], args: Array<string | number>): Promise<[number, number]> {
    let reply: unknown;
    try {
      reply = await this.redis.evalsha(target.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      reply = await this.redis.eval(target.source, keys.length, ...keys, ...args);
    }
    const [first, second] = Array.isArray(reply) ? reply : [reply, 0];
    return [Number(first), Number(second)];
  }
}
