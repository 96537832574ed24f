/** The editor's run state: snapshot + engine events → per-node status, progress, items, errors (editor/src/runs/run-state.ts), and the run store against a live server (socket.io, reconnect). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReelgraphEvent } from '../runtime/contract/events.js';
import type { GraphDocument } from '../runtime/contract/graph.js';
import type { RunDetail } from '../runtime/store/types.js';
import {
  applyRunEvent,
  applyRunEvents,
  describeLocation,
  itemsLabel,
  mergeSnapshot,
  outputsOfNode,
  stateFromDetail,
  tallyFromCounts,
  withFetchedLogs,
  type RunState,
} from '../editor/src/runs/run-state.js';
import { ApiClient } from '../editor/src/api/client.js';
import { connectRuns, disconnectRuns, runSocket, showRun, useRunStore } from '../editor/src/runs/run-store.js';
import { greetingGraph, hangGraph, startTestServer, type TestServer } from './fixtures/server.js';

const T = 1_700_000_000_000;
const graph: GraphDocument = {
  format: 'reelgraph/graph',
  schemaVersion: 1,
  id: 'ep',
  name: 'Episode',
  nodes: [
    { id: 'script', type: 'script.markdown', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
    { id: 'voice', type: 'voice.espeak', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
    { id: 'fb', type: 'control.fallback', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
    { id: 'mix', type: 'assembly.render', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
  ],
  edges: [],
  outputs: { video: 'mix.video', captions: 'mix.captions', lines: 'voice.audio' },
};

function detail(extra: Partial<RunDetail> = {}): RunDetail {
  return {
    id: 'r1',
    graphId: 'ep',
    graphName: 'Episode',
    status: 'queued',
    priority: 'normal',
    inputs: {},
    createdAt: T,
    logCount: 0,
    trigger: 'editor',
    nodes: [],
    items: [],
    graph,
    usage: [],
    costUsd: 0,
    ...extra,
  };
}

const ev = {
  run: (at: number, status: 'running' | 'done' | 'failed' | 'cancelled', extra: object = {}): ReelgraphEvent => ({ type: 'run', runId: 'r1', at: T + at, status, ...extra }),
  node: (at: number, nodeId: string, status: 'queued' | 'running' | 'done' | 'cached' | 'failed' | 'skipped', extra: object = {}): ReelgraphEvent => ({
    type: 'node',
    runId: 'r1',
    at: T + at,
    nodeId,
    nodeType: 'x',
    status,
    ...extra,
  }),
  item: (at: number, nodeId: string, index: number, status: 'queued' | 'running' | 'done' | 'cached' | 'failed' | 'fell-back', extra: object = {}): ReelgraphEvent => ({
    type: 'item',
    runId: 'r1',
    at: T + at,
    nodeId,
    index,
    key: String(index),
    status,
    ...extra,
  }),
  progress: (at: number, nodeId: string, fraction: number, index?: number): ReelgraphEvent => ({
    type: 'progress',
    runId: 'r1',
    at: T + at,
    nodeId,
    fraction,
    ...(index !== undefined ? { index } : {}),
  }),
};

describe('stateFromDetail', () => {
  it('lists every node of the graph as queued until it reports', () => {
    const state = stateFromDetail(detail());
    expect(Object.keys(state.nodes)).toEqual(['script', 'voice', 'fb', 'mix']);
    expect(state.nodes.voice).toMatchObject({ status: 'queued', cached: false, fellBack: false, providers: [] });
    expect(state.status).toBe('queued');
  });

  it('reads node rows, item rows, progress, errors and durations from a stored run', () => {
    const state = stateFromDetail(
      detail({
        status: 'failed',
        startedAt: T,
        finishedAt: T + 900,
        durationMs: 900,
        error: { name: 'PermanentError', code: 'PERMANENT', message: 'no voice', location: { nodeId: 'voice', item: 2 } },
        nodes: [
          { runId: 'r1', nodeId: 'script', nodeType: 'script.markdown', status: 'cached', attempts: 0, cached: true, finishedAt: T + 10 },
          {
            runId: 'r1',
            nodeId: 'voice',
            nodeType: 'voice.espeak',
            status: 'failed',
            attempts: 2,
            cached: false,
            startedAt: T + 10,
            finishedAt: T + 800,
            durationMs: 790,
            items: { total: 3, executed: 1, cached: 1, failed: 1, fellBack: 0 },
            error: { name: 'PermanentError', code: 'PERMANENT', message: 'no voice', location: { nodeId: 'voice', item: 2 } },
          },
          { runId: 'r1', nodeId: 'mix', nodeType: 'assembly.render', status: 'running', attempts: 1, cached: false, startedAt: T + 20, progress: 0.25 },
        ],
        items: [
          { runId: 'r1', nodeId: 'voice', index: 0, key: 'a', status: 'done', attempts: 1, cached: false, provider: 'voice' },
          { runId: 'r1', nodeId: 'voice', index: 1, key: 'b', status: 'cached', attempts: 0, cached: true, provider: 'voice' },
          { runId: 'r1', nodeId: 'voice', index: 2, key: 'c', status: 'failed', attempts: 2, cached: false, error: { name: 'E', code: 'PERMANENT', message: 'no voice' } },
        ],
      }),
    );
    expect(state.status).toBe('failed');
    expect(state.nodes.script).toMatchObject({ status: 'cached', cached: true, progress: 1 });
    expect(state.nodes.voice).toMatchObject({
      status: 'failed',
      items: { total: 3, done: 2, cached: 1, failed: 1, fellBack: 0 },
      durationMs: 790,
      attempts: 2,
      providers: [],
      error: { message: 'no voice' },
    });
    expect(state.nodes.voice?.itemStates[2]?.status).toBe('failed');
    expect(state.nodes.mix).toMatchObject({ status: 'running', progress: 0.25 });
    expect(state.nodes.fb?.status).toBe('queued');
    expect(describeLocation(state.error)).toBe('node "voice", item 2');
  });
});

describe('applyRunEvent', () => {
  it("keeps each whole node's and each item's output values from the events", () => {
    let s = stateFromDetail(detail());
    s = applyRunEvents(s, [
      ev.run(0, 'running'),
      ev.node(1, 'script', 'done', { outputs: { script: { title: 'Ep 1' } } }),
      ev.item(2, 'voice', 0, 'running', { attempt: 1 }),
      ev.item(3, 'voice', 0, 'done', { outputs: { clips: { hash: 'b'.repeat(64), mime: 'audio/wav', bytes: 4 } } }),
      ev.item(4, 'voice', 1, 'failed', { error: { name: 'E', code: 'E', message: 'no' } }),
    ]);
    expect(s.nodes.script?.outputs).toEqual({ script: { title: 'Ep 1' } });
    expect(s.nodes.voice?.itemStates[0]?.outputs).toEqual({ clips: { hash: 'b'.repeat(64), mime: 'audio/wav', bytes: 4 } });
    expect(s.nodes.voice?.itemStates[1]?.outputs).toBeUndefined();
  });

  it('follows a run from start to end: statuses, item counts, progress, duration', () => {
    let s = stateFromDetail(detail());
    s = applyRunEvents(s, [
      ev.run(0, 'running'),
      ev.node(1, 'script', 'queued'),
      ev.node(1, 'voice', 'queued'),
      ev.node(2, 'script', 'running'),
      ev.progress(3, 'script', 0.5),
    ]);
    expect(s.status).toBe('running');
    expect(s.nodes.script).toMatchObject({ status: 'running', progress: 0.5, attempts: 1 });

    s = applyRunEvents(s, [ev.node(4, 'script', 'done', { durationMs: 2 }), ...[0, 1, 2, 3].map((i) => ev.item(5, 'voice', i, 'queued'))]);
    expect(s.nodes.script).toMatchObject({ status: 'done', progress: 1, durationMs: 2 });
    // Queued items give the node its item count: 0/4 done.
    expect(s.nodes.voice).toMatchObject({ status: 'queued', items: { total: 4, done: 0 } });
    expect(itemsLabel(s.nodes.voice?.items)).toBe('0/4');

    s = applyRunEvents(s, [
      ev.item(6, 'voice', 0, 'running', { attempt: 1 }),
      ev.item(7, 'voice', 0, 'done', { provider: 'voice', durationMs: 1 }),
      ev.item(7, 'voice', 1, 'cached', { provider: 'voice' }),
      ev.item(8, 'voice', 2, 'running', { attempt: 1 }),
      ev.progress(9, 'voice', 0.5, 2),
    ]);
    // A running item makes its node run.
    expect(s.nodes.voice?.status).toBe('running');
    expect(s.nodes.voice?.items).toEqual({ total: 4, done: 2, cached: 1, failed: 0, fellBack: 0 });
    expect(itemsLabel(s.nodes.voice?.items)).toBe('2/4');
    // (2 done + half of item 2) / 4
    expect(s.nodes.voice?.progress).toBeCloseTo(2.5 / 4);
    expect(s.nodes.voice?.cached).toBe(false);

    s = applyRunEvents(s, [
      ev.item(10, 'voice', 2, 'done', { provider: 'voice' }),
      ev.item(10, 'voice', 3, 'done', { provider: 'voice' }),
      ev.node(11, 'voice', 'done', { items: { total: 4, executed: 3, cached: 1, failed: 0, fellBack: 0 }, durationMs: 9 }),
      ev.run(12, 'done', { durationMs: 12 }),
    ]);
    expect(s.nodes.voice).toMatchObject({ status: 'done', progress: 1, items: { total: 4, done: 4, cached: 1 }, durationMs: 9 });
    expect(s.status).toBe('done');
    expect(s.durationMs).toBe(12);
  });

  it('marks a fallback node that fell back, with the providers that produced its items', () => {
    let s = stateFromDetail(detail());
    s = applyRunEvents(s, [
      ev.item(1, 'fb', 0, 'queued'),
      ev.item(1, 'fb', 1, 'queued'),
      ev.item(2, 'fb', 0, 'done', { provider: 'runway' }),
      ev.item(3, 'fb', 1, 'fell-back', { provider: 'procedural' }),
      ev.node(4, 'fb', 'done', { items: { total: 2, executed: 0, cached: 0, failed: 0, fellBack: 1 } }),
    ]);
    expect(s.nodes.fb).toMatchObject({ status: 'done', fellBack: true, providers: ['procedural', 'runway'], items: { total: 2, done: 2, fellBack: 1 } });
  });

  it('marks a node cached when all its items were cache hits', () => {
    const s = applyRunEvents(stateFromDetail(detail()), [
      ev.item(1, 'voice', 0, 'cached', { provider: 'voice' }),
      ev.item(1, 'voice', 1, 'cached', { provider: 'voice' }),
      ev.node(2, 'voice', 'cached', { items: { total: 2, executed: 0, cached: 2, failed: 0, fellBack: 0 } }),
    ]);
    expect(s.nodes.voice).toMatchObject({ status: 'cached', cached: true, items: { total: 2, done: 2, cached: 2 } });
  });

  it('keeps errors with their location, and clears them when the node runs again', () => {
    const error = { name: 'PermanentError', code: 'PERMANENT', message: 'HTTP 401 from provider', location: { nodeId: 'voice', item: 1, port: 'audio' } };
    let s = applyRunEvents(stateFromDetail(detail()), [
      ev.item(1, 'voice', 1, 'failed', { error }),
      ev.node(2, 'voice', 'failed', { error }),
      ev.node(3, 'mix', 'skipped', { error: { ...error, code: 'UPSTREAM', location: { nodeId: 'mix' } } }),
      ev.run(4, 'failed', { error }),
    ]);
    expect(s.nodes.voice?.error?.message).toBe('HTTP 401 from provider');
    expect(describeLocation(s.nodes.voice?.error)).toBe('node "voice", item 1, port "audio"');
    expect(s.nodes.voice?.items?.failed).toBe(1);
    expect(s.nodes.mix?.status).toBe('skipped');
    expect(s.status).toBe('failed');
    expect(s.error?.message).toBe('HTTP 401 from provider');
    s = applyRunEvent(s, ev.node(5, 'voice', 'running'));
    expect(s.nodes.voice?.error).toBeUndefined();
  });

  it('counts retries and attempts', () => {
    const s = applyRunEvents(stateFromDetail(detail()), [
      ev.node(1, 'mix', 'running'),
      { type: 'retry', runId: 'r1', at: T + 2, nodeId: 'mix', attempt: 1, delayMs: 100, error: { name: 'TransientError', code: 'TRANSIENT', message: '503' } },
    ]);
    expect(s.nodes.mix).toMatchObject({ retries: 1, attempts: 2, lastRetryError: { message: '503' } });
  });

  it('ignores events of other runs, stale events, and the same event twice', () => {
    let s = applyRunEvents(stateFromDetail(detail()), [ev.node(5, 'script', 'done')]);
    const before = s;
    s = applyRunEvent(s, { ...ev.node(9, 'script', 'failed'), runId: 'other' });
    expect(s).toBe(before);
    // Older than what the node shows.
    s = applyRunEvent(s, ev.node(3, 'script', 'running'));
    expect(s.nodes.script?.status).toBe('done');
    // A non-final status at the same instant does not undo a final one.
    s = applyRunEvent(s, ev.node(5, 'script', 'running'));
    expect(s.nodes.script?.status).toBe('done');
    const log: ReelgraphEvent = { type: 'log', runId: 'r1', at: T + 6, level: 'info', message: 'hello', nodeId: 'script' };
    s = applyRunEvents(s, [log, log]);
    expect(s.logs).toHaveLength(1);
    // Run status: a finished run stays finished against a late 'running'.
    s = applyRunEvents(s, [ev.run(10, 'cancelled'), ev.run(10, 'running')]);
    expect(s.status).toBe('cancelled');
  });

  it('caps the log tail and merges fetched logs without duplicates', () => {
    let s = stateFromDetail(detail());
    for (let i = 0; i < 400; i++) s = applyRunEvent(s, { type: 'log', runId: 'r1', at: T + i, level: 'info', message: `line ${i}` });
    expect(s.logs).toHaveLength(300);
    expect(s.logs[0]?.message).toBe('line 100');
    const fresh = stateFromDetail(detail());
    const withLive = applyRunEvent(fresh, { type: 'log', runId: 'r1', at: T + 2, level: 'warn', message: 'b' });
    const merged = withFetchedLogs(withLive, [
      { id: 1, runId: 'r1', at: T + 1, level: 'info', message: 'a' },
      { id: 2, runId: 'r1', at: T + 2, level: 'warn', message: 'b' },
    ]);
    expect(merged.logs.map((l) => l.message)).toEqual(['a', 'b']);
  });
});

describe('mergeSnapshot', () => {
  it('takes a newer snapshot but keeps live node states newer than it', () => {
    let live: RunState = applyRunEvents(stateFromDetail(detail()), [ev.run(0, 'running'), ev.node(1, 'script', 'running'), ev.node(8, 'voice', 'done')]);
    const snap = detail({
      status: 'running',
      startedAt: T,
      nodes: [
        { runId: 'r1', nodeId: 'script', nodeType: 'script.markdown', status: 'done', attempts: 1, cached: false, startedAt: T + 1, finishedAt: T + 5 },
        { runId: 'r1', nodeId: 'voice', nodeType: 'voice.espeak', status: 'running', attempts: 1, cached: false, startedAt: T + 6 },
      ],
    });
    live = mergeSnapshot(live, snap);
    expect(live.nodes.script?.status).toBe('done');
    expect(live.nodes.voice?.status).toBe('done');
    expect(live.detail).toBe(snap);
  });

  it('keeps a finished run status the snapshot does not know yet, and resets for another run', () => {
    const live = applyRunEvents(stateFromDetail(detail()), [ev.run(0, 'running'), ev.run(50, 'done')]);
    expect(mergeSnapshot(live, detail({ status: 'running', startedAt: T })).status).toBe('done');
    const other = mergeSnapshot(live, detail({ id: 'r2', status: 'running', startedAt: T }));
    expect(other.runId).toBe('r2');
    expect(other.status).toBe('running');
  });
});

describe('helpers', () => {
  it('derives done counts from the engine counts of a node', () => {
    expect(tallyFromCounts({ total: 5, executed: 2, cached: 1, failed: 0, fellBack: 0 }, 'running')).toMatchObject({ done: 3 });
    // A finished fallback: its first alternative's items count as neither executed nor cached.
    expect(tallyFromCounts({ total: 5, executed: 0, cached: 0, failed: 1, fellBack: 2 }, 'failed')).toMatchObject({ done: 4, fellBack: 2 });
  });

  it('finds the graph outputs a node produces', () => {
    expect(outputsOfNode(graph.outputs, 'mix')).toEqual(['video', 'captions']);
    expect(outputsOfNode(graph.outputs, 'script')).toEqual([]);
  });
});

describe('run store', () => {
  beforeEach(() => useRunStore.getState().select(undefined));

  it('holds events that arrive before the snapshot and applies them after it', () => {
    const store = useRunStore.getState;
    store().select('r1');
    store().receiveEvent(ev.node(3, 'script', 'running'));
    store().receiveEvent({ ...ev.node(3, 'script', 'failed'), runId: 'zzz' });
    expect(store().run).toBeUndefined();
    expect(store().pending).toHaveLength(1);
    store().receiveSnapshot(detail({ status: 'running', startedAt: T }));
    expect(store().run?.nodes.script?.status).toBe('running');
    expect(store().pending).toHaveLength(0);
    store().receiveEvent(ev.node(4, 'script', 'done'));
    expect(store().run?.nodes.script?.status).toBe('done');
    // Reconnect: the same snapshot again changes nothing that is newer.
    store().receiveSnapshot(detail({ status: 'running', startedAt: T }));
    expect(store().run?.nodes.script?.status).toBe('done');
    // A snapshot of another run is ignored; selecting another run clears the state.
    store().receiveSnapshot(detail({ id: 'r9' }));
    expect(store().run?.runId).toBe('r1');
    store().select('r2');
    expect(store().run).toBeUndefined();
  });
});

describe('run store against a live server (socket.io + REST)', () => {
  let server: TestServer;
  const waitFor = async (check: () => boolean, what: string, ms = 20_000): Promise<void> => {
    const until = Date.now() + ms;
    while (!check()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(useRunStore.getState().run?.status)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  beforeAll(async () => {
    server = await startTestServer();
    connectRuns(new ApiClient(server.token, server.server.url));
    await waitFor(() => useRunStore.getState().connection === 'connected', 'the socket');
  });
  afterAll(async () => {
    disconnectRuns();
    await server?.dispose();
  });

  it('follows a run to its end and reads its outputs', async () => {
    const { runId } = (await server.api.post('/api/runs').send({ graph: greetingGraph('hello'), inputs: { episode: 'world' } })).body as { runId: string };
    await showRun(runId);
    await waitFor(() => useRunStore.getState().run?.status === 'done', 'done');
    const run = useRunStore.getState().run as RunState;
    expect(run.nodes.greet?.status).toMatch(/^(done|cached)$/);
    expect(run.nodes.greet?.progress).toBe(1);
    await waitFor(() => useRunStore.getState().run?.detail?.outputs !== undefined, 'outputs');
    expect(useRunStore.getState().run?.detail?.outputs).toEqual({ greeting: 'Hello, world!' });
  });

  it('resubscribes after a reconnect and takes the fresh snapshot', async () => {
    const { runId } = (await server.api.post('/api/runs').send({ graph: hangGraph('hang-r') })).body as { runId: string };
    await showRun(runId);
    await waitFor(() => useRunStore.getState().run?.nodes.wait?.status === 'running', 'running');
    const raw = runSocket()?.raw;
    expect(raw).toBeDefined();
    // Drop the connection and cancel the run while offline: its events are missed…
    raw?.io.engine.close();
    await waitFor(() => useRunStore.getState().connection !== 'connected', 'the drop');
    expect((await server.api.post(`/api/runs/${runId}/cancel`)).status).toBe(202);
    expect((await server.api.get(`/api/runs/${runId}?wait=20000`)).body.status).toBe('cancelled');
    // …and the snapshot after the reconnect brings the state up to date.
    await waitFor(() => useRunStore.getState().connection === 'connected', 'the reconnect');
    await waitFor(() => useRunStore.getState().run?.status === 'cancelled', 'cancelled');
    expect(useRunStore.getState().run?.nodes.wait?.status).toBe('cancelled');
  });
});
