/**
 * Series variants in the editor (pure, no DOM):
 *
 * - `computeOverrides(template, edited)` turns the graph the user edited back
 *   into a variant's `overrides` (JSON Merge Patch per node, edge add/remove,
 *   merge patches of inputs, outputs and graph settings), so saving a variant keeps it a
 *   variant: `applyOverrides(template, {overrides})` gives the edited graph.
 * - `describeVariantDiff(template, overrides, resolved)` turns the server's
 *   GET /api/graphs/:id/diff answer into readable rows: nodes added, removed
 *   and changed (each param with before → after), edges, inputs, outputs and
 *   graph settings.
 */
import { parseRef, type GraphDocument, type GraphEdge, type GraphNode, type GraphOverrides } from '../../../runtime/contract/graph.js';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a).filter((key) => a[key] !== undefined);
    return keys.length === Object.keys(b).filter((key) => b[key] !== undefined).length && keys.every((key) => jsonEqual(a[key], b[key]));
  }
  return false;
}

/**
 * RFC 7386 in reverse: the merge patch that turns `from` into `to`, or
 * undefined when they are equal. Arrays and scalars are replaced whole; a
 * key that disappears becomes `null`. (A JSON `null` value cannot be
 * expressed in a merge patch; graph documents do not use them.)
 */
export function mergePatchDiff(from: unknown, to: unknown): unknown {
  if (jsonEqual(from, to)) return undefined;
  if (!isObject(from) || !isObject(to)) return structuredClone(to);
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(from)) {
    if (from[key] !== undefined && to[key] === undefined) patch[key] = null;
  }
  for (const [key, value] of Object.entries(to)) {
    if (value === undefined) continue;
    const child = mergePatchDiff(from[key], value);
    if (child !== undefined) patch[key] = child;
  }
  return Object.keys(patch).length > 0 ? patch : undefined;
}

const sameEdge = (a: GraphEdge, b: GraphEdge): boolean => a.from === b.from && a.to === b.to;

/** The overrides that make `template` into `edited` (the variant's own name/description are not overrides). */
export function computeOverrides(template: GraphDocument, edited: GraphDocument): GraphOverrides {
  const overrides: GraphOverrides = {};
  const nodes: NonNullable<GraphOverrides['nodes']> = {};
  const editedById = new Map(edited.nodes.map((node) => [node.id, node]));
  const templateIds = new Set(template.nodes.map((node) => node.id));
  for (const node of template.nodes) {
    const now = editedById.get(node.id);
    if (!now) {
      nodes[node.id] = null;
      continue;
    }
    const patch = mergePatchDiff(node, now) as Partial<GraphNode> | undefined;
    if (patch) nodes[node.id] = patch;
  }
  for (const node of edited.nodes) {
    if (!templateIds.has(node.id)) {
      const { id: _id, ...rest } = structuredClone(node);
      nodes[node.id] = rest;
    }
  }
  if (Object.keys(nodes).length > 0) overrides.nodes = nodes;

  const removedNodes = new Set(Object.entries(nodes).filter(([, patch]) => patch === null).map(([id]) => id));
  const touchesRemoved = (edge: GraphEdge): boolean => removedNodes.has(parseRef(edge.from).node) || removedNodes.has(parseRef(edge.to).node);
  // Edges of removed nodes disappear with them; only the rest need listing.
  const remove = template.edges.filter((edge) => !touchesRemoved(edge) && !edited.edges.some((e) => sameEdge(e, edge)));
  const kept = template.edges.filter((edge) => !touchesRemoved(edge) && !remove.some((r) => sameEdge(r, edge)));
  const add = edited.edges.filter((edge) => !kept.some((e) => sameEdge(e, edge)));
  if (add.length > 0 || remove.length > 0) overrides.edges = { ...(add.length > 0 ? { add: structuredClone(add) } : {}), ...(remove.length > 0 ? { remove: structuredClone(remove) } : {}) };

  const inputs = mergePatchDiff(template.inputs ?? {}, edited.inputs ?? {});
  if (inputs !== undefined) overrides.inputs = inputs as GraphOverrides['inputs'];
  const outputs = mergePatchDiff(template.outputs ?? {}, edited.outputs ?? {});
  if (outputs !== undefined) overrides.outputs = outputs as GraphOverrides['outputs'];
  const settings = mergePatchDiff(template.settings ?? {}, edited.settings ?? {});
  if (settings !== undefined) overrides.settings = settings as GraphOverrides['settings'];
  return overrides;
}

/** A value as short readable text: strings quoted, long values cut. */
export function formatValue(value: unknown, maxLength = 60): string {
  if (value === undefined) return '(default)';
  if (value === null) return 'null';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

export interface ValueChange {
  /** Dotted path below the node, e.g. `params.provider`, `settings.retries`, `params.voices.KAEL.speed`. */
  path: string;
  before: unknown;
  after: unknown;
  kind: 'added' | 'removed' | 'changed';
}

export interface NodeRow {
  id: string;
  type: string;
  title?: string;
}

export interface ChangedNode extends NodeRow {
  changes: ValueChange[];
  /** Only the position differs. */
  movedOnly: boolean;
}

export interface VariantDiff {
  added: NodeRow[];
  removed: NodeRow[];
  changed: ChangedNode[];
  edgesAdded: GraphEdge[];
  edgesRemoved: GraphEdge[];
  inputs: ValueChange[];
  outputs: ValueChange[];
  /** Graph-wide settings, e.g. `profile`: "youtube-1080p" → "shorts-1080x1920". */
  settings: ValueChange[];
  /** Nothing is overridden: the variant renders exactly like its template. */
  empty: boolean;
}

/** Leaf-level differences between two JSON values (objects are walked, arrays compared whole). */
export function valueChanges(before: unknown, after: unknown, path = ''): ValueChange[] {
  if (jsonEqual(before, after)) return [];
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => valueChanges(before[key], after[key], path ? `${path}.${key}` : key));
  }
  const kind: ValueChange['kind'] = before === undefined ? 'added' : after === undefined ? 'removed' : 'changed';
  return [{ path, before, after, kind }];
}

const rowOf = (node: Pick<GraphNode, 'id' | 'type' | 'title'>): NodeRow => ({ id: node.id, type: node.type, ...(node.title ? { title: node.title } : {}) });

/**
 * Readable differences of a variant against its template. `template` is the
 * template's (resolved) graph; `resolved` the variant's resolved graph.
 * Without a template only what the overrides name can be shown (`before`
 * values unknown).
 */
export function describeVariantDiff(template: GraphDocument | undefined, overrides: GraphOverrides, resolved: GraphDocument): VariantDiff {
  const templateById = new Map((template?.nodes ?? []).map((node) => [node.id, node]));
  const resolvedById = new Map(resolved.nodes.map((node) => [node.id, node]));
  const added: NodeRow[] = [];
  const removed: NodeRow[] = [];
  const changed: ChangedNode[] = [];
  for (const [id, patch] of Object.entries(overrides.nodes ?? {})) {
    const before = templateById.get(id);
    const after = resolvedById.get(id);
    if (patch === null) {
      removed.push(before ? rowOf(before) : { id, type: '?' });
    } else if (template && !before && after) {
      added.push(rowOf(after));
    } else if (after) {
      const base = before ?? {};
      const { position: p1, ...restBefore } = base as Partial<GraphNode>;
      const { position: p2, ...restAfter } = after;
      const changes = before ? valueChanges(restBefore, restAfter) : patchChanges(patch);
      const moved = before !== undefined && !jsonEqual(p1, p2);
      if (changes.length > 0 || moved) changed.push({ ...rowOf(after), changes, movedOnly: changes.length === 0 && moved });
    }
  }
  const templateEdges = template?.edges;
  const edgesAdded = templateEdges ? resolved.edges.filter((edge) => !templateEdges.some((e) => sameEdge(e, edge))) : (overrides.edges?.add ?? []);
  const edgesRemoved = templateEdges ? templateEdges.filter((edge) => !resolved.edges.some((e) => sameEdge(e, edge))) : (overrides.edges?.remove ?? []);
  const inputs = template ? valueChanges(template.inputs ?? {}, resolved.inputs ?? {}) : patchChanges(overrides.inputs ?? {});
  const outputs = template ? valueChanges(template.outputs ?? {}, resolved.outputs ?? {}) : patchChanges(overrides.outputs ?? {});
  const settings = template ? valueChanges(template.settings ?? {}, resolved.settings ?? {}) : patchChanges(overrides.settings ?? {});
  const empty = added.length + removed.length + changed.length + edgesAdded.length + edgesRemoved.length + inputs.length + outputs.length + settings.length === 0;
  return { added, removed, changed, edgesAdded, edgesRemoved, inputs, outputs, settings, empty };
}

/** Changes read from a merge patch alone (the template is unknown): `null` removes, anything else sets. */
function patchChanges(patch: unknown, path = ''): ValueChange[] {
  if (!isObject(patch)) return [{ path, before: undefined, after: patch, kind: patch === null ? 'removed' : 'changed' }];
  return Object.entries(patch).flatMap(([key, value]) => {
    const child = path ? `${path}.${key}` : key;
    if (key === 'position' && !path) return [];
    return isObject(value) ? patchChanges(value, child) : [{ path: child, before: undefined, after: value === null ? undefined : value, kind: value === null ? ('removed' as const) : ('changed' as const) }];
  });
}

/** `params.provider: "offline" → "elevenlabs"` */
export function formatChange(change: ValueChange): string {
  switch (change.kind) {
    case 'added':
      return `${change.path}: set to ${formatValue(change.after)}`;
    case 'removed':
      return change.before === undefined ? `${change.path}: reset to default` : `${change.path}: ${formatValue(change.before)} → (default)`;
    case 'changed':
      return `${change.path}: ${change.before === undefined ? '' : `${formatValue(change.before)} → `}${formatValue(change.after)}`;
  }
}

export const formatEdge = (edge: GraphEdge): string => `${edge.from} → ${edge.to}`;
