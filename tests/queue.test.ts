/**
 * Queue mode on a real Redis with real worker processes: the same graphs,
 * the same results as embedded mode, across workers that can die.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { queueName } from '../runtime/queue/names.js';
import { GRAPH_FORMAT, type GraphDocument } from '../runtime/contract/index.js';
import type { RunResult } from '../runtime/engine/run.js';
import type { LogEvent } from '../runtime/contract/events.js';
import { UNSERVED_NOTICE_MS } from '../runtime/queue/dispatcher.js';
import { builtinNodes } from '../nodes/index.js';
import { openWorkspace } from '../runtime/workspace.js';
import { createCluster, type Cluster } from './fixtures/queue-cluster.js';
import type { Trace } from './fixtures/queue-nodes.js';
import { requireRedis } from './fixtures/redis.js';

const redis = await requireRedis('queue mode');

function workGraph(options: { count: number; ms: number; type?: string; tag?: string; limitConcurrency?: number; prefix?: string }): GraphDocument {
  return {
    format: GRAPH_FORMAT,
    schemaVersion: 1,
    name: 'queue work',
    nodes: [
      { id: 'items', type: 'testq.items', typeVersion: 1, position: { x: 0, y: 0 }, params: { count: options.count, prefix: options.prefix ?? 'item' } },
      {
        id: 'work',
        type: options.type ?? 'testq.work-voice',
        typeVersion: 1,
        position: { x: 200, y: 0 },
        params: { tag: options.tag ?? 'w', ms: options.ms, ...(options.limitConcurrency ? { limitConcurrency: options.limitConcurrency } : {}) },
      },
    ],
    edges: [{ from: 'items.items', to: 'work.items' }],
    outputs: { items: 'work.items', trace: 'work.trace' },
  };
}

function traces(result: RunResult): Trace[] {
  return result.outputs.trace as Trace[];
}

/** The most units that ran at once, from their traces. */
function maxOverlap(list: Trace[]): number {
  const points = list.flatMap((t) => [
    { at: t.start, delta: 1 },
    { at: t.end, delta: -1 },
  ]);
  points.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let now = 0;
  let max = 0;
  for (const p of points) max = Math.max(max, (now += p.delta));
  return max;
}

let cluster: Cluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  cluster = undefined;
});

describe.skipIf(!redis)('queue mode', () => {
  it('runs a graph on two worker processes with the same outputs as embedded mode, sandboxed classes included', async () => {
    cluster = await createCluster('same');
    const [a, b] = await Promise.all([cluster.startWorker(['--concurrency', 'voice=2,video=2']), cluster.startWorker(['--concurrency', 'voice=2,video=2'])]);
    const graph: GraphDocument = {
      ...workGraph({ count: 6, ms: 200 }),
      nodes: [...workGraph({ count: 6, ms: 200 }).nodes, { id: 'render', type: 'testq.work-video', typeVersion: 1, position: { x: 400, y: 0 }, params: { tag: 'r', ms: 100 } }],
      edges: [...workGraph({ count: 6, ms: 200 }).edges, { from: 'work.items', to: 'render.items' }],
      outputs: { items: 'render.items', trace: 'render.trace', voiced: 'work.trace' },
    };
    const orchestrator = await cluster.orchestrator();
    const queued = await orchestrator.engine.run(graph, { outDir: `${cluster.dir}/out` });
    expect(queued.error).toBeUndefined();
    expect(queued.status).toBe('done');

    const embeddedDir = `${cluster.dir}/embedded`;
    const embedded = await openWorkspace(embeddedDir, { nodes: builtinNodes, env: { ...cluster.env, REDIS_URL: '', REELGRAPH_DATA: embeddedDir } });
    try {
      const local = await embedded.engine.run(graph, { outDir: `${embeddedDir}/out` });
      expect(local.status).toBe('done');
      expect(queued.outputs.items).toEqual(local.outputs.items);
      expect(queued.outputs.items).toEqual(Array.from({ length: 6 }, (_, i) => `r(w(item-${i}))`));
      // Embedded ran in this process; queue mode ran on the two workers (video in their sandboxed children).
      expect(new Set(traces(local).map((t) => t.pid))).toEqual(new Set([process.pid]));
    } finally {
      await embedded.close();
    }
    const voicePids = new Set((queued.outputs.voiced as Trace[]).map((t) => t.pid));
    expect([...voicePids].every((pid) => pid === a.pid || pid === b.pid)).toBe(true);
    expect(voicePids.size).toBe(2);
    const videoPids = new Set(traces(queued).map((t) => t.pid));
    expect([...videoPids].some((pid) => pid === a.pid || pid === b.pid || pid === process.pid)).toBe(false);

    // Run again: every unit comes from the orchestrator's cache, nothing is queued.
    const again = await orchestrator.engine.run(graph, { outDir: `${cluster.dir}/out` });
    expect(again.nodes.find((n) => n.id === 'work')?.items).toMatchObject({ cached: 6, executed: 0 });
    expect(again.outputs.items).toEqual(queued.outputs.items);
  });
});

describe.skipIf(!redis)('queue mode partial runs', () => {
  it('runs until a node, then only the next one, on workers: nothing downstream, ancestors reused from the cache', async () => {
    cluster = await createCluster('partial');
    const worker = await cluster.startWorker(['--concurrency', 'voice=2,video=2']);
    const base = workGraph({ count: 3, ms: 20, prefix: 'partial' });
    const graph: GraphDocument = {
      ...base,
      nodes: [...base.nodes, { id: 'render', type: 'testq.work-video', typeVersion: 1, position: { x: 400, y: 0 }, params: { tag: 'r', ms: 20 } }],
      edges: [...base.edges, { from: 'work.items', to: 'render.items' }],
      outputs: { items: 'render.items' },
    };
    const orchestrator = await cluster.orchestrator();
    const out = `${cluster.dir}/out`;

    // Cold cache: nothing is queued, and the run names the first node it lacks.
    const cold = await orchestrator.engine.run(graph, { outDir: out, only: 'render' });
    expect(cold.status).toBe('failed');
    expect(cold.error).toMatchObject({ code: 'UPSTREAM_NOT_CACHED', location: { nodeId: 'items' } });

    const until = await orchestrator.engine.run(graph, { outDir: out, until: 'work' });
    expect(until.status).toBe('done');
    expect(until.nodes.map((n) => n.id)).toEqual(['items', 'work']);
    expect(until.outputs.items).toEqual(['w(partial-0)', 'w(partial-1)', 'w(partial-2)']);
    expect(new Set((until.outputs.trace as Trace[]).map((t) => t.pid))).toEqual(new Set([worker.pid]));

    const only = await orchestrator.engine.run(graph, { outDir: out, only: 'render' });
    expect(only.status).toBe('done');
    expect(only.nodes.map((n) => [n.id, n.status, n.items.executed, n.items.cached])).toEqual([
      ['items', 'cached', 0, 1],
      ['work', 'cached', 0, 3],
      ['render', 'done', 3, 0],
    ]);
    expect(only.outputs.items).toEqual(['r(w(partial-0))', 'r(w(partial-1))', 'r(w(partial-2))']);
  });
});

describe.skipIf(!redis)('queue mode credentials', () => {
  const key = randomBytes(32).toString('base64');
  const secretGraph: GraphDocument = {
    format: GRAPH_FORMAT,
    schemaVersion: 1,
    name: 'secret',
    nodes: [{ id: 'secret', type: 'testq.secret', typeVersion: 1, params: {}, position: { x: 0, y: 0 } }],
    edges: [],
    outputs: { value: 'secret.value' },
  };
  const vault = { credentials: () => ({ get: async (name: string) => (name === 'testq' ? { apiKey: 'vault-only-s3cret' } : undefined) }) };

  it("carries the orchestrator's credentials to workers sealed, never in plaintext through Redis", async () => {
    cluster = await createCluster('secrets', { REELGRAPH_SECRET_KEY: key, TESTQ_API_KEY: '' });
    await cluster.startWorker(['--queues', 'io']);
    const orchestrator = await cluster.orchestrator({}, vault);
    const result = await orchestrator.engine.run(secretGraph, { outDir: `${cluster.dir}/out` });
    expect(result.error).toBeUndefined();
    expect(result.outputs.value).toBe(createHash('sha256').update('vault-only-s3cret').digest('hex').slice(0, 12));
    const queue = new Queue(queueName('io'), { connection: { url: cluster.env.REDIS_URL as string }, prefix: cluster.env.REELGRAPH_QUEUE_PREFIX as string });
    try {
      const jobs = await queue.getJobs(['completed']);
      expect(jobs.length).toBe(1);
      const stored = JSON.stringify(jobs.map((job) => job.data));
      expect(stored).toContain('sealedCredentials');
      expect(stored).not.toContain('vault-only-s3cret');
    } finally {
      await queue.close();
    }
  });

  it('fails the unit with a clear error on a worker without the key', async () => {
    cluster = await createCluster('nokey', { REELGRAPH_SECRET_KEY: key, TESTQ_API_KEY: '' });
    await cluster.startWorker(['--queues', 'io'], { REELGRAPH_SECRET_KEY: '' });
    const orchestrator = await cluster.orchestrator({}, vault);
    const result = await orchestrator.engine.run(secretGraph, { outDir: `${cluster.dir}/out` });
    expect(result.status).toBe('failed');
    expect(result.error?.message).toMatch(/no REELGRAPH_SECRET_KEY/);
    expect(result.error?.location?.nodeId).toBe('secret');
  });
});

describe.skipIf(!redis)('queue mode when processes die', () => {
  it('completes a run when a worker is killed (SIGKILL) in the middle of an item', async () => {
    // Short locks so the dead worker's job is re-delivered in seconds, not the default 30 s.
    cluster = await createCluster('kill', { REELGRAPH_QUEUE_LOCK_MS: '2000', REELGRAPH_QUEUE_STALLED_MS: '1000' });
    const victim = await cluster.startWorker(['--queues', 'voice,cpu', '--concurrency', 'voice=1']);
    const orchestrator = await cluster.orchestrator();
    const started = new Promise<void>((resolve) => {
      orchestrator.engine.events.on((event) => {
        if (event.type === 'item' && event.nodeId === 'work' && event.status === 'running') resolve();
      });
    });
    const run = orchestrator.engine.run(workGraph({ count: 3, ms: 1500 }), { outDir: `${cluster.dir}/out` });
    await started;
    // Only the victim serves voice so far, so the running item is the victim's. Kill it, then bring a survivor.
    await victim.stop('SIGKILL');
    const survivor = await cluster.startWorker(['--queues', 'voice,cpu', '--concurrency', 'voice=1']);
    const result = await run;
    expect(result.error).toBeUndefined();
    expect(result.status).toBe('done');
    expect(result.outputs.items).toEqual(['w(item-0)', 'w(item-1)', 'w(item-2)']);
    // Every item's result was produced by the survivor: the killed worker finished none.
    expect(traces(result).map((t) => t.pid)).toEqual([survivor.pid, survivor.pid, survivor.pid]);
  });

  it('resumes a run after its orchestrator is killed and started again', async () => {
    cluster = await createCluster('resume');
    await cluster.startWorker(['--concurrency', 'voice=1']);
    const graphFile = `${cluster.dir}/graph.json`;
    await writeFile(graphFile, JSON.stringify(workGraph({ count: 4, ms: 700 })));
    const script = fileURLToPath(new URL('./fixtures/orchestrator-process.ts', import.meta.url));
    const first = spawn(process.execPath, ['--import', 'tsx', script, 'launch', graphFile], { env: cluster.env, stdio: ['ignore', 'pipe', 'inherit'] });
    const runId = await new Promise<string>((resolve, reject) => {
      let out = '';
      first.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /launched (\S+)/.exec(out);
        if (match) resolve(match[1] as string);
      });
      first.once('exit', (code) => reject(new Error(`orchestrator exited (${code}) before launching: ${out}`)));
    });
    // Kill the orchestrator once the run is under way: one item done, others queued or running.
    const store = (await cluster.orchestrator({ REDIS_URL: '' })).store;
    const doneItems = async (): Promise<number[]> => ((await store.getRun(runId))?.items ?? []).filter((i) => i.nodeId === 'work' && i.status === 'done').map((i) => i.index);
    await waitFor(async () => (await doneItems()).length >= 1);
    first.kill('SIGKILL');
    await once(first, 'exit');
    const finishedBeforeCrash = await doneItems();
    expect((await store.getRun(runId))?.status).toBe('running');

    const second = spawn(process.execPath, ['--import', 'tsx', script, 'resume'], { env: cluster.env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    second.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const [code] = (await once(second, 'exit')) as [number];
    expect(out).toContain(`resumed ${runId}`);
    expect(out).toContain(`finished ${runId} done`);
    expect(code).toBe(0);
    const detail = await store.getRun(runId);
    expect(detail?.status).toBe('done');
    expect(detail?.outputs?.items).toEqual(['w(item-0)', 'w(item-1)', 'w(item-2)', 'w(item-3)']);
    // Work finished before the crash was not done again: those items came back from the cache.
    const cached = (detail?.items ?? []).filter((i) => i.nodeId === 'work' && i.status === 'cached').map((i) => i.index);
    expect(cached).toEqual(expect.arrayContaining(finishedBeforeCrash));
    expect(finishedBeforeCrash.length).toBeGreaterThanOrEqual(1);
  });
});

describe.skipIf(!redis)('queue mode scheduling', () => {
  it('tells the run when no worker serves a unit’s queue, and runs the unit once one does', { timeout: 90_000 }, async () => {
    cluster = await createCluster('unserved');
    // The items come from the cpu queue; the work waits in the voice queue, which this worker leaves out.
    await cluster.startWorker(['--queues', 'cpu']);
    const orchestrator = await cluster.orchestrator();
    const warnings: LogEvent[] = [];
    const off = orchestrator.engine.events.on((event) => {
      if (event.type === 'log' && event.level === 'warn' && event.data?.queue !== undefined) warnings.push(event);
    });
    try {
      const running = orchestrator.engine.run(workGraph({ count: 2, ms: 10 }), { outDir: `${cluster.dir}/out` });
      await waitFor(async () => warnings.length >= 2, UNSERVED_NOTICE_MS + 30_000);
      expect(warnings.map((warning) => [warning.nodeId, warning.data?.queue])).toEqual([
        ['work', 'voice'],
        ['work', 'voice'],
      ]);
      expect(warnings[0]!.message).toMatch(/no worker serves the "voice" queue.*--queues must include voice/);
      await cluster.startWorker(['--queues', 'voice']);
      const result = await running;
      expect(result.status, result.error?.message).toBe('done');
      expect(warnings.length).toBe(2);
    } finally {
      off();
    }
  });

  it('runs urgent units before queued batch units', async () => {
    cluster = await createCluster('priority');
    await cluster.startWorker(['--queues', 'voice,cpu', '--concurrency', 'voice=1']);
    const orchestrator = await cluster.orchestrator();
    const firstRunning = new Promise<void>((resolve) => {
      orchestrator.engine.events.on((event) => {
        if (event.type === 'item' && event.status === 'running') resolve();
      });
    });
    const batch = orchestrator.engine.run(workGraph({ count: 5, ms: 300, prefix: 'batch' }), { outDir: `${cluster.dir}/out`, priority: 'batch' });
    await firstRunning;
    await waitFor(async () => (await queueCounts(cluster as Cluster, 'voice')).waiting >= 4);
    const urgent = orchestrator.engine.run(workGraph({ count: 2, ms: 300, prefix: 'urgent' }), { outDir: `${cluster.dir}/out`, priority: 'urgent' });
    const [batchResult, urgentResult] = await Promise.all([batch, urgent]);
    const batchStarts = traces(batchResult).map((t) => t.start).sort((a, b) => a - b);
    const urgentStarts = traces(urgentResult).map((t) => t.start);
    // The urgent run jumped the queue: both its items started before the last three batch items.
    for (const start of urgentStarts) expect(start).toBeLessThan(batchStarts[2] as number);
  });

  it('keeps each worker within its class concurrency, and the cluster within a global cap', async () => {
    cluster = await createCluster('concurrency');
    const workers = await Promise.all([cluster.startWorker(['--concurrency', 'video=2']), cluster.startWorker(['--concurrency', 'video=2'])]);
    const orchestrator = await cluster.orchestrator();
    // Units long enough to overlap on a loaded machine too: at 400 ms, a worker slow to take its next job (load average
    // 10 on 2 cores) left only two running at once.
    const free = await orchestrator.engine.run(workGraph({ count: 8, ms: 1200, type: 'testq.work-video', tag: 'free' }), { outDir: `${cluster.dir}/out` });
    expect(free.status).toBe('done');
    expect(workers).toHaveLength(2);
    // Two workers with video=2 each: never more than four at once, and more than one worker's worth in parallel.
    expect(maxOverlap(traces(free))).toBeLessThanOrEqual(4);
    expect(maxOverlap(traces(free))).toBeGreaterThanOrEqual(3);

    const capped = await cluster.orchestrator({ REELGRAPH_GLOBAL_CONCURRENCY_VIDEO: '1' });
    const one = await capped.engine.run(workGraph({ count: 4, ms: 300, type: 'testq.work-video', tag: 'capped' }), { outDir: `${cluster.dir}/out` });
    expect(one.status).toBe('done');
    expect(maxOverlap(traces(one))).toBe(1);
  });

  it('holds a provider concurrency limit across two workers (Redis-backed rate limiter)', async () => {
    cluster = await createCluster('ratelimit');
    await Promise.all([cluster.startWorker(['--queues', 'voice,cpu', '--concurrency', 'voice=3']), cluster.startWorker(['--queues', 'voice,cpu', '--concurrency', 'voice=3'])]);
    const orchestrator = await cluster.orchestrator();
    const free = await orchestrator.engine.run(workGraph({ count: 6, ms: 400, tag: 'free' }), { outDir: `${cluster.dir}/out` });
    // Without the limit, both workers run several units at once ...
    expect(maxOverlap(traces(free))).toBeGreaterThanOrEqual(3);
    const limited = await orchestrator.engine.run(workGraph({ count: 6, ms: 200, tag: 'limited', limitConcurrency: 1 }), { outDir: `${cluster.dir}/out` });
    expect(limited.status).toBe('done');
    // ... with a provider limit of one in flight, the cluster runs them one at a time, on both workers.
    expect(maxOverlap(traces(limited))).toBe(1);
    expect(new Set(traces(limited).map((t) => t.pid)).size).toBe(2);
  });

  it('cancels a run: running units stop on their worker and queued ones leave the queue', { timeout: 90_000 }, async () => {
    cluster = await createCluster('cancel');
    await cluster.startWorker(['--queues', 'voice,cpu', '--concurrency', 'voice=1']);
    const orchestrator = await cluster.orchestrator();
    const running = new Promise<void>((resolve) => {
      orchestrator.engine.events.on((event) => {
        if (event.type === 'item' && event.status === 'running') resolve();
      });
    });
    // Units of two minutes: one still active after the wait below was not stopped (it would not have ended on its own).
    // The wait is generous: on a loaded machine the worker takes seconds to see the cancel (10 s was once too few).
    const handle = orchestrator.engine.start(workGraph({ count: 4, ms: 120_000 }), { outDir: `${cluster.dir}/out` });
    await running;
    handle.cancel();
    const result = await handle.result;
    expect(result.status).toBe('cancelled');
    await waitFor(async () => {
      const counts = await queueCounts(cluster as Cluster, 'voice');
      return counts.waiting === 0 && counts.active === 0;
    }, 40_000);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function queueCounts(c: Cluster, resource: 'voice' | 'video'): Promise<{ waiting: number; active: number }> {
  const queue = new Queue(queueName(resource), { connection: { url: c.env.REDIS_URL as string }, prefix: c.env.REELGRAPH_QUEUE_PREFIX as string });
  try {
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'active');
    return { waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0), active: counts.active ?? 0 };
  } finally {
    await queue.close();
  }
}
