/**
 * Content-addressed artifact store in an S3-compatible bucket (AWS S3, MinIO,
 * Cloudflare R2, s3rver), shared by workers on several machines.
 *
 * Object layout under the prefix, mirroring the filesystem store:
 *
 *   <prefix>/<hh>/<hash>        the bytes
 *   <prefix>/<hh>/<hash>.json   the handle: mime, size, name and probed media metadata
 *
 * Each process keeps a local cache directory laid out like the filesystem
 * store (`<hh>/<hash>`, read-only blobs, `tmp/` staging), because ffmpeg needs
 * real files. `put` hashes and probes locally exactly as the filesystem store
 * does (the code is shared, see `staging.ts`), uploads, and keeps the staged
 * copy in the cache so the producing worker never downloads its own output.
 * `localPath` downloads into the cache's tmp/, checks the SHA-256 against the
 * name, and only then renames the file into place: a cached file is always
 * the content its hash names.
 *
 * Every request has a deadline. Short requests must finish within `timeoutMs`;
 * transfers must not stall for longer than `timeoutMs` (a large file may take
 * longer in total, as long as bytes keep moving). A server that accepts the
 * connection and never answers yields a `TransientError` naming the object.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';

import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type GetObjectCommandOutput,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';

import {
  isArtifactHandle,
  type ArtifactHandle,
  type ArtifactSource,
  type ArtifactStore,
  type PutOptions,
} from '../contract/artifacts.js';
import { PermanentError, ReelgraphError, TransientError } from '../contract/errors.js';
import {
  ArtifactNotFoundError,
  BlobDirectory,
  buildHandle,
  exists,
  exportCopy,
  fsError,
  handleJson,
  md5File,
  probeStaged,
  shardedName,
  withNewFile,
  writeFully,
} from './staging.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3ArtifactStoreOptions {
  bucket: string;
  /** Key prefix, e.g. `reelgraph/artifacts`; slashes at either end are ignored. Default: none. */
  prefix?: string;
  /** For S3-compatible services: `http://127.0.0.1:9000`, `https://<account>.r2.cloudflarestorage.com`. Default: AWS. */
  endpoint?: string;
  /** Default `us-east-1`. */
  region?: string;
  /** `http://host/bucket/key` instead of `http://bucket.host/key` (MinIO, s3rver). Default false. */
  forcePathStyle?: boolean;
  /** Default: the SDK's chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, profiles, instance roles, …). */
  credentials?: S3Credentials;
  /** Where objects are materialised as files for `localPath()`. */
  cacheDir: string;
  /** Deadline of each request, and the longest a transfer may stall. Default 30 s. */
  timeoutMs?: number;
  /** Attempts per request inside the SDK (5xx, throttling, resets), all within one deadline. Default 3. */
  maxAttempts?: number;
  /** Deadline for probing each stored media file. Default: probeMedia's 60 s. */
  probeTimeoutMs?: number;
  /** Where the SDK's own diagnostics go. Default: nowhere (failures surface as typed errors). */
  logger?: S3ClientConfig['logger'];
}

const QUIET_LOGGER = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_REGION = 'us-east-1';
/** A handle is a few hundred bytes; anything far bigger is not one. */
const MAX_SIDECAR_BYTES = 1024 * 1024;
/** PutObject's limit; beyond it a multipart upload would be needed. */
const MAX_SINGLE_UPLOAD_BYTES = 5 * 1024 ** 3;

export class S3ArtifactStore implements ArtifactStore {
  readonly bucket: string;
  readonly prefix: string;
  /** The SDK client, e.g. to add middleware or `destroy()` its sockets at shutdown. */
  readonly client: S3Client;
  private readonly cache: BlobDirectory;
  private readonly timeoutMs: number;
  private readonly endpoint: string | undefined;
  private readonly secrets: string[];
  /** One download per hash at a time in this process; later callers wait for it. */
  private readonly downloads = new Map<string, Promise<string>>();

  constructor(private readonly options: S3ArtifactStoreOptions) {
    this.bucket = validBucket(options.bucket);
    this.prefix = normalisePrefix(options.prefix ?? '');
    this.endpoint = options.endpoint === undefined ? undefined : validEndpoint(options.endpoint);
    this.timeoutMs = positiveNumber(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs');
    if (!options.cacheDir) throw new PermanentError('S3 artifact store: cacheDir is required');
    this.cache = new BlobDirectory(options.cacheDir);
    const { credentials } = options;
    if (credentials && (!credentials.accessKeyId || !credentials.secretAccessKey)) {
      throw new PermanentError('S3 artifact store: credentials need both an access key id and a secret access key');
    }
    this.secrets = [credentials?.accessKeyId, credentials?.secretAccessKey, credentials?.sessionToken].filter(
      (secret): secret is string => typeof secret === 'string' && secret.length >= 4,
    );
    this.client = new S3Client({
      region: options.region || DEFAULT_REGION,
      ...(this.endpoint !== undefined ? { endpoint: this.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      ...(credentials ? { credentials } : {}),
      maxAttempts: Math.max(1, Math.floor(options.maxAttempts ?? 3)),
      // Connection and idle-socket limits inside the SDK; the overall deadline is ours (see `Deadline`).
      requestHandler: { connectionTimeout: this.timeoutMs, socketTimeout: this.timeoutMs },
      // Integrity is ours too (Content-MD5 up, SHA-256 down); the SDK's default
      // CRC trailers in aws-chunked bodies are not understood by every S3-compatible server.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Without a logger the SDK warns on the console about failures we report as typed errors anyway.
      logger: options.logger ?? QUIET_LOGGER,
    });
  }

  /** The cache directory's root. */
  get cacheDir(): string {
    return this.cache.root;
  }

  /**
   * Stage and hash locally, probe, upload the handle and then the bytes
   * (skipped when the bucket has them), and keep the staged file in the
   * cache. A failed put leaves no temp file behind, and a moved source where
   * it was.
   */
  async put(source: ArtifactSource, options: PutOptions): Promise<ArtifactHandle> {
    const staged = await this.cache.stage(source, options.move === true);
    try {
      const probed = await probeStaged(staged, source, options, this.options.probeTimeoutMs);
      const handle = buildHandle(staged, options, probed);
      // Sidecar first: whoever sees the blob can also read its handle.
      await this.putSmallObject(this.sidecarKey(handle.hash), handleJson(handle), 'application/json');
      await this.uploadBlob(staged.hash, staged.bytes, staged.path);
      await this.cache.publish(staged);
      if ('path' in source && options.move) await this.cache.removeMovedSource(source.path, staged.hash);
      return handle;
    } catch (error) {
      await this.cache.discard(staged);
      throw error;
    }
  }

  async has(hash: string): Promise<boolean> {
    return (await this.headSize(this.blobKey(hash))) !== undefined;
  }

  /** The cached file, downloading and verifying it first when this machine has not seen it. */
  async localPath(handle: Pick<ArtifactHandle, 'hash'>): Promise<string> {
    const { hash } = handle;
    const path = this.cache.blobPath(hash);
    if (await exists(path)) return path;
    let pending = this.downloads.get(hash);
    if (!pending) {
      pending = this.download(hash).finally(() => this.downloads.delete(hash));
      this.downloads.set(hash, pending);
    }
    return pending;
  }

  async read(handle: Pick<ArtifactHandle, 'hash'>): Promise<Uint8Array> {
    return readFile(await this.localPath(handle));
  }

  /**
   * The handle recorded for `hash`. Content whose handle object was removed
   * by hand still yields a truthful, if minimal, handle; a handle without
   * content (a put that died between its two uploads) is not found.
   */
  async getHandle(hash: string): Promise<ArtifactHandle> {
    const blobKey = this.blobKey(hash);
    const sidecarKey = this.sidecarKey(hash);
    const [size, json] = await Promise.all([this.headSize(blobKey), this.getSmallObject(sidecarKey)]);
    if (size === undefined) throw new ArtifactNotFoundError(hash, this.url(blobKey));
    if (json === undefined) return { hash, mime: 'application/octet-stream', bytes: size };
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      parsed = undefined;
    }
    if (!isArtifactHandle(parsed) || parsed.hash !== hash) {
      throw new PermanentError(`${this.url(sidecarKey)} is not a valid handle for artifact ${hash}`);
    }
    return parsed;
  }

  /**
   * Copy an artifact to `destPath` for delivery, atomically (see `exportCopy`),
   * downloading it first if needed. Returns the absolute destination path.
   */
  async export(handle: Pick<ArtifactHandle, 'hash'>, destPath: string): Promise<string> {
    return exportCopy(await this.localPath(handle), destPath, handle.hash);
  }

  /* ---------- keys ---------- */

  /** Validates the hash first: a hostile one never becomes a key or a path. */
  private blobKey(hash: string): string {
    return `${this.prefix ? `${this.prefix}/` : ''}${shardedName(hash)}`;
  }

  private sidecarKey(hash: string): string {
    return `${this.blobKey(hash)}.json`;
  }

  private url(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  /* ---------- transfers ---------- */

  /** Uploads the blob unless the bucket already holds an object of its size under its name. */
  private async uploadBlob(hash: string, bytes: number, path: string): Promise<void> {
    const key = this.blobKey(hash);
    // A same-named object of another size is a broken earlier upload: replace it.
    if ((await this.headSize(key)) === bytes) return;
    if (bytes > MAX_SINGLE_UPLOAD_BYTES) {
      throw new PermanentError(`cannot upload artifact ${hash} to ${this.url(key)}: ${bytes} bytes exceed 5 GiB`);
    }
    // S3 rejects a body whose MD5 differs (BadDigest): a corrupted upload never lands under the hash.
    const contentMd5 = await md5File(path);
    const body = createReadStream(path);
    try {
      await this.request('PutObject', key, (signal) =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: body,
            ContentLength: bytes,
            ContentMD5: contentMd5,
            ContentType: 'application/octet-stream',
          }),
          { abortSignal: signal },
        ),
        // Progress is what the SDK has pulled from the file.
        () => body.bytesRead,
      );
    } finally {
      body.destroy();
    }
  }

  /**
   * Downloads into the cache's tmp/, hashing on the way; publishes only
   * content that matches its name. Nothing is left behind on failure.
   */
  private async download(hash: string): Promise<string> {
    const key = this.blobKey(hash);
    await this.cache.ensureTmpDir();
    const temp = this.cache.tempPath();
    let received = 0;
    try {
      const digest = await this.request(
        'GetObject',
        key,
        async (signal, deadline) => {
          const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
            abortSignal: signal,
          });
          const body = responseBody(response);
          deadline.onExpire(() => body.destroy());
          const sha256 = createHash('sha256');
          try {
            await withNewFile(temp, async (file) => {
              for await (const chunk of body as AsyncIterable<Buffer>) {
                sha256.update(chunk);
                received += chunk.length;
                await writeFully(file, chunk).catch((error: unknown) => {
                  throw fsError(`cannot cache ${this.url(key)}`, temp, error);
                });
              }
            });
          } catch (error) {
            // Here, not only below: after a timeout this runs once the file is closed.
            await rm(temp, { force: true });
            throw error;
          }
          return { hash: sha256.digest('hex'), expectedBytes: response.ContentLength };
        },
        () => received,
        hash,
      );
      if (digest.expectedBytes !== undefined && received !== digest.expectedBytes) {
        throw new TransientError(
          `download of ${this.url(key)} was cut short: ${received} of ${digest.expectedBytes} bytes`,
        );
      }
      if (digest.hash !== hash) {
        throw new PermanentError(
          `${this.url(key)} is corrupt: its ${received} bytes hash to ${digest.hash}, not to the name ${hash}`,
        );
      }
      await this.cache.publish({ hash, bytes: received, path: temp, temporary: true });
      return this.cache.blobPath(hash);
    } finally {
      await rm(temp, { force: true });
    }
  }

  /** The object's size, or undefined when there is none. */
  private async headSize(key: string): Promise<number | undefined> {
    try {
      const head = await this.request('HeadObject', key, (signal) =>
        this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal }),
      );
      return head.ContentLength ?? 0;
    } catch (error) {
      if (error instanceof S3NotFound) return undefined;
      throw error;
    }
  }

  /** A small object's text, or undefined when there is none. */
  private async getSmallObject(key: string): Promise<string | undefined> {
    try {
      return await this.request('GetObject', key, async (signal, deadline) => {
        const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }), {
          abortSignal: signal,
        });
        const body = responseBody(response);
        deadline.onExpire(() => body.destroy());
        if ((response.ContentLength ?? 0) > MAX_SIDECAR_BYTES) {
          body.destroy();
          throw new PermanentError(`${this.url(key)} is too large for a handle (${response.ContentLength} bytes)`);
        }
        const chunks: Buffer[] = [];
        for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
        return Buffer.concat(chunks).toString('utf8');
      });
    } catch (error) {
      if (error instanceof S3NotFound) return undefined;
      throw error;
    }
  }

  private async putSmallObject(key: string, text: string, contentType: string): Promise<void> {
    const body = Buffer.from(text, 'utf8');
    await this.request('PutObject', key, (signal) =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentMD5: createHash('md5').update(body).digest('base64'),
          ContentType: contentType,
        }),
        { abortSignal: signal },
      ),
    );
  }

  /**
   * Runs one S3 exchange under a deadline and turns whatever goes wrong into
   * a typed error naming the bucket and key. The deadline is enforced here,
   * not only inside the SDK, so no SDK code path (retries, waiting for
   * `100 Continue`) can outlast it. With `progress`, the deadline restarts
   * whenever the value changes: a transfer may take long, but never stall.
   * A 404 becomes `ArtifactNotFoundError` when `notFoundHash` is given, an
   * internal `S3NotFound` otherwise.
   */
  private async request<T>(
    action: string,
    key: string,
    run: (signal: AbortSignal, deadline: Deadline) => Promise<T>,
    progress?: () => number,
    notFoundHash?: string,
  ): Promise<T> {
    const deadline = new Deadline(this.timeoutMs, progress);
    const attempt = run(deadline.signal, deadline);
    try {
      return await Promise.race([attempt, deadline.expired]);
    } catch (error) {
      if (!deadline.hasExpired && isNotFound(error)) {
        if (notFoundHash !== undefined) throw new ArtifactNotFoundError(notFoundHash, this.url(key));
        throw new S3NotFound();
      }
      throw this.typedError(action, key, error, deadline.hasExpired);
    } finally {
      deadline.dispose();
      // After a timeout the SDK's promise still settles (aborted); nobody awaits it.
      attempt.catch(() => {});
    }
  }

  private typedError(action: string, key: string, error: unknown, timedOut: boolean): ReelgraphError {
    const where = `${this.url(key)}${this.endpoint ? ` at ${this.endpoint}` : ''}`;
    if (timedOut || isTimeout(error)) {
      return new TransientError(`S3 ${action} ${where} timed out after ${this.timeoutMs} ms`, {
        location: { file: this.url(key) },
      });
    }
    if (error instanceof ReelgraphError) return error;

    const status = httpStatus(error);
    const code = errorCode(error);
    const detail = this.redact([status, code, errorMessage(error)].filter(Boolean).join(' '));
    const options = { location: { file: this.url(key) }, cause: new Error(detail) };
    if (code === 'CredentialsProviderError') {
      return new PermanentError(
        `S3 ${action} ${where}: no credentials (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure an AWS profile or role): ${detail}`,
        options,
      );
    }
    if (code === 'NoSuchBucket') {
      return new PermanentError(`S3 ${action} ${where}: bucket "${this.bucket}" does not exist`, options);
    }
    if (status === 401 || status === 403) {
      return new PermanentError(`S3 ${action} ${where}: access denied (${detail})`, options);
    }
    if (status === undefined || status === 408 || status === 429 || status >= 500) {
      return new TransientError(`S3 ${action} ${where} failed: ${detail}`, options);
    }
    return new PermanentError(`S3 ${action} ${where} failed: ${detail}`, options);
  }

  /** SDK messages should never carry credentials; make sure of it. */
  private redact(text: string): string {
    return this.secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
  }
}

/** A 404 for an object, handled by the caller (has → false, getHandle → minimal handle). */
class S3NotFound extends Error {}

/**
 * A deadline for one request: aborts its signal, rejects `expired` and runs
 * the `onExpire` callbacks once `ms` pass without progress.
 */
class Deadline {
  readonly expired: Promise<never>;
  hasExpired = false;
  private readonly controller = new AbortController();
  private readonly callbacks: Array<() => void> = [];
  private timer: NodeJS.Timeout | undefined;
  private lastProgress: number | undefined;
  private rejectExpired!: (error: Error) => void;

  constructor(
    private readonly ms: number,
    private readonly progress?: () => number,
  ) {
    this.expired = new Promise<never>((_, reject) => (this.rejectExpired = reject));
    this.expired.catch(() => {});
    this.lastProgress = progress?.();
    this.arm();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  onExpire(callback: () => void): void {
    if (this.hasExpired) callback();
    else this.callbacks.push(callback);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }

  private arm(): void {
    this.timer = setTimeout(() => this.check(), this.ms);
  }

  private check(): void {
    const now = this.progress?.();
    if (now !== undefined && now !== this.lastProgress) {
      this.lastProgress = now;
      this.arm();
      return;
    }
    this.hasExpired = true;
    const error = new Error(`deadline of ${this.ms} ms passed`);
    error.name = 'TimeoutError';
    this.controller.abort(error);
    this.rejectExpired(error);
    for (const callback of this.callbacks.splice(0)) callback();
  }
}

function responseBody(response: GetObjectCommandOutput): Readable {
  const body = response.Body as unknown;
  if (!(body instanceof Readable)) throw new TransientError('S3 GetObject returned no readable body');
  return body;
}

/* ---------- classifying SDK errors ---------- */

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

function httpStatus(error: unknown): number | undefined {
  const status = (error as SdkErrorShape | undefined)?.$metadata?.httpStatusCode;
  return typeof status === 'number' && status > 0 ? status : undefined;
}

function errorCode(error: unknown): string | undefined {
  const shape = error as SdkErrorShape | undefined;
  return shape?.Code ?? shape?.code ?? (shape?.name && shape.name !== 'Error' ? shape.name : undefined);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isNotFound(error: unknown): boolean {
  const code = errorCode(error);
  if (code === 'NoSuchBucket') return false;
  return code === 'NotFound' || code === 'NoSuchKey' || httpStatus(error) === 404;
}

function isTimeout(error: unknown): boolean {
  const shape = error as SdkErrorShape | undefined;
  return shape?.name === 'TimeoutError' || shape?.code === 'ETIMEDOUT' || httpStatus(error) === 408;
}

/* ---------- configuration ---------- */

function validBucket(bucket: string): string {
  // Lenient on purpose: S3-compatible services and legacy AWS buckets differ in what they allow.
  if (typeof bucket !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/.test(bucket)) {
    throw new PermanentError(`S3 artifact store: invalid bucket name ${JSON.stringify(bucket)}`);
  }
  return bucket;
}

function normalisePrefix(prefix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  const segments = trimmed === '' ? [] : trimmed.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new PermanentError(`S3 artifact store: invalid key prefix ${JSON.stringify(prefix)}`);
  }
  return segments.join('/');
}

function validEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new PermanentError(`S3 artifact store: invalid endpoint ${JSON.stringify(endpoint)}: not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new PermanentError(`S3 artifact store: invalid endpoint ${JSON.stringify(endpoint)}: expected http(s)://`);
  }
  // Credentials in a URL end up in logs and error messages.
  if (url.username || url.password) {
    throw new PermanentError('S3 artifact store: the endpoint URL must not contain credentials');
  }
  return endpoint.replace(/\/+$/, '');
}

function positiveNumber(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new PermanentError(`S3 artifact store: ${name} must be a positive number of milliseconds, got ${value}`);
  }
  return value;
}
