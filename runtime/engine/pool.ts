/**
 * Per-resource-class concurrency: one priority semaphore per class, shared by
 * every run of an engine, so an urgent run overtakes queued batch work.
 */
import { cpus } from 'node:os';
import { CancelledError } from '../contract/errors.js';
import type { Priority } from '../contract/events.js';
import { resourceClasses, type ResourceClass } from '../contract/node.js';

export type ResourceLimits = Record<ResourceClass, number>;

/**
 * The limits when nothing sets them. `cpu` units draw (scenes, overlays,
 * the score) on the JavaScript thread of the process they run in, each
 * beside an ffmpeg encoder of its own: where units share one process (the
 * embedded engine, an unsandboxed worker), one drawing per two cores keeps
 * every core busy. On 2 cores, one drawing at a time rendered the reference
 * episode in 116 s against 121–124 s for two, and peaked at 921 MiB against
 * 1050 (two scene encoders at once). A sandboxed worker draws each unit in a
 * process of its own: one per core.
 */
export function defaultLimits(options: { processPerUnit?: boolean } = {}): ResourceLimits {
  const cores = Math.max(1, cpus().length);
  return { cpu: options.processPerUnit ? cores : Math.max(1, Math.floor(cores / 2)), io: 16, voice: 5, video: 3, assembly: 2, light: 16 };
}

/**
 * Limits from the environment: `REELGRAPH_CONCURRENCY_VOICE=2` and so on —
 * per process (the embedded engine, or one queue worker).
 */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env, variablePrefix = 'REELGRAPH_CONCURRENCY_'): Partial<ResourceLimits> {
  const limits: Partial<ResourceLimits> = {};
  for (const resource of resourceClasses) {
    const name = `${variablePrefix}${resource.toUpperCase()}`;
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
    limits[resource] = value;
  }
  return limits;
}

/** Queue mode's cluster-wide caps: `REELGRAPH_GLOBAL_CONCURRENCY_VIDEO=3` bounds video units across all workers. */
export function globalLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<ResourceLimits> {
  return limitsFromEnv(env, 'REELGRAPH_GLOBAL_CONCURRENCY_');
}

const rank: Record<Priority, number> = { urgent: 0, normal: 1, batch: 2 };

interface Waiter {
  priority: number;
  sequence: number;
  grant: () => void;
}

export class PrioritySemaphore {
  private active = 0;
  private sequence = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.active;
  }

  /** Resolves with a release function once a slot is free; rejects if the signal aborts while waiting. */
  acquire(priority: Priority, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    if (this.active < this.limit && this.waiting.length === 0) {
      this.active += 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        priority: rank[priority],
        sequence: this.sequence++,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
      };
      const onAbort = (): void => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(new CancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.enqueue(waiter);
    });
  }

  private enqueue(waiter: Waiter): void {
    const at = this.waiting.findIndex((w) => w.priority > waiter.priority);
    if (at < 0) this.waiting.push(waiter);
    else this.waiting.splice(at, 0, waiter);
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.grant();
      else this.active -= 1;
    };
  }
}

export class ResourcePool {
  private readonly semaphores: Map<ResourceClass, PrioritySemaphore>;

  constructor(limits: Partial<ResourceLimits> = {}) {
    const merged = { ...defaultLimits(), ...limits };
    this.semaphores = new Map(resourceClasses.map((resource) => [resource, new PrioritySemaphore(merged[resource])]));
  }

  semaphore(resource: ResourceClass): PrioritySemaphore {
    return this.semaphores.get(resource) as PrioritySemaphore;
  }

  limits(): ResourceLimits {
    return Object.fromEntries([...this.semaphores].map(([resource, s]) => [resource, s.limit])) as ResourceLimits;
  }
}
