/**
 * A provider's JSON API as the scene nodes use it: one set of auth headers,
 * one deadline per request, non-2xx answers as typed errors in the
 * provider's own words (keys scrubbed), and bodies that must be JSON objects.
 */
import { TransientError } from '../../../runtime/contract/index.js';
import { httpError, requestProvider, type ProviderRequest, type ProviderResponse } from '../../http/client.js';

const REQUEST_TIMEOUT_MS = 30_000;

export interface ApiOptions {
  /** Prefix of every message, e.g. `runway: scene "s2"`. */
  label: string;
  headers: Record<string, string>;
  secrets: string[];
  /** The provider's message from an error body. */
  errorDetail(body: Buffer): string;
}

export interface ApiClient {
  /** Any 2xx response; anything else throws. */
  send(method: NonNullable<ProviderRequest['method']>, url: string, signal: AbortSignal, json?: unknown): Promise<ProviderResponse>;
  /** A 2xx response's JSON object. */
  json<T>(method: NonNullable<ProviderRequest['method']>, url: string, signal: AbortSignal, json?: unknown): Promise<T>;
}

export function apiClient(options: ApiOptions): ApiClient {
  const send: ApiClient['send'] = async (method, url, signal, json) => {
    const response = await requestProvider({
      provider: options.label,
      url,
      method,
      headers: options.headers,
      ...(json === undefined ? {} : { json }),
      timeoutMs: REQUEST_TIMEOUT_MS,
      signal,
      secrets: options.secrets,
    });
    if (response.status < 200 || response.status >= 300) throw httpError(options.label, response, options.errorDetail(response.body), { secrets: options.secrets });
    return response;
  };
  return {
    send,
    json: async <T>(...args: Parameters<ApiClient['send']>) => parseObject<T>(await send(...args), options.label),
  };
}

/** A 2xx that is not the promised JSON object is provider garbage: worth another try. */
function parseObject<T>(response: ProviderResponse, label: string): T {
  try {
    const value = JSON.parse(response.body.toString('utf8')) as unknown;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as T;
  } catch {
    // Reported below, like any other non-object.
  }
  throw new TransientError(`${label}: the answer is not a JSON object (${response.body.byteLength} bytes)`);
}

/** The raw body as a message, for providers whose error envelope did not parse. */
export function rawDetail(body: Buffer): string {
  return body.toString('utf8').trim().slice(0, 300) || 'no error message';
}
