import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { artifactStoreFromEnv, s3OptionsFromEnv } from '../runtime/artifacts/from-config.js';
import { ArtifactNotFoundError, FsArtifactStore } from '../runtime/artifacts/fs-store.js';
import { S3ArtifactStore, type S3ArtifactStoreOptions } from '../runtime/artifacts/s3-store.js';
import { PermanentError, TransientError } from '../runtime/contract/errors.js';
import { ffmpegPath, runTool } from '../runtime/media/binaries.js';

/* ---------- an in-process s3rver ---------- */

interface S3rverInstance {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  configureBuckets: Array<{ name: string }>;
}) => S3rverInstance;
// s3rver is CommonJS without type declarations.
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

const BUCKET = 'reelgraph-test';
const PREFIX = 'team/artifacts';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

let root: string;
let server: S3rverInstance;
let endpoint: string;
/** A raw client, to look at and tamper with the bucket behind the store's back. */
let raw: S3Client;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'reelgraph-s3-'));
  server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    directory: join(root, 's3rver'),
    silent: true,
    configureBuckets: [{ name: BUCKET }],
  });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  raw = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS });
});

afterAll(async () => {
  raw?.destroy();
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

/* ---------- per-test stores ---------- */

let dir: string;
let prefix: string;
const stores: S3ArtifactStore[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(root, 'case-'));
  // A fresh prefix per test: the bucket outlives the tests.
  prefix = `${PREFIX}/${randomBytes(4).toString('hex')}`;
});

afterEach(async () => {
  for (const store of stores.splice(0)) store.client.destroy();
  await rm(dir, { recursive: true, force: true });
});

/** A store with its own cache directory: each one stands for another machine. */
function machine(name: string, options: Partial<S3ArtifactStoreOptions> = {}): S3ArtifactStore {
  const store = new S3ArtifactStore({
    bucket: BUCKET,
    prefix,
    endpoint,
    forcePathStyle: true,
    credentials: CREDENTIALS,
    cacheDir: join(dir, `${name}-cache`),
    timeoutMs: 10_000,
    ...options,
  });
  stores.push(store);
  return store;
}

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function keyOf(hash: string): string {
  return `${prefix}/${hash.slice(0, 2)}/${hash}`;
}

async function bucketKeys(): Promise<string[]> {
  const listed = await raw.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/` }));
  return (listed.Contents ?? []).map((object) => object.Key!).sort();
}

async function objectBytes(key: string): Promise<Buffer> {
  const response = await raw.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await response.Body!.transformToByteArray());
}

/** Blobs and sidecars under final names in a cache directory, never anything in tmp/. */
async function cachedFiles(store: S3ArtifactStore): Promise<string[]> {
  const shards = (await readdir(store.cacheDir).catch(() => [] as string[])).filter((name) => name !== 'tmp');
  const perShard = await Promise.all(
    shards.map(async (shard) => (await readdir(join(store.cacheDir, shard))).map((name) => `${shard}/${name}`)),
  );
  return perShard.flat().sort();
}

async function cacheTempFiles(store: S3ArtifactStore): Promise<string[]> {
  return readdir(join(store.cacheDir, 'tmp')).catch(() => []);
}

/** Names of the S3 commands a store sends from now on. */
function recordCommands(store: S3ArtifactStore): string[] {
  const sent: string[] = [];
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      sent.push((context.commandName ?? 'unknown').replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize' },
  );
  return sent;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error(`expected a rejection, got ${String(outcome)}`);
  return outcome;
}

/** A valid WAV: 16-bit PCM silence, so ffprobe has something real to read. */
function silentWav(seconds: number, sampleRate: number, channels: number): Buffer {
  const dataBytes = Math.round(seconds * sampleRate) * channels * 2;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channels * 2, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(dataBytes, 40);
  return Buffer.concat([header, Buffer.alloc(dataBytes)]);
}

/* ---------- tests ---------- */

describe('S3ArtifactStore: content addressing', () => {
  it('names content by its SHA-256, stores bytes and handle under the prefix, once', async () => {
    const store = machine('a');
    const text = 'hello, reelgraph';
    const first = await store.put({ data: text }, { mime: 'text/plain' });
    const second = await store.put({ data: new TextEncoder().encode(text) }, { mime: 'text/plain' });

    expect(first).toEqual({ hash: sha256(text), mime: 'text/plain', bytes: Buffer.byteLength(text) });
    expect(second.hash).toBe(first.hash);
    const key = keyOf(first.hash);
    expect(await bucketKeys()).toEqual([key, `${key}.json`]);
    expect((await objectBytes(key)).toString('utf8')).toBe(text);
    expect(JSON.parse((await objectBytes(`${key}.json`)).toString('utf8'))).toEqual(first);
    expect(Buffer.from(await store.read(first)).toString('utf8')).toBe(text);
    expect(await store.has(first.hash)).toBe(true);
  });

  it('stores a file source (large enough for 100-continue) to the same hash as its bytes', async () => {
    const store = machine('a');
    const content = randomBytes(3 * 1024 * 1024 + 17);
    const source = join(dir, 'input.bin');
    await writeFile(source, content);

    const fromPath = await store.put({ path: source }, { mime: 'application/octet-stream', name: 'input.bin' });
    const fromData = await store.put({ data: content }, { mime: 'application/octet-stream' });

    expect(fromPath).toEqual({ hash: sha256(content), mime: 'application/octet-stream', bytes: content.length, name: 'input.bin' });
    expect(fromData.hash).toBe(fromPath.hash);
    expect(existsSync(source)).toBe(true);
    expect(sha256(await objectBytes(keyOf(fromPath.hash)))).toBe(fromPath.hash);
    const path = await store.localPath(fromPath);
    expect(sha256(await readFile(path))).toBe(fromPath.hash);
    expect(statSync(path).mode & 0o222).toBe(0);
    expect(await cacheTempFiles(store)).toEqual([]);
  });

  it('keeps what it put in its cache: the producing machine downloads nothing', async () => {
    const store = machine('a');
    const handle = await store.put({ data: randomBytes(4096) }, { mime: 'application/octet-stream' });
    const sent = recordCommands(store);

    const path = await store.localPath(handle);

    expect(sha256(await readFile(path))).toBe(handle.hash);
    expect(sent).toEqual([]);
  });

  it('skips uploading bytes the bucket already holds, and replaces a same-named object of the wrong size', async () => {
    const store = machine('a');
    const content = randomBytes(8192);
    const hash = sha256(content);
    await store.put({ data: content }, { mime: 'application/octet-stream' });
    const sent = recordCommands(store);
    await machine('b').put({ data: content }, { mime: 'application/octet-stream' });
    await store.put({ data: content }, { mime: 'application/octet-stream' });
    expect(sent.filter((name) => name === 'PutObject')).toHaveLength(1); // the sidecar only

    // A truncated leftover under the hash's name (an upload broken elsewhere).
    await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: keyOf(hash), Body: content.subarray(0, 100) }));
    await machine('c').put({ data: content }, { mime: 'application/octet-stream' });
    expect(sha256(await objectBytes(keyOf(hash)))).toBe(hash);
  });
});

describe('S3ArtifactStore: move', () => {
  it('moves a file into the cache and the bucket', async () => {
    const store = machine('a');
    const content = randomBytes(64 * 1024);
    const source = join(dir, 'render.bin');
    await writeFile(source, content);
    const inode = statSync(source).ino;

    const handle = await store.put({ path: source }, { mime: 'application/octet-stream', move: true });

    expect(existsSync(source)).toBe(false);
    expect(statSync(await store.localPath(handle)).ino).toBe(inode);
    expect(sha256(await objectBytes(keyOf(handle.hash)))).toBe(handle.hash);
    expect(await cacheTempFiles(store)).toEqual([]);
  });

  it('keeps the source, and stores nothing, when the put fails', async () => {
    const store = machine('a');
    const source = join(dir, 'broken.mp4');
    await writeFile(source, randomBytes(8192));

    const error = await failure(store.put({ path: source }, { mime: 'video/mp4', move: true }));

    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain(source);
    expect(existsSync(source)).toBe(true);
    expect(await bucketKeys()).toEqual([]);
    expect(await cachedFiles(store)).toEqual([]);
    expect(await cacheTempFiles(store)).toEqual([]);
  });
});

describe('S3ArtifactStore: metadata', () => {
  it('probes audio, and another machine reads the same handle back', async () => {
    const store = machine('a');
    const wav = silentWav(1, 48_000, 2);
    const handle = await store.put({ data: wav }, { mime: 'audio/wav', name: 'silence.wav' });

    expect(handle).toMatchObject({ mime: 'audio/wav', name: 'silence.wav', sampleRate: 48_000, channels: 2 });
    expect(handle.duration).toBeCloseTo(1, 2);
    expect(await store.getHandle(handle.hash)).toEqual(handle);
    expect(await machine('b').getHandle(handle.hash)).toEqual(handle);
  });

  it('probes a real video file', async () => {
    const store = machine('a');
    const video = join(dir, 'clip.mp4');
    await runTool(
      ffmpegPath(),
      ['-hide_banner', '-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=10:duration=1', '-c:v', 'mpeg4', video],
      { timeoutMs: 60_000 },
    );

    const handle = await store.put({ path: video }, { mime: 'video/mp4', name: 'clip.mp4' });

    expect(handle).toMatchObject({ mime: 'video/mp4', width: 64, height: 48, frameRate: 10 });
    expect(handle.duration).toBeCloseTo(1, 1);
    expect(await machine('b').getHandle(handle.hash)).toEqual(handle);
  });

  it('gives a minimal handle for content whose handle object is gone, and rejects a broken one', async () => {
    const store = machine('a');
    const handle = await store.put({ data: 'bare bytes' }, { mime: 'text/plain', name: 'note.txt' });
    const sidecar = `${keyOf(handle.hash)}.json`;

    await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: sidecar, Body: 'not json' }));
    const error = await failure(store.getHandle(handle.hash));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain(`s3://${BUCKET}/${sidecar} is not a valid handle`);

    await raw.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: sidecar }));
    expect(await store.getHandle(handle.hash)).toEqual({ hash: handle.hash, mime: 'application/octet-stream', bytes: 10 });
  });
});

describe('S3ArtifactStore: another machine', () => {
  it('downloads the same bytes into its own empty cache, once for concurrent callers', async () => {
    const content = randomBytes(2 * 1024 * 1024 + 5);
    const handle = await machine('a').put({ data: content }, { mime: 'application/octet-stream' });
    const other = machine('b');
    const sent = recordCommands(other);

    expect(await other.has(handle.hash)).toBe(true);
    const paths = await Promise.all([other.localPath(handle), other.localPath(handle), other.localPath(handle)]);

    expect(new Set(paths).size).toBe(1);
    expect(paths[0]!.startsWith(other.cacheDir)).toBe(true);
    expect(Buffer.compare(await readFile(paths[0]!), content)).toBe(0);
    expect(statSync(paths[0]!).mode & 0o222).toBe(0);
    expect(sent.filter((name) => name === 'GetObject')).toHaveLength(1);
    expect(Buffer.compare(Buffer.from(await other.read(handle)), content)).toBe(0);
    expect(sent.filter((name) => name === 'GetObject')).toHaveLength(1);
    expect(await cacheTempFiles(other)).toEqual([]);
  });

  it('exports a writable copy atomically, downloading first', async () => {
    const handle = await machine('a').put({ data: 'final cut' }, { mime: 'text/plain' });
    const dest = join(dir, 'out', 'deep', 'final.txt');
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, 'old version');

    expect(await machine('b').export(handle, dest)).toBe(dest);

    expect(await readFile(dest, 'utf8')).toBe('final cut');
    expect(statSync(dest).mode & 0o200).not.toBe(0);
    expect(await readdir(dirname(dest))).toEqual(['final.txt']);
  });

  it('rejects a corrupted object on download and caches nothing', async () => {
    const content = randomBytes(100_000);
    const handle = await machine('a').put({ data: content }, { mime: 'application/octet-stream' });
    const tampered = Buffer.from(content);
    tampered[50_000] = tampered[50_000]! ^ 0xff;
    await raw.send(new PutObjectCommand({ Bucket: BUCKET, Key: keyOf(handle.hash), Body: tampered }));
    const other = machine('b');

    const error = await failure(other.localPath(handle));

    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain(`s3://${BUCKET}/${keyOf(handle.hash)}`);
    expect(error.message).toMatch(/corrupt/);
    expect(await cachedFiles(other)).toEqual([]);
    expect(await cacheTempFiles(other)).toEqual([]);
    // Not remembered as good either: the next call checks again.
    await expect(other.read(handle)).rejects.toThrow(/corrupt/);
  });
});

describe('S3ArtifactStore: lookups and errors', () => {
  it('reports unknown content with a typed error naming the hash and the object', async () => {
    const store = machine('a');
    const hash = sha256('never stored');
    expect(await store.has(hash)).toBe(false);

    const error = await failure(store.localPath({ hash }));
    expect(error).toBeInstanceOf(ArtifactNotFoundError);
    expect(error.message).toContain(hash);
    expect(error.message).toContain(`s3://${BUCKET}/${keyOf(hash)}`);
    expect((error as ArtifactNotFoundError).retryable).toBe(false);
    await expect(store.getHandle(hash)).rejects.toThrow(ArtifactNotFoundError);
    await expect(store.export({ hash }, join(dir, 'x.bin'))).rejects.toThrow(ArtifactNotFoundError);
    expect(await cacheTempFiles(store)).toEqual([]);
  });

  const badHashes = ['../../etc/passwd', 'A'.repeat(64), 'abc', `${'0'.repeat(62)}/x`];
  it.each(badHashes)('rejects the hostile or malformed hash %j without a request', async (hash) => {
    const store = machine('a');
    const sent = recordCommands(store);
    await expect(store.has(hash)).rejects.toThrow(PermanentError);
    await expect(store.localPath({ hash })).rejects.toThrow(/invalid artifact hash/);
    await expect(store.read({ hash })).rejects.toThrow(/invalid artifact hash/);
    await expect(store.getHandle(hash)).rejects.toThrow(/invalid artifact hash/);
    expect(sent).toEqual([]);
  });

  it('turns refused credentials into a permanent error that does not leak the secret', async () => {
    const secretAccessKey = 'very-secret-key-123456';
    const store = machine('a', { credentials: { accessKeyId: 'WRONG', secretAccessKey } });

    const error = await failure(store.put({ data: 'x' }, { mime: 'text/plain' }));

    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain(`s3://${BUCKET}/${prefix}/`);
    expect(error.message).not.toContain(secretAccessKey);
    expect(JSON.stringify(error)).not.toContain(secretAccessKey);
    expect(String((error as Error & { cause?: unknown }).cause)).not.toContain(secretAccessKey);
  });

  it('turns a missing bucket into a permanent error naming it', async () => {
    const store = machine('a', { bucket: 'no-such-bucket' });
    const error = await failure(store.put({ data: 'x' }, { mime: 'text/plain' }));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('no-such-bucket');
  });

  it('turns a refused connection into a transient error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const store = machine('a', { endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 });

    const error = await failure(store.has(sha256('x')));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toContain(`s3://${BUCKET}/${keyOf(sha256('x'))}`);
  });
});

describe('S3ArtifactStore: a server that never answers', () => {
  let silent: Server;
  let silentEndpoint: string;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    // Accepts connections, reads whatever comes, never writes a byte.
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('data', () => {});
      socket.on('error', () => {});
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentEndpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  function hanging(): S3ArtifactStore {
    return machine('hanging', { endpoint: silentEndpoint, timeoutMs: 500 });
  }

  function expectTimeout(error: Error, key: string): void {
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toContain(`s3://${BUCKET}/${key}`);
    expect(error.message).toMatch(/timed out after 500 ms/);
  }

  it('times out has() and getHandle()', async () => {
    const store = hanging();
    const hash = sha256('anything');
    expectTimeout(await failure(store.has(hash)), keyOf(hash));
    const error = await failure(store.getHandle(hash));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toMatch(/timed out after 500 ms/);
  }, 20_000);

  it('times out a download and leaves nothing in the cache', async () => {
    const store = hanging();
    const hash = sha256('anything');
    expectTimeout(await failure(store.localPath({ hash })), keyOf(hash));
    expect(await cachedFiles(store)).toEqual([]);
    expect(await cacheTempFiles(store)).toEqual([]);
  }, 20_000);

  it('times out an upload and keeps the moved source', async () => {
    const store = hanging();
    const source = join(dir, 'small.txt');
    await writeFile(source, 'small');
    const error = await failure(store.put({ path: source }, { mime: 'text/plain', move: true }));
    expectTimeout(error, `${keyOf(sha256('small'))}.json`);
    expect(existsSync(source)).toBe(true);
    expect(await cachedFiles(store)).toEqual([]);
    expect(await cacheTempFiles(store)).toEqual([]);
  }, 20_000);
});

describe('S3ArtifactStore: a server that stalls mid-transfer', () => {
  let stalling: HttpServer;
  let stallingEndpoint: string;

  beforeAll(async () => {
    // Answers HEAD with 404 and accepts handles, but never takes a blob's
    // bytes, and sends only the first 100 of 1000 bytes of any download.
    stalling = createHttpServer((request, response) => {
      const path = (request.url ?? '').split('?')[0]!;
      if (request.method === 'HEAD') {
        response.writeHead(404).end();
      } else if (request.method === 'PUT' && path.endsWith('.json')) {
        request.resume();
        request.on('end', () => response.writeHead(200).end());
      } else if (request.method === 'GET') {
        response.writeHead(200, { 'Content-Length': '1000', 'Content-Type': 'application/octet-stream' });
        response.write(Buffer.alloc(100));
      }
    });
    await new Promise<void>((resolve) => stalling.listen(0, '127.0.0.1', resolve));
    stallingEndpoint = `http://127.0.0.1:${(stalling.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    stalling.closeAllConnections();
    await new Promise((resolve) => stalling.close(resolve));
  });

  function stalled(): S3ArtifactStore {
    return machine('stalled', { endpoint: stallingEndpoint, timeoutMs: 500 });
  }

  it('times out a blob upload that stops moving, and keeps the moved source', async () => {
    const store = stalled();
    const source = join(dir, 'large.bin');
    const content = randomBytes(3 * 1024 * 1024);
    await writeFile(source, content);

    const error = await failure(store.put({ path: source }, { mime: 'application/octet-stream', move: true }));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toContain(`PutObject s3://${BUCKET}/${keyOf(sha256(content))} at ${stallingEndpoint} timed out after 500 ms`);
    expect(existsSync(source)).toBe(true);
    expect(await cachedFiles(store)).toEqual([]);
    expect(await cacheTempFiles(store)).toEqual([]);
  }, 20_000);

  it('times out a download whose body stops, and caches nothing', async () => {
    const store = stalled();
    const hash = sha256('anything');

    const error = await failure(store.localPath({ hash }));

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toContain(`GetObject s3://${BUCKET}/${keyOf(hash)} at ${stallingEndpoint} timed out after 500 ms`);
    expect(await cachedFiles(store)).toEqual([]);
    expect(await cacheTempFiles(store)).toEqual([]);
  }, 20_000);
});

describe('artifactStoreFromEnv', () => {
  it('uses <dataDir>/artifacts on the local filesystem when unset or empty', async () => {
    for (const env of [{}, { REELGRAPH_ARTIFACTS: '' }, { REELGRAPH_ARTIFACTS: '  ' }]) {
      const store = await artifactStoreFromEnv(dir, env);
      expect(store).toBeInstanceOf(FsArtifactStore);
      expect((store as FsArtifactStore).root).toBe(join(dir, 'artifacts'));
    }
  });

  it('uses a filesystem root given as an absolute path or a file URL', async () => {
    const shared = join(dir, 'shared volume');
    for (const value of [shared, `file://${encodeURI(shared)}`]) {
      const store = await artifactStoreFromEnv(dir, { REELGRAPH_ARTIFACTS: value });
      expect(store).toBeInstanceOf(FsArtifactStore);
      expect((store as FsArtifactStore).root).toBe(shared);
    }
  });

  it('parses s3:// locations and the S3 variables, with defaults', () => {
    expect(s3OptionsFromEnv('s3://bucket', dir, {})).toEqual({
      bucket: 'bucket',
      region: 'us-east-1',
      forcePathStyle: false,
      cacheDir: join(dir, 'artifact-cache'),
    });
    const env = {
      REELGRAPH_S3_ENDPOINT: 'http://minio:9000',
      REELGRAPH_S3_REGION: 'auto',
      REELGRAPH_S3_TIMEOUT_MS: '1500',
      AWS_ACCESS_KEY_ID: 'id',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    };
    expect(s3OptionsFromEnv('s3://bucket/a/b/', dir, env)).toEqual({
      bucket: 'bucket',
      prefix: 'a/b',
      endpoint: 'http://minio:9000',
      region: 'auto',
      forcePathStyle: true,
      timeoutMs: 1500,
      credentials: { accessKeyId: 'id', secretAccessKey: 'secret', sessionToken: 'token' },
      cacheDir: join(dir, 'artifact-cache'),
    });
    expect(s3OptionsFromEnv('s3://bucket', dir, { ...env, REELGRAPH_S3_FORCE_PATH_STYLE: 'off' }).forcePathStyle).toBe(false);
    expect(s3OptionsFromEnv('s3://bucket', dir, { REELGRAPH_S3_FORCE_PATH_STYLE: 'yes' }).forcePathStyle).toBe(true);
  });

  it('builds a working S3 store from the environment', async () => {
    const store = await artifactStoreFromEnv(dir, {
      REELGRAPH_ARTIFACTS: `s3://${BUCKET}/${prefix}`,
      REELGRAPH_S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    });
    expect(store).toBeInstanceOf(S3ArtifactStore);
    stores.push(store as S3ArtifactStore);

    const handle = await store.put({ data: 'from env' }, { mime: 'text/plain', name: 'env.txt' });

    expect(await bucketKeys()).toEqual([keyOf(handle.hash), `${keyOf(handle.hash)}.json`]);
    expect((await store.localPath(handle)).startsWith(join(dir, 'artifact-cache'))).toBe(true);
    expect(await store.getHandle(handle.hash)).toEqual(handle);
  });

  const bad: Array<[string, Record<string, string>, string]> = [
    ['a relative path', { REELGRAPH_ARTIFACTS: 'relative/artifacts' }, 'REELGRAPH_ARTIFACTS'],
    ['another scheme', { REELGRAPH_ARTIFACTS: 'gs://bucket' }, 'REELGRAPH_ARTIFACTS'],
    ['a file URL with a host', { REELGRAPH_ARTIFACTS: 'file://server/share' }, 'REELGRAPH_ARTIFACTS'],
    ['s3 without a bucket', { REELGRAPH_ARTIFACTS: 's3://' }, 'REELGRAPH_ARTIFACTS'],
    ['s3 with one slash', { REELGRAPH_ARTIFACTS: 's3:/bucket' }, 'REELGRAPH_ARTIFACTS'],
    ['s3 with a query', { REELGRAPH_ARTIFACTS: 's3://bucket/p?x=1' }, 'REELGRAPH_ARTIFACTS'],
    ['s3 with credentials', { REELGRAPH_ARTIFACTS: 's3://key:secret@bucket' }, 'REELGRAPH_ARTIFACTS'],
    ['s3 with a bad bucket name', { REELGRAPH_ARTIFACTS: 's3://b_ucket!/x' }, 'REELGRAPH_ARTIFACTS'],
    ['s3 with ".." in the prefix', { REELGRAPH_ARTIFACTS: 's3://bucket/a/../b' }, 'REELGRAPH_ARTIFACTS'],
    ['s3 with an empty prefix segment', { REELGRAPH_ARTIFACTS: 's3://bucket/a//b' }, 'REELGRAPH_ARTIFACTS'],
    ['an endpoint that is no URL', { REELGRAPH_ARTIFACTS: 's3://bucket', REELGRAPH_S3_ENDPOINT: 'minio:9000 x' }, 'REELGRAPH_S3_ENDPOINT'],
    ['an ftp endpoint', { REELGRAPH_ARTIFACTS: 's3://bucket', REELGRAPH_S3_ENDPOINT: 'ftp://minio' }, 'REELGRAPH_S3_ENDPOINT'],
    ['an endpoint with credentials', { REELGRAPH_ARTIFACTS: 's3://bucket', REELGRAPH_S3_ENDPOINT: 'http://u:pw@minio' }, 'REELGRAPH_S3_ENDPOINT'],
    ['a path-style flag that is no boolean', { REELGRAPH_ARTIFACTS: 's3://bucket', REELGRAPH_S3_FORCE_PATH_STYLE: 'maybe' }, 'REELGRAPH_S3_FORCE_PATH_STYLE'],
    ['a timeout that is no number', { REELGRAPH_ARTIFACTS: 's3://bucket', REELGRAPH_S3_TIMEOUT_MS: '5s' }, 'REELGRAPH_S3_TIMEOUT_MS'],
    ['a zero timeout', { REELGRAPH_ARTIFACTS: 's3://bucket', REELGRAPH_S3_TIMEOUT_MS: '0' }, 'REELGRAPH_S3_TIMEOUT_MS'],
    ['a key id without a secret', { REELGRAPH_ARTIFACTS: 's3://bucket', AWS_ACCESS_KEY_ID: 'id' }, 'AWS_SECRET_ACCESS_KEY'],
    ['a secret without a key id', { REELGRAPH_ARTIFACTS: 's3://bucket', AWS_SECRET_ACCESS_KEY: 'hidden' }, 'AWS_ACCESS_KEY_ID'],
  ];
  it.each(bad)('rejects %s, naming the variable', async (_, env, variable) => {
    let error: unknown;
    try {
      const store = await artifactStoreFromEnv(dir, env);
      if (store instanceof S3ArtifactStore) stores.push(store);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain(variable);
    expect((error as Error).message).not.toMatch(/pw@|hidden|key:secret/);
  });
});
