/**
 * A zip of deliverables, streamed: entries stored (not compressed) with
 * their sizes known, so yazl computes the response's Content-Length before a
 * byte is written; files are opened only when their turn comes, and closed
 * when the client goes away (or asked only for the headers, HEAD). A run's
 * package and a season's archive are both sent this way.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { ZipFile } from 'yazl';
import type { ArtifactStore } from '../runtime/contract/artifacts.js';
import { localPathOf, type PackageEntry } from './deliverables.js';

export interface ZipResponse {
  /** The download's file name. */
  name: string;
  mtime: Date;
  entries: readonly PackageEntry[];
  /** Small files made for the zip itself (a manifest), written first. */
  extra?: ReadonlyArray<{ zipPath: string; data: Buffer }>;
  artifacts: ArtifactStore;
  logger: Logger;
  /** Logged with a failure: which run or series the zip was. */
  about: Record<string, string>;
}

export const contentDisposition = (type: 'attachment' | 'inline', name: string): string => `${type}; filename="${name.replace(/["\\]/g, '_')}"`;

export async function sendZip(res: Response, zipped: ZipResponse): Promise<void> {
  const zip = new ZipFile();
  const open = new Set<ReadStream>();
  // Set when the client is gone (or only asked for the headers): files not yet opened never are.
  let abandoned = false;
  for (const { zipPath, data } of zipped.extra ?? []) zip.addBuffer(data, zipPath, { compress: false, mtime: zipped.mtime });
  for (const entry of zipped.entries) {
    zip.addReadStreamLazy(entry.zipPath, { size: entry.bytes, compress: false, mtime: zipped.mtime }, (give) => {
      localPathOf(zipped.artifacts, entry.source).then(
        (path) => {
          if (abandoned) return;
          const stream = createReadStream(path);
          open.add(stream);
          stream.once('close', () => open.delete(stream));
          give(null, stream);
        },
        (error: unknown) => give(error, undefined as never),
      );
    });
  }
  let length = -1;
  // Stored entries of known sizes: yazl computes the zip's exact size before writing a byte.
  zip.end(undefined, ((total: number) => {
    length = total;
  }) as () => void);
  const stop = (): void => {
    abandoned = true;
    for (const stream of open) stream.destroy();
  };
  res.status(200);
  res.set('Content-Disposition', contentDisposition('attachment', zipped.name));
  res.set('Content-Type', 'application/zip');
  res.set('Cache-Control', 'private, no-store');
  if (length >= 0) res.set('Content-Length', String(length));
  if (res.req.method === 'HEAD') {
    stop();
    res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    res.once('close', () => {
      // A download abandoned half way: stop reading the files it was streaming.
      stop();
      resolve();
    });
    zip.outputStream.once('error', (error: Error) => {
      zipped.logger.error({ err: error, ...zipped.about }, 'zip download failed');
      res.destroy(error);
    });
    zip.outputStream.pipe(res);
  });
}
