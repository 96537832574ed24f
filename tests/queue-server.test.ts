/**
 * The deployment as docker-compose runs it, minus containers: a real
 * `reelgraph server` process orchestrating over Redis and a real worker.
 * Killing the server mid-run and starting it again resumes the run.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { GRAPH_FORMAT, type GraphDocument } from '../runtime/contract/index.js';
import { bin, createCluster, type Cluster } from './fixtures/queue-cluster.js';
import { requireRedis } from './fixtures/redis.js';
import { freePort, startServerProcess } from './fixtures/server-process.js';

const redis = await requireRedis('queue mode with the server');

let cluster: Cluster | undefined;
const servers: ChildProcess[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  await cluster?.dispose();
  cluster = undefined;
});

const startServer = (c: Cluster, port: number): Promise<ChildProcess> => startServerProcess(c.env, port, servers);

const graph: GraphDocument = {
  format: GRAPH_FORMAT,
  schemaVersion: 1,
  name: 'server resume',
  nodes: [
    { id: 'items', type: 'testq.items', typeVersion: 1, params: { count: 4 }, position: { x: 0, y: 0 } },
    { id: 'work', type: 'testq.work-voice', typeVersion: 1, params: { tag: 's', ms: 800 }, position: { x: 200, y: 0 } },
  ],
  edges: [{ from: 'items.items', to: 'work.items' }],
  outputs: { items: 'work.items' },
};

describe.skipIf(!redis)('reelgraph server in queue mode', () => {
  it('resumes a run after the server is killed mid-run and started again', async () => {
    cluster = await createCluster('server', { REELGRAPH_SECRET_KEY: 'a'.repeat(64) });
    await cluster.startWorker(['--queues', 'voice,cpu', '--concurrency', 'voice=1']);
    const created = spawnSync(process.execPath, [bin, 'token', 'create', 'test'], { env: cluster.env, encoding: 'utf8' });
    expect(created.status).toBe(0);
    const token = created.stdout.trim();
    const port = await freePort();
    const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };

    const first = await startServer(cluster, port);
    expect((await api('GET', '/api/health')).body).toMatchObject({ status: 'ok', mode: 'queue' });
    const started = await api('POST', '/api/runs', { graph });
    expect(started.status).toBe(202);
    const runId = started.body.runId as string;
    const doneItems = async (): Promise<number> => ((await api('GET', `/api/runs/${runId}`)).body.items as Array<{ status: string; nodeId: string }>).filter((i) => i.nodeId === 'work' && i.status === 'done').length;
    for (let i = 0; i < 300 && (await doneItems()) < 1; i++) await new Promise((r) => setTimeout(r, 50));
    first.kill('SIGKILL');
    await once(first, 'exit');

    await startServer(cluster, port);
    let detail: Record<string, unknown> = {};
    for (let i = 0; i < 600; i++) {
      detail = (await api('GET', `/api/runs/${runId}`)).body;
      if (detail.status !== 'running' && detail.status !== 'queued') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(detail.status).toBe('done');
    expect(detail.outputs).toEqual({ items: ['s(item-0)', 's(item-1)', 's(item-2)', 's(item-3)'] });
    // The item finished before the kill came back from the cache after the restart.
    expect((detail.items as Array<{ nodeId: string; status: string }>).some((i) => i.nodeId === 'work' && i.status === 'cached')).toBe(true);

    // Metrics of the restarted server: the resumed run, and the depths of the queues it dispatches to.
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
    expect(metrics).toMatch(/^reelgraph_runs_total\{status="done"\} 1$/m);
    expect(metrics).toMatch(/^reelgraph_queue_jobs\{queue="units-voice",state="waiting"\} 0$/m);
    expect(metrics).toMatch(/^reelgraph_units_total\{node_type="testq.work-voice",result="hit"\} [1-3]$/m);
  });
});
