/**
 * Previewing one scene (issue 19): graphs/episode.json with `scene: 2`
 * (runtime/runs/scene-preview.ts) renders scene 2 alone — its voice line,
 * terminal overlay and visual — as a short clip at the preview profile. The
 * clip lasts what Pacing gives that scene in the whole episode (ffprobe), the
 * run touches only that scene's items, and the full render at the same
 * profile afterwards takes those items from the cache: the preview warmed
 * it. Offline providers only; nothing is downloaded.
 */
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactHandle, GraphDocument, ItemEvent, NodeEvent, ScenePlan } from '../runtime/contract/index.js';
import { EnvCredentials } from '../runtime/engine/credentials.js';
import { InvalidRunScopeError } from '../runtime/engine/engine.js';
import type { RunResult } from '../runtime/engine/run.js';
import { loadGraphFile } from '../runtime/graph-file.js';
import { probeMedia } from '../runtime/media/probe.js';
import { previewProfileFor, sceneGraph } from '../runtime/runs/scene-preview.js';
import { createHarness, registry, type Harness } from './fixtures/harness.js';

const repo = resolve(import.meta.dirname, '..');

/** Two short scenes; the second has a line, a terminal block and its own setting. */
const episode = `# Preview

## The Room

*A dark server room.*

**KAEL:** Is anyone there?

## The Terminal

*A green terminal glows in a dark office.*

**ARIA:** Look at this.

\`\`\`terminal
$ ls
secrets.txt
\`\`\`
`;

let h: Harness;
let graph: GraphDocument;
beforeAll(async () => {
  h = await createHarness({ credentials: new EnvCredentials(registry.list(), {}) });
  graph = (await loadGraphFile(join(repo, 'graphs/episode.json'))).graph;
});
afterAll(async () => {
  await h.dispose();
});

/** The events of one run. */
const eventsOf = (runId: string) => h.events.filter((event) => event.runId === runId);
const itemsOf = (runId: string, nodeId: string): ItemEvent[] => eventsOf(runId).filter((e): e is ItemEvent => e.type === 'item' && e.nodeId === nodeId && (e.status === 'done' || e.status === 'cached'));
const planOf = (runId: string): ScenePlan => {
  const event = eventsOf(runId).find((e): e is NodeEvent => e.type === 'node' && e.nodeId === 'pace' && e.outputs?.plan !== undefined);
  if (!event) throw new Error(`run ${runId}: no plan from pace`);
  return event.outputs?.plan as ScenePlan;
};
const node = (result: RunResult, id: string) => result.nodes.find((n) => n.id === id);

describe('sceneGraph', () => {
  it('cuts the script nodes to one scene and previews at the preview of the graph profile', () => {
    const preview = sceneGraph(graph, registry, 2);
    expect(preview.nodes.find((n) => n.id === 'parse')?.params).toEqual({ ...graph.nodes.find((n) => n.id === 'parse')?.params, scene: 2 });
    // Only the script node takes the scene; every other node is as it was.
    expect(preview.nodes.filter((n, i) => n !== graph.nodes[i]).map((n) => n.id)).toEqual(['parse']);
    expect(preview.settings?.profile).toBe('preview-720p');
    expect(sceneGraph(graph, registry, 1, 'youtube-1080p').settings?.profile).toBe('youtube-1080p');
    expect(previewProfileFor('shorts-1080x1920')).toBe('preview-720x1280');
    expect(previewProfileFor(undefined)).toBe('preview-720p');
  });

  it('refuses a scene number that is not one, and a graph with no script node to cut', () => {
    expect(() => sceneGraph(graph, registry, 0)).toThrow(InvalidRunScopeError);
    expect(() => sceneGraph(graph, registry, 1.5)).toThrow(/scene must be a scene number from 1/);
    const noScript = { ...graph, nodes: graph.nodes.filter((n) => n.id !== 'parse') };
    expect(() => sceneGraph(noScript, registry, 1)).toThrow(/no script node to cut to one scene/);
  });
});

describe('previewing scene 2 of an episode', () => {
  it('renders that scene alone, as long as the full episode times it, and warms the cache for the full render', async () => {
    const preview = await h.run(sceneGraph(graph, registry, 2), { inputs: { episode } });
    expect(preview.status, preview.error?.message).toBe('done');

    // The run record: one voice line, one terminal block, one scene visual, all executed (the cache was cold).
    const voiced = itemsOf(preview.runId, 'offline');
    expect(voiced).toHaveLength(1);
    expect(node(preview, 'offline')?.items).toMatchObject({ total: 1, executed: 1, cached: 0 });
    expect(node(preview, 'terminal')?.items).toMatchObject({ total: 1, executed: 1 });
    expect(node(preview, 'scenes')?.items).toMatchObject({ total: 1, executed: 1 });
    const plan = planOf(preview.runId);
    expect(plan.scenes.map((scene) => scene.title)).toEqual(['The Terminal']);
    expect(plan.scenes[0]?.index).toBe(1);

    // The clip: the preview profile's picture, as long as that one scene.
    const video = preview.outputs.video as ArtifactHandle;
    const info = await probeMedia(await h.engine.services.artifacts.localPath(video));
    expect([info.width, info.height]).toEqual([1280, 720]);
    const sceneSeconds = plan.scenes[0]!.duration;
    expect(info.duration).toBeDefined();
    expect(Math.abs((info.duration ?? Number.NaN) - sceneSeconds)).toBeLessThanOrEqual(0.05);

    // The full render at the same profile: scene 2's line, block and visual come from the preview's results.
    const full = await h.run({ ...graph, settings: { ...graph.settings, profile: 'preview-720p' } }, { inputs: { episode } });
    expect(full.status, full.error?.message).toBe('done');
    const fullPlan = planOf(full.runId);
    expect(fullPlan.scenes.map((scene) => scene.title)).toEqual(['The Room', 'The Terminal']);
    // Pacing gives scene 2 the same length alone as in the episode: its visual's prompt, and so its key, is the same.
    expect(fullPlan.scenes[1]?.duration).toBe(sceneSeconds);
    const fullVoiced = Object.fromEntries(itemsOf(full.runId, 'offline').map((e) => [e.key, e.status]));
    expect(fullVoiced[voiced[0]!.key]).toBe('cached');
    expect(node(full, 'offline')?.items).toMatchObject({ total: 2, executed: 1, cached: 1 });
    expect(node(full, 'terminal')?.items).toMatchObject({ total: 1, executed: 0, cached: 1 });
    expect(node(full, 'scenes')?.items).toMatchObject({ total: 2, executed: 1, cached: 1 });
    // The preview after the full render is all cache up to the cut: nothing of the scene is made twice.
    const again = await h.run(sceneGraph(graph, registry, 2), { inputs: { episode } });
    expect(again.status).toBe('done');
    for (const id of ['offline', 'terminal', 'scenes']) expect(node(again, id)?.items, id).toMatchObject({ total: 1, executed: 0, cached: 1 });
  }, 300_000);

  it('fails naming the scene count when the episode has no such scene', async () => {
    const result = await h.run(sceneGraph(graph, registry, 3), { inputs: { episode } });
    expect(result.status).toBe('failed');
    expect(result.error?.message).toMatch(/scene 3 does not exist: the episode has 2 scenes/);
    expect(result.error?.location).toMatchObject({ nodeId: 'parse', param: '/scene' });
  });
});
