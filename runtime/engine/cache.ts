/**
 * The result cache. A unit of work (a node, or one item of a mapped node) is
 * keyed by what determines its result; a hit skips execution entirely. Paid
 * provider results are written even when a run ignores the cache, so they
 * are never thrown away.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeOutputs } from '../contract/node.js';
import { writeFileAtomic } from '../util/atomic-file.js';
import { hashJson } from './hash.js';

export interface CacheEntry {
  key: string;
  nodeType: string;
  typeVersion: number;
  outputs: NodeOutputs;
  /** Node id that produced the entry (a provider for fallback chains). */
  producedBy?: string;
  /** The run that produced it: a run ignoring the cache still reuses its own results when it resumes after a restart. */
  runId?: string;
  createdAt: number;
}

export interface CacheStore {
  get(key: string): Promise<CacheEntry | undefined>;
  put(entry: CacheEntry): Promise<void>;
}

export interface CacheKeyParts {
  type: string;
  typeVersion: number;
  params?: unknown;
  /** Port → hash of the value on that port. */
  inputs?: Record<string, string>;
  /** Instead of params and inputs: the hash of what the node says its result depends on. */
  view?: string;
  /** Provider or model identity, when the node declares one. */
  identity?: string;
  /** The item's take when not the first (absent for take 0, so keys from before takes existed stay valid). */
  take?: number;
}

export function cacheKey(parts: CacheKeyParts): string {
  return hashJson({ cacheFormat: 1, ...parts });
}

/**
 * Entries as small JSON files under `<dataDir>/cache`, readable by every
 * process sharing the directory. Entries never change once written (the key
 * is a content hash), so a bounded in-memory copy of recent ones is always
 * current and spares long-lived processes a file read per unit.
 */
export class FsCacheStore implements CacheStore {
  private readonly recent = new Map<string, CacheEntry>();

  constructor(
    private readonly root: string,
    private readonly memoryEntries = 10_000,
  ) {}

  private remember(entry: CacheEntry): void {
    this.recent.delete(entry.key);
    this.recent.set(entry.key, entry);
    if (this.recent.size > this.memoryEntries) this.recent.delete(this.recent.keys().next().value as string);
  }

  private path(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`invalid cache key "${key}"`);
    return join(this.root, key.slice(0, 2), `${key}.json`);
  }

  async get(key: string): Promise<CacheEntry | undefined> {
    const known = this.recent.get(key);
    if (known) return known;
    let text: string;
    try {
      text = await readFile(this.path(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const entry = JSON.parse(text) as CacheEntry;
      if (entry.key !== key) return undefined;
      this.remember(entry);
      return entry;
    } catch {
      // A corrupt entry is a miss, not a failure: the unit simply runs again and rewrites it.
      return undefined;
    }
  }

  async put(entry: CacheEntry): Promise<void> {
    await writeFileAtomic(this.path(entry.key), JSON.stringify(entry), { durable: false });
    this.remember(entry);
  }
}
