/** The optional system voice: real eSpeak NG when installed (.ci/run installs it), a clear error when not. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '../runtime/contract/index.js';
import { probeMedia } from '../runtime/media/probe.js';
import { espeakProvider, espeakVoice, findEspeak } from '../nodes/voice/providers/espeak.js';

let dir: string;
const installed = await findEspeak();
const request = (voice: string, workDir: string, text = 'The grid went dark a long time ago.') => ({
  text,
  settings: { voice },
  workDir,
  signal: new AbortController().signal,
  credentials: { get: async () => undefined },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelgraph-espeak-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('eSpeak NG provider', () => {
  it('maps presets, speed and pitch into eSpeak terms', () => {
    expect(espeakVoice({ voice: 'deep-male' })).toEqual({ voice: 'en-us+m3', pitch: 25, wpm: 150 });
    expect(espeakVoice({ voice: 'calm-female', speed: 1.2, pitch: 2 })).toEqual({ voice: 'en-us+f3', pitch: 63, wpm: 186 });
    expect(espeakVoice({ voice: 'en-gb', pitch: 40 })).toMatchObject({ voice: 'en-gb', pitch: 99 });
  });

  it('fails fast and clearly when espeak-ng is missing, so a fallback moves on', async () => {
    const saved = process.env.REELGRAPH_ESPEAK;
    process.env.REELGRAPH_ESPEAK = join(dir, 'no-such-espeak');
    try {
      await expect(espeakProvider.synthesize(request('deep-male', dir))).rejects.toThrow(PermanentError);
      await expect(espeakProvider.synthesize(request('deep-male', dir))).rejects.toThrow(/apt-get install espeak-ng/);
    } finally {
      if (saved === undefined) delete process.env.REELGRAPH_ESPEAK;
      else process.env.REELGRAPH_ESPEAK = saved;
    }
  });

  it.skipIf(!installed)('speaks real audio in distinct voices, and treats text starting with "-" as text', async () => {
    const deep = await espeakProvider.synthesize(request('deep-male', await mkdtemp(join(dir, 'a-'))));
    const bright = await espeakProvider.synthesize(request('bright-female', await mkdtemp(join(dir, 'b-'))));
    const dash = await espeakProvider.synthesize(request('neutral-male', await mkdtemp(join(dir, 'c-')), '--help me, please'));
    for (const result of [deep, bright, dash]) expect((await probeMedia(result.path)).duration).toBeGreaterThan(0.5);
    // The bright voice speaks faster: the same words take less time.
    expect((await probeMedia(bright.path)).duration).toBeLessThan((await probeMedia(deep.path)).duration as number);
  });
});
