/**
 * The editor's run state: snapshot + engine events → per-node status,
 * progress, items, errors (editor/src/runs/run-state.ts); what the Run panel
 * makes of it (overall progress and ETA, "fell back" instead of failed, item
 * labels and providers, deliverable link renewal, run input drafts, toasts
 * one per topic, the credentials a node needs); and the run store against a
 * live server (socket.io, reconnect, drafts kept per graph across a first
 * save and a reopen).
 */
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
import { credentialsForProvider, missingKeyHint } from '../editor/src/params/credentials.js';
import { linkExpiry, renewDelayMs, RENEW_MARGIN_MS } from '../editor/src/runs/deliverables.js';
import { describeItemValue, itemLabel, providerLabel } from '../editor/src/runs/item-labels.js';
import { describeEta, estimateEta, nodeOutcome, nodeProgressRows, runProgress } from '../editor/src/runs/run-progress.js';
import { formValuesFromInputs, newerDraft } from '../editor/src/runs/run-inputs.js';
import { connectRuns, disconnectRuns, runSocket, setRunInputsDraft, showRun, startedRun, unsavedRunIds, useRunForm, useRunStore } from '../editor/src/runs/run-store.js';
import { useGraphStore } from '../editor/src/state/graph-store.js';
import { defaultTopic, withToast, type ToastMessage } from '../editor/src/state/toast-store.js';
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

// ---------------------------------------------------------------- the Run panel's readings

/** voice-openai (no key) and voice-offline feed a fallback, whose clips feed the mix. */
const fallbackGraph: GraphDocument = {
  format: 'reelgraph/graph',
  schemaVersion: 1,
  name: 'Fallback',
  nodes: [
    { id: 'parse', type: 'script.markdown', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
    { id: 'prompts', type: 'scene.prompt', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
    { id: 'scenes', type: 'scene.procedural', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
    { id: 'openai', type: 'voice.tts', typeVersion: 1, position: { x: 0, y: 0 }, params: { provider: 'openai' } },
    { id: 'offline', type: 'voice.tts', typeVersion: 1, position: { x: 0, y: 0 }, params: { provider: 'offline' } },
    { id: 'voices', type: 'control.fallback', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
    { id: 'mix', type: 'audio.mix', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
  ],
  edges: [
    { from: '$input.episode', to: 'parse.markdown' },
    { from: 'parse.script', to: 'prompts.script' },
    { from: 'prompts.prompts', to: 'scenes.prompts' },
    { from: 'parse.speakable', to: 'openai.segments' },
    { from: 'parse.speakable', to: 'offline.segments' },
    { from: 'openai.clips', to: 'voices.choice1' },
    { from: 'offline.clips', to: 'voices.choice2' },
    { from: 'voices.value', to: 'mix.clips' },
  ],
  outputs: { mix: 'mix.mix' },
};
const mapOverOf = (type: string): string | undefined => ({ 'voice.tts': 'segments', 'scene.procedural': 'prompts' })[type];
const noKey = { code: 'PERMANENT', message: 'openai: no API key; set OPENAI_API_KEY (or point the endpoint at a self-hosted server such as Kokoro)', retryable: false };
const segments = [
  { id: 's1', speaker: 'KAEL', displayText: 'Is anyone there?', speechText: 'Is anyone there?' },
  { id: 's2', speaker: 'ARIA', displayText: 'Only me, Kael.', speechText: 'Only me, Kael.' },
];
const clip = (n: number) => ({ hash: String(n).repeat(64).slice(0, 64), mime: 'audio/wav', bytes: 10, name: `seg-${n}.wav` });

/** A run of fallbackGraph where openai failed on every line (no key) and the offline voice delivered. */
function fellBackRun(fallbackStatus: 'done' | 'failed' = 'done'): RunState {
  let s = stateFromDetail(detail({ graph: fallbackGraph, status: 'running', startedAt: T, inputs: { episode: '# Ping' } }));
  s = applyRunEvents(s, [
    ev.node(1, 'parse', 'done', { outputs: { speakable: segments, script: {} } }),
    ev.node(2, 'prompts', 'done', { outputs: { prompts: [{ sceneId: 'the-server-room', title: 'The Server Room', prompt: 'A dark server room' }] } }),
    ev.item(3, 'openai', 0, 'failed', { error: noKey }),
    ev.item(3, 'openai', 1, 'failed', { error: noKey }),
    ev.node(4, 'openai', 'failed', { error: noKey, items: { total: 2, executed: 0, cached: 0, failed: 2, fellBack: 0 } }),
    ev.item(5, 'offline', 0, 'done', { provider: 'offline', outputs: { clips: clip(1) } }),
    ev.item(5, 'offline', 1, 'done', { provider: 'offline', outputs: { clips: clip(2) } }),
    ev.node(6, 'offline', 'done', { items: { total: 2, executed: 2, cached: 0, failed: 0, fellBack: 0 } }),
    ev.item(7, 'voices', 0, 'fell-back', { provider: 'offline', outputs: { value: clip(1) } }),
    ev.item(7, 'voices', 1, fallbackStatus === 'done' ? 'fell-back' : 'failed', { provider: 'offline', outputs: { value: clip(2) } }),
    ev.node(8, 'voices', fallbackStatus, { items: { total: 2, executed: 0, cached: 0, failed: fallbackStatus === 'done' ? 0 : 1, fellBack: 2 } }),
  ]);
  return s;
}

describe('fell back, not failed', () => {
  it('reads a failure a fallback covered as "fell back", and any other failure as failed', () => {
    const s = fellBackRun();
    expect(s.nodes.openai?.status).toBe('failed');
    expect(nodeOutcome(s, 'openai')).toBe('fell-back');
    expect(nodeOutcome(s, 'offline')).toBe('done');
    expect(nodeOutcome(s, 'nope')).toBe('idle');
    // The fallback itself failed an item: the alternative's failure was not covered.
    expect(nodeOutcome(fellBackRun('failed'), 'openai')).toBe('failed');
    // A failed node that feeds something besides a fallback is a failure.
    const alsoMixed = { ...fallbackGraph, edges: [...fallbackGraph.edges, { from: 'openai.clips', to: 'mix.extra' }] };
    expect(nodeOutcome(s, 'openai', alsoMixed)).toBe('failed');
    // …and so is one that is a graph output itself.
    expect(nodeOutcome(s, 'openai', { ...fallbackGraph, outputs: { voice: 'openai.clips' } })).toBe('failed');
  });

  it('does not count a covered failure among the failed nodes of the progress', () => {
    const progress = runProgress(fellBackRun());
    expect(progress.nodesFailed).toBe(0);
    expect(runProgress(fellBackRun('failed')).nodesFailed).toBe(2);
    expect(nodeProgressRows(fellBackRun()).find((row) => row.nodeId === 'openai')).toMatchObject({ outcome: 'fell-back' });
  });
});

describe('overall progress and time left', () => {
  it('counts nodes done of total and items done of total over every mapped node', () => {
    const s = fellBackRun();
    const progress = runProgress(s);
    // parse, prompts, openai (failed: settled), offline, voices settled; scenes and mix still queued.
    expect(progress).toMatchObject({ nodesDone: 5, nodesTotal: 7, itemsDone: 6, itemsTotal: 6, nodesRunning: 0 });
    // Nodes weigh one each: the voice lines finished first do not make the run look nearly done.
    expect(progress.fraction).toBeCloseTo(5 / 7, 5);
    const rows = nodeProgressRows(s);
    expect(rows.map((row) => row.nodeId)).toEqual(fallbackGraph.nodes.map((node) => node.id));
    expect(rows.find((row) => row.nodeId === 'offline')).toMatchObject({ outcome: 'done', progress: 1, items: { done: 2, total: 2 } });
    expect(rows.find((row) => row.nodeId === 'mix')).toMatchObject({ outcome: 'queued' });
  });

  it('names each progress row as its card does: the node title, else its id', () => {
    const titled = { ...fallbackGraph, nodes: fallbackGraph.nodes.map((node) => (node.id === 'mix' ? { ...node, title: 'Final mix' } : node)) };
    const rows = nodeProgressRows(stateFromDetail(detail({ graph: titled })));
    expect(rows.find((row) => row.nodeId === 'mix')).toMatchObject({ title: 'Final mix' });
    expect(rows.find((row) => row.nodeId === 'parse')).toMatchObject({ title: 'parse' });
  });

  it('counts a running node by its progress, and a run with nothing yet as 0', () => {
    let s = stateFromDetail(detail({ status: 'running', startedAt: T }));
    expect(runProgress(s)).toMatchObject({ nodesDone: 0, nodesTotal: 4, itemsDone: 0, itemsTotal: 0, fraction: 0 });
    s = applyRunEvents(s, [ev.node(1, 'script', 'running'), ev.progress(2, 'script', 0.5)]);
    expect(runProgress(s)).toMatchObject({ nodesRunning: 1, fraction: 0.5 / 4 });
  });

  it('counts a running mapped node by its items; the many finished lines of an early node do not read as a finished run', () => {
    let s = stateFromDetail(detail({ status: 'running', startedAt: T }));
    const lines = Array.from({ length: 40 }, (_, index) => ev.item(3 + index, 'voice', index, index < 30 ? 'done' : 'queued'));
    s = applyRunEvents(s, [ev.node(1, 'script', 'done'), ev.node(2, 'voice', 'running'), ...lines]);
    expect(runProgress(s)).toMatchObject({ nodesDone: 1, itemsDone: 30, itemsTotal: 40 });
    // script done, voice 30/40 lines, two more nodes queued: (1 + 0.75) / 4, not (1 + 30) / (4 + 40).
    expect(runProgress(s).fraction).toBeCloseTo(1.75 / 4, 5);
  });

  it('estimates the time left from the pace so far, and says "estimating…" until there is signal', () => {
    const some = { fraction: 0.25, nodesDone: 1, itemsDone: 0 };
    expect(estimateEta(some, 1_000, true)).toEqual({ state: 'estimating' }); // too early
    expect(estimateEta({ fraction: 0.01, nodesDone: 0, itemsDone: 1 }, 60_000, true)).toEqual({ state: 'estimating' }); // too little done
    expect(estimateEta({ fraction: 0.3, nodesDone: 0, itemsDone: 0 }, 60_000, true)).toEqual({ state: 'estimating' }); // progress without anything finished
    expect(estimateEta(some, 30_000, true)).toEqual({ state: 'estimate', remainingMs: 90_000 });
    expect(estimateEta({ ...some, fraction: 1 }, 30_000, true)).toEqual({ state: 'estimate', remainingMs: 0 });
    expect(estimateEta(some, 30_000, false)).toEqual({ state: 'finished' });
    expect(describeEta({ state: 'estimating' })).toBe('estimating…');
    expect(describeEta({ state: 'estimate', remainingMs: 42_000 })).toBe('about 42 s left');
    expect(describeEta({ state: 'estimate', remainingMs: 130_000 })).toBe('about 2 min 10 s left');
    expect(describeEta({ state: 'estimate', remainingMs: 2 * 3600_000 + 5 * 60_000 })).toBe('about 2 h 5 min left');
  });

  it('knows when the run started: from the stored run, else its first running event', () => {
    expect(stateFromDetail(detail({ startedAt: T + 5 })).startedAt).toBe(T + 5);
    const live = applyRunEvent(stateFromDetail(detail()), ev.run(7, 'running'));
    expect(live.startedAt).toBe(T + 7);
    expect(applyRunEvent(live, ev.run(9, 'done')).startedAt).toBe(T + 7);
    expect(mergeSnapshot(live, detail({ status: 'running' })).startedAt).toBe(T + 7);
  });
});

describe('item labels and providers', () => {
  it('names a voice item by its speaker and line, through a fallback to its first alternative', () => {
    const s = fellBackRun();
    expect(itemLabel(s, 'offline', 0, mapOverOf)).toBe('KAEL: Is anyone there?');
    expect(itemLabel(s, 'openai', 1, mapOverOf)).toBe('ARIA: Only me, Kael.');
    // The fallback's items are its first choice's: openai's clips say nothing, so openai's input does.
    expect(itemLabel(s, 'voices', 1, mapOverOf)).toBe('ARIA: Only me, Kael.');
    expect(itemLabel(s, 'parse', 0, mapOverOf)).toBeUndefined();
  });

  it('names a scene item by its title', () => {
    expect(itemLabel(fellBackRun(), 'scenes', 0, mapOverOf)).toBe('The Server Room');
    expect(describeItemValue({ sceneId: 'the-server-room', prompt: 'x' })).toBe('the-server-room');
    expect(describeItemValue({ speechText: 'narrated  line\nbroken' })).toBe('narrated line broken');
    expect(describeItemValue('a'.repeat(200))).toHaveLength(90);
    expect(describeItemValue(clip(1))).toBeUndefined();
    expect(describeItemValue(3)).toBeUndefined();
  });

  it('reads an item from a graph input list too', () => {
    const graphOfInput: GraphDocument = {
      ...fallbackGraph,
      edges: [{ from: '$input.lines', to: 'offline.segments' }],
    };
    const s = stateFromDetail(detail({ graph: graphOfInput, inputs: { lines: segments } }));
    expect(itemLabel(s, 'offline', 1, mapOverOf)).toBe('ARIA: Only me, Kael.');
  });

  it('says which provider produced an item: the node’s provider, or the alternative and its provider', () => {
    expect(providerLabel(fallbackGraph, 'offline', 'offline')).toBe('offline');
    expect(providerLabel(fallbackGraph, 'voices', 'offline')).toBe('offline');
    const renamed: GraphDocument = { ...fallbackGraph, nodes: fallbackGraph.nodes.map((node) => (node.id === 'offline' ? { ...node, id: 'last-resort' } : node)) };
    expect(providerLabel(renamed, 'voices', 'last-resort')).toBe('last-resort · offline');
    expect(providerLabel(fallbackGraph, 'scenes', 'scenes')).toBe('scene.procedural');
    expect(providerLabel(fallbackGraph, 'voices', 'gone')).toBe('gone');
    expect(providerLabel(undefined, 'x', undefined)).toBe('');
  });
});

describe('deliverable links', () => {
  const at = 1_800_000_000_000;
  const answer = (exps: number[]) => ({
    runId: 'r1',
    deliverables: exps.map((exp, i) => ({ name: `f${i}`, output: 'video', kind: 'video' as const, mime: 'video/mp4', bytes: 1, hash: 'h', downloadUrl: `/media/runs/r1/download/f${i}?exp=${exp}&sig=ab`, inlineUrl: `/media/runs/r1/inline/f${i}?exp=${exp}&sig=cd` })),
  });
  it('asks for fresh links a minute before the first one expires', () => {
    expect(linkExpiry('/x?exp=123&sig=1')).toBe(123);
    expect(linkExpiry('/x?sig=1')).toBeUndefined();
    expect(renewDelayMs(answer([at / 1000 + 3600, at / 1000 + 600]), at)).toBe(600_000 - RENEW_MARGIN_MS);
    // Already close to expiry: not a tight loop.
    expect(renewDelayMs(answer([at / 1000 + 10]), at)).toBe(15_000);
    expect(renewDelayMs({ runId: 'r1', deliverables: [] }, at)).toBe(5 * 60_000);
  });
});

describe('run input drafts', () => {
  it('turns run inputs into form values: text as text, booleans as checkboxes, the rest as JSON', () => {
    expect(formValuesFromInputs({ episode: '# Ping', loud: true, count: 3, list: [1, 2], extra: 'x' }, { episode: { type: 'Markdown' }, loud: { type: 'Boolean' }, count: { type: 'Number' }, list: { type: 'Number', list: true } })).toEqual({
      episode: '# Ping',
      loud: true,
      count: '3',
      list: '[\n  1,\n  2\n]',
    });
  });

  it('prefers this browser’s copy only when it is newer than the server’s', () => {
    const server = { inputs: { episode: 'server' }, updatedAt: 100 };
    expect(newerDraft(server, { values: { episode: 'local' }, at: 50 })).toEqual({ episode: 'server' });
    expect(newerDraft(server, { values: { episode: 'local' }, at: 150 })).toEqual({ episode: 'local' });
    expect(newerDraft({ inputs: {} }, undefined)).toBeUndefined();
    expect(newerDraft(undefined, { values: { episode: 'local' }, at: 1 })).toEqual({ episode: 'local' });
  });
});

describe('toasts', () => {
  const toast = (kind: ToastMessage['kind'], text: string, topic = defaultTopic(kind, text)) => ({ kind, text, topic });
  it('shows one toast per topic: a new note replaces the last, the same error counts up, different errors stay', () => {
    let list: ToastMessage[] = [];
    list = withToast(list, toast('info', 'Connected a → b'), 1);
    list = withToast(list, toast('info', 'Connected b → c'), 2);
    list = withToast(list, toast('success', 'Saved g v1'), 3);
    expect(list.map((t) => t.text)).toEqual(['Saved g v1']);
    list = withToast(list, toast('error', 'Refused: types differ'), 4);
    list = withToast(list, toast('error', 'Refused: types differ'), 5);
    list = withToast(list, toast('error', 'Refused: a cycle'), 6);
    expect(list.map((t) => [t.text, t.count])).toEqual([
      ['Saved g v1', 1],
      ['Refused: types differ', 2],
      ['Refused: a cycle', 1],
    ]);
    // The live connection's messages share their own topic however often it drops.
    for (let i = 0; i < 5; i++) {
      list = withToast(list, toast('warning', 'Live run updates lost; reconnecting…', 'live-connection'), 10 + 2 * i);
      list = withToast(list, toast('success', 'Live run updates are back.', 'live-connection'), 11 + 2 * i);
    }
    expect(list.filter((t) => t.topic === 'live-connection')).toHaveLength(1);
    expect(list).toHaveLength(4);
  });
});

describe('credentials of the selected provider', () => {
  const specs = [
    { name: 'elevenlabs', title: 'ElevenLabs', env: { apiKey: 'ELEVENLABS_API_KEY' }, optional: true },
    { name: 'google-tts', title: 'Google Cloud Text-to-Speech', env: { apiKey: 'GOOGLE_TTS_API_KEY' }, optional: true },
    { name: 'openai', title: 'OpenAI (or compatible server)', env: { apiKey: 'OPENAI_API_KEY' }, optional: true },
  ];
  it('shows only the credential of the provider a node is set to, none for an offline one', () => {
    expect(credentialsForProvider(specs, { provider: 'google' }).map((s) => s.name)).toEqual(['google-tts']);
    expect(credentialsForProvider(specs, { provider: 'openai' }).map((s) => s.name)).toEqual(['openai']);
    expect(credentialsForProvider(specs, { provider: 'offline' })).toEqual([]);
    expect(credentialsForProvider(specs, {}).map((s) => s.name)).toEqual(['elevenlabs', 'google-tts', 'openai']);
    // A node of one provider shows its credential whatever the parameter says.
    expect(credentialsForProvider([specs[0]!], { provider: 'x' })).toHaveLength(1);
  });

  it('says where to store a missing key, and nothing for other errors', () => {
    expect(missingKeyHint(noKey, specs, { provider: 'openai' })).toBe(
      'Store a key for “OpenAI (or compatible server)” under Credentials in the node’s panel (Node tab; kept encrypted on the server), or set OPENAI_API_KEY in the server’s environment.',
    );
    expect(missingKeyHint({ code: 'PERMANENT', message: 'runway: no API key configured; set RUNWAYML_API_SECRET' }, [{ name: 'runway', title: 'Runway', env: { apiKey: 'RUNWAYML_API_SECRET' } }])).toContain('RUNWAYML_API_SECRET');
    expect(missingKeyHint({ code: 'MISSING_CREDENTIAL', message: 'x' }, specs, { provider: 'google' })).toContain('GOOGLE_TTS_API_KEY');
    expect(missingKeyHint({ code: 'UPSTREAM', message: 'openai answered 500' }, specs)).toBeUndefined();
    expect(missingKeyHint(undefined, specs)).toBeUndefined();
    // A message that already says where (the runtime's newer wording) gets no second hint.
    expect(missingKeyHint({ code: 'PERMANENT', message: 'openai: no API key; store it as credential "openai" in the editor\'s Credentials panel or set OPENAI_API_KEY' }, specs)).toBeUndefined();
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
  let serverDraft: string | undefined;
  const waitFor = async (check: () => boolean, what: string, ms = 20_000, poll?: () => Promise<void>): Promise<void> => {
    const until = Date.now() + ms;
    for (;;) {
      await poll?.();
      if (check()) break;
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

  it('keeps the run inputs per graph: a first save keeps them and sends them to the server, reopening loads them', async () => {
    const doc = (name: string): GraphDocument => ({ ...greetingGraph(name), id: undefined } as unknown as GraphDocument);
    const first = greetingGraph('drafts-a');
    const second = greetingGraph('drafts-b');
    useGraphStore.getState().setDocument(doc('unsaved'), { dirty: true });
    setRunInputsDraft({ episode: '# Kept across the save' });
    expect(useRunForm.getState().values).toEqual({ episode: '# Kept across the save' });
    // A run of the unsaved document is one the first save adopts.
    const { runId } = (await server.api.post('/api/runs').send({ graph: first, inputs: { episode: 'x' } })).body as { runId: string };
    startedRun(runId);
    expect(unsavedRunIds()).toEqual([runId]);

    // The first save: the same document gets an id; the form stays, the draft goes to the server.
    expect((await server.api.post('/api/graphs').send({ document: first, id: 'drafts-a' })).status).toBe(201);
    useGraphStore.getState().markSaved({ id: 'drafts-a', version: 1 });
    expect(useRunForm.getState().values).toEqual({ episode: '# Kept across the save' });
    expect(unsavedRunIds()).toEqual([]);
    expect(useRunStore.getState().runId).toBe(runId);
    await waitFor(() => serverDraft === '# Kept across the save', 'the draft on the server', 10_000, async () => {
      serverDraft = ((await server.api.get('/api/graphs/drafts-a/inputs')).body as { inputs: { episode?: string } }).inputs.episode;
    });

    // Another graph: its own (empty) form, and the run shown is not its run.
    expect((await server.api.post('/api/graphs').send({ document: second, id: 'drafts-b' })).status).toBe(201);
    useGraphStore.getState().setDocument(second, { id: 'drafts-b', version: 1 });
    expect(useRunForm.getState().values).toEqual({});
    expect(useRunStore.getState().runId).toBeUndefined();
    useRunForm.getState().setValue('episode', '# B typed');
    // Reopening the first: its draft comes back from the server.
    useGraphStore.getState().setDocument(first, { id: 'drafts-a', version: 1 });
    await waitFor(() => useRunForm.getState().values.episode === '# Kept across the save', 'the reopened draft');
    // What was typed for the second went to the server when it was left.
    await waitFor(() => serverDraft === '# B typed', 'the second draft on the server', 10_000, async () => {
      serverDraft = ((await server.api.get('/api/graphs/drafts-b/inputs')).body as { inputs: { episode?: string } }).inputs.episode;
    });
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
