/**
 * What a `reelgraph` command loads before it starts working. Every command
 * imports the node registry; BullMQ, ioredis, the AWS SDK, Express,
 * socket.io and compromise cost about 0.8 s together, and are loaded only by
 * what uses them (queue mode, an S3 store, `server`, parsing a script).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '..');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelgraph-startup-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The packages a command resolved, by name. */
async function packagesLoadedBy(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Set<string>> {
  const record = join(dir, `${name}.txt`);
  await new Promise<void>((done, fail) =>
    execFile(
      process.execPath,
      ['--import', join(repo, 'tests/fixtures/record-imports.mjs'), join(repo, 'bin/reelgraph.js'), ...args],
      { cwd: repo, env: { ...process.env, ...env, RECORD_IMPORTS: record, REELGRAPH_DATA: join(dir, 'data') }, timeout: 60_000 },
      (error, _stdout, stderr) => (error ? fail(new Error(`${error.message}\n${stderr}`)) : done()),
    ),
  );
  const urls = (await readFile(record, 'utf8')).split('\n').filter(Boolean);
  return new Set(urls.map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? url));
}

const heavy = ['bullmq', 'ioredis', '@aws-sdk/client-s3', 'express', 'socket.io', 'compromise'];

it('validate, nodes, runs and gc load none of the heavy packages only some commands need', async () => {
  for (const [name, args] of [
    ['validate', ['validate', 'graphs/hello.json']],
    ['nodes', ['nodes', '--json']],
    ['runs', ['runs', '--json']],
    ['gc', ['gc', '--dry-run', '--json']],
  ] as const) {
    const loaded = await packagesLoadedBy(name, [...args]);
    // The recorder works: the registry's own dependencies are there.
    expect(loaded.has('ajv'), name).toBe(true);
    expect(heavy.filter((pkg) => loaded.has(pkg)), name).toEqual([]);
  }
});

// compromise is required (CommonJS) on first use, which this ESM hook does not see: only its absence is checked.
it('queue mode still loads BullMQ', async () => {
  // `runs` opens the workspace, which in queue mode connects to Redis.
  const queued = await packagesLoadedBy('queue-runs', ['runs', '--json'], { REDIS_URL: 'redis://127.0.0.1:6379', REELGRAPH_QUEUE_PREFIX: `startup-${process.pid}` });
  expect(queued.has('bullmq')).toBe(true);
});
