/**
 * OpenAI-compatible speech: `POST {base}/audio/speech`. One client serves
 * OpenAI itself (`https://api.openai.com/v1`, bearer key), Kokoro-FastAPI
 * (`http://localhost:8880/v1`, no auth) and LocalAI. The endpoint returns
 * audio only, so there are no word timings.
 *
 * Decisions:
 * - The key is optional: self-hosted servers need none. Only api.openai.com
 *   without a key fails early, with a message saying which variable to set.
 * - `stream: false` is sent to every server except api.openai.com. Kokoro
 *   streams by default (a WAV whose header cannot know the final size), and
 *   OpenAI does not document the field, so it is not sent where it is not
 *   needed and could be refused as an unknown argument.
 * - WAV is requested, but a server that ignores `response_format` and answers
 *   MP3 (frame sync or ID3 tag) is accepted and written as `openai.mp3`:
 *   ffmpeg finishes either, and refusing would retry a server that will
 *   always answer the same way. Anything else (HTML from a proxy, an empty
 *   body) is a `TransientError`, so the runtime retries, then falls back.
 * - A 429 without Retry-After waits for `x-ratelimit-reset-requests`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PermanentError, TransientError, whereToStoreCredential, type CredentialSpec, type ReelgraphError } from '../../../runtime/contract/index.js';
import { httpError, redact, requestProvider, type ProviderResponse } from '../../http/client.js';
import { fastApiDetail } from '../../http/fastapi-detail.js';
import type { SpeechProvider, SynthesisRequest, SynthesisResult, UsageRequest, VoiceSettings } from './provider.js';
import type { ProviderUsage } from '../../../runtime/contract/index.js';

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';
export const OPENAI_DEFAULT_MODEL = 'tts-1';
/** OpenAI refuses inputs longer than this. */
export const OPENAI_MAX_CHARACTERS = 4096;
export const OPENAI_SPEECH_TIMEOUT_MS = 60_000;
const MIN_SPEED = 0.25;
const MAX_SPEED = 4;

/** The credential the client reads; optional because self-hosted servers take no key. */
export const openAiCredential: CredentialSpec = {
  name: 'openai',
  title: 'OpenAI API key',
  env: { apiKey: 'OPENAI_API_KEY' },
  optional: true,
};

export interface OpenAiSpeechOptions {
  /** Deadline of one request. Default 60 s. */
  timeoutMs?: number;
}

export function createOpenAiSpeechProvider(options: OpenAiSpeechOptions = {}): SpeechProvider {
  const timeoutMs = options.timeoutMs ?? OPENAI_SPEECH_TIMEOUT_MS;
  return {
    id: 'openai',
    title: 'OpenAI-compatible speech',
    maxCharacters: OPENAI_MAX_CHARACTERS,
    identity: (settings: VoiceSettings) => `openai:${settings.voice}:${clampSpeed(settings.speed)}`,
    // Voice names differ per server (OpenAI, Kokoro, LocalAI): the server judges them.
    voices: () => [],
    synthesize: (request: SynthesisRequest) => synthesize(request, timeoutMs),
    estimateUsage: openAiUsage,
  };
}

/** Characters sent; a self-hosted server is reported as `openai-compatible`, which no price row covers. */
function openAiUsage(request: UsageRequest): ProviderUsage {
  const official = isOfficial(baseUrl(request.endpoint));
  return { provider: official ? 'openai' : 'openai-compatible', unit: 'characters', quantity: request.text.length, model: request.model ?? OPENAI_DEFAULT_MODEL };
}

export const openAiSpeechProvider: SpeechProvider = createOpenAiSpeechProvider();

async function synthesize(request: SynthesisRequest, timeoutMs: number): Promise<SynthesisResult> {
  const base = baseUrl(request.endpoint);
  const official = isOfficial(base);
  const label = official ? 'openai' : `openai (${base.host})`;
  if (request.text.length > OPENAI_MAX_CHARACTERS) {
    throw new PermanentError(`${label}: text of ${request.text.length} characters is over the ${OPENAI_MAX_CHARACTERS}-character limit`);
  }
  const apiKey = (await request.credentials.get(openAiCredential.name))?.apiKey || undefined;
  if (official && !apiKey) {
    throw new PermanentError(`${label}: no API key; ${whereToStoreCredential(openAiCredential)} (or point the endpoint at a self-hosted server such as Kokoro)`);
  }
  const secrets = apiKey ? [apiKey] : [];
  const model = request.model ?? OPENAI_DEFAULT_MODEL;

  const response = await requestProvider({
    provider: label,
    url: `${base.href.replace(/\/+$/, '')}/audio/speech`,
    headers: { accept: 'application/octet-stream', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
    json: speechRequestBody({ ...request, model }, official),
    timeoutMs,
    signal: request.signal,
    secrets,
  });
  if (response.status < 200 || response.status >= 300) throw responseError(label, response, { voice: request.settings.voice, model, secrets });
  // Self-hosted compatible servers (Kokoro, LocalAI) are not OpenAI's bill: reported apart, and left unpriced.
  request.usage?.(openAiUsage(request));

  const format = sniffAudio(response.body);
  if (!format) throw notAudio(label, response, secrets);
  const path = join(request.workDir, `openai.${format}`);
  await writeFile(path, response.body);
  return { path, voice: request.settings.voice, model: `${model}@${base.host}` };
}

/** The JSON body of `POST /audio/speech`; `stream: false` only for servers other than OpenAI (see the header). */
export function speechRequestBody(request: Pick<SynthesisRequest, 'text' | 'settings' | 'model'>, official: boolean): Record<string, unknown> {
  return {
    model: request.model ?? OPENAI_DEFAULT_MODEL,
    input: request.text,
    voice: request.settings.voice,
    response_format: 'wav',
    speed: clampSpeed(request.settings.speed),
    ...(official ? {} : { stream: false }),
  };
}

/** Speed within OpenAI's 0.25–4 range; unset or not a number is 1. */
export function clampSpeed(speed: number | undefined): number {
  if (speed === undefined || !Number.isFinite(speed)) return 1;
  return Math.min(MAX_SPEED, Math.max(MIN_SPEED, speed));
}

function baseUrl(endpoint: string | undefined): URL {
  try {
    return new URL(endpoint ?? OPENAI_BASE_URL);
  } catch {
    throw new PermanentError(`openai: endpoint "${endpoint}" is not a URL (expected e.g. http://localhost:8880/v1)`);
  }
}

function isOfficial(base: URL): boolean {
  return base.hostname === 'api.openai.com';
}

/**
 * `x-ratelimit-reset-*` values (Go durations such as `1s`, `20ms`, `6m0s`,
 * `1.5s`) in milliseconds, rounded up; undefined when absent or malformed.
 */
export function parseResetHeader(value: string | null | undefined): number | undefined {
  const text = value?.trim();
  if (!text || !/^(\d+(\.\d+)?(h|m|s|ms|us|µs|ns))+$/.test(text)) return undefined;
  const unitMs: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, µs: 1e-3, ns: 1e-6 };
  let total = 0;
  for (const [, amount, , unit] of text.matchAll(/(\d+(\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(amount) * (unitMs[unit as string] as number);
  }
  return Math.ceil(total);
}

/** `wav` for a RIFF/WAVE header, `mp3` for an ID3 tag or an MPEG audio frame sync, else undefined. */
export function sniffAudio(body: Buffer): 'wav' | 'mp3' | undefined {
  if (body.byteLength >= 12 && body.toString('latin1', 0, 4) === 'RIFF' && body.toString('latin1', 8, 12) === 'WAVE') return 'wav';
  if (body.byteLength >= 3 && body.toString('latin1', 0, 3) === 'ID3') return 'mp3';
  // 11 sync bits, then a layer other than the reserved 00 (which also rules out AAC ADTS).
  const [first, second] = body;
  if (first === 0xff && second !== undefined && (second & 0xe0) === 0xe0 && (second & 0x06) !== 0) return 'mp3';
  return undefined;
}

export interface ErrorDetail {
  message: string;
  /** Machine-readable code: OpenAI `error.code` (else `error.type`), Kokoro `detail.error`. */
  code?: string;
}

/**
 * The provider's own words from an error body: OpenAI
 * `{"error":{"message","type","param","code"}}`, Kokoro
 * `{"detail":{"error","message","type"}}`, FastAPI validation
 * `{"detail":[{loc,msg,type}]}`, else the text itself.
 */
export function errorDetail(body: Buffer): ErrorDetail {
  const text = body.toString('utf8').trim();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { message: plain(text) };
  }
  if (!isRecord(json)) return { message: plain(text) };
  const { error } = json;
  if (isRecord(error)) {
    return withCode(stringOf(error.message) ?? plain(text), stringOf(error.code) ?? stringOf(error.type));
  }
  const detail = fastApiDetail(json);
  if (detail?.kind === 'object') {
    const { message, error: code } = detail.fields;
    return withCode(stringOf(message) ?? stringOf(code) ?? plain(text), stringOf(code));
  }
  if (detail?.kind === 'validation') return { message: detail.message || plain(text), code: 'validation_error' };
  return { message: stringOf(error) ?? stringOf(detail?.message) ?? plain(text) };
}

function responseError(label: string, response: ProviderResponse, context: { voice: string; model: string; secrets: string[] }): ReelgraphError {
  const { message, code } = errorDetail(response.body);
  let detail = code && !message.includes(code) ? `${message} (${code})` : message;
  // 400/404/422 are about what was asked for: say which voice and model, so an unknown voice is obvious.
  if ([400, 404, 422].includes(response.status)) detail += ` [voice "${context.voice}", model "${context.model}"]`;
  if (response.status === 401 || response.status === 403) detail += ' [check the API key (OPENAI_API_KEY)]';
  const error = httpError(label, response, detail, { secrets: context.secrets, quota: code === 'insufficient_quota' });
  if (response.status === 429 && error instanceof TransientError && error.retryAfterMs === undefined) {
    // httpError reads only Retry-After; OpenAI often sends just its own reset header.
    const retryAfterMs = parseResetHeader(response.headers.get('x-ratelimit-reset-requests'));
    if (retryAfterMs !== undefined) return new TransientError(error.message, { retryAfterMs });
  }
  return error;
}

function notAudio(label: string, response: ProviderResponse, secrets: string[]): TransientError {
  const type = response.headers.get('content-type') ?? 'no content type';
  if (response.body.byteLength === 0) return new TransientError(`${label}: HTTP ${response.status} with an empty body (${type}), expected audio`);
  const start = redact(plain(response.body.subarray(0, 60).toString('utf8')), secrets);
  return new TransientError(`${label}: HTTP ${response.status} but the body is not WAV or MP3 audio (${type}, ${response.body.byteLength} bytes starting "${start}")`);
}

function withCode(message: string, code: string | undefined): ErrorDetail {
  return code === undefined ? { message } : { message, code };
}

/** Text on one line, control characters dropped, at most 300 characters. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[\u0000-\u001f\u007f\ufffd]+/g, ' ').replace(/\s+/g, ' ').trim();
  return line ? line.slice(0, 300) : 'no details';
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
