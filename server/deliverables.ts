/**
 * A run's deliverables as a producer downloads them. A run's outputs hold
 * artifact handles (the rendered video, a thumbnail, voice clips) and, from
 * export.package, a list of written files `{kind, path, bytes}` in the run's
 * output directory — with the timelines' media under `media/`, referenced by
 * relative URLs. This module turns both into named, typed files:
 *
 * - a file export.package wrote keeps its name (the episode's base name);
 * - an artifact gets `<base><ext>` (the final video) or `<base>-<output><ext>`;
 * - the same bytes twice (the video artifact and its exported copy) are one
 *   deliverable;
 * - the package zip mirrors the output directory's layout, so every relative
 *   URL in the OTIO/FCPXML resolves inside the zip.
 *
 * Nothing here trusts a path from the outputs blindly: only files inside the
 * run's output directory are served.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { isArtifactHandle, parseRef, type ArtifactHandle, type ArtifactStore, type Deliverable, type DeliverableKind } from '../runtime/contract/index.js';
import type { RunDetail } from '../runtime/store/types.js';
import { runTitle } from './episode-text.js';
import { safeBaseName } from '../runtime/contract/file-name.js';

/** What each file extension is delivered as. One table: names, types and zip storage come from it. */
const fileTypes: Record<string, { mime: string; kind: DeliverableKind }> = {
  '.mp4': { mime: 'video/mp4', kind: 'video' },
  '.mov': { mime: 'video/quicktime', kind: 'video' },
  '.webm': { mime: 'video/webm', kind: 'video' },
  '.wav': { mime: 'audio/wav', kind: 'audio' },
  '.mp3': { mime: 'audio/mpeg', kind: 'audio' },
  '.m4a': { mime: 'audio/mp4', kind: 'audio' },
  '.aac': { mime: 'audio/aac', kind: 'audio' },
  '.flac': { mime: 'audio/flac', kind: 'audio' },
  '.ogg': { mime: 'audio/ogg', kind: 'audio' },
  '.png': { mime: 'image/png', kind: 'image' },
  '.jpg': { mime: 'image/jpeg', kind: 'image' },
  '.jpeg': { mime: 'image/jpeg', kind: 'image' },
  '.webp': { mime: 'image/webp', kind: 'image' },
  '.srt': { mime: 'application/x-subrip; charset=utf-8', kind: 'captions' },
  '.vtt': { mime: 'text/vtt; charset=utf-8', kind: 'captions' },
  '.ass': { mime: 'text/x-ssa; charset=utf-8', kind: 'captions' },
  // OpenTimelineIO has no registered type; it is JSON.
  '.otio': { mime: 'application/vnd.opentimelineio+json', kind: 'timeline' },
  '.fcpxml': { mime: 'application/xml', kind: 'timeline' },
  '.json': { mime: 'application/json', kind: 'data' },
  '.txt': { mime: 'text/plain; charset=utf-8', kind: 'data' },
  '.md': { mime: 'text/markdown; charset=utf-8', kind: 'data' },
  '.fountain': { mime: 'text/plain; charset=utf-8', kind: 'data' },
};

/** How deliverables are listed after the final video. */
const kindOrder: DeliverableKind[] = ['video', 'captions', 'image', 'timeline', 'audio', 'data', 'other'];


/** A deliverable before its URLs are signed, with where its bytes are. */
export interface DeliverableSource extends Omit<Deliverable, 'downloadUrl' | 'inlineUrl'> {
  source: { artifact: ArtifactHandle } | { path: string };
}

/** One file of the package zip: its path inside the zip and where its bytes are. */
export interface PackageEntry {
  zipPath: string;
  bytes: number;
  source: DeliverableSource['source'];
}

export interface RunPackage {
  /** The name every deliverable starts with, e.g. "the-last-terminal-e01-boot-sequence". */
  base: string;
  deliverables: DeliverableSource[];
  primary?: string;
  /** The zip's files, under one folder named `base`. Empty when the run has nothing to deliver. */
  entries: PackageEntry[];
  packageName?: string;
}

/** A file name stem safe anywhere: the rule export.package names its files by. */
export const fileStem = (raw: string): string => safeBaseName(raw, 'run');

const typeOfExtension = (extension: string): { mime: string; kind: DeliverableKind } => fileTypes[extension.toLowerCase()] ?? { mime: 'application/octet-stream', kind: 'other' };

function typeOfHandle(handle: ArtifactHandle): { extension: string; mime: string; kind: DeliverableKind } {
  const fromName = handle.name ? extname(handle.name).toLowerCase() : '';
  const base = handle.mime.split(';')[0]!.trim().toLowerCase();
  const byMime = Object.entries(fileTypes).find(([, type]) => type.mime.split(';')[0] === base);
  const extension = fromName && fileTypes[fromName] ? fromName : (byMime?.[0] ?? (/^\.[a-z0-9]{1,5}$/.test(fromName) ? fromName : '.bin'));
  const family = base.split('/')[0];
  const kind: DeliverableKind = family === 'video' || family === 'audio' || family === 'image' ? family : typeOfExtension(extension).kind;
  return { extension, mime: handle.mime, kind };
}

/** Content hashes of exported files, by path, size and mtime: a listing must not re-read a video every time. */
const fileHashes = new Map<string, string>();
const MAX_REMEMBERED_HASHES = 2000;

async function hashOfFile(path: string, size: number, mtimeMs: number): Promise<string> {
  const key = `${path}\0${size}\0${mtimeMs}`;
  const known = fileHashes.get(key);
  if (known) return known;
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const digest = hash.digest('hex');
  if (fileHashes.size >= MAX_REMEMBERED_HASHES) fileHashes.delete(fileHashes.keys().next().value as string);
  fileHashes.set(key, digest);
  return digest;
}

interface WrittenFile {
  kind: string;
  path: string;
  bytes?: number;
  /** The artifact the file is a copy of in another container (the packaged MP4 with its recipe): that artifact is this deliverable. */
  from?: string;
}

const isWrittenFile = (value: unknown): value is WrittenFile =>
  typeof value === 'object' && value !== null && typeof (value as WrittenFile).path === 'string' && typeof (value as WrittenFile).kind === 'string';

/** The run's output values: the final ones, or (while it runs) those of the nodes the graph's outputs name that have finished. */
export function outputsOf(run: RunDetail): Record<string, unknown> {
  if (run.outputs) return run.outputs;
  const found: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(run.graph.outputs ?? {})) {
    if (!ref) continue;
    const { node, port } = parseRef(ref);
    const value = run.nodes.find((row) => row.nodeId === node)?.outputs?.[port];
    if (value !== undefined) found[name] = value;
  }
  return found;
}

/** `dir/sub/file` → `sub/file` with `/` separators, or undefined when the path is outside `dir`. */
function inside(dir: string, path: string): string | undefined {
  const rel = relative(resolve(dir), resolve(path));
  if (!rel || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

/** `name.ext` → `name-2.ext`, `name-3.ext`, … until unused. */
function unique(name: string, taken: Set<string>): string {
  if (!taken.has(name)) return name;
  const dot = name.indexOf('.');
  const [stem, rest] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  for (let n = 2; ; n++) {
    const candidate = `${stem}-${n}${rest}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** The deliverables and package layout of a run (see the file header). */
export async function runPackage(run: RunDetail): Promise<RunPackage> {
  const outputs = outputsOf(run);
  const files: Array<WrittenFile & { output: string; rel: string; size: number; mtimeMs: number }> = [];
  const handles: Array<{ output: string; handle: ArtifactHandle }> = [];

  for (const [output, value] of Object.entries(outputs)) {
    if (isArtifactHandle(value)) handles.push({ output, handle: value });
    else if (Array.isArray(value)) {
      for (const [index, element] of value.entries()) {
        if (isArtifactHandle(element)) handles.push({ output: `${output}[${index}]`, handle: element });
        else if (isWrittenFile(element) && run.outDir) {
          const rel = inside(run.outDir, element.path);
          const info = rel ? await stat(element.path).catch(() => undefined) : undefined;
          if (rel && info?.isFile()) files.push({ ...element, output: `${output}.${element.kind}`, rel, size: info.size, mtimeMs: info.mtimeMs });
        }
      }
    } else if (typeof value === 'object' && value !== null) {
      // Named handles one level down, e.g. a mix's stems { dialogue, music }.
      for (const [key, element] of Object.entries(value)) if (isArtifactHandle(element)) handles.push({ output: `${output}.${key}`, handle: element });
    }
  }

  // The exported files name the episode; without them, the run's episode title or graph name does.
  const exportedVideo = files.find((file) => file.kind === 'mp4') ?? files.find((file) => file.kind !== 'media');
  const base = exportedVideo ? fileStem(basename(exportedVideo.rel).replace(/\..*$/, '')) : fileStem(runTitle(run.inputs) ?? run.graphName);

  const deliverables: DeliverableSource[] = [];
  const entries: PackageEntry[] = [];
  const names = new Set<string>();
  const hashes = new Set<string>();
  /** Exported files by the artifact they were made from. */
  const madeFrom = new Map<string, DeliverableSource>();
  for (const file of files) {
    entries.push({ zipPath: `${base}/${file.rel}`, bytes: file.size, source: { path: file.path } });
    if (file.kind === 'media') continue;
    const name = unique(basename(file.rel), names);
    const hash = await hashOfFile(file.path, file.size, file.mtimeMs);
    names.add(name);
    hashes.add(hash);
    deliverables.push({ name, output: file.output, ...typeOfExtension(extname(name)), bytes: file.size, hash, source: { path: file.path } });
    if (file.from !== undefined) {
      hashes.add(file.from);
      madeFrom.set(file.from, deliverables.at(-1) as DeliverableSource);
    }
  }
  const relabelled = new Set<DeliverableSource>();
  const firstVideo = handles.find(({ handle }) => typeOfHandle(handle).kind === 'video' && !hashes.has(handle.hash));
  for (const { output, handle } of handles) {
    // The exported copy of an output (the file of the "video" output) is that output's deliverable: name it so.
    const exported = deliverables.find((deliverable) => deliverable.hash === handle.hash && 'path' in deliverable.source) ?? madeFrom.get(handle.hash);
    if (exported && !relabelled.has(exported)) {
      exported.output = output;
      relabelled.add(exported);
    }
    if (hashes.has(handle.hash)) continue;
    hashes.add(handle.hash);
    const type = typeOfHandle(handle);
    const stem = handle === firstVideo?.handle && !exportedVideo ? base : `${base}-${fileStem(output)}`;
    const name = unique(`${stem}${type.extension}`, names);
    names.add(name);
    deliverables.push({ name, output, kind: type.kind, mime: type.mime, bytes: handle.bytes, hash: handle.hash, source: { artifact: handle } });
    entries.push({ zipPath: `${base}/${name}`, bytes: handle.bytes, source: { artifact: handle } });
  }

  const primaryVideo = deliverables.find((deliverable) => deliverable.kind === 'video' && (deliverable.output === 'video' || deliverable.output.endsWith('.mp4'))) ?? deliverables.find((deliverable) => deliverable.kind === 'video');
  deliverables.sort((a, b) => {
    if (a === primaryVideo || b === primaryVideo) return a === primaryVideo ? -1 : 1;
    return kindOrder.indexOf(a.kind) - kindOrder.indexOf(b.kind) || a.name.localeCompare(b.name);
  });
  return {
    base,
    deliverables,
    ...(primaryVideo ? { primary: primaryVideo.name } : {}),
    entries: deliverables.length > 0 ? entries : [],
    ...(deliverables.length > 0 ? { packageName: `${base}.zip` } : {}),
  };
}

/** A local path holding the deliverable's bytes. */
export async function localPathOf(artifacts: ArtifactStore, source: DeliverableSource['source']): Promise<string> {
  return 'path' in source ? source.path : artifacts.localPath(source.artifact);
}
