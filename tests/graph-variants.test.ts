import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGraphFile } from '../runtime/graph-file.js';
import { GRAPH_FORMAT, type AnyGraphDocument, type GraphDocument, type GraphVariant } from '../runtime/contract/graph.js';
import { resolveVariant, VariantResolutionError, type TemplateSource } from '../runtime/contract/variant.js';

const base: GraphDocument = {
  format: GRAPH_FORMAT,
  schemaVersion: 1,
  id: 'base',
  name: 'Base',
  settings: { profile: 'youtube-1080p' },
  nodes: [{ id: 'greet', type: 'text.template', typeVersion: 1, position: { x: 0, y: 0 }, params: { template: 'Hello' } }],
  edges: [],
};
const variant = (id: string, extendsId: string, overrides: GraphVariant['overrides'] = {}): GraphVariant => ({ format: GRAPH_FORMAT, schemaVersion: 1, id, name: id, extends: extendsId, overrides });

/** Documents keyed by id, as the store keys them. */
const byId = (...docs: AnyGraphDocument[]): TemplateSource => ({ keyOf: (ref) => ref, read: async (id) => docs.find((doc) => doc.id === id) });

async function failure(doc: AnyGraphDocument, source: TemplateSource, key?: string): Promise<VariantResolutionError> {
  const error = await resolveVariant(doc, source, key).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(VariantResolutionError);
  return error as VariantResolutionError;
}

describe('resolveVariant', () => {
  it('applies a chain innermost first: a variant of a variant patches what its template resolved to', async () => {
    const shorts = variant('shorts', 'base', { settings: { profile: 'shorts-1080x1920' }, nodes: { greet: { params: { template: 'Hi' } } } });
    const teaser = variant('teaser', 'shorts', { nodes: { greet: { title: 'Teaser' } } });
    const graph = await resolveVariant(teaser, byId(base, shorts), 'teaser');
    expect(graph).toMatchObject({ id: 'teaser', name: 'teaser', settings: { profile: 'shorts-1080x1920' } });
    expect(graph.nodes).toEqual([expect.objectContaining({ id: 'greet', title: 'Teaser', params: { template: 'Hi' } })]);
  });

  it('returns a full graph as it is', async () => {
    await expect(resolveVariant(base, byId())).resolves.toBe(base);
  });

  it('refuses a variant extending itself, naming it, whether or not it is stored yet', async () => {
    const self = variant('loop', 'loop');
    for (const source of [byId(self), byId()]) {
      const error = await failure(self, source, 'loop');
      expect(error).toMatchObject({ code: 'VARIANT_CYCLE', message: 'the variant "loop" extends itself', chain: ['loop', 'loop'] });
    }
    // Deeper in a chain too: the template that extends itself is the one named.
    expect(await failure(variant('top', 'loop'), byId(self), 'top')).toMatchObject({ code: 'VARIANT_CYCLE', message: 'the variant "loop" extends itself' });
  });

  it('names the whole chain of a cycle, once per link', async () => {
    const a = variant('a', 'b');
    const b = variant('b', 'c');
    const c = variant('c', 'a');
    const error = await failure(a, byId(a, b, c), 'a');
    expect(error).toMatchObject({ code: 'VARIANT_CYCLE', message: 'variants extend each other in a cycle: a → b → c → a', chain: ['a', 'b', 'c', 'a'] });
  });

  it('says which reference names no template', async () => {
    const error = await failure(variant('v', 'gone'), byId(), 'v');
    expect(error).toMatchObject({ code: 'UNKNOWN_TEMPLATE', ref: 'gone', location: { path: '/extends' } });
  });
});

describe('loadGraphFile', () => {
  it('applies the same rule to files: one extending itself is named, a cycle names the files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rg-variants-'));
    try {
      await writeFile(join(dir, 'self.json'), JSON.stringify(variant('self', './self.json')));
      await writeFile(join(dir, 'a.json'), JSON.stringify(variant('a', './b.json')));
      await writeFile(join(dir, 'b.json'), JSON.stringify(variant('b', './a.json')));
      const self = join(dir, 'self.json');
      await expect(loadGraphFile(self)).rejects.toThrow(`${self}: the variant "${self}" extends itself`);
      const [a, b] = [join(dir, 'a.json'), join(dir, 'b.json')];
      await expect(loadGraphFile(a)).rejects.toThrow(`${a}: variants extend each other in a cycle: ${a} → ${b} → ${a}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
