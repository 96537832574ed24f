/**
 * The variant rule as the API applies it: a stored or posted variant that
 * extends itself, and imported variants that extend each other, are refused
 * with VARIANT_CYCLE at /extends, naming the variant or the whole chain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAPH_FORMAT } from '../runtime/contract/graph.js';
import { startTestServer, type TestServer } from './fixtures/server.js';

const variant = (id: string, extendsId: string) => ({ format: GRAPH_FORMAT, schemaVersion: 1, id, name: id, extends: extendsId, overrides: {} });

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.dispose();
});

describe('series variants through the API', () => {
  it('refuses a variant that extends itself, naming it', async () => {
    const res = await t.api.post('/api/graphs').send({ document: variant('loop', 'loop') });
    expect(res.status).toBe(400);
    expect(res.body.error.problems).toEqual([expect.objectContaining({ path: '/extends', code: 'VARIANT_CYCLE', message: 'the variant "loop" extends itself' })]);
  });

  it('refuses imported variants that extend each other, naming the chain by file', async () => {
    const res = await t.api.post('/api/graphs/import').send({
      documents: [
        { fileName: 'a.json', document: variant('a', './b.json') },
        { fileName: 'b.json', document: variant('b', './a.json') },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.problems).toEqual([
      expect.objectContaining({ path: '/documents/0/document/extends', code: 'VARIANT_CYCLE', message: 'variants extend each other in a cycle: a.json → b.json → a.json' }),
      expect.objectContaining({ path: '/documents/1/document/extends', code: 'VARIANT_CYCLE', message: 'variants extend each other in a cycle: b.json → a.json → b.json' }),
    ]);
    expect((await t.api.get('/api/graphs')).body).toEqual([]);
  });
});
