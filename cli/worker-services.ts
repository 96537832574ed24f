/**
 * What a queue worker process (or one of its sandboxed children) executes
 * units with: the node catalog, the shared artifact store, credentials and
 * provider rate limits. Built from the environment, so a sandboxed child
 * builds the same services as its parent.
 */
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { NodeRegistry, NodeType } from '../runtime/contract/index.js';
import { artifactStoreFromEnv } from '../runtime/artifacts/from-config.js';
import { EnvCredentials } from '../runtime/engine/credentials.js';
import { InProcessRateLimiter } from '../runtime/engine/rate-limiter.js';
import type { UnitServices } from '../runtime/engine/unit.js';
import { createLogger } from './logger.js';
import { loadRegistry } from './node-catalog.js';
import { dataDirFrom } from './workspace.js';

export interface WorkerServices {
  registry: NodeRegistry<NodeType>;
  services: UnitServices;
  logger: Logger;
  close(): Promise<void>;
}

export async function createWorkerServices(env: NodeJS.ProcessEnv = process.env, logger: Logger = createLogger(env, 'info')): Promise<WorkerServices> {
  const dataDir = dataDirFrom(undefined, env);
  await mkdir(dataDir, { recursive: true });
  const registry = await loadRegistry(env);
  const services: UnitServices = {
    artifacts: artifactStoreFromEnv(dataDir, env),
    credentials: new EnvCredentials(registry.list(), env),
    rateLimiter: new InProcessRateLimiter(),
    dataDir,
    logger,
  };
  return { registry, services, logger, close: async () => {} };
}
