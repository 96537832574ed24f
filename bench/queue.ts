/**
 * Queue-mode throughput: runs per second of a three-node no-op graph with two
 * worker processes on this machine, and the dispatch latency of its units
 * (job added to Redis → a worker starts it, from BullMQ's own timestamps).
 * Baseline: the same graph through the embedded engine in the same run. Both
 * record every run in SQLite through the launcher, as real runs are.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { redisReachable } from '../runtime/queue/connection.js';
import { GRAPH_FORMAT, type GraphDocument } from '../runtime/contract/index.js';
import { queueName } from '../runtime/queue/names.js';
import { builtinNodes } from '../nodes/index.js';
import { openWorkspace, type Workspace } from '../runtime/workspace.js';

export interface QueueBenchResult {
  workers: number;
  runs: number;
  inFlight: number;
  runsPerSecond: number;
  dispatchP50Ms: number;
  dispatchP99Ms: number;
  embeddedRunsPerSecond: number;
  /** Queue runs/s ÷ embedded runs/s. */
  ratio: number;
}

const RUNS = 600;
const WARMUP = 60;
const IN_FLIGHT = 48;
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

const graph: GraphDocument = {
  format: GRAPH_FORMAT,
  schemaVersion: 1,
  name: 'no-op chain',
  nodes: ['a', 'b', 'c'].map((id, i) => ({ id, type: 'bench.noop', typeVersion: 1, params: {}, position: { x: i * 200, y: 0 } })),
  edges: [
    { from: 'a.value', to: 'b.value' },
    { from: 'b.value', to: 'c.value' },
  ],
};

export async function benchQueue(): Promise<QueueBenchResult | undefined> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (!(await redisReachable(redisUrl))) {
    console.log(`queue bench skipped: no Redis at ${redisUrl}`);
    return undefined;
  }
  const dir = await mkdtemp(join(tmpdir(), 'reelgraph-bench-queue-'));
  const prefix = `rgbench-${process.pid}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: redisUrl,
    REELGRAPH_QUEUE_PREFIX: prefix,
    REELGRAPH_DATA: dir,
    REELGRAPH_NODE_MODULES: join(repoRoot, 'bench', 'noop-nodes.ts'),
    REELGRAPH_LOG_LEVEL: 'error',
  };
  const workers = await Promise.all([startWorker(env), startWorker(env)]);
  try {
    const queued = await openWorkspace(join(dir, 'queue'), { nodes: builtinNodes, env });
    const queueRate = await throughput(queued, dir);
    await queued.close();
    const latencies = await dispatchLatencies(redisUrl, prefix);

    const embedded = await openWorkspace(join(dir, 'embedded'), { nodes: builtinNodes, env: { ...env, REDIS_URL: '' } });
    const embeddedRate = await throughput(embedded, dir);
    await embedded.close();
    return {
      workers: workers.length,
      runs: RUNS,
      inFlight: IN_FLIGHT,
      runsPerSecond: queueRate,
      dispatchP50Ms: percentile(latencies, 0.5),
      dispatchP99Ms: percentile(latencies, 0.99),
      embeddedRunsPerSecond: embeddedRate,
      ratio: queueRate / embeddedRate,
    };
  } finally {
    for (const worker of workers) worker.kill('SIGKILL');
    const queue = new Queue(queueName('io'), { connection: { url: redisUrl }, prefix });
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs per second with IN_FLIGHT runs in flight, after a warm-up. */
async function throughput(workspace: Workspace, dir: string): Promise<number> {
  const runMany = async (count: number): Promise<void> => {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < count) {
        next += 1;
        const run = await workspace.launcher.launch({ graph, trigger: 'api', outDir: join(dir, 'out') });
        const result = await run.finished;
        if (result.status !== 'done') throw new Error(`bench run ${result.status}: ${result.error?.message}`);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  };
  await runMany(WARMUP);
  const started = performance.now();
  await runMany(RUNS);
  return RUNS / ((performance.now() - started) / 1000);
}

async function dispatchLatencies(redisUrl: string, prefix: string): Promise<number[]> {
  const queue = new Queue(queueName('io'), { connection: { url: redisUrl }, prefix });
  try {
    const jobs = await queue.getJobs(['completed'], 0, -1);
    return jobs.filter((job) => job.processedOn !== undefined).map((job) => (job.processedOn as number) - job.timestamp);
  } finally {
    await queue.close();
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

function startWorker(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'reelgraph.js'), 'worker', '--queues', 'io', '--concurrency', 'io=64'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(' ready: ')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`bench worker exited (${code}): ${stderr}`)));
  });
}
