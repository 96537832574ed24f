/** The embedded engine with the built-in nodes over a scratch data directory, as benches use it. */
import { join } from 'node:path';
import { FsArtifactStore } from '../runtime/artifacts/fs-store.js';
import { NodeRegistry, type NodeType } from '../runtime/contract/index.js';
import { FsCacheStore } from '../runtime/engine/cache.js';
import { EnvCredentials } from '../runtime/engine/credentials.js';
import { Engine } from '../runtime/engine/engine.js';
import type { ResourceLimits } from '../runtime/engine/pool.js';
import { builtinNodes } from '../nodes/index.js';

export interface BenchEngineOptions {
  /** No provider credentials: fallbacks reach the offline providers, as in `reelgraph demo`. */
  offline?: boolean;
  /** Concurrency by resource class, over the defaults. */
  limits?: Partial<ResourceLimits>;
}

export function benchEngine(dir: string, options: BenchEngineOptions = {}): Engine {
  const registry = new NodeRegistry<NodeType>(builtinNodes);
  return new Engine({
    registry,
    artifacts: FsArtifactStore.inDataDir(dir),
    cache: new FsCacheStore(join(dir, 'cache')),
    dataDir: dir,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.offline ? { credentials: new EnvCredentials(registry.list(), {}) } : {}),
  });
}
