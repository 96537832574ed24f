/**
 * Retention (runtime/store/retention.ts, `reelgraph gc`) on a real data
 * directory: real SQLite, real artifact files, real runs of an engine.
 * Ages are judged against a clock set days ahead, never against how long
 * anything took.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { builtinNodes } from '../nodes/index.js';
import { defineNode, GRAPH_FORMAT, type ArtifactHandle, type GraphDocument, type NodeType } from '../runtime/contract/index.js';
import type { RunDetail } from '../runtime/contract/records.js';
import { collectGarbage, defaultRetentionPolicy, planRetention, retentionTarget, type RetentionPolicy, type RetentionResult, type RetentionTarget } from '../runtime/store/retention.js';
import type { SqliteRunStore } from '../runtime/store/sqlite.js';
import { openWorkspace, type Workspace } from '../runtime/workspace.js';
import { scheduleRetention } from '../server/retention-schedule.js';

const DAY = 86_400_000;
const executed: string[] = [];

/** Per seed, `bytes` bytes that say which node and seed made them: an artifact of its own per item. */
function maker(type: string, paid: boolean): NodeType {
  return defineNode<{ bytes: number }>({
    type,
    version: 1,
    title: type,
    category: 'test',
    description: 'Stores one artifact per item.',
    inputs: [{ name: 'seeds', type: 'Json', list: true }],
    outputs: [{ name: 'blob', type: 'Json', list: true }],
    params: { type: 'object', properties: { bytes: { type: 'number', default: 4096 } } },
    resource: 'cpu',
    cacheable: true,
    mapOver: 'seeds',
    ...(paid ? { estimateUsage: () => [{ provider: 'fake-paid', unit: 'request', quantity: 1 }] } : {}),
    async execute(ctx) {
      executed.push(`${type}:${String(ctx.inputs.seeds)}`);
      const text = `${type}:${String(ctx.inputs.seeds)}:`;
      const blob = await ctx.artifacts.put({ data: text.repeat(Math.ceil(ctx.params.bytes / text.length)).slice(0, ctx.params.bytes) }, { mime: 'application/octet-stream', probe: false });
      return { blob };
    },
  });
}
const freeMaker = maker('gc.make', false);
const paidMaker = maker('gc.paid', true);

const node = (id: string, type: string, x: number) => ({ id, type, typeVersion: 1, position: { x, y: 0 }, params: {} });

/** `make` maps over the seeds; with `paid`, a paid node beside it whose results no graph output names. */
function gcGraph(options: { paid?: boolean; outputs?: boolean } = {}): GraphDocument {
  return {
    format: GRAPH_FORMAT,
    schemaVersion: 1,
    id: options.paid ? 'gc-paid' : 'gc-graph',
    name: options.paid ? 'gc paid' : 'gc graph',
    nodes: [node('make', 'gc.make', 0), ...(options.paid ? [node('paid', 'gc.paid', 200)] : [])],
    edges: [{ from: '$input.seeds', to: 'make.seeds' }, ...(options.paid ? [{ from: '$input.seeds', to: 'paid.seeds' }] : [])],
    inputs: { seeds: { type: 'Json', list: true } },
    outputs: options.paid || options.outputs === false ? {} : { blobs: 'make.blob' },
  } as GraphDocument;
}

let dir: string;
let ws: Workspace;

async function open(): Promise<void> {
  ws = await openWorkspace(dir, { nodes: builtinNodes, env: {}, offline: true, extraNodes: [freeMaker, paidMaker] });
}

beforeEach(async () => {
  executed.length = 0;
  dir = await mkdtemp(join(tmpdir(), 'reelgraph-gc-'));
  await open();
});
afterEach(async () => {
  await ws.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(seeds: unknown[], graph = gcGraph()): Promise<RunDetail> {
  const launched = await ws.launcher.launch({ graph, inputs: { seeds }, outDir: join(dir, 'out'), trigger: 'cli' });
  await launched.finished;
  const detail = await ws.store.getRun(launched.runId);
  if (detail?.status !== 'done') throw new Error(`run ${launched.runId} ended ${detail?.status}`);
  return detail;
}

const blobsOf = (detail: RunDetail, nodeId = 'make'): ArtifactHandle[] =>
  detail.items.filter((item) => item.nodeId === nodeId).sort((a, b) => a.index - b.index).map((item) => item.outputs?.blob as ArtifactHandle);
const hashes = (handles: ArtifactHandle[]): string[] => handles.map((handle) => handle.hash);
const present = (handle: Pick<ArtifactHandle, 'hash'>): Promise<boolean> => ws.artifacts.has(handle.hash);

/** The workspace's target, its clock ten days ahead: everything made in the test is old. */
function target(): RetentionTarget {
  const base = retentionTarget({ dataDir: dir, artifacts: ws.artifacts, database: (ws.store as SqliteRunStore).database, nodeTypes: ws.registry.list() });
  return { ...base, now: () => Date.now() + 10 * DAY };
}
const policy = (limits: Partial<RetentionPolicy>): RetentionPolicy => {
  const { maxAgeMs: _default, ...base } = defaultRetentionPolicy;
  return { ...base, keepRuns: 1, keepYoungerThanMs: 0, ...limits };
};
/** The result cache's entries (files) whose text names the hash. */
async function cacheEntriesNaming(hash: string): Promise<string[]> {
  const root = join(dir, 'cache');
  const files = (await readdir(root, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  const naming: string[] = [];
  for (const file of files) if ((await readFile(file, 'utf8')).includes(hash)) naming.push(file);
  return naming;
}
const artifactIds = (removals: Array<{ kind: string; id: string }>): string[] => removals.filter((removal) => removal.kind === 'artifact').map((removal) => removal.id);

describe('what gc keeps', () => {
  it("keeps a kept run's artifacts and a locked item's result, and removes the rest past the age limit", async () => {
    // No graph output names the items: what keeps them is the run, or the lock.
    const graph = gcGraph({ outputs: false });
    const first = await run(['a', 'b', 'c'], graph);
    await ws.pins.lock(graph, 'make', 1);
    const second = await run(['d', 'e', 'f'], graph);
    const [a, locked, c] = blobsOf(first);
    expect(blobsOf(second)[1]).toEqual(locked);

    const byAge = await collectGarbage(target(), policy({ maxAgeMs: 7 * DAY }));

    expect(byAge.keptRuns).toEqual([second.id]);
    for (const handle of blobsOf(second)) expect(await present(handle)).toBe(true);
    expect(await present(locked!)).toBe(true);
    expect(artifactIds(byAge.removed).sort()).toEqual([a!.hash, c!.hash].sort());
    expect(await present(a!)).toBe(false);
    expect(await present(c!)).toBe(false);

    // Over the size limit the kept run's free intermediates go too, but never the locked result.
    const bySize = await collectGarbage(target(), policy({ maxBytes: 1 }));
    expect(artifactIds(bySize.removed).sort()).toEqual([blobsOf(second)[0]!.hash, blobsOf(second)[2]!.hash].sort());
    expect(await present(locked!)).toBe(true);
    expect(bySize.keep['locked-item'].count).toBe(1);
    // The index never names a blob that is gone.
    const rows = await (ws.store as SqliteRunStore).database.exclusive((db) => db.all<{ hash: string }>('SELECT hash FROM artifacts'));
    expect(rows.length).toBeGreaterThan(0);
    for (const { hash } of rows) expect(await present({ hash }), hash).toBe(true);
  });

  it('removes unreferenced artifacts oldest first and stops as soon as the directory is under the size limit', async () => {
    const oldest = await run(['one']);
    const middle = await run(['two']);
    const newest = await run(['three']);
    const { before } = await planRetention(target(), policy({}));

    // One byte under what is there: the oldest unreferenced artifact goes, and nothing else.
    const result = await collectGarbage(target(), policy({ maxBytes: before.bytes - 1 }));

    expect(artifactIds(result.removed)).toEqual(hashes(blobsOf(oldest)));
    expect(result.removed.find((removal) => removal.kind === 'artifact')).toMatchObject({ reason: 'over-size', paid: false });
    expect(await present(blobsOf(oldest)[0]!)).toBe(false);
    expect(await present(blobsOf(middle)[0]!)).toBe(true);
    expect(await present(blobsOf(newest)[0]!)).toBe(true);
    expect(result.afterBytes).toBeLessThanOrEqual(before.bytes - 1);
  });

  it('never removes a paid result a kept run uses, even over the size limit; free intermediates go first', async () => {
    const detail = await run(['x', 'y'], gcGraph({ paid: true }));
    const paid = blobsOf(detail, 'paid');
    const free = blobsOf(detail, 'make');

    const result = await collectGarbage(target(), policy({ maxBytes: 1 }));

    for (const handle of paid) expect(await present(handle)).toBe(true);
    // The free results are only this kept run's intermediates: under size pressure they may go (and are made again when needed).
    expect(artifactIds(result.removed).sort()).toEqual(hashes(free).sort());
    expect(result.removed.filter((removal) => removal.kind === 'artifact').every((removal) => removal.intermediate === true)).toBe(true);
    expect(result.keep.paidUsedByKeptRuns.count).toBe(2);
    expect(result.overLimitBy).toBeGreaterThan(0);
  });

  it('removes nothing while a run is queued or running', async () => {
    await run(['old']);
    await run(['new']);
    await ws.store.createRun({ id: 'run-in-progress', graphName: 'other', graph: gcGraph(), inputs: {}, priority: 'normal' });
    const plan = await planRetention(target(), policy({ maxAgeMs: DAY }));
    expect(artifactIds(plan.remove)).toHaveLength(1);

    const result = await collectGarbage({ ...target(), now: () => Date.now() }, policy({ maxAgeMs: 0 }));

    expect(result.stopped).toEqual({ reason: 'active-run', runIds: ['run-in-progress'] });
    expect(result.removed).toEqual([]);

    // Ten days on, the record has not moved: a crashed process's run, which blocks nothing.
    const later = await collectGarbage(target(), policy({ maxAgeMs: DAY }));
    expect(later.stopped).toBeUndefined();
    expect(artifactIds(later.removed)).toEqual(artifactIds(plan.remove));
  });
});

describe('after gc', () => {
  it('a run of the same graph takes a removed result as a miss and makes it again, whole', async () => {
    const first = await run(['p', 'q']);
    await run(['r']);
    await collectGarbage(target(), policy({ maxAgeMs: DAY }));
    expect(await present(blobsOf(first)[0]!)).toBe(false);
    // A blob lost without gc (a crash, a hand): its cache entry and index row stay, naming a file that is gone.
    const second = await run(['s']);
    await rm(await ws.artifacts.localPath(blobsOf(second)[0]!));

    executed.length = 0;
    const again = await run(['p', 'q', 's']);

    expect(executed.sort()).toEqual(['gc.make:p', 'gc.make:q', 'gc.make:s']);
    expect(hashes(blobsOf(again))).toEqual([...hashes(blobsOf(first)), ...hashes(blobsOf(second))]);
    for (const handle of blobsOf(again)) {
      expect((await ws.artifacts.read(handle)).byteLength).toBe(4096);
    }
  });

  it('clears what a lost blob leaves behind: its cache entries and its index row', async () => {
    const detail = await run(['lost']);
    await run(['kept']);
    const [lost] = blobsOf(detail);
    await rm(await ws.artifacts.localPath(lost!));

    expect(await cacheEntriesNaming(lost!.hash)).toHaveLength(1);

    const result = await collectGarbage(target(), policy({}));

    expect(result.removed.filter((removal) => removal.reason === 'missing-artifact').length).toBeGreaterThan(0);
    expect(result.removed).toContainEqual(expect.objectContaining({ kind: 'index-row', id: lost!.hash }));
    expect(await ws.store.getArtifact(lost!.hash)).toBeUndefined();
    expect(await cacheEntriesNaming(lost!.hash)).toEqual([]);
  });
});

describe('reelgraph gc', () => {
  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await main(['node', 'reelgraph', '--data', dir, 'gc', ...args], { out: (text) => void (out += text), err: (text) => void (err += text) });
    return { code, out, err };
  }
  const limits = ['--max-age', '0', '--keep-younger-than', '0', '--keep-runs', '1'];

  it('--dry-run removes nothing and lists exactly what the real run then removes', async () => {
    const first = await run(['m', 'n']);
    await run(['o']);
    await ws.close();

    const dry = await cli('--dry-run', '--json', ...limits);
    expect(dry.code).toBe(0);
    const planned = JSON.parse(dry.out) as { dryRun: boolean; wouldRemove: Array<{ kind: string; id: string }>; bytes: number };
    expect(planned.dryRun).toBe(true);
    expect(artifactIds(planned.wouldRemove).sort()).toEqual(hashes(blobsOf(first)).sort());
    await open();
    for (const handle of blobsOf(first)) expect(await present(handle)).toBe(true);
    await ws.close();

    const real = await cli('--json', ...limits);
    expect(real.code).toBe(0);
    const done = JSON.parse(real.out) as { dryRun: boolean; removed: Array<{ kind: string; id: string }>; bytes: number; totals: Record<string, { count: number }> };
    expect(done.removed.map(({ kind, id }) => `${kind}:${id}`)).toEqual(planned.wouldRemove.map(({ kind, id }) => `${kind}:${id}`));
    expect(done.bytes).toBe(planned.bytes);
    expect(done.totals.artifact?.count).toBe(2);
    await open();
    for (const handle of blobsOf(first)) expect(await present(handle)).toBe(false);
  });

  it('exits 2 on a limit it cannot read, and 1 (removing nothing) while a run is active', async () => {
    expect(await cli('--max-size', 'lots')).toMatchObject({ code: 2, err: expect.stringMatching(/--max-size "lots" is not a size/) });
    expect((await cli('--max-age', '3 fortnights')).code).toBe(2);

    const first = await run(['u']);
    await run(['v']);
    await ws.store.createRun({ id: 'cli-run-in-progress', graphName: 'other', graph: gcGraph(), inputs: {}, priority: 'normal' });
    await ws.close();
    const busy = await cli('--json', ...limits);
    expect(busy.code).toBe(1);
    expect(JSON.parse(busy.out)).toMatchObject({ stopped: { reason: 'active-run', runIds: ['cli-run-in-progress'] }, removed: [] });
    await open();
    expect(await present(blobsOf(first)[0]!)).toBe(true);
  });
});

describe('the server schedule', () => {
  it('sweeps every REELGRAPH_GC_INTERVAL_MS with the limits from the environment, and refuses a setting it cannot read', async () => {
    const old = await run(['g']);
    const kept = await run(['h']);
    const env = { REELGRAPH_GC_INTERVAL_MS: '1', REELGRAPH_GC_MAX_AGE: '0', REELGRAPH_GC_KEEP_YOUNGER_THAN: '0', REELGRAPH_GC_KEEP_RUNS: '1' };
    const logger = pino({ level: 'silent' });
    const swept = new Promise<RetentionResult>((resolve) => {
      const schedule = scheduleRetention(ws, env, logger, { onSweep: (result) => void schedule.stop().then(() => resolve(result)) });
    });

    const result = await swept;

    expect(artifactIds(result.removed)).toEqual(hashes(blobsOf(old)));
    expect(await present(blobsOf(old)[0]!)).toBe(false);
    expect(await present(blobsOf(kept)[0]!)).toBe(true);
    expect(() => scheduleRetention(ws, { ...env, REELGRAPH_GC_MAX_SIZE: 'big' }, logger)).toThrow(/REELGRAPH_GC_MAX_SIZE "big" is not a size/);
    expect(() => scheduleRetention(ws, { REELGRAPH_GC_INTERVAL_MS: 'hourly' }, logger)).toThrow(/REELGRAPH_GC_INTERVAL_MS/);
    // Unset: no schedule at all.
    await scheduleRetention(ws, {}, logger).stop();
  });
});
