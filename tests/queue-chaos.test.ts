/**
 * Chaos on a real Redis: two workers render a small episode while workers
 * are killed with SIGKILL at moments drawn from a seeded PRNG, a replacement
 * starting after each kill. Every run must finish with the same decoded
 * frames and audio as a clean run, and nothing a killed worker started may
 * outlive it. REELGRAPH_CHAOS_SEED replays another schedule.
 */
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { applyOverrides, type ArtifactHandle, type GraphDocument } from '../runtime/contract/index.js';
import { loadGraphFile } from '../runtime/graph-file.js';
import type { RunResult } from '../runtime/engine/run.js';
import { ffmpegPath, runTool } from '../runtime/media/binaries.js';
import { listProcesses, readEnvironment, type ProcessEntry } from '../runtime/process/process-table.js';
import { shortEpisode } from './fixtures/assembly-graph.js';
import { createCluster, type Cluster, type WorkerProcess } from './fixtures/queue-cluster.js';
import { describeProcesses, killSurvivors, survivorsAfter, treeOf } from './fixtures/process-tree.js';
import { requireRedis } from './fixtures/redis.js';
import { mulberry32 } from '../runtime/util/random.js';

const redis = await requireRedis('queue chaos');

const SEED = Number(process.env.REELGRAPH_CHAOS_SEED ?? 14);
const KILLS = 6;
const KILLS_PER_RUN = 3;
/**
 * Kills land within this share of a clean run's duration after a run starts,
 * so they hit voices, scenes and render on a fast machine and a slow one alike.
 */
const KILL_WINDOW = { from: 0.05, to: 0.9 };
/** Bounds waits on a shared machine; nothing here measures speed. */
const GONE_TIMEOUT_MS = 10_000;
const MAX_RUNS = 4;
/** Few units at once per worker: the point is kills mid-unit, not throughput. */
const WORKER_ARGS = ['--concurrency', 'cpu=1,video=1,assembly=1,voice=2,io=4'];

/** The shipped episode pipeline at 320×180. */
async function smallEpisodeGraph(): Promise<GraphDocument> {
  const { graph } = await loadGraphFile(resolve(import.meta.dirname, '..', 'graphs', 'episode.json'));
  const small = { profile: 'youtube-1080p', width: 320, height: 180 };
  return applyOverrides(graph, {
    format: graph.format,
    schemaVersion: 1,
    name: `${graph.name} (chaos)`,
    extends: 'x',
    overrides: { nodes: Object.fromEntries(['terminal', 'scenes', 'timeline'].map((id) => [id, { params: small }])) },
  } as Parameters<typeof applyOverrides>[1]);
}

const episode = `${shortEpisode}\n\`\`\`terminal\n$ open --door\nACCESS GRANTED\n\`\`\`\n`;

/** MD5 of the decoded stream: equal pictures and samples, whatever the container bytes. */
async function decodedMd5(file: string, stream: 'v' | 'a'): Promise<string> {
  const { stdout } = await runTool(ffmpegPath(), ['-v', 'error', '-i', file, '-map', `0:${stream}`, '-f', 'md5', '-'], { timeoutMs: 60_000 });
  return stdout.toString().trim();
}

/** Every process on this machine started by this cluster: its prefix is in their environment. */
function clusterProcesses(prefix: string): ProcessEntry[] {
  return listProcesses().filter((entry) => entry.pid !== process.pid && readEnvironment(entry.pid)?.get('REELGRAPH_QUEUE_PREFIX') === prefix);
}

let cluster: Cluster | undefined;
const recorded: ProcessEntry[] = [];

afterAll(async () => {
  // Pass or fail, leave nothing running: the workers, and anything of theirs that survived them.
  killSurvivors(recorded);
  const prefix = cluster?.env.REELGRAPH_QUEUE_PREFIX;
  await cluster?.dispose();
  if (prefix) killSurvivors(clusterProcesses(prefix));
});

describe.skipIf(!redis || process.platform !== 'linux')('queue chaos', () => {
  it(`completes every run with a clean run's output while workers are killed at ${KILLS} seeded moments (seed ${SEED})`, async () => {
    cluster = await createCluster('chaos', {
      // Short locks: a dead worker's unit is re-delivered within seconds.
      REELGRAPH_QUEUE_LOCK_MS: '2000',
      REELGRAPH_QUEUE_STALLED_MS: '1000',
      // BullMQ fails a job that lost its worker more than this many times, taking it for a unit that kills
      // workers (default 2). Here the kills come from outside, and several can land on one long unit.
      REELGRAPH_QUEUE_MAX_STALLED: String(KILLS),
    });
    const c = cluster;
    const prefix = c.env.REELGRAPH_QUEUE_PREFIX!;
    const live: WorkerProcess[] = await Promise.all([c.startWorker(WORKER_ARGS), c.startWorker(WORKER_ARGS)]);
    const orchestrator = await c.orchestrator();
    const graph = await smallEpisodeGraph();
    const random = mulberry32(SEED);
    const killLog: string[] = [];

    const render = async (label: string, during?: (started: number, finished: () => boolean) => Promise<void>): Promise<{ video: string; audio: string }> => {
      let done = false;
      const started = Date.now();
      // No cache: every run renders every unit, so kills land on real work.
      const running = orchestrator.engine.run(graph, { inputs: { episode }, outDir: join(c.dir, 'out', label), noCache: true }).finally(() => (done = true));
      await during?.(started, () => done);
      const result: RunResult = await running;
      expect(result.status, `${label}: ${result.error?.message}\nkills so far:\n${killLog.join('\n')}`).toBe('done');
      const file = await orchestrator.engine.services.artifacts.localPath(result.outputs.video as ArtifactHandle);
      return { video: await decodedMd5(file, 'v'), audio: await decodedMd5(file, 'a') };
    };

    // Two clean runs first: the output must not depend on anything but the inputs, or no comparison below means anything.
    const clean = await render('clean');
    const warmStarted = Date.now();
    expect(await render('clean-again'), 'two clean runs').toEqual(clean);
    // The second had its sandboxes loaded already, as most chaos runs do: its length spreads the kills.
    const cleanMs = Date.now() - warmStarted;

    let kills = 0;
    for (let runIndex = 0; kills < KILLS && runIndex < MAX_RUNS; runIndex++) {
      const output = await render(`chaos-${runIndex}`, async (started, finished) => {
        // Kill moments at seeded offsets from the run's start.
        const moments = Array.from({ length: KILLS_PER_RUN }, () => cleanMs * (KILL_WINDOW.from + random() * (KILL_WINDOW.to - KILL_WINDOW.from))).sort((a, b) => a - b);
        for (const moment of moments) {
          while (!finished() && Date.now() - started < moment) await delay(50);
          if (finished() || kills >= KILLS) return;
          // A worker with processes running is mid-unit; a replacement that has taken no work yet teaches little.
          const busy = live.map((worker, index) => ({ index, tree: treeOf(worker.pid) })).filter((w) => w.tree.length > 0);
          const candidates = busy.length > 0 ? busy.map((w) => w.index) : live.map((_, index) => index);
          const victimIndex = candidates[Math.floor(random() * candidates.length)]!;
          const victim = live[victimIndex]!;
          const tree = treeOf(victim.pid);
          recorded.push(...tree);
          await victim.stop('SIGKILL');
          kills += 1;
          killLog.push(`run ${runIndex} +${Math.round(moment)} ms: worker ${victim.pid} with ${tree.length} descendant(s) [${tree.map((p) => p.comm).join(' ')}]`);
          expect(describeProcesses(await survivorsAfter(tree, GONE_TIMEOUT_MS)), killLog.at(-1)).toEqual([]);
          live[victimIndex] = await c.startWorker(WORKER_ARGS);
        }
      });
      expect(output, `run ${runIndex} after kills:\n${killLog.join('\n')}`).toEqual(clean);
    }
    console.warn(`queue chaos (seed ${SEED}; a clean run took ${cleanMs} ms):\n${killLog.join('\n')}`);
    expect(kills).toBe(KILLS);
    expect(killLog.filter((line) => !line.includes(' 0 descendant')).length, 'kills that caught a worker with processes running').toBeGreaterThan(0);

    // The end: stop the workers as an operator's kill -9 would; nothing of the cluster may remain.
    for (const worker of live) {
      recorded.push(...treeOf(worker.pid));
      await worker.stop('SIGKILL');
    }
    expect(describeProcesses(await survivorsAfter(clusterProcesses(prefix), GONE_TIMEOUT_MS))).toEqual([]);
  }, 600_000);
});
