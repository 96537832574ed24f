/**
 * Templates, importing graph files, per-graph run inputs drafts and adopting
 * an unsaved document's runs, through the REST API:
 *
 * - GET /api/templates lists the shipped graphs and example episodes with
 *   titles and descriptions; an episode's text comes back whole.
 * - Installing `shorts` (a variant of ./episode.json) brings `episode`
 *   along; installing again reuses both; a different stored `episode` is
 *   never overwritten (the template goes under `episode-2`).
 * - Validation warns about keys a run will miss (MISSING_CREDENTIAL), or
 *   expects a fallback (FALLBACK_EXPECTED) when a later alternative can run.
 * - graphs/shorts.json imports (alone, with episode.json, or after episode is
 *   stored), and a variant of a file nobody has gets a 400 that says to import
 *   both files together.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { episodeFormat, runTitle } from '../server/episode-text.js';
import { graph, greetingGraph, newSecretKey, node, startTestServer, testEnv, type TestServer } from './fixtures/server.js';

const shipped = async (name: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(new URL(`../graphs/${name}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;

interface StoredGraph {
  id: string;
  version: number;
  doc: { extends?: string; name: string; nodes?: unknown[] };
  resolved?: { nodes: unknown[]; settings?: Record<string, unknown> };
  adoptedRuns?: string[];
}

const servers: TestServer[] = [];
async function fresh(): Promise<TestServer> {
  const server = await startTestServer();
  servers.push(server);
  return server;
}
afterAll(async () => {
  await Promise.all(servers.map((server) => server.dispose()));
});

describe('template catalog', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await fresh();
  });

  it('lists the shipped graphs (episode first) and example episodes with titles and descriptions', async () => {
    const res = await t.api.get('/api/templates');
    expect(res.status).toBe(200);
    const { graphs, episodes } = res.body as { graphs: Array<Record<string, unknown>>; episodes: Array<Record<string, unknown>> };
    expect(graphs[0]).toMatchObject({ name: 'episode', file: 'episode.json', title: 'Episode: markdown → finished video', kind: 'graph', inputs: ['episode'] });
    expect((graphs[0]!.description as string).length).toBeGreaterThan(20);
    const shorts = graphs.find((g) => g.name === 'shorts');
    // A variant counts the nodes of the graph it resolves to.
    expect(shorts).toMatchObject({ kind: 'variant', extends: 'episode', nodeCount: graphs[0]!.nodeCount, title: 'Episode as a Short (9:16)' });
    expect(graphs.map((g) => g.name)).toEqual(expect.arrayContaining(['voices', 'scenes-fallback', 'hello', 'hello-formal']));
    expect(episodes[0]).toMatchObject({ name: 'last-terminal-ep01', title: 'Boot Sequence', format: 'markdown', graph: 'episode' });
    expect(episodes.find((e) => e.name === 'shorts-hook')).toMatchObject({ title: 'The Password Nobody Guessed', graph: 'shorts' });
    const explainer = episodes.find((e) => e.name === 'explainer-compression')!;
    expect(explainer.title).toBe('How Video Compression Works');
    expect(explainer.description).toMatch(/^Every second of the video/);
    expect(explainer.words).toBeGreaterThan(100);
  });

  it("answers an example episode's text, and 404 for an unknown one or a path", async () => {
    const res = await t.api.get('/api/templates/episodes/shorts-hook');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'shorts-hook', title: 'The Password Nobody Guessed', format: 'markdown' });
    expect(res.body.text).toBe(await readFile(new URL('../examples/episodes/shorts-hook.md', import.meta.url), 'utf8'));
    expect((await t.api.get('/api/templates/episodes/nope')).status).toBe(404);
    expect((await t.api.get('/api/templates/episodes/..%2Fgraphs%2Fepisode')).status).toBe(400);
    expect((await t.anon.get('/api/templates')).status).toBe(401);
  });
});

describe('installing a template', () => {
  it('stores shorts with episode beside it, reuses both on a second install', async () => {
    const t = await fresh();
    const res = await t.api.post('/api/templates/graphs/shorts/install');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const shorts = res.body as StoredGraph;
    expect(shorts).toMatchObject({ id: 'shorts', version: 1, doc: { extends: 'episode' } });
    expect(shorts.resolved?.nodes.length).toBeGreaterThan(10);
    expect(shorts.resolved?.settings).toMatchObject({ profile: 'shorts-1080x1920' });
    expect(((await t.api.get('/api/graphs/episode')).body as StoredGraph).version).toBe(1);

    const again = (await t.api.post('/api/templates/graphs/shorts/install')).body as StoredGraph;
    expect(again).toMatchObject({ id: 'shorts', version: 1 });
    expect(((await t.api.get('/api/graphs')).body as unknown[]).length).toBe(2);
    expect((await t.api.post('/api/templates/graphs/nope/install')).status).toBe(404);
  });

  it('never overwrites a different stored graph: the template goes under a free id', async () => {
    const t = await fresh();
    const mine = { ...greetingGraph('episode'), name: 'My own episode' };
    expect((await t.api.post('/api/graphs').send({ document: mine })).status).toBe(201);
    const res = await t.api.post('/api/templates/graphs/shorts/install');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ id: 'shorts', doc: { extends: 'episode-2' } });
    expect(((await t.api.get('/api/graphs/episode')).body as StoredGraph).doc.name).toBe('My own episode');
    expect(((await t.api.get('/api/graphs/episode-2')).body as StoredGraph).doc.name).toBe('Episode: markdown → finished video');
  });
});

describe('importing graph files', () => {
  it('shows the old failure is gone: a plain POST of shorts.json works once episode is stored (extends normalised to the id)', async () => {
    const t = await fresh();
    const alone = await t.api.post('/api/graphs').send({ document: await shipped('shorts') });
    expect(alone.status).toBe(400);
    expect(alone.body.error.problems[0]).toMatchObject({ path: '/extends', code: 'UNKNOWN_TEMPLATE', message: expect.stringMatching(/import both files together/) });

    expect((await t.api.post('/api/graphs').send({ document: await shipped('episode') })).status).toBe(201);
    const res = await t.api.post('/api/graphs').send({ document: await shipped('shorts') });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ id: 'shorts', doc: { extends: 'episode' } });
    const put = await t.api.put('/api/graphs/shorts').send({ document: await shipped('shorts') });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ version: 2, doc: { extends: 'episode' } });
    const valid = await t.api.post('/api/graphs/validate').send({ document: await shipped('shorts') });
    expect(valid.body.valid).toBe(true);
  });

  it('imports shorts.json with episode.json in one request (variant listed first), answering in request order', async () => {
    const t = await fresh();
    const res = await t.api.post('/api/graphs/import').send({
      documents: [
        { fileName: 'shorts.json', document: await shipped('shorts') },
        { fileName: 'episode.json', document: await shipped('episode') },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const graphs = res.body.graphs as StoredGraph[];
    expect(graphs.map((g) => g.id)).toEqual(['shorts', 'episode']);
    expect(graphs[0]).toMatchObject({ doc: { extends: 'episode' }, resolved: { settings: { profile: 'shorts-1080x1920' } } });

    // The same files again: nothing new is stored.
    const again = await t.api.post('/api/graphs/import').send({ documents: [{ fileName: 'episode.json', document: await shipped('episode') }] });
    expect(again.body.graphs[0]).toMatchObject({ id: 'episode', version: 1 });
    expect(((await t.api.get('/api/graphs')).body as unknown[]).length).toBe(2);
  });

  it('imports shorts.json alone: its template comes from the stored graph, else the shipped file', async () => {
    const t = await fresh();
    const res = await t.api.post('/api/graphs/import').send({ documents: [{ fileName: 'shorts.json', document: await shipped('shorts') }] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.graphs[0]).toMatchObject({ id: 'shorts', doc: { extends: 'episode' } });
    expect((await t.api.get('/api/graphs/episode')).status).toBe(200);
  });

  it('refuses a variant of a file that is neither imported, stored nor shipped, storing nothing', async () => {
    const t = await fresh();
    const variant = { ...(await shipped('shorts')), id: 'my-cut', extends: './my-episode.json' };
    const res = await t.api.post('/api/graphs/import').send({ documents: [{ fileName: 'hello.json', document: await shipped('hello') }, { fileName: 'my-cut.json', document: variant }] });
    expect(res.status).toBe(400);
    expect(res.body.error.problems).toEqual([expect.objectContaining({ path: '/documents/1/document/extends', code: 'UNKNOWN_TEMPLATE', message: expect.stringMatching(/"\.\/my-episode\.json".*import both files together/) })]);
    expect((await t.api.get('/api/graphs')).body).toEqual([]);
  });
});

describe('run inputs drafts and adopted runs', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await fresh();
  });

  it("keeps a graph's inputs draft across requests, empty before the first save, and refuses one over 4 MiB", async () => {
    expect((await t.api.post('/api/graphs').send({ document: greetingGraph('drafted') })).status).toBe(201);
    expect((await t.api.get('/api/graphs/drafted/inputs')).body).toEqual({ inputs: {} });
    const episode = '# The Signal\n\n## Scene\n\nHello.\n';
    const put = await t.api.put('/api/graphs/drafted/inputs').send({ inputs: { episode } });
    expect(put.status).toBe(200);
    expect(put.body.updatedAt).toBeGreaterThan(0);
    expect((await t.api.get('/api/graphs/drafted/inputs')).body).toEqual({ inputs: { episode }, updatedAt: put.body.updatedAt });
    // Bigger than the server's usual 2 MB body limit, within the draft's 4 MiB.
    const big = 'x'.repeat(3 * 1024 * 1024);
    expect((await t.api.put('/api/graphs/drafted/inputs').send({ inputs: { episode: big } })).status).toBe(200);
    const tooBig = await t.api.put('/api/graphs/drafted/inputs').send({ inputs: { episode: 'x'.repeat(4 * 1024 * 1024 + 10) } });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.code).toBe('INPUTS_TOO_LARGE');
    expect((await t.api.get('/api/graphs/drafted/inputs')).body.inputs.episode).toHaveLength(big.length);
    expect((await t.api.get('/api/graphs/nope/inputs')).status).toBe(404);
    expect((await t.api.put('/api/graphs/nope/inputs').send({ inputs: {} })).status).toBe(404);
    // The draft goes with the graph.
    expect((await t.api.delete('/api/graphs/drafted')).status).toBe(204);
    expect((await t.api.post('/api/graphs').send({ document: greetingGraph('drafted') })).status).toBe(201);
    expect((await t.api.get('/api/graphs/drafted/inputs')).body).toEqual({ inputs: {} });
  });

  it('adopts the runs of the unsaved document on the first save, and no one else’s', async () => {
    const unsaved = greetingGraph('first-save');
    const { id: _id, ...withoutId } = unsaved;
    const started = await t.api.post('/api/runs').send({ graph: withoutId, inputs: { episode: '# Pilot\n\nHi.' } });
    expect(started.status).toBe(202);
    const runId = started.body.runId as string;
    expect((await t.api.get(`/api/runs/${runId}?wait=30000`)).body.status).toBe('done');
    expect((await t.api.post('/api/graphs').send({ document: greetingGraph('other') })).status).toBe(201);
    const other = await t.api.post('/api/runs').send({ graphId: 'other', inputs: { episode: 'x' } });
    await t.api.get(`/api/runs/${other.body.runId}?wait=30000`);

    const saved = await t.api.post('/api/graphs').send({ document: unsaved, adoptRuns: [runId, other.body.runId, 'no-such-run'] });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body.adoptedRuns).toEqual([runId]);
    const rows = (await t.api.get('/api/runs?graphId=first-save')).body as Array<{ id: string; graphVersion: number; title?: string }>;
    expect(rows).toEqual([expect.objectContaining({ id: runId, graphVersion: 1, title: 'Pilot' })]);
    expect(((await t.api.get(`/api/runs?graphId=other`)).body as unknown[]).length).toBe(1);
  });
});

describe('validation warnings', () => {
  const voiceGraph = (provider: string) =>
    graph('voice-only', [node('parse', 'script.markdown'), node('speak', 'voice.tts', { provider })], [
      { from: '$input.episode', to: 'parse.markdown' },
      { from: 'parse.speakable', to: 'speak.segments' },
    ], { inputs: { episode: { type: 'Markdown' } }, outputs: { clips: 'speak.clips' } });

  it('warns before a run that an ElevenLabs node has no key, saying where to store one; not once it is stored', async () => {
    const t = await fresh();
    const res = await t.api.post('/api/graphs/validate').send({ document: voiceGraph('elevenlabs') });
    expect(res.status).toBe(200);
    expect(res.body.valid).toBe(true);
    expect(res.body.warnings).toEqual([
      { path: '/nodes/1', nodeId: 'speak', code: 'MISSING_CREDENTIAL', message: expect.stringMatching(/ElevenLabs.*Credentials panel.*ELEVENLABS_API_KEY/) },
    ]);
    expect((await t.api.post('/api/graphs/validate').send({ document: voiceGraph('offline') })).body.warnings).toEqual([]);
    expect((await t.api.put('/api/credentials/elevenlabs').send({ fields: { apiKey: 'sk-test' } })).status).toBe(200);
    expect((await t.api.post('/api/graphs/validate').send({ document: voiceGraph('elevenlabs') })).body.warnings).toEqual([]);
  });

  it('finds a key in the server environment, as a run would', async () => {
    const t = await startTestServer({ env: testEnv({ ELEVENLABS_API_KEY: 'sk-env', REELGRAPH_SECRET_KEY: newSecretKey() }) });
    servers.push(t);
    expect((await t.api.post('/api/graphs/validate').send({ document: voiceGraph('elevenlabs') })).body.warnings).toEqual([]);
  });

  it('marks keyless alternatives of a fallback as expected to fall back, not as failures (graphs/episode.json)', async () => {
    const t = await fresh();
    const res = await t.api.post('/api/graphs/validate').send({ document: await shipped('episode') });
    expect(res.body.valid).toBe(true);
    const warnings = res.body.warnings as Array<{ nodeId: string; code: string }>;
    expect(warnings.map((w) => [w.nodeId, w.code]).sort()).toEqual([['eleven', 'FALLBACK_EXPECTED'], ['google', 'FALLBACK_EXPECTED']]);
  });
});

describe('episode titles', () => {
  it('reads the front matter title, else the first # heading, else a Fountain title page, from the first few KB only', () => {
    expect(runTitle({ episode: '---\ntitle: "Boot Sequence"\nseries: X\n---\n\n# Episode 1: Boot Sequence\n' })).toBe('Boot Sequence');
    expect(runTitle({ episode: 'Intro line.\n\n# How **Video** Compression Works\n\n## Part\n' })).toBe('How Video Compression Works');
    expect(runTitle({ script: 'Title:\n    _**BRICK & STEEL**_\n    _**FULL RETIRED**_\nCredit: Written by\nAuthor: Stu Maschwitz\n\nEXT. BRICK\'S PATIO - DAY\n' })).toBe('BRICK & STEEL FULL RETIRED');
    expect(episodeFormat('Title: The Signal\nAuthor: Me\n\nINT. ROOM - NIGHT\n\nAda types.\n')).toBe('fountain');
    expect(runTitle({ episode: `${'word '.repeat(4000)}\n# Too late\n` })).toBeUndefined();
    expect(runTitle({ episode: 'no title here', other: 42 })).toBeUndefined();
    expect(runTitle(undefined)).toBeUndefined();
  });
});
