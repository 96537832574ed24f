/**
 * A run resumed after a restart is the same run: started without the cache,
 * it stays without it (only what it produced itself before the restart
 * counts), and its duration counts from its first start.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunLauncher } from '../runtime/runs/launcher.js';
import { openSqliteStore, type SqliteRunStore } from '../runtime/store/index.js';
import { createHarness, graph, type Harness } from './fixtures/harness.js';
import { probe } from './fixtures/test-nodes.js';

let h: Harness;
let store: SqliteRunStore;

beforeEach(async () => {
  h = await createHarness();
  store = await openSqliteStore(join(h.dir, 'runs.db'));
});
afterEach(async () => {
  await store.close();
  await h.dispose();
});

/** a → gate → c: the gate (a barrier of `size`) holds the run until a second execution arrives, i.e. after the restart. */
const pipeline = (size: number) =>
  graph(
    [
      ['a', 'test.echo', { tag: 'a' }],
      ['gate', 'test.barrier', { group: 'restart', size, giveUpMs: 60_000 }],
      ['c', 'test.echo', { tag: 'c' }],
    ],
    ['a.value -> gate.value', 'gate.value -> c.value'],
  );

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await delay(10);
}

describe('resuming a run after a restart', () => {
  it('keeps noCache and counts the duration from the first start', async () => {
    // Yesterday's results for a and c are in the cache.
    expect((await h.run(pipeline(1))).status).toBe('done');
    probe.reset();

    const first = new RunLauncher(h.engine, store);
    const launched = await first.launch({ graph: pipeline(2), trigger: 'api', outDir: join(h.dir, 'out'), noCache: true });
    await until(() => probe.starts('gate').length === 1);
    expect(probe.starts('a')).toHaveLength(1); // the old cache was ignored

    // The server dies: its launcher stops recording, the run is left as it was.
    first.detach();
    h.engine.cancel(launched.runId);
    await launched.finished;
    await store.flush();
    const left = await store.getRun(launched.runId);
    expect(left).toMatchObject({ status: 'running', noCache: true });
    const firstStart = left?.startedAt as number;

    const resumedAt = Date.now();
    const second = new RunLauncher(h.engine, store);
    expect(await second.resumeUnfinished()).toEqual([launched.runId]);
    const result = await (second.finished(launched.runId) as Promise<Awaited<typeof launched.finished>>);
    expect(result.status).toBe('done');

    // c never ran in this run: without the cache it must execute, not come from yesterday's entry.
    expect(probe.starts('c')).toHaveLength(1);
    // a ran in this run before the restart: its result is reused, not paid for twice.
    expect(probe.starts('a')).toHaveLength(1);
    expect(result.nodes.find((n) => n.id === 'a')?.status).toBe('cached');

    expect(result.startedAt).toBe(firstStart);
    expect(result.durationMs).toBeGreaterThanOrEqual(resumedAt - firstStart);
    const stored = await store.getRun(launched.runId);
    expect(stored).toMatchObject({ status: 'done', startedAt: firstStart, durationMs: result.durationMs });
    await second.close();
  });
});
