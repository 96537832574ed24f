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
 * identical file. (The staging and publishing live in `staging.ts`, shared
 * with the S3 store's local cache.)
 *
 * Blobs carry no file extension: a hash names bytes, not an interpretation of
 * them, so the same bytes stored as `audio/wav` and `audio/x-wav` are one file
 * and `has()` is one stat. ffmpeg recognises inputs by content; `export()`
 * gives deliverables their proper names.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import type { ArtifactHandle, ArtifactSource, ArtifactStore, PutOptions } from '../contract/artifacts.js';
import {
  ArtifactNotFoundError,
  BlobDirectory,
  buildHandle,
  exists,
  exportCopy,
  handleJson,
  isErrno,
  probeStaged,
} from './staging.js';

export { ArtifactNotFoundError };

export interface FsArtifactStoreOptions {
  /** Deadline for probing each stored media file. Default: probeMedia's 60 s. */
  probeTimeoutMs?: number;
}

export class FsArtifactStore implements ArtifactStore {
  readonly root: string;
  private readonly blobs: BlobDirectory;

  constructor(
    root: string,
    private readonly options: FsArtifactStoreOptions = {},
  ) {
    this.blobs = new BlobDirectory(root);
    this.root = this.blobs.root;
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
    const staged = await this.blobs.stage(source, options.move === true);
    try {
      const probed = await probeStaged(staged, source, options, this.options.probeTimeoutMs);
      const handle = buildHandle(staged, options, probed);
      // Sidecar first: whoever sees the blob can also read its handle.
      await this.writeSidecar(handle);
      await this.blobs.publish(staged);
      if ('path' in source && options.move) await this.blobs.removeMovedSource(source.path, staged.hash);
      return handle;
    } catch (error) {
      await this.blobs.discard(staged);
      throw error;
    }
  }

  async has(hash: string): Promise<boolean> {
    return this.blobs.has(hash);
  }

  async localPath(handle: Pick<ArtifactHandle, 'hash'>): Promise<string> {
    const path = this.blobs.blobPath(handle.hash);
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
   * Copy an artifact to `destPath` for delivery, atomically (see `exportCopy`).
   * Returns the absolute destination path.
   */
  async export(handle: Pick<ArtifactHandle, 'hash'>, destPath: string): Promise<string> {
    return exportCopy(await this.localPath(handle), destPath, handle.hash);
  }

  private async writeSidecar(handle: ArtifactHandle): Promise<void> {
    const final = `${this.blobs.blobPath(handle.hash)}.json`;
    const json = handleJson(handle);
    // Re-putting the same content with the same description is common (cached steps); skip the write.
    if ((await readFile(final, 'utf8').catch(() => undefined)) === json) return;
    await this.blobs.writeAtomically(final, Buffer.from(json, 'utf8'));
  }
}
