/**
 * Partial runs in the editor (issue 19): "Run to here" (`until`: the node
 * and everything it needs, nothing downstream) and "Run this node only"
 * (`only`: that node alone, its inputs from the cache). The node context
 * menu, the shortcuts and the Run panel share what is here: the request,
 * which key asks for which, how a run's scope reads ("until render"), which
 * nodes a partial run covers, and what to do when `only` found an ancestor
 * not cached; and the Run panel's scene preview (`scene`, see
 * runtime/runs/scene-preview.ts).
 *
 * Pure functions over plain data (no DOM, no React);
 * tests/editor-partial-runs.test.ts exercises them directly.
 */
import type { GraphDocument } from '../../../runtime/contract/graph.js';
import type { SerializedError } from '../../../runtime/contract/errors.js';
import type { NodeDescription } from '../../../runtime/contract/node.js';
import type { NodeRegistry } from '../../../runtime/contract/registry.js';

export type PartialMode = 'until' | 'only';

/** A partial run as POST /api/runs takes it: exactly one of `until` / `only`. */
export type PartialRunRequest = { until: string; only?: never } | { only: string; until?: never };

export interface PartialScope {
  mode: PartialMode;
  /** The node the run was asked for. */
  target: string;
}

/** The request fields for running `nodeId` in `mode`. */
export const partialRequest = (mode: PartialMode, nodeId: string): PartialRunRequest => (mode === 'until' ? { until: nodeId } : { only: nodeId });

/** The scope a run row or detail records (the server keeps `until` / `only`), if it was partial. */
export function scopeOf(run: { until?: string | undefined; only?: string | undefined } | undefined): PartialScope | undefined {
  if (run?.until !== undefined) return { mode: 'until', target: run.until };
  if (run?.only !== undefined) return { mode: 'only', target: run.only };
  return undefined;
}

/** "until render" / "only voice": how a partial run's scope reads in the panel and the history. */
export const describeScope = (scope: PartialScope, title?: string): string => `${scope.mode} ${title ?? scope.target}`;

/** The menu's and the shortcut help's words for each mode, with its keys: one table, so they cannot disagree. */
export const partialCommands: ReadonlyArray<{ mode: PartialMode; label: string; keys: string; help: string }> = [
  { mode: 'until', label: 'Run to here', keys: 'Shift+R', help: 'Run to the selected node: it and everything it needs, nothing downstream' },
  { mode: 'only', label: 'Run this node only', keys: 'Alt+Shift+R', help: 'Run the selected node only, its inputs from the last run (the cache)' },
];

/**
 * Which partial run a key press asks for: Shift+R runs to the node,
 * Alt+Shift+R runs it alone. By `code`, not `key`: with Alt (Option on a
 * Mac) the key's character changes ('‰'), its physical key does not. Ctrl
 * and Cmd stay free: Ctrl+Shift+R reloads the page.
 */
export function partialRunKey(event: Pick<KeyboardEvent, 'code' | 'shiftKey' | 'altKey' | 'ctrlKey' | 'metaKey'>): PartialMode | undefined {
  if (event.code !== 'KeyR' || !event.shiftKey || event.ctrlKey || event.metaKey) return undefined;
  return event.altKey ? 'only' : 'until';
}

/**
 * A "Run this node only" that failed because an ancestor's result is not in
 * the cache: the ancestor to run first (the error's location names it).
 * Undefined for any other failure.
 */
export function uncachedUpstream(error: SerializedError | undefined): string | undefined {
  if (error?.code !== 'UPSTREAM_NOT_CACHED') return undefined;
  return error.location?.nodeId;
}

/** The node param a scene preview sets (runtime/runs/scene-preview.ts `SCENE_PARAM`). */
const SCENE_PARAM = 'scene';

/** Whether any node of the graph can cut the episode to one scene (its type takes a `scene` param): the Run panel then offers a preview. */
export function canPreviewScene(graph: Pick<GraphDocument, 'nodes'>, registry: Pick<NodeRegistry<NodeDescription>, 'get'> | undefined): boolean {
  return graph.nodes.some((node) => Boolean((registry?.get(node.type, node.typeVersion)?.params.properties as Record<string, unknown> | undefined)?.[SCENE_PARAM]));
}

/** The scene a run previewed (its graph's script node carries it), if it was a scene preview. */
export function previewedScene(graph: Pick<GraphDocument, 'nodes'> | undefined): number | undefined {
  for (const node of graph?.nodes ?? []) {
    const scene = node.params?.[SCENE_PARAM];
    if (typeof scene === 'number') return scene;
  }
  return undefined;
}

/** The Run panel's scene field as request fields: empty is the whole episode, a number from 1 one scene, anything else a problem to show. */
export function sceneField(typed: string): { scene?: number; problem?: string } {
  const text = typed.trim();
  if (text === '') return {};
  if (!/^\d+$/u.test(text) || Number(text) < 1) return { problem: `scene: "${text}" is not a scene number (1 = the first)` };
  return { scene: Number(text) };
}
