/**
 * The shipped pipelines: graphs/episode.json (what `npm run demo` runs) and
 * its 9:16 variant graphs/shorts.json — valid, and end to end on a short
 * episode at a small picture size (the node tests cover full sizes).
 */
import { join, resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyOverrides, validateGraph, type GraphDocument, type Timeline } from '../runtime/contract/index.js';
import { EnvCredentials } from '../runtime/engine/credentials.js';
import { loadGraphFile } from '../runtime/graph-file.js';
import { shortEpisode } from './fixtures/assembly-graph.js';
import { streamInfo } from './fixtures/frames.js';
import { createHarness, registry, type Harness } from './fixtures/harness.js';

const repo = resolve(import.meta.dirname, '..');

let h: Harness;
beforeEach(async () => {
  // As `reelgraph demo`: no credentials, so the cloud voices fail fast and the offline voice speaks.
  h = await createHarness({ credentials: new EnvCredentials(registry.list(), {}) });
});
afterEach(async () => {
  await h.dispose();
});

const small = (graph: GraphDocument, profile: string): GraphDocument =>
  applyOverrides(graph, {
    format: graph.format,
    schemaVersion: 1,
    name: `${graph.name} (small)`,
    extends: 'x',
    overrides: { nodes: Object.fromEntries(['terminal', 'scenes', 'timeline'].map((id) => [id, { params: { profile, width: 320, height: profile.startsWith('shorts') ? 568 : 180 } }])) },
  } as Parameters<typeof applyOverrides>[1]);

describe('shipped pipelines', () => {
  it('are valid graphs, and the Short is stored as overrides of the episode', async () => {
    for (const file of ['episode.json', 'shorts.json']) {
      const { graph } = await loadGraphFile(join(repo, 'graphs', file));
      expect(validateGraph(graph, registry), file).toEqual([]);
    }
    const raw = JSON.parse(await readFile(join(repo, 'graphs/shorts.json'), 'utf8')) as { extends: string; nodes?: unknown };
    expect(raw.extends).toBe('./episode.json');
    expect(raw.nodes).toBeUndefined();
  });

  it('starts the scenes without waiting for the terminal overlays to be drawn (pacing knows a block’s slot from the script)', async () => {
    const { graph } = await loadGraphFile(join(repo, 'graphs/episode.json'));
    const upstream = (id: string, seen = new Set<string>()): Set<string> => {
      for (const edge of graph.edges) {
        const [from] = edge.from.split('.');
        if (edge.to.split('.')[0] === id && from && !from.startsWith('$') && !seen.has(from)) upstream(from, seen.add(from));
      }
      return seen;
    };
    expect([...upstream('scenes')].sort()).toEqual(['cast', 'eleven', 'google', 'offline', 'pace', 'parse', 'prompts', 'voice']);
    // The overlays still reach the picture and the sound.
    expect(graph.edges.filter((edge) => edge.from === 'terminal.overlays').map((edge) => edge.to).sort()).toEqual(['score.overlays', 'timeline.overlays']);
  });

  it('renders an episode end to end with offline providers', async () => {
    const { graph } = await loadGraphFile(join(repo, 'graphs/episode.json'));
    const episode = `${shortEpisode}\n\`\`\`terminal\n$ open --door\nACCESS GRANTED\n\`\`\`\n`;
    const result = await h.run(small(graph, 'youtube-1080p'), { inputs: { episode } });
    expect(result.status, result.error?.message).toBe('done');
    const voice = result.nodes.find((node) => node.id === 'voice')!;
    expect(voice.items).toMatchObject({ total: 4, fellBack: 4 });
    const video = result.outputs.video as { hash: string; duration: number };
    const info = await streamInfo(await h.engine.services.artifacts.localPath(video));
    const timeline = result.outputs.timeline as Timeline;
    expect(info).toMatchObject({ width: 320, height: 180, fps: 30, frames: Math.round(timeline.duration * 30) });
    // The one terminal block, as its layers: the transition in, the chrome, screen and static, the transition out.
    expect(timeline.tracks.find((track) => track.kind === 'overlay')!.clips.map((clip) => clip.id.replace(/^.*-overlay-/, ''))).toEqual(['in', 'chrome', 'screen', 'static', 'out']);
    const kinds = (result.outputs.files as Array<{ kind: string }>).map((file) => file.kind);
    expect(kinds).toEqual(expect.arrayContaining(['mp4', 'srt', 'vtt', 'thumbnail', 'otio', 'fcpxml']));
  });

  it('renders the Short at 9:16', async () => {
    const { graph } = await loadGraphFile(join(repo, 'graphs/shorts.json'));
    const result = await h.run(small(graph, 'shorts-1080x1920'), { inputs: { episode: shortEpisode.split('## The Street')[0]! } });
    expect(result.status, result.error?.message).toBe('done');
    const info = await streamInfo(await h.engine.services.artifacts.localPath(result.outputs.video as { hash: string }));
    expect(info).toMatchObject({ width: 320, height: 568 });
  });
});
