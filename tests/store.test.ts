import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactHandle, GraphDocument, ItemEvent, ReelgraphEvent } from '../runtime/contract/index.js';
import { Connection } from '../runtime/store/connection.js';
import { MigrationError, SqliteError, StoreClosedError, StoreError, UnknownRunError, WriteBehindError } from '../runtime/store/errors.js';
import { migrate, migrations } from '../runtime/store/migrations.js';
import type { SqliteRunStore, SqliteStoreOptions } from '../runtime/store/sqlite.js';
import { openSqliteStore } from '../runtime/store/sqlite.js';
import type { ItemRunRow, NewRun } from '../runtime/store/types.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

let dir: string;
let file: string;
const toClose: Array<{ close(): Promise<void> }> = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelgraph-store-'));
  file = join(dir, 'nested', 'reelgraph.db');
});

afterEach(async () => {
  await Promise.allSettled(toClose.splice(0).map((handle) => handle.close()));
  await rm(dir, { recursive: true, force: true });
});

async function open(options: SqliteStoreOptions = {}): Promise<SqliteRunStore> {
  const store = await openSqliteStore(file, options);
  toClose.push(store);
  return store;
}

/** A plain connection to the same file, for looking under the store. */
async function rawConnection(): Promise<Connection> {
  const connection = await Connection.open(file, { busyTimeoutMs: 1000 });
  toClose.push(connection);
  return connection;
}

/** A clock the test moves by hand. */
function manualClock(start = 1_000): { now: () => number; advance(ms: number): void } {
  let time = start;
  return { now: () => time, advance: (ms) => (time += ms) };
}

function graph(name: string, nodeIds: string[] = []): GraphDocument {
  return {
    format: 'reelgraph/graph',
    schemaVersion: 1,
    name,
    nodes: nodeIds.map((id, x) => ({ id, type: 'test.echo', typeVersion: 1, position: { x, y: 0 }, params: {} })),
    edges: [],
  };
}

function newRun(id: string, overrides: Partial<NewRun> = {}): NewRun {
  return { id, graphName: 'Weekly recap', graph: graph('Weekly recap', ['script', 'tts']), inputs: { topic: 'space' }, priority: 'normal', ...overrides };
}

function item(runId: string, index: number, status: ItemEvent['status'], at: number, extra: Partial<ItemEvent> = {}): ItemEvent {
  return { type: 'item', runId, nodeId: 'tts', index, key: `line-${index}`, status, at, ...extra };
}

describe('graphs', () => {
  it('saves a new version on every save and keeps the history', async () => {
    const clock = manualClock();
    const store = await open({ now: clock.now });

    expect(await store.saveGraph(graph('Weekly recap'), { message: 'first draft' })).toEqual({ id: 'weekly-recap', version: 1 });
    clock.advance(10);
    expect(await store.saveGraph(graph('Weekly recap', ['script']), { message: 'add script' })).toEqual({ id: 'weekly-recap', version: 2 });

    expect(await store.graphHistory('weekly-recap')).toEqual([
      { version: 2, message: 'add script', createdAt: 1_010 },
      { version: 1, message: 'first draft', createdAt: 1_000 },
    ]);
    expect(await store.graphHistory('unknown')).toEqual([]);
  });

  it('returns the latest version, or the one asked for', async () => {
    const store = await open();
    await store.saveGraph(graph('Weekly recap'));
    await store.saveGraph(graph('Weekly recap', ['script']));

    const latest = await store.getGraph('weekly-recap');
    expect(latest).toMatchObject({ id: 'weekly-recap', name: 'Weekly recap', version: 2 });
    expect(latest?.doc).toEqual({ ...graph('Weekly recap', ['script']), id: 'weekly-recap' });
    expect(latest).not.toHaveProperty('message');

    const first = await store.getGraph('weekly-recap', 1);
    expect(first?.version).toBe(1);
    expect(first?.doc).toEqual({ ...graph('Weekly recap'), id: 'weekly-recap' });

    expect(await store.getGraph('weekly-recap', 3)).toBeUndefined();
    expect(await store.getGraph('unknown')).toBeUndefined();
  });

  it('takes the id from the options, then the document, then a slug of the name', async () => {
    const store = await open();
    expect((await store.saveGraph(graph('Café Noir: Episode 2'))).id).toBe('cafe-noir-episode-2');
    expect((await store.saveGraph(graph('2024 Recap'))).id).toBe('graph-2024-recap');
    expect((await store.saveGraph({ ...graph('Anything'), id: 'own-id' })).id).toBe('own-id');
    expect((await store.saveGraph({ ...graph('Anything'), id: 'own-id' }, { id: 'chosen' })).id).toBe('chosen');

    const invalid = store.saveGraph(graph('x'), { id: 'has space' });
    await expect(invalid).rejects.toBeInstanceOf(StoreError);
    await expect(invalid).rejects.toMatchObject({ code: 'GRAPH_ID_INVALID' });
    expect(await store.getGraph('has space')).toBeUndefined();
  });

  it('lists graphs with their latest version, most recently updated first', async () => {
    const clock = manualClock();
    const store = await open({ now: clock.now });
    await store.saveGraph(graph('Alpha'));
    clock.advance(5);
    await store.saveGraph(graph('Beta'));
    clock.advance(5);
    await store.saveGraph(graph('Alpha'));

    expect(await store.listGraphs()).toEqual([
      { id: 'alpha', name: 'Alpha', version: 2, updatedAt: 1_010 },
      { id: 'beta', name: 'Beta', version: 1, updatedAt: 1_005 },
    ]);
  });

  it('names what a variant extends, from its latest version', async () => {
    const store = await open();
    await store.saveGraph(graph('Alpha'));
    const variant = { format: 'reelgraph/graph', schemaVersion: 1, name: 'Alpha short', extends: 'alpha', overrides: {} } as const;
    await store.saveGraph(variant, { id: 'alpha-short' });
    expect((await store.listGraphs()).find((summary) => summary.id === 'alpha-short')).toMatchObject({ extends: 'alpha' });
    // Saved again as a full graph, it extends nothing any more.
    await store.saveGraph(graph('Alpha short'), { id: 'alpha-short' });
    expect((await store.listGraphs()).find((summary) => summary.id === 'alpha-short')).not.toHaveProperty('extends');
  });

  it('fills in what stored variants extend when it upgrades an older database', async () => {
    const connection = await rawConnection();
    await migrate(connection, migrations.filter((migration) => migration.id < 13));
    await connection.exclusive(async (db) => {
      await db.run(`INSERT INTO graphs (id, name, latest_version, created_at, updated_at) VALUES ('short', 'Short', 1, 1, 1)`);
      const doc = JSON.stringify({ format: 'reelgraph/graph', schemaVersion: 1, id: 'short', name: 'Short', extends: 'episode', overrides: {} });
      await db.run(`INSERT INTO graph_versions (graph_id, version, name, doc, created_at) VALUES ('short', 1, 'Short', ?, 1)`, [doc]);
    });
    const store = await open();
    expect(await store.listGraphs()).toEqual([{ id: 'short', name: 'Short', version: 1, updatedAt: 1, extends: 'episode' }]);
  });
});

describe('runs', () => {
  it('builds the run record from a realistic event sequence', async () => {
    // The run finishes (finishRun) at 1_600, when its last event happened.
    const store = await open({ now: () => 1_600 });
    const run = newRun('r1', { graphId: 'weekly-recap', graphVersion: 3, outDir: '/out/r1' });
    await store.createRun(run);

    const fellBack = { name: 'TransientError', code: 'TRANSIENT', message: 'voice API timed out', retryable: true };
    const failed = { name: 'PermanentError', code: 'PERMANENT', message: 'text too long', retryable: false, location: { nodeId: 'tts', item: 2 } };
    const events: ReelgraphEvent[] = [
      { type: 'run', runId: 'r1', at: 1_000, status: 'queued', graphName: 'Weekly recap' },
      { type: 'run', runId: 'r1', at: 1_010, status: 'running' },
      { type: 'node', runId: 'r1', at: 1_020, nodeId: 'script', nodeType: 'script.llm', status: 'running' },
      { type: 'progress', runId: 'r1', at: 1_050, nodeId: 'script', fraction: 0.5 },
      { type: 'node', runId: 'r1', at: 1_100, nodeId: 'script', nodeType: 'script.llm', status: 'done', durationMs: 80 },
      { type: 'node', runId: 'r1', at: 1_200, nodeId: 'tts', nodeType: 'voice.tts', status: 'running' },
      item('r1', 0, 'running', 1_210, { attempt: 1 }),
      item('r1', 1, 'cached', 1_210, { provider: 'tts' }),
      item('r1', 2, 'running', 1_210, { attempt: 1 }),
      item('r1', 3, 'running', 1_210, { attempt: 1 }),
      item('r1', 0, 'done', 1_300, { attempt: 1, provider: 'tts', durationMs: 90 }),
      { type: 'retry', runId: 'r1', at: 1_310, nodeId: 'tts', index: 2, attempt: 1, delayMs: 50, error: fellBack },
      item('r1', 3, 'fell-back', 1_350, { provider: 'tts-backup' }),
      item('r1', 2, 'running', 1_360, { attempt: 2 }),
      { type: 'log', runId: 'r1', at: 1_370, nodeId: 'tts', index: 2, level: 'warn', message: 'retrying line 2', data: { attempt: 2 } },
      item('r1', 2, 'failed', 1_500, { attempt: 2, error: failed }),
      {
        type: 'node',
        runId: 'r1',
        at: 1_550,
        nodeId: 'tts',
        nodeType: 'voice.tts',
        status: 'done',
        items: { total: 4, executed: 3, cached: 1, failed: 1, fellBack: 1 },
      },
      { type: 'log', runId: 'r1', at: 1_590, level: 'info', message: 'rendering done' },
      { type: 'run', runId: 'r1', at: 1_600, status: 'done', durationMs: 590 },
    ];
    for (const event of events) store.recordEvent(event);
    await store.finishRun('r1', { status: 'done', outputs: { video: { hash: 'a'.repeat(64) } }, durationMs: 590 });
    await store.flush();

    const detail = await store.getRun('r1');
    expect(detail).toMatchObject({
      id: 'r1',
      graphId: 'weekly-recap',
      graphVersion: 3,
      graphName: 'Weekly recap',
      status: 'done',
      priority: 'normal',
      inputs: { topic: 'space' },
      outputs: { video: { hash: 'a'.repeat(64) } },
      startedAt: 1_010,
      finishedAt: 1_600,
      durationMs: 590,
      outDir: '/out/r1',
      logCount: 2,
      graph: run.graph,
    });
    expect(detail).not.toHaveProperty('error');
    expect(detail?.nodes).toEqual([
      { runId: 'r1', nodeId: 'script', nodeType: 'script.llm', status: 'done', startedAt: 1_020, finishedAt: 1_100, durationMs: 80, attempts: 1, cached: false, progress: 0.5 },
      {
        runId: 'r1',
        nodeId: 'tts',
        nodeType: 'voice.tts',
        status: 'done',
        startedAt: 1_200,
        finishedAt: 1_550,
        durationMs: 350,
        items: { total: 4, executed: 3, cached: 1, failed: 1, fellBack: 1 },
        attempts: 1,
        cached: false,
      },
    ]);
    const base = { runId: 'r1', nodeId: 'tts' };
    expect(detail?.items).toEqual<ItemRunRow[]>([
      { ...base, index: 0, key: 'line-0', status: 'done', attempts: 1, cached: false, provider: 'tts', startedAt: 1_210, finishedAt: 1_300, durationMs: 90 },
      { ...base, index: 1, key: 'line-1', status: 'cached', attempts: 0, cached: true, provider: 'tts', finishedAt: 1_210 },
      { ...base, index: 2, key: 'line-2', status: 'failed', attempts: 2, cached: false, startedAt: 1_210, finishedAt: 1_500, durationMs: 290, error: failed },
      { ...base, index: 3, key: 'line-3', status: 'fell-back', attempts: 1, cached: false, provider: 'tts-backup', startedAt: 1_210, finishedAt: 1_350, durationMs: 140 },
    ]);

    const logs = await store.getLogs('r1');
    expect(logs.map(({ id: _id, ...entry }) => entry)).toEqual([
      { runId: 'r1', at: 1_370, level: 'warn', message: 'retrying line 2', nodeId: 'tts', index: 2, data: { attempt: 2 } },
      { runId: 'r1', at: 1_590, level: 'info', message: 'rendering done' },
    ]);
  });

  it('marks cached nodes and counts node retries as attempts', async () => {
    const store = await open({ now: () => 60 });
    await store.createRun(newRun('r1'));
    const error = { name: 'TransientError', code: 'TRANSIENT', message: '503' };
    store.recordEvent({ type: 'node', runId: 'r1', at: 10, nodeId: 'script', nodeType: 'script.llm', status: 'cached' });
    store.recordEvent({ type: 'node', runId: 'r1', at: 20, nodeId: 'tts', nodeType: 'voice.tts', status: 'running' });
    store.recordEvent({ type: 'retry', runId: 'r1', at: 30, nodeId: 'tts', attempt: 1, delayMs: 10, error });
    store.recordEvent({ type: 'retry', runId: 'r1', at: 40, nodeId: 'tts', attempt: 2, delayMs: 20, error });
    store.recordEvent({ type: 'node', runId: 'r1', at: 50, nodeId: 'tts', nodeType: 'voice.tts', status: 'failed', error });
    store.recordEvent({ type: 'run', runId: 'r1', at: 60, status: 'failed', error });
    await store.flush();
    // The terminal event alone does not finish the run: only finishRun does, with its outputs.
    expect(await store.getRun('r1')).toMatchObject({ status: 'queued' });
    expect(await store.getRun('r1')).not.toHaveProperty('finishedAt');
    await store.finishRun('r1', { status: 'failed', error, durationMs: 50 });

    const detail = await store.getRun('r1');
    expect(detail?.nodes).toEqual([
      { runId: 'r1', nodeId: 'script', nodeType: 'script.llm', status: 'cached', finishedAt: 10, attempts: 0, cached: true },
      { runId: 'r1', nodeId: 'tts', nodeType: 'voice.tts', status: 'failed', startedAt: 20, finishedAt: 50, durationMs: 30, attempts: 3, cached: false, error },
    ]);
    expect(detail).toMatchObject({ status: 'failed', error, finishedAt: 60 });
  });

  it('keeps the output values of nodes and items for the run record', async () => {
    const store = await open();
    await store.createRun(newRun('r1'));
    const handle = { hash: 'a'.repeat(64), mime: 'audio/wav', bytes: 10, duration: 1.5 };
    store.recordEvent({ type: 'node', runId: 'r1', at: 10, nodeId: 'script', nodeType: 'script.llm', status: 'running' });
    store.recordEvent({ type: 'node', runId: 'r1', at: 20, nodeId: 'script', nodeType: 'script.llm', status: 'done', outputs: { script: { title: 'Ep 1' } } });
    store.recordEvent(item('r1', 0, 'running', 30));
    store.recordEvent(item('r1', 0, 'done', 40, { outputs: { clips: handle } }));
    store.recordEvent(item('r1', 1, 'failed', 50, { error: { name: 'E', code: 'E', message: 'no' } }));
    await store.flush();
    const detail = await store.getRun('r1');
    expect(detail?.nodes.find((n) => n.nodeId === 'script')?.outputs).toEqual({ script: { title: 'Ep 1' } });
    expect(detail?.items.map((i) => i.outputs)).toEqual([{ clips: handle }, undefined]);
  });

  it('sums provider usage per provider, unit and model, and estimates its cost', async () => {
    const store = await open();
    await store.createRun(newRun('r1'));
    await store.createRun(newRun('r2'));
    const usage = (runId: string, nodeId: string, provider: string, unit: string, quantity: number, model?: string): ReelgraphEvent => ({
      type: 'usage',
      runId,
      at: 100,
      nodeId,
      index: 0,
      provider,
      unit,
      quantity,
      ...(model ? { model } : {}),
    });
    store.recordEvent(usage('r1', 'tts', 'elevenlabs', 'characters', 1_200, 'eleven_multilingual_v2'));
    store.recordEvent(usage('r1', 'tts', 'elevenlabs', 'characters', 800, 'eleven_multilingual_v2'));
    store.recordEvent(usage('r1', 'tts-backup', 'elevenlabs', 'characters', 1_000, 'eleven_multilingual_v2'));
    store.recordEvent(usage('r1', 'tts', 'openai', 'characters', 2_000_000, 'tts-1'));
    store.recordEvent(usage('r1', 'scenes', 'runway', 'seconds', 10, 'gen4_turbo'));
    store.recordEvent(usage('r1', 'scenes', 'comfyui', 'seconds', 6));
    store.recordEvent(usage('r1', 'tts', 'acme-voices', 'characters', 50));
    store.recordEvent(usage('r2', 'tts', 'openai', 'characters', 1_000, 'tts-1'));
    await store.flush();

    const detail = await store.getRun('r1');
    expect(detail?.usage).toEqual([
      { provider: 'acme-voices', unit: 'characters', quantity: 50 },
      { provider: 'comfyui', unit: 'seconds', quantity: 6 },
      { provider: 'elevenlabs', unit: 'characters', model: 'eleven_multilingual_v2', quantity: 3_000 },
      { provider: 'openai', unit: 'characters', model: 'tts-1', quantity: 2_000_000 },
      { provider: 'runway', unit: 'seconds', model: 'gen4_turbo', quantity: 10 },
    ]);
    // 3,000 ElevenLabs characters at $0.10/1K + 2M tts-1 characters at $15/1M + 10 s of gen4_turbo at 5 credits/s; comfyui is free, acme unpriced.
    expect(detail?.costUsd).toBeCloseTo(0.3 + 30 + 0.5, 10);
    expect(await store.getRun('r2')).toMatchObject({ usage: [{ provider: 'openai', unit: 'characters', model: 'tts-1', quantity: 1_000 }] });

    await store.createRun(newRun('r3'));
    expect(await store.getRun('r3')).toMatchObject({ usage: [], costUsd: 0 });
  });

  it('writes the final state after every event recorded before finishRun', async () => {
    const store = await open();
    await store.createRun(newRun('r1'));
    store.recordEvent({ type: 'run', runId: 'r1', at: 100, status: 'running' });
    // No flush: the `running` event is still queued when the run finishes.
    await store.finishRun('r1', { status: 'done', durationMs: 42 });
    await store.flush();

    expect(await store.getRun('r1')).toMatchObject({ status: 'done', startedAt: 100, durationMs: 42 });
  });

  it('refuses to finish an unknown run', async () => {
    const store = await open();
    await expect(store.finishRun('ghost', { status: 'done', durationMs: 1 })).rejects.toBeInstanceOf(UnknownRunError);
    expect(await store.getRun('ghost')).toBeUndefined();
  });

  it('batches thousands of events into a few transactions and writes them all', async () => {
    const store = await open();
    await store.createRun(newRun('r1'));
    const items = 5_000;
    for (let index = 0; index < items; index++) store.recordEvent(item('r1', index, 'running', 1_000, { attempt: 1 }));
    for (let index = 0; index < items; index++) store.recordEvent(item('r1', index, 'done', 1_000 + index, { attempt: 1, provider: 'tts' }));

    // Recording only queues.
    expect(store.writeStats()).toMatchObject({ queued: 2 * items, written: 0 });
    await store.flush();
    const stats = store.writeStats();
    expect(stats).toMatchObject({ queued: 0, written: 2 * items, dropped: 0 });
    expect(stats.batches).toBeLessThanOrEqual(15);

    // Read through another connection: the rows are in the file, not only in this one.
    const reader = await open();
    const detail = await reader.getRun('r1');
    expect(detail?.items).toHaveLength(items);
    expect(detail?.items.every((row, index) => row.index === index && row.status === 'done' && row.durationMs === index)).toBe(true);
  }, 30_000);

  it('writes only the latest progress of a node', async () => {
    const store = await open();
    await store.createRun(newRun('r1'));
    store.recordEvent({ type: 'node', runId: 'r1', at: 1, nodeId: 'render', nodeType: 'video.render', status: 'running' });
    for (let step = 1; step <= 100; step++) store.recordEvent({ type: 'progress', runId: 'r1', at: 1 + step, nodeId: 'render', fraction: step / 100 });
    await store.flush();

    expect(store.writeStats().written).toBe(2);
    expect((await store.getRun('r1'))?.nodes[0]?.progress).toBe(1);
  });

  it('keeps the first log entries of a run up to the cap and counts the rest', async () => {
    const store = await open({ maxLogsPerRun: 5 });
    await store.createRun(newRun('r1'));
    for (let line = 0; line < 8; line++) store.recordEvent({ type: 'log', runId: 'r1', at: line, level: 'info', message: `line ${line}` });
    await store.flush();

    const logs = await store.getLogs('r1', { limit: 100 });
    expect(logs.map((entry) => entry.message)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    expect((await store.getRun('r1'))?.logCount).toBe(8);
    const page = await store.getLogs('r1', { afterId: logs[1]?.id, limit: 2 });
    expect(page.map((entry) => entry.message)).toEqual(['line 2', 'line 3']);
  });

  it('lists runs newest first, filtered by graph and status', async () => {
    const clock = manualClock();
    const store = await open({ now: clock.now });
    await store.createRun(newRun('a', { graphId: 'g1' }));
    clock.advance(1);
    await store.createRun(newRun('b', { graphId: 'g2' }));
    clock.advance(1);
    await store.createRun(newRun('c', { graphId: 'g1' }));
    await store.createRun(newRun('d', { graphId: 'g1', trigger: 'webhook' })); // same millisecond as c: creation order decides
    await store.finishRun('b', { status: 'failed', durationMs: 1 });

    const ids = async (options?: Parameters<SqliteRunStore['listRuns']>[0]): Promise<string[]> =>
      (await store.listRuns(options)).map((run) => run.id);
    expect(await ids()).toEqual(['d', 'c', 'b', 'a']);
    expect(await ids({ graphId: 'g1' })).toEqual(['d', 'c', 'a']);
    expect(await ids({ status: 'failed' })).toEqual(['b']);
    expect(await ids({ graphId: 'g1', status: 'failed' })).toEqual([]);
    expect(await ids({ status: ['failed', 'queued'] })).toEqual(['d', 'c', 'b', 'a']);
    expect(await ids({ status: ['failed', 'running'] })).toEqual(['b']);
    expect(await ids({ limit: 2 })).toEqual(['d', 'c']);
    expect(await ids({ trigger: 'webhook' })).toEqual(['d']);
    expect((await store.listRuns({ limit: 1 }))[0]).toEqual({
      id: 'd',
      graphId: 'g1',
      graphName: 'Weekly recap',
      status: 'queued',
      priority: 'normal',
      inputs: { topic: 'space' },
      createdAt: 1_002,
      logCount: 0,
      trigger: 'webhook',
    });
  });
});

describe('artifacts', () => {
  const handle: ArtifactHandle = {
    hash: 'b'.repeat(64),
    mime: 'video/mp4',
    bytes: 1_234_567,
    name: 'episode.mp4',
    duration: 61.5,
    width: 1920,
    height: 1080,
    frameRate: 29.97,
    sampleRate: 48_000,
    channels: 2,
  };

  it('indexes handles and returns them by hash', async () => {
    const store = await open();
    await store.indexArtifact(handle);
    await store.indexArtifact({ hash: 'c'.repeat(64), mime: 'text/plain', bytes: 3 });

    expect(await store.getArtifact(handle.hash)).toEqual(handle);
    expect(await store.getArtifact('c'.repeat(64))).toEqual({ hash: 'c'.repeat(64), mime: 'text/plain', bytes: 3 });
    expect(await store.getArtifact('d'.repeat(64))).toBeUndefined();
  });

  it('updates the metadata a later entry gives and keeps the rest', async () => {
    const store = await open();
    await store.indexArtifact(handle);
    await store.indexArtifact({ hash: handle.hash, mime: 'video/mp4', bytes: handle.bytes, duration: 62 });

    expect(await store.getArtifact(handle.hash)).toEqual({ ...handle, duration: 62 });
  });
});

describe('migrations and reopening', () => {
  const ledger = (connection: Connection): Promise<Array<{ id: number; applied_at: number }>> =>
    connection.exclusive((db) => db.all('SELECT id, applied_at FROM schema_migrations ORDER BY id'));

  it('keeps the data and applies no migration again when reopened', async () => {
    const first = await open();
    await first.saveGraph(graph('Weekly recap'));
    await first.createRun(newRun('r1'));
    first.recordEvent({ type: 'node', runId: 'r1', at: 5, nodeId: 'script', nodeType: 'script.llm', status: 'running' });
    await first.close();
    const raw = await rawConnection();
    const before = await ledger(raw);
    expect(before.map((row) => row.id)).toEqual(migrations.map((migration) => migration.id));

    const second = await open();
    expect(await ledger(raw)).toEqual(before);
    expect((await second.getGraph('weekly-recap'))?.version).toBe(1);
    expect((await second.getRun('r1'))?.nodes).toHaveLength(1);
  });

  it('applies only the migrations a database lacks', async () => {
    await (await open()).close();
    const connection = await rawConnection();
    const extra = { id: 1_000, name: 'test table', sql: 'CREATE TABLE test_extra (x INTEGER)' };

    expect(await migrate(connection)).toEqual([]);
    expect(await migrate(connection, [...migrations, extra])).toEqual([1_000]);
    expect(await migrate(connection, [...migrations, extra])).toEqual([]);
    expect((await ledger(connection)).map((row) => row.id)).toEqual([...migrations.map((migration) => migration.id), 1_000]);
  });

  it('refuses a database migrated by a newer version', async () => {
    await (await open()).close();
    await migrate(await rawConnection(), [...migrations, { id: 1_000, name: 'from the future', sql: 'SELECT 1' }]);

    await expect(openSqliteStore(file)).rejects.toBeInstanceOf(MigrationError);
  });

  it('rolls a failing migration back and does not record it', async () => {
    await (await open()).close();
    const connection = await rawConnection();
    const broken = { id: 1_000, name: 'broken', sql: 'CREATE TABLE half_done (x INTEGER); CREATE TABLE oops (' };

    await expect(migrate(connection, [...migrations, broken])).rejects.toMatchObject({ name: 'MigrationError', migrationId: 1_000 });
    const tables = await connection.exclusive((db) => db.all<{ name: string }>("SELECT name FROM sqlite_master WHERE name = 'half_done'"));
    expect(tables).toEqual([]);
    expect((await ledger(connection)).map((row) => row.id)).not.toContain(1_000);
  });
});

describe('sharing one file', () => {
  it('lets two stores on the same file write at the same time (WAL)', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const journal = await (await rawConnection()).exclusive((db) => db.get<{ journal_mode: string }>('PRAGMA journal_mode'));
    expect(journal?.journal_mode).toBe('wal');

    await Promise.all([a.createRun(newRun('from-a')), b.createRun(newRun('from-b'))]);
    const saves = Array.from({ length: 10 }, (_, n) => (n % 2 === 0 ? a : b).saveGraph(graph('Shared')));
    for (let index = 0; index < 300; index++) {
      a.recordEvent(item('from-a', index, 'done', index));
      b.recordEvent(item('from-b', index, 'done', index));
    }
    const versions = (await Promise.all(saves)).map((saved) => saved.version);
    await Promise.all([a.flush(), b.flush()]);

    expect(versions.sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // Each store sees the other's writes, so neither is stuck on an old snapshot.
    expect((await a.getRun('from-b'))?.items).toHaveLength(300);
    expect((await b.getRun('from-a'))?.items).toHaveLength(300);
    expect((await b.graphHistory('shared')).map((entry) => entry.version)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('migrates a new file once when several stores open it at the same time', async () => {
    const stores = await Promise.all(Array.from({ length: 4 }, () => open()));
    await Promise.all(stores.map((store, n) => store.saveGraph(graph(`Graph ${n}`))));

    const applied = await (await rawConnection()).exclusive((db) => db.all('SELECT id FROM schema_migrations'));
    expect(applied).toHaveLength(migrations.length);
    expect(await stores[0]?.listGraphs()).toHaveLength(4);
  });

  it('lets another process write while this one does', async () => {
    const store = await open();
    const child = join(dir, 'child.mts');
    const storeModule = pathToFileURL(join(repoRoot, 'runtime/store/sqlite.ts')).href;
    await writeFile(
      child,
      `import { openSqliteStore } from ${JSON.stringify(storeModule)};
       const store = await openSqliteStore(process.argv[2]);
       await store.createRun({ id: 'from-child', graphName: 'Shared', graph: { format: 'reelgraph/graph', schemaVersion: 1, name: 'Shared', nodes: [], edges: [] }, inputs: {}, priority: 'batch' });
       for (let round = 0; round < 5; round++) {
         for (let index = 0; index < 100; index++) {
           store.recordEvent({ type: 'item', runId: 'from-child', nodeId: 'tts', index: round * 100 + index, key: 'k', status: 'done', at: 1 });
         }
         await store.saveGraph({ format: 'reelgraph/graph', schemaVersion: 1, name: 'Shared', nodes: [], edges: [] }, { message: 'child' });
       }
       await store.finishRun('from-child', { status: 'done', durationMs: 1 });
       await store.close();`,
    );
    let childRunning = true;
    const childExit = promisify(execFile)(process.execPath, ['--import', 'tsx', child, file], { cwd: repoRoot }).finally(() => (childRunning = false));

    // Keep writing for as long as the child lives, so that the two overlap.
    await store.createRun(newRun('from-parent'));
    let parentSaves = 0;
    let parentItems = 0;
    while (childRunning) {
      for (let n = 0; n < 10; n++) store.recordEvent(item('from-parent', parentItems++, 'done', 1));
      await store.saveGraph(graph('Shared'), { message: 'parent' });
      parentSaves += 1;
    }
    await childExit;
    await store.flush();

    const history = await store.graphHistory('shared');
    expect(history.map((entry) => entry.version)).toEqual(Array.from({ length: parentSaves + 5 }, (_, n) => parentSaves + 5 - n));
    expect(history.filter((entry) => entry.message === 'child')).toHaveLength(5);
    expect(await store.getRun('from-child')).toMatchObject({ status: 'done', priority: 'batch' });
    expect((await store.getRun('from-child'))?.items).toHaveLength(500);
    expect((await store.getRun('from-parent'))?.items).toHaveLength(parentItems);
  }, 60_000);
});

describe('write-behind failures', () => {
  it('reports an event it could not write on the next flush, and loses no other event', async () => {
    const store = await open();
    await store.createRun(newRun('r1'));
    store.recordEvent({ type: 'node', runId: 'r1', at: 1, nodeId: 'script', nodeType: 'script.llm', status: 'running' });
    store.recordEvent(item('ghost', 0, 'done', 2));
    store.recordEvent({ type: 'run', runId: 'ghost', at: 3, status: 'running' });
    store.recordEvent({ type: 'node', runId: 'r1', at: 4, nodeId: 'tts', nodeType: 'voice.tts', status: 'running' });

    const failure = await store.flush().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(WriteBehindError);
    const { dropped, failures } = failure as WriteBehindError;
    expect(dropped).toBe(2);
    expect(failures.map((entry) => [entry.event.type, entry.event.runId, entry.error.code])).toEqual([
      ['item', 'ghost', 'STORE_SQLITE'],
      ['run', 'ghost', 'RUN_NOT_FOUND'],
    ]);
    expect(failures[0]?.error.message).toMatch(/FOREIGN KEY/);

    expect((await store.getRun('r1'))?.nodes.map((node) => node.nodeId)).toEqual(['script', 'tts']);
    await expect(store.flush()).resolves.toBeUndefined(); // reported once
    expect(store.writeStats()).toMatchObject({ written: 2, dropped: 2 });
  });

  it('keeps events queued while another process holds the lock, and writes them after', async () => {
    const store = await open({ busyTimeoutMs: 20 });
    await store.createRun(newRun('r1'));
    const other = await rawConnection();
    await other.exclusive((db) => db.exec('BEGIN IMMEDIATE'));

    store.recordEvent({ type: 'node', runId: 'r1', at: 1, nodeId: 'script', nodeType: 'script.llm', status: 'running' });
    const busy = store.flush();
    await expect(busy).rejects.toBeInstanceOf(SqliteError);
    await expect(busy).rejects.toMatchObject({ busy: true, retryable: true });
    expect(store.writeStats().queued).toBe(1);

    await other.exclusive((db) => db.exec('COMMIT'));
    await store.flush();
    expect((await store.getRun('r1'))?.nodes).toHaveLength(1);
  });

  it('reports unwritten events from close(), and is closed afterwards', async () => {
    const store = await open();
    store.recordEvent(item('ghost', 0, 'done', 1));

    await expect(store.close()).rejects.toBeInstanceOf(WriteBehindError);
    expect(() => store.recordEvent(item('ghost', 1, 'done', 1))).toThrow(StoreClosedError);
    await expect(store.getRun('ghost')).rejects.toBeInstanceOf(StoreClosedError);
    await expect(store.close()).rejects.toBeInstanceOf(WriteBehindError); // the same outcome, not a second close
  });
});
