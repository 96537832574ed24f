import { describe, expect, it } from 'vitest';
import { applyOverrides, GRAPH_FORMAT, validateGraph } from '../runtime/contract/index.js';
import type { GraphDocument, GraphProblem, GraphVariant } from '../runtime/contract/index.js';
import { graph, registry } from './fixtures/harness.js';

const base = (): GraphDocument =>
  graph(
    [
      ['src', 'test.source', { items: [1, 2] }],
      ['map', 'test.map'],
      ['all', 'test.collect'],
    ],
    ['src.items -> map.items', 'map.items -> all.items'],
  );

type Mutation = (g: GraphDocument) => unknown;

/** Each broken graph with the problem it must produce (a subset match). */
const broken: Array<[string, Mutation, Partial<GraphProblem>[]]> = [
  ['unknown node type, with a suggestion', (g) => ((g.nodes[1] as { type: string }).type = 'test.mapp'), [{ code: 'UNKNOWN_NODE_TYPE', nodeId: 'map', path: '/nodes/1/type', message: 'unknown node type "test.mapp" (did you mean "test.map"?)' }]],
  ['unknown type version', (g) => ((g.nodes[1] as { typeVersion: number }).typeVersion = 7), [{ code: 'UNKNOWN_TYPE_VERSION', nodeId: 'map', path: '/nodes/1/typeVersion' }]],
  ['unknown input port', (g) => ((g.edges[0] as { to: string }).to = 'map.itemz'), [{ code: 'UNKNOWN_PORT', nodeId: 'map', port: 'itemz' }, { code: 'MISSING_INPUT', nodeId: 'map', port: 'items' }]],
  ['unknown output port', (g) => ((g.edges[0] as { from: string }).from = 'src.out'), [{ code: 'UNKNOWN_PORT', nodeId: 'src', port: 'out', path: '/edges/0/from' }]],
  ['missing required input', (g) => g.edges.pop(), [{ code: 'MISSING_INPUT', nodeId: 'all', port: 'items', message: 'required input "items" (Json[]) is not connected' }]],
  [
    'incompatible port types',
    (g) => {
      g.nodes.push({ id: 'say', type: 'text.template', typeVersion: 1, position: { x: 0, y: 0 }, params: {} });
      g.edges.push({ from: 'src.items', to: 'say.text' });
    },
    [{ code: 'INCOMPATIBLE_PORTS', nodeId: 'say', port: 'text', message: 'src.items → say.text: Json[] cannot feed Text' }],
  ],
  [
    'list into a single input',
    (g) => {
      g.nodes.push({ id: 'one', type: 'test.echo', typeVersion: 1, position: { x: 0, y: 0 }, params: {} });
      g.edges.push({ from: 'map.items', to: 'one.value' });
    },
    [{ code: 'INCOMPATIBLE_PORTS', nodeId: 'one', message: 'map.items → one.value: Json[] is a list and cannot feed the single input Json' }],
  ],
  [
    'cycle',
    (g) => {
      g.nodes.push({ id: 'x', type: 'test.echo', typeVersion: 1, position: { x: 0, y: 0 }, params: {} }, { id: 'y', type: 'test.echo', typeVersion: 1, position: { x: 0, y: 0 }, params: {} });
      g.edges.push({ from: 'x.value', to: 'y.value' }, { from: 'y.value', to: 'x.value' });
    },
    [{ code: 'CYCLE', message: 'cycle: x → y → x' }],
  ],
  ['dangling edge (unknown source node)', (g) => g.edges.push({ from: 'ghost.items', to: 'all.items' }), [{ code: 'DANGLING_EDGE', nodeId: 'ghost' }, { code: 'INPUT_CONNECTED_TWICE', nodeId: 'all', port: 'items' }]],
  ['dangling edge (unknown target node)', (g) => g.edges.push({ from: 'map.items', to: 'nowhere.items' }), [{ code: 'DANGLING_EDGE', nodeId: 'nowhere', path: '/edges/2/to' }]],
  ['duplicate ids', (g) => g.nodes.push({ ...(g.nodes[2] as GraphDocument['nodes'][number]) }), [{ code: 'DUPLICATE_NODE_ID', nodeId: 'all', path: '/nodes/3/id' }]],
  ['param of the wrong type', (g) => ((g.nodes[1] as { params: object }).params = { tag: 5 }), [{ code: 'INVALID_PARAM', nodeId: 'map', param: '/tag', message: 'must be string' }]],
  ['unknown param', (g) => ((g.nodes[1] as { params: object }).params = { colour: 'red' }), [{ code: 'INVALID_PARAM', nodeId: 'map', param: '/colour', message: 'is not a known property' }]],
  ['missing required param', (g) => ((g.nodes[0] as { params: object }).params = {}), [{ code: 'INVALID_PARAM', nodeId: 'src', param: '/items', message: 'is required' }]],
  ['undeclared graph input', (g) => ((g.edges[0] as { from: string }).from = '$input.script'), [{ code: 'UNKNOWN_GRAPH_INPUT', port: 'script' }]],
  ['output naming an unknown node', (g) => (g.outputs = { video: 'render.video' }), [{ code: 'UNKNOWN_OUTPUT', nodeId: 'render', path: '/outputs/video' }]],
  ['malformed edge reference', (g) => ((g.edges[0] as { to: string }).to = 'map'), [{ code: 'SCHEMA', path: '/edges/0/to' }]],
  ['node without a type', (g) => delete (g.nodes[1] as { type?: string }).type, [{ code: 'SCHEMA', nodeId: 'map', path: '/nodes/1/type', message: 'is required' }]],
  ['wrong format', (g) => ((g as { format: string }).format = 'n8n'), [{ code: 'SCHEMA', path: '/format', message: 'must be "reelgraph/graph"' }]],
  ['invalid id characters', (g) => ((g.nodes[0] as { id: string }).id = 'my node'), [{ code: 'SCHEMA', path: '/nodes/0/id' }]],
  [
    'fallback alternatives that carry different types',
    (g) => {
      g.nodes.push(
        { id: 't', type: 'text.template', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
        { id: 'pick', type: 'control.fallback', typeVersion: 1, position: { x: 0, y: 0 }, params: {} },
      );
      g.edges.push({ from: 'map.items', to: 'pick.choice1' }, { from: 't.text', to: 'pick.choice2' });
    },
    [{ code: 'FALLBACK_MISMATCH', nodeId: 'pick', port: 'choice2' }],
  ],
];

describe('graph validation', () => {
  it('accepts the base graph', () => {
    expect(validateGraph(base(), registry)).toEqual([]);
  });

  it.each(broken)('reports %s', (_name, mutate, expected) => {
    const g = base();
    mutate(g);
    const problems = validateGraph(g, registry);
    for (const problem of expected) expect(problems).toContainEqual(expect.objectContaining(problem));
  });

  it('reports every problem at once, not just the first', () => {
    const g = base();
    (g.nodes[1] as { type: string }).type = 'nope.nope';
    (g.nodes[0] as { params: object }).params = { items: 'x' };
    g.edges.push({ from: 'ghost.a', to: 'all.items' });
    const codes = validateGraph(g, registry).map((p) => p.code);
    expect(codes).toEqual(expect.arrayContaining(['UNKNOWN_NODE_TYPE', 'INVALID_PARAM', 'DANGLING_EDGE', 'INPUT_CONNECTED_TWICE']));
  });

  const notAnObject: GraphProblem[] = [{ code: 'SCHEMA', path: '', message: 'must be object' }];
  it.each<[string, unknown, GraphProblem[]]>([
    ['null', null, notAnObject],
    ['a number', 42, notAnObject],
    ['a string', 'graph', notAnObject],
    ['an array', [], notAnObject],
    [
      'an object with the wrong shapes',
      { nodes: 'x', edges: {} },
      [
        { code: 'SCHEMA', path: '/format', message: 'is required' },
        { code: 'SCHEMA', path: '/schemaVersion', message: 'is required' },
        { code: 'SCHEMA', path: '/name', message: 'is required' },
        { code: 'SCHEMA', path: '/nodes', message: 'must be array' },
        { code: 'SCHEMA', path: '/edges', message: 'must be array' },
      ],
    ],
    [
      'a graph whose nodes and edges are not objects',
      { format: GRAPH_FORMAT, schemaVersion: 1, name: 'x', nodes: [null, 1], edges: [null] },
      [
        { code: 'SCHEMA', path: '/nodes/0', message: 'must be object' },
        { code: 'SCHEMA', path: '/nodes/1', message: 'must be object' },
        { code: 'SCHEMA', path: '/edges/0', message: 'must be object' },
      ],
    ],
  ])('is robust to garbage documents: %s', (_name, doc, expected) => {
    expect(validateGraph(doc, registry)).toEqual(expected);
  });

  it('prints a loop that exists, even when more nodes are entangled than the shortest loop', () => {
    // a → b → a is a loop; a → c → d → a is another through a. All four form one group, but "a → b → c → d → a" is no path.
    const g = base();
    const node = (id: string, type: string) => ({ id, type, typeVersion: 1, position: { x: 0, y: 0 }, params: {} });
    g.nodes.push(node('a', 'control.fallback'), node('b', 'test.echo'), node('c', 'test.echo'), node('d', 'test.echo'));
    g.edges.push(
      { from: 'a.value', to: 'b.value' },
      { from: 'b.value', to: 'a.choice1' },
      { from: 'a.value', to: 'c.value' },
      { from: 'c.value', to: 'd.value' },
      { from: 'd.value', to: 'a.choice2' },
    );
    const cycles = validateGraph(g, registry).filter((p) => p.code === 'CYCLE');
    expect(cycles).toEqual([expect.objectContaining({ nodeId: 'a', message: 'cycle: a → b → a (also looping with these: c, d)' })]);
    // Every step printed is an edge of the graph.
    const steps = (cycles[0]?.message.match(/^cycle: ([^(]+)/)?.[1] ?? '').trim().split(' → ');
    const edges = new Set(g.edges.map((e) => `${e.from.split('.')[0]}>${e.to.split('.')[0]}`));
    for (let i = 1; i < steps.length; i++) expect(edges).toContain(`${steps[i - 1]}>${steps[i]}`);
  });

  it('checks graph input defaults against their type', () => {
    const g = base();
    g.inputs = { count: { type: 'Number', default: 'three' } };
    expect(validateGraph(g, registry)).toContainEqual(expect.objectContaining({ code: 'INVALID_INPUT_DEFAULT', path: '/inputs/count/default' }));
  });
});

describe('series variants', () => {
  it('applies node patches, removals, additions and edge changes', () => {
    const variant: GraphVariant = {
      format: GRAPH_FORMAT,
      schemaVersion: 1,
      name: 'variant',
      extends: 'base',
      overrides: {
        nodes: {
          map: { params: { tag: 'shorts' } },
          extra: { type: 'test.echo', typeVersion: 1, params: { tag: 'new' } },
        },
        edges: { add: [{ from: 'all.value', to: 'extra.value' }] },
        outputs: { result: 'extra.value' },
      },
    };
    const resolved = applyOverrides(base(), variant);
    expect(resolved.nodes.find((n) => n.id === 'map')?.params).toEqual({ tag: 'shorts' });
    expect(resolved.nodes.find((n) => n.id === 'extra')).toMatchObject({ type: 'test.echo', position: { x: 0, y: 0 } });
    expect(resolved.outputs).toEqual({ result: 'extra.value' });
    expect(validateGraph(resolved, registry)).toEqual([]);
  });

  it('removing a node drops its edges', () => {
    const variant: GraphVariant = { format: GRAPH_FORMAT, schemaVersion: 1, name: 'v', extends: 'base', overrides: { nodes: { all: null } } };
    const resolved = applyOverrides(base(), variant);
    expect(resolved.nodes.map((n) => n.id)).toEqual(['src', 'map']);
    expect(resolved.edges).toEqual([{ from: 'src.items', to: 'map.items' }]);
  });
});
