/**
 * Content-addressed artifact store on a local or shared filesystem.
 *
 * Layout under the root (`<dataDir>/artifacts`):
 *
 *   <hh>/<hash>        the bytes, read-only; `hh` is the hash's first two hex digits
 *   <hh>/<hash>.json   the handle: mime, size, name and probed media metadata
 *   tmp/               staging area, on the same filesystem so rename() is atomic
 *
 * Invariant: a file under a final name is complete. Everything is written
 * into tmp/, fsynced, then renamed into place, which POSIX makes atomic; a
 * reader sees either nothing or the whole file, however many processes write
 * the same or different content at once. Two writers of the same bytes race
 * harmlessly: the loser's temp file is dropped, or its rename replaces an
 * identical file.
 *
 * Blobs carry no file extension: a hash names bytes, not an interpretation of
 * them, so the same bytes stored as `audio/wav` and `audio/x-wav` are one file
 * and `has()` is one stat. ffmpeg recognises inputs by content; `export()`
 * gives deliverables their proper names.
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
  readFile,
  rename,
  rm,
  stat,
  type FileHandle,
} from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

import type { ArtifactHandle, ArtifactSource, ArtifactStore, PutOptions } from '../contract/artifacts.js';
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

  constructor(hash: string, expectedPath: string) {
    super('ARTIFACT_NOT_FOUND', `artifact ${hash} is not in the store (expected at ${expectedPath})`, {
      location: { file: expectedPath },
      retryable: false,
    });
    this.hash = hash;
  }
}

export interface FsArtifactStoreOptions {
  /** Deadline for probing each stored media file. Default: probeMedia's 60 s. */
  probeTimeoutMs?: number;
}

/** Bytes staged for publishing, and whether they still sit in tmp/. */
interface Staged {
  hash: string;
  bytes: number;
  path: string;
  temporary: boolean;
}

export class FsArtifactStore implements ArtifactStore {
  readonly root: string;
  private readonly tmpDir: string;

  constructor(
    root: string,
    private readonly options: FsArtifactStoreOptions = {},
  ) {
    this.root = resolve(root);
    this.tmpDir = join(this.root, 'tmp');
  }

  /** The store of a data directory: `<dataDir>/artifacts`. */
  static inDataDir(dataDir: string, options?: FsArtifactStoreOptions): FsArtifactStore {
    return new FsArtifactStore(join(dataDir, 'artifacts'), options);
  }

  /**
   * Stage the bytes in tmp/ (hashing them on the way), probe them, record the
   * handle, then publish by rename. A failed put leaves no temp file behind,
   * and a moved source where it was.
   */
  async put(source: ArtifactSource, options: PutOptions): Promise<ArtifactHandle> {
    await mkdir(this.tmpDir, { recursive: true });
    const staged = 'path' in source
      ? await this.stageFile(source.path, options.move === true)
      : await this.stageData(source.data);
    try {
      const probed = await this.probe(staged, source, options);
      const handle = buildHandle(staged, options, probed);
      // Sidecar first: whoever sees the blob can also read its handle.
      await this.writeSidecar(handle);
      await this.publish(staged);
      if ('path' in source && options.move) await this.removeMovedSource(source.path, staged.hash);
      return handle;
    } catch (error) {
      if (staged.temporary) await rm(staged.path, { force: true });
      throw error;
    }
  }

  async has(hash: string): Promise<boolean> {
    return exists(this.blobPath(hash));
  }

  async localPath(handle: Pick<ArtifactHandle, 'hash'>): Promise<string> {
    const path = this.blobPath(handle.hash);
    if (!(await exists(path))) throw new ArtifactNotFoundError(handle.hash, path);
    return path;
  }

  async read(handle: Pick<ArtifactHandle, 'hash'>): Promise<Uint8Array> {
    return readFile(await this.localPath(handle));
  }

  /**
   * The handle recorded for `hash`. A blob without a sidecar (removed by hand)
   * still yields a truthful, if minimal, handle.
   */
  async getHandle(hash: string): Promise<ArtifactHandle> {
    const path = await this.localPath({ hash });
    try {
      return JSON.parse(await readFile(`${path}.json`, 'utf8')) as ArtifactHandle;
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
      return { hash, mime: 'application/octet-stream', bytes: (await stat(path)).size };
    }
  }

  /**
   * Copy an artifact to `destPath` for delivery. The copy is written beside
   * the destination and renamed over it, so a watcher or an upload never
   * picks up half a file. Returns the absolute destination path.
   */
  async export(handle: Pick<ArtifactHandle, 'hash'>, destPath: string): Promise<string> {
    const source = await this.localPath(handle);
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
      throw fsError(`cannot export artifact ${handle.hash} to "${dest}"`, dest, error);
    }
    return dest;
  }

  /* ---------- paths ---------- */

  /** Validates first: a hostile hash such as `../../etc/passwd` never reaches the filesystem. */
  private blobPath(hash: string): string {
    if (typeof hash !== 'string' || !HASH_PATTERN.test(hash)) {
      throw new PermanentError(`invalid artifact hash ${JSON.stringify(hash)}: expected 64 lowercase hex digits`);
    }
    return join(this.root, hash.slice(0, 2), hash);
  }

  private tempPath(): string {
    // The pid tells whose leftovers they are after a crash.
    return join(this.tmpDir, `${process.pid}-${randomUUID()}`);
  }

  /* ---------- staging: bytes into tmp/, hashed on the way ---------- */

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

  /* ---------- publishing: rename into place ---------- */

  private async publish(staged: Staged): Promise<void> {
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

  private async writeSidecar(handle: ArtifactHandle): Promise<void> {
    const final = `${this.blobPath(handle.hash)}.json`;
    const json = `${JSON.stringify(handle, null, 2)}\n`;
    // Re-putting the same content with the same description is common (cached steps); skip the write.
    if ((await readFile(final, 'utf8').catch(() => undefined)) === json) return;

    const temp = this.tempPath();
    try {
      await withNewFile(temp, (file) => writeFully(file, Buffer.from(json, 'utf8')));
      await mkdir(dirname(final), { recursive: true });
      await rename(temp, final);
    } finally {
      await rm(temp, { force: true });
    }
  }

  private async removeMovedSource(sourcePath: string, hash: string): Promise<void> {
    // Moving a blob onto itself (putting its own localPath) must not delete it.
    if (resolve(sourcePath) === this.blobPath(hash)) return;
    await rm(sourcePath, { force: true });
  }

  /* ---------- metadata ---------- */

  private async probe(staged: Staged, source: ArtifactSource, options: PutOptions): Promise<Partial<ArtifactHandle>> {
    if (options.probe === false || !isProbeableMime(options.mime)) return {};
    try {
      const info = await probeMedia(staged.path, { timeoutMs: this.options.probeTimeoutMs });
      return mediaFields(info);
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
}

/* ---------- handles ---------- */

function buildHandle(staged: Staged, options: PutOptions, probed: Partial<ArtifactHandle>): ArtifactHandle {
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
async function withNewFile<T>(path: string, write: (file: FileHandle) => Promise<T>): Promise<T> {
  const file = await open(path, 'wx', 0o600);
  try {
    const result = await write(file);
    await file.sync();
    return result;
  } finally {
    await file.close();
  }
}

async function writeFully(file: FileHandle, data: Uint8Array): Promise<void> {
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

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return false;
    throw error;
  }
}

function isErrno(error: unknown, code: string): boolean {
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
function fsError(action: string, file: string, error: unknown): ReelgraphError {
  if (error instanceof ReelgraphError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = `${action}: ${code ?? (error instanceof Error ? error.message : String(error))}`;
  const options = { location: { file: resolve(file) }, cause: error };
  return code !== undefined && PERMANENT_FS_CODES.has(code)
    ? new PermanentError(message, options)
    : new TransientError(message, options);
}
