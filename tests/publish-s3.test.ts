import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import s3 from '../nodes/publish/s3.node.js';
import { runPublish } from './fixtures/publish-context.js';

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: { address: string; port: number; directory: string; silent: boolean; configureBuckets: Array<{ name: string }> }) => S3rverInstance;
// s3rver is CommonJS without type declarations.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

const BUCKET = 'deliverables';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

let root: string;
let server: S3rverInstance;
let endpoint: string;
let raw: S3Client;
let dir: string;
let files: Array<{ kind: string; path: string; bytes: number }>;
const contents = new Map<string, Buffer>();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reelgraph-publish-s3-'));
  server = new S3rver({ address: '127.0.0.1', port: 0, directory: join(root, 's3rver'), silent: true, configureBuckets: [{ name: BUCKET }] });
  endpoint = `http://127.0.0.1:${(await server.run()).port}`;
  raw = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS });
});

afterAll(async () => {
  raw?.destroy();
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

beforeEach(async () => {
  dir = await mkdtemp(join(root, 'case-'));
  const made: Array<[string, string, Buffer]> = [
    ['mp4', 'Last Terminal e01 Signal.mp4', randomBytes(300_000)],
    ['srt', 'Last Terminal e01 Signal.srt', Buffer.from('1\n00:00:00,000 --> 00:00:02,000\nHello.\n')],
    ['vtt', 'Last Terminal e01 Signal.vtt', Buffer.from('WEBVTT\n\n00:00.000 --> 00:02.000\nHello.\n')],
    ['thumbnail', 'Last Terminal e01 Signal.jpg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), randomBytes(5000)])],
    ['otio', 'Last Terminal e01 Signal.otio', Buffer.from('{}')],
  ];
  files = [];
  contents.clear();
  for (const [kind, name, bytes] of made) {
    await writeFile(join(dir, name), bytes);
    files.push({ kind, path: join(dir, name), bytes: bytes.byteLength });
    contents.set(kind, bytes);
  }
});

const prefix = (): string => `episodes/${randomBytes(4).toString('hex')}`;

async function objectOf(key: string): Promise<{ bytes: Buffer; type: string | undefined }> {
  const answer = await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return { bytes: Buffer.from(await answer.Body!.transformToByteArray()), type: answer.ContentType };
}

function publish(params: Record<string, unknown>) {
  return runPublish(s3, { dir, params: { bucket: BUCKET, endpoint, forcePathStyle: true, requestTimeoutMs: 5_000, ...params }, inputs: { files }, credentials: { 'publish-s3': CREDENTIALS } });
}

describe('publish.s3', () => {
  it('puts the video, captions, thumbnail and chapters the package gives under the prefix, byte for byte, and outputs their URLs', async () => {
    const at = prefix();
    const outputs = await publish({ prefix: `/${at}/` }).result;
    const objects = outputs.objects as Array<{ kind: string; key: string; url: string; uploaded: boolean }>;

    // The default set: the otio file is not among them; there was no chapters file.
    expect(objects.map((object) => object.kind)).toEqual(['mp4', 'srt', 'vtt', 'thumbnail']);
    expect(objects.every((object) => object.uploaded)).toBe(true);
    for (const object of objects) {
      expect(object.key).toBe(`${at}/${files.find((file) => file.kind === object.kind)!.path.split('/').pop()}`);
      const stored = await objectOf(object.key);
      expect(stored.bytes.equals(contents.get(object.kind)!), object.kind).toBe(true);
      expect(object.url).toBe(`${endpoint}/${BUCKET}/${object.key.split('/').map(encodeURIComponent).join('/')}`);
    }
    expect((await objectOf(objects[0]!.key)).type).toBe('video/mp4');
    expect((await objectOf(objects[3]!.key)).type).toBe('image/jpeg');
    expect(outputs.urls).toEqual(Object.fromEntries(objects.map((object) => [object.kind, object.url])));
  });

  it('sends again only what changed', async () => {
    const at = prefix();
    await publish({ prefix: at, files: ['mp4', 'srt'] }).result;
    const same = (await publish({ prefix: at, files: ['mp4', 'srt'] }).result).objects as Array<{ kind: string; uploaded: boolean }>;
    expect(same.map((object) => object.uploaded)).toEqual([false, false]);

    const edited = Buffer.from('1\n00:00:00,000 --> 00:00:02,000\nHello again.\n');
    await writeFile(files[1]!.path, edited);
    const changed = (await publish({ prefix: at, files: ['mp4', 'srt'] }).result).objects as Array<{ kind: string; key: string; uploaded: boolean }>;
    expect(changed.map((object) => object.uploaded)).toEqual([false, true]);
    expect((await objectOf(changed[1]!.key)).bytes.equals(edited)).toBe(true);
  });

  it('a missing bucket is a permanent error naming it', async () => {
    const error = await publish({ bucket: 'no-such-bucket', prefix: prefix() }).result.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: false, code: 'PERMANENT', location: { nodeId: 'publish' } });
    expect((error as Error).message).toMatch(/s3:\/\/no-such-bucket\/.*NoSuchBucket/);
  });

  it('a bucket that does not answer is a transient error within the request timeout', async () => {
    const error = await publish({ endpoint: 'http://127.0.0.1:9', prefix: prefix(), requestTimeoutMs: 500 }).result.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: true });
  });
});
