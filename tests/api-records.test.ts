/**
 * The records the API answers with are written once, in the contract
 * (runtime/contract/records.ts and friends): the OpenAPI document publishes
 * their schemas and the store's rows derive their types from them. Here a
 * live server's answers are checked against the published schemas, closed
 * (no property the schema does not name), so a field the store returns but
 * the schema does not describe — or a required one it leaves out — fails.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { ItemRunRow, NodeRunRow, RunRow, StoredGraph } from '../runtime/contract/records.js';
import type { ItemRunDbRow, NodeRunDbRow, RunDbRow, GraphVersionDbRow } from '../runtime/store/rows.js';
import { greetingGraph, startTestServer, type TestServer } from './fixtures/server.js';

type Schema = Record<string, unknown>;

let t: TestServer;
let ajv: Ajv2020;
let paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>>;

/** Every object schema that names its properties gets `additionalProperties: false`, unless it says otherwise. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, key === 'properties' ? Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, closed(v)])) : closed(value)]));
  if ('properties' in out && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

beforeAll(async () => {
  t = await startTestServer();
  const doc = (await t.anon.get('/api/openapi.json')).body as { paths: typeof paths; components: { schemas: Record<string, Schema> } };
  paths = doc.paths;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  ajv.addSchema({ $id: 'api', components: { schemas: closed(doc.components.schemas) } });
});
afterAll(async () => {
  await t?.dispose();
});

/** What is wrong with a 200/201 answer, measured against the schema its route publishes (component refs resolved, closed). */
function problemsOf(body: unknown, path: string, method: string, status = 200): string[] {
  const schema = paths[path]?.[method]?.responses[String(status)]?.content?.['application/json']?.schema;
  if (!schema) return [`${method} ${path} publishes no ${status} schema`];
  const validate = ajv.compile(rebased(closed(schema)) as Schema);
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

function expectConforms(body: unknown, path: string, method: string, status = 200): void {
  expect(problemsOf(body, path, method, status), `${method} ${path}`).toEqual([]);
}

/** `#/components/…` refs point into the document registered as `api`. */
function rebased(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebased);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, key === '$ref' && typeof value === 'string' && value.startsWith('#/') ? `api${value}` : rebased(value)]));
}

describe('answers match the published record schemas', () => {
  it('graphs: list, one version, history, inputs draft, validation', async () => {
    const created = await t.api.post('/api/graphs').send({ document: greetingGraph('records'), message: 'first' });
    expect(created.status).toBe(201);
    expectConforms((await t.api.get('/api/graphs')).body, '/api/graphs', 'get');
    expectConforms((await t.api.get('/api/graphs/records')).body, '/api/graphs/{id}', 'get');
    expectConforms((await t.api.get('/api/graphs/records/versions')).body, '/api/graphs/{id}/versions', 'get');
    await t.api.put('/api/graphs/records/inputs').send({ inputs: { episode: '# Title' } });
    expectConforms((await t.api.get('/api/graphs/records/inputs')).body, '/api/graphs/{id}/inputs', 'get');
    expectConforms((await t.api.post('/api/graphs/validate').send({ document: greetingGraph('records') })).body, '/api/graphs/validate', 'post');
  });

  it('runs: the list, the detail with node and item records, the logs', async () => {
    const started = await t.api.post('/api/runs').send({ graphId: 'records', inputs: { episode: '# The Signal\n\nHello.' } });
    expect(started.status).toBe(202);
    const detail = await t.api.get(`/api/runs/${started.body.runId}?wait=30000`);
    expect(detail.body.status).toBe('done');
    expect(detail.body.nodes.length).toBeGreaterThan(0);
    expectConforms(detail.body, '/api/runs/{id}', 'get');
    expectConforms((await t.api.get('/api/runs?graphId=records')).body, '/api/runs', 'get');
    expectConforms((await t.api.get(`/api/runs/${started.body.runId}/logs`)).body, '/api/runs/{id}/logs', 'get');
  });

  it('credentials and webhooks as their owner sees them', async () => {
    expectConforms((await t.api.put('/api/credentials/openai').send({ fields: { apiKey: 'sk-test' } })).body, '/api/credentials/{name}', 'put');
    expectConforms((await t.api.get('/api/credentials')).body, '/api/credentials', 'get');
    const hook = await t.api.post('/api/graphs/records/webhook').send({});
    expectConforms(hook.body, '/api/graphs/{id}/webhook', 'post', hook.status);
    expectConforms((await t.api.get('/api/webhooks?graphId=records')).body, '/api/webhooks', 'get');
  });

  it('fails on a field the schema does not describe (the check can fail)', () => {
    expect(problemsOf([{ id: 'x', name: 'x', version: 1, updatedAt: 1, surprise: true }], '/api/graphs', 'get')).toEqual([
      '/0 must NOT have additional properties {"additionalProperty":"surprise"}',
    ]);
    expect(problemsOf([{ id: 'x', name: 'x', updatedAt: 1 }], '/api/graphs', 'get')).toEqual(["/0 must have required property 'version' {\"missingProperty\":\"version\"}"]);
  });
});

describe('database rows derive from the records', () => {
  it('maps absent values to NULL, JSON to text and flags to 0/1', () => {
    expectTypeOf<RunDbRow['graphId']>().toEqualTypeOf<string | null>();
    expectTypeOf<RunDbRow['graphName']>().toEqualTypeOf<RunRow['graphName']>();
    expectTypeOf<RunDbRow['inputs']>().toEqualTypeOf<string>();
    expectTypeOf<RunDbRow['outputs']>().toEqualTypeOf<string | null>();
    expectTypeOf<RunDbRow['noCache']>().toEqualTypeOf<0 | 1>();
    expectTypeOf<NodeRunDbRow['status']>().toEqualTypeOf<NodeRunRow['status']>();
    expectTypeOf<NodeRunDbRow['items']>().toEqualTypeOf<string | null>();
    expectTypeOf<ItemRunDbRow['cached']>().toEqualTypeOf<0 | 1>();
    expectTypeOf<ItemRunDbRow['provider']>().toEqualTypeOf<ItemRunRow['provider'] & string | null>();
    expectTypeOf<GraphVersionDbRow['doc']>().toEqualTypeOf<string>();
    expectTypeOf<keyof GraphVersionDbRow>().toEqualTypeOf<keyof StoredGraph>();
  });
});
