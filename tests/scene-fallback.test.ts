/**
 * graphs/scenes-fallback.json against a local Runway: only the scene Runway
 * refuses falls through (Pika has no key here, so it fails fast) to the
 * procedural renderer, and the run record names each scene's provider.
 */
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { applyOverrides, type GraphDocument, type ItemEvent } from '../runtime/contract/index.js';
import { EnvCredentials } from '../runtime/engine/credentials.js';
import { loadGraphFile } from '../runtime/graph-file.js';
import { shortEpisode } from './fixtures/assembly-graph.js';
import { testsrcMp4, type FakeProvider } from './fixtures/fake-http.js';
import { startFakeRunway } from './fixtures/fake-runway.js';
import { streamInfo } from './fixtures/frames.js';
import { createHarness, registry, type Harness } from './fixtures/harness.js';

const repo = resolve(import.meta.dirname, '..');
let runway: FakeProvider;
let h: Harness;
beforeAll(async () => {
  runway = await startFakeRunway(await testsrcMp4({ width: 256, height: 144, fps: 24, seconds: 5 }));
});
afterAll(async () => {
  await runway.close();
});
beforeEach(async () => {
  h = await createHarness({ credentials: new EnvCredentials(registry.list(), { RUNWAYML_API_SECRET: 'test-key' }) });
});
afterEach(async () => {
  await h.dispose();
});

describe('scenes fallback chain', () => {
  it('sends only the refused scene on to the procedural renderer', async () => {
    const { graph } = await loadGraphFile(join(repo, 'graphs/scenes-fallback.json'));
    const size = { width: 256, height: 144 };
    const small: GraphDocument = applyOverrides(graph, {
      ...graph,
      extends: 'x',
      overrides: { nodes: { runway: { params: { ...size, endpoint: runway.url, pollIntervalMs: 10 } }, pika: { params: size }, procedural: { params: size } } },
    } as Parameters<typeof applyOverrides>[1]);
    // The second submission is refused outright (moderation-style 400), the others succeed.
    let submissions = 0;
    const original = runway.replies.submit;
    Object.defineProperty(runway.replies, 'submit', {
      get: () => (++submissions === 2 ? [{ status: 400, body: { error: 'Prompt rejected by moderation' } }] : original),
      configurable: true,
    });
    const result = await h.run(small, { inputs: { episode: shortEpisode } });
    expect(result.status, result.error?.message).toBe('done');
    const fallback = result.nodes.find((node) => node.id === 'scenes')!;
    const providers = Object.values(fallback.providers ?? {});
    expect(providers.filter((id) => id === 'runway')).toHaveLength(2);
    expect(providers.filter((id) => id === 'procedural')).toHaveLength(1);
    const clips = result.outputs.clips as Array<{ hash: string; provider: string; duration: number }>;
    expect(clips.map((clip) => clip.provider).sort()).toEqual(['procedural', 'runway', 'runway']);
    for (const clip of clips) {
      const info = await streamInfo(await h.engine.services.artifacts.localPath(clip));
      expect(info).toMatchObject({ width: 256, height: 144, fps: 30, frames: Math.round(clip.duration * 30) });
    }
  });
});

describe('a video provider asking to wait longer than the node accepts', () => {
  it('fails that scene at once with the stated wait, and the procedural renderer takes it', async () => {
    runway.reset();
    const { graph } = await loadGraphFile(join(repo, 'graphs/scenes-fallback.json'));
    const size = { width: 256, height: 144 };
    const small: GraphDocument = applyOverrides(graph, {
      ...graph,
      extends: 'x',
      overrides: { nodes: { runway: { params: { ...size, endpoint: runway.url, pollIntervalMs: 10 } }, pika: { params: size }, procedural: { params: size } } },
    } as Parameters<typeof applyOverrides>[1]);
    // The first status check of any task is told to come back in an hour; without a bound the run waits for Runway's timeout.
    runway.replies.poll.push({ status: 429, body: { error: 'Too many requests' }, retryAfter: '3600' });
    const result = await h.run(small, { inputs: { episode: shortEpisode } });
    expect(result.status, result.error?.message).toBe('done');
    const providers = Object.values(result.nodes.find((node) => node.id === 'scenes')?.providers ?? {});
    expect(providers.filter((id) => id === 'runway')).toHaveLength(2);
    expect(providers.filter((id) => id === 'procedural')).toHaveLength(1);
    const failed = h.events.find((e): e is ItemEvent => e.type === 'item' && e.nodeId === 'runway' && e.status === 'failed');
    expect(failed?.error?.message).toMatch(/HTTP 429.*asked to wait 3600 s \(Retry-After\), more than node "runway"'s 60 s limit/);
    expect(h.events.some((e) => e.type === 'retry' && e.delayMs > 60_000)).toBe(false);
  }, 120_000);
});
