/**
 * With an ffmpeg that has `xfade` (REELGRAPH_FFMPEG, here the system's, which
 * .ci/run installs), crossfades render through xfade — and look the same as
 * the npm build's alpha-fade crossfade: a blend of both scenes mid-way.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Timeline } from '../runtime/contract/index.js';
import { ffmpegHasFilter } from '../runtime/media/capabilities.js';
import { assemblyGraph, makeAssets, shortEpisode } from './fixtures/assembly-graph.js';
import { grabFrame, meanColour } from './fixtures/frames.js';
import { createHarness } from './fixtures/harness.js';

const SYSTEM_FFMPEG = '/usr/bin/ffmpeg';
const available = existsSync(SYSTEM_FFMPEG);
if (!available) {
  if (process.env.CI === 'true') throw new Error(`${SYSTEM_FFMPEG} is missing: .ci/run installs Debian's ffmpeg for this test`);
  console.warn(`SKIPPING the xfade render test: no ${SYSTEM_FFMPEG} (apt-get install ffmpeg)`);
}

let assets: string;
beforeAll(async () => {
  // For this file only, and before the first ffmpegPath() (which remembers it): other files in the same worker keep their ffmpeg.
  if (available) vi.stubEnv('REELGRAPH_FFMPEG', SYSTEM_FFMPEG);
  assets = await mkdtemp(join(tmpdir(), 'reelgraph-xfade-'));
  if (available) await makeAssets(assets);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(assets, { recursive: true, force: true });
});

describe.runIf(available)('crossfade through xfade', () => {
  it('detects xfade and renders the crossfade with it', async () => {
    expect(await ffmpegHasFilter('xfade')).toBe(true);
    expect(await ffmpegHasFilter('no-such-filter')).toBe(false);
    const h = await createHarness();
    try {
      const result = await h.run(assemblyGraph({ assetRoot: assets, width: 320, height: 180, transition: 'crossfade' }), { inputs: { episode: shortEpisode } });
      expect(result.status, result.error?.message).toBe('done');
      const file = await h.engine.services.artifacts.localPath(result.outputs.video as { hash: string });
      const second = (result.outputs.timeline as Timeline).scenes[1]!;
      const corner = { x: 0, y: 0, width: 40, height: 40 };
      // Scene 1 is blue, scene 2 red: before the cut pure blue, half-way through the 0.5 s fade both.
      const before = meanColour(await grabFrame(file, Math.round(second.start * 30) - 3), corner);
      const during = meanColour(await grabFrame(file, Math.round((second.start + 0.25) * 30)), corner);
      const after = meanColour(await grabFrame(file, Math.round((second.start + 1) * 30)), corner);
      expect(before.b).toBeGreaterThan(before.r + 100);
      expect(during.r).toBeGreaterThan(60);
      expect(during.b).toBeGreaterThan(60);
      expect(after.r).toBeGreaterThan(after.b + 60);
    } finally {
      await h.dispose();
    }
  });
});
