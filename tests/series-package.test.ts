/**
 * A season's archive (issue 20, item 3): one zip with every episode's
 * deliverables from its latest finished run, each episode in its own folder
 * (`e01-<base>/…`), the episodes without a finished run named in
 * `manifest.json`; and its signed twin for `<a href download>`.
 *
 * Cheap: graphs/script.json only parses each episode and writes it as JSON.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type request from 'supertest';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunDeliverables } from '../runtime/contract/index.js';
import { startTestServer, type TestServer } from './fixtures/server.js';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '..');
const markdown = (title: string): string => `---\nseries: Package Test\n---\n# ${title}\n\n## The vault\n\n**ADA:** Power is out.\n`;

const binary = (test: request.Test): request.Test =>
  test.buffer(true).parse((r, done) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => done(null, Buffer.concat(chunks)));
  });

let t: TestServer;
let work: string;
/** Episode number → its run and that run's deliverables. */
const rendered = new Map<number, { runId: string; listing: RunDeliverables }>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'reelgraph-series-package-'));
  t = await startTestServer();
  const document = JSON.parse(await readFile(join(repo, 'graphs/script.json'), 'utf8')) as Record<string, unknown>;
  expect((await t.api.post('/api/graphs').send({ document })).status).toBe(201);
  expect((await t.api.post('/api/series').send({ id: 'season', name: 'Season', graphId: 'script' })).status).toBe(201);
  await t.api.post('/api/series/season/episodes').send({ episodes: [{ text: markdown('Boot Sequence') }, { text: markdown('Cold Boot') }, { text: markdown('Never Made') }] });
  const started = await t.api.post('/api/series/season/render').send({ episodes: '1-2' });
  expect(started.status).toBe(202);
  for (const { number, runId } of started.body.runs as Array<{ number: number; runId: string }>) {
    for (;;) {
      const status = (await t.api.get(`/api/runs/${runId}`)).body.status as string;
      if (!['queued', 'running'].includes(status)) {
        expect(status).toBe('done');
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    rendered.set(number, { runId, listing: (await t.api.get(`/api/runs/${runId}/deliverables`)).body as RunDeliverables });
  }
}, 120_000);

afterAll(async () => {
  await t?.dispose();
  await rm(work, { recursive: true, force: true });
});

async function unzipped(body: Buffer, name: string): Promise<{ file: string; paths: string[] }> {
  const file = join(work, name);
  await writeFile(file, body);
  const { stdout } = await run('zipinfo', ['-1', file]);
  return { file, paths: stdout.trim().split('\n').sort() };
}

it('answers 404 NO_DELIVERABLES for a season with no finished episode', async () => {
  await t.api.post('/api/series').send({ id: 'empty', name: 'Empty', graphId: 'script' });
  await t.api.post('/api/series/empty/episodes').send({ episodes: [{ text: markdown('Draft') }] });
  const res = await t.api.get('/api/series/empty/package');
  expect([res.status, res.body.error?.code]).toEqual([404, 'NO_DELIVERABLES']);
  expect((await t.api.get('/api/series/ghost/package')).status).toBe(404);
});

it('streams one zip: each rendered episode in its own folder laid out as its run package, the others named in manifest.json', async () => {
  const res = await binary(t.api.get('/api/series/season/package'));
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toBe('application/zip');
  expect(res.headers['content-disposition']).toBe('attachment; filename="season.zip"');
  const body = res.body as Buffer;
  expect(Number(res.headers['content-length'])).toBe(body.length);

  const { file, paths } = await unzipped(body, 'season.zip');
  const expected = ['manifest.json'];
  for (const [number, { runId, listing }] of rendered) {
    expect(listing.deliverables.length).toBeGreaterThan(0);
    const base = listing.packageName!.replace(/\.zip$/, '');
    const folder = `e0${number}-${base}`;
    // The episode's folder holds exactly what its own run package holds, under the same names.
    const own = await unzipped((await binary(t.api.get(`/api/runs/${runId}/package.zip`))).body as Buffer, `run-${number}.zip`);
    expected.push(...own.paths.map((path) => `${folder}/${path.slice(base.length + 1)}`));
    for (const deliverable of listing.deliverables) {
      const { stdout } = await run('unzip', ['-p', file, `${folder}/${deliverable.name}`], { encoding: 'buffer' });
      const original = (await binary(t.api.get(`/api/runs/${runId}/deliverables/${deliverable.name}`))).body as Buffer;
      expect(Buffer.compare(stdout, original), `${folder}/${deliverable.name}`).toBe(0);
    }
  }
  expect(rendered.size).toBe(2);
  expect(paths).toEqual(expected.sort());
  expect(paths.some((path) => path.startsWith('e01-')) && paths.some((path) => path.startsWith('e02-'))).toBe(true);

  const manifest = JSON.parse((await run('unzip', ['-p', file, 'manifest.json'])).stdout) as {
    series: { id: string };
    episodes: Array<{ number: number; folder: string; runId: string }>;
    skipped: Array<{ number: number; title: string; status: string; reason: string }>;
  };
  expect(manifest.series.id).toBe('season');
  expect(manifest.episodes.map((e) => [e.number, e.runId])).toEqual([
    [1, rendered.get(1)!.runId],
    [2, rendered.get(2)!.runId],
  ]);
  expect(manifest.skipped).toEqual([{ number: 3, title: 'Never Made', status: 'draft', reason: 'never rendered' }]);
});

it('gives a signed link that downloads the same zip without a token, and refuses a forged or other one', async () => {
  expect((await t.anon.get('/api/series/season/package')).status).toBe(401);
  const link = await t.api.get('/api/series/season/package/link');
  expect(link.status).toBe(200);
  expect(link.body.name).toBe('season.zip');
  expect(link.body.url).toMatch(/^\/media\/series\/season\/package\/season\.zip\?exp=\d+&sig=[0-9a-f]+$/);
  const signed = await binary(t.anon.get(link.body.url as string));
  expect(signed.status).toBe(200);
  const direct = (await binary(t.api.get('/api/series/season/package'))).body as Buffer;
  expect(Buffer.compare(signed.body as Buffer, direct)).toBe(0);

  const url = new URL(link.body.url as string, 'http://x');
  expect((await t.anon.get(`/media/series/empty/package/season.zip${url.search}`)).status).toBe(403);
  url.searchParams.set('sig', '0'.repeat(64));
  expect((await t.anon.get(`${url.pathname}${url.search}`)).status).toBe(403);
});
