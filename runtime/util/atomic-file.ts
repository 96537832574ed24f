import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /**
   * fsync before the rename, so a power loss cannot leave an empty file under
   * the final name. Deliverables want it; cache entries do not (a damaged
   * entry is read as a miss), and an fsync per unit is most of their cost.
   */
  durable?: boolean;
}

/** Write to a temporary name in the same directory, then rename: readers see the old file or the whole new one. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, data, { flush: options.durable ?? true });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
