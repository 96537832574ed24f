/** The REST API of `reelgraph server`: auth, graphs and variants, runs, node types, artifacts, errors, OpenAPI. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Express } from 'express';
import { GRAPH_FORMAT, GRAPH_SCHEMA_VERSION } from '../runtime/contract/index.js';
import { greetingGraph, graph, hangGraph, node, startTestServer, type TestServer } from './fixtures/server.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.dispose();
});

interface Problem {
  in?: string;
  path: string;
  message: string;
  code?: string;
  nodeId?: string;
}

describe('auth', () => {
  it('refuses /api without a token, with a JSON error', async () => {
    const res = await t.anon.get('/api/graphs');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/json/);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
    expect(res.headers['www-authenticate']).toMatch(/Bearer/);
  });

  it('refuses an unknown token, and a revoked one', async () => {
    expect((await t.anon.get('/api/graphs').set('Authorization', 'Bearer rg_not-a-real-token')).status).toBe(401);
    const { token } = await t.server.context.tokens.create('short-lived');
    expect((await t.anon.get('/api/graphs').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    expect(await t.server.context.tokens.revoke('short-lived')).toBe(true);
    expect((await t.anon.get('/api/graphs').set('Authorization', `Bearer ${token}`)).status).toBe(401);
  });

  it('lets a valid token through and serves the OpenAPI document publicly', async () => {
    expect((await t.api.get('/api/graphs')).status).toBe(200);
    expect((await t.anon.get('/api/openapi.json')).status).toBe(200);
  });

  it('answers health checks without a token, naming the execution mode', async () => {
    const res = await t.anon.get('/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', mode: 'embedded', activeRuns: 0 });
  });

  it('answers unknown API paths with JSON 404s, not HTML', async () => {
    const res = await t.api.get('/api/nope');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });
});

describe('graphs', () => {
  it('creates, reads, versions, restores and deletes a graph', async () => {
    const created = await t.api.post('/api/graphs').send({ document: greetingGraph('crud'), message: 'first' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: 'crud', version: 1, message: 'first' });

    const edited = greetingGraph('crud');
    (edited.nodes[0] as { params: Record<string, unknown> }).params.template = 'Bye, {{text}}!';
    const saved = await t.api.put('/api/graphs/crud').send({ document: edited, message: 'second' });
    expect(saved.status).toBe(200);
    expect(saved.body.version).toBe(2);

    expect((await t.api.get('/api/graphs/crud')).body.doc.nodes[0].params.template).toBe('Bye, {{text}}!');
    expect((await t.api.get('/api/graphs/crud?version=1')).body.doc.nodes[0].params.template).toBe('Hello, {{text}}!');
    const history = await t.api.get('/api/graphs/crud/versions');
    expect(history.body.map((v: { version: number; message?: string }) => [v.version, v.message])).toEqual([
      [2, 'second'],
      [1, 'first'],
    ]);

    const restored = await t.api.post('/api/graphs/crud/versions/1/restore').send({});
    expect(restored.status).toBe(201);
    expect(restored.body.version).toBe(3);
    expect(restored.body.doc.nodes[0].params.template).toBe('Hello, {{text}}!');
    expect(restored.body.message).toBe('restore version 1');

    const list = await t.api.get('/api/graphs');
    expect(list.body.find((g: { id: string }) => g.id === 'crud')).toMatchObject({ version: 3 });

    expect((await t.api.post('/api/graphs').send({ document: greetingGraph('crud') })).status).toBe(409);
    expect((await t.api.delete('/api/graphs/crud')).status).toBe(204);
    expect((await t.api.get('/api/graphs/crud')).status).toBe(404);
    expect((await t.api.get('/api/graphs/crud/versions')).status).toBe(404);
  });

  it('reports every problem of an invalid graph with its JSON pointer', async () => {
    const bad = graph('broken', [node('a', 'text.templat'), node('b', 'text.template', { template: 5 })], [{ from: 'ghost.text', to: 'b.text' }]);
    const res = await t.api.post('/api/graphs').send({ document: bad });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('GRAPH_INVALID');
    const problems = res.body.error.problems as Problem[];
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['/nodes/0/type', '/nodes/1/params/template', '/edges/0/from']));
    expect(problems.find((p) => p.path === '/nodes/0/type')?.message).toMatch(/did you mean "text.template"/);
    expect((await t.api.get('/api/graphs/broken')).status).toBe(404);

    const validated = await t.api.post('/api/graphs/validate').send({ document: bad });
    expect(validated.status).toBe(200);
    expect(validated.body.valid).toBe(false);
    expect(validated.body.problems.length).toBe(problems.length);
    const good = await t.api.post('/api/graphs/validate').send({ document: greetingGraph('ok') });
    expect(good.body).toMatchObject({ valid: true, problems: [] });
  });

  it('clones a graph into a series variant and diffs it against the template', async () => {
    expect((await t.api.post('/api/graphs').send({ document: greetingGraph('series') })).status).toBe(201);
    const clone = await t.api.post('/api/graphs/series/clone').send({ name: 'Series: episode 2', id: 'series-ep2' });
    expect(clone.status).toBe(201);
    expect(clone.body.doc).toEqual({ format: GRAPH_FORMAT, schemaVersion: GRAPH_SCHEMA_VERSION, id: 'series-ep2', name: 'Series: episode 2', extends: 'series', overrides: {} });
    expect(clone.body.resolved.nodes).toEqual(greetingGraph().nodes);

    const empty = await t.api.get('/api/graphs/series-ep2/diff');
    expect(empty.status).toBe(200);
    expect(empty.body).toMatchObject({ extends: 'series', templateVersion: 1, overrides: {} });

    const variant = { ...clone.body.doc, overrides: { nodes: { greet: { params: { template: 'Previously: {{text}}' } } } } };
    expect((await t.api.put('/api/graphs/series-ep2').send({ document: variant, message: 'recap line' })).status).toBe(200);
    const diff = await t.api.get('/api/graphs/series-ep2/diff');
    expect(diff.body.overrides).toEqual({ nodes: { greet: { params: { template: 'Previously: {{text}}' } } } });
    expect(diff.body.resolved.nodes[0].params.template).toBe('Previously: {{text}}');
    expect(diff.body.resolved.inputs).toEqual({ episode: { type: 'Markdown' } });

    expect((await t.api.get('/api/graphs/series/diff')).body.error.code).toBe('NOT_A_VARIANT');
    expect((await t.api.post('/api/graphs/series/clone').send({ name: 'Series: episode 2', id: 'series-ep2' })).status).toBe(409);
    // The list says which graph a variant extends; the template cannot go while one does.
    const list = (await t.api.get('/api/graphs')).body as Array<{ id: string; extends?: string }>;
    expect(list.find((graph) => graph.id === 'series-ep2')?.extends).toBe('series');
    expect(list.find((graph) => graph.id === 'series')).not.toHaveProperty('extends');
    const refused = await t.api.delete('/api/graphs/series');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'GRAPH_IN_USE', message: expect.stringContaining('"series-ep2" extends "series"') });

    const run = await t.api.post('/api/runs').send({ graphId: 'series-ep2', inputs: { episode: 'the pilot' } });
    expect(run.status).toBe(202);
    const done = await t.api.get(`/api/runs/${run.body.runId}?wait=30000`);
    expect(done.body.status).toBe('done');
    expect(done.body.outputs).toEqual({ greeting: 'Previously: the pilot' });
    expect(done.body).toMatchObject({ graphId: 'series-ep2', graphVersion: 2 });
  });

  it('a variant of a missing template is invalid', async () => {
    const res = await t.api.post('/api/graphs').send({ document: { format: GRAPH_FORMAT, schemaVersion: 1, name: 'orphan', extends: 'nothing-here', overrides: {} } });
    expect(res.status).toBe(400);
    expect(res.body.error.problems[0]).toMatchObject({ path: '/extends', code: 'UNKNOWN_TEMPLATE' });
  });
});

describe('rate limits', () => {
  it('answers 429 in JSON once a client exceeds the API limit, and limits webhooks separately', async () => {
    const limited = await startTestServer({ rateLimit: { windowMs: 60_000, api: 3, webhooks: 2 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await limited.api.get('/api/graphs')).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await limited.api.get('/api/graphs');
      expect(refused.body.error.code).toBe('RATE_LIMITED');
      expect(refused.headers['ratelimit-policy']).toBeDefined();
      // Webhooks have their own budget: the API's exhaustion does not spend it.
      expect((await limited.anon.post('/webhooks/wh_unknown').send({})).status).not.toBe(429);
      expect((await limited.anon.post('/webhooks/wh_unknown').send({})).status).not.toBe(429);
      expect((await limited.anon.post('/webhooks/wh_unknown').send({})).status).toBe(429);
    } finally {
      await limited.dispose();
    }
  });
});

describe('request validation', () => {
  it('names the missing or wrong field', async () => {
    const missing = await t.api.post('/api/graphs').send({ message: 'no document' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.problems).toContainEqual({ in: 'body', path: '/document', message: 'is required' });

    const wrongPriority = await t.api.post('/api/runs').send({ graphId: 'x', priority: 'asap' });
    expect(wrongPriority.status).toBe(400);
    expect(wrongPriority.body.error.problems).toContainEqual(expect.objectContaining({ in: 'body', path: '/priority' }));

    const badQuery = await t.api.get('/api/runs?limit=0');
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.error.problems).toContainEqual(expect.objectContaining({ in: 'query', path: '/limit' }));

    const badParam = await t.api.get('/api/graphs/not%20an%20id');
    expect(badParam.status).toBe(400);
    expect(badParam.body.error.problems).toContainEqual(expect.objectContaining({ in: 'params', path: '/id' }));

    const unknownField = await t.api.put('/api/credentials/x').send({ fields: { apiKey: 'k' }, extra: 1 });
    expect(unknownField.body.error.problems).toContainEqual({ in: 'body', path: '/extra', message: 'is not a known property' });
  });

  it('answers malformed JSON with 400 and oversized bodies with 413, as JSON', async () => {
    const malformed = await t.api.post('/api/graphs').set('Content-Type', 'application/json').send('{"document": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('INVALID_JSON');
    const huge = await t.api.post('/api/graphs/validate').send({ document: { name: 'x'.repeat(3 * 1024 * 1024) } });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('runs', () => {
  it('starts a run of a stored graph, reports per-node detail, lists it and pages its logs', async () => {
    await t.api.post('/api/graphs').send({ document: greetingGraph('hello-run') });
    const started = await t.api.post('/api/runs').set('X-Reelgraph-Client', 'editor').send({ graphId: 'hello-run', inputs: { episode: 'Kael' }, priority: 'urgent' });
    expect(started.status).toBe(202);
    const { runId } = started.body as { runId: string };

    // Polls until the run's final state is stored: the status its events set can arrive before the outputs finishRun writes,
    // so each poll long-polls (which answers once the run has finished and stored). No timing threshold, only vitest's timeout.
    let detail = (await t.api.get(`/api/runs/${runId}?wait=1000`)).body;
    while (detail.status === 'queued' || detail.status === 'running') detail = (await t.api.get(`/api/runs/${runId}?wait=1000`)).body;
    expect(detail).toMatchObject({ id: runId, status: 'done', graphId: 'hello-run', graphVersion: 1, priority: 'urgent', trigger: 'editor', outputs: { greeting: 'Hello, Kael!' } });
    expect(detail.nodes).toEqual([expect.objectContaining({ nodeId: 'greet', nodeType: 'text.template', status: 'done' })]);
    expect(detail.outDir).toBe(`${t.dir}/runs/${runId}`);

    const listed = await t.api.get('/api/runs?graphId=hello-run&status=done&trigger=editor&limit=5');
    expect(listed.body.map((r: { id: string }) => r.id)).toEqual([runId]);
    expect((await t.api.get('/api/runs?graphId=hello-run&trigger=api')).body).toEqual([]);

    const logs = await t.api.get(`/api/runs/${runId}/logs?afterId=0&limit=10`);
    expect(logs.status).toBe(200);
    expect(Array.isArray(logs.body.logs)).toBe(true);
    expect((await t.api.get('/api/runs/no-such-run')).status).toBe(404);
    expect((await t.api.get('/api/runs/no-such-run/logs')).status).toBe(404);
  });

  it('runs an inline graph with trigger api', async () => {
    const started = await t.api.post('/api/runs').send({ graph: graph('inline', [node('e', 'test.echo', { tag: 'inline' })], [], { outputs: { value: 'e.value' } }) });
    expect(started.status).toBe(202);
    const done = await t.api.get(`/api/runs/${started.body.runId}?wait=30000`);
    expect(done.body).toMatchObject({ status: 'done', trigger: 'api', outputs: { value: { tag: 'inline', input: null } } });
  });

  it('refuses an invalid graph or invalid inputs with the problems', async () => {
    const badGraph = await t.api.post('/api/runs').send({ graph: graph('bad', [node('x', 'no.such-type')]) });
    expect(badGraph.status).toBe(400);
    expect(badGraph.body.error.problems[0]).toMatchObject({ path: '/nodes/0/type', code: 'UNKNOWN_NODE_TYPE' });

    await t.api.post('/api/graphs').send({ document: greetingGraph('needs-input') });
    const missing = await t.api.post('/api/runs').send({ graphId: 'needs-input', inputs: { other: 1 } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('INVALID_INPUT');
    expect(missing.body.error.problems.map((p: Problem) => p.path).sort()).toEqual(['/inputs/episode', '/inputs/other']);

    expect((await t.api.post('/api/runs').send({ graphId: 'ghost' })).status).toBe(404);
  });

  it('runs part of a graph: until a node and what it needs, only one node with its inputs from the cache', async () => {
    // a → b → c, tagged for this test alone so the shared cache starts cold for it.
    const chain = (cTag: string) =>
      graph('partial', [node('a', 'test.echo', { tag: 'partial-a' }), node('b', 'test.echo', { tag: 'partial-b' }), node('c', 'test.echo', { tag: cTag })], [
        { from: 'a.value', to: 'b.value' },
        { from: 'b.value', to: 'c.value' },
      ]);
    const finished = async (body: Record<string, unknown>) => {
      const started = await t.api.post('/api/runs').send(body);
      expect(started.status, JSON.stringify(started.body)).toBe(202);
      // The long-poll answers once the run's final state (with its outputs) is stored.
      const detail = (await t.api.get(`/api/runs/${started.body.runId}?wait=30000`)).body;
      return detail as { status: string; until?: string; only?: string; outputs: unknown; error?: unknown; nodes: { nodeId: string; status: string; cached: boolean }[] };
    };
    const nodes = (detail: Awaited<ReturnType<typeof finished>>) => detail.nodes.map((n) => [n.nodeId, n.status, n.cached]).sort();

    const cold = await finished({ graph: chain('partial-c'), only: 'c' });
    expect(cold).toMatchObject({ status: 'failed', only: 'c', error: { code: 'UPSTREAM_NOT_CACHED', location: { nodeId: 'a' } } });

    const until = await finished({ graph: chain('partial-c'), until: 'b' });
    expect(until).toMatchObject({ status: 'done', until: 'b', outputs: { value: { tag: 'partial-b', input: { tag: 'partial-a', input: null } } } });
    expect(nodes(until)).toEqual([
      ['a', 'done', false],
      ['b', 'done', false],
    ]);

    const only = await finished({ graph: chain('partial-c2'), only: 'c' });
    expect(only).toMatchObject({ status: 'done', only: 'c', outputs: { value: { tag: 'partial-c2' } } });
    expect(nodes(only)).toEqual([
      ['a', 'cached', true],
      ['b', 'cached', true],
      ['c', 'done', false],
    ]);

    const unknown = await t.api.post('/api/runs').send({ graph: chain('partial-c'), until: 'nope' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.problems).toEqual([expect.objectContaining({ in: 'body', path: '/until', code: 'UNKNOWN_NODE', nodeId: 'nope' })]);
    expect(unknown.body.error.message).toContain('no node "nope"');
    const both = await t.api.post('/api/runs').send({ graph: chain('partial-c'), until: 'b', only: 'c' });
    expect(both.status).toBe(400);
    expect(both.body.error.problems[0]).toMatchObject({ in: 'body', code: 'CONFLICTING_SCOPE' });

    // The published description says so: the request fields and the recorded scope.
    const doc = (await t.anon.get('/api/openapi.json')).body as { paths: Record<string, Record<string, { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }>>; components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
    expect(Object.keys(doc.paths['/api/runs']?.post?.requestBody.content['application/json']?.schema.properties ?? {})).toEqual(expect.arrayContaining(['until', 'only']));
    expect(Object.keys(doc.components.schemas.RunDetail?.properties ?? {})).toEqual(expect.arrayContaining(['until', 'only']));
  });

  it('cancels a running run', async () => {
    const started = await t.api.post('/api/runs').send({ graph: hangGraph() });
    const { runId } = started.body as { runId: string };
    const cancel = await t.api.post(`/api/runs/${runId}/cancel`);
    expect(cancel.status).toBe(202);
    const done = await t.api.get(`/api/runs/${runId}?wait=30000`);
    expect(done.body.status).toBe('cancelled');
    expect((await t.api.post(`/api/runs/${runId}/cancel`)).status).toBe(409);
    expect((await t.api.post('/api/runs/unknown/cancel')).status).toBe(404);
  });
});

describe('item pins', () => {
  const pinned = () =>
    graph('pinned', [node('m', 'test.map', { tag: 'x' }), node('all', 'test.collect')], [{ from: 'm.items', to: 'all.items' }, { from: '$input.items', to: 'm.items' }], {
      inputs: { items: { type: 'Json', list: true } },
      outputs: { items: 'm.items' },
    });
  const runToEnd = async (items: string[]) => {
    const started = await t.api.post('/api/runs').send({ graphId: 'pinned', inputs: { items } });
    expect(started.status).toBe(202);
    let detail = (await t.api.get(`/api/runs/${started.body.runId}?wait=1000`)).body;
    while (detail.status === 'queued' || detail.status === 'running') detail = (await t.api.get(`/api/runs/${started.body.runId}?wait=1000`)).body;
    return detail as { status: string; outputs: { items: string[] }; items: Array<{ nodeId: string; index: number; status: string; take?: number; locked?: boolean }> };
  };
  const itemOf = (detail: Awaited<ReturnType<typeof runToEnd>>, index: number) => detail.items.find((i) => i.nodeId === 'm' && i.index === index);

  it('locks an item so a later run keeps its result after its input changed, regenerates another, and undoes by PUT', async () => {
    expect((await t.api.post('/api/graphs').send({ document: pinned() })).status).toBe(201);
    expect((await t.api.get('/api/graphs/pinned/pins')).body).toEqual([]);
    // Nothing to lock before a run made the item.
    const early = await t.api.put('/api/graphs/pinned/pins/m/1').send({ locked: true });
    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'NO_RESULT_TO_LOCK' });
    expect(early.body.error.message).toMatch(/^item 1 of node "m" has no result to lock/);

    const first = await runToEnd(['a', 'b', 'c']);
    expect(first.outputs.items).toEqual(['x(a)', 'x(b)', 'x(c)']);

    const locked = await t.api.put('/api/graphs/pinned/pins/m/1').send({ locked: true });
    expect(locked.status).toBe(200);
    expect(locked.body).toMatchObject({ graphId: 'pinned', nodeId: 'm', index: 1, locked: true, take: 0, count: 3, outputs: { items: 'x(b)' } });

    const second = await runToEnd(['a', 'B', 'c']);
    expect(second.outputs.items).toEqual(['x(a)', 'x(b)', 'x(c)']);
    expect(itemOf(second, 1)).toMatchObject({ status: 'cached', locked: true });

    // Regenerating a locked item is refused, naming it; another item regenerates alone.
    const refused = await t.api.post('/api/graphs/pinned/pins/m/1/regenerate');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toEqual({ code: 'ITEM_LOCKED', message: 'item 1 of node "m" of graph "pinned" is locked: unlock it before regenerating it' });
    const regenerated = await t.api.post('/api/graphs/pinned/pins/m/2/regenerate');
    expect(regenerated.body).toMatchObject({ index: 2, take: 1, locked: false });
    const third = await runToEnd(['a', 'B', 'c']);
    expect(third.items.filter((i) => i.nodeId === 'm').map((i) => [i.index, i.status, i.take ?? 0])).toEqual([
      [0, 'cached', 0],
      [1, 'cached', 0],
      [2, 'done', 1],
    ]);
    expect((await t.api.get('/api/graphs/pinned/pins')).body.map((p: { index: number; locked: boolean; take: number }) => [p.index, p.locked, p.take])).toEqual([
      [1, true, 0],
      [2, false, 1],
    ]);

    // Undo both: PUT the earlier state back.
    expect((await t.api.put('/api/graphs/pinned/pins/m/2').send({ take: 0 })).body).toMatchObject({ take: 0 });
    expect((await t.api.put('/api/graphs/pinned/pins/m/1').send({ locked: false })).body).toMatchObject({ locked: false });
    expect((await t.api.get('/api/graphs/pinned/pins')).body).toEqual([]);
    const fourth = await runToEnd(['a', 'B', 'c']);
    expect(fourth.outputs.items).toEqual(['x(a)', 'x(B)', 'x(c)']);
    expect(itemOf(fourth, 2)).toMatchObject({ status: 'cached' });
  });

  it('refuses what cannot be pinned, naming the node and item', async () => {
    await t.api.post('/api/graphs').send({ document: { ...pinned(), id: 'pinned-errors' } });
    const unknownNode = await t.api.put('/api/graphs/pinned-errors/pins/ghost/0').send({ take: 1 });
    expect(unknownNode.status).toBe(404);
    expect(unknownNode.body.error).toMatchObject({ code: 'UNKNOWN_NODE', message: 'graph "pinned-errors" has no node "ghost"' });
    const whole = await t.api.post('/api/graphs/pinned-errors/pins/all/0/regenerate');
    expect(whole.status).toBe(400);
    expect(whole.body.error.code).toBe('NOT_PER_ITEM');
    expect((await t.api.put('/api/graphs/pinned-errors/pins/m/0').send({ take: -1 })).status).toBe(400);
    expect((await t.api.put('/api/graphs/pinned-errors/pins/m/0').send({ lock: true })).status).toBe(400);
    expect((await t.api.get('/api/graphs/no-such-graph/pins')).status).toBe(404);

    // A take needs no run; the pins go with a deleted graph.
    expect((await t.api.put('/api/graphs/pinned-errors/pins/m/0').send({ take: 2 })).body).toMatchObject({ take: 2, locked: false });
    expect((await t.api.get('/api/graphs/pinned-errors/pins')).body).toHaveLength(1);
    expect((await t.api.delete('/api/graphs/pinned-errors')).status).toBe(204);
    await t.api.post('/api/graphs').send({ document: { ...pinned(), id: 'pinned-errors' } });
    expect((await t.api.get('/api/graphs/pinned-errors/pins')).body).toEqual([]);
  });
});

describe('node types', () => {
  it('lists plain descriptions and returns one by type', async () => {
    const list = await t.api.get('/api/nodes');
    expect(list.status).toBe(200);
    const template = list.body.find((n: { type: string }) => n.type === 'text.template');
    expect(template).toMatchObject({ version: 1, category: 'utility', resource: 'light' });
    expect(template).not.toHaveProperty('execute');
    const one = await t.api.get('/api/nodes/text.template');
    expect(one.body.params.properties.template).toBeDefined();
    expect((await t.api.get('/api/nodes/text.nothing')).status).toBe(404);
  });
});

describe('artifacts', () => {
  const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));
  let hash: string;

  beforeAll(async () => {
    const handle = await t.server.context.workspace.artifacts.put({ data: bytes }, { mime: 'video/mp4', name: 'clip.mp4', probe: false });
    hash = handle.hash;
  });

  it('streams the bytes with the media type and a download name', async () => {
    const res = await t.api.get(`/api/artifacts/${hash}`).buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('video/mp4');
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['content-disposition']).toMatch(/^inline; filename="?clip\.mp4"?$/);
    expect(Buffer.compare(res.body as Buffer, bytes)).toBe(0);
  });

  it('answers a Range request with 206 and exactly those bytes, and an impossible one with 416', async () => {
    const res = await t.api.get(`/api/artifacts/${hash}`).set('Range', 'bytes=100-199').buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe('bytes 100-199/1000');
    expect(Buffer.compare(res.body as Buffer, bytes.subarray(100, 200))).toBe(0);
    expect((await t.api.get(`/api/artifacts/${hash}`).set('Range', 'bytes=5000-6000')).status).toBe(416);
  });

  it('answers HEAD and meta, and only for valid known hashes', async () => {
    const head = await t.api.head(`/api/artifacts/${hash}`);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('1000');
    const meta = await t.api.get(`/api/artifacts/${hash}/meta`);
    expect(meta.body).toMatchObject({ hash, mime: 'video/mp4', bytes: 1000, name: 'clip.mp4' });
    expect((await t.api.get('/api/artifacts/not-a-hash')).status).toBe(400);
    expect((await t.api.get(`/api/artifacts/${'0'.repeat(64)}`)).status).toBe(404);
    expect((await t.anon.get(`/api/artifacts/${hash}`)).status).toBe(401);
  });
});

describe('metrics', () => {
  it('serves Prometheus text to token holders only, unless REELGRAPH_METRICS_PUBLIC', async () => {
    expect((await t.anon.get('/metrics')).status).toBe(401);
    const res = await t.api.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/^reelgraph_runs_total\{status="done"\} [1-9]/m);

    const dir = await mkdtemp(join(tmpdir(), 'reelgraph-metrics-'));
    const open = await startTestServer({ dir, metricsPublic: true });
    try {
      expect((await open.anon.get('/metrics')).status).toBe(200);
      expect((await open.anon.get('/api/graphs')).status).toBe(401);
    } finally {
      await open.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('editor', () => {
  it('serves the built editor with a fallback to index.html for client routes, but not for /api', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reelgraph-editor-'));
    await mkdir(join(dir, 'editor'), { recursive: true });
    await writeFile(join(dir, 'editor', 'index.html'), '<!doctype html><title>reelgraph editor</title>');
    await mkdir(join(dir, 'editor', 'assets'), { recursive: true });
    await writeFile(join(dir, 'editor', 'assets', 'index-Ab12.js'), 'console.log(1)');
    const withEditor = await startTestServer({ dir, editorDir: join(dir, 'editor') });
    try {
      const root = await withEditor.anon.get('/');
      expect(root.text).toContain('reelgraph editor');
      // index.html names the build's assets: revalidated every time, or an upgrade keeps serving the old editor.
      expect(root.headers['cache-control']).toBe('no-cache');
      expect((await withEditor.anon.get('/index.html')).headers['cache-control']).toBe('no-cache');
      expect((await withEditor.anon.get('/assets/index-Ab12.js')).headers['cache-control']).toContain('immutable');
      const deep = await withEditor.anon.get('/graphs/episode');
      expect(deep.status).toBe(200);
      expect(deep.text).toContain('reelgraph editor');
      expect(deep.headers['cache-control']).toBe('no-cache');
      expect((await withEditor.anon.get('/api/nope')).body.error.code).toBe('UNAUTHORIZED');
      expect((await withEditor.api.get('/api/nope')).body.error.code).toBe('NOT_FOUND');
    } finally {
      await withEditor.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('OpenAPI', () => {
  function mountedRoutes(app: Express): Set<string> {
    const found = new Set<string>();
    const stack = (app as unknown as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } }).router.stack;
    for (const layer of stack) {
      if (!layer.route) continue;
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') found.add(`${method} ${layer.route.path.replace(/:([A-Za-z_]\w*)/g, '{$1}')}`);
      }
    }
    return found;
  }

  it('documents exactly the routes mounted on the app, as structurally valid OpenAPI 3.1', async () => {
    const res = await t.anon.get('/api/openapi.json');
    const doc = res.body as {
      openapi: string;
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown>; parameters: { name: string; in: string }[]; security?: unknown[] }>>;
      components: { securitySchemes: Record<string, { type: string; scheme: string }>; schemas: Record<string, unknown> };
      security: unknown[];
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);

    const documented = new Set<string>();
    const operationIds = new Set<string>();
    for (const [path, operations] of Object.entries(doc.paths)) {
      const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(operations)) {
        documented.add(`${method} ${path}`);
        expect(Object.keys(op.responses).length, `${method} ${path} responses`).toBeGreaterThan(0);
        expect(operationIds.has(op.operationId), `duplicate operationId ${op.operationId}`).toBe(false);
        operationIds.add(op.operationId);
        expect(op.parameters.filter((p) => p.in === 'path').map((p) => p.name).sort()).toEqual([...pathParams].sort());
      }
    }
    expect([...documented].sort()).toEqual([...mountedRoutes(t.server.app)].sort());
    // Refs point at schemas that exist.
    for (const ref of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)) expect(doc.components.schemas).toHaveProperty(ref[1] as string);
    // Public and signature-authenticated operations opt out of the bearer requirement.
    expect(doc.paths['/api/openapi.json']?.get?.security).toEqual([]);
    expect(doc.paths['/webhooks/{slug}']?.post?.security).toEqual([]);
    expect(doc.paths['/api/graphs']?.get?.security).toBeUndefined();
  });
});

describe('restart', () => {
  it('leaves unfinished runs to the next start, which resumes them under the same id', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reelgraph-restart-'));
    try {
      const first = await startTestServer({ dir });
      const { runId } = (await first.api.post('/api/runs').send({ graph: hangGraph('resumable') })).body as { runId: string };
      await first.server.close();

      const second = await startTestServer({ dir });
      expect(second.server.resumed).toEqual([runId]);
      expect((await second.api.post(`/api/runs/${runId}/cancel`)).status).toBe(202);
      expect((await second.api.get(`/api/runs/${runId}?wait=30000`)).body.status).toBe('cancelled');
      await second.server.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
