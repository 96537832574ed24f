/** Series and episodes (issue 20, item 1): the store, the REST API and the CLI. */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createEpisodeBars } from '../cli/progress.js';
import { greetingGraph, startTestServer, type TestServer } from './fixtures/server.js';

const repo = resolve(import.meta.dirname, '..');
const markdown = (title: string): string => `# ${title}\n\n## The vault\n\n**ADA:** Power is out.\n`;
const fountain = 'Title: Cold Boot\n\nINT. VAULT - NIGHT\n\nThe lights die.\n\nADA\nPower is out.\n';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  expect((await t.api.post('/api/graphs').send({ document: greetingGraph('season-graph') })).status).toBe(201);
});
afterAll(async () => {
  await t?.dispose();
});

/** The publish.webhook receiver (as in tests/publish-webhook.test.ts): records each POST, answers 200. */
let receiver: { url: string; received: Array<{ headers: Record<string, unknown>; body: Record<string, unknown> }>; close(): Promise<void> };
beforeAll(async () => {
  const received: Array<{ headers: Record<string, unknown>; body: Record<string, unknown> }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/published`,
    received,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
});
afterAll(async () => {
  await receiver?.close();
});

describe('series over the API', () => {
  it('creates a series on a stored graph, refusing a taken id and an unknown graph', async () => {
    const created = await t.api.post('/api/series').send({ name: 'The Last Terminal', graphId: 'season-graph', settings: { profile: 'preview-720p', budgetUsdPerRun: 2 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'the-last-terminal', name: 'The Last Terminal', graphId: 'season-graph', settings: { profile: 'preview-720p', budgetUsdPerRun: 2 }, episodeCount: 0 });
    const again = await t.api.post('/api/series').send({ name: 'The Last Terminal', graphId: 'season-graph' });
    expect([again.status, again.body.error.code]).toEqual([409, 'SERIES_EXISTS']);
    const unknown = await t.api.post('/api/series').send({ id: 'ghost', name: 'Ghost', graphId: 'nowhere' });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'UNKNOWN_GRAPH']);
    const badSettings = await t.api.post('/api/series').send({ id: 'bad', name: 'Bad', graphId: 'season-graph', settings: { budgetUsdPerRun: -1 } });
    expect(badSettings.status).toBe(400);
    expect((await t.api.get('/api/series')).body.map((s: { id: string }) => s.id)).toEqual(['the-last-terminal']);
  });

  it('adds episodes in order (markdown or Fountain, read from their content), and refuses a broken script naming its file and line, storing nothing', async () => {
    await t.api.post('/api/series').send({ id: 'numbered', name: 'Numbered', graphId: 'season-graph' });
    const added = await t.api.post('/api/series/numbered/episodes').send({ episodes: [{ text: markdown('Boot Sequence'), fileName: 'ep01.md' }, { text: fountain }] });
    expect(added.status).toBe(201);
    expect(added.body.episodes.map((e: { number: number; title: string; format: string; status: string; version: number }) => [e.number, e.title, e.format, e.status, e.version])).toEqual([
      [1, 'Boot Sequence', 'markdown', 'draft', 1],
      [2, 'Cold Boot', 'fountain', 'draft', 1],
    ]);

    const broken = await t.api.post('/api/series/numbered/episodes').send({ episodes: [{ text: markdown('Fine') }, { text: '# T\n\n```terminal\n$ ls\n', fileName: 'ep04.md' }] });
    expect(broken.status).toBe(400);
    expect(broken.body.error.message).toBe('episode 2: ep04.md:3: code fence ``` opened here is never closed');
    expect(broken.body.error.problems).toEqual([expect.objectContaining({ in: 'body', path: '/episodes/1/text' })]);
    // All or none: the fine first episode was not stored either.
    const shown = await t.api.get('/api/series/numbered');
    expect(shown.body.episodes.map((e: { number: number }) => e.number)).toEqual([1, 2]);
    expect((await t.api.post('/api/series/nope/episodes').send({ episodes: [{ text: markdown('x') }] })).status).toBe(404);
  });

  it("versions an episode's script like a graph, and reads its status from its latest run", async () => {
    await t.api.post('/api/series').send({ id: 'status', name: 'Status', graphId: 'season-graph' });
    const [episode] = (await t.api.post('/api/series/status/episodes').send({ episodes: [{ text: markdown('One') }] })).body.episodes as Array<{ id: string; sha256: string }>;
    const same = await t.api.put('/api/series/status/episodes/1/script').send({ text: markdown('One') });
    expect([same.status, same.body.version, same.body.sha256]).toEqual([200, 1, episode!.sha256]);
    const revised = await t.api.put('/api/series/status/episodes/1/script').send({ text: markdown('One, revised') });
    expect([revised.body.version, revised.body.title]).toEqual([2, 'One']);
    expect((await t.api.put('/api/series/status/episodes/1/script').send({ text: '```terminal\n' })).status).toBe(400);
    expect((await t.api.get('/api/series/status/episodes/1')).body).toMatchObject({ version: 2, script: markdown('One, revised'), runs: [], status: 'draft' });

    // Runs linked to the episode decide its status: the latest one counts.
    const { store, series } = t.server.context.workspace;
    const status = async (): Promise<unknown> => (await t.api.get('/api/series/status')).body.episodes[0].status;
    const graph = greetingGraph('season-graph');
    await store.createRun({ id: 'run-a', graphName: graph.name, graph, inputs: {}, priority: 'batch' });
    await series.linkRun(episode!.id, 'run-a', 1);
    expect(await status()).toBe('rendering');
    await store.finishRun('run-a', { status: 'failed', durationMs: 10, error: { name: 'Error', code: 'X', message: 'boom', retryable: false } });
    expect(await status()).toBe('failed');
    await new Promise((r) => setTimeout(r, 5));
    await store.createRun({ id: 'run-b', graphName: graph.name, graph, inputs: {}, priority: 'batch' });
    await series.linkRun(episode!.id, 'run-b', 2);
    await store.finishRun('run-b', { status: 'done', durationMs: 1234 });
    // Its cost is the latest run's, priced as the run detail prices it (run-a's spend is not added).
    const paid = { type: 'usage', at: Date.now(), nodeId: 'voice', index: 0, provider: 'elevenlabs', unit: 'characters', model: 'eleven_multilingual_v2' } as const;
    store.recordEvent({ ...paid, runId: 'run-a', quantity: 5000 });
    store.recordEvent({ ...paid, runId: 'run-b', quantity: 1000 });
    store.recordEvent({ ...paid, runId: 'run-b', index: 1, quantity: 500 });
    await store.flush();
    const [shown] = (await t.api.get('/api/series/status')).body.episodes as Array<Record<string, unknown>>;
    const costUsd = (await t.api.get('/api/runs/run-b')).body.costUsd as number;
    expect(costUsd).toBeGreaterThan(0);
    expect(shown).toMatchObject({ status: 'rendered', lastRun: { runId: 'run-b', status: 'done', scriptVersion: 2, durationMs: 1234, costUsd } });
    expect((await t.api.get('/api/series/status/episodes/1')).body.lastRun.costUsd).toBe(costUsd);
    expect((await t.api.get('/api/series/status/episodes/1')).body.runs.map((r: { runId: string }) => r.runId)).toEqual(['run-b', 'run-a']);

    // Published: a publish run of the latest render that is done; read from the runs, so a newer render is not published.
    await store.createRun({ id: 'pub-1', graphName: 'publish', graph, inputs: {}, priority: 'normal' });
    await series.linkPublication(episode!.id, 'run-b', 'pub-1', 'publish.webhook');
    expect(await status()).toBe('rendered');
    await store.finishRun('pub-1', { status: 'done', durationMs: 5 });
    expect(await status()).toBe('published');
    expect((await t.api.get('/api/series/status')).body.episodes[0].lastRun.publishedAt).toEqual(expect.any(Number));
    await store.createRun({ id: 'run-c', graphName: graph.name, graph, inputs: {}, priority: 'batch' });
    await new Promise((r) => setTimeout(r, 5));
    await series.linkRun(episode!.id, 'run-c', 2);
    expect(await status()).toBe('rendering');
  });

  it("checks a publish target's params against its node type, when a series is created and when its settings are replaced", async () => {
    const create = (publish: unknown) => t.api.post('/api/series').send({ id: 'published', name: 'Published', graphId: 'season-graph', settings: { publish } });
    const badUrl = await create({ node: 'publish.webhook', params: { url: 'ftp://cms.example/hook' } });
    expect([badUrl.status, badUrl.body.error.message]).toEqual([400, 'settings.publish: publish.webhook param "url" must match pattern "^https?://"']);
    expect(badUrl.body.error.problems).toEqual([{ in: 'body', path: '/settings/publish/params/url', message: 'publish.webhook param "url" must match pattern "^https?://"' }]);
    const missing = await create({ node: 'publish.webhook', params: { retries: 99 } });
    expect([missing.status, missing.body.error.message]).toEqual([400, 'settings.publish: publish.webhook param "url" is required; publish.webhook param "retries" must be <= 10']);
    expect((await create({ node: 'publish.fax', params: {} })).status).toBe(400);
    expect((await t.api.get('/api/series/published')).status).toBe(404);

    const target = { node: 'publish.webhook', params: { url: 'http://127.0.0.1:9/hook' } };
    const created = await create(target);
    expect([created.status, created.body.settings]).toEqual([201, { publish: target }]);
    const refused = await t.api.put('/api/series/published/settings').send({ publish: { node: 'publish.s3', params: { bucket: 'season-videos', endpoint: 'minio' } } });
    expect([refused.status, refused.body.error.problems.map((p: { path: string }) => p.path)]).toEqual([400, ['/settings/publish/params/endpoint']]);
    expect((await t.api.get('/api/series/published')).body.settings).toEqual({ publish: target });
    const replaced = await t.api.put('/api/series/published/settings').send({ profile: 'preview-720p' });
    expect([replaced.status, replaced.body.settings]).toEqual([200, { profile: 'preview-720p' }]);
  });

  it('documents every series route in OpenAPI', async () => {
    const paths = Object.keys((await t.api.get('/api/openapi.json')).body.paths as Record<string, unknown>).filter((path) => path.startsWith('/api/series'));
    expect(paths.sort()).toEqual([
      '/api/series',
      '/api/series/{id}',
      '/api/series/{id}/episodes',
      '/api/series/{id}/episodes/{number}',
      '/api/series/{id}/episodes/{number}/script',
      '/api/series/{id}/package',
      '/api/series/{id}/package/link',
      '/api/series/{id}/publish',
      '/api/series/{id}/render',
      '/api/series/{id}/settings',
    ]);
  });

  it('renders a season through the API: one batch run per episode, each parsed in its own format, the status board following', async () => {
    const document = JSON.parse(await readFile(join(repo, 'graphs/script.json'), 'utf8')) as Record<string, unknown>;
    expect((await t.api.post('/api/graphs').send({ document })).status).toBe(201);
    await t.api.post('/api/series').send({ id: 'parsed', name: 'Parsed', graphId: 'script' });
    await t.api.post('/api/series/parsed/episodes').send({ episodes: [{ text: markdown('Boot Sequence') }, { text: fountain }, { text: markdown('Third') }] });
    expect((await t.api.post('/api/series/parsed/render').send({ episodes: 'x' })).status).toBe(400);
    expect((await t.api.post('/api/series/parsed/render').send({ episodes: [4] })).body.error.code).toBe('UNKNOWN_EPISODE');
    const started = await t.api.post('/api/series/parsed/render').send({ episodes: '1-2' });
    expect(started.status).toBe(202);
    expect(started.body.runs.map((r: { number: number }) => r.number)).toEqual([1, 2]);
    const runs = await Promise.all(
      (started.body.runs as Array<{ runId: string }>).map(async ({ runId }) => {
        for (;;) {
          const run = (await t.api.get(`/api/runs/${runId}`)).body as { status: string; priority: string; graph: { nodes: Array<{ id: string; type: string }> }; outputs: { script: { source: { format: string } } } };
          if (!['queued', 'running'].includes(run.status)) return run;
          await new Promise((r) => setTimeout(r, 50));
        }
      }),
    );
    expect(runs.map((run) => [run.status, run.priority, run.graph.nodes.find((n) => n.id === 'parse')?.type, run.outputs.script.source.format])).toEqual([
      ['done', 'batch', 'script.markdown', 'markdown'],
      ['done', 'batch', 'script.fountain', 'fountain'],
    ]);
    const board = (await t.api.get('/api/series/parsed')).body.episodes as Array<{ number: number; status: string; lastRun?: { runId: string } }>;
    expect(board.map((e) => [e.number, e.status, e.lastRun?.runId])).toEqual([
      [1, 'rendered', started.body.runs[0].runId],
      [2, 'rendered', started.body.runs[1].runId],
      [3, 'draft', undefined],
    ]);
    const noneFailed = await t.api.post('/api/series/parsed/render').send({ failedOnly: true });
    expect([noneFailed.status, noneFailed.body]).toEqual([202, { seriesId: 'parsed', runs: [], notStarted: [], nothingToRender: 'no episode of parsed has failed' }]);
    const missing = await t.api.post('/api/series/parsed/render').send({ episodes: '2-5' });
    expect([missing.status, missing.body.error.message]).toEqual([404, 'series "parsed" has no episode 4-5 (it has episodes 1-3)']);
  });
});

describe('publishing a season', () => {

  const settled = async (runId: string): Promise<{ status: string; graph: { nodes: Array<{ type: string }> } }> => {
    for (;;) {
      const run = (await t.api.get(`/api/runs/${runId}`)).body as { status: string; graph: { nodes: Array<{ type: string }> } };
      if (!['queued', 'running'].includes(run.status)) return run;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it("publishes each rendered episode with the series' target as its own run; the episode is then published", async () => {
    const document = JSON.parse(await readFile(join(repo, 'graphs/script.json'), 'utf8')) as Record<string, unknown>;
    // Stored already when the render test above ran (409), else now.
    expect([201, 409]).toContain((await t.api.post('/api/graphs').send({ document })).status);
    expect((await t.api.put('/api/credentials/publish-webhook').send({ fields: { secret: 'whsec-season' } })).status).toBe(200);
    await t.api.post('/api/series').send({ id: 'plain', name: 'Plain', graphId: 'script' });
    const noTarget = await t.api.post('/api/series/plain/publish').send({});
    expect([noTarget.status, noTarget.body.error.code]).toEqual([400, 'NO_PUBLISH_TARGET']);

    const target = { node: 'publish.webhook', params: { url: receiver.url, event: 'episode.aired', retries: 0 } };
    expect((await t.api.post('/api/series').send({ id: 'aired', name: 'Aired', graphId: 'script', settings: { publish: target } })).status).toBe(201);
    await t.api.post('/api/series/aired/episodes').send({ episodes: [{ text: markdown('Pilot') }, { text: markdown('Second') }] });
    expect((await t.api.post('/api/series/aired/publish').send({})).body).toEqual({ seriesId: 'aired', node: 'publish.webhook', runs: [], notStarted: [], nothingToPublish: 'no episode of aired is rendered' });
    expect((await t.api.post('/api/series/aired/publish').send({ episodes: [2] })).body.notStarted).toEqual([{ number: 2, title: 'Second', error: 'not rendered: never rendered' }]);

    const rendered = await t.api.post('/api/series/aired/render').send({ episodes: [1] });
    expect((await settled(rendered.body.runs[0].runId as string)).status).toBe('done');
    const published = await t.api.post('/api/series/aired/publish').send({});
    expect(published.status).toBe(202);
    expect(published.body.runs).toEqual([{ number: 1, title: 'Pilot', runId: expect.any(String), renderRunId: rendered.body.runs[0].runId }]);
    const run = await settled(published.body.runs[0].runId as string);
    expect([run.status, run.graph.nodes.map((n) => n.type)]).toEqual(['done', ['publish.webhook']]);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]!.body).toMatchObject({ event: 'episode.aired', runId: published.body.runs[0].runId, deliverables: [] });
    expect(receiver.received[0]!.headers['x-reelgraph-delivery']).toBe(receiver.received[0]!.body.deliveryId);

    const board = (await t.api.get('/api/series/aired')).body.episodes as Array<{ status: string; lastRun?: { publishedAt?: number } }>;
    expect(board.map((e) => e.status)).toEqual(['published', 'draft']);
    expect(board[0]!.lastRun?.publishedAt).toEqual(expect.any(Number));
    expect((await t.api.post('/api/series/aired/publish').send({})).body.nothingToPublish).toBe('every rendered episode of aired is published');
  });
});

describe('series from the CLI', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'reelgraph-series-cli-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });
  const reelgraph = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
      execFile(process.execPath, [join(repo, 'bin', 'reelgraph.js'), ...args], { cwd, env: { ...process.env, REELGRAPH_DATA: join(cwd, 'data'), REELGRAPH_PUBLISH_WEBHOOK_SECRET: 'whsec-cli' }, timeout: 60_000 }, (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      ),
    );

  it('creates a series, adds episode files in order (all or none), and shows them with their status', async () => {
    expect((await reelgraph('save', join(repo, 'graphs/hello.json'))).code).toBe(0);
    expect((await reelgraph('series', 'create', 'hello-season', '--graph', 'hello', '--profile', 'preview-720p')).stdout).toBe('created series hello-season on graph hello\n');
    await writeFile(join(cwd, 'ep1.md'), markdown('Boot Sequence'));
    await writeFile(join(cwd, 'ep2.fountain'), fountain);
    await writeFile(join(cwd, 'ep3.md'), '# T\n\n```terminal\n');
    const refused = await reelgraph('episode', 'add', 'hello-season', 'ep1.md', 'ep3.md');
    expect([refused.code, refused.stderr]).toEqual([2, 'ep3.md:3: code fence ``` opened here is never closed\n']);
    const added = await reelgraph('episode', 'add', 'hello-season', 'ep1.md', 'ep2.fountain');
    expect(added.stdout).toBe('added episode 1 "Boot Sequence" (markdown) to hello-season\nadded episode 2 "Cold Boot" (fountain) to hello-season\n');
    const shown = JSON.parse((await reelgraph('series', 'show', 'hello-season', '--json')).stdout) as { settings: unknown; episodes: Array<{ number: number; title: string; status: string; fileName: string }> };
    expect(shown.settings).toEqual({ profile: 'preview-720p' });
    expect(shown.episodes.map((e) => [e.number, e.title, e.status, e.fileName])).toEqual([
      [1, 'Boot Sequence', 'draft', 'ep1.md'],
      [2, 'Cold Boot', 'draft', 'ep2.fountain'],
    ]);
    const badTarget = await reelgraph('series', 'create', 'hello-published', '--graph', 'hello', '--publish', '{"node":"publish.webhook","params":{}}');
    expect([badTarget.code, badTarget.stderr]).toEqual([2, 'settings.publish: publish.webhook param "url" is required\n']);
    const target = { node: 'publish.webhook', params: { url: 'https://cms.example/hook' } };
    const published = await reelgraph('series', 'create', 'hello-published', '--graph', 'hello', '--publish', JSON.stringify(target), '--json');
    expect((JSON.parse(published.stdout) as { settings: unknown }).settings).toEqual({ publish: target });
    const changed = await reelgraph('series', 'set', 'hello-published', '--profile', 'preview-720p', '--no-publish', '--json');
    expect([changed.code, (JSON.parse(changed.stdout) as { settings: unknown }).settings]).toEqual([0, { profile: 'preview-720p' }]);
    const unknown = await reelgraph('episode', 'add', 'no-such-series', 'ep1.md');
    expect([unknown.code, unknown.stderr]).toEqual([2, 'no series "no-such-series"\n']);
    expect(await readFile(join(cwd, 'ep1.md'), 'utf8')).toBe(markdown('Boot Sequence'));
  }, 120_000);

  it('renders the episodes and waits for all of them, saying each; refuses a selection it cannot read', async () => {
    expect((await reelgraph('save', join(repo, 'graphs/script.json'))).code).toBe(0);
    const target = { node: 'publish.webhook', params: { url: receiver.url, event: 'episode.cli', retries: 0 } };
    expect((await reelgraph('series', 'create', 'parsed', '--graph', 'script', '--publish', JSON.stringify(target))).code).toBe(0);
    await writeFile(join(cwd, 'p1.md'), markdown('Boot Sequence'));
    await writeFile(join(cwd, 'p2.fountain'), fountain);
    expect((await reelgraph('episode', 'add', 'parsed', 'p1.md', 'p2.fountain')).code).toBe(0);
    const rendered = await reelgraph('series', 'render', 'parsed', '--out', 'season');
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(rendered.stdout).toMatch(/^episode 1 "Boot Sequence": done in .+\n/m);
    expect(rendered.stdout).toMatch(/^episode 2 "Cold Boot": done in .+\n/m);
    expect(rendered.stdout).toMatch(/2 episode\(s\) of parsed: 2 done, 0 not\n$/);
    const written = JSON.parse(await readFile(join(cwd, 'season', 'e02', 'script.json'), 'utf8')) as { title: string; source: { format: string } };
    expect([written.title, written.source.format]).toEqual(['Cold Boot', 'fountain']);
    const json = JSON.parse((await reelgraph('series', 'render', 'parsed', '--episodes', '2', '--json')).stdout) as { episodes: Array<{ number: number; status: string }> };
    expect(json.episodes.map((e) => [e.number, e.status])).toEqual([[2, 'done']]);
    // Offline renders paid for nothing: each row says $0.00, where a never-rendered one would say —.
    const shown = await reelgraph('series', 'show', 'parsed');
    expect(shown.stdout).toMatch(/│ cost\b/);
    expect(shown.stdout.match(/│ \$0\.00 │/g)).toHaveLength(2);

    // Both rendered episodes are published with the series' webhook, each by its own run.
    const before = receiver.received.length;
    const published = await reelgraph('series', 'publish', 'parsed');
    expect(published.code, published.stderr).toBe(0);
    expect(published.stdout).toMatch(/^episode 1 "Boot Sequence": published in .+\n/m);
    expect(published.stdout).toMatch(/2 episode\(s\) of parsed with publish.webhook: 2 published, 0 not\n$/);
    expect(receiver.received.slice(before).map((r) => r.body.event)).toEqual(['episode.cli', 'episode.cli']);
    expect((await reelgraph('series', 'render', 'parsed', '--episodes', '1-x')).code).toBe(2);
    // Nothing failed: nothing to do, which is no failure; a selection naming no episode is the user's error, naming the numbers.
    const noneFailed = await reelgraph('series', 'render', 'parsed', '--failed');
    expect([noneFailed.code, noneFailed.stdout, noneFailed.stderr]).toEqual([0, 'nothing to render: no episode of parsed has failed\n', '']);
    const missing = await reelgraph('series', 'render', 'parsed', '--episodes', '3-4');
    expect([missing.code, missing.stdout, missing.stderr]).toEqual([2, '', 'series "parsed" has no episode 3-4 (it has episodes 1-2)\n']);
  }, 120_000);
});

describe('reelgraph series render progress on a terminal', () => {
  /** A terminal that keeps what is drawn on it, escape sequences removed. */
  const terminal = (isTTY: boolean): NodeJS.WriteStream & { text(): string } => {
    let drawn = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        drawn += chunk.toString('utf8');
        done();
      },
    });
    // eslint-disable-next-line no-control-regex -- the escapes are what is being removed
    return Object.assign(stream, { isTTY, columns: 200, text: () => drawn.replace(/\x1B\[[0-9;?]*[A-Za-z]|\x1B[78]/g, '') }) as unknown as NodeJS.WriteStream & { text(): string };
  };

  it("bars each episode at its stored progress and the season at their mean, printing the finished lines above them; nothing off a TTY", () => {
    expect(createEpisodeBars([{ number: 1, title: 'One' }], terminal(false))).toBeUndefined();
    const tty = terminal(true);
    const bars = createEpisodeBars(
      [
        { number: 1, title: 'Boot Sequence' },
        { number: 2, title: 'Cold Boot' },
      ],
      tty,
    )!;
    bars.update([
      { number: 1, lastRun: { runId: 'r1', status: 'running', scriptVersion: 1, createdAt: 0, costUsd: 0, progress: 0.4 } },
      { number: 2, lastRun: { runId: 'r2', status: 'queued', scriptVersion: 1, createdAt: 0, costUsd: 0, progress: 0 } },
    ]);
    bars.finish(2, 'done', 'done in 1.0 s');
    bars.log('episode 2 "Cold Boot": done in 1.0 s (run r2)\n');
    bars.stop();
    const text = tty.text();
    expect(text).toContain('episode 2 "Cold Boot": done in 1.0 s (run r2)\n');
    expect(text).toMatch(/▶ 1 Boot Sequence +\|[█░]+\| running 40%/);
    expect(text).toMatch(/✔ 2 Cold Boot +\|█+\| done in 1\.0 s/);
    // (40 % + a finished episode's 100 %) / 2.
    expect(text).toMatch(/▶ season +\|[█░]+\| rendering 1 of 2 · 70%/);
  });
});
