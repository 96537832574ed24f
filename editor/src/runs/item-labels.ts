/**
 * What an item of a mapped node is, for people: the speaker and line of a
 * voice segment, the title of a scene, instead of the 16-hex key the engine
 * uses. An item's own outputs (an audio clip) say little, so the label comes
 * from the item's input: the value at the same index of what feeds the
 * node's `mapOver` port (a whole node's list output, a mapped node's item,
 * or a graph input). A fallback's items are its first alternative's.
 *
 * Pure functions over the run state and the graph the run executed.
 */
import type { GraphDocument, GraphNode } from '../../../runtime/contract/graph.js';
import type { RunState } from './run-state.js';

const INPUT_NODE = '$input';
const FALLBACK_TYPE = 'control.fallback';
const MAX_LABEL = 90;
const MAX_DEPTH = 6;

/** The `mapOver` port of a node type (from the node descriptions), if it maps. */
export type MapOverOf = (type: string) => string | undefined;

const clip = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_LABEL ? `${flat.slice(0, MAX_LABEL - 1)}…` : flat;
};

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

/**
 * A value's own description, when it has one: "KAEL: Is anyone there?" for
 * a segment, the title (or scene id) of a scene or scene prompt, a string
 * itself. Undefined for values that say nothing (media handles, numbers).
 */
export function describeItemValue(value: unknown): string | undefined {
  if (typeof value === 'string') return str(value) ? clip(value) : undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const line = str(v.displayText) ?? str(v.speechText) ?? str(v.text);
  const speaker = str(v.speaker);
  if (line) return clip(speaker ? `${speaker}: ${line}` : line);
  const title = str(v.title) ?? str(v.heading) ?? str(v.sceneId);
  if (title) return clip(title);
  return undefined;
}

const nodeOf = (ref: string): string => ref.slice(0, ref.indexOf('.'));
const portOf = (ref: string): string => ref.slice(ref.indexOf('.') + 1);

function at(list: unknown, index: number): unknown {
  return Array.isArray(list) ? list[index] : undefined;
}

/** The port a node's items come from: its type's `mapOver`, or a fallback's first choice. */
function itemPort(node: GraphNode | undefined, mapOverOf: MapOverOf): string | undefined {
  if (!node) return undefined;
  if (node.type === FALLBACK_TYPE) return 'choice1';
  return mapOverOf(node.type);
}

/**
 * The label of item `index` of node `nodeId` in `run`, or undefined when
 * nothing along its inputs describes it.
 */
export function itemLabel(run: Pick<RunState, 'nodes' | 'detail'>, nodeId: string, index: number, mapOverOf: MapOverOf, graph?: Pick<GraphDocument, 'nodes' | 'edges'>, depth = 0): string | undefined {
  const doc = graph ?? run.detail?.graph;
  if (!doc || depth > MAX_DEPTH) return undefined;
  const node = doc.nodes.find((candidate) => candidate.id === nodeId);
  const port = itemPort(node, mapOverOf);
  if (!port) return undefined;
  const edge = doc.edges.find((candidate) => candidate.to === `${nodeId}.${port}`);
  if (!edge) return undefined;
  const source = nodeOf(edge.from);
  const sourcePort = portOf(edge.from);
  if (source === INPUT_NODE) return describeItemValue(at(run.detail?.inputs?.[sourcePort], index));
  const state = run.nodes[source];
  // A whole node's list output: the item is the element at the same index.
  const whole = state?.outputs?.[sourcePort];
  if (whole !== undefined) {
    const described = describeItemValue(at(whole, index));
    if (described) return described;
  }
  // A mapped source: its item at the same index, described, or labelled from its own input.
  const item = state?.itemStates[index]?.outputs?.[sourcePort];
  const described = describeItemValue(item);
  if (described) return described;
  return itemLabel(run, source, index, mapOverOf, doc, depth + 1);
}

/**
 * Who produced an item: for a node's own work, its provider parameter (e.g.
 * "offline", "openai") or its type; for a fallback, the alternative node and
 * its provider ("voice-openai · openai").
 */
export function providerLabel(graph: Pick<GraphDocument, 'nodes'> | undefined, nodeId: string, provider: string | undefined): string {
  const producer = provider ?? nodeId;
  const node = graph?.nodes.find((candidate) => candidate.id === producer);
  if (!node) return provider ?? '';
  const what = str(node.params?.provider) ?? node.type;
  // "offline · offline" says nothing twice: an alternative named after its provider reads once.
  return producer === nodeId || producer === what ? what : `${producer} · ${what}`;
}
