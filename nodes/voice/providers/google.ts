/**
 * Google Cloud Text-to-Speech over REST (v1beta1, API key). Word timings come
 * from SSML marks: a `<mark name="wN"/>` goes before every word and Google
 * answers with the time it reached each mark. Audio is LINEAR16 at 48 kHz,
 * which Google wraps in a WAV header.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PermanentError, TransientError, whereToStoreCredential } from '../../../runtime/contract/index.js';
import { httpError, requestProvider, type ProviderResponse } from '../../http/client.js';
import type { SpeechProvider, SynthesisRequest, SynthesisResult, UsageRequest, VoiceSettings, WordTiming } from './provider.js';
import type { ProviderUsage } from '../../../runtime/contract/index.js';

const PROVIDER = 'google';
const DEFAULT_ENDPOINT = 'https://texttospeech.googleapis.com';
const SAMPLE_RATE = 48_000;
const MODEL = 'google-tts/v1beta1';

export const GOOGLE_TIMEOUT_MS = 60_000;
/** Google's hard limit on `input.ssml`, markup included; it cannot be raised. */
export const GOOGLE_MAX_SSML_BYTES = 5000;
/**
 * Each word costs 18–19 bytes of mark (`<mark name="w123"/>`), and prose
 * averages 5–6 characters per word, so SSML is about five times the text:
 * 800 characters come to roughly 4,100 bytes. Texts that still overflow
 * (very short words, heavy escaping) are refused in `synthesize`.
 */
export const GOOGLE_MAX_CHARACTERS = 800;

export interface GoogleProviderOptions {
  /** Deadline for one synthesis request. Default {@link GOOGLE_TIMEOUT_MS}. */
  timeoutMs?: number;
}

export interface GoogleTimepoint {
  markName?: string;
  timeSeconds?: number;
}

interface GoogleSynthesizeResponse {
  audioContent?: unknown;
  timepoints?: unknown;
}

export function createGoogleProvider(options: GoogleProviderOptions = {}): SpeechProvider {
  const timeoutMs = options.timeoutMs ?? GOOGLE_TIMEOUT_MS;
  return {
    id: PROVIDER,
    title: 'Google Cloud Text-to-Speech',
    maxCharacters: GOOGLE_MAX_CHARACTERS,
    // Clamped values: settings that sound the same share a cache entry.
    identity: (settings) => `google:${settings.voice}:${speakingRateOf(settings)}:${pitchOf(settings)}`,
    // Any voice name: the server validates it and answers INVALID_ARGUMENT.
    voices: () => [],
    synthesize: (request) => synthesize(request, timeoutMs),
    estimateUsage: googleUsage,
  };
}

/** Google bills the SSML sent (without its <mark/> tags), priced by the voice type. */
function googleUsage(request: UsageRequest): ProviderUsage {
  return { provider: 'google-tts', unit: 'characters', quantity: billedCharacters(buildSsml(splitWords(request.text))), model: voiceType(googleVoiceConfig(request.settings).name) };
}

export const googleProvider: SpeechProvider = createGoogleProvider();

async function synthesize(request: SynthesisRequest, timeoutMs: number): Promise<SynthesisResult> {
  // The missing key first: it is the reason an offline run skips Google, whatever the casting says.
  const apiKey = (await request.credentials.get('google-tts'))?.apiKey;
  if (!apiKey) throw new PermanentError(`${PROVIDER}: no API key; ${whereToStoreCredential({ name: 'google-tts', env: { apiKey: 'GOOGLE_TTS_API_KEY' } })}`);
  const voice = googleVoiceConfig(request.settings);
  const words = splitWords(request.text);
  if (words.length === 0) throw new PermanentError(`${PROVIDER}: nothing to say (the text has no words)`);
  const ssml = buildSsml(words);
  const ssmlBytes = Buffer.byteLength(ssml, 'utf8');
  if (ssmlBytes > GOOGLE_MAX_SSML_BYTES) {
    throw new PermanentError(`${PROVIDER}: the text is ${ssmlBytes} bytes as SSML, over Google's ${GOOGLE_MAX_SSML_BYTES}-byte limit; split it into shorter pieces`);
  }

  const secrets = [apiKey, encodeURIComponent(apiKey)];

  const response = await requestProvider({
    provider: PROVIDER,
    url: synthesizeUrl(request.endpoint ?? DEFAULT_ENDPOINT, apiKey),
    json: {
      input: { ssml },
      voice: { languageCode: voice.languageCode, name: voice.name },
      audioConfig: { audioEncoding: 'LINEAR16', sampleRateHertz: SAMPLE_RATE, speakingRate: voice.speakingRate, pitch: voice.pitch },
      enableTimePointing: ['SSML_MARK'],
    },
    timeoutMs,
    signal: request.signal,
    secrets,
  });
  if (response.status < 200 || response.status >= 300) throw googleError(response, secrets);
  request.usage?.(googleUsage(request));

  const { audio, timepoints } = parseSynthesizeResponse(response);
  const wav = parseWav(audio);
  if (!wav) throw new TransientError(`${PROVIDER}: HTTP ${response.status}: the audio is not a LINEAR16 WAV file (${audio.byteLength} bytes)`);
  if (wav.duration <= 0) throw new TransientError(`${PROVIDER}: HTTP ${response.status}: the audio is empty`);

  const path = join(request.workDir, 'google.wav');
  await writeFile(path, audio);
  const timings = wordTimings(words, timepoints, wav.duration);
  return { path, ...(timings ? { words: timings } : {}), voice: voice.name, model: MODEL };
}

/** Google bills the characters of the SSML it is sent, tags included, except `<mark>` tags. */
export function billedCharacters(ssml: string): number {
  return ssml.replace(/<mark\b[^>]*\/>/g, '').length;
}

/** The voice type Google prices by, from the voice name (`en-US-Neural2-F` → `neural2`); `other` when the name does not say. */
export function voiceType(name: string): string {
  const type = /-(Standard|Wavenet|Neural2|Studio|Polyglot|News|Journey|Casual|Chirp3-HD|Chirp-HD)(?:-|$)/i.exec(name)?.[1];
  return type ? type.toLowerCase() : 'other';
}

/** The request URL; the base may carry a path prefix (proxies, test servers). */
function synthesizeUrl(endpoint: string, apiKey: string): string {
  try {
    new URL(endpoint);
  } catch {
    throw new PermanentError(`${PROVIDER}: endpoint "${endpoint}" is not a URL`);
  }
  return `${endpoint.replace(/\/+$/, '')}/v1beta1/text:synthesize?key=${encodeURIComponent(apiKey)}`;
}

/** Voice name, language and clamped prosody for a Google voice name such as `en-US-Neural2-F`. */
export function googleVoiceConfig(settings: VoiceSettings): { name: string; languageCode: string; speakingRate: number; pitch: number } {
  const [language = '', region = ''] = settings.voice.split('-');
  if (!/^[a-z]{2,3}$/i.test(language) || !/^([a-z]{2}|\d{3})$/i.test(region)) {
    throw new PermanentError(`${PROVIDER}: voice "${settings.voice}" is not a Google voice name (expected e.g. en-US-Neural2-F)`);
  }
  return {
    name: settings.voice,
    languageCode: `${language}-${region}`,
    speakingRate: speakingRateOf(settings),
    pitch: pitchOf(settings),
  };
}

/** Google accepts 0.25–4; unset means the voice's normal rate. */
const speakingRateOf = (settings: VoiceSettings): number => clamp(settings.speed, 0.25, 4, 1);
/** Semitones, −20 to 20. */
const pitchOf = (settings: VoiceSettings): number => clamp(settings.pitch, -20, 20, 0);

function clamp(value: number | undefined, min: number, max: number, fallback: number): number {
  return value === undefined || !Number.isFinite(value) ? fallback : Math.min(max, Math.max(min, value));
}

export function splitWords(text: string): string[] {
  return text.split(/\s+/).filter((word) => word.length > 0);
}

/** `<speak>` with a mark before every word (`w0`, `w1`, …) and one at the `end`. */
export function buildSsml(words: readonly string[]): string {
  const body = words.map((word, i) => `<mark name="w${i}"/>${escapeXml(word)}`).join(' ');
  return `<speak>${body}<mark name="end"/></speak>`;
}

/** Escapes text for an XML text node and drops control characters XML 1.0 forbids. */
export function escapeXml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- removing exactly these characters is the point
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

/**
 * Word i runs from mark `wi` to mark `w(i+1)`, the `end` mark, or the end of
 * the audio. Without a mark for every word there are no timings at all.
 */
export function wordTimings(words: readonly string[], timepoints: readonly GoogleTimepoint[] | undefined, duration: number): WordTiming[] | undefined {
  if (!timepoints || timepoints.length === 0) return undefined;
  // Proto3 JSON omits zero values, so the first mark often has no timeSeconds.
  const at = new Map(timepoints.filter((t) => typeof t.markName === 'string').map((t) => [t.markName as string, t.timeSeconds ?? 0]));
  const timings: WordTiming[] = [];
  let previous = 0;
  for (const [i, word] of words.entries()) {
    const mark = at.get(`w${i}`);
    if (mark === undefined) return undefined;
    const start = Math.min(Math.max(mark, previous), duration);
    const end = Math.min(Math.max(at.get(`w${i + 1}`) ?? at.get('end') ?? duration, start), duration);
    timings.push({ word, start, end });
    previous = start;
  }
  return timings;
}

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Seconds of audio in the data chunk. */
  duration: number;
}

/** The format and length of a RIFF/WAVE file, or undefined when it is not one. */
export function parseWav(audio: Buffer): WavInfo | undefined {
  if (audio.byteLength < 12 || audio.toString('ascii', 0, 4) !== 'RIFF' || audio.toString('ascii', 8, 12) !== 'WAVE') return undefined;
  let format: { channels: number; sampleRate: number; byteRate: number; bitsPerSample: number } | undefined;
  let offset = 12;
  while (offset + 8 <= audio.byteLength) {
    const id = audio.toString('ascii', offset, offset + 4);
    const size = audio.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && size >= 16 && body + 16 <= audio.byteLength) {
      format = {
        channels: audio.readUInt16LE(body + 2),
        sampleRate: audio.readUInt32LE(body + 4),
        byteRate: audio.readUInt32LE(body + 8),
        bitsPerSample: audio.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format || format.byteRate === 0) return undefined;
      // Streaming encoders may leave the size at its maximum: trust the bytes present.
      const bytes = Math.min(size, audio.byteLength - body);
      return { sampleRate: format.sampleRate, channels: format.channels, bitsPerSample: format.bitsPerSample, duration: bytes / format.byteRate };
    }
    offset = body + size + (size % 2);
  }
  return undefined;
}

function parseSynthesizeResponse(response: ProviderResponse): { audio: Buffer; timepoints: GoogleTimepoint[] | undefined } {
  let parsed: GoogleSynthesizeResponse;
  try {
    parsed = JSON.parse(response.body.toString('utf8')) as GoogleSynthesizeResponse;
  } catch {
    throw new TransientError(`${PROVIDER}: HTTP ${response.status}: the response is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || typeof parsed.audioContent !== 'string' || parsed.audioContent.length === 0) {
    throw new TransientError(`${PROVIDER}: HTTP ${response.status}: the response has no audio`);
  }
  const timepoints = Array.isArray(parsed.timepoints) ? (parsed.timepoints as GoogleTimepoint[]) : undefined;
  return { audio: Buffer.from(parsed.audioContent, 'base64'), timepoints };
}

/** A non-2xx answer, from Google's `{"error":{code,message,status}}` envelope when there is one. */
function googleError(response: ProviderResponse, secrets: string[]) {
  const text = response.body.toString('utf8');
  let detail = text.trim().slice(0, 300) || 'no details';
  try {
    const { error } = JSON.parse(text) as { error?: { message?: unknown; status?: unknown } };
    if (error && typeof error.message === 'string') detail = `${typeof error.status === 'string' ? error.status : 'ERROR'}: ${error.message}`;
  } catch {
    // Not JSON (a proxy's HTML page, say): keep the raw text.
  }
  const quota = response.status === 403 && /quota|billing/i.test(detail);
  return httpError(PROVIDER, response, detail, { secrets, quota });
}
