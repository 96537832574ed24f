/** The example voice chain against a local ElevenLabs: only the lines the cloud fails fall back, and the record says who spoke each. */
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphDocument, ItemEvent, Segment } from '../runtime/contract/index.js';
import { loadGraphFile } from '../runtime/graph-file.js';
import { createHarness, type Harness } from './fixtures/harness.js';
import { startFakeElevenLabs, type FakeElevenLabs } from './fixtures/fake-elevenlabs.js';

const repo = resolve(import.meta.dirname, '..');
const episode = `---
cast:
  ARIA: { voice: calm-female }
  KAEL: { voice: young-male }
---
**ARIA:** Hello? Is anyone still listening?

**KAEL:** Another dead block. Nothing but rust and rain.

**ARIA:** I can see you, Kael.

**KAEL:** How do you know my name?
`;

type Clip = { provider: string; segmentId: string; duration: number; words?: { word: string; start: number; end: number }[] };

let fake: FakeElevenLabs;
let h: Harness;
let g: GraphDocument;

beforeAll(async () => {
  // The cloud refuses two of the four lines, whatever order they arrive in.
  fake = await startFakeElevenLabs({ decide: (text) => (/Hello|name/.test(text) ? 'voice_not_found' : undefined) });
  h = await createHarness({
    realSleep: true,
    // ElevenLabs has a key here; Google has none, so it fails fast and the offline voice takes over.
    credentials: { get: async (name) => (name === 'elevenlabs' ? { apiKey: 'sk_test_fallback_key' } : undefined) },
  });
  g = (await loadGraphFile(join(repo, 'graphs/voices-fallback.json'))).graph;
  for (const node of g.nodes) if (node.id === 'eleven') node.params = { ...node.params, endpoint: fake.url };
});
afterAll(async () => {
  await h.dispose();
  await fake.close();
});

describe('voice fallback chain', () => {
  it('falls back only for the failed lines, and names the provider of each', async () => {
    const result = await h.run(g, { inputs: { episode } });
    expect(result.status).toBe('done');
    const clips = result.outputs.clips as Clip[];
    expect(clips.map((c) => c.provider)).toEqual(['flite', 'elevenlabs', 'elevenlabs', 'flite']);
    expect(result.nodes.find((n) => n.id === 'voice')?.providers).toEqual({ 0: 'offline', 1: 'eleven', 2: 'eleven', 3: 'offline' });

    const executed = (nodeId: string): number[] =>
      h.events
        .filter((e): e is ItemEvent => e.type === 'item' && e.nodeId === nodeId && (e.status === 'done' || e.status === 'failed'))
        .map((e) => e.index)
        .sort();
    expect(executed('eleven')).toEqual([0, 1, 2, 3]);
    expect(executed('google')).toEqual([0, 3]);
    expect(executed('offline')).toEqual([0, 3]);
    // The provider's voice per character came from the cast's providerVoices.
    expect(fake.requests.map((r) => decodeURIComponent(r.path.split('/')[3] ?? ''))).toEqual(expect.arrayContaining(['21m00Tcm4TlvDq8ikWAM', 'TxGEqnHWrfWFTfGW9XjX']));
  });

  it('puts the provider word timings on the finished clip, inside it', async () => {
    const result = await h.run(g, { inputs: { episode } });
    const cloud = (result.outputs.clips as Clip[]).filter((c) => c.provider === 'elevenlabs');
    for (const clip of cloud) {
      expect(clip.words?.length).toBeGreaterThan(3);
      const words = clip.words ?? [];
      for (const [i, w] of words.entries()) {
        expect(w.start).toBeGreaterThanOrEqual(0);
        expect(w.end).toBeLessThanOrEqual(clip.duration);
        if (i > 0) expect(w.start).toBeGreaterThanOrEqual((words[i - 1] as { start: number }).start);
      }
    }
    // A paid result is never requested twice (the second run served both from the cache);
    // lines the cloud refused are asked again, since a refusal is not a result.
    const asked = (text: string): number => fake.requests.filter((r) => JSON.stringify(r.body).includes(text)).length;
    expect(asked('Another dead block')).toBe(1);
    expect(asked('I can see you')).toBe(1);
    expect(asked('Hello?')).toBe(2);
  });
});

describe('long lines', () => {
  it('splits a line over the provider limit at sentences and joins the audio into one clip', async () => {
    const { startFakeOpenAiSpeech, FAKE_SECONDS_PER_WORD } = await import('./fixtures/fake-openai-speech.js');
    const server = await startFakeOpenAiSpeech();
    try {
      const sentence = 'The machines hummed in the dark while the city slept under the rain. ';
      const line = sentence.repeat(70).trim(); // ~4,800 characters: over the 4,096 limit of the speech API
      const words = line.split(/\s+/).length;
      // The script already cuts long narration into short segments, so the segment is handed to the voice as is:
      // a real one from a short line, given the long text (as another script source or an API caller may send).
      const parseOnly = structuredClone(g);
      parseOnly.nodes = parseOnly.nodes.filter((n) => n.id === 'parse');
      parseOnly.edges = [{ from: '$input.episode', to: 'parse.markdown' }];
      parseOnly.outputs = { speakable: 'parse.speakable' };
      const parsed = await h.run(parseOnly, { inputs: { episode: '**KAEL:** Hi.' } });
      const [short] = parsed.outputs.speakable as Segment[];
      const segment: Segment = { ...(short as Segment), id: 'long-line', speechText: line, displayText: line, words };
      const voices = structuredClone(g);
      voices.inputs = { ...voices.inputs, segments: { type: 'Segment', list: true } };
      voices.nodes = voices.nodes.filter((n) => ['parse', 'cast'].includes(n.id));
      voices.nodes.push({ id: 'speak', type: 'voice.tts', typeVersion: 1, position: { x: 0, y: 0 }, params: { provider: 'openai', endpoint: server.url, padMs: 0 } });
      voices.edges = [
        { from: '$input.episode', to: 'parse.markdown' },
        { from: 'parse.script', to: 'cast.script' },
        { from: '$input.segments', to: 'speak.segments' },
        { from: 'cast.casting', to: 'speak.casting' },
      ];
      voices.outputs = { clips: 'speak.clips' };
      const result = await h.run(voices, { inputs: { episode: '**KAEL:** Hi.', segments: [segment] } });
      expect(result.status).toBe('done');
      expect(server.requests).toHaveLength(2);
      const [clip] = result.outputs.clips as Clip[];
      // The fake speaks 0.3 s per word; both halves must be in the one clip.
      expect(clip?.duration).toBeGreaterThan(words * FAKE_SECONDS_PER_WORD * 0.95);
    } finally {
      await server.close();
    }
  });
});

describe('a provider asking to wait longer than the node accepts', () => {
  const patient = `---
cast:
  ARIA: { voice: calm-female }
  KAEL: { voice: young-male }
---
**ARIA:** The tower lights went out at midnight.

**KAEL:** Then we walk in the dark.
`;

  it('fails the item at once so the fallback speaks it, naming the stated wait; a short Retry-After is still honoured', async () => {
    let shortWaits = 0;
    const slow = await startFakeElevenLabs({
      decide: (text) => {
        // An hour is far beyond the default 60 s limit; one second is well inside it (asked once, then served).
        if (/tower lights/.test(text)) return { kind: 'rate_limited', retryAfter: '3600' };
        if (/walk in the dark/.test(text) && shortWaits++ === 0) return { kind: 'rate_limited', retryAfter: '1' };
        return undefined;
      },
    });
    const own = await createHarness({
      realSleep: true,
      credentials: { get: async (name) => (name === 'elevenlabs' ? { apiKey: 'sk_test_fallback_key' } : undefined) },
    });
    try {
      const voices = structuredClone(g);
      for (const node of voices.nodes) if (node.id === 'eleven') node.params = { ...node.params, endpoint: slow.url };
      // Without the bound this run sleeps for an hour and the test times out.
      const result = await own.run(voices, { inputs: { episode: patient } });
      expect(result.status).toBe('done');
      expect(result.nodes.find((n) => n.id === 'voice')?.providers).toEqual({ 0: 'offline', 1: 'eleven' });

      const asked = (text: string): number => slow.requests.filter((r) => JSON.stringify(r.body).includes(text)).length;
      expect(asked('tower lights')).toBe(1);
      expect(asked('walk in the dark')).toBe(2);

      const retries = own.events.filter((e) => e.type === 'retry' && e.nodeId === 'eleven') as Array<{ index?: number; delayMs: number }>;
      expect(retries.map((r) => [r.index, r.delayMs])).toEqual([[1, 1000]]);

      const failed = own.events.find((e): e is ItemEvent => e.type === 'item' && e.nodeId === 'eleven' && e.index === 0 && e.status === 'failed');
      expect(failed?.error?.code).toBe('TRANSIENT');
      expect(failed?.error?.message).toMatch(/elevenlabs: HTTP 429.*asked to wait 3600 s \(Retry-After\), more than node "eleven"'s 60 s limit/);
      expect(failed?.error?.location).toMatchObject({ nodeId: 'eleven', item: 0 });
    } finally {
      await own.dispose();
      await slow.close();
    }
  }, 60_000);
});
