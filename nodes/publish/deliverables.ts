/**
 * What the publish nodes take from `export.package`: its `files` output, a
 * list of `{ kind, path, bytes }`. Read by kind, so a package that wrote
 * fewer files (no captions, no chapters) still publishes what it has.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { PermanentError } from '../../runtime/contract/index.js';

export interface Deliverable {
  kind: string;
  path: string;
  bytes: number;
}

/** The kinds a publish node sends, with the MIME type each goes out as. */
export const deliverableMime: Record<string, string> = {
  mp4: 'video/mp4',
  srt: 'application/x-subrip',
  vtt: 'text/vtt',
  thumbnail: 'image/jpeg',
  chapters: 'text/plain; charset=utf-8',
  otio: 'application/json',
  fcpxml: 'application/xml',
};

/** The package's files, checked: a wire from something else is a graph mistake, said once, naming the port. */
export function deliverablesOf(value: unknown, nodeId: string): Deliverable[] {
  const list = Array.isArray(value) ? value : [];
  const files = list.filter(
    (file): file is Deliverable =>
      typeof file === 'object' && file !== null && typeof (file as Deliverable).kind === 'string' && typeof (file as Deliverable).path === 'string' && typeof (file as Deliverable).bytes === 'number',
  );
  if (!Array.isArray(value) || files.length !== list.length) {
    throw new PermanentError('the files input must be the export package’s list of { kind, path, bytes }', { location: { nodeId, port: 'files' } });
  }
  return files;
}

export function findDeliverable(files: Deliverable[], kind: string): Deliverable | undefined {
  return files.find((file) => file.kind === kind);
}

/** The file as it is now (the package may have been rewritten since the list was made). */
export async function currentSize(file: Deliverable, nodeId: string): Promise<number> {
  const info = await stat(file.path).catch((cause: unknown) => {
    throw new PermanentError(`the ${file.kind} file "${file.path}" cannot be read: ${(cause as Error).message}`, { location: { nodeId, port: 'files' }, cause });
  });
  if (!info.isFile()) throw new PermanentError(`the ${file.kind} deliverable "${file.path}" is not a file`, { location: { nodeId, port: 'files' } });
  return info.size;
}

export async function sha256File(path: string, signal: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function readText(file: Deliverable): Promise<string> {
  return readFile(file.path, 'utf8');
}

export const fileNameOf = (file: Deliverable): string => basename(file.path);
