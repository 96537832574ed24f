/**
 * ElevenLabs text-to-speech over `/with-timestamps`: one JSON answer carries
 * the MP3 (base64) and a per-character alignment, from which word timings are
 * derived. Transport, deadlines, retry policy and key scrubbing come from
 * `nodes/http/client.ts`; this file only knows the ElevenLabs wire format.
 *
 * Voices are not listed: any voice id may be asked for and the server is the
 * judge. An unknown id comes back as `voice_not_found`, a per-item
 * `PermanentError` naming the voice.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PermanentError, takeSeed, TransientError, whereToStoreCredential } from '../../../runtime/contract/index.js';
import { httpError, requestProvider, type ProviderResponse } from '../../http/client.js';
import { fastApiDetail } from '../../http/fastapi-detail.js';
import type { SpeechProvider, SynthesisRequest, SynthesisResult, UsageRequest, VoiceSettings, WordTiming } from './provider.js';
import type { ProviderUsage } from '../../../runtime/contract/index.js';

const PROVIDER = 'elevenlabs';
const DEFAULT_BASE_URL = 'https://api.elevenlabs.io';
const DEFAULT_MODEL = 'eleven_multilingual_v2';
/** MP3 is what every plan may ask for; 44.1 kHz WAV/PCM needs Pro. */
const OUTPUT_FORMAT = 'mp3_44100_128';
const AUDIO_FILE = 'elevenlabs.mp3';
const DEFAULT_TIMEOUT_MS = 60_000;
/** The documented speed range; the API rejects anything outside it with a 422. */
const MIN_SPEED = 0.7;
const MAX_SPEED = 1.2;
/** The limit of `eleven_multilingual_v2`, the default model (`eleven_v3` allows only 3,000; the node splits). */
const MAX_CHARACTERS = 10_000;

export interface ElevenLabsOptions {
  /** Deadline of one HTTP request. Injectable so tests need not wait a minute. */
  requestTimeoutMs?: number;
}

export const elevenLabsProvider: SpeechProvider = createElevenLabsProvider();

export function createElevenLabsProvider(options: ElevenLabsOptions = {}): SpeechProvider {
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    id: PROVIDER,
    title: 'ElevenLabs',
    maxCharacters: MAX_CHARACTERS,
    identity: (settings) => elevenLabsIdentity(settings),
    voices: () => [],
    synthesize: (request) => synthesize(request, timeoutMs),
    estimateUsage: elevenLabsUsage,
  };
}

/** ElevenLabs bills the characters sent, per model; the answer's `character-cost` header, when present, has the last word. */
function elevenLabsUsage(request: UsageRequest): ProviderUsage {
  return { provider: PROVIDER, unit: 'characters', quantity: request.text.length, model: request.model ?? DEFAULT_MODEL };
}

/** Cache identity from what is actually sent: two speeds that clamp alike sound alike. */
export function elevenLabsIdentity(settings: VoiceSettings): string {
  const style = styleExaggeration(settings.style);
  return `${PROVIDER}:${settings.voice}:${clampSpeed(settings.speed)}${style === undefined ? '' : `:style=${style}`}`;
}

async function synthesize(request: SynthesisRequest, timeoutMs: number): Promise<SynthesisResult> {
  const apiKey = await apiKeyOf(request);
  const model = request.model ?? DEFAULT_MODEL;
  const response = await requestProvider({
    provider: PROVIDER,
    url: synthesisUrl(request.endpoint ?? DEFAULT_BASE_URL, request.settings.voice),
    headers: { 'xi-api-key': apiKey, accept: 'application/json' },
    json: requestBody(request.text, model, request.settings, request.take),
    timeoutMs,
    signal: request.signal,
    secrets: [apiKey],
  });
  if (response.status < 200 || response.status >= 300) throw errorOf(response, request.settings.voice, apiKey);
  request.usage?.({ provider: PROVIDER, unit: 'characters', quantity: billedCharacters(response, request.text), model });
  const { audio, words } = parseSpeech(response.body);
  const path = join(request.workDir, AUDIO_FILE);
  await writeFile(path, audio);
  return { path, ...(words ? { words } : {}), voice: request.settings.voice, model };
}

/** What ElevenLabs says it charged (`character-cost`), else the characters sent. */
function billedCharacters(response: ProviderResponse, text: string): number {
  const header = response.headers.get('character-cost');
  const cost = header === null || header.trim() === '' ? NaN : Number(header);
  return Number.isFinite(cost) && cost >= 0 ? cost : text.length;
}

async function apiKeyOf(request: SynthesisRequest): Promise<string> {
  const apiKey = (await request.credentials.get(PROVIDER))?.apiKey?.trim();
  if (!apiKey) throw new PermanentError(`${PROVIDER}: no API key configured; ${whereToStoreCredential({ name: PROVIDER, env: { apiKey: 'ELEVENLABS_API_KEY' } })}`);
  return apiKey;
}

export function synthesisUrl(baseUrl: string, voice: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return `${base}/v1/text-to-speech/${encodeURIComponent(voice)}/with-timestamps?output_format=${OUTPUT_FORMAT}`;
}

export function requestBody(text: string, model: string, settings: VoiceSettings, take?: number): Record<string, unknown> {
  const style = styleExaggeration(settings.style);
  return {
    text,
    model_id: model,
    voice_settings: { speed: clampSpeed(settings.speed), ...(style === undefined ? {} : { style }) },
    // A regenerated line (take N): a seed of its own, so the take is a new reading and reads the same if made again. First takes send none, as before.
    ...(take ? { seed: takeSeed(0, take) } : {}),
  };
}

export function clampSpeed(speed: number | undefined): number {
  if (speed === undefined || !Number.isFinite(speed) || speed <= 0) return 1;
  return Math.min(MAX_SPEED, Math.max(MIN_SPEED, speed));
}

/**
 * ElevenLabs' `style` is a 0–1 exaggeration number; our `style` is a free-form
 * hint shared by all providers. Only a number in range has a meaning here, so
 * anything else is left out rather than guessed at.
 */
export function styleExaggeration(style: string | undefined): number | undefined {
  if (style === undefined || style.trim() === '') return undefined;
  const value = Number(style);
  return Number.isFinite(value) && value >= 0 && value <= 1 ? value : undefined;
}

/* ---------- errors ---------- */

interface ErrorDetail {
  status?: string;
  message: string;
}

function errorOf(response: ProviderResponse, voice: string, apiKey: string): Error {
  const detail = errorDetail(response.body);
  if (detail.status === 'voice_not_found') {
    // Whatever the status code, another attempt asks for the same missing voice.
    const message = httpError(PROVIDER, response, `voice "${voice}" not found: ${detail.message}`, { secrets: [apiKey] }).message;
    return new PermanentError(message);
  }
  const text = detail.status ? `${detail.status}: ${detail.message}` : detail.message;
  return httpError(PROVIDER, response, text, { secrets: [apiKey], quota: detail.status === 'quota_exceeded' });
}

/** The provider's own words from `{"detail":{status,message}}`, FastAPI's 422 array, or the raw body. */
export function errorDetail(body: Buffer): ErrorDetail {
  const raw = body.toString('utf8').trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { message: raw || 'no error message' };
  }
  const detail = fastApiDetail(parsed);
  if (detail === undefined) return { message: raw };
  if (detail.kind !== 'object') return { message: detail.message };
  const { status, message } = detail.fields;
  return { ...(typeof status === 'string' ? { status } : {}), message: typeof message === 'string' ? message : JSON.stringify(detail.fields) };
}

/* ---------- success body ---------- */

interface Alignment {
  characters: string[];
  character_start_times_seconds: number[];
  character_end_times_seconds: number[];
}

/**
 * A 200 that is not what the contract promises is provider garbage: retried
 * once by the runtime (TransientError), after which casting falls back.
 */
function garbage(what: string): TransientError {
  return new TransientError(`${PROVIDER}: returned ${what}`);
}

export function parseSpeech(body: Buffer): { audio: Buffer; words?: WordTiming[] } {
  let parsed: { audio_base64?: unknown; alignment?: unknown; normalized_alignment?: unknown };
  try {
    parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
  } catch {
    throw garbage(`a body that is not JSON (${body.byteLength} bytes)`);
  }
  const audio = decodeAudio(parsed?.audio_base64);
  // `alignment` follows the text we sent; the normalized one (numbers spelled out) only as a fallback.
  const alignment = parsed.alignment ?? parsed.normalized_alignment;
  if (alignment === undefined || alignment === null) return { audio };
  return { audio, words: wordTimings(checkAlignment(alignment)) };
}

function decodeAudio(value: unknown): Buffer {
  if (typeof value !== 'string' || value.trim() === '') throw garbage('no audio');
  const compact = value.replace(/\s+/g, '');
  // Buffer.from(…, 'base64') silently skips junk, so the alphabet is checked first.
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) throw garbage('no audio (audio_base64 is not base64)');
  const audio = Buffer.from(compact, 'base64');
  if (!isMp3(audio)) throw garbage(`non-audio (${audio.byteLength} bytes that are not MP3)`);
  return audio;
}

/** An ID3 tag, or an MPEG audio frame sync (11 set bits) at the start. */
export function isMp3(bytes: Buffer): boolean {
  if (bytes.byteLength < 4) return false;
  if (bytes.toString('latin1', 0, 3) === 'ID3') return true;
  return bytes[0] === 0xff && ((bytes[1] as number) & 0xe0) === 0xe0;
}

function checkAlignment(value: unknown): Alignment {
  const { characters, character_start_times_seconds: starts, character_end_times_seconds: ends } = (value ?? {}) as Partial<Alignment>;
  const valid =
    Array.isArray(characters) &&
    Array.isArray(starts) &&
    Array.isArray(ends) &&
    characters.length === starts.length &&
    characters.length === ends.length &&
    characters.every((c) => typeof c === 'string') &&
    [...starts, ...ends].every((t) => typeof t === 'number' && Number.isFinite(t));
  if (!valid) throw garbage('a malformed alignment (arrays missing, of different lengths or not numbers)');
  return value as Alignment;
}

/**
 * Words from a per-character alignment: whitespace separates words; a word
 * starts when its first character starts and ends when its last one ends.
 */
export function wordTimings(alignment: Alignment): WordTiming[] {
  const words: WordTiming[] = [];
  let current: WordTiming | undefined;
  alignment.characters.forEach((char, i) => {
    if (/^\s*$/.test(char)) {
      current = undefined;
      return;
    }
    const start = alignment.character_start_times_seconds[i] as number;
    const end = alignment.character_end_times_seconds[i] as number;
    if (current) {
      current.word += char;
      current.end = end;
    } else {
      current = { word: char, start, end };
      words.push(current);
    }
  });
  return words;
}
