/**
 * Queue mode's names and numbers, in one place: every process (orchestrator,
 * worker, sandboxed child) must agree on them.
 */
import { createHash } from 'node:crypto';
import type { Priority } from '../contract/events.js';
import type { ResourceClass } from '../contract/node.js';
import type { UnitRequest } from '../engine/unit.js';

export interface QueueConfig {
  redisUrl: string;
  /** BullMQ key prefix; separate prefixes are separate clusters on one Redis. */
  prefix: string;
  /** How long a worker's claim on a job lasts without renewal: a killed worker's job is re-delivered after about this long. */
  lockDurationMs: number;
  /** How often workers look for jobs whose worker died. */
  stalledIntervalMs: number;
  /** Re-deliveries after a worker died before the job counts as failed. */
  maxStalledCount: number;
}

export const defaultQueueConfig: Omit<QueueConfig, 'redisUrl'> = {
  prefix: 'reelgraph',
  lockDurationMs: 30_000,
  stalledIntervalMs: 30_000,
  maxStalledCount: 2,
};

/** Where a cluster's budget counters live: the orchestrator primes them, its workers reserve against them. */
export function budgetKeyPrefix(config: Pick<QueueConfig, 'prefix'>): string {
  return `${config.prefix}:budget:`;
}

/** From the environment: REDIS_URL turns queue mode on; the rest tune it. */
export function queueConfigFromEnv(env: NodeJS.ProcessEnv = process.env): QueueConfig | undefined {
  const redisUrl = env.REDIS_URL?.trim();
  if (!redisUrl) return undefined;
  if (!/^rediss?:\/\//.test(redisUrl)) throw new Error(`REDIS_URL must start with redis:// or rediss://, got "${redisUrl}"`);
  const number = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got "${raw}"`);
    return value;
  };
  const lockDurationMs = number('REELGRAPH_QUEUE_LOCK_MS', defaultQueueConfig.lockDurationMs, 1_000);
  return {
    redisUrl,
    prefix: env.REELGRAPH_QUEUE_PREFIX?.trim() || defaultQueueConfig.prefix,
    lockDurationMs,
    stalledIntervalMs: number('REELGRAPH_QUEUE_STALLED_MS', Math.min(defaultQueueConfig.stalledIntervalMs, lockDurationMs), 500),
    maxStalledCount: number('REELGRAPH_QUEUE_MAX_STALLED', defaultQueueConfig.maxStalledCount, 0),
  };
}

export function queueName(resource: ResourceClass): string {
  return `units-${resource}`;
}

/** BullMQ: 1 is the highest priority; every job gets one so the order is by priority, then age. */
export const jobPriority: Record<Priority, number> = { urgent: 1, normal: 2, batch: 3 };

/** Where orchestrators announce cancelled units to every worker. */
export function cancelChannel(config: Pick<QueueConfig, 'prefix'>): string {
  return `${config.prefix}:cancel`;
}

/**
 * One job per attempt of a unit, with an id derived from what it is: adding
 * it again (an orchestrator resuming after a restart) finds the job that is
 * already queued, running or finished instead of running the unit twice.
 */
export function unitJobId(request: Pick<UnitRequest, 'runId' | 'nodeId' | 'item' | 'attempt'>): string {
  const readable = `${request.runId}.${request.nodeId}.${request.item?.index ?? 'all'}.${request.attempt}`;
  // BullMQ ids may not contain ':' (it separates key parts); anything unusual is hashed instead.
  if (/^[A-Za-z0-9_.-]{1,200}$/.test(readable)) return readable;
  return `u.${createHash('sha256').update(readable).digest('hex').slice(0, 40)}`;
}
