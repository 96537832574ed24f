/** Google Cloud Text-to-Speech client against a local fake speaking Google's wire format. */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError, ReelgraphError, TimeoutError, TransientError, type CredentialsLookup } from '../runtime/contract/index.js';
import { probeMedia } from '../runtime/media/probe.js';
import {
  buildSsml,
  createGoogleProvider,
  escapeXml,
  GOOGLE_MAX_CHARACTERS,
  GOOGLE_MAX_SSML_BYTES,
  googleProvider,
  googleVoiceConfig,
  parseWav,
  splitWords,
  wordTimings,
} from '../nodes/voice/providers/google.js';
import type { SynthesisRequest } from '../nodes/voice/providers/provider.js';
import { FAKE_SECONDS_PER_WORD, startFakeGoogleTts, wav, type FakeGoogleBehaviour, type FakeGoogleTts } from './fixtures/fake-google-tts.js';

const KEY = 'AIzaFAKE-secret-key_0123456789';
const credentials: CredentialsLookup = { get: async (name) => (name === 'google-tts' ? { apiKey: KEY } : undefined) };
const noCredentials: CredentialsLookup = { get: async () => undefined };

let fake: FakeGoogleTts;
let workDir: string;
/** Short deadline so the hanging case fails fast. */
const provider = createGoogleProvider({ timeoutMs: 500 });

beforeAll(async () => {
  fake = await startFakeGoogleTts();
  workDir = await mkdtemp(join(tmpdir(), 'reelgraph-google-'));
});

afterAll(async () => {
  await fake.close();
  await rm(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  fake.requests.length = 0;
});

function request(overrides: Partial<SynthesisRequest> = {}): SynthesisRequest {
  return {
    text: 'The grid went dark long ago.',
    settings: { voice: 'en-US-Neural2-F' },
    endpoint: fake.url,
    workDir,
    signal: new AbortController().signal,
    credentials,
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<ReelgraphError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ReelgraphError);
  return error as ReelgraphError;
}

/** The key must not show in the message, the serialised error, or anything it wraps. */
function expectNoKey(error: unknown): void {
  expect(inspect(error, { depth: 10 })).not.toContain(KEY);
  expect(JSON.stringify(error)).not.toContain(KEY);
}

describe('googleProvider', () => {
  it('describes itself', () => {
    expect(googleProvider.id).toBe('google');
    expect(googleProvider.title).toBe('Google Cloud Text-to-Speech');
    expect(googleProvider.voices()).toEqual([]);
    expect(googleProvider.identity({ voice: 'en-US-Neural2-F' })).toBe('google:en-US-Neural2-F:1:0');
    expect(googleProvider.identity({ voice: 'en-GB-Wavenet-B', speed: 1.25, pitch: -3 })).toBe('google:en-GB-Wavenet-B:1.25:-3');
    // Clamped values: settings that sound the same share a cache entry.
    expect(googleProvider.identity({ voice: 'en-US-Neural2-F', speed: 9, pitch: 50 })).toBe('google:en-US-Neural2-F:4:20');
  });

  it('synthesises a 48 kHz WAV with one monotonic timing per word', async () => {
    const text = 'The grid went dark long ago.';
    const result = await provider.synthesize(request({ text, settings: { voice: 'en-US-Neural2-F', speed: 1.1, pitch: 2 } }));

    expect(result.path).toBe(join(workDir, 'google.wav'));
    expect(result.voice).toBe('en-US-Neural2-F');
    const info = await probeMedia(result.path);
    expect(info.sampleRate).toBe(48_000);
    expect(info.channels).toBe(1);
    expect(info.duration).toBeCloseTo(6 * FAKE_SECONDS_PER_WORD, 2);

    const words = result.words ?? [];
    expect(words.map((w) => w.word)).toEqual(text.split(' '));
    expect(words[0]?.start).toBe(0);
    for (const [i, w] of words.entries()) {
      expect(w.end).toBeGreaterThan(w.start);
      expect(w.start).toBeCloseTo(i * FAKE_SECONDS_PER_WORD, 3);
      if (i > 0) expect(w.start).toBeGreaterThanOrEqual(words[i - 1]?.end ?? Infinity);
    }
    expect(words.at(-1)?.end).toBeCloseTo(info.duration ?? NaN, 2);
  });

  it('sends the documented request shape', async () => {
    await provider.synthesize(request({ text: 'Hello there', settings: { voice: 'en-GB-Wavenet-B', speed: 10, pitch: -30 } }));
    expect(fake.requests).toHaveLength(1);
    const sent = fake.requests[0];
    expect(sent?.method).toBe('POST');
    expect(sent?.path).toBe('/v1beta1/text:synthesize');
    expect(sent?.key).toBe(KEY);
    expect(sent?.body).toEqual({
      input: { ssml: '<speak><mark name="w0"/>Hello <mark name="w1"/>there<mark name="end"/></speak>' },
      voice: { languageCode: 'en-GB', name: 'en-GB-Wavenet-B' },
      audioConfig: { audioEncoding: 'LINEAR16', sampleRateHertz: 48_000, speakingRate: 4, pitch: -20 },
      enableTimePointing: ['SSML_MARK'],
    });
  });

  it('escapes hostile text so it stays text (the fake rejects stray markup)', async () => {
    const text = 'a < b & "c" </speak><audio src=x/>';
    const result = await provider.synthesize(request({ text }));
    const ssml = (fake.requests[0]?.body as { input: { ssml: string } }).input.ssml;
    expect(ssml).not.toContain('<audio');
    expect(ssml.match(/<\/speak>/g)).toHaveLength(1);
    expect(ssml).toContain('&lt;/speak&gt;&lt;audio');
    expect(ssml).toContain('&quot;c&quot;');
    expect(result.words?.map((w) => w.word)).toEqual(splitWords(text));
  });

  it('returns no word timings when Google sends no timepoints', async () => {
    fake.script(['no-timepoints']);
    const result = await provider.synthesize(request());
    expect(result.words).toBeUndefined();
    expect((await probeMedia(result.path)).duration).toBeGreaterThan(0);
  });

  const cases: Array<{ behaviour: FakeGoogleBehaviour; type: typeof PermanentError | typeof TransientError | typeof TimeoutError; retryable: boolean; message: RegExp; retryAfterMs?: number }> = [
    { behaviour: 'invalid-argument', type: PermanentError, retryable: false, message: /^google: HTTP 400: INVALID_ARGUMENT: Voice/ },
    { behaviour: 'unauthenticated', type: PermanentError, retryable: false, message: /^google: HTTP 401: UNAUTHENTICATED: .*key=\*\*\*/ },
    { behaviour: 'quota', type: PermanentError, retryable: false, message: /^google: HTTP 403: PERMISSION_DENIED: .*billing.*\(out of quota or credit\)$/ },
    { behaviour: 'rate-limited', type: TransientError, retryable: true, message: /^google: HTTP 429: RESOURCE_EXHAUSTED/, retryAfterMs: 3000 },
    { behaviour: 'internal', type: TransientError, retryable: true, message: /^google: HTTP 500: INTERNAL/ },
    { behaviour: 'unavailable', type: TransientError, retryable: true, message: /^google: HTTP 503: UNAVAILABLE/ },
    { behaviour: 'hang', type: TimeoutError, retryable: true, message: /^google: no answer within 500 ms/ },
    { behaviour: 'truncated', type: TransientError, retryable: true, message: /^google: (connection dropped|response truncated)/ },
    { behaviour: 'non-audio', type: TransientError, retryable: true, message: /^google: HTTP 200: the audio is not a LINEAR16 WAV/ },
    { behaviour: 'empty-audio', type: TransientError, retryable: true, message: /^google: HTTP 200: the response has no audio/ },
    { behaviour: 'invalid-json', type: TransientError, retryable: true, message: /^google: HTTP 200: the response is not JSON/ },
  ];

  it.each(cases)('$behaviour → $type.name', async ({ behaviour, type, retryable, message, retryAfterMs }) => {
    fake.script([behaviour]);
    const error = await failure(provider.synthesize(request()));
    expect(error).toBeInstanceOf(type);
    expect(error.retryable).toBe(retryable);
    expect(error.retryAfterMs).toBe(retryAfterMs);
    expect(error.message).toMatch(message);
    expectNoKey(error);
  });

  it('keeps the key out of transport errors', async () => {
    const port = await closedPort();
    const error = await failure(provider.synthesize(request({ endpoint: `http://127.0.0.1:${port}` })));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/^google: could not reach 127\.0\.0\.1:\d+/);
    expectNoKey(error);
  });

  it('asks for GOOGLE_TTS_API_KEY when no key is configured', async () => {
    const error = await failure(provider.synthesize(request({ credentials: noCredentials })));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('GOOGLE_TTS_API_KEY');
    expect(fake.requests).toHaveLength(0);
    // Even when the casting names another provider's voice: the missing key is the reason Google was skipped.
    const offlineCast = await failure(provider.synthesize(request({ credentials: noCredentials, settings: { voice: 'young-male' } })));
    expect(offlineCast.message).toContain('GOOGLE_TTS_API_KEY');
  });

  it('refuses text whose SSML is over 5,000 bytes without calling Google', async () => {
    const error = await failure(provider.synthesize(request({ text: 'a '.repeat(400) })));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/over Google's 5000-byte limit/);
    expect(fake.requests).toHaveLength(0);
  });

  it('rejects promptly when the run is cancelled', async () => {
    fake.script(['hang']);
    const controller = new AbortController();
    const slow = createGoogleProvider({ timeoutMs: 60_000 });
    const started = Date.now();
    const pending = slow.synthesize(request({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow(/abort/i);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('Google helpers', () => {
  it('escapes &, <, >, quotes and drops XML-illegal control characters', () => {
    expect(escapeXml(`a < b & "c" 'd' >\u0007`)).toBe('a &lt; b &amp; &quot;c&quot; &apos;d&apos; &gt;');
    expect(buildSsml(['</speak><audio', 'src=x/>'])).toBe('<speak><mark name="w0"/>&lt;/speak&gt;&lt;audio <mark name="w1"/>src=x/&gt;<mark name="end"/></speak>');
  });

  it('keeps ordinary prose at maxCharacters under the SSML byte limit', () => {
    const prose = 'The grid went dark a long time ago, and nobody came back to see what was left of the city. '.repeat(20).slice(0, GOOGLE_MAX_CHARACTERS);
    expect(Buffer.byteLength(buildSsml(splitWords(prose)))).toBeLessThan(GOOGLE_MAX_SSML_BYTES);
  });

  it('derives the language from the voice name and clamps prosody', () => {
    expect(googleVoiceConfig({ voice: 'cmn-CN-Wavenet-A', speed: 0.1, pitch: 5 })).toEqual({ name: 'cmn-CN-Wavenet-A', languageCode: 'cmn-CN', speakingRate: 0.25, pitch: 5 });
    expect(googleVoiceConfig({ voice: 'es-419-Standard-A' }).languageCode).toBe('es-419');
    expect(() => googleVoiceConfig({ voice: 'calm-female' })).toThrow(PermanentError);
    expect(() => googleVoiceConfig({ voice: 'narrator' })).toThrow(/not a Google voice name/);
  });

  it('turns marks into word timings, falling back to end and the audio duration', () => {
    const words = ['one', 'two', 'three'];
    expect(wordTimings(words, [{ markName: 'w0' }, { markName: 'w1', timeSeconds: 0.4 }, { markName: 'w2', timeSeconds: 0.9 }, { markName: 'end', timeSeconds: 1.2 }], 1.5)).toEqual([
      { word: 'one', start: 0, end: 0.4 },
      { word: 'two', start: 0.4, end: 0.9 },
      { word: 'three', start: 0.9, end: 1.2 },
    ]);
    expect(wordTimings(words, [{ markName: 'w0' }, { markName: 'w1', timeSeconds: 0.4 }, { markName: 'w2', timeSeconds: 0.9 }], 1.5)?.at(-1)).toEqual({ word: 'three', start: 0.9, end: 1.5 });
    expect(wordTimings(words, [{ markName: 'w0' }, { markName: 'w2', timeSeconds: 0.9 }], 1.5)).toBeUndefined();
    expect(wordTimings(words, [], 1.5)).toBeUndefined();
    expect(wordTimings(words, undefined, 1.5)).toBeUndefined();
  });

  it('reads WAV headers and rejects anything else', () => {
    expect(parseWav(wav(new Int16Array(48_000), 48_000))).toEqual({ sampleRate: 48_000, channels: 1, bitsPerSample: 16, duration: 1 });
    expect(parseWav(Buffer.from('<html>not audio</html>'))).toBeUndefined();
    expect(parseWav(Buffer.alloc(0))).toBeUndefined();
  });
});

/** A port nothing listens on: bind one, then free it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

