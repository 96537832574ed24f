import { cpus } from 'node:os';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../runtime/contract/index.js';
import { servingPlan } from '../cli/commands/worker.js';
import { defaultLimits, limitsFromEnv, PrioritySemaphore, ResourcePool } from '../runtime/engine/pool.js';

describe('PrioritySemaphore', () => {
  it('grants waiting work by priority, then in arrival order', async () => {
    const semaphore = new PrioritySemaphore(1);
    const release = await semaphore.acquire('normal');
    const order: string[] = [];
    const wait = (name: string, priority: 'urgent' | 'normal' | 'batch') =>
      semaphore.acquire(priority).then((done) => {
        order.push(name);
        done();
      });
    const all = Promise.all([wait('batch-1', 'batch'), wait('normal-1', 'normal'), wait('urgent-1', 'urgent'), wait('normal-2', 'normal'), wait('urgent-2', 'urgent')]);
    release();
    await all;
    expect(order).toEqual(['urgent-1', 'urgent-2', 'normal-1', 'normal-2', 'batch-1']);
    expect(semaphore.inUse).toBe(0);
  });

  it('drops a waiter whose signal aborts, without leaking its slot', async () => {
    const semaphore = new PrioritySemaphore(1);
    const release = await semaphore.acquire('normal');
    const controller = new AbortController();
    const waiting = semaphore.acquire('normal', controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    release();
    expect(semaphore.inUse).toBe(0);
    const again = await semaphore.acquire('batch');
    expect(semaphore.inUse).toBe(1);
    again();
    again(); // releasing twice is harmless
    expect(semaphore.inUse).toBe(0);
  });
});

describe('resource limits', () => {
  it('reads limits from the environment and rejects nonsense', () => {
    expect(limitsFromEnv({ REELGRAPH_CONCURRENCY_VOICE: '2', REELGRAPH_CONCURRENCY_VIDEO: '1' })).toEqual({ voice: 2, video: 1 });
    expect(() => limitsFromEnv({ REELGRAPH_CONCURRENCY_VOICE: 'lots' })).toThrow(/REELGRAPH_CONCURRENCY_VOICE must be a positive integer, got "lots"/);
    expect(() => limitsFromEnv({ REELGRAPH_CONCURRENCY_CPU: '0' })).toThrow(/positive integer/);
  });

  it('defaults to the seed limits', () => {
    const limits = new ResourcePool().limits();
    expect(limits).toMatchObject({ voice: 5, video: 3, assembly: 2 });
    expect(limits.cpu).toBeGreaterThanOrEqual(1);
  });

  it('draws one cpu unit per two cores where units share a process, one per core where each has its own', () => {
    // Drawing runs on the process's one JavaScript thread, each drawing beside an encoder of its own.
    const cores = Math.max(1, cpus().length);
    expect(new ResourcePool().limits().cpu).toBe(Math.max(1, Math.floor(cores / 2)));
    const cpuOf = (sandbox: boolean): number | undefined => servingPlan({ sandbox, queues: 'cpu' }, {}).find((plan) => plan.resource === 'cpu')?.concurrency;
    expect(cpuOf(false)).toBe(Math.max(1, Math.floor(cores / 2)));
    expect(cpuOf(true)).toBe(cores);
    expect(defaultLimits({ processPerUnit: true }).cpu).toBe(cores);
  });
});
