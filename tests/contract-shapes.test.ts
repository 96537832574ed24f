/**
 * Shapes written once (issue 16): the Script's types are derived from the
 * schemas ajv checks, so they cannot disagree. The type assertions are
 * checked by `npm run typecheck`; the value checks here by vitest.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  checkSchema,
  fullGraphSchema,
  GRAPH_FORMAT,
  GRAPH_SCHEMA_VERSION,
  nodeParams,
  segmentSchema,
  Type,
  type Cue,
  type GraphDocument,
  type GraphInput,
  type GraphNode,
  type GraphOverrides,
  type NodeContext,
  type NodeSettings,
  type PortTypeName,
  type Segment,
  type SegmentKind,
  type Timing,
} from '../runtime/contract/index.js';
import { builtinNodes } from '../nodes/index.js';
import type textSplit from '../nodes/text/split.node.js';
import type fileWrite from '../nodes/file/write.node.js';

const segment: Segment = {
  id: 's1-1',
  sceneId: 's1',
  kind: 'dialogue',
  speaker: 'KAEL',
  speechText: 'Is anyone there?',
  displayText: 'Is anyone there?',
  line: 4,
  words: 3,
  timing: { start: 0, duration: 1.2 },
};

describe('the Script shapes', () => {
  it('types what the schema checks: required fields required, optional ones optional', () => {
    expectTypeOf<Segment['kind']>().toEqualTypeOf<SegmentKind>();
    expectTypeOf<Segment['timing']>().toEqualTypeOf<Timing>();
    expectTypeOf<Segment['speaker']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Segment['cue']>().toEqualTypeOf<Cue | undefined>();
    expectTypeOf<Segment['speechText']>().toEqualTypeOf<string>();
    expect(checkSchema(segmentSchema, segment)).toEqual([]);
  });

  it('refuses what the type refuses', () => {
    const { speechText: _dropped, ...withoutSpeech } = segment;
    expect(checkSchema(segmentSchema, withoutSpeech)).toEqual([{ pointer: '/speechText', message: 'is required' }]);
    expect(checkSchema(segmentSchema, { ...segment, kind: 'monologue' })).toEqual([{ pointer: '/kind', message: 'must be one of "dialogue", "narration", "terminal", "cue"' }]);
    expect(checkSchema(segmentSchema, { ...segment, line: 0 })).toEqual([{ pointer: '/line', message: 'must be >= 1' }]);
  });
});

describe('node params written once', () => {
  it('gives execute the type the params schema describes, defaults included', () => {
    expectTypeOf<Parameters<typeof textSplit.execute>[0]>().toEqualTypeOf<NodeContext<{ by: 'lines' | 'paragraphs' | 'separator'; separator: string; trim: boolean; dropEmpty: boolean }>>();
    expectTypeOf<Parameters<typeof fileWrite.execute>[0]['params']>().toEqualTypeOf<{ filename: string; mime: string }>();
  });

  it('requires of the user only what has no default (or is named), and nothing else', () => {
    const schema = nodeParams({ a: Type.String(), b: Type.String({ default: 'x' }), c: Type.Optional(Type.Integer()) });
    expect(schema).toMatchObject({ type: 'object', additionalProperties: false, required: ['a'] });
    expect(nodeParams({ b: Type.String({ default: 'x' }) })).not.toHaveProperty('required');
    expect(nodeParams({ b: Type.String({ default: 'x' }) }, { required: ['b'] })).toMatchObject({ required: ['b'] });
    expect(checkSchema(schema, { a: 'ok', extra: 1 })).toEqual([{ pointer: '/extra', message: 'is not a known property' }]);
  });

  // A ratchet: node types still written twice (a Params interface beside a plain JSON Schema) may only
  // leave this list; a new node type writes its params once, with nodeParams.
  it('lists the node types whose params are not yet written once', () => {
    const typeBox = Symbol.for('TypeBox.Kind');
    const twice = builtinNodes.filter((node) => !(typeBox in node.params)).map((node) => node.type).sort();
    expect(twice).toEqual(REMAINING);
  });
});

const REMAINING: string[] = [];


describe('the graph document', () => {
  const doc: GraphDocument = {
    format: GRAPH_FORMAT,
    schemaVersion: GRAPH_SCHEMA_VERSION,
    name: 'Shapes',
    inputs: { episode: { type: 'Markdown', required: true } },
    outputs: { text: 'a.text' },
    nodes: [{ id: 'a', type: 'text.template', typeVersion: 1, position: { x: 0, y: 0 }, params: {}, settings: { retries: 2 } }],
    edges: [{ from: '$input.episode', to: 'a.text' }],
  };

  it('types what its schema checks', () => {
    expectTypeOf<GraphDocument['format']>().toEqualTypeOf<'reelgraph/graph'>();
    expectTypeOf<GraphNode['position']>().toEqualTypeOf<{ x: number; y: number }>();
    expectTypeOf<GraphNode['settings']>().toEqualTypeOf<NodeSettings | undefined>();
    expectTypeOf<GraphInput['type']>().toEqualTypeOf<PortTypeName>();
    expectTypeOf<NonNullable<GraphOverrides['nodes']>[string]>().toEqualTypeOf<Partial<GraphNode> | null>();
    expect(checkSchema(fullGraphSchema, doc)).toEqual([]);
  });

  it('refuses what the type refuses', () => {
    const [node] = doc.nodes;
    expect(checkSchema(fullGraphSchema, { ...doc, nodes: [{ ...node, position: { x: 1 } }] })).toEqual([{ pointer: '/nodes/0/position/y', message: 'is required' }]);
    expect(checkSchema(fullGraphSchema, { ...doc, inputs: { episode: { type: 'Novel' } } })).toHaveLength(1);
    expect(checkSchema(fullGraphSchema, { ...doc, nodes: [{ ...node, settings: { retries: 21 } }] })).toEqual([{ pointer: '/nodes/0/settings/retries', message: 'must be <= 20' }]);
  });
});
