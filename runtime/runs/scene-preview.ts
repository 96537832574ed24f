/**
 * Previewing one scene (issue 19): `reelgraph run GRAPH --scene N` and
 * POST /api/runs `{scene: N}` render scene N alone — its voice lines,
 * visual and overlays — as a short clip at a preview profile.
 *
 * The graph is run as it is, with two changes written into the document the
 * run records: every node whose type takes a `scene` param (the script
 * parsers) gets N, so it outputs that scene alone with the episode's ids and
 * timings (nodes/script/engine/node-outputs.ts); and the render profile is a
 * preview one unless the caller names another. Everything downstream follows
 * the script, so nothing else needs to know about previews, and the scene's
 * voice lines (keyed by segment id and text) are the full render's; its
 * visual and overlays are too, at the same profile.
 *
 * The runtime never imports node code: which nodes take `scene` is read from
 * the registered descriptions (their params schemas).
 */
import type { GraphDocument } from '../contract/graph.js';
import type { NodeDescription } from '../contract/node.js';
import type { NodeRegistry } from '../contract/registry.js';
import { InvalidRunScopeError } from '../engine/engine.js';

/** The node param a scene preview fills. */
export const SCENE_PARAM = 'scene';

/** The preview profile for a graph's own profile: a Short's preview stays upright. Anything else previews at 720p. */
const previewProfiles: Readonly<Record<string, string>> = {
  'shorts-1080x1920': 'preview-720x1280',
  'preview-720x1280': 'preview-720x1280',
};
const DEFAULT_PREVIEW_PROFILE = 'preview-720p';

/** The preview profile for a graph whose render profile is `profile` (undefined: the nodes' default, 1080p). */
export const previewProfileFor = (profile: string | undefined): string => (profile !== undefined ? previewProfiles[profile] : undefined) ?? DEFAULT_PREVIEW_PROFILE;

const takesScene = (description: NodeDescription | undefined): boolean => Boolean((description?.params.properties as Record<string, unknown> | undefined)?.[SCENE_PARAM]);

/**
 * The graph that previews scene `scene` (1-based) at `profile` (default: the
 * preview of the graph's profile). Refused (InvalidRunScopeError: a 400 at
 * /scene over REST, exit 2 from the CLI) when the graph has no node that can
 * cut a script to one scene, or `scene` is not a positive integer; a scene
 * past the episode's end fails the script node, naming the scene count.
 */
export function sceneGraph(graph: GraphDocument, registry: Pick<NodeRegistry, 'get'>, scene: number, profile?: string): GraphDocument {
  if (!Number.isInteger(scene) || scene < 1) throw new InvalidRunScopeError({ path: '/scene', code: 'INVALID_SCENE', message: `scene must be a scene number from 1, not ${JSON.stringify(scene)}` });
  const targets = new Set(graph.nodes.filter((node) => takesScene(registry.get(node.type, node.typeVersion))).map((node) => node.id));
  if (targets.size === 0) {
    throw new InvalidRunScopeError({ path: '/scene', code: 'INVALID_SCENE', message: `graph "${graph.name}" has no script node to cut to one scene (a node whose type takes a "${SCENE_PARAM}" param)` });
  }
  return {
    ...graph,
    nodes: graph.nodes.map((node) => (targets.has(node.id) ? { ...node, params: { ...node.params, [SCENE_PARAM]: scene } } : node)),
    settings: { ...graph.settings, profile: profile ?? previewProfileFor(graph.settings?.profile) },
  };
}

/** Whether the graph is a one-scene preview (`sceneGraph`'s): a script node has its `scene` param set. */
export function isScenePreview(graph: GraphDocument, registry: Pick<NodeRegistry, 'get'>): boolean {
  return graph.nodes.some((node) => node.params[SCENE_PARAM] !== undefined && takesScene(registry.get(node.type, node.typeVersion)));
}
