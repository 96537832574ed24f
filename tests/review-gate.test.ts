/**
 * Review gates (`control.review`): a run pauses at the gate (status
 * `waiting`, nothing downstream spent) until a person decides or the timeout
 * does; the decision is stored, so it survives a server killed while the
 * run waits. The paid nodes POST to a fake provider: what was spent is
 * counted from its requests.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinNodes } from '../nodes/index.js';
import { GRAPH_FORMAT, type GraphDocument, type ReelgraphEvent, type ReviewRecord } from '../runtime/contract/index.js';
import { openWorkspace, type Workspace } from '../runtime/workspace.js';
import { ReviewDesk } from '../runtime/engine/review-desk.js';
import { ReviewTables } from '../runtime/store/review-tables.js';
import { openSqliteStore } from '../runtime/store/sqlite.js';
import { render, scenes, still } from './fixtures/review-nodes.js';
import { io as connect, type Socket } from 'socket.io-client';
import { signature } from '../server/webhooks/signing.js';
import { startTestServer, type TestServer } from './fixtures/server.js';
import { createCluster, type Cluster } from './fixtures/queue-cluster.js';
import { requireRedis } from './fixtures/redis.js';
import { freePort, serverClient, startServerProcess } from './fixtures/server-process.js';

const redis = await requireRedis('a review gate in queue mode');

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const bin = join(repoRoot, 'bin', 'reelgraph.js');
const fixtureNodes = join(repoRoot, 'tests', 'fixtures', 'review-nodes.ts');

interface FakeProvider {
  url: string;
  count(path: string): number;
  close(): Promise<void>;
}

/** `hold`: answers to that path wait for it (a test subscribes before the gate can open). */
async function fakeProvider(hold?: { path: string; until: Promise<void> }): Promise<FakeProvider> {
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').slice(1);
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const answer = `${path}-${counts.get(path)}`;
    req.resume();
    req.on('end', () => void (hold?.path === path ? hold.until : Promise.resolve()).then(() => res.end(answer)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    count: (path) => counts.get(path) ?? 0,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** scenes → still (paid) → gate → render (paid). With an `id`, the graph keeps item takes (pins) across runs. */
function gateGraph(url: string, gateParams: Record<string, unknown> = {}, name = 'review gate', id?: string): GraphDocument {
  return {
    format: GRAPH_FORMAT,
    schemaVersion: 1,
    ...(id !== undefined ? { id } : {}),
    name,
    nodes: [
      { id: 'scenes', type: 'testr.scenes', typeVersion: 1, params: { count: 3 }, position: { x: 0, y: 0 } },
      { id: 'still', type: 'testr.still', typeVersion: 1, params: { url }, position: { x: 200, y: 0 } },
      { id: 'gate', type: 'control.review', typeVersion: 1, params: gateParams, position: { x: 400, y: 0 } },
      { id: 'render', type: 'testr.render', typeVersion: 1, params: { url }, position: { x: 600, y: 0 } },
    ],
    edges: [
      { from: 'scenes.scenes', to: 'still.items' },
      { from: 'still.items', to: 'gate.items' },
      { from: 'gate.items', to: 'render.items' },
    ],
    outputs: { clips: 'render.items' },
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, tries = 600): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function workspace(): Promise<{ ws: Workspace; dir: string; provider: FakeProvider; events: ReelgraphEvent[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'reelgraph-review-'));
  const provider = await fakeProvider();
  // No REDIS_URL: embedded mode, whatever the calling shell has.
  const ws = await openWorkspace(dir, { nodes: builtinNodes, extraNodes: [scenes, still, render], env: { REELGRAPH_REVIEW_POLL_MS: '50', REELGRAPH_LOG_LEVEL: 'error' } });
  const events: ReelgraphEvent[] = [];
  ws.engine.events.on((event) => events.push(event));
  cleanups.push(async () => {
    await ws.close();
    await provider.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { ws, dir, provider, events };
}

async function waitingReview(ws: Workspace, runId: string): Promise<ReviewRecord> {
  await until('the run to wait', async () => ((await ws.store.getRun(runId))?.status === 'waiting' ? true : undefined));
  const [review] = await ws.reviews.records.forRun(runId);
  return review as ReviewRecord;
}

/** The gate's review once its `round` is open. */
async function pendingRound(ws: Workspace, runId: string, round: number): Promise<ReviewRecord> {
  return until(`round ${round} of the review`, async () => {
    const [review] = await ws.reviews.records.forRun(runId);
    return review?.status === 'pending' && review.round === round ? review : undefined;
  });
}

describe('control.review in a run', () => {
  it('pauses the run (waiting, nothing downstream executed or paid) until approved, then finishes', async () => {
    const { ws, dir, provider, events } = await workspace();
    const run = await ws.launcher.launch({ graph: gateGraph(provider.url), outDir: join(dir, 'out'), trigger: 'api' });
    const review = await waitingReview(ws, run.runId);

    expect(review).toMatchObject({ status: 'pending', nodeId: 'gate', onTimeout: 'reject', rejectedItems: 'regenerate', round: 1 });
    expect(review.deadlineAt).toBeUndefined();
    expect(review.items.map((i) => [i.index, i.title, i.prompt])).toEqual([
      [0, 'Scene 1', 'a lighthouse, shot 1'],
      [1, 'Scene 2', 'a lighthouse, shot 2'],
      [2, 'Scene 3', 'a lighthouse, shot 3'],
    ]);
    const detail = await ws.store.getRun(run.runId);
    expect(detail?.nodes.find((n) => n.nodeId === 'gate')?.status).toBe('waiting');
    expect(detail?.nodes.find((n) => n.nodeId === 'render')?.status).toBe('queued');
    expect(detail?.items.filter((i) => i.nodeId === 'render')).toEqual([]);
    expect(provider.count('still')).toBe(3);
    expect(provider.count('render')).toBe(0);
    expect(events.filter((e) => e.type === 'review').map((e) => (e as { status: string }).status)).toEqual(['pending']);

    await ws.reviews.decide(run.runId, { decision: 'approve', by: 'api' });
    const result = await run.finished;
    expect(result.status).toBe('done');
    expect(provider.count('render')).toBe(3);
    expect((result.outputs.clips as Array<{ title: string }>).map((c) => c.title)).toEqual(['Scene 1', 'Scene 2', 'Scene 3']);
    expect(events.filter((e) => e.type === 'run').map((e) => (e as { status: string }).status)).toEqual(['running', 'waiting', 'running', 'done']);
    expect((await ws.reviews.records.get(run.runId, 'gate'))).toMatchObject({ status: 'approved', decidedBy: 'api', approved: [0, 1, 2], rejected: [] });
  });

  it('fails the run naming the gate when it is rejected, spending nothing downstream', async () => {
    const { ws, dir, provider } = await workspace();
    const run = await ws.launcher.launch({ graph: gateGraph(provider.url), outDir: join(dir, 'out'), trigger: 'api' });
    await waitingReview(ws, run.runId);
    await ws.reviews.decide(run.runId, { decision: 'reject', note: 'too dark', by: 'cli' });
    const result = await run.finished;
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'REVIEW_REJECTED', location: { nodeId: 'gate' } });
    expect(result.error?.message).toContain('too dark');
    expect(provider.count('render')).toBe(0);
  });

  it('rejected items fail the run naming them with rejectedItems "fail", or are dropped with "drop"', async () => {
    const { ws, dir, provider } = await workspace();
    const failing = await ws.launcher.launch({ graph: gateGraph(provider.url, { rejectedItems: 'fail' }), outDir: join(dir, 'a'), trigger: 'api' });
    await waitingReview(ws, failing.runId);
    await ws.reviews.decide(failing.runId, { decision: 'reject', items: [1], by: 'api' });
    const failed = await failing.finished;
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('REVIEW_REJECTED');
    expect(failed.error?.message).toMatch(/item 1 rejected/);
    expect(provider.count('render')).toBe(0);

    const dropping = await ws.launcher.launch({ graph: gateGraph(provider.url, { rejectedItems: 'drop' }), outDir: join(dir, 'b'), trigger: 'api' });
    await waitingReview(ws, dropping.runId);
    await expect(ws.reviews.decide(dropping.runId, { decision: 'approve', items: [0, 7], by: 'api' })).rejects.toMatchObject({ code: 'INVALID_DECISION' });
    await ws.reviews.decide(dropping.runId, { decision: 'approve', items: [0, 2], by: 'api' });
    const done = await dropping.finished;
    expect(done.status).toBe('done');
    expect((done.outputs.clips as Array<{ title: string }>).map((c) => c.title)).toEqual(['Scene 1', 'Scene 3']);
    expect(provider.count('render')).toBe(2);
    await expect(ws.reviews.decide(dropping.runId, { decision: 'approve', by: 'api' })).rejects.toMatchObject({ code: 'REVIEW_NOT_PENDING' });
  });

  it('makes a rejected item again as its next take and asks again; an edited prompt is made again from the new words; nothing else is sent', async () => {
    const { ws, dir, provider, events } = await workspace();
    const graph = gateGraph(provider.url, {}, 'review remake', 'review-remake');
    const run = await ws.launcher.launch({ graph, outDir: join(dir, 'out'), trigger: 'api' });
    const first = await waitingReview(ws, run.runId);
    expect(first.items.map((item) => item.takes)).toEqual([{ still: 0 }, { still: 0 }, { still: 0 }]);
    // The three stills were asked for at once, so which answer went to which item is the provider's order.
    const firstStills = first.items.map((item) => (item.value as { still: string }).still);
    expect([...firstStills].sort()).toEqual(['still-1', 'still-2', 'still-3']);

    // Round 1: reject the second still. Only it is asked for again, as take 1.
    await ws.reviews.decide(run.runId, { decision: 'reject', items: [1], by: 'api' });
    const second = await pendingRound(ws, run.runId, 2);
    expect(second).toMatchObject({ round: 2, regenerated: [1] });
    expect(second.items.map((item) => item.takes)).toEqual([{ still: 0 }, { still: 1 }, { still: 0 }]);
    expect(provider.count('still')).toBe(4);
    expect(provider.count('render')).toBe(0);
    expect((second.items[1]?.value as { still: string }).still).toBe('still-4');
    // The first three stills finish in any order (they are asked at once); the fourth is item 1's take 1, and nothing else.
    const stillsDone = events.filter((e) => e.type === 'item' && e.nodeId === 'still' && e.status === 'done').map((e) => [(e as { index: number }).index, (e as { take?: number }).take ?? 0]);
    expect([stillsDone.slice(0, 3).sort(), stillsDone.slice(3)]).toEqual([
      [
        [0, 0],
        [1, 0],
        [2, 0],
      ],
      [[1, 1]],
    ]);
    // The take is the graph's now, as `reelgraph regenerate` would have left it.
    expect((await ws.pins.list(graph)).map((pin) => [pin.nodeId, pin.index, pin.take])).toEqual([['still', 1, 1]]);

    // Round 2: rewrite the third scene's prompt. It is made again from where the list starts, so the still saw the new words.
    await expect(ws.reviews.decide(run.runId, { decision: 'approve', edits: [{ index: 9, prompt: 'x' }], by: 'api' })).rejects.toMatchObject({ code: 'INVALID_DECISION', field: 'edits' });
    await ws.reviews.decide(run.runId, { decision: 'approve', edits: [{ index: 2, prompt: 'a lighthouse at dawn, from the sea' }], by: 'api' });
    const third = await pendingRound(ws, run.runId, 3);
    expect(third).toMatchObject({ round: 3, regenerated: [2], edits: [{ index: 2, prompt: 'a lighthouse at dawn, from the sea', round: 2 }] });
    expect(third.items[2]).toMatchObject({ prompt: 'a lighthouse at dawn, from the sea', value: { still: 'still-5' } });
    expect(third.items[1]?.value).toMatchObject({ still: 'still-4' });
    expect(provider.count('still')).toBe(5);

    await ws.reviews.decide(run.runId, { decision: 'approve', by: 'api' });
    const done = await run.finished;
    expect(done.status).toBe('done');
    expect((done.outputs.clips as Array<{ prompt: string; still: string }>).map((clip) => [clip.prompt, clip.still])).toEqual([
      ['a lighthouse, shot 1', firstStills[0]],
      ['a lighthouse, shot 2', 'still-4'],
      ['a lighthouse at dawn, from the sea', 'still-5'],
    ]);
    expect(provider.count('render')).toBe(3);
    expect(events.filter((e) => e.type === 'review' && e.status === 'pending').map((e) => (e as { round?: number }).round ?? 1)).toEqual([1, 2, 3]);

    // The next run of the graph keeps take 1 of the second still (from the cache: nothing is sent); a rewrite was this run's.
    const again = await ws.launcher.launch({ graph, outDir: join(dir, 'again'), trigger: 'api' });
    const next = await waitingReview(ws, again.runId);
    expect(next.items.map((item) => (item.value as { still: string }).still)).toEqual([firstStills[0], 'still-4', firstStills[2]]);
    expect(provider.count('still')).toBe(5);
    await ws.reviews.decide(again.runId, { decision: 'reject', by: 'api' });
    expect((await again.finished).status).toBe('failed');
  });

  it('fails naming the item when nothing before the gate can make it again, and leaves the run no half-made round', async () => {
    const { ws, dir, provider } = await workspace();
    // No per-item node between the list and the gate: a rejected scene has nothing to make it again.
    const base = gateGraph(provider.url);
    const graph: GraphDocument = {
      ...base,
      nodes: base.nodes.filter((node) => node.id !== 'still'),
      edges: [
        { from: 'scenes.scenes', to: 'gate.items' },
        { from: 'gate.items', to: 'render.items' },
      ],
    };
    const run = await ws.launcher.launch({ graph, outDir: join(dir, 'out'), trigger: 'api' });
    await waitingReview(ws, run.runId);
    await ws.reviews.decide(run.runId, { decision: 'reject', items: [1], by: 'api' });
    const failed = await run.finished;
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'REVIEW_REJECTED', location: { nodeId: 'gate' } });
    expect(failed.error?.message).toContain('item 1 cannot be made again: no node before the gate makes it per item (edit it instead)');
    expect(provider.count('render')).toBe(0);
    expect((await ws.reviews.records.forRun(run.runId)).map((r) => [r.status, r.round])).toEqual([['approved', 1]]);

    // Rewriting it works there: the rewrite applies to the list itself.
    const edited = await ws.launcher.launch({ graph, outDir: join(dir, 'edited'), trigger: 'api' });
    await waitingReview(ws, edited.runId);
    await ws.reviews.decide(edited.runId, { decision: 'approve', edits: [{ index: 0, prompt: 'a storm' }], by: 'api' });
    expect((await pendingRound(ws, edited.runId, 2)).items[0]?.prompt).toBe('a storm');
    await ws.reviews.decide(edited.runId, { decision: 'approve', by: 'api' });
    const done = await edited.finished;
    expect((done.outputs.clips as Array<{ prompt: string }>).map((clip) => clip.prompt)).toEqual(['a storm', 'a lighthouse, shot 2', 'a lighthouse, shot 3']);
  });

  it('lets the timeout decide per onTimeout', async () => {
    const { ws, dir, provider } = await workspace();
    const approving = await ws.launcher.launch({ graph: gateGraph(provider.url, { timeoutMs: 150, onTimeout: 'approve' }), outDir: join(dir, 'a'), trigger: 'api' });
    expect((await approving.finished).status).toBe('done');
    const approved = await ws.reviews.records.get(approving.runId, 'gate');
    expect(approved).toMatchObject({ status: 'approved', decidedBy: 'timeout' });
    expect(approved?.deadlineAt).toBe((approved?.createdAt ?? 0) + 150);
    expect(provider.count('render')).toBe(3);

    const rejecting = await ws.launcher.launch({ graph: gateGraph(provider.url, { timeoutMs: 150 }), outDir: join(dir, 'b'), trigger: 'api' });
    const rejected = await rejecting.finished;
    expect(rejected.status).toBe('failed');
    expect(rejected.error?.message).toMatch(/timeout/);
    expect(provider.count('render')).toBe(3);
  });

  it('sees a decision another process wrote to the store while it holds the waiting run (reelgraph approve beside a server)', async () => {
    const { ws, dir, provider } = await workspace();
    const run = await ws.launcher.launch({ graph: gateGraph(provider.url), outDir: join(dir, 'out'), trigger: 'api' });
    await waitingReview(ws, run.runId);
    // A second workspace on the same data directory has its own desk: only the stored record links the two.
    const other = await openWorkspace(dir, { nodes: builtinNodes, extraNodes: [scenes, still, render], env: { REELGRAPH_LOG_LEVEL: 'error' } });
    try {
      await other.reviews.decide(run.runId, { decision: 'approve', by: 'cli' });
    } finally {
      await other.close();
    }
    expect((await run.finished).status).toBe('done');
    expect(provider.count('render')).toBe(3);
  });

  it('lets an estimate through the gate: what follows approval is priced, nothing waits and nothing paid is sent', async () => {
    const { ws, provider } = await workspace();
    const estimate = await ws.engine.estimate(gateGraph(provider.url));
    expect(estimate.nodes.find((n) => n.id === 'render')).toMatchObject({ items: 3, cachedItems: 0, usage: [{ provider: 'testr', unit: 'requests', quantity: 3 }] });
    expect(provider.count('render')).toBe(0);
  });

  it('cancels a waiting run: the review is withdrawn and nothing is left running', async () => {
    const { ws, dir, provider } = await workspace();
    const run = await ws.launcher.launch({ graph: gateGraph(provider.url), outDir: join(dir, 'out'), trigger: 'api' });
    await waitingReview(ws, run.runId);
    expect(ws.launcher.cancel(run.runId)).toBe(true);
    expect((await run.finished).status).toBe('cancelled');
    expect((await ws.store.getRun(run.runId))?.status).toBe('cancelled');
    expect(await ws.reviews.records.get(run.runId, 'gate')).toMatchObject({ status: 'cancelled' });
    expect(ws.launcher.activeRunIds()).toEqual([]);
    expect(provider.count('render')).toBe(0);
  });
});

describe('the review desk across processes', () => {
  it('keeps a gate\'s deadline when a later process opens it again, and lets a deadline that passed meanwhile decide per onTimeout', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reelgraph-review-desk-'));
    const store = await openSqliteStore(join(dir, 'reelgraph.db'));
    cleanups.push(async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });
    await store.createRun({ id: 'r1', graphName: 'g', graph: gateGraph('http://unused'), inputs: {}, priority: 'normal' });
    let clock = 1_000;
    const before = new ReviewDesk(new ReviewTables(store.database), { now: () => clock });
    const item = { index: 0, key: 'k', media: [] };
    const opened = await before.open({ runId: 'r1', nodeId: 'gate', onTimeout: 'approve', rejectedItems: 'fail', items: [item], timeoutMs: 500 });
    expect(opened).toMatchObject({ status: 'pending', createdAt: 1_000, deadlineAt: 1_500 });

    // "After the restart": another desk, the clock past the deadline.
    clock = 9_000;
    const after = new ReviewDesk(new ReviewTables(store.database), { now: () => clock });
    const reopened = await after.open({ runId: 'r1', nodeId: 'gate', onTimeout: 'approve', rejectedItems: 'fail', items: [item], timeoutMs: 500 });
    expect(reopened).toMatchObject({ status: 'pending', createdAt: 1_000, deadlineAt: 1_500 });
    const decided = await after.waitForDecision('r1', 'gate', new AbortController().signal);
    expect(decided).toMatchObject({ status: 'approved', decidedBy: 'timeout', decidedAt: 9_000, approved: [0], rejected: [] });
  });
});

describe('control.review through the server', () => {
  it('notifies a waiting gate by socket.io (review:waiting) and by the webhook callback, serves the storyboard and takes the decision', async () => {
    let release: () => void = () => {};
    const provider = await fakeProvider({ path: 'still', until: new Promise<void>((resolve) => (release = resolve)) });
    const t: TestServer = await startTestServer({ extraNodes: [scenes, still, render] });
    const received: Array<{ body: string; signature: string; timestamp: string }> = [];
    let onCallback: () => void = () => {};
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['x-reelgraph-signature']), timestamp: String(req.headers['x-reelgraph-timestamp']) });
        res.writeHead(204).end();
        onCallback();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const sockets: Socket[] = [];
    cleanups.push(async () => {
      release();
      for (const socket of sockets) socket.close();
      await t.dispose();
      await new Promise((resolve) => receiver.close(resolve));
      await provider.close();
    });
    const callbackUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    expect((await t.api.post('/api/graphs').send({ document: { ...gateGraph(provider.url), id: 'gated' } })).status).toBe(201);
    const hook = (await t.api.post('/api/graphs/gated/webhook').send({ callbackUrl })).body as { slug: string; secret: string };

    const body = '{}';
    const timestamp = String(Math.floor(Date.now() / 1000));
    const started = await t.anon
      .post(`/webhooks/${hook.slug}`)
      .set('Content-Type', 'application/json')
      .set('X-Reelgraph-Timestamp', timestamp)
      .set('X-Reelgraph-Signature', signature(hook.secret, timestamp, body))
      .send(body);
    expect(started.status).toBe(202);
    const runId = (started.body as { runId: string }).runId;

    const socket = connect(t.server.url, { transports: ['websocket'], reconnection: false, auth: { token: t.token } });
    sockets.push(socket);
    const waitingEvent = new Promise<Record<string, unknown>>((resolve) => socket.once('review:waiting', resolve));
    const firstCallback = new Promise<void>((resolve) => (onCallback = resolve));
    const ack = await socket.timeout(10_000).emitWithAck('subscribe', runId);
    expect(ack).toMatchObject({ ok: true });
    release();

    expect(await waitingEvent).toMatchObject({ type: 'review', runId, nodeId: 'gate', status: 'pending', itemCount: 3 });
    await firstCallback;
    const notice = received[0] as { body: string; signature: string; timestamp: string };
    expect(JSON.parse(notice.body)).toEqual({ event: 'run.waiting', runId, status: 'waiting', review: { nodeId: 'gate', itemCount: 3, url: `/api/runs/${runId}/review` } });
    expect(notice.signature).toBe(signature(hook.secret, notice.timestamp, notice.body));

    const storyboard = await t.api.get(`/api/runs/${runId}/review`);
    expect(storyboard.status).toBe(200);
    expect(storyboard.body).toMatchObject({ runId, status: 'waiting', reviews: [{ nodeId: 'gate', status: 'pending', items: [{ index: 0, title: 'Scene 1' }, { index: 1 }, { index: 2 }] }] });
    expect(provider.count('render')).toBe(0);
    // What approving would cost: the render after the gate, priced per item, sending nothing.
    const priced = await t.api.get(`/api/runs/${runId}/review?estimate=true`);
    expect(priced.body.estimate.nodes).toMatchObject([{ id: 'render', items: 3, cachedItems: 0, usage: [{ provider: 'testr', unit: 'requests', quantity: 3 }] }]);
    expect(provider.count('render')).toBe(0);
    expect(provider.count('still')).toBe(3);

    expect((await t.api.post(`/api/runs/${runId}/review`).send({ decision: 'approve', items: [5] })).status).toBe(400);
    const completion = new Promise<void>((resolve) => (onCallback = resolve));
    const decided = await t.api.post(`/api/runs/${runId}/review`).set('X-Reelgraph-Client', 'editor').send({ decision: 'approve' });
    expect(decided.status).toBe(200);
    expect(decided.body).toMatchObject({ status: 'approved', decidedBy: 'editor', approved: [0, 1, 2] });
    expect((await t.api.post(`/api/runs/${runId}/review`).send({ decision: 'approve' })).status).toBe(409);
    const run = await t.api.get(`/api/runs/${runId}?wait=30000`);
    expect(run.body.status).toBe('done');
    await completion;
    expect(JSON.parse((received[1] as { body: string }).body)).toMatchObject({ runId, status: 'done' });
    expect(provider.count('render')).toBe(3);
  });
});

describe('a review gate across a server SIGKILL', () => {
  async function setup(): Promise<{ dir: string; env: NodeJS.ProcessEnv; provider: FakeProvider; port: number; children: ChildProcess[]; api: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Record<string, unknown> }> }> {
    const dir = await mkdtemp(join(tmpdir(), 'reelgraph-review-kill-'));
    const provider = await fakeProvider();
    const children: ChildProcess[] = [];
    const { REDIS_URL: _redis, ...rest } = process.env;
    const env: NodeJS.ProcessEnv = { ...rest, REELGRAPH_DATA: dir, REELGRAPH_NODE_MODULES: fixtureNodes, REELGRAPH_REVIEW_POLL_MS: '100', REELGRAPH_SECRET_KEY: 'b'.repeat(64), REELGRAPH_LOG_LEVEL: 'warn' };
    cleanups.push(async () => {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await provider.close();
      await rm(dir, { recursive: true, force: true });
    });
    const port = await freePort();
    const api = serverClient(env, port);
    return { dir, env, provider, port, children, api };
  }

  type Api = Awaited<ReturnType<typeof setup>>['api'];
  const itemStatuses = async (api: Api, runId: string, nodeId: string): Promise<string[]> =>
    ((await api('GET', `/api/runs/${runId}`)).body.items as Array<{ nodeId: string; status: string }>).filter((i) => i.nodeId === nodeId).map((i) => i.status);

  /** Starts a gated run and kills the server once it waits; returns the run id and the review the first server opened. */
  async function killWhileWaiting(s: Awaited<ReturnType<typeof setup>>): Promise<{ runId: string; review: ReviewRecord }> {
    const first = await startServerProcess(s.env, s.port, s.children);
    const started = await s.api('POST', '/api/runs', { graph: gateGraph(s.provider.url, { timeoutMs: 3_600_000 }, 'review gate', 'review-kill') });
    expect(started.status).toBe(202);
    const runId = started.body.runId as string;
    const review = await until('the gate to open', async () => {
      const body = (await s.api('GET', `/api/runs/${runId}/review`)).body as { status: string; reviews: ReviewRecord[] };
      return body.status === 'waiting' && body.reviews[0]?.status === 'pending' ? body.reviews[0] : undefined;
    });
    expect(await itemStatuses(s.api, runId, 'still')).toEqual(['done', 'done', 'done']);
    expect(s.provider.count('still')).toBe(3);
    expect(s.provider.count('render')).toBe(0);
    first.kill('SIGKILL');
    await once(first, 'exit');
    return { runId, review };
  }

  it('a review gate survives a server SIGKILL while waiting: still waiting after the restart, same deadline, nothing re-executed; approval via the API completes it', async () => {
    const s = await setup();
    const { runId, review } = await killWhileWaiting(s);

    await startServerProcess(s.env, s.port, s.children);
    // The resumed run took its upstream from the cache (the items were `done` before the kill) and waits at the gate again.
    await until('the resumed run to reach the gate from the cache', async () => ((await itemStatuses(s.api, runId, 'still')).every((status) => status === 'cached') ? true : undefined));
    const again = (await s.api('GET', `/api/runs/${runId}/review`)).body as { status: string; reviews: ReviewRecord[] };
    expect(again.status).toBe('waiting');
    expect(again.reviews).toHaveLength(1);
    expect(again.reviews[0]).toMatchObject({ status: 'pending', createdAt: review.createdAt, deadlineAt: review.deadlineAt });
    expect(s.provider.count('still')).toBe(3);
    expect(s.provider.count('render')).toBe(0);

    const decided = await s.api('POST', `/api/runs/${runId}/review`, { decision: 'approve' });
    expect(decided.status).toBe(200);
    const detail = await until('the run to finish', async () => {
      const body = (await s.api('GET', `/api/runs/${runId}`)).body;
      return body.status === 'done' || body.status === 'failed' ? body : undefined;
    });
    expect(detail.status).toBe('done');
    expect((detail.outputs as { clips: Array<{ title: string; still: string }> }).clips.map((c) => c.title)).toEqual(['Scene 1', 'Scene 2', 'Scene 3']);
    expect(s.provider.count('still')).toBe(3);
    expect(s.provider.count('render')).toBe(3);
  });

  it('honours a decision the CLI stored while no server ran the run: the resumed run makes the rejected and the rewritten items again and asks again', async () => {
    const s = await setup();
    const { runId, review } = await killWhileWaiting(s);
    const firstStill = (review.items[0]?.value as { still: string }).still;
    const approved = spawnSync(process.execPath, [bin, 'approve', runId.slice(0, 8), '--reject', '1', '--edit', '2=a lighthouse at dawn'], { env: s.env, encoding: 'utf8' });
    expect(approved.stderr).toBe('');
    expect(approved.status).toBe(0);
    expect(approved.stdout).toContain('approved review gate "gate"');
    expect(approved.stdout).toContain('items 1, 2 are made again and the gate asks again');
    const shown = spawnSync(process.execPath, [bin, 'review', runId, '--json'], { env: s.env, encoding: 'utf8' });
    expect(JSON.parse(shown.stdout)).toMatchObject({ reviews: [{ status: 'approved', decidedBy: 'cli', approved: [0], rejected: [1], edits: [{ index: 2, prompt: 'a lighthouse at dawn', round: 1 }] }] });

    await startServerProcess(s.env, s.port, s.children);
    const round2 = await until('round 2 of the review', async () => {
      const [review] = ((await s.api('GET', `/api/runs/${runId}/review`)).body as { reviews: ReviewRecord[] }).reviews;
      return review?.status === 'pending' && review.round === 2 ? review : undefined;
    });
    expect(round2.regenerated).toEqual([1, 2]);
    const stills = round2.items.map((item) => (item.value as { still: string }).still);
    expect(round2.items.map((item) => [item.prompt, item.takes])).toEqual([
      ['a lighthouse, shot 1', { still: 0 }],
      ['a lighthouse, shot 2', { still: 1 }],
      ['a lighthouse at dawn', { still: 0 }],
    ]);
    // Items 1 and 2 were made at once after the restart, in either order.
    expect([stills[0], [...stills.slice(1)].sort()]).toEqual([firstStill, ['still-4', 'still-5']]);
    // Item 0 came from the cache; 1 was made as take 1, 2 from its new words: two stills sent, nothing rendered.
    expect(s.provider.count('still')).toBe(5);
    expect(s.provider.count('render')).toBe(0);
    expect((await s.api('POST', `/api/runs/${runId}/review`, { decision: 'approve' })).status).toBe(200);
    const detail = await until('the resumed run to finish', async () => {
      const body = (await s.api('GET', `/api/runs/${runId}`)).body;
      return body.status === 'done' || body.status === 'failed' ? body : undefined;
    });
    expect(detail.status).toBe('done');
    expect((detail.outputs as { clips: Array<{ still: string }> }).clips.map((c) => c.still)).toEqual(stills);
    expect(s.provider.count('render')).toBe(3);
  });
});

describe.skipIf(!redis)('a review gate in queue mode', () => {
  it('holds no worker: while one run waits at its gate, a concurrency-1 worker runs another run, and approval finishes the first', async () => {
    const cluster: Cluster = await createCluster('review', {
      REELGRAPH_NODE_MODULES: [join(repoRoot, 'tests', 'fixtures', 'queue-nodes.ts'), fixtureNodes].join(','),
      REELGRAPH_REVIEW_POLL_MS: '50',
    });
    cleanups.push(() => cluster.dispose());
    // One unit at a time per class: a gate held as a unit (light) or keeping its voice slot would block run B.
    const worker = await cluster.startWorker(['--queues', 'voice,cpu,light', '--concurrency', 'voice=1,cpu=1,light=1']);
    const ws = await cluster.orchestrator();
    expect(ws.mode).toBe('queue');
    const node = (id: string, type: string, params: Record<string, unknown>, x: number) => ({ id, type, typeVersion: 1, params, position: { x, y: 0 } });
    const gated: GraphDocument = {
      format: GRAPH_FORMAT,
      schemaVersion: 1,
      name: 'queue gate',
      nodes: [node('items', 'testq.items', { count: 2, prefix: 'a' }, 0), node('voice', 'testq.work-voice', { tag: 'v' }, 200), node('gate', 'control.review', {}, 400), node('after', 'testq.work-voice', { tag: 'z' }, 600)],
      edges: [
        { from: 'items.items', to: 'voice.items' },
        { from: 'voice.items', to: 'gate.items' },
        { from: 'gate.items', to: 'after.items' },
      ],
      outputs: { items: 'after.items' },
    };
    const other: GraphDocument = {
      format: GRAPH_FORMAT,
      schemaVersion: 1,
      name: 'queue other',
      nodes: [node('items', 'testq.items', { count: 2, prefix: 'b' }, 0), node('voice', 'testq.work-voice', { tag: 'w' }, 200)],
      edges: [{ from: 'items.items', to: 'voice.items' }],
      outputs: { items: 'voice.items', trace: 'voice.trace' },
    };

    const a = await ws.launcher.launch({ graph: gated, outDir: join(cluster.dir, 'a'), trigger: 'api' });
    await waitingReview(ws, a.runId);
    const b = await ws.launcher.launch({ graph: other, outDir: join(cluster.dir, 'b'), trigger: 'api' });
    const otherResult = await b.finished;
    expect(otherResult.status).toBe('done');
    expect(otherResult.outputs.items).toEqual(['w(b-0)', 'w(b-1)']);
    // Run by the one worker, while run A still waited with nothing of its own downstream started.
    expect((otherResult.outputs.trace as Array<{ pid: number }>).map((t) => t.pid)).toEqual([worker.pid, worker.pid]);
    const waiting = await ws.store.getRun(a.runId);
    expect(waiting?.status).toBe('waiting');
    expect(waiting?.items.filter((i) => i.nodeId === 'after')).toEqual([]);

    await ws.reviews.decide(a.runId, { decision: 'approve', by: 'api' });
    const result = await a.finished;
    expect(result.status).toBe('done');
    expect(result.outputs.items).toEqual(['z(v(a-0))', 'z(v(a-1))']);
  });
});

describe('a review gate in a `reelgraph run` on the terminal', () => {
  it('says how to decide, and finishes once `reelgraph approve` in another process approves', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reelgraph-review-cli-'));
    const provider = await fakeProvider();
    const { REDIS_URL: _redis, ...rest } = process.env;
    const env: NodeJS.ProcessEnv = { ...rest, REELGRAPH_DATA: dir, REELGRAPH_NODE_MODULES: fixtureNodes, REELGRAPH_REVIEW_POLL_MS: '100', REELGRAPH_LOG_LEVEL: 'warn' };
    const file = join(dir, 'gated.json');
    await writeFile(file, JSON.stringify(gateGraph(provider.url)));
    const child = spawn(process.execPath, [bin, 'run', file, '--out', join(dir, 'out')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await provider.close();
      await rm(dir, { recursive: true, force: true });
    });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const hint = await new Promise<string>((resolve, reject) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const line = /gate waits for review of 3 items: reelgraph review (\S+)/.exec(stderr);
        if (line) resolve(line[1] as string);
      });
      void exited.then((code) => reject(new Error(`run exited (${code}) before the gate opened:\n${stderr}`)));
    });
    expect(provider.count('render')).toBe(0);
    const approved = spawnSync(process.execPath, [bin, 'approve', hint], { env, encoding: 'utf8' });
    expect(approved.status).toBe(0);
    expect(await exited).toBe(0);
    expect(provider.count('render')).toBe(3);
  });
});
