/** Problems and variant overrides grouped for the canvas cards (editor/src/state/problem-store.ts), no DOM. */
import { describe, expect, it, vi } from 'vitest';
import type { GraphDocument, GraphProblem } from '../runtime/contract/index.js';
import { farEdgePaths } from '../editor/src/canvas/FarEdges.js';
import { asSimpleCard, buildFlowEdges, buildFlowNodes, cardSize } from '../editor/src/graph.js';
import { emptyDocument } from '../editor/src/state/document-ops.js';
import { moveNodes, updateParams } from '../editor/src/state/document-ops.js';
import { useGraphStore } from '../editor/src/state/graph-store.js';
import { groupProblems, onlyPositionsChanged, overrideMarks, useProblemStore, watchProblems } from '../editor/src/state/problem-store.js';

function doc(): GraphDocument {
  return {
    ...emptyDocument('t'),
    nodes: [
      { id: 'title', type: 'text.template', typeVersion: 1, position: { x: 0, y: 0 }, params: { template: 42 } },
      { id: 'save', type: 'file.write', typeVersion: 1, position: { x: 300, y: 0 }, params: { filename: 'a.txt' } },
      { id: 'narrate', type: 'voice.tts', typeVersion: 1, position: { x: 0, y: 300 }, params: { provider: 'elevenlabs' } },
      { id: 'offline', type: 'voice.tts', typeVersion: 1, position: { x: 300, y: 300 }, params: { provider: 'openai' } },
    ],
    edges: [{ from: 'title.text', to: 'save.content' }],
  };
}

describe('problems by node', () => {
  it('groups problems and warnings by node (found from the pointer when unnamed), worst first', () => {
    const problems: GraphProblem[] = [
      { path: '/nodes/0/params/template', param: '/template', code: 'INVALID_PARAM', message: 'must be string' },
      // The same fault reported twice (schema and semantic checks) shows once.
      { path: '/nodes/0/params/template', nodeId: 'title', param: '/template', code: 'INVALID_PARAM', message: 'must be string' },
      { path: '/edges/0', nodeId: 'save', port: 'content', code: 'INCOMPATIBLE_PORTS', message: 'title.text → save.content: File cannot feed Text' },
      { path: '/name', code: 'SCHEMA', message: 'name is too long' },
    ];
    const warnings: GraphProblem[] = [
      { path: '/nodes/2', nodeId: 'narrate', code: 'MISSING_CREDENTIAL', message: 'no ElevenLabs key: store one in Credentials' },
      { path: '/nodes/3', nodeId: 'offline', code: 'FALLBACK_EXPECTED', message: 'falls back to flite' },
      { path: '/nodes/0', nodeId: 'title', code: 'MISSING_CREDENTIAL', message: 'a warning on a node with an error' },
    ];
    const grouped = groupProblems(doc(), { problems, warnings });
    expect(Object.keys(grouped.byNode).sort()).toEqual(['narrate', 'offline', 'save', 'title']);
    expect(grouped.byNode.title).toEqual({
      severity: 'error',
      problems: [
        { severity: 'error', code: 'INVALID_PARAM', message: 'param template: must be string' },
        { severity: 'warning', code: 'MISSING_CREDENTIAL', message: 'a warning on a node with an error' },
      ],
    });
    expect(grouped.byNode.save?.problems[0]?.message).toBe('port content: title.text → save.content: File cannot feed Text');
    expect(grouped.byNode.narrate?.severity).toBe('warning');
    expect(grouped.byNode.offline?.severity).toBe('info');
    expect(grouped.graph).toEqual([{ severity: 'error', code: 'SCHEMA', message: 'name is too long' }]);
    // The edge the problem points at is faulty too.
    expect(grouped.byEdge).toEqual({ 'title.text->save.content': 'title.text → save.content: File cannot feed Text' });
  });

  it('keeps an unchanged entry (its card does not re-render) and drops fixed ones', () => {
    const first = groupProblems(doc(), { problems: [{ path: '/nodes/0/params/template', nodeId: 'title', code: 'INVALID_PARAM', message: 'must be string' }], warnings: [{ path: '/nodes/2', nodeId: 'narrate', code: 'MISSING_CREDENTIAL', message: 'no key' }] });
    const second = groupProblems(doc(), { problems: [], warnings: [{ path: '/nodes/2', nodeId: 'narrate', code: 'MISSING_CREDENTIAL', message: 'no key' }] }, first.byNode);
    expect(second.byNode.title).toBeUndefined();
    expect(second.byNode.narrate).toBe(first.byNode.narrate);
  });
});

describe('variant overrides by node', () => {
  it('marks changed and added nodes with the paths they change', () => {
    const template = doc();
    const edited: GraphDocument = {
      ...template,
      nodes: [
        { ...template.nodes[0]!, params: { template: 'Shorts' } },
        { ...template.nodes[1]!, position: { x: 320, y: 0 } },
        template.nodes[2]!,
        { id: 'extra', type: 'text.template', typeVersion: 1, position: { x: 0, y: 600 }, params: {} },
      ],
    };
    const marks = overrideMarks(template, edited);
    expect(marks).toEqual({
      title: { added: false, paths: ['params.template'] },
      save: { added: false, paths: ['position'] },
      extra: { added: true, paths: [] },
    });
    // Removed nodes have no card to mark; unchanged marks keep their object.
    expect(marks.offline).toBeUndefined();
    expect(overrideMarks(template, edited, marks).title).toBe(marks.title);
  });
});

describe('zoomed-out edges', () => {
  it('draws every edge from the right middle of its source card to the left middle of its target, grouped by colour', () => {
    const graph = doc();
    const nodes = buildFlowNodes(graph, undefined);
    const edges = buildFlowEdges(graph, nodes);
    const groups = farEdgePaths(nodes, edges);
    expect(groups).toHaveLength(1);
    // Unknown types: a 260-wide card with one port row (84 high), so the edge leaves at (260, 42) and enters at (300, 42).
    expect(groups[0]!.d).toBe('M260 42C300 42 260 42 300 42');
    // A faulty edge is drawn red and dashed, zoomed in or out.
    const faulty = buildFlowEdges(graph, nodes, edges, new Set(), { 'title.text->save.content': 'File cannot feed Text' });
    expect(faulty[0]).toMatchObject({ className: 'rg-edge--problem', style: { stroke: '#f87171', strokeDasharray: '5 4' } });
    expect(farEdgePaths(nodes, faulty)).toMatchObject([{ stroke: '#f87171', dashed: true }]);
  });

  it('hands React Flow zoomed-out cards already sized and without handles, the same object while the node is unchanged', () => {
    const graph = doc();
    const nodes = buildFlowNodes(graph, undefined);
    const title = nodes.find((node) => node.id === 'title')!;
    const simple = asSimpleCard(title);
    // Sized as SimpleCard draws it, with no handles: React Flow's first measurement then finds nothing to change.
    expect(simple.measured).toEqual(cardSize(title.data));
    expect(simple.handles).toEqual([]);
    expect(title.measured).toBeUndefined();
    // Unchanged node, same object (its card is not re-rendered); a moved node, a new one.
    expect(asSimpleCard(title)).toBe(simple);
    const moved = buildFlowNodes(moveNodes(graph, { title: { x: 40, y: 0 } }), undefined, nodes);
    const movedTitle = moved.find((node) => node.id === 'title')!;
    expect(movedTitle).not.toBe(title);
    expect(asSimpleCard(movedTitle)).not.toBe(simple);
    expect(asSimpleCard(moved.find((node) => node.id === 'save')!)).toBe(asSimpleCard(nodes.find((node) => node.id === 'save')!));
  });
});

describe('when problems are checked again', () => {
  it('tells a move (positions only) from an edit', () => {
    const before = doc();
    expect(onlyPositionsChanged(before, moveNodes(before, { title: { x: 80, y: 40 } }))).toBe(true);
    expect(onlyPositionsChanged(before, updateParams(before, 'title', { template: 'x' }))).toBe(false);
    expect(onlyPositionsChanged(before, { ...before, edges: [] })).toBe(false);
    expect(onlyPositionsChanged(before, { ...before, nodes: before.nodes.slice(1) })).toBe(false);
    expect(onlyPositionsChanged(before, { ...before, nodes: before.nodes.map((node, i) => (i === 0 ? { ...node, title: 'T' } : node)) })).toBe(false);
  });

  it('asks the server after an edit, not after a drag, and keeps the markers a drag leaves true', async () => {
    const validateGraph = vi.fn(async () => ({ valid: false, problems: [{ path: '/nodes/0/params/template', nodeId: 'title', code: 'INVALID_PARAM', message: 'must be string' }] as GraphProblem[], warnings: [] }));
    const api = { validateGraph, getGraph: vi.fn(), graphDiff: vi.fn() } as unknown as Parameters<typeof watchProblems>[0];
    useGraphStore.getState().setDocument(doc());
    const stop = watchProblems(api, 0);
    const settle = () => vi.waitFor(() => expect(useProblemStore.getState().status).toBe('ready'));
    try {
      await vi.waitFor(() => expect(validateGraph).toHaveBeenCalledTimes(1));
      await settle();
      useGraphStore.getState().moveNodes({ title: { x: 120, y: 60 } });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(validateGraph).toHaveBeenCalledTimes(1);
      expect(useProblemStore.getState().byNode.title).toBeDefined();
      useGraphStore.getState().updateParams('title', { template: 'Title: {{text}}' });
      await vi.waitFor(() => expect(validateGraph).toHaveBeenCalledTimes(2));
    } finally {
      stop();
    }
  });
});
