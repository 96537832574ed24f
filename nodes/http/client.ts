/**
 * HTTP for provider clients (speech, video): every call has a deadline,
 * bodies are read whole or streamed with a size limit (a connection dropped
 * mid-body is a retryable error, never half a file), provider errors become
 * typed errors that carry the retry policy — 429 and 5xx retry (honouring
 * Retry-After), auth, quota and validation do not — and keys are scrubbed
 * from every message.
 */
import { PermanentError, TimeoutError, TransientError, type ReelgraphError } from '../../runtime/contract/index.js';

export interface ProviderRequest {
  provider: string;
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  /** Sent as JSON. */
  json?: unknown;
  timeoutMs: number;
  signal: AbortSignal;
  /** Values that must never appear in an error (API keys). */
  secrets?: string[];
  /** Responses larger than this are refused. Default 64 MiB. */
  maxBytes?: number;
}

export interface ProviderResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** A response whose headers have arrived and whose body is still to be read (streamed downloads). */
export interface OpenResponse {
  response: Response;
  /** The declared length, 0 when the server did not say. */
  length: number;
  /** Turns an error met while reading the body into the typed error a caller throws. */
  readFailed(error: unknown): unknown;
  /** Throws when fewer bytes arrived than the server declared. */
  checkComplete(received: number): void;
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export function redact(text: string, secrets: readonly string[] = []): string {
  return secrets.filter((s) => s.length >= 4).reduce((out, secret) => out.split(secret).join('***'), text);
}

/** Retry-After as seconds or an HTTP date, in milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The wait a response asks for: `retry-after-ms` (sent by OpenAI- and Stainless-style APIs such as Runway's) before `retry-after`. */
export function retryAfterHeader(headers: Headers): number | undefined {
  const ms = Number(headers.get('retry-after-ms') ?? NaN);
  return Number.isFinite(ms) && ms >= 0 ? Math.round(ms) : parseRetryAfter(headers.get('retry-after'));
}

/** Send a request and wait for the headers; only transport problems (and a declared size over the limit) throw here. */
export async function openProvider(request: ProviderRequest): Promise<OpenResponse> {
  const secrets = request.secrets ?? [];
  const deadline = AbortSignal.timeout(request.timeoutMs);
  const signal = AbortSignal.any([request.signal, deadline]);
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method ?? (request.json === undefined ? 'GET' : 'POST'),
      headers: { ...(request.json === undefined ? {} : { 'content-type': 'application/json' }), ...request.headers },
      ...(request.json === undefined ? {} : { body: JSON.stringify(request.json) }),
      signal,
    });
  } catch (error) {
    throw transportError(request, error, deadline, secrets, 'could not reach');
  }
  const length = Number(response.headers.get('content-length') ?? 0);
  if (length > (request.maxBytes ?? DEFAULT_MAX_BYTES)) {
    await response.body?.cancel().catch(() => {});
    throw new PermanentError(`${request.provider}: response of ${length} bytes is over the limit`);
  }
  return {
    response,
    length,
    readFailed: (error) => transportError(request, error, deadline, secrets, 'connection dropped while reading the response from'),
    checkComplete: (received) => {
      if (length > 0 && received < length) throw new TransientError(`${request.provider}: response truncated (${received} of ${length} bytes)`);
    },
  };
}

/** Send a request and read the whole body; only transport problems throw here. */
export async function requestProvider(request: ProviderRequest): Promise<ProviderResponse> {
  const open = await openProvider(request);
  let body: Buffer;
  try {
    body = Buffer.from(await open.response.arrayBuffer());
  } catch (error) {
    throw open.readFailed(error);
  }
  open.checkComplete(body.byteLength);
  return { status: open.response.status, headers: open.response.headers, body };
}

function transportError(request: ProviderRequest, error: unknown, deadline: AbortSignal, secrets: string[], what: string): ReelgraphError | unknown {
  if (request.signal.aborted) return request.signal.reason;
  if (deadline.aborted) return new TimeoutError(`${request.provider}: no answer within ${request.timeoutMs} ms`);
  const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
  return new TransientError(`${request.provider}: ${what} ${hostOf(request.url)} (${redact(reason, secrets)})`, { cause: error });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the provider';
  }
}

/**
 * A non-2xx answer as a typed error. `detail` is the provider's own message
 * (already extracted from its error envelope); `quota` marks answers that
 * mean "out of credit" whatever their status.
 */
export function httpError(provider: string, response: ProviderResponse, detail: string, options: { secrets?: string[]; quota?: boolean } = {}): ReelgraphError {
  const message = `${provider}: HTTP ${response.status}: ${redact(detail, options.secrets)}`.slice(0, 500);
  if (options.quota || response.status === 402) return new PermanentError(`${message} (out of quota or credit)`);
  if (response.status === 429) {
    const retryAfterMs = retryAfterHeader(response.headers);
    return new TransientError(message, retryAfterMs === undefined ? {} : { retryAfterMs });
  }
  if (response.status >= 500) return new TransientError(message);
  return new PermanentError(message);
}
