/**
 * Render pieces share the cores among the pieces encoding at once: each x264
 * thread holds pictures of its own, and two pieces side by side encode as
 * fast with a thread each. The ffmpeg here is the real one behind a script
 * that writes down each piece encode's arguments and holds it until a second
 * piece encode has started, so the two surely overlap.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { encoderThreads } from '../nodes/assembly/render-chunk.node.js';
import { resolveToolPath } from '../runtime/media/binaries.js';
import { assemblyGraph, makeAssets, shortEpisode } from './fixtures/assembly-graph.js';
import { createHarness } from './fixtures/harness.js';

let dir: string;
let log: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelgraph-encoder-threads-'));
  log = join(dir, 'pieces.log');
  const wrapper = join(dir, 'ffmpeg');
  // A piece encode writes chunk-N.mp4; it waits (at most 10 s) for a second one to be written down before it runs.
  await writeFile(
    wrapper,
    [
      '#!/bin/bash',
      'case "$*" in',
      `  *chunk-*.mp4*) echo "$*" >> '${log}'`,
      `    for i in $(seq 1 200); do [ "$(grep -c chunk- '${log}')" -ge 2 ] && break; sleep 0.05; done ;;`,
      'esac',
      `exec '${resolveToolPath('ffmpeg')}' "$@"`,
      '',
    ].join('\n'),
  );
  await chmod(wrapper, 0o755);
  // For this file only, and before the first ffmpegPath() (which remembers it): other files in the same worker keep their ffmpeg.
  vi.stubEnv('REELGRAPH_FFMPEG', wrapper);
  await makeAssets(dir);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

describe('x264 threads in render pieces', () => {
  it('are the cores shared among the pieces encoding when one starts, never fewer than one', () => {
    expect([1, 2, 3].map((encoding) => encoderThreads(2, encoding))).toEqual([2, 1, 1]);
    expect([1, 2, 3].map((encoding) => encoderThreads(8, encoding))).toEqual([8, 4, 2]);
    expect(encoderThreads(1, 2)).toBe(1);
  });

  it.runIf(availableParallelism() >= 2)('give a piece that starts beside another fewer threads than one that starts alone', async () => {
    const h = await createHarness();
    try {
      const result = await h.run(assemblyGraph({ assetRoot: dir, width: 320, height: 180, captions: 'boxed' }), { inputs: { episode: shortEpisode } });
      expect(result.status, result.error?.message).toBe('done');
      const threads = (await readFile(log, 'utf8'))
        .trim()
        .split('\n')
        // The encoder's -threads comes after the filtergraph; each input's decoder has its own before it.
        .map((line) => Number(/-filter_complex .* -threads (\d+) /.exec(line)?.[1]));
      expect(threads.length).toBeGreaterThanOrEqual(2);
      const cores = availableParallelism();
      // The first two overlap (the script holds the first until the second starts): one had the cores, one shared them.
      expect(threads.slice(0, 2).sort((a, b) => a - b)).toEqual([Math.floor(cores / 2), cores]);
    } finally {
      await h.dispose();
    }
  });
});
