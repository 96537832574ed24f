/**
 * Queue mode across a Redis restart that loses every key (a Redis without
 * persistence): a real `reelgraph worker` and a real `reelgraph run` CLI on a
 * private redis-server. The orchestrator owns the run, so the jobs Redis lost
 * are added again and the run completes; and the CLI always exits, with the
 * right code, also when Redis is down at the end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GRAPH_FORMAT, type GraphDocument } from '../runtime/contract/index.js';
import { MAX_LOST_JOB_REQUEUES } from '../runtime/queue/dispatcher.js';
import { queueName } from '../runtime/queue/names.js';
import { bin, createCluster, type Cluster } from './fixtures/queue-cluster.js';
import { freePort, redisServerInstalled, startPrivateRedis, type PrivateRedis } from './fixtures/private-redis.js';

const installed = redisServerInstalled();
if (!installed) {
  const message = 'redis-server is not installed: the Redis restart tests need it';
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: failing instead of skipping)`);
  console.warn(`\n*** SKIPPED: ${message}. ***\n`);
}

/** Generous bounds that only tell a hang from a slow machine; nothing here measures speed. */
const EXIT_BOUND_MS = 90_000;
const TEST_TIMEOUT_MS = 240_000;

let redis: PrivateRedis | undefined;
let cluster: Cluster | undefined;
const clis: ChildProcess[] = [];

beforeAll(async () => {
  if (installed) redis = await startPrivateRedis();
});
afterEach(async () => {
  for (const cli of clis.splice(0)) if (cli.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL');
  await cluster?.dispose();
  cluster = undefined;
});
afterAll(async () => {
  await redis?.stop();
});

function graph(ms: number, retries?: number): GraphDocument {
  return {
    format: GRAPH_FORMAT,
    schemaVersion: 1,
    name: 'redis restart',
    nodes: [
      { id: 'items', type: 'testq.items', typeVersion: 1, params: { count: 4 }, position: { x: 0, y: 0 } },
      { id: 'work', type: 'testq.work-voice', typeVersion: 1, params: { tag: 'r', ms }, position: { x: 200, y: 0 }, ...(retries !== undefined ? { settings: { retries } } : {}) },
    ],
    edges: [{ from: 'items.items', to: 'work.items' }],
    outputs: { items: 'work.items' },
  };
}

interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Exit code, or `hung` when the process is still alive `EXIT_BOUND_MS` after this call. */
  exitOrHang(): Promise<number | 'hung'>;
}

async function startCli(c: Cluster, graphDoc: GraphDocument, extraArgs: string[] = []): Promise<CliRun> {
  const file = join(c.dir, `graph-${clis.length}.json`);
  await writeFile(file, JSON.stringify(graphDoc));
  const child = spawn(process.execPath, [bin, 'run', file, '--out', join(c.dir, 'out'), ...extraArgs], { env: c.env, stdio: ['ignore', 'pipe', 'pipe'] });
  clis.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  const exitOrHang = async (): Promise<number | 'hung'> => {
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), EXIT_BOUND_MS)));
    try {
      return await Promise.race([exited, hung]);
    } finally {
      clearTimeout(timer);
    }
  };
  return { child, stdout: () => stdout, stderr: () => stderr, exitOrHang };
}

/** Waits until `count` units wait in the voice queue (bounded); false when they did not come. */
async function untilUnitsQueued(url: string, prefix: string, count: number): Promise<boolean> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  client.on('error', () => {});
  try {
    for (let i = 0; i < 1200; i++) {
      if ((await client.zcard(`${prefix}:${queueName('voice')}:prioritized`).catch(() => 0)) >= count) return true;
      await delay(50);
    }
    return false;
  } finally {
    client.disconnect();
  }
}

/** Waits until a worker holds a `work` unit: the run is mid-way through the node. */
async function untilUnitActive(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    for (let i = 0; i < 1200; i++) {
      if ((await client.llen(`${prefix}:${queueName('voice')}:active`)) > 0) return;
      await delay(50);
    }
    throw new Error('no unit became active');
  } finally {
    client.disconnect();
  }
}

describe.skipIf(!installed)('queue mode across a Redis restart without persistence', () => {
  it('adds the lost jobs again, completes the run with the right output, and the CLI exits 0', async () => {
    const r = redis as PrivateRedis;
    // A cluster-wide cap lives in Redis too: the orchestrator must set it again after the restart.
    cluster = await createCluster('redis-restart', { REDIS_URL: r.url, REELGRAPH_GLOBAL_CONCURRENCY_VOICE: '2' });
    const prefix = cluster.env.REELGRAPH_QUEUE_PREFIX as string;
    await cluster.startWorker(['--queues', 'voice,cpu', '--concurrency', 'voice=2']);
    const cli = await startCli(cluster, graph(3_000), ['--json']);

    await untilUnitActive(r.url, prefix);
    await r.kill();
    await r.start();

    const code = await cli.exitOrHang();
    expect(code, `stderr:\n${cli.stderr()}`).toBe(0);
    const summary = JSON.parse(cli.stdout()) as { status: string; outputs: Record<string, unknown>; nodes: Array<{ id: string; items: { executed: number; failed: number } }> };
    expect(summary.status).toBe('done');
    expect(summary.outputs).toEqual({ items: ['r(item-0)', 'r(item-1)', 'r(item-2)', 'r(item-3)'] });
    expect(summary.nodes.find((n) => n.id === 'work')?.items).toMatchObject({ executed: 4, failed: 0 });
    // It really was lost: the orchestrator said so, and added the jobs again.
    expect(cli.stderr()).toMatch(/redis lost a unit job: adding it again/);
    const client = new Redis(r.url, { maxRetriesPerRequest: 1, retryStrategy: () => null });
    try {
      expect(await client.hget(`${prefix}:${queueName('voice')}:meta`, 'concurrency')).toBe('2');
    } finally {
      client.disconnect();
    }
  }, TEST_TIMEOUT_MS);

  it('exits 130 when interrupted while Redis is down, instead of hanging on the connections', async () => {
    const r = redis as PrivateRedis;
    await r.start();
    cluster = await createCluster('redis-down', { REDIS_URL: r.url });
    const prefix = cluster.env.REELGRAPH_QUEUE_PREFIX as string;
    await cluster.startWorker(['--queues', 'voice,cpu', '--concurrency', 'voice=2']);
    const cli = await startCli(cluster, graph(3_000));

    await untilUnitActive(r.url, prefix);
    await r.kill();
    // Redis stays down: the run waits for it, the user gives up with Ctrl-C, and closing meets a dead Redis.
    await delay(1_000);
    cli.child.kill('SIGINT');

    expect(await cli.exitOrHang(), `stderr:\n${cli.stderr()}`).toBe(130);
    expect(cli.stdout()).toMatch(/run \S+ cancelled/);
  }, TEST_TIMEOUT_MS);

  it('exits 130 when interrupted while waiting for a Redis that never answers', async () => {
    // Nothing listens on this port: the run waits for Redis from its first unit on.
    cluster = await createCluster('redis-absent', { REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    const cli = await startCli(cluster, graph(100));
    // Said once the run's first unit waits for Redis, so the run (and its Ctrl-C handler) is under way.
    for (let i = 0; i < 1200 && !/waiting for Redis/.test(cli.stderr()); i++) await delay(50);
    expect(cli.stderr()).toMatch(/waiting for Redis before units can be queued/);
    cli.child.kill('SIGINT');

    expect(await cli.exitOrHang(), `stderr:\n${cli.stderr()}`).toBe(130);
    expect(cli.stdout()).toMatch(/run \S+ cancelled/);
  }, TEST_TIMEOUT_MS);

  it('fails the run with a clear error, and exits 1, when Redis keeps losing the jobs', async () => {
    const r = redis as PrivateRedis;
    await r.start();
    cluster = await createCluster('redis-losing', { REDIS_URL: r.url });
    const prefix = cluster.env.REELGRAPH_QUEUE_PREFIX as string;
    // No worker serves voice: the units wait in Redis until each restart loses them.
    await cluster.startWorker(['--queues', 'cpu']);
    const cli = await startCli(cluster, graph(100, 0));
    const queuedBeforeRestart: boolean[] = [];
    for (let restart = 0; restart <= MAX_LOST_JOB_REQUEUES; restart++) {
      // All four items each time, so every item is lost as often as the others.
      queuedBeforeRestart.push(await untilUnitsQueued(r.url, prefix, 4));
      await r.kill();
      await r.start();
    }
    expect(queuedBeforeRestart).toEqual(Array.from({ length: MAX_LOST_JOB_REQUEUES + 1 }, () => true));

    expect(await cli.exitOrHang(), `stderr:\n${cli.stderr()}`).toBe(1);
    expect(cli.stdout()).toMatch(/run \S+ failed/);
    expect(cli.stdout()).toMatch(/error: node "work" item \d: Redis lost the unit's job .* 6 times/);
  }, TEST_TIMEOUT_MS);
});
