import type { ArtifactHandle, ArtifactSource, ArtifactStore, PutOptions } from '../contract/artifacts.js';

/**
 * Records every stored artifact in an index (the run store's artifact table)
 * as it is written, so what a run produced can be listed without walking the
 * store. Reads pass straight through.
 */
export class IndexedArtifactStore implements ArtifactStore {
  constructor(
    private readonly inner: ArtifactStore,
    private readonly index: (handle: ArtifactHandle) => Promise<void>,
  ) {}

  async put(source: ArtifactSource, options: PutOptions): Promise<ArtifactHandle> {
    const handle = await this.inner.put(source, options);
    await this.index(handle);
    return handle;
  }

  has(hash: string): Promise<boolean> {
    return this.inner.has(hash);
  }

  localPath(handle: Pick<ArtifactHandle, 'hash'>): Promise<string> {
    return this.inner.localPath(handle);
  }

  read(handle: Pick<ArtifactHandle, 'hash'>): Promise<Uint8Array> {
    return this.inner.read(handle);
  }
}
