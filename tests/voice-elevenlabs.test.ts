/** ElevenLabs client against a local fake: request shape, real audio, word timings, and every failure as a typed error. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CancelledError, PermanentError, ReelgraphError, TimeoutError, TransientError } from '../runtime/contract/index.js';
import { probeMedia } from '../runtime/media/probe.js';
import {
  createElevenLabsProvider,
  elevenLabsProvider,
  wordTimings,
} from '../nodes/voice/providers/elevenlabs.js';
import type { SynthesisRequest, VoiceSettings } from '../nodes/voice/providers/provider.js';
import { splitForProvider } from '../nodes/voice/providers/split.js';
import { FAKE_AUDIO_SECONDS, startFakeElevenLabs, type FakeBehaviour, type FakeElevenLabs } from './fixtures/fake-elevenlabs.js';

const API_KEY = 'sk_test_DISTINCTIVE_9f3a7c1e5b';
const TEXT = 'The grid went dark, and nobody came back.';
const VOICE = 'voice/with space';

let fake: FakeElevenLabs;
let workDir: string;
/** Short deadline so the hang case takes a fraction of a second, not a minute. */
const provider = createElevenLabsProvider({ requestTimeoutMs: 300 });

beforeAll(async () => {
  fake = await startFakeElevenLabs();
  workDir = await mkdtemp(join(tmpdir(), 'reelgraph-elevenlabs-'));
});

afterAll(async () => {
  await fake.close();
  await rm(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  fake.requests.length = 0;
});

function request(overrides: Partial<SynthesisRequest> = {}, settings: Partial<VoiceSettings> = {}): SynthesisRequest {
  return {
    text: TEXT,
    settings: { voice: VOICE, speed: 1.1, ...settings },
    endpoint: fake.url,
    workDir,
    signal: new AbortController().signal,
    credentials: { get: async (name) => (name === 'elevenlabs' ? { apiKey: API_KEY } : undefined) },
    ...overrides,
  };
}

async function failure(behaviour: FakeBehaviour['kind'] | FakeBehaviour): Promise<ReelgraphError> {
  fake.script([behaviour]);
  const error = await provider.synthesize(request()).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReelgraphError);
  const typed = error as ReelgraphError;
  expect(typed.message).not.toContain(API_KEY);
  expect(JSON.stringify(typed)).not.toContain(API_KEY);
  return typed;
}

describe('elevenlabs: success', () => {
  it('writes real audio and derives word timings from the alignment', async () => {
    const result = await provider.synthesize(request());
    expect(result.path).toBe(join(workDir, 'elevenlabs.mp3'));
    expect(result.voice).toBe(VOICE);
    expect(result.model).toBe('eleven_multilingual_v2');

    const info = await probeMedia(result.path);
    expect(info.duration).toBeGreaterThan(FAKE_AUDIO_SECONDS - 0.1);
    expect(info.duration).toBeLessThan(FAKE_AUDIO_SECONDS + 0.15);
    expect(info.streams.some((s) => s.type === 'audio')).toBe(true);

    const words = result.words ?? [];
    expect(words.map((w) => w.word)).toEqual(TEXT.split(/\s+/));
    for (const [i, word] of words.entries()) {
      expect(word.end).toBeGreaterThan(word.start);
      if (i > 0) expect(word.start).toBeGreaterThanOrEqual((words[i - 1] as { end: number }).end);
    }
    expect(words[0]?.start).toBe(0);
    expect(words.at(-1)?.end).toBeCloseTo(FAKE_AUDIO_SECONDS, 2);
    expect(JSON.stringify(result)).not.toContain(API_KEY);
  });

  it('reports the characters as billable usage once the request is accepted, and nothing for a refused one', async () => {
    const usage: unknown[] = [];
    await provider.synthesize(request({ model: 'eleven_flash_v2_5', usage: (entry) => void usage.push(entry) }));
    expect(usage).toEqual([{ provider: 'elevenlabs', unit: 'characters', quantity: TEXT.length, model: 'eleven_flash_v2_5' }]);

    usage.length = 0;
    fake.script(['voice_not_found']);
    await expect(provider.synthesize(request({ usage: (entry) => void usage.push(entry) }))).rejects.toBeInstanceOf(PermanentError);
    expect(usage).toEqual([]);
  });

  it('sends the documented request', async () => {
    await provider.synthesize(request({ model: 'eleven_flash_v2_5' }, { speed: 3, style: '0.4' }));
    const [sent] = fake.requests;
    expect(sent?.path).toBe('/v1/text-to-speech/voice%2Fwith%20space/with-timestamps?output_format=mp3_44100_128');
    expect(sent?.headers['xi-api-key']).toBe(API_KEY);
    expect(sent?.headers['content-type']).toBe('application/json');
    // Speed is clamped to the documented 0.7–1.2.
    expect(sent?.body).toEqual({ text: TEXT, model_id: 'eleven_flash_v2_5', voice_settings: { speed: 1.2, style: 0.4 } });
  });

  it('leaves out a style that is not an ElevenLabs number', async () => {
    await provider.synthesize(request({}, { speed: 0.2, style: 'whisper' }));
    expect(fake.requests[0]?.body).toMatchObject({ model_id: 'eleven_multilingual_v2', voice_settings: { speed: 0.7 } });
    expect((fake.requests[0]?.body as { voice_settings: object }).voice_settings).not.toHaveProperty('style');
  });
});

describe('elevenlabs: failures are typed errors', () => {
  const cases: Array<{ name: string; behaviour: FakeBehaviour; type: typeof PermanentError | typeof TransientError | typeof TimeoutError; retryable: boolean; message: RegExp; retryAfterMs?: number }> = [
    { name: '401 invalid key', behaviour: { kind: 'invalid_api_key' }, type: PermanentError, retryable: false, message: /elevenlabs: HTTP 401: invalid_api_key: Invalid API key: \*\*\*/ },
    { name: '401 quota', behaviour: { kind: 'quota_exceeded' }, type: PermanentError, retryable: false, message: /HTTP 401: quota_exceeded.*out of quota/ },
    { name: '400 quota', behaviour: { kind: 'quota_exceeded', status: 400 }, type: PermanentError, retryable: false, message: /HTTP 400: quota_exceeded.*out of quota/ },
    { name: '404 voice', behaviour: { kind: 'voice_not_found' }, type: PermanentError, retryable: false, message: /HTTP 404: voice "voice\/with space" not found/ },
    { name: '400 voice', behaviour: { kind: 'voice_not_found', status: 400 }, type: PermanentError, retryable: false, message: /HTTP 400: voice "voice\/with space" not found/ },
    { name: '422 validation', behaviour: { kind: 'validation' }, type: PermanentError, retryable: false, message: /HTTP 422: body\.voice_settings\.speed: ensure this value/ },
    { name: '429 without Retry-After', behaviour: { kind: 'rate_limited' }, type: TransientError, retryable: true, message: /HTTP 429: too_many_concurrent_requests/ },
    { name: '429 with Retry-After', behaviour: { kind: 'rate_limited', retryAfter: '2' }, type: TransientError, retryable: true, message: /HTTP 429/, retryAfterMs: 2000 },
    { name: '500', behaviour: { kind: 'server_error' }, type: TransientError, retryable: true, message: /elevenlabs: HTTP 500: Internal Server Error/ },
    { name: '503', behaviour: { kind: 'server_error', status: 503 }, type: TransientError, retryable: true, message: /elevenlabs: HTTP 503/ },
    { name: 'hang', behaviour: { kind: 'hang' }, type: TimeoutError, retryable: true, message: /elevenlabs: no answer within 300 ms/ },
    { name: 'truncated body', behaviour: { kind: 'truncated' }, type: TransientError, retryable: true, message: /elevenlabs: (connection dropped|response truncated)/ },
    { name: 'non-audio', behaviour: { kind: 'non_audio' }, type: TransientError, retryable: true, message: /elevenlabs: returned non-audio/ },
    { name: 'empty audio', behaviour: { kind: 'empty_audio' }, type: TransientError, retryable: true, message: /elevenlabs: returned no audio/ },
    { name: 'mismatched alignment', behaviour: { kind: 'mismatched_alignment' }, type: TransientError, retryable: true, message: /elevenlabs: returned a malformed alignment/ },
    { name: 'invalid JSON', behaviour: { kind: 'invalid_json' }, type: TransientError, retryable: true, message: /elevenlabs: returned a body that is not JSON/ },
  ];

  it.each(cases)('$name', async ({ behaviour, type, retryable, message, retryAfterMs }) => {
    const error = await failure(behaviour);
    expect(error).toBeInstanceOf(type);
    expect(error.retryable).toBe(retryable);
    expect(error.message).toMatch(message);
    expect(error.retryAfterMs).toBe(retryAfterMs);
  });

  it('asks for ELEVENLABS_API_KEY when no credential is configured, before any request', async () => {
    const error = await provider.synthesize(request({ credentials: { get: async () => undefined } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(/ELEVENLABS_API_KEY/);
    expect(fake.requests).toHaveLength(0);
  });

  it('rejects promptly with the abort reason', async () => {
    fake.script(['hang']);
    const controller = new AbortController();
    const started = Date.now();
    const pending = createElevenLabsProvider().synthesize(request({ signal: controller.signal }));
    setTimeout(() => controller.abort(new CancelledError()), 50);
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('elevenlabs: provider surface', () => {
  it('has a stable identity from what is sent, and no voice list', () => {
    expect(elevenLabsProvider.id).toBe('elevenlabs');
    expect(elevenLabsProvider.title).toBe('ElevenLabs');
    expect(elevenLabsProvider.maxCharacters).toBe(10_000);
    expect(elevenLabsProvider.voices()).toEqual([]);
    expect(elevenLabsProvider.identity({ voice: 'abc', speed: 1.1 })).toBe('elevenlabs:abc:1.1');
    expect(elevenLabsProvider.identity({ voice: 'abc', speed: 5 })).toBe(elevenLabsProvider.identity({ voice: 'abc', speed: 1.2 }));
    expect(elevenLabsProvider.identity({ voice: 'abc', style: '0.5' })).toBe('elevenlabs:abc:1:style=0.5');
  });

  it('derives word timings across runs of whitespace', () => {
    const chars = Array.from('Hi  there\nyou');
    const alignment = {
      characters: chars,
      character_start_times_seconds: chars.map((_, i) => i / 10),
      character_end_times_seconds: chars.map((_, i) => (i + 1) / 10),
    };
    expect(wordTimings(alignment)).toEqual([
      { word: 'Hi', start: 0, end: 0.2 },
      { word: 'there', start: 0.4, end: 0.9 },
      { word: 'you', start: 1, end: 1.3 },
    ]);
  });
});

describe('splitForProvider', () => {
  it.each([
    { name: 'short text stays whole', text: 'Hello there.', max: 50, chunks: ['Hello there.'] },
    { name: 'empty text', text: '   ', max: 10, chunks: [] },
    { name: 'packs whole sentences', text: 'One two. Three four. Five six.', max: 20, chunks: ['One two. Three four.', 'Five six.'] },
    { name: 'one sentence per chunk', text: 'First one here. Second one here!', max: 16, chunks: ['First one here.', 'Second one here!'] },
    { name: 'long sentence at commas', text: 'Alpha beta, gamma delta, epsilon zeta.', max: 14, chunks: ['Alpha beta,', 'gamma delta,', 'epsilon zeta.'] },
    { name: 'then at spaces', text: 'aaa bbb ccc ddd', max: 7, chunks: ['aaa bbb', 'ccc ddd'] },
    { name: 'an oversized word is cut', text: 'abcdefghij', max: 4, chunks: ['abcd', 'efgh', 'ij'] },
    { name: 'a short text keeps its newlines', text: 'Line one.\n\nLine two.', max: 100, chunks: ['Line one.\n\nLine two.'] },
    { name: 'paragraphs split when too long', text: 'Line one.\n\nLine two.', max: 12, chunks: ['Line one.', 'Line two.'] },
    { name: 'surrogate pairs stay whole', text: '😀😀😀', max: 3, chunks: ['😀', '😀', '😀'] },
    // The script's sentence splitter: a title's period ends no sentence, so "Dr." stays with the name.
    { name: 'a title stays with its name', text: 'Hi. Dr. Smith is here.', max: 20, chunks: ['Hi.', 'Dr. Smith is here.'] },
  ])('$name', ({ text, max, chunks }) => {
    const out = splitForProvider(text, max);
    expect(out).toEqual(chunks);
    for (const chunk of out) expect(chunk.length).toBeLessThanOrEqual(max);
  });

  it('keeps every word, in order, on a long text', () => {
    const text = Array.from({ length: 400 }, (_, i) => `Sentence number ${i}, with a clause.`).join(' ');
    const out = splitForProvider(text, 1_000);
    expect(out.length).toBeGreaterThan(1);
    expect(out.every((c) => c.length <= 1_000 && /\.$/.test(c))).toBe(true);
    expect(out.join(' ').split(/\s+/)).toEqual(text.split(/\s+/));
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => splitForProvider('x', 0)).toThrow(RangeError);
  });
});
