/**
 * The dispatcher adds a job Redis lost again under its own id, but not
 * forever: a Redis that keeps losing it fails the unit with LostJobError,
 * located at its node and item. No worker serves the queue, so the job
 * waits until each restart (a private redis-server that keeps nothing) loses it.
 */
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeRegistry, type NodeType } from '../runtime/contract/index.js';
import type { UnitRequest } from '../runtime/engine/unit.js';
import { MAX_LOST_JOB_REQUEUES, QueueDispatcher } from '../runtime/queue/dispatcher.js';
import { LostJobError } from '../runtime/queue/errors.js';
import { defaultQueueConfig, queueName, unitJobId } from '../runtime/queue/names.js';
import { pause } from './fixtures/rate-limiter-suite.js';
import { redisServerInstalled, startPrivateRedis, type PrivateRedis } from './fixtures/private-redis.js';

const installed = redisServerInstalled();
if (!installed) {
  const message = 'redis-server is not installed: the lost-job test needs it';
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: failing instead of skipping)`);
  console.warn(`\n*** SKIPPED: ${message}. ***\n`);
}

let redis: PrivateRedis | undefined;
beforeAll(async () => {
  if (installed) redis = await startPrivateRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const request: UnitRequest = {
  runId: 'lost-run',
  nodeId: 'voice',
  nodeType: 'testq.work-voice',
  typeVersion: 1,
  resource: 'voice',
  priority: 'normal',
  params: {},
  inputs: {},
  item: { index: 2, key: 'k2', count: 4 },
  attempt: 1,
  outDir: '/tmp',
};

describe.skipIf(!installed)('QueueDispatcher when Redis keeps losing a job', () => {
  it(`adds it again ${MAX_LOST_JOB_REQUEUES} times, then fails the unit with LostJobError`, async () => {
    const r = redis as PrivateRedis;
    const prefix = 'lost';
    const dispatcher = new QueueDispatcher({
      config: { ...defaultQueueConfig, redisUrl: r.url, prefix },
      logger: pino({ level: 'silent' }),
      registry: new NodeRegistry<NodeType>([]),
      credentials: { get: async () => undefined },
      offline: true,
    });
    const probe = new Redis(r.url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
    probe.on('error', () => {});
    const jobKey = `${prefix}:${queueName('voice')}:${unitJobId(request)}`;
    const queued = async (): Promise<boolean> => {
      for (let i = 0; i < 400; i++) {
        if ((await probe.exists(jobKey).catch(() => 0)) === 1) return true;
        await pause(50);
      }
      return false;
    };
    try {
      let settled: unknown = 'pending';
      const outcome = dispatcher
        .dispatch(request, { signal: new AbortController().signal, onStart: () => {}, emit: () => {} })
        .then(
          (outputs) => (settled = outputs),
          (error: unknown) => (settled = error),
        );
      const restarts: boolean[] = [];
      for (let restart = 0; restart <= MAX_LOST_JOB_REQUEUES; restart++) {
        restarts.push(await queued());
        await r.kill();
        await r.start();
      }
      await outcome;
      // Before each restart the job was in Redis: the first add, then every re-add after a loss.
      expect(restarts).toEqual(Array.from({ length: MAX_LOST_JOB_REQUEUES + 1 }, () => true));
      expect(settled).toBeInstanceOf(LostJobError);
      expect(settled).toMatchObject({ code: 'QUEUE_JOB_LOST', retryable: true, location: { nodeId: 'voice', item: 2 }, requeues: MAX_LOST_JOB_REQUEUES });
      expect((settled as Error).message).toMatch(/appendonly yes/);
    } finally {
      probe.disconnect();
      await dispatcher.close();
    }
  }, 180_000);
});
