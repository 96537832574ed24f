/**
 * The YouTube Data API v3 wire format: an OAuth2 access token from a refresh
 * token, the resumable upload protocol, and thumbnails/set.
 *
 * Resumable upload: a POST opens a session (its URI comes back in
 * `Location`), then the file goes up in PUTs of whole 256 KiB multiples with
 * `Content-Range: bytes a-b/total`; each answer is `308 Resume Incomplete`
 * with `Range: bytes=0-n` (what the server holds) until the last, a 200/201
 * with the video resource. A chunk that fails in transit (reset, timeout,
 * 5xx) is not sent again blindly: the session is asked what it holds
 * (a bodiless PUT with `Content-Range: bytes *\/total`) and the upload goes on from there, so
 * only the unconfirmed part of the interrupted chunk is ever sent twice.
 *
 * Errors: a 401 refreshes the access token once and repeats the request;
 * quota answers (403 `quotaExceeded`, `uploadLimitExceeded`, …) are a
 * YouTubeQuotaError, never retried (another attempt spends nothing but
 * quota); 429, 5xx, rate-limit 403s and transport failures are retried here
 * with doubling backoff, honouring Retry-After up to a cap, a bounded number
 * of times in a row. Secrets never appear in a message.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRetryable, PermanentError, TimeoutError, TransientError, retryAfterOf, type NodeLogger, type ReelgraphError } from '../../runtime/contract/index.js';
import { redact, retryAfterHeader } from '../http/client.js';

const PROVIDER = 'youtube';
/** The protocol's unit: every chunk but the last is a multiple of it. */
export const UPLOAD_CHUNK_UNIT = 256 * 1024;
/** Answers that mean the channel or project is out of quota: the same request fails until the quota resets. */
const QUOTA_REASONS = new Set(['quotaExceeded', 'uploadLimitExceeded', 'dailyLimitExceeded']);
/** 403 reasons that mean "slow down", not "no". */
const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);

/** YouTube refused for quota: permanent for this run, and the reason says which limit. */
export class YouTubeQuotaError extends PermanentError {
  readonly reason: string;

  constructor(reason: string, message: string, nodeId?: string) {
    super(message, nodeId ? { location: { nodeId } } : {});
    this.reason = reason;
  }
}

export interface GoogleOAuthCredentials {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

export interface YouTubeClientOptions {
  apiBase: string;
  tokenBase: string;
  credentials: GoogleOAuthCredentials;
  /** Deadline of each request (a chunk's too). */
  requestTimeoutMs: number;
  /** Failed attempts in a row, without progress, before giving up. */
  retries: number;
  backoffMs: number;
  /** A Retry-After longer than this is not waited out here: the error goes to the engine with it. */
  maxRetryAfterMs: number;
  signal: AbortSignal;
  log: NodeLogger;
  nodeId?: string;
}

export interface UploadRequest {
  path: string;
  size: number;
  mime: string;
  /** The video resource: snippet and status. */
  resource: Record<string, unknown>;
  chunkBytes: number;
  progress?(sent: number, total: number): void;
}

export interface VideoResource {
  id: string;
  [key: string]: unknown;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** The outcome of a chunk or a status query: done (the video) or where to go on from. */
type SessionState = { video: VideoResource } | { offset: number };

export class YouTubeClient {
  private accessToken: string | undefined;
  private expiresAt = 0;
  private readonly secrets: string[];

  constructor(private readonly options: YouTubeClientOptions) {
    const { clientSecret, refreshToken } = options.credentials;
    this.secrets = [clientSecret, refreshToken];
  }

  /* ---------- OAuth2 ---------- */

  private async token(): Promise<string> {
    // A minute of margin: a token that expires mid-chunk costs a 401 and a repeated chunk.
    if (this.accessToken && Date.now() < this.expiresAt - 60_000) return this.accessToken;
    return this.refresh();
  }

  private async refresh(): Promise<string> {
    const { clientId, clientSecret, refreshToken } = this.options.credentials;
    const body = new URLSearchParams({ client_id: clientId, client_secret: clientSecret, refresh_token: refreshToken, grant_type: 'refresh_token' }).toString();
    const answer = await this.retrying('get an access token', async () => {
      const reply = await this.send('get an access token', `${trimBase(this.options.tokenBase)}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      if (reply.status === 200) return reply;
      const { error, description } = oauthError(reply.text);
      // invalid_grant: the refresh token was revoked or expired (7 days for apps in testing); only a new consent helps.
      if (reply.status === 400 || reply.status === 401) {
        throw new PermanentError(`${PROVIDER}: the token endpoint refused the refresh token (${error}${description ? `: ${description}` : ''}); authorise again and store the new refresh token`, this.where());
      }
      throw this.statusError(reply, 'get an access token');
    });
    let parsed: { access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(answer.text) as typeof parsed;
    } catch {
      throw new TransientError(`${PROVIDER}: the token endpoint answered something that is not JSON`, this.where());
    }
    if (typeof parsed.access_token !== 'string' || parsed.access_token === '') throw new TransientError(`${PROVIDER}: the token endpoint answered without an access token`, this.where());
    this.accessToken = parsed.access_token;
    this.secrets.push(parsed.access_token);
    this.expiresAt = Date.now() + (typeof parsed.expires_in === 'number' ? parsed.expires_in * 1000 : 3_600_000);
    return parsed.access_token;
  }

  /** A request with the access token; a 401 refreshes the token once and repeats it. */
  private async authorized(what: string, url: string, init: { method: string; headers: Record<string, string>; body?: Buffer<ArrayBuffer> | string }): Promise<Answer> {
    const first = await this.send(what, url, { ...init, headers: { ...init.headers, authorization: `Bearer ${await this.token()}` } });
    if (first.status !== 401) return first;
    this.options.log.info(`${PROVIDER}: access token refused while trying to ${what}; refreshing it`);
    const second = await this.send(what, url, { ...init, headers: { ...init.headers, authorization: `Bearer ${await this.refresh()}` } });
    if (second.status === 401) throw new PermanentError(`${PROVIDER}: a fresh access token was refused too while trying to ${what} (${googleError(second.text).message}); check the credential's scopes (youtube.upload)`, this.where());
    return second;
  }

  /* ---------- upload ---------- */

  async upload(request: UploadRequest): Promise<VideoResource> {
    const session = await this.openSession(request);
    const file = await open(request.path, 'r');
    try {
      let offset = 0;
      let failures = 0;
      for (;;) {
        const end = Math.min(offset + request.chunkBytes, request.size);
        let state: SessionState;
        try {
          state = await this.putChunk(session, file, offset, end, request);
        } catch (error) {
          if (this.options.signal.aborted || !isRetryable(error)) throw error;
          failures += 1;
          if (failures > this.options.retries) throw error;
          this.options.log.warn(`${PROVIDER}: chunk ${offset}-${end - 1} of ${request.size} failed (${(error as Error).message}); asking the session what it holds`);
          await this.pause(error, failures);
          state = await this.retrying('ask the upload session how far it got', () => this.sessionStatus(session, request.size));
        }
        if ('video' in state) {
          request.progress?.(request.size, request.size);
          return state.video;
        }
        if (state.offset > offset) failures = 0;
        else if (++failures > this.options.retries) {
          // A session that answers 308 without taking anything would otherwise be fed the same chunk forever.
          throw new TransientError(`${PROVIDER}: the upload session took nothing at byte ${offset} of ${request.size} after ${failures} attempts`, this.where());
        }
        offset = state.offset;
        request.progress?.(offset, request.size);
      }
    } finally {
      await file.close();
    }
  }

  private async openSession(request: UploadRequest): Promise<string> {
    const url = `${trimBase(this.options.apiBase)}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`;
    const answer = await this.retrying('open an upload session', async () => {
      const reply = await this.authorized('open an upload session', url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=UTF-8', 'x-upload-content-length': String(request.size), 'x-upload-content-type': request.mime },
        body: JSON.stringify(request.resource),
      });
      if (reply.status === 200 || reply.status === 201) return reply;
      throw this.statusError(reply, 'open an upload session');
    });
    const location = answer.headers.get('location');
    if (!location) throw new TransientError(`${PROVIDER}: the upload session was opened without a Location`, this.where());
    // The session URI is relative to the API when a proxy rewrites it.
    return new URL(location, `${trimBase(this.options.apiBase)}/`).toString();
  }

  private async putChunk(session: string, file: FileHandle, from: number, to: number, request: UploadRequest): Promise<SessionState> {
    const length = to - from;
    const chunk = Buffer.alloc(length);
    const { bytesRead } = await file.read(chunk, 0, length, from);
    if (bytesRead !== length) throw new PermanentError(`${PROVIDER}: "${request.path}" changed while it was being uploaded`, this.where());
    const range = length === 0 ? `bytes */${request.size}` : `bytes ${from}-${to - 1}/${request.size}`;
    const reply = await this.authorized('upload a chunk', session, { method: 'PUT', headers: { 'content-type': request.mime, 'content-range': range }, body: chunk });
    return this.sessionAnswer(reply, 'upload a chunk');
  }

  /** `PUT` with `Content-Range: bytes *\/total` and no body: the session says what it holds. */
  private async sessionStatus(session: string, size: number): Promise<SessionState> {
    const reply = await this.authorized('ask the upload session how far it got', session, { method: 'PUT', headers: { 'content-range': `bytes */${size}` }, body: Buffer.alloc(0) });
    return this.sessionAnswer(reply, 'ask the upload session how far it got');
  }

  private sessionAnswer(reply: Answer, what: string): SessionState {
    if (reply.status === 200 || reply.status === 201) return { video: videoOf(reply.text, this.where()) };
    if (reply.status === 308) return { offset: rangeEnd(reply.headers.get('range')) };
    // An expired or unknown session cannot be resumed: a new attempt starts a new one.
    if (reply.status === 404 || reply.status === 410) throw new TransientError(`${PROVIDER}: the upload session expired (HTTP ${reply.status}); the next attempt starts a new one`, this.where());
    throw this.statusError(reply, what);
  }

  /* ---------- thumbnail ---------- */

  async setThumbnail(videoId: string, jpeg: Buffer<ArrayBuffer>, mime = 'image/jpeg'): Promise<void> {
    const url = `${trimBase(this.options.apiBase)}/upload/youtube/v3/thumbnails/set?videoId=${encodeURIComponent(videoId)}&uploadType=media`;
    await this.retrying('set the thumbnail', async () => {
      const reply = await this.authorized('set the thumbnail', url, { method: 'POST', headers: { 'content-type': mime }, body: jpeg });
      if (reply.status >= 200 && reply.status < 300) return reply;
      throw this.statusError(reply, 'set the thumbnail');
    });
  }

  /* ---------- transport and policy ---------- */

  private async send(what: string, url: string, init: { method: string; headers: Record<string, string>; body?: Buffer<ArrayBuffer> | string }): Promise<Answer> {
    const deadline = AbortSignal.timeout(this.options.requestTimeoutMs);
    const signal = AbortSignal.any([this.options.signal, deadline]);
    try {
      // 308 is the protocol's "resume incomplete", not a redirect to follow.
      const response = await fetch(url, { method: init.method, headers: init.headers, ...(init.body === undefined ? {} : { body: init.body }), redirect: 'manual', signal });
      return { status: response.status, headers: response.headers, text: await response.text() };
    } catch (error) {
      if (this.options.signal.aborted) throw this.options.signal.reason;
      if (deadline.aborted) throw new TimeoutError(`${PROVIDER}: no answer within ${this.options.requestTimeoutMs} ms while trying to ${what}`, this.where());
      const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      throw new TransientError(`${PROVIDER}: connection failed while trying to ${what} (${redact(reason, this.secrets)})`, { ...this.where(), cause: error });
    }
  }

  /** A non-success answer as a typed error: quota is permanent and named, "slow down" is transient. */
  private statusError(reply: Answer, what: string): ReelgraphError {
    const { message, reason } = googleError(reply.text);
    const text = redact(`${PROVIDER}: HTTP ${reply.status} while trying to ${what}: ${message}${reason ? ` (${reason})` : ''}`, this.secrets).slice(0, 500);
    if (reason && QUOTA_REASONS.has(reason)) {
      return new YouTubeQuotaError(reason, `${text}; YouTube quota is spent until it resets (daily, Pacific time) — nothing was retried`, this.options.nodeId);
    }
    const retryAfterMs = retryAfterHeader(reply.headers);
    const retry = retryAfterMs === undefined ? {} : { retryAfterMs };
    if (reply.status === 429 || reply.status >= 500 || (reply.status === 403 && reason !== undefined && RATE_REASONS.has(reason))) return new TransientError(text, { ...this.where(), ...retry });
    return new PermanentError(text, this.where());
  }

  /** Retries what throws retryable errors, a bounded number of times with backoff. */
  private async retrying<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    for (let failures = 1; ; failures++) {
      try {
        return await attempt();
      } catch (error) {
        if (this.options.signal.aborted || !isRetryable(error) || failures > this.options.retries) throw error;
        this.options.log.warn(`${PROVIDER}: could not ${what} (${(error as Error).message}); retry ${failures} of ${this.options.retries}`);
        await this.pause(error, failures);
      }
    }
  }

  /** Doubling backoff, or the server's Retry-After when it asks for more (a longer one than the cap goes to the engine). */
  private async pause(error: unknown, failures: number): Promise<void> {
    const asked = retryAfterOf(error);
    if (asked !== undefined && asked > this.options.maxRetryAfterMs) throw error;
    const backoff = Math.min(this.options.backoffMs * 2 ** (failures - 1), 60_000);
    await sleep(Math.max(backoff, asked ?? 0), undefined, { signal: this.options.signal });
  }

  private where(): { location?: { nodeId: string } } {
    return this.options.nodeId ? { location: { nodeId: this.options.nodeId } } : {};
  }
}

const trimBase = (base: string): string => base.replace(/\/+$/, '');

/** `Range: bytes=0-n` → n + 1, the next byte to send; none means the server holds nothing. */
export function rangeEnd(header: string | null): number {
  const match = /^bytes=0-(\d+)$/.exec(header?.trim() ?? '');
  return match ? Number(match[1]) + 1 : 0;
}

/** Google's error envelope: `{error: {code, message, errors: [{reason}]}}`. */
export function googleError(text: string): { message: string; reason?: string } {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown; errors?: Array<{ reason?: unknown }> } };
    const message = typeof parsed.error?.message === 'string' ? parsed.error.message : text.slice(0, 200);
    const reason = parsed.error?.errors?.find((entry) => typeof entry.reason === 'string')?.reason as string | undefined;
    return { message, ...(reason ? { reason } : {}) };
  } catch {
    return { message: text.trim().slice(0, 200) || 'no error message' };
  }
}

function oauthError(text: string): { error: string; description?: string } {
  try {
    const parsed = JSON.parse(text) as { error?: unknown; error_description?: unknown };
    return { error: typeof parsed.error === 'string' ? parsed.error : 'unknown error', ...(typeof parsed.error_description === 'string' ? { description: parsed.error_description } : {}) };
  } catch {
    return { error: text.trim().slice(0, 100) || 'unknown error' };
  }
}

function videoOf(text: string, where: { location?: { nodeId: string } }): VideoResource {
  try {
    const video = JSON.parse(text) as { id?: unknown };
    if (typeof video.id === 'string' && video.id !== '') return video as VideoResource;
  } catch {
    // Falls through to the error below.
  }
  throw new PermanentError(`${PROVIDER}: the upload finished but the answer names no video id`, where);
}
