/** OpenAI-compatible speech client against a local fake server: request shape, audio checks, typed errors, key hygiene. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CancelledError,
  PermanentError,
  ReelgraphError,
  serializeError,
  TimeoutError,
  TransientError,
  type CredentialsLookup,
} from '../runtime/contract/index.js';
import { probeMedia } from '../runtime/media/probe.js';
import {
  clampSpeed,
  createOpenAiSpeechProvider,
  errorDetail,
  openAiSpeechProvider,
  parseResetHeader,
  sniffAudio,
  speechRequestBody,
} from '../nodes/voice/providers/openai.js';
import type { SynthesisRequest } from '../nodes/voice/providers/provider.js';
import { FAKE_SECONDS_PER_WORD, sineWav, startFakeOpenAiSpeech, type FakeOpenAiSpeech, type FakeSpeechBehaviour } from './fixtures/fake-openai-speech.js';

const API_KEY = 'sk-test-Zq8vN3kL0pW7rT2yX5bM9cD4';
const TEXT = 'The grid went dark a long time ago.';

const withKey: CredentialsLookup = { get: async (name) => (name === 'openai' ? { apiKey: API_KEY } : undefined) };
const noCredentials: CredentialsLookup = { get: async () => undefined };

let server: FakeOpenAiSpeech;
let workDir: string;
/** A short deadline so the hanging server times out quickly. */
const provider = createOpenAiSpeechProvider({ timeoutMs: 500 });

beforeAll(async () => {
  server = await startFakeOpenAiSpeech();
  workDir = await mkdtemp(join(tmpdir(), 'reelgraph-openai-'));
});

afterAll(async () => {
  await server?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  server.script([]);
  server.requests.length = 0;
});

function request(overrides: Partial<SynthesisRequest> = {}): SynthesisRequest {
  return {
    text: TEXT,
    settings: { voice: 'alloy', speed: 1 },
    endpoint: server.url,
    workDir,
    signal: new AbortController().signal,
    credentials: withKey,
    ...overrides,
  };
}

async function failure(behaviour: FakeSpeechBehaviour, overrides: Partial<SynthesisRequest> = {}): Promise<ReelgraphError> {
  server.script([behaviour]);
  const error = await provider.synthesize(request(overrides)).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ReelgraphError);
  return error as ReelgraphError;
}

function expectNoKey(error: ReelgraphError): void {
  expect(error.message).not.toContain(API_KEY);
  expect(JSON.stringify(serializeError(error))).not.toContain(API_KEY);
  expect(String(error.stack)).not.toContain(API_KEY);
}

describe('openAiSpeechProvider', () => {
  it('describes itself', () => {
    expect(openAiSpeechProvider.id).toBe('openai');
    expect(openAiSpeechProvider.title).toBe('OpenAI-compatible speech');
    expect(openAiSpeechProvider.maxCharacters).toBe(4096);
    expect(openAiSpeechProvider.voices()).toEqual([]);
    expect(openAiSpeechProvider.identity({ voice: 'nova', speed: 1.25 })).toBe('openai:nova:1.25');
    expect(openAiSpeechProvider.identity({ voice: 'nova' })).toBe('openai:nova:1');
    expect(openAiSpeechProvider.identity({ voice: 'nova', speed: 9 })).toBe('openai:nova:4');
  });

  it('writes a WAV of the expected length and sends the documented request', async () => {
    const result = await provider.synthesize(request({ settings: { voice: 'nova', speed: 7 }, model: 'tts-1-hd' }));
    expect(result.path).toBe(join(workDir, 'openai.wav'));
    expect(result.words).toBeUndefined();
    expect(result.voice).toBe('nova');
    expect(result.model).toBe(`tts-1-hd@${new URL(server.url).host}`);

    const info = await probeMedia(result.path);
    expect(info.formatName).toBe('wav');
    const words = TEXT.split(/\s+/).length;
    expect(info.duration).toBeCloseTo(words * FAKE_SECONDS_PER_WORD, 2);
    expect(info.streams[0]).toMatchObject({ type: 'audio', sampleRate: 24_000, channels: 1 });

    expect(server.requests).toHaveLength(1);
    const sent = server.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1/audio/speech');
    expect(sent.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(sent.headers['content-type']).toBe('application/json');
    expect(sent.body).toEqual({ model: 'tts-1-hd', input: TEXT, voice: 'nova', response_format: 'wav', speed: 4, stream: false });
  });

  it('works without credentials against a self-hosted server (Kokoro), with no bearer header', async () => {
    const result = await provider.synthesize(request({ credentials: noCredentials, endpoint: `${server.url}/`, settings: { voice: 'af_heart' } }));
    expect((await probeMedia(result.path)).duration).toBeGreaterThan(0);
    const sent = server.requests[0]!;
    expect(sent.path).toBe('/v1/audio/speech');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toMatchObject({ model: 'tts-1', voice: 'af_heart', speed: 1, stream: false });
  });

  it('asks for OPENAI_API_KEY when api.openai.com has no key, before any request', async () => {
    const error = await openAiSpeechProvider.synthesize(request({ endpoint: undefined, credentials: noCredentials })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(/OPENAI_API_KEY/);
  });

  it('refuses text over the character limit without sending it', async () => {
    const error = await provider.synthesize(request({ text: 'a'.repeat(4097) })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(/4097 characters.*4096/);
    expect(server.requests).toHaveLength(0);
  });

  describe('failures', () => {
    const cases: Array<{
      behaviour: FakeSpeechBehaviour;
      type: typeof TransientError | typeof PermanentError;
      status: number;
      retryAfterMs?: number;
      message?: RegExp;
    }> = [
      { behaviour: 'invalid-key', type: PermanentError, status: 401, message: /Incorrect API key provided: \*\*\*.*OPENAI_API_KEY/ },
      { behaviour: 'quota', type: PermanentError, status: 429, message: /exceeded your current quota.*out of quota/ },
      { behaviour: 'rate-limit', type: TransientError, status: 429, retryAfterMs: 2000, message: /rate_limit_exceeded/ },
      { behaviour: 'rate-limit-reset', type: TransientError, status: 429, retryAfterMs: 1500 },
      { behaviour: 'unknown-voice', type: PermanentError, status: 400, message: /Invalid value: 'robot'.*voice "robot"/ },
      { behaviour: 'validation', type: PermanentError, status: 422, message: /body\.speed: Input should be less than or equal to 4/ },
      { behaviour: 'invalid-model', type: PermanentError, status: 400, message: /Unsupported model: tts-1 \(invalid_model\).*voice "robot", model "tts-1"/ },
      { behaviour: 'server-error', type: TransientError, status: 500, message: /Failed to generate audio/ },
      { behaviour: 'unavailable', type: TransientError, status: 503, message: /503 Service Unavailable/ },
    ];

    it.each(cases)('$behaviour → HTTP $status, $type.name', async ({ behaviour, type, status, retryAfterMs, message }) => {
      const error = await failure(behaviour, { settings: { voice: 'robot' } });
      expect(error).toBeInstanceOf(type);
      expect(error.retryable).toBe(type === TransientError);
      expect(error.retryAfterMs).toBe(retryAfterMs);
      expect(error.message).toMatch(new RegExp(`^openai \\(127\\.0\\.0\\.1:\\d+\\): HTTP ${status}: `));
      if (message) expect(error.message).toMatch(message);
      expectNoKey(error);
    });

    it('times out a server that never answers', async () => {
      const started = Date.now();
      const error = await failure('hang');
      expect(error).toBeInstanceOf(TimeoutError);
      expect(error.retryable).toBe(true);
      expect(error.message).toMatch(/^openai \(127\.0\.0\.1:\d+\): no answer within 500 ms/);
      expect(Date.now() - started).toBeLessThan(3000);
      expectNoKey(error);
    });

    it('retries a body cut short', async () => {
      const error = await failure('truncated');
      expect(error).toBeInstanceOf(TransientError);
      expect(error.message).toMatch(/^openai \(127\.0\.0\.1:\d+\): /);
      expectNoKey(error);
    });

    it.each([
      { behaviour: 'not-audio' as const, message: /HTTP 200 but the body is not WAV or MP3 audio \(audio\/wav, \d+ bytes starting "<!DOCTYPE html>/ },
      { behaviour: 'empty' as const, message: /HTTP 200 with an empty body \(audio\/wav\)/ },
    ])('$behaviour body → TransientError', async ({ behaviour, message }) => {
      const error = await failure(behaviour);
      expect(error).toBeInstanceOf(TransientError);
      expect(error.retryable).toBe(true);
      expect(error.message).toMatch(message);
      expectNoKey(error);
    });

    it('rejects promptly when the run is aborted', async () => {
      server.script(['hang']);
      const controller = new AbortController();
      const slow = createOpenAiSpeechProvider({ timeoutMs: 60_000 });
      const started = Date.now();
      const pending = slow.synthesize(request({ signal: controller.signal }));
      setTimeout(() => controller.abort(new CancelledError()), 50);
      await expect(pending).rejects.toBeInstanceOf(CancelledError);
      expect(Date.now() - started).toBeLessThan(1000);
    });
  });
});

describe('helpers', () => {
  it.each([
    ['1s', 1000],
    ['1.5s', 1500],
    ['20ms', 20],
    ['6m0s', 360_000],
    ['1h2m3s', 3_723_000],
    ['2m30.25s', 150_250],
    ['500us', 1],
    [' 7s ', 7000],
    ['0s', 0],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
    ['12', undefined],
    ['soon', undefined],
    ['1x', undefined],
    ['s', undefined],
  ])('parseResetHeader(%j) = %j', (value, expected) => {
    expect(parseResetHeader(value)).toBe(expected);
  });

  it('reads the error envelopes of OpenAI, Kokoro and FastAPI', () => {
    const body = (value: unknown) => Buffer.from(JSON.stringify(value));
    expect(errorDetail(body({ error: { message: 'quota', type: 'insufficient_quota', param: null, code: 'insufficient_quota' } }))).toEqual({ message: 'quota', code: 'insufficient_quota' });
    expect(errorDetail(body({ error: { message: 'bad', type: 'invalid_request_error', param: null, code: null } }))).toEqual({ message: 'bad', code: 'invalid_request_error' });
    expect(errorDetail(body({ detail: { error: 'invalid_model', message: 'Unsupported model', type: 'invalid_request_error' } }))).toEqual({ message: 'Unsupported model', code: 'invalid_model' });
    expect(errorDetail(body({ detail: [{ loc: ['body', 'input'], msg: 'Field required', type: 'missing' }, { loc: ['body', 'voice'], msg: 'bad', type: 'x' }] }))).toEqual({
      message: 'body.input: Field required; body.voice: bad',
      code: 'validation_error',
    });
    expect(errorDetail(body({ detail: 'Not Found' }))).toEqual({ message: 'Not Found' });
    expect(errorDetail(Buffer.from('<h1>Bad\nGateway</h1>\n'))).toEqual({ message: '<h1>Bad Gateway</h1>' });
    expect(errorDetail(Buffer.alloc(0))).toEqual({ message: 'no details' });
  });

  it('recognises WAV and MP3 bytes only', () => {
    expect(sniffAudio(sineWav(0.01))).toBe('wav');
    expect(sniffAudio(Buffer.from('ID3\x04\x00', 'latin1'))).toBe('mp3');
    expect(sniffAudio(Buffer.from([0xff, 0xfb, 0x90, 0x64]))).toBe('mp3'); // MPEG-1 layer III
    expect(sniffAudio(Buffer.from([0xff, 0xf1, 0x50, 0x80]))).toBeUndefined(); // AAC ADTS
    expect(sniffAudio(Buffer.from('<!DOCTYPE html>'))).toBeUndefined();
    expect(sniffAudio(Buffer.from('RIFF\0\0\0\0AVI '))).toBeUndefined();
    expect(sniffAudio(Buffer.alloc(0))).toBeUndefined();
  });

  it('sends stream:false to every server but api.openai.com, and clamps speed', () => {
    const settings = { voice: 'alloy', speed: 0.1 };
    expect(speechRequestBody({ text: 'Hi', settings }, true)).toEqual({ model: 'tts-1', input: 'Hi', voice: 'alloy', response_format: 'wav', speed: 0.25 });
    expect(speechRequestBody({ text: 'Hi', settings, model: 'kokoro' }, false)).toMatchObject({ model: 'kokoro', stream: false });
    expect([clampSpeed(undefined), clampSpeed(Number.NaN), clampSpeed(1.5), clampSpeed(5)]).toEqual([1, 1, 1.5, 4]);
  });
});
