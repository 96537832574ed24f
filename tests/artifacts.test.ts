import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { link, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { PermanentError } from '../runtime/contract/errors.js';
import { ArtifactNotFoundError, FsArtifactStore } from '../runtime/artifacts/fs-store.js';
import { IndexedArtifactStore } from '../runtime/artifacts/indexed.js';
import { openSqliteStore } from '../runtime/store/sqlite.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STORE_MODULE = pathToFileURL(join(REPO_ROOT, 'runtime/artifacts/fs-store.ts')).href;

let dir: string;
let store: FsArtifactStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelgraph-artifacts-'));
  store = FsArtifactStore.inDataDir(dir);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Final names in the store: blobs and sidecars, never anything in tmp/. */
async function storedFiles(root: string): Promise<string[]> {
  const shards = (await readdir(root).catch(() => [] as string[])).filter((name) => name !== 'tmp');
  const perShard = await Promise.all(
    shards.map(async (shard) => (await readdir(join(root, shard))).map((name) => join(shard, name))),
  );
  return perShard.flat().sort();
}

async function tempFiles(root: string): Promise<string[]> {
  return readdir(join(root, 'tmp')).catch(() => []);
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

describe('FsArtifactStore: content addressing', () => {
  it('names content by its SHA-256 and stores it once', async () => {
    const text = 'hello, reelgraph';
    const first = await store.put({ data: text }, { mime: 'text/plain' });
    const second = await store.put({ data: new TextEncoder().encode(text) }, { mime: 'text/plain' });

    expect(first.hash).toBe(sha256(text));
    expect(second.hash).toBe(first.hash);
    expect(first.bytes).toBe(Buffer.byteLength(text));
    const blob = `${first.hash.slice(0, 2)}/${first.hash}`;
    expect(await storedFiles(store.root)).toEqual([blob, `${blob}.json`]);
    expect(Buffer.from(await store.read(first)).toString('utf8')).toBe(text);
  });

  it('gives different content different hashes', async () => {
    const a = await store.put({ data: 'a' }, { mime: 'text/plain' });
    const b = await store.put({ data: 'b' }, { mime: 'text/plain' });
    expect(a.hash).not.toBe(b.hash);
    expect(await store.has(a.hash)).toBe(true);
    expect(await store.has(b.hash)).toBe(true);
  });

  it('stores a file source by streaming it, to the same hash as its bytes', async () => {
    const content = randomBytes(3 * 1024 * 1024 + 17);
    const source = join(dir, 'input.bin');
    await writeFile(source, content);

    const fromPath = await store.put({ path: source }, { mime: 'application/octet-stream', name: 'input.bin' });
    const fromData = await store.put({ data: content }, { mime: 'application/octet-stream' });

    expect(fromPath).toEqual({
      hash: sha256(content),
      mime: 'application/octet-stream',
      bytes: content.length,
      name: 'input.bin',
    });
    expect(fromData.hash).toBe(fromPath.hash);
    expect(existsSync(source)).toBe(true);
    const path = await store.localPath(fromPath);
    expect(sha256(await readFile(path))).toBe(fromPath.hash);
    // Blobs are immutable: nobody may open them for writing.
    expect(statSync(path).mode & 0o222).toBe(0);
    expect(await tempFiles(store.root)).toEqual([]);
  });

  it('rejects a missing source file with a typed error naming it', async () => {
    const missing = join(dir, 'missing.bin');
    const error = await store.put({ path: missing }, { mime: 'application/octet-stream' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).message).toContain(missing);
    expect((error as PermanentError).location.file).toBe(missing);
  });
});

describe('FsArtifactStore: move', () => {
  it('moves a file on the same filesystem without copying it', async () => {
    const source = join(dir, 'render.bin');
    await writeFile(source, randomBytes(1024 * 1024));
    const inode = statSync(source).ino;

    const handle = await store.put({ path: source }, { mime: 'application/octet-stream', move: true });

    expect(existsSync(source)).toBe(false);
    expect(statSync(await store.localPath(handle)).ino).toBe(inode);
    expect(await tempFiles(store.root)).toEqual([]);
  });

  it('drops the source when the content is already stored', async () => {
    const content = randomBytes(4096);
    await store.put({ data: content }, { mime: 'application/octet-stream' });
    const source = join(dir, 'again.bin');
    await writeFile(source, content);

    await store.put({ path: source }, { mime: 'application/octet-stream', move: true });

    expect(existsSync(source)).toBe(false);
    expect((await storedFiles(store.root)).filter((name) => !name.endsWith('.json'))).toHaveLength(1);
  });

  it('copies a file that has another hard link, leaving that link intact', async () => {
    const source = join(dir, 'shared.bin');
    const otherName = join(dir, 'shared-elsewhere.bin');
    await writeFile(source, randomBytes(4096));
    await link(source, otherName);

    const handle = await store.put({ path: source }, { mime: 'application/octet-stream', move: true });

    expect(existsSync(source)).toBe(false);
    expect(existsSync(otherName)).toBe(true);
    expect(statSync(await store.localPath(handle)).ino).not.toBe(statSync(otherName).ino);
  });

  it('keeps the source when the put fails', async () => {
    const source = join(dir, 'broken.mp4');
    await writeFile(source, randomBytes(8192));

    const error = await store.put({ path: source }, { mime: 'video/mp4', move: true }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).message).toContain(source);
    expect(existsSync(source)).toBe(true);
    expect(await storedFiles(store.root)).toEqual([]);
    expect(await tempFiles(store.root)).toEqual([]);
  });

  const shm = '/dev/shm';
  const otherFilesystem = existsSync(shm) && statSync(shm).dev !== statSync(tmpdir()).dev;
  it.skipIf(!otherFilesystem)('falls back to copy and unlink across filesystems', async () => {
    const shmDir = await mkdtemp(join(shm, 'reelgraph-'));
    try {
      const content = randomBytes(64 * 1024);
      const source = join(shmDir, 'elsewhere.bin');
      await writeFile(source, content);

      const handle = await store.put({ path: source }, { mime: 'application/octet-stream', move: true });

      expect(existsSync(source)).toBe(false);
      expect(handle.hash).toBe(sha256(content));
      expect(Buffer.compare(Buffer.from(await store.read(handle)), content)).toBe(0);
    } finally {
      await rm(shmDir, { recursive: true, force: true });
    }
  });
});

describe('FsArtifactStore: metadata', () => {
  it('probes media and lets caller metadata override probed values', async () => {
    const wav = silentWav(1, 48_000, 2);
    const probed = await store.put({ data: wav }, { mime: 'audio/wav', name: 'silence.wav' });
    expect(probed).toMatchObject({ mime: 'audio/wav', name: 'silence.wav', sampleRate: 48_000, channels: 2 });
    expect(probed.duration).toBeCloseTo(1, 2);

    const meta = { duration: 9, channels: undefined };
    const overridden = await store.put({ data: wav }, { mime: 'audio/wav', meta });
    expect(overridden).toMatchObject({ duration: 9, channels: 2 });
  });

  it('skips probing on request and for non-media types', async () => {
    const wav = silentWav(0.5, 8_000, 1);
    const unprobed = await store.put({ data: wav }, { mime: 'audio/wav', probe: false });
    expect(unprobed).toEqual({ hash: sha256(wav), mime: 'audio/wav', bytes: wav.length });
    const json = await store.put({ data: '{}' }, { mime: 'application/json' });
    expect(Object.keys(json)).toEqual(['hash', 'mime', 'bytes']);
  });

  it('reads handles back from the sidecar', async () => {
    const handle = await store.put({ data: silentWav(0.5, 16_000, 1) }, { mime: 'audio/wav', name: 'voice.wav' });
    expect(await store.getHandle(handle.hash)).toEqual(handle);
  });

  it('rejects media that ffprobe cannot read, naming what was stored', async () => {
    const put = store.put({ data: 'not a picture' }, { mime: 'image/png', name: 'cover.png' });
    const error = await put.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).message).toMatch(/cannot store "cover\.png" as image\/png/);
  });
});

describe('FsArtifactStore: lookups and exports', () => {
  const badHashes = ['../../etc/passwd', 'A'.repeat(64), 'abc', `${'0'.repeat(62)}/x`];
  it.each(badHashes)('rejects the hostile or malformed hash %j', async (hash) => {
    await expect(store.has(hash)).rejects.toThrow(PermanentError);
    await expect(store.localPath({ hash })).rejects.toThrow(/invalid artifact hash/);
    await expect(store.read({ hash })).rejects.toThrow(/invalid artifact hash/);
    await expect(store.getHandle(hash)).rejects.toThrow(/invalid artifact hash/);
  });

  it('reports unknown content with a typed error naming the hash', async () => {
    const hash = sha256('never stored');
    expect(await store.has(hash)).toBe(false);
    const error = await store.localPath({ hash }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactNotFoundError);
    expect((error as ArtifactNotFoundError).message).toContain(hash);
    expect((error as ArtifactNotFoundError).retryable).toBe(false);
  });

  it('exports a writable copy atomically, replacing an older file', async () => {
    const handle = await store.put({ data: 'final cut' }, { mime: 'text/plain' });
    const dest = join(dir, 'out', 'deep', 'final.txt');
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, 'old version');

    expect(await store.export(handle, dest)).toBe(dest);

    expect(await readFile(dest, 'utf8')).toBe('final cut');
    expect(statSync(dest).mode & 0o200).not.toBe(0);
    expect(await readdir(dirname(dest))).toEqual(['final.txt']);
  });
});

/**
 * A writer process: puts each file given, alternating `{ path }` and
 * `{ data }` sources, and prints the hashes it got back.
 */
const WRITER = `
import { readFile } from 'node:fs/promises';
const { FsArtifactStore } = await import(process.env.STORE_MODULE);
const [root, ...files] = process.argv.slice(2);
const store = new FsArtifactStore(root);
const hashes = [];
for (const [i, file] of files.entries()) {
  const source = i % 2 === 0 ? { path: file } : { data: await readFile(file) };
  hashes.push((await store.put(source, { mime: 'application/octet-stream' })).hash);
}
process.stdout.write(JSON.stringify(hashes));
`;

function runWriter(script: string, root: string, files: string[]): Promise<string[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, root, ...files], {
      cwd: REPO_ROOT,
      env: { ...process.env, STORE_MODULE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(JSON.parse(stdout) as string[]);
      else reject(new Error(`writer exited with ${code}:\n${stderr}`));
    });
  });
}

/**
 * Polls the store until `until` settles. Every blob seen under a final name
 * must have its full size at once, and hash to its name the first time it is
 * seen; every sidecar must parse. Returns the problems and what was checked.
 */
async function watchStore(root: string, expectedSizes: Map<string, number>, until: Promise<unknown>) {
  let running = true;
  void until.finally(() => (running = false)).catch(() => {});
  const problems: string[] = [];
  const verified = new Set<string>();
  let polls = 0;
  while (running) {
    polls++;
    for (const name of await storedFiles(root)) {
      const file = join(root, name);
      const hash = name.split('/')[1]!;
      if (hash.endsWith('.json')) {
        try {
          JSON.parse(await readFile(file, 'utf8'));
        } catch {
          problems.push(`unparsable sidecar ${name}`);
        }
        continue;
      }
      const size = (await stat(file)).size;
      if (size !== expectedSizes.get(hash)) problems.push(`${name} seen with ${size} bytes`);
      if (!verified.has(hash)) {
        if (sha256(await readFile(file)) !== hash) problems.push(`${name} seen with other content`);
        verified.add(hash);
      }
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  return { problems, verified, polls };
}

describe('FsArtifactStore: concurrent writers', () => {
  it('never shows a partial file under a final name, across processes', async () => {
    const MB = 1024 * 1024;
    const sourceDir = join(dir, 'sources');
    await mkdir(sourceDir);
    const expectedSizes = new Map<string, number>();
    async function makeSource(name: string, bytes: number): Promise<string> {
      const content = randomBytes(bytes);
      const path = join(sourceDir, name);
      await writeFile(path, content);
      expectedSizes.set(sha256(content), bytes);
      return path;
    }
    // Every writer stores all shared contents, in a different order, plus one of its own.
    const shared = [
      await makeSource('shared-0', 4 * MB),
      await makeSource('shared-1', 5 * MB),
      await makeSource('shared-2', 6 * MB),
    ];
    const writers = 8;
    const plans = await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const rotated = [...shared.slice(w % 3), ...shared.slice(0, w % 3)];
        return [...rotated, await makeSource(`own-${w}`, 3 * MB + w)];
      }),
    );

    const script = join(dir, 'writer.mjs');
    await writeFile(script, WRITER);
    const root = join(dir, 'artifacts');
    const results = Promise.all(plans.map((files) => runWriter(script, root, files)));
    const watched = await watchStore(root, expectedSizes, results);
    const hashesByWriter = await results;

    expect(watched.problems).toEqual([]);
    expect(watched.verified.size).toBeGreaterThan(0);
    const hashOf = async (path: string) => sha256(await readFile(path));
    for (const [w, files] of plans.entries()) {
      expect(hashesByWriter[w]).toEqual(await Promise.all(files.map(hashOf)));
    }
    const blobs = (await storedFiles(root)).filter((name) => !name.endsWith('.json'));
    expect(blobs.map((name) => name.split('/')[1]).sort()).toEqual([...expectedSizes.keys()].sort());
    for (const name of blobs) {
      expect(sha256(await readFile(join(root, name)))).toBe(name.split('/')[1]);
    }
    expect(await tempFiles(root)).toEqual([]);
  }, 120_000);
});

describe('IndexedArtifactStore', () => {
  it('records every stored artifact in the run store index', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reelgraph-indexed-'));
    const store = await openSqliteStore(join(dir, 'db.sqlite'));
    try {
      const artifacts = new IndexedArtifactStore(FsArtifactStore.inDataDir(dir), (handle) => store.indexArtifact(handle));
      const handle = await artifacts.put({ data: 'indexed bytes' }, { mime: 'text/plain', name: 'note.txt' });
      expect(await store.getArtifact(handle.hash)).toMatchObject({ hash: handle.hash, mime: 'text/plain', bytes: 13, name: 'note.txt' });
      expect(new TextDecoder().decode(await artifacts.read(handle))).toBe('indexed bytes');
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
