/**
 * A webhook run's completion callback survives a server restart: the debt
 * is in the store (run_callbacks), so the run a restarted server resumes
 * calls back when it ends, and a callback the dead server never sent is
 * sent by the next one.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { GRAPH_FORMAT, type GraphDocument } from '../runtime/contract/index.js';
import { signedHeaders } from '../server/webhooks/signing.js';
import { freePort, serverClient, startServerProcess } from './fixtures/server-process.js';

const fixtureNodes = join(import.meta.dirname, 'fixtures', 'review-nodes.ts');
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A provider whose answers wait until released; and a receiver that keeps the callbacks it gets. */
async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('calls back for a webhook run that a restarted server resumed after a SIGKILL', async () => {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  let requests = 0;
  const providerUrl = await listen(
    createServer((req, res) => {
      requests += 1;
      req.resume();
      req.on('end', () => void released.then(() => res.end(`still-${requests}`)));
    }),
  );
  const callbacks: Array<Record<string, unknown>> = [];
  const receiverUrl = await listen(
    createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        callbacks.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
        res.writeHead(204).end();
      });
    }),
  );

  const dir = await mkdtemp(join(tmpdir(), 'reelgraph-callback-restart-'));
  const children: ChildProcess[] = [];
  cleanups.push(async () => {
    release();
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });
  const { REDIS_URL: _redis, ...rest } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...rest,
    REELGRAPH_DATA: dir,
    REELGRAPH_NODE_MODULES: fixtureNodes,
    REELGRAPH_SECRET_KEY: 'c'.repeat(64),
    REELGRAPH_CALLBACK_ALLOW_PRIVATE: '1',
    REELGRAPH_LOG_LEVEL: 'warn',
  };
  const port = await freePort();
  const api = serverClient(env, port);

  const first = await startServerProcess(env, port, children);
  const graph: GraphDocument = {
    format: GRAPH_FORMAT,
    schemaVersion: 1,
    name: 'hooked stills',
    nodes: [
      { id: 'scenes', type: 'testr.scenes', typeVersion: 1, params: { count: 2 }, position: { x: 0, y: 0 } },
      { id: 'still', type: 'testr.still', typeVersion: 1, params: { url: providerUrl }, position: { x: 200, y: 0 } },
    ],
    edges: [{ from: 'scenes.scenes', to: 'still.items' }],
    outputs: { stills: 'still.items' },
  };
  expect((await api('POST', '/api/graphs', { id: 'hooked-stills', document: graph })).status).toBe(201);
  const hook = (await api('POST', '/api/graphs/hooked-stills/webhook', { callbackUrl: `${receiverUrl}/done` })).body as { slug: string; secret: string };
  const body = JSON.stringify({});
  const delivered = await fetch(`http://127.0.0.1:${port}/webhooks/${hook.slug}`, { method: 'POST', headers: { 'content-type': 'application/json', ...signedHeaders(hook.secret, body) }, body });
  expect(delivered.status).toBe(202);
  const { runId } = (await delivered.json()) as { runId: string };

  // The run is under way (its stills asked for, not answered) when the server dies.
  await until('the stills to be asked for', () => (requests >= 2 ? true : undefined));
  first.kill('SIGKILL');
  await once(first, 'exit');
  expect(callbacks).toEqual([]);

  await startServerProcess(env, port, children);
  release();
  const [callback] = await until('the completion callback', () => (callbacks.length > 0 ? callbacks : undefined));
  expect(callback).toMatchObject({ runId, status: 'done', error: null });
  expect((callback!.outputs as { stills: Array<{ title: string }> }).stills.map((s) => s.title)).toEqual(['Scene 1', 'Scene 2']);
  // Exactly once: nothing is owed any more.
  await new Promise((r) => setTimeout(r, 500));
  expect(callbacks).toHaveLength(1);
}, 120_000);
