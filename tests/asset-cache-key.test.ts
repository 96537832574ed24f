/**
 * A node that reads asset files is keyed by their bytes: replacing a music
 * bed or a cue sound under the same name must not reuse a timeline made
 * from the old file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashJson } from '../runtime/engine/hash.js';
import timeline from '../nodes/assembly/timeline.node.js';
import { withDeploymentAssetRoots } from './fixtures/asset-roots.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reelgraph-asset-key-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const keyOf = (params: Record<string, unknown>): string => {
  const view = timeline.cacheKeyInputs?.({ script: { title: 'x' } }, params as never);
  expect(view, 'assembly.timeline must say what its result depends on').toBeDefined();
  return hashJson(view);
};

describe('assembly.timeline cache key', () => {
  it('changes when the music bed or a cue sound is replaced under the same name, and only then', async () => {
    await withDeploymentAssetRoots([root], async () => {
      const params = { music: 'bed.wav', cueSounds: { glitch: 'hit.wav' }, musicGainDb: -16, duckingDb: 12 };
      await writeFile(join(root, 'bed.wav'), 'first bed');
      await writeFile(join(root, 'hit.wav'), 'first hit');
      const first = keyOf(params);
      expect(keyOf(params)).toBe(first);

      await writeFile(join(root, 'bed.wav'), 'second bed');
      const afterMusic = keyOf(params);
      expect(afterMusic).not.toBe(first);

      await writeFile(join(root, 'hit.wav'), 'second hit');
      expect(keyOf(params)).not.toBe(afterMusic);
    });
  });
});
