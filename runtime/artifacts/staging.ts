/**
 * What every artifact store does locally, whatever holds the bytes in the end:
 * a content-addressed directory of immutable blobs, staging into it (hashing
 * on the way), probing media into a handle, and exporting copies.
 *
 * The filesystem store keeps its blobs in a `BlobDirectory`; the S3 store
 * uses one as its local cache, so both hash, probe and publish the same way.
 *
 * Layout under a root:
 *
 *   <hh>/<hash>   the bytes, read-only; `hh` is the hash's first two hex digits
 *   tmp/          staging area, on the same filesystem so rename() is atomic
 *
 * Invariant: a file under a final name is complete. Everything is written into
 * tmp/, fsynced, then renamed into place, which POSIX makes atomic.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, type Stats } from 'node:fs';
import {
  chmod,
  constants,
  copyFile,
  link,
  lstat,
  mkdir,
  open,
  rename,
  rm,
  stat,
  type FileHandle,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

import type { ArtifactHandle, ArtifactSource, PutOptions } from '../contract/artifacts.js';
import { PermanentError, ReelgraphError, TransientError } from '../contract/errors.js';
import { probeMedia, UnreadableMediaError, type MediaInfo } from '../media/probe.js';

const HASH_PATTERN = /^[0-9a-f]{64}$/;
/** Blobs are immutable: a node that opened `localPath()` for writing would corrupt every run sharing it. */
const BLOB_MODE = 0o444;
const EXPORT_MODE = 0o644;
const READ_CHUNK_BYTES = 1024 * 1024;
/** Media types ffprobe cannot read although their family usually can be probed. */
const UNPROBEABLE_MIMES = new Set(['image/svg+xml']);

export class ArtifactNotFoundError extends ReelgraphError {
  readonly hash: string;

  /** `expectedAt`: where the store looked, a path or an `s3://bucket/key` URL. */
  constructor(hash: string, expectedAt: string) {
    super('ARTIFACT_NOT_FOUND', `artifact ${hash} is not in the store (expected at ${expectedAt})`, {
      location: { file: expectedAt },
      retryable: false,
    });
    this.hash = hash;
  }
}

/** Validates first: a hostile hash such as `../../etc/passwd` never reaches a path or an object key. */
export function assertArtifactHash(hash: string): void {
  if (typeof hash !== 'string' || !HASH_PATTERN.test(hash)) {
    throw new PermanentError(`invalid artifact hash ${JSON.stringify(hash)}: expected 64 lowercase hex digits`);
  }
}

/** `<hh>/<hash>`: the name of a blob relative to a store's root or prefix. */
export function shardedName(hash: string): string {
  assertArtifactHash(hash);
  return `${hash.slice(0, 2)}/${hash}`;
}

/** Bytes staged for publishing, and whether they still sit in tmp/. */
export interface Staged {
  hash: string;
  bytes: number;
  path: string;
  temporary: boolean;
}

/** A content-addressed directory of immutable blobs with an atomic staging area. */
export class BlobDirectory {
  readonly root: string;
  readonly tmpDir: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.tmpDir = join(this.root, 'tmp');
  }

  blobPath(hash: string): string {
    return join(this.root, ...shardedName(hash).split('/'));
  }

  /** A fresh name in tmp/ (which must exist: see `ensureTmpDir`). The pid tells whose leftovers they are after a crash. */
  tempPath(): string {
    return join(this.tmpDir, `${process.pid}-${randomUUID()}`);
  }

  async ensureTmpDir(): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true });
  }

  async has(hash: string): Promise<boolean> {
    return exists(this.blobPath(hash));
  }

  /**
   * Stages `source` in tmp/, hashing it on the way. Content already present
   * under its final name is not written again (`temporary: false`). A move on
   * one filesystem hard-links instead of copying; the source itself is left
   * alone until `removeMovedSource`.
   */
  async stage(source: ArtifactSource, move: boolean): Promise<Staged> {
    await this.ensureTmpDir();
    return 'path' in source ? this.stageFile(source.path, move) : this.stageData(source.data);
  }

  /** Drops a staged temp file (after a failed put). */
  async discard(staged: Staged): Promise<void> {
    if (staged.temporary) await rm(staged.path, { force: true });
  }

  /** Renames staged bytes into place, read-only. Content that got there first wins; it is the same. */
  async publish(staged: Staged): Promise<void> {
    if (!staged.temporary) return;
    const final = this.blobPath(staged.hash);
    if (await exists(final)) {
      await rm(staged.path, { force: true });
      return;
    }
    await mkdir(dirname(final), { recursive: true });
    await chmod(staged.path, BLOB_MODE);
    try {
      await rename(staged.path, final);
    } catch (error) {
      // Where rename cannot replace (Windows, some network filesystems), a
      // concurrent writer of the same bytes may have got there first: fine.
      if (!(await exists(final))) throw error;
      await rm(staged.path, { force: true });
    }
    await fsyncDirectory(dirname(final));
  }

  async removeMovedSource(sourcePath: string, hash: string): Promise<void> {
    // Moving a blob onto itself (putting its own localPath) must not delete it.
    if (resolve(sourcePath) === this.blobPath(hash)) return;
    await rm(sourcePath, { force: true });
  }

  /** Writes a small file (a sidecar) through tmp/ and renames it over `final`. */
  async writeAtomically(final: string, data: Uint8Array): Promise<void> {
    await this.ensureTmpDir();
    const temp = this.tempPath();
    try {
      await withNewFile(temp, (file) => writeFully(file, data));
      await mkdir(dirname(final), { recursive: true });
      await rename(temp, final);
    } finally {
      await rm(temp, { force: true });
    }
  }

  private async stageData(data: Uint8Array | string): Promise<Staged> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const hash = createHash('sha256').update(bytes).digest('hex');
    // The bytes are in memory already, so a duplicate costs no write at all.
    const final = this.blobPath(hash);
    if (await exists(final)) return { hash, bytes: bytes.length, path: final, temporary: false };

    const path = this.tempPath();
    await withNewFile(path, (file) => writeFully(file, bytes));
    return { hash, bytes: bytes.length, path, temporary: true };
  }

  private async stageFile(sourcePath: string, move: boolean): Promise<Staged> {
    await assertRegularFile(sourcePath);
    if (move && canLink(await lstat(sourcePath))) {
      const linked = await this.stageByLink(sourcePath);
      if (linked) return linked;
    }
    const path = this.tempPath();
    try {
      const digest = await withNewFile(path, (file) => digestFile(sourcePath, (chunk) => writeFully(file, chunk)));
      return { ...digest, path, temporary: true };
    } catch (error) {
      await rm(path, { force: true });
      throw fsError(`cannot store "${sourcePath}"`, sourcePath, error);
    }
  }

  /**
   * A move on one filesystem: hard-link the source into tmp/ instead of
   * renaming it, so the source stays untouched until the put has succeeded
   * (a failed probe must not eat the caller's file). Returns undefined when
   * linking is impossible (another filesystem, no hard links), to copy instead.
   */
  private async stageByLink(sourcePath: string): Promise<Staged | undefined> {
    const path = this.tempPath();
    try {
      await link(sourcePath, path);
    } catch {
      return undefined;
    }
    try {
      const digest = await digestFile(path);
      await fsyncFile(path);
      return { ...digest, path, temporary: true };
    } catch (error) {
      await rm(path, { force: true });
      throw fsError(`cannot read "${sourcePath}"`, sourcePath, error);
    }
  }
}

/* ---------- metadata ---------- */

/** Probed media fields for staged bytes, or nothing for non-media types and `probe: false`. */
export async function probeStaged(
  staged: Staged,
  source: ArtifactSource,
  options: PutOptions,
  timeoutMs: number | undefined,
): Promise<Partial<ArtifactHandle>> {
  if (options.probe === false || !isProbeableMime(options.mime)) return {};
  try {
    return mediaFields(await probeMedia(staged.path, { timeoutMs }));
  } catch (error) {
    if (!(error instanceof UnreadableMediaError)) throw error;
    // Name what the caller knows, not our temp file.
    const what = 'path' in source ? `"${source.path}"` : `"${options.name ?? `${staged.bytes} bytes of data`}"`;
    throw new PermanentError(`cannot store ${what} as ${options.mime}: ${error.reason}`, {
      location: 'path' in source ? { file: resolve(source.path) } : {},
      cause: error,
    });
  }
}

export function buildHandle(staged: Staged, options: PutOptions, probed: Partial<ArtifactHandle>): ArtifactHandle {
  const handle: ArtifactHandle = {
    hash: staged.hash,
    mime: options.mime,
    bytes: staged.bytes,
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...probed,
    ...definedOnly(options.meta ?? {}),
  };
  // Identity is measured, never taken from metadata (an untyped caller could pass `meta.hash`).
  handle.hash = staged.hash;
  handle.bytes = staged.bytes;
  return handle;
}

/** The sidecar's exact text: stores compare it to skip rewriting an identical handle. */
export function handleJson(handle: ArtifactHandle): string {
  return `${JSON.stringify(handle, null, 2)}\n`;
}

function mediaFields(info: MediaInfo): Partial<ArtifactHandle> {
  const { duration, width, height, frameRate, sampleRate, channels } = info;
  return definedOnly({ duration, width, height, frameRate, sampleRate, channels });
}

/** `{ duration: undefined }` in caller metadata means "not given", not "erase the probed value". */
function definedOnly<T extends object>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function isProbeableMime(mime: string): boolean {
  const type = mime.split(';')[0]!.trim().toLowerCase();
  if (UNPROBEABLE_MIMES.has(type)) return false;
  return type.startsWith('audio/') || type.startsWith('video/') || type.startsWith('image/');
}

/* ---------- exports ---------- */

/**
 * Copies the blob at `source` to `destPath` for delivery. The copy is written
 * beside the destination and renamed over it, so a watcher or an upload never
 * picks up half a file. Returns the absolute destination path.
 */
export async function exportCopy(source: string, destPath: string, hash: string): Promise<string> {
  const dest = resolve(destPath);
  const temp = join(dirname(dest), `.${basename(dest)}.${randomUUID()}.tmp`);
  try {
    await mkdir(dirname(dest), { recursive: true });
    // A reflink where the filesystem offers one, a plain copy otherwise.
    await copyFile(source, temp, constants.COPYFILE_FICLONE);
    await chmod(temp, EXPORT_MODE);
    await fsyncFile(temp);
    await rename(temp, dest);
  } catch (error) {
    await rm(temp, { force: true });
    throw fsError(`cannot export artifact ${hash} to "${dest}"`, dest, error);
  }
  return dest;
}

/* ---------- filesystem helpers ---------- */

async function assertRegularFile(sourcePath: string): Promise<void> {
  let stats: Stats;
  try {
    stats = await stat(sourcePath);
  } catch (error) {
    throw fsError(`cannot store "${sourcePath}"`, sourcePath, error);
  }
  if (!stats.isFile()) {
    throw new PermanentError(`cannot store "${sourcePath}": not a regular file`, {
      location: { file: resolve(sourcePath) },
    });
  }
}

/**
 * Only a plain file with no other names can become a blob by linking: a
 * symlink would be linked as a symlink, and an inode with another hard link
 * stays writable through that name, breaking immutability.
 */
function canLink(linkStats: Stats): boolean {
  return linkStats.isFile() && linkStats.nlink === 1;
}

/** Creates `path` (failing if it exists), runs `write`, fsyncs and closes. */
export async function withNewFile<T>(path: string, write: (file: FileHandle) => Promise<T>): Promise<T> {
  const file = await open(path, 'wx', 0o600);
  try {
    const result = await write(file);
    await file.sync();
    return result;
  } finally {
    await file.close();
  }
}

export async function writeFully(file: FileHandle, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await file.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

/** SHA-256 and size of a file, streamed; each chunk is also handed to `sink`, in order. */
async function digestFile(
  path: string,
  sink?: (chunk: Buffer) => Promise<void>,
): Promise<{ hash: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    bytes += chunk.length;
    if (sink) await sink(chunk);
  }
  return { hash: hash.digest('hex'), bytes };
}

/** The MD5 of a file, base64, as S3's Content-MD5 header wants it. */
export async function md5File(path: string): Promise<string> {
  const md5 = createHash('md5');
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>) {
    md5.update(chunk);
  }
  return md5.digest('base64');
}

async function fsyncFile(path: string): Promise<void> {
  const file = await open(path, 'r');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Makes a rename durable. Best-effort: directories cannot be opened everywhere (Windows). */
async function fsyncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Durability of the directory entry is a bonus; atomicity does not depend on it.
  } finally {
    await handle?.close();
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
}

export function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

const PERMANENT_FS_CODES = new Set([
  'ENOENT',
  'EACCES',
  'EPERM',
  'EISDIR',
  'ENOTDIR',
  'EROFS',
  'ENAMETOOLONG',
  'ELOOP',
]);

/** A typed error for a filesystem failure: missing or forbidden stays so; full disks and busy files may pass. */
export function fsError(action: string, file: string, error: unknown): ReelgraphError {
  if (error instanceof ReelgraphError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = `${action}: ${code ?? (error instanceof Error ? error.message : String(error))}`;
  const options = { location: { file: resolve(file) }, cause: error };
  return code !== undefined && PERMANENT_FS_CODES.has(code)
    ? new PermanentError(message, options)
    : new TransientError(message, options);
}
