/**
 * A worker killed outright (SIGKILL: no exit handler runs) must take every
 * process it started along: its sandboxed BullMQ children, the ffmpeg those
 * run, and the ffmpeg its own in-process units run. Real worker processes on
 * a real Redis; the process tree is read from /proc.
 */
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { GRAPH_FORMAT, type GraphDocument } from '../runtime/contract/index.js';
import type { RunHandle } from '../runtime/engine/engine.js';
import { queueName } from '../runtime/queue/names.js';
import { createCluster, type Cluster, type WorkerProcess } from './fixtures/queue-cluster.js';
import { describeProcesses, killSurvivors, survivorsAfter, treeOf, waitFor, type ProcessEntry } from './fixtures/process-tree.js';
import { redisUrl, requireRedis } from './fixtures/redis.js';

const redis = await requireRedis('worker orphans');

/** One sandboxed unit (video) and one in-process unit (voice), each keeping an ffmpeg busy far longer than the test. */
const graph: GraphDocument = {
  format: GRAPH_FORMAT,
  schemaVersion: 1,
  name: 'long ffmpeg units',
  nodes: [
    { id: 'items', type: 'testq.items', typeVersion: 1, position: { x: 0, y: 0 }, params: { count: 1 } },
    { id: 'render', type: 'testq.ffmpeg-video', typeVersion: 1, position: { x: 200, y: 0 }, params: { seconds: 600 } },
    { id: 'speak', type: 'testq.ffmpeg-voice', typeVersion: 1, position: { x: 200, y: 200 }, params: { seconds: 600 } },
  ],
  edges: [
    { from: 'items.items', to: 'render.items' },
    { from: 'items.items', to: 'speak.items' },
  ],
  outputs: { rendered: 'render.trace', spoken: 'speak.trace' },
};

/** Generous: these bound a wait on a shared 2-core machine, they do not measure speed. */
const MID_UNIT_TIMEOUT_MS = 90_000;
const GONE_TIMEOUT_MS = 10_000;

let cluster: Cluster | undefined;
let run: { handle: RunHandle; abort: AbortController } | undefined;
const recorded: ProcessEntry[] = [];

afterEach(async () => {
  // Whatever the outcome, nothing this test started may outlive it.
  killSurvivors(recorded);
  recorded.length = 0;
  run?.abort.abort();
  await run?.handle.result.catch(() => {});
  run = undefined;
  await cluster?.dispose();
  cluster = undefined;
});

/** Starts the long units on `worker` and returns its whole process tree once both ffmpegs run. */
async function treeMidUnit(c: Cluster, worker: WorkerProcess): Promise<ProcessEntry[]> {
  const orchestrator = await c.orchestrator();
  const abort = new AbortController();
  run = { handle: orchestrator.engine.start(graph, { outDir: `${c.dir}/out`, signal: abort.signal }), abort };
  const tree = await waitFor(
    'both units to be running ffmpeg',
    () => {
      const now = treeOf(worker.pid);
      const ffmpegs = now.filter((p) => p.comm === 'ffmpeg');
      // One ffmpeg under a sandboxed child, one directly under the worker.
      return ffmpegs.some((p) => p.ppid === worker.pid) && ffmpegs.some((p) => p.ppid !== worker.pid) ? now : undefined;
    },
    MID_UNIT_TIMEOUT_MS,
  );
  recorded.push(...tree);
  return tree;
}

describe.skipIf(!redis || process.platform !== 'linux')('a worker killed with SIGKILL mid-unit', () => {
  it('leaves no process it started running: sandboxed children, their ffmpeg, and its own ffmpeg', async () => {
    cluster = await createCluster('orphans', { REELGRAPH_QUEUE_LOCK_MS: '2000', REELGRAPH_QUEUE_STALLED_MS: '1000' });
    const worker = await cluster.startWorker(['--concurrency', 'cpu=1,video=1,voice=1']);
    const tree = await treeMidUnit(cluster, worker);
    const sandboxes = tree.filter((p) => p.ppid === worker.pid && p.comm !== 'ffmpeg');
    expect(sandboxes.length, describeProcesses(tree).join('\n')).toBeGreaterThanOrEqual(1);

    await worker.stop('SIGKILL');
    expect(describeProcesses(await survivorsAfter(tree, GONE_TIMEOUT_MS))).toEqual([]);
  });

  it('without a parent-death signal, the sandbox watchdog and the next worker start-up clean up', async () => {
    // As on a machine without util-linux setpriv: only the Node-side mechanisms remain.
    cluster = await createCluster('orphans-nosetpriv', { REELGRAPH_QUEUE_LOCK_MS: '2000', REELGRAPH_QUEUE_STALLED_MS: '1000', REELGRAPH_PDEATHSIG: 'off' });
    const worker = await cluster.startWorker(['--concurrency', 'cpu=1,video=1,voice=1']);
    const tree = await treeMidUnit(cluster, worker);
    const sandboxTree = tree.filter((p) => p.ppid !== worker.pid || p.comm !== 'ffmpeg');
    const workersOwnFfmpeg = tree.filter((p) => p.ppid === worker.pid && p.comm === 'ffmpeg');

    await worker.stop('SIGKILL');
    // Sandboxed children notice their parent is gone and take their ffmpeg along.
    expect(describeProcesses(await survivorsAfter(sandboxTree, GONE_TIMEOUT_MS))).toEqual([]);

    // The ffmpeg of the dead worker's own unit has nobody watching it until a worker starts here again.
    const replacement = await cluster.startWorker(['--queues', 'io']);
    expect(describeProcesses(await survivorsAfter(workersOwnFfmpeg, GONE_TIMEOUT_MS))).toEqual([]);
    expect(replacement.stderr()).toMatch(/killed \d+ process\(es\) left running by dead workers: .*ffmpeg/);
  });

  it('a unit whose lock was lost is stopped, so it never races its re-delivered copy', async () => {
    cluster = await createCluster('lost-lock', { REELGRAPH_QUEUE_LOCK_MS: '2000', REELGRAPH_QUEUE_STALLED_MS: '1000' });
    const worker = await cluster.startWorker(['--concurrency', 'cpu=1,video=1,voice=1']);
    const tree = await treeMidUnit(cluster, worker);
    const ownFfmpeg = tree.find((p) => p.ppid === worker.pid && p.comm === 'ffmpeg')!;

    // What a worker cut off from Redis for longer than its lock finds: the lock is gone (expired, or taken by another worker).
    const prefix = cluster.env.REELGRAPH_QUEUE_PREFIX!;
    const queue = new Queue(queueName('voice'), { connection: { url: redisUrl }, prefix });
    const redis = new Redis(redisUrl);
    try {
      const [active] = await queue.getActive();
      expect(active, 'the in-process unit is active').toBeDefined();
      await redis.del(`${prefix}:${queueName('voice')}:${active!.id}:lock`);
    } finally {
      await queue.close();
      redis.disconnect();
    }
    // The worker lives on; the unit it no longer holds, and its ffmpeg, stop.
    expect(describeProcesses(await survivorsAfter([ownFfmpeg], GONE_TIMEOUT_MS))).toEqual([]);
    expect({ exitCode: worker.child.exitCode, signalCode: worker.child.signalCode }).toEqual({ exitCode: null, signalCode: null });
  });
});
