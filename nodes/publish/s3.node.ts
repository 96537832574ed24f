/**
 * publish.s3: the export package's deliverables into an S3-compatible
 * bucket (AWS S3, MinIO, Cloudflare R2, …) under a prefix, one object per
 * file, named as the package named it.
 *
 * The AWS SDK is loaded inside execute: the CLI loads every node type at
 * start and must not pay for the SDK (tests/cli-startup.test.ts).
 *
 * Each object goes up with its Content-MD5, so the bucket refuses a body
 * corrupted on the way; an object already there with the same MD5 (its ETag
 * for a single-part put) is left alone, so a rerun sends nothing new. Access
 * and missing-bucket answers are permanent; throttling, 5xx and timeouts are
 * retried by the SDK within the request's deadline and then by the engine.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { defineNode, nodeParams, PermanentError, TimeoutError, TransientError, Type, type CredentialSpec, type NodeContext, type ReelgraphError, type Static } from '../../runtime/contract/index.js';
import { redact } from '../http/client.js';
import { currentSize, deliverableMime, deliverablesOf, fileNameOf, type Deliverable } from './deliverables.js';

const NODE_TYPE = 'publish.s3';
const credential: CredentialSpec = {
  name: 'publish-s3',
  title: 'S3 bucket for deliverables (access key)',
  env: { accessKeyId: 'AWS_ACCESS_KEY_ID', secretAccessKey: 'AWS_SECRET_ACCESS_KEY' },
  // Without it the SDK's own chain answers (profiles, instance roles).
  optional: true,
};
const publishableKinds = ['mp4', 'srt', 'vtt', 'thumbnail', 'chapters', 'otio', 'fcpxml'] as const;
/** PutObject's limit; a bigger file needs a multipart upload, which this node does not do. */
const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;

const params = nodeParams({
  bucket: Type.String({ title: 'Bucket', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$' }),
  prefix: Type.String({ title: 'Key prefix', default: '', description: 'e.g. episodes/last-terminal/ep01; slashes at either end are ignored.' }),
  endpoint: Type.Optional(Type.String({ title: 'Endpoint', format: 'uri', description: 'For S3-compatible services (http://127.0.0.1:9000, https://<account>.r2.cloudflarestorage.com). Default: AWS.' })),
  region: Type.String({ title: 'Region', default: 'us-east-1' }),
  forcePathStyle: Type.Boolean({ title: 'Path-style URLs', default: false, description: 'http://host/bucket/key instead of http://bucket.host/key (MinIO, s3rver).' }),
  files: Type.Array(Type.Unsafe<(typeof publishableKinds)[number]>({ enum: [...publishableKinds] }), { title: 'Files to publish', uniqueItems: true, default: ['mp4', 'srt', 'vtt', 'thumbnail', 'chapters'] }),
  publicBaseUrl: Type.Optional(Type.String({ title: 'Public base URL', format: 'uri', description: 'Where the bucket is served (a CDN); the output URLs start with it. Default: the bucket’s own URL.' })),
  requestTimeoutMs: Type.Integer({ title: 'Request timeout (ms)', minimum: 100, default: 120_000, description: 'Connection and stall limit of each request.' }),
});
type Params = Static<typeof params>;

export interface PublishedObject {
  kind: string;
  key: string;
  url: string;
  bytes: number;
  /** False when the same bytes were already there. */
  uploaded: boolean;
}

const trimSlashes = (text: string): string => text.replace(/^\/+|\/+$/g, '');
const encodeKey = (key: string): string => key.split('/').map(encodeURIComponent).join('/');

/** Where an object is read: the public base when given, else the bucket's own address in the style the client uses. */
export function objectUrl(params: Pick<Params, 'bucket' | 'region' | 'forcePathStyle' | 'endpoint' | 'publicBaseUrl'>, key: string): string {
  if (params.publicBaseUrl) return `${params.publicBaseUrl.replace(/\/+$/, '')}/${encodeKey(key)}`;
  if (params.endpoint) {
    const endpoint = new URL(params.endpoint);
    const base = endpoint.toString().replace(/\/+$/, '');
    if (params.forcePathStyle) return `${base}/${params.bucket}/${encodeKey(key)}`;
    return `${endpoint.protocol}//${params.bucket}.${endpoint.host}${endpoint.pathname.replace(/\/+$/, '')}/${encodeKey(key)}`;
  }
  return params.forcePathStyle ? `https://s3.${params.region}.amazonaws.com/${params.bucket}/${encodeKey(key)}` : `https://${params.bucket}.s3.${params.region}.amazonaws.com/${encodeKey(key)}`;
}

async function md5Of(path: string, signal: AbortSignal): Promise<Buffer> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer);
  return hash.digest();
}

interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** An SDK failure as a typed error: refusals are permanent, the rest transient. */
function s3Error(error: unknown, what: string, nodeId: string, secrets: string[], signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  const shape = (error ?? {}) as SdkError;
  const status = shape.$metadata?.httpStatusCode;
  const code = shape.Code ?? (shape.name && shape.name !== 'Error' ? shape.name : undefined);
  const message = redact(`${NODE_TYPE}: could not ${what}: ${code ? `${code}: ` : ''}${shape.message ?? String(error)}${status ? ` (HTTP ${status})` : ''}`, secrets).slice(0, 500);
  const options = { location: { nodeId }, cause: error };
  const made: ReelgraphError =
    shape.name === 'TimeoutError' || status === 408
      ? new TimeoutError(message, options)
      : status !== undefined && status >= 400 && status < 500 && status !== 429
        ? new PermanentError(message, options)
        : new TransientError(message, options);
  return made;
}

export default defineNode({
  type: NODE_TYPE,
  version: 1,
  title: 'Publish to S3',
  category: 'export',
  description:
    'Puts the export package’s deliverables (video, captions, thumbnail, chapters, …) into any S3-compatible bucket under a prefix and outputs their URLs. Files already there with the same bytes are not sent again.',
  inputs: [{ name: 'files', type: 'Json', title: 'Package files', description: 'The export package’s files.' }],
  outputs: [
    { name: 'objects', type: 'Json', title: 'Objects', description: 'A list of { kind, key, url, bytes, uploaded }.' },
    { name: 'urls', type: 'Json', title: 'URLs by kind', description: '{ mp4: "https://…", srt: "https://…", … }' },
  ],
  params,
  resource: 'io',
  // A side effect on the bucket; reruns are cheap because unchanged objects are skipped.
  cacheable: false,
  retry: { retries: 2, backoffMs: 5_000 },
  timeoutMs: 3_600_000,
  credentials: [credential],
  async execute(ctx: NodeContext<Params>) {
    const { params, nodeId, signal } = ctx;
    const wanted = new Set<string>(params.files);
    const files = deliverablesOf(ctx.inputs.files, nodeId).filter((file) => wanted.has(file.kind));
    if (files.length === 0) throw new PermanentError(`${NODE_TYPE}: the package has none of the files to publish (${params.files.join(', ')})`, { location: { nodeId, port: 'files' } });
    const stored = await ctx.credentials.get(credential.name);
    const credentials = stored?.accessKeyId && stored.secretAccessKey ? { accessKeyId: stored.accessKeyId, secretAccessKey: stored.secretAccessKey, ...(stored.sessionToken ? { sessionToken: stored.sessionToken } : {}) } : undefined;
    const secrets = [credentials?.accessKeyId, credentials?.secretAccessKey, credentials?.sessionToken].filter((value): value is string => typeof value === 'string' && value.length >= 4);

    const { S3Client, HeadObjectCommand, PutObjectCommand } = await import('@aws-sdk/client-s3');
    const client = new S3Client({
      region: params.region,
      ...(params.endpoint ? { endpoint: params.endpoint } : {}),
      forcePathStyle: params.forcePathStyle,
      ...(credentials ? { credentials } : {}),
      requestHandler: { connectionTimeout: params.requestTimeoutMs, socketTimeout: params.requestTimeoutMs },
      // Integrity is the Content-MD5; the SDK's CRC trailers are not understood by every S3-compatible server.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    });
    const prefix = trimSlashes(params.prefix);
    const objects: PublishedObject[] = [];
    try {
      for (const [index, file] of files.entries()) {
        const object = await publishOne(file);
        objects.push(object);
        ctx.progress((index + 1) / files.length, `${object.uploaded ? 'uploaded' : 'already there'}: ${object.key}`);
      }
    } finally {
      client.destroy();
    }
    ctx.log.info(`${NODE_TYPE}: ${objects.filter((object) => object.uploaded).length} of ${objects.length} objects uploaded to ${params.bucket}`);
    return { objects, urls: Object.fromEntries(objects.map((object) => [object.kind, object.url])) };

    async function publishOne(file: Deliverable): Promise<PublishedObject> {
      const key = [prefix, fileNameOf(file)].filter(Boolean).join('/');
      const bytes = await currentSize(file, nodeId);
      if (bytes > MAX_SINGLE_PUT_BYTES) throw new PermanentError(`${NODE_TYPE}: "${file.path}" is over 5 GiB, more than one PUT takes`, { location: { nodeId, port: 'files' } });
      const md5 = await md5Of(file.path, signal);
      const url = objectUrl(params, key);
      const existing = await client
        .send(new HeadObjectCommand({ Bucket: params.bucket, Key: key }), { abortSignal: signal })
        .catch((error: unknown) => {
          if ((error as SdkError).$metadata?.httpStatusCode === 404 || (error as SdkError).name === 'NotFound') return undefined;
          throw s3Error(error, `look at s3://${params.bucket}/${key}`, nodeId, secrets, signal);
        });
      if (existing?.ETag === `"${md5.toString('hex')}"` && existing.ContentLength === bytes) return { kind: file.kind, key, url, bytes, uploaded: false };
      const body = createReadStream(file.path);
      try {
        await client.send(
          new PutObjectCommand({ Bucket: params.bucket, Key: key, Body: body, ContentLength: bytes, ContentMD5: md5.toString('base64'), ContentType: deliverableMime[file.kind] ?? 'application/octet-stream' }),
          { abortSignal: signal },
        );
      } catch (error) {
        throw s3Error(error, `put s3://${params.bucket}/${key}`, nodeId, secrets, signal);
      } finally {
        body.destroy();
      }
      return { kind: file.kind, key, url, bytes, uploaded: true };
    }
  },
});
