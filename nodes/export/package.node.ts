/**
 * export.package: the deliverables of an episode in the run's output
 * directory — the video, its captions, a thumbnail, YouTube chapters and the
 * timeline for an editor (OpenTimelineIO and FCPXML, with the media they
 * reference copied into `media/` so the folder opens anywhere).
 *
 * Everything is made in a staging folder inside the output directory first,
 * then renamed into place: a cancelled or failed export leaves no file under
 * a final name, and a file under a final name is always whole.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, link, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { safeBaseName } from '../../runtime/contract/file-name.js';
import {
  CancelledError,
  defineNode,
  isArtifactHandle,
  nodeParams,
  PermanentError,
  Type,
  type ArtifactHandle,
  type ArtifactStore,
  type NodeContext,
  type Script,
  type Static,
  type Subtitles,
  type Timeline,
  type Video,
} from '../../runtime/contract/index.js';
import { extensionOfMime } from '../assets/media-types.js';
import { toSrt, toVtt } from '../captions/index.js';
import { chapterPoints, youtubeChapters } from './chapters.js';
import { toFcpxml } from './fcpxml.js';
import { recipeOf, writeVideoWithRecipe } from './recipe.js';
import { toOtio, type RenderedReference } from './otio.js';
import { renderThumbnail, thumbnailSize, type TitleCard } from './thumbnail.js';
import { chooseThumbnailFrame, thumbnailCandidates } from './thumbnail-frame.js';

export const mediaModes = ['copy', 'link'] as const;
export type MediaMode = (typeof mediaModes)[number];

export const fileKinds = ['mp4', 'srt', 'vtt', 'thumbnail', 'chapters', 'otio', 'fcpxml', 'graph'] as const;
export type FileKind = (typeof fileKinds)[number];

/** What each deliverable is called after the base name. */
const suffixes: Record<FileKind, string> = {
  mp4: '.mp4',
  srt: '.srt',
  vtt: '.vtt',
  thumbnail: '.jpg',
  chapters: '.chapters.txt',
  otio: '.otio',
  fcpxml: '.fcpxml',
  graph: '.graph.json',
};

const params = nodeParams({
  baseName: Type.Optional(Type.String({ title: 'Base file name', maxLength: 255, description: 'Made safe for any file system. Default: series, episode and title from the script.' })),
  files: Type.Array(Type.Unsafe<FileKind>({ enum: [...fileKinds] }), { title: 'Files to write', uniqueItems: true, default: [...fileKinds] }),
  thumbnailTime: Type.Optional(Type.Number({ title: 'Thumbnail time (s)', minimum: 0, description: 'Default: the sharpest, most detailed of a few frames in each scene, none in a transition or an overlay powering on, and between lines when there are such frames (no caption under the title).' })),
  titleCard: Type.Boolean({ title: 'Title card', default: true, description: 'Episode title, series and number over the thumbnail frame.' }),
  media: Type.Unsafe<MediaMode>({
    enum: [...mediaModes],
    title: 'Media files',
    default: 'copy',
    description:
      'copy: private copies of the video and the timelines\' media. link: hard links to the artifact store (no second copy on disk; read-only files that outlive `reelgraph gc`), a copy where the output directory is on another file system.',
  }),
});
type Params = Static<typeof params>;

export interface WrittenFile {
  kind: FileKind | 'media';
  path: string;
  bytes: number;
  /** The artifact the file was made from, when it is that artifact in another container (the MP4 with its recipe). */
  from?: string;
}

type ScriptInfo = Pick<Script, 'title' | 'meta'> & { source?: { sha256?: string } };

/** The contract's file-name rule, re-exported for this node's callers and tests. */
export { safeBaseName };

const episodeLabel = (episode: number | string): string => (typeof episode === 'number' ? `e${String(episode).padStart(2, '0')}` : `e${episode}`);

/** Series, episode and title, as far as the script (or else the timeline) tells them. */
export function defaultBaseName(script: ScriptInfo | undefined, timeline: Pick<Timeline, 'title'>): string {
  const { series, episode } = script?.meta ?? {};
  const parts = [series, episode !== undefined && episode !== '' ? episodeLabel(episode) : undefined, script?.title || timeline.title];
  return safeBaseName(parts.filter((part): part is string => typeof part === 'string' && part.trim() !== '').join(' '));
}


function extensionOf(handle: ArtifactHandle): string {
  const fromName = handle.name ? extname(handle.name).toLowerCase() : '';
  return /^\.[a-z0-9]{1,5}$/.test(fromName) ? fromName : (extensionOfMime(handle.mime) ?? '.bin');
}

/** Readable and collision-free: role, clip id, then a short hash so two episodes can share one media folder. */
const mediaFileName = (role: string, handle: ArtifactHandle): string => `${safeBaseName(role).slice(0, 60)}-${handle.hash.slice(0, 8)}${extensionOf(handle)}`;

/** The media a timeline references, one file name per content hash. */
function mediaNames(timeline: Timeline): Map<string, { handle: ArtifactHandle; name: string }> {
  const names = new Map<string, { handle: ArtifactHandle; name: string }>();
  for (const track of timeline.tracks) {
    for (const clip of track.clips) {
      if (clip.media && !names.has(clip.media.hash)) names.set(clip.media.hash, { handle: clip.media, name: mediaFileName(`${track.kind}-${clip.id}`, clip.media) });
    }
  }
  return names;
}

interface Stem {
  name: string;
  handle: ArtifactHandle;
  /** The clip gain that restores the stem's level in the mix (the mix writes stems with headroom). */
  gainDb?: number;
}

function stemsOf(video: Video, warn: (message: string) => void): Stem[] {
  return Object.entries(video.stems ?? {}).flatMap(([name, value]) => {
    if (!isArtifactHandle(value)) {
      warn(`stem "${name}" of the video is not an artifact; left out`);
      return [];
    }
    const gainDb = (value as { gainDb?: unknown }).gainDb;
    return [{ name, handle: value, ...(typeof gainDb === 'number' && Number.isFinite(gainDb) && gainDb !== 0 ? { gainDb } : {}) }];
  });
}

/**
 * Where the thumbnail frame comes from when no time is given: the best of the
 * settled candidate frames (thumbnail-frame.ts), else a third into the first scene.
 */
async function thumbnailTime(path: string, timeline: Timeline, video: Video, subtitles: Subtitles | undefined, signal: AbortSignal, log: NodeContext<Params>['log']): Promise<number> {
  const captions = (subtitles?.cues ?? []).map((cue) => ({ from: cue.start, to: cue.end }));
  const chosen = await chooseThumbnailFrame(path, thumbnailCandidates(timeline, video.duration, captions), signal);
  if (chosen) {
    log.info(`thumbnail frame at ${chosen.time.toFixed(2)} s, the best of ${chosen.scored} settled candidates`);
    return chosen.time;
  }
  const first = timeline.scenes[0];
  const time = first ? first.start + first.duration / 3 : video.duration / 3;
  return Math.min(time, Math.max(0, video.duration - 1 / timeline.fps));
}

/**
 * A private copy by default: a link shares the store's bytes, so a tool that
 * rewrote a linked file in place (after making it writable: blobs are
 * read-only) would change the stored artifact. `link` hard-links instead,
 * never symlinks: a hard link is a name of its own for the same bytes, so it
 * survives `reelgraph gc` removing the artifact from the store, and a copy of
 * the folder elsewhere copies bytes, not dangling pointers. A hard link
 * cannot cross file systems (EXDEV) and some file systems have none: those
 * files are copied. Says whether it linked.
 */
const placeArtifact = async (artifacts: ArtifactStore, handle: ArtifactHandle, to: string, mode: MediaMode): Promise<boolean> => {
  const from = await artifacts.localPath(handle);
  if (mode === 'link') {
    try {
      await link(from, to);
      return true;
    } catch (error) {
      if (!LINK_REFUSALS.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
    }
  }
  await copyFile(from, to, constants.COPYFILE_FICLONE);
  return false;
};

/** What link(2) answers when this file system, or this pair of them, cannot hard-link: copy instead. */
const LINK_REFUSALS = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS']);

interface Staged {
  kind: FileKind | 'media';
  staged: string;
  final: string;
  from?: string;
}

export default defineNode({
  type: 'export.package',
  version: 1,
  title: 'Export package',
  category: 'export',
  description:
    'Writes the deliverables into the output directory: the video, SRT/VTT captions, a JPEG thumbnail (optionally a title card), YouTube chapters, and the timeline as OpenTimelineIO and FCPXML with its media. Files appear whole or not at all.',
  inputs: [
    { name: 'video', type: 'Video', title: 'Rendered video' },
    { name: 'timeline', type: 'Timeline', title: 'Timeline' },
    { name: 'subtitles', type: 'Subtitles', title: 'Captions', optional: true },
    { name: 'script', type: 'Script', title: 'Script', optional: true, description: 'For the file names and the title card: series, episode, title.' },
  ],
  outputs: [
    { name: 'files', type: 'Json', title: 'Files written', description: 'A list of { kind, path, bytes }.' },
    { name: 'thumbnail', type: 'Image', title: 'Thumbnail' },
  ],
  params,
  resource: 'io',
  // A side effect on the output directory: it must happen on every run.
  cacheable: false,
  // The resolved graph goes beside the video as its recipe.
  usesRunGraph: true,
  async execute(ctx: NodeContext<Params>) {
    const { params, artifacts, log, signal, outDir } = ctx;
    const video = ctx.inputs.video as Video;
    const timeline = ctx.inputs.timeline as Timeline;
    const subtitles = ctx.inputs.subtitles as Subtitles | undefined;
    const script = ctx.inputs.script as ScriptInfo | undefined;
    const wanted = new Set(params.files);
    const base = params.baseName?.trim() ? safeBaseName(params.baseName) : defaultBaseName(script, timeline);
    // The OTIO and FCPXML writers read the timeline the same way and so warn alike: say each thing once.
    const warnings = new Set<string>();
    const warn = (message: string): void => void warnings.add(message);
    const checkpoint = (fraction: number, message: string): void => {
      if (signal.aborted) throw new CancelledError(`export of "${base}" cancelled`);
      ctx.progress(fraction, message);
    };

    await mkdir(outDir, { recursive: true });
    const stage = join(outDir, `.${base}.${randomBytes(6).toString('hex')}.partial`);
    await mkdir(stage);
    const staged: Staged[] = [];
    const put = async (kind: FileKind, data: string | Uint8Array): Promise<void> => {
      const name = `${base}${suffixes[kind]}`;
      await writeFile(join(stage, name), data);
      staged.push({ kind, staged: join(stage, name), final: join(outDir, name) });
    };

    try {
      const media = mediaNames(timeline);
      const mediaUrl = (handle: ArtifactHandle): string => `media/${encodeURIComponent(media.get(handle.hash)!.name)}`;
      // Each stem is its own file under its own name, even when two hold the same bytes (silent music and
      // effects are one blob in the store) or a stem is the same bytes as a clip.
      const stems = stemsOf(video, warn).map((stem) => ({ ...stem, file: mediaFileName(`stem-${stem.name}`, stem.handle) }));
      const stemFiles = stems.map((stem) => ({ name: stem.name, handle: stem.handle, url: `media/${encodeURIComponent(stem.file)}`, ...(stem.gainDb !== undefined ? { gainDb: stem.gainDb } : {}) }));
      const videoName = `${base}${suffixes.mp4}`;

      checkpoint(0.05, 'thumbnail');
      const size = thumbnailSize(video);
      const card: TitleCard = { title: script?.title || timeline.title, series: script?.meta.series, episode: script?.meta.episode };
      const videoPath = await artifacts.localPath(video);
      const jpeg = await renderThumbnail(videoPath, {
        time: params.thumbnailTime ?? (await thumbnailTime(videoPath, timeline, video, subtitles, signal, log)),
        duration: video.duration,
        size,
        signal,
        param: '/thumbnailTime',
        ...(params.titleCard ? { titleCard: card } : {}),
      });
      const thumbnail = await artifacts.put({ data: jpeg }, { mime: 'image/jpeg', name: `${base}.jpg`, probe: false, meta: size });
      if (wanted.has('thumbnail')) await put('thumbnail', jpeg);

      checkpoint(0.3, 'captions and chapters');
      const captionWriters: Array<[FileKind, (subtitles: Subtitles) => string]> = [
        ['srt', toSrt],
        ['vtt', toVtt],
      ];
      for (const [kind, write] of captionWriters) {
        if (!wanted.has(kind)) continue;
        if (subtitles) await put(kind, write(subtitles));
        else warn(`no ${kind.toUpperCase()} written: the subtitles input is not connected`);
      }
      if (wanted.has('chapters')) {
        const chapters = youtubeChapters(chapterPoints(timeline), video.duration);
        chapters.warnings.forEach(warn);
        if (chapters.text) await put('chapters', chapters.text);
      }

      checkpoint(0.4, 'timelines');
      const wantsTimeline = wanted.has('otio') || wanted.has('fcpxml');
      const rendered: RenderedReference = {
        video: { handle: video, url: encodeURIComponent(videoName) },
        stems: stemFiles,
      };
      if (wanted.has('otio')) {
        const otio = toOtio(timeline, { mediaUrl, rendered });
        otio.warnings.forEach(warn);
        await put('otio', `${JSON.stringify(otio.timeline, null, 2)}\n`);
      }
      if (wanted.has('fcpxml')) {
        const fcpxml = toFcpxml(timeline, { mediaUrl, stems: stemFiles });
        fcpxml.warnings.forEach(warn);
        await put('fcpxml', fcpxml.xml);
      }

      checkpoint(0.5, 'media');
      let linked = 0;
      if (wantsTimeline) {
        await mkdir(join(stage, 'media'));
        const files = [...media.values(), ...stems.map((stem) => ({ handle: stem.handle, name: stem.file }))];
        let copied = 0;
        for (const { handle, name } of files) {
          if (await placeArtifact(artifacts, handle, join(stage, 'media', name), params.media)) linked += 1;
          staged.push({ kind: 'media', staged: join(stage, 'media', name), final: join(outDir, 'media', name) });
          checkpoint(0.5 + (0.3 * ++copied) / files.length, 'media');
        }
      }
      const recipe = recipeOf(ctx, script);
      if (wanted.has('graph') && ctx.run?.graph.document) {
        // The resolved graph the run executed: what `reelgraph inspect` reopens when the store no longer has its version.
        await placeArtifact(artifacts, ctx.run.graph.document, join(stage, `${base}${suffixes.graph}`), 'copy');
        staged.push({ kind: 'graph', staged: join(stage, `${base}${suffixes.graph}`), final: join(outDir, `${base}${suffixes.graph}`) });
      }
      if (wanted.has('mp4')) {
        // Never linked: the delivered file is the render with its recipe, a file of its own.
        checkpoint(0.85, 'video');
        await writeVideoWithRecipe(videoPath, join(stage, videoName), recipe, signal);
        staged.push({ kind: 'mp4', staged: join(stage, videoName), final: join(outDir, videoName), from: video.hash });
      }

      checkpoint(0.9, 'finishing');
      // Media first: a timeline file never appears before what it points at.
      const ordered = [...staged.filter((file) => file.kind === 'media'), ...staged.filter((file) => file.kind !== 'media')];
      // A target that cannot be replaced fails the export before any file is moved into place.
      for (const file of ordered) {
        const existing = await stat(file.final).catch(() => undefined);
        if (existing?.isDirectory()) throw new PermanentError(`cannot write "${file.final}": a folder is in the way`, { location: { file: file.final } });
      }
      if (staged.some((file) => file.kind === 'media')) await mkdir(join(outDir, 'media'), { recursive: true });
      const files: WrittenFile[] = [];
      for (const file of ordered) {
        try {
          await rename(file.staged, file.final);
        } catch (cause) {
          throw new PermanentError(`cannot write "${file.final}": ${(cause as Error).message}`, { location: { file: file.final }, cause });
        }
        files.push({ kind: file.kind, path: file.final, bytes: (await stat(file.final)).size, ...(file.from ? { from: file.from } : {}) });
      }
      log.info('export written', { base, files: files.length, ...(params.media === 'link' ? { linked } : {}) });
      return { files, thumbnail };
    } finally {
      for (const message of warnings) log.warn(message);
      await rm(stage, { recursive: true, force: true });
    }
  },
});
