/**
 * A workspace is a data directory (default `.reelgraph/` in the working
 * directory, or REELGRAPH_DATA): the artifact store, the result cache, the
 * SQLite store and scratch space, plus the engine wired to them.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { NodeType } from '../runtime/contract/index.js';
import { NodeRegistry } from '../runtime/contract/index.js';
import { FsArtifactStore } from '../runtime/artifacts/fs-store.js';
import { IndexedArtifactStore } from '../runtime/artifacts/indexed.js';
import { FsCacheStore } from '../runtime/engine/cache.js';
import { Engine } from '../runtime/engine/engine.js';
import { EnvCredentials } from '../runtime/engine/credentials.js';
import { limitsFromEnv } from '../runtime/engine/pool.js';
import { openSqliteStore } from '../runtime/store/sqlite.js';
import type { RunStore } from '../runtime/store/types.js';
import { builtinNodes } from '../nodes/index.js';

export interface Workspace {
  dataDir: string;
  registry: NodeRegistry<NodeType>;
  artifacts: FsArtifactStore;
  store: RunStore;
  engine: Engine;
  close(): Promise<void>;
}

export function dataDirFrom(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(option ?? env.REELGRAPH_DATA ?? '.reelgraph');
}

export function createRegistry(): NodeRegistry<NodeType> {
  return new NodeRegistry<NodeType>(builtinNodes);
}

export interface WorkspaceOptions {
  /** No provider credentials at all: cloud nodes fail fast and fallbacks reach the offline providers. */
  offline?: boolean;
}

export async function openWorkspace(dataDir: string, options: WorkspaceOptions = {}): Promise<Workspace> {
  await mkdir(dataDir, { recursive: true });
  const registry = createRegistry();
  const artifacts = FsArtifactStore.inDataDir(dataDir);
  const store = await openSqliteStore(join(dataDir, 'reelgraph.db'));
  const engine = new Engine({
    registry,
    artifacts: new IndexedArtifactStore(artifacts, (handle) => store.indexArtifact(handle)),
    cache: new FsCacheStore(join(dataDir, 'cache')),
    dataDir,
    limits: limitsFromEnv(),
    ...(options.offline ? { credentials: new EnvCredentials(registry.list(), {}) } : {}),
  });
  return { dataDir, registry, artifacts, store, engine, close: () => store.close() };
}
