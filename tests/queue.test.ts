/**
 * Queue mode on a real Redis with real worker processes: the same graphs,
 * the same results as embedded mode, across workers that can die.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GRAPH_FORMAT, type GraphDocument } from '../runtime/contract/index.js';
import type { RunResult } from '../runtime/engine/run.js';
import { openWorkspace } from '../cli/workspace.js';
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
    const embedded = await openWorkspace(embeddedDir, { env: { ...cluster.env, REDIS_URL: '', REELGRAPH_DATA: embeddedDir } });
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
