/**
 * What a queue worker process (or one of its sandboxed children) executes
 * units with: the node catalog, the shared artifact store, credentials and
 * provider rate limits. Built from the environment, so a sandboxed child
 * builds the same services as its parent.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { NodeRegistry, NodeType } from '../runtime/contract/index.js';
import { artifactStoreFromEnv } from '../runtime/artifacts/from-config.js';
import { FsCacheStore } from '../runtime/engine/cache.js';
import { EnvCredentials } from '../runtime/engine/credentials.js';
import { Redis } from 'ioredis';
import { InProcessRateLimiter } from '../runtime/engine/rate-limiter.js';
import { InProcessBudgetLedger } from '../runtime/engine/budget-ledger.js';
import { budgetKeyPrefix, queueConfigFromEnv } from '../runtime/queue/names.js';
import { resolveSecretKey } from '../runtime/credentials/secret-key.js';
import { SecretBox } from '../runtime/credentials/vault.js';
import { RedisBudgetLedger } from '../runtime/queue/redis-budget-ledger.js';
import { RedisRateLimiter } from '../runtime/queue/redis-rate-limiter.js';
import type { UnitServices } from '../runtime/engine/unit.js';
import { createLogger } from '../runtime/logger.js';
import { loadRegistry } from '../runtime/node-modules.js';
import { dataDirFrom } from '../runtime/workspace.js';
import { builtinNodes } from '../nodes/index.js';

export interface WorkerServices {
  registry: NodeRegistry<NodeType>;
  services: UnitServices;
  /** Opens the credentials jobs carry; undefined without REELGRAPH_SECRET_KEY. */
  box: SecretBox | undefined;
  logger: Logger;
  close(): Promise<void>;
}

export async function createWorkerServices(env: NodeJS.ProcessEnv = process.env, logger: Logger = createLogger(env, 'info')): Promise<WorkerServices> {
  const dataDir = dataDirFrom(undefined, env);
  await mkdir(dataDir, { recursive: true });
  const registry = await loadRegistry(builtinNodes, env);
  const queue = queueConfigFromEnv(env);
  // Provider limits hold across every worker of the cluster, so they live in Redis.
  const redis = queue ? new Redis(queue.redisUrl, { maxRetriesPerRequest: 3, connectTimeout: 10_000 }) : undefined;
  redis?.on('error', (error) => logger.warn({ err: error }, 'rate limiter redis error'));
  const rateLimiter = redis ? new RedisRateLimiter(redis, { prefix: `${queue?.prefix}:ratelimit:`, onError: (error) => logger.warn({ err: error }, 'rate limiter error') }) : new InProcessRateLimiter();
  const services: UnitServices = {
    artifacts: await artifactStoreFromEnv(dataDir, env),
    credentials: new EnvCredentials(registry.list(), env),
    rateLimiter,
    dataDir,
    logger,
    // Parts of units this machine ran (a scene's first seconds), kept beside the data directory's cache.
    partCache: new FsCacheStore(join(dataDir, 'cache')),
    // Budgets hold across every worker too: their counters live in the same Redis.
    budgets: redis && queue ? new RedisBudgetLedger(redis, { prefix: budgetKeyPrefix(queue) }) : new InProcessBudgetLedger(),
  };
  // REELGRAPH_SECRET_KEY, else the key file of a data directory this machine shares with the server.
  const key = (await resolveSecretKey(dataDir, { env }))?.key;
  return {
    registry,
    services,
    box: key ? new SecretBox(key) : undefined,
    logger,
    close: async () => {
      if (rateLimiter instanceof RedisRateLimiter) await rateLimiter.close();
      redis?.disconnect();
    },
  };
}
