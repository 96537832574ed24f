/**
 * What a run needs from its engine: the services every run of one engine
 * shares. A leaf module, so the engine and the runs it starts (run.ts) both
 * use it without importing each other.
 */
import type { Logger } from 'pino';
import type { ArtifactStore } from '../contract/artifacts.js';
import type { CredentialsLookup, NodeType } from '../contract/node.js';
import type { RateLimiter } from '../contract/rate-limit.js';
import type { NodeRegistry } from '../contract/registry.js';
import type { EventBus } from './bus.js';
import type { ReviewDesk } from './review-desk.js';
import type { CacheStore } from './cache.js';
import type { ItemPinSource } from './item-pins.js';
import type { Sleep } from './retry.js';
import type { UnitDispatcher } from './unit.js';

export interface EngineServices {
  registry: NodeRegistry<NodeType>;
  artifacts: ArtifactStore;
  cache: CacheStore;
  dataDir: string;
  dispatcher: UnitDispatcher;
  bus: EventBus;
  credentials: CredentialsLookup;
  rateLimiter: RateLimiter;
  logger: Logger;
  sleep: Sleep;
  random: () => number;
  /** Where review gates (`control.review`) record their storyboard and wait for decisions. */
  reviews: ReviewDesk;
  /** The producers' item pins (locks and takes); without it, no item is pinned. */
  pins?: ItemPinSource;
}
