/**
 * What a review gate makes again when a producer rejects or rewrites an item
 * (runtime/engine/review-gate.ts decides when; run.ts does it).
 *
 * A gate's item `i` was made by the per-item nodes before it: walking up
 * from each gate input through the lists that nodes map over, every node
 * that maps is one of the item's **makers** (a fallback is passed through to
 * its alternatives, which are what make its items). Rejecting the item asks
 * each maker for its next take (a new seed); the cache makes nothing else
 * again. The walk from the gate's first input ends at the item's **origin**:
 * the first list nobody maps to produce (a node's whole output, or a graph
 * input). A rewrite is applied there, to item `i` of that list, so every
 * maker sees the new words and is asked again because its input changed.
 */
import type { ReviewEditRecord } from '../contract/review.js';
import { GRAPH_INPUT_NODE } from '../contract/graph.js';
import type { NodeType } from '../contract/node.js';

export interface GateSource {
  node: string;
  port: string;
}

/** The little of a node's plan the walk reads. */
export interface LineagePlan {
  type: NodeType;
  inputs: ReadonlyMap<string, GateSource>;
  itemMode: boolean;
}

export interface GateLineage {
  /** Per-item nodes whose item `i` went into the gate's item `i`, nearest first. */
  makers: string[];
  /** Where the gate's list starts: rewrites apply to its items. Undefined when the gate's list has no source. */
  origin: GateSource | undefined;
}

export function gateLineage(gate: LineagePlan, planOf: (nodeId: string) => LineagePlan | undefined): GateLineage {
  const makers: string[] = [];
  const seen = new Set<string>();
  /** Walks up from `source` while lists are mapped; answers where the walk ended. */
  const walk = (source: GateSource | undefined): GateSource | undefined => {
    let at = source;
    while (at && at.node !== GRAPH_INPUT_NODE) {
      const plan = planOf(at.node);
      if (!plan?.itemMode || seen.has(at.node)) return at;
      seen.add(at.node);
      if (plan.type.control === 'fallback') {
        // Its alternatives make its items; the first one's origin is where the list starts.
        const [first, ...rest] = plan.type.inputs.map((port) => plan.inputs.get(port.name));
        for (const alternative of rest) walk(alternative);
        at = first;
        continue;
      }
      makers.push(at.node);
      at = plan.inputs.get(plan.type.mapOver ?? '');
    }
    return at;
  };
  const [listPort, ...mediaPorts] = gate.type.inputs.map((port) => port.name);
  const origin = walk(gate.inputs.get(listPort ?? ''));
  for (const port of mediaPorts) walk(gate.inputs.get(port));
  return { makers, origin };
}

/** The last rewrite of each item (a later round's replaces an earlier one's). */
export function latestEdits(edits: readonly ReviewEditRecord[]): Map<number, ReviewEditRecord> {
  return new Map(edits.map((edit) => [edit.index, edit]));
}

/** The fields a storyboard reads an item's prompt from, in order (review-gate.ts `storyboardItem`). */
export const PROMPT_FIELDS = ['prompt', 'visual', 'description'] as const;

/**
 * The item with a rewrite applied: a prompt replaces the first prompt field
 * the item has (else becomes its `prompt`), a text its `text`, or the item
 * itself when the item is a string.
 */
export function applyEdit(value: unknown, edit: ReviewEditRecord): unknown {
  if (typeof value === 'string') return edit.text ?? edit.prompt ?? value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const fields = value as Record<string, unknown>;
  const promptField = PROMPT_FIELDS.find((name) => typeof fields[name] === 'string') ?? 'prompt';
  return {
    ...fields,
    ...(edit.prompt !== undefined ? { [promptField]: edit.prompt } : {}),
    ...(edit.text !== undefined ? { text: edit.text } : {}),
  };
}

/** A list with the rewrites of its items applied; anything else unchanged. */
export function applyEdits(value: unknown, edits: ReadonlyMap<number, ReviewEditRecord> | undefined): unknown {
  if (!edits || edits.size === 0 || !Array.isArray(value)) return value;
  return value.map((item, index) => {
    const edit = edits.get(index);
    return edit ? applyEdit(item, edit) : item;
  });
}
