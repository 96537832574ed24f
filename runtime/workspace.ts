/**
 * The composition root: a workspace is a data directory (default
 * `.reelgraph/` in the working directory, or REELGRAPH_DATA) — the artifact
 * store, the result cache, the SQLite store and scratch space — plus the
 * engine, the dispatcher (in-process, or BullMQ workers when REDIS_URL is
 * set) and the run launcher wired to them. The CLI and the server both open
 * one; the node types come from their caller, as the runtime knows none.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { collectArtifactHandles, parseProviderBudgets, type BudgetCounter, type BudgetSeed, type CredentialsLookup, type NodeRegistry, type NodeType } from './contract/index.js';
import { resolveSecretKey } from './credentials/secret-key.js';
import { CredentialVault } from './credentials/vault.js';
import { ServerTables } from './store/server-tables.js';
import { artifactStoreFromEnv, type ManagedArtifactStore } from './artifacts/from-config.js';
import { IndexedArtifactStore } from './artifacts/indexed.js';
import { FsCacheStore } from './engine/cache.js';
import { Engine } from './engine/engine.js';
import { DEFAULT_REVIEW_POLL_MS, ReviewDesk } from './engine/review-desk.js';
import { ReviewTables } from './store/review-tables.js';
import { InProcessBudgetLedger } from './engine/budget-ledger.js';
import { estimateCost } from './observability/prices.js';
import { EnvCredentials } from './engine/credentials.js';
import { globalLimitsFromEnv, limitsFromEnv } from './engine/pool.js';
import { openSqliteStore, type SqliteRunStore } from './store/sqlite.js';
import { RunLauncher } from './runs/launcher.js';
import { ItemPins } from './runs/item-pins.js';
import { ItemPinTable } from './store/item-pins.js';
import { SeriesTables } from './store/series-tables.js';
import { budgetKeyPrefix, queueConfigFromEnv, type QueueConfig } from './queue/names.js';
import type { UnitDispatcher } from './engine/unit.js';
import type { Logger } from 'pino';
import { createLogger } from './logger.js';
import { loadRegistry } from './node-modules.js';
import type { RunStore } from './store/types.js';

export interface Workspace {
  dataDir: string;
  registry: NodeRegistry<NodeType>;
  artifacts: ManagedArtifactStore;
  store: RunStore;
  engine: Engine;
  /** Where the engine sends units: in-process, or the queue (its depths feed the server's metrics). */
  dispatcher: UnitDispatcher;
  /** Starts runs on the engine and records them in the store. */
  launcher: RunLauncher;
  /** Review gates' records and decisions (`reelgraph approve`, `POST /api/runs/:id/review`), on the store. */
  reviews: ReviewDesk;
  /** The producers' locked items and takes, per graph; every run of this workspace's engine honours them. */
  pins: ItemPins;
  /** Series and their episodes (scripts, versions, runs), on the store. */
  series: SeriesTables;
  /** `queue`: units run on `reelgraph worker` processes (REDIS_URL is set). */
  mode: 'embedded' | 'queue';
  close(): Promise<void>;
}

export function dataDirFrom(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(option ?? env.REELGRAPH_DATA ?? '.reelgraph');
}

export interface WorkspaceOptions {
  /** The node types this deployment ships (the built-ins: nodes/index.ts); REELGRAPH_NODE_MODULES adds to them. */
  nodes: readonly NodeType[];
  /** No provider credentials at all: cloud nodes fail fast and fallbacks reach the offline providers. */
  offline?: boolean;
  /** Environment to read configuration from (REDIS_URL, REELGRAPH_NODE_MODULES, …). Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Node types registered beside the built-in ones (tests, plugins). */
  extraNodes?: NodeType[];
  /**
   * Builds the engine's credentials lookup once the store is open (the
   * server's encrypted vault). Default: environment variables.
   */
  credentials?: (context: { store: SqliteRunStore; registry: NodeRegistry<NodeType> }) => CredentialsLookup | Promise<CredentialsLookup>;
}

function withKey(key: Buffer | undefined): { secretKey?: Buffer } {
  return key ? { secretKey: key } : {};
}

/**
 * Credentials stored through the server (the editor's Credentials panel)
 * serve CLI runs on the same data directory too, when this process can find
 * the key they were sealed with; the environment still answers the rest.
 */
async function storedCredentials(store: SqliteRunStore, registry: NodeRegistry<NodeType>, dataDir: string, env: NodeJS.ProcessEnv): Promise<CredentialsLookup | undefined> {
  const key = (await resolveSecretKey(dataDir, { env }))?.key;
  if (!key) return undefined;
  const vault = new CredentialVault(new ServerTables(store.database), key, new EnvCredentials(registry.list(), env));
  await vault.assertUsable();
  return vault;
}

export async function openWorkspace(dataDir: string, options: WorkspaceOptions): Promise<Workspace> {
  await mkdir(dataDir, { recursive: true });
  const env = options.env ?? process.env;
  const registry = await loadRegistry(options.nodes, env);
  for (const node of options.extraNodes ?? []) registry.register(node);
  const artifacts = await artifactStoreFromEnv(dataDir, env);
  const logger = createLogger(env);
  // REDIS_URL set: units run on queue workers; this process orchestrates.
  const queue = queueConfigFromEnv(env);
  const store = await openSqliteStore(join(dataDir, 'reelgraph.db'));
  let credentials: CredentialsLookup | undefined;
  try {
    credentials = options.credentials ? await options.credentials({ store, registry }) : options.offline ? undefined : await storedCredentials(store, registry, dataDir, env);
  } catch (error) {
    await store.close();
    throw error;
  }
  const lookup = options.offline ? new EnvCredentials(registry.list(), {}) : (credentials ?? new EnvCredentials(registry.list(), env));
  // BullMQ and ioredis take about 0.2 s to load: only queue mode imports them.
  const queueParts = queue ? await openQueueParts(queue, store, { logger, registry, lookup, dataDir, env, offline: options.offline === true }) : undefined;
  const dispatcher = queueParts?.dispatcher;
  // REELGRAPH_REVIEW_POLL_MS: how soon a waiting gate sees a decision written by another process (the CLI).
  const reviews = new ReviewDesk(new ReviewTables(store.database), { pollMs: positiveMs(env.REELGRAPH_REVIEW_POLL_MS) ?? DEFAULT_REVIEW_POLL_MS });
  const pins = new ItemPins(new ItemPinTable(store.database), registry);
  // Daily budgets start from what today's recorded runs spent: they hold across `reelgraph run` invocations. In queue
  // mode the counters live in Redis, shared with the workers, and this process starts them from its records.
  const engine = new Engine({
    registry,
    reviews,
    pins,
    budgets: queueParts?.budgets ?? new InProcessBudgetLedger(budgetSeed(store)),
    ...providerBudgetsFromEnv(env),
    artifacts: new IndexedArtifactStore(artifacts, (handle) => store.indexArtifact(handle)),
    cache: new FsCacheStore(join(dataDir, 'cache')),
    dataDir,
    limits: limitsFromEnv(env),
    logger,
    credentials: lookup,
    ...(dispatcher ? { dispatcher } : {}),
  });
  const launcher = new RunLauncher(engine, store, logger);
  return {
    dataDir,
    registry,
    artifacts,
    store,
    engine,
    dispatcher: engine.services.dispatcher,
    launcher,
    reviews,
    pins,
    series: new SeriesTables(store.database),
    mode: queue ? 'queue' : 'embedded',
    close: async () => {
      await launcher.close();
      await engine.close();
      queueParts?.budgetRedis.disconnect();
      await store.close();
    },
  };
}

interface QueueWiring {
  logger: Logger;
  registry: NodeRegistry<NodeType>;
  lookup: CredentialsLookup;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  offline: boolean;
}

/** Queue mode's dispatcher and budget counters, which live in Redis, shared with the workers. */
async function openQueueParts(queue: QueueConfig, store: SqliteRunStore, wiring: QueueWiring) {
  const [{ QueueDispatcher }, { RedisBudgetLedger }, { Redis }] = await Promise.all([import('./queue/dispatcher.js'), import('./queue/redis-budget-ledger.js'), import('ioredis')]);
  const { logger, registry, lookup, dataDir, env } = wiring;
  const dispatcher = new QueueDispatcher({
    config: queue,
    logger,
    registry,
    credentials: lookup,
    // The server's key (environment, else the data directory's key file) seals credentials for workers.
    ...withKey((await resolveSecretKey(dataDir, { env }))?.key),
    ...(wiring.offline ? { offline: true } : {}),
    globalConcurrency: globalLimitsFromEnv(env),
    // Workers store artifacts directly; the orchestrator indexes what their results point at.
    onOutputs: async (outputs) => {
      for (const handle of collectArtifactHandles(outputs)) await store.indexArtifact(handle);
    },
  });
  const budgetRedis = new Redis(queue.redisUrl, { maxRetriesPerRequest: 3, connectTimeout: 10_000 });
  budgetRedis.on('error', (error) => logger.warn({ err: error }, 'budget ledger redis error'));
  // This process starts the counters from its records: they hold after Redis loses its keys.
  const budgets = new RedisBudgetLedger(budgetRedis, { prefix: budgetKeyPrefix(queue), seed: budgetSeed(store) });
  return { dispatcher, budgets, budgetRedis };
}

function positiveMs(text: string | undefined): number | undefined {
  const value = Number(text);
  return text !== undefined && text.trim() !== '' && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** REELGRAPH_BUDGET_PROVIDERS=runway=20,elevenlabs=5: each provider's spend per UTC day, in USD. */
function providerBudgetsFromEnv(env: NodeJS.ProcessEnv): { providerBudgetsUsdPerDay?: Record<string, number> } {
  const text = env.REELGRAPH_BUDGET_PROVIDERS?.trim();
  return text ? { providerBudgetsUsdPerDay: parseProviderBudgets(text) } : {};
}

/** What the records say a budget's run spent (before a restart), or its graph or provider today, at list price. */
export function budgetSeed(store: RunStore): BudgetSeed {
  return async (counter: BudgetCounter) => {
    // What was spent a moment ago may still sit in the write-behind buffer: a counter started without it would let it pass again.
    await store.flush();
    if (counter.kind === 'run') return counter.subject === undefined ? 0 : ((await store.getRun(counter.subject))?.costUsd ?? 0);
    if (counter.day === undefined || counter.subject === undefined) return 0;
    const since = Date.parse(`${counter.day}T00:00:00Z`);
    const usage = await store.usageSince(counter.kind === 'graph-day' ? { since, graphId: counter.subject } : { since, provider: counter.subject });
    return estimateCost(usage).totalUsd;
  };
}
