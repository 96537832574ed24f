/**
 * Bringing a provider's finished video home: stream it to a temp file under
 * the job's deadline and a size limit, refuse anything that is not a whole,
 * playable video (an HTML error page, an empty body, a truncated MP4), then
 * conform it to the run's picture and store it as a VideoClip.
 *
 * A dropped connection or a short body is retryable (the result is paid for;
 * fetching it again is free). Content that arrived whole but is not video is
 * permanent: the same URL will serve the same bytes.
 */
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { PermanentError, type ArtifactStore } from '../../../runtime/contract/index.js';
import { ffmpegPath, runTool, ToolError } from '../../../runtime/media/binaries.js';
import { httpError, openProvider } from '../../http/client.js';
import { storeClip, type VideoClipValue } from '../../video/clip.js';
import { conformClip, type Extend, type Fit } from '../../video/conform.js';
import type { VideoFormat } from '../../video/profiles.js';
import { withRetries, type Job } from './async-job.js';

/** A 10 s 1080p clip is tens of megabytes; anything near this is not a scene clip. */
const MAX_DOWNLOAD_BYTES = 1024 * 1024 * 1024;
const DOWNLOAD_TIMEOUT_MS = 300_000;
const DOWNLOAD_ATTEMPTS = 3;
const DOWNLOAD_RETRY_MS = 500;
/** Error bodies are read only this far: enough for a provider's message. */
const ERROR_BODY_BYTES = 4096;

export interface VideoSource {
  url: string;
  /** Only for URLs on the provider's own API (ComfyUI's /view); CDN links are pre-signed and get no key. */
  headers?: Record<string, string>;
  secrets?: string[];
}

/** Container signatures ffmpeg reads: ISO BMFF (MP4/MOV) boxes at offset 4, EBML (WebM/MKV), GIF. */
const signatures: Array<{ name: string; test: (head: Buffer) => boolean }> = [
  { name: 'MP4/MOV', test: (head) => ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip'].includes(head.toString('latin1', 4, 8)) },
  { name: 'WebM/Matroska', test: (head) => head.readUInt32BE(0) === 0x1a45dfa3 },
  { name: 'GIF', test: (head) => head.toString('latin1', 0, 4) === 'GIF8' },
];

/** What a body that is not video looks like, for the error message. */
function describe(head: Buffer): string {
  const text = head.toString('utf8').trimStart().toLowerCase();
  if (text.startsWith('<')) return 'HTML or XML (an error page?)';
  if (text.startsWith('{') || text.startsWith('[')) return 'JSON';
  return `bytes ${head.subarray(0, 8).toString('hex')}`;
}

/** Media types that are never video: servers label their error pages honestly even when the status lies. */
const NOT_VIDEO = /^(text\/|application\/(json|xml|xhtml|problem))/i;

async function downloadOnce(job: Job, source: VideoSource, path: string): Promise<void> {
  const secrets = source.secrets ?? [];
  const opened = await openProvider({ provider: job.label, url: source.url, ...(source.headers ? { headers: source.headers } : {}), timeoutMs: DOWNLOAD_TIMEOUT_MS, signal: job.signal, secrets, maxBytes: MAX_DOWNLOAD_BYTES });
  const { response } = opened;
  const type = response.headers.get('content-type') ?? '';
  if (!response.ok || NOT_VIDEO.test(type)) {
    const body = await readHead(opened.response, opened.readFailed);
    const detail = body.toString('utf8').trim().slice(0, 300);
    if (!response.ok) throw httpError(`${job.label}: downloading the result`, { status: response.status, headers: response.headers, body }, detail || response.statusText, { secrets });
    throw new PermanentError(`${job.label}: the result URL served ${type.split(';')[0]}, not a video`);
  }
  if (!response.body) throw new PermanentError(`${job.label}: the result URL served an empty file`);
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.byteLength;
      done(received > MAX_DOWNLOAD_BYTES ? new PermanentError(`${job.label}: the video is over ${MAX_DOWNLOAD_BYTES} bytes`) : null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), counter, createWriteStream(path));
  } catch (error) {
    throw error instanceof PermanentError ? error : opened.readFailed(error);
  }
  opened.checkComplete(received);
  if (received === 0) throw new PermanentError(`${job.label}: the result URL served an empty file`);
}

/** The start of a body that is an error or not video: enough for the message, without reading a page of any size. */
async function readHead(response: Response, readFailed: (error: unknown) => unknown): Promise<Buffer> {
  const reader = response.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < ERROR_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch (error) {
    throw readFailed(error);
  } finally {
    await reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_BYTES);
}

async function checkSignature(job: Job, path: string): Promise<void> {
  const file = await open(path);
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(16), 0, 16, 0);
    const head = buffer.subarray(0, bytesRead);
    if (bytesRead < 8 || !signatures.some((s) => s.test(head))) throw new PermanentError(`${job.label}: the download is not a video (${describe(head)})`);
  } finally {
    await file.close();
  }
}

/**
 * A full decode that stops at the first error. A truncated MP4 whose index
 * comes first decodes "successfully" up to the cut without this, and would be
 * frozen into a clip that silently lacks its second half.
 */
async function checkPlayable(job: Job, path: string): Promise<void> {
  try {
    await runTool(ffmpegPath(), ['-hide_banner', '-nostats', '-v', 'error', '-xerror', '-i', path, '-map', '0:v:0', '-f', 'null', '-'], { timeoutMs: 120_000, signal: job.signal });
  } catch (error) {
    if (!(error instanceof ToolError)) throw error;
    const reason = error.stderrTail.split('\n').filter(Boolean).at(-1) ?? `ffmpeg exited with ${error.exitCode}`;
    throw new PermanentError(`${job.label}: the downloaded video is truncated or corrupt (${reason.replace(path, 'download')})`);
  }
}

/** Downloads and verifies a finished video; returns the local file. */
export async function downloadVideo(job: Job, source: VideoSource, dir: string): Promise<string> {
  const path = join(dir, 'download');
  await withRetries(job, () => downloadOnce(job, source, path), { attempts: DOWNLOAD_ATTEMPTS, delayMs: DOWNLOAD_RETRY_MS });
  await checkSignature(job, path);
  await checkPlayable(job, path);
  return path;
}

export interface DeliverOptions {
  format: VideoFormat;
  duration: number;
  fit: Fit;
  extend: Extend;
  sceneId: string;
  provider: string;
  signal: AbortSignal;
}

/** The download made exactly the scene's picture, frame count and rate, then moved into the store. */
export async function deliverClip(artifacts: ArtifactStore, input: string, dir: string, options: DeliverOptions): Promise<VideoClipValue> {
  const output = join(dir, 'clip.mp4');
  await conformClip(input, output, { format: options.format, duration: options.duration, fit: options.fit, extend: options.extend, signal: options.signal });
  return storeClip(artifacts, output, {
    format: options.format,
    duration: options.duration,
    codec: 'h264',
    name: `${options.sceneId}.mp4`,
    sceneId: options.sceneId,
    provider: options.provider,
  });
}
