import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { defineNode, nodeParams, PermanentError, type NodeContext, type RenderChunk } from '../../runtime/contract/index.js';
import { ffmpegHasFilter } from '../../runtime/media/capabilities.js';
import { runFfmpeg } from '../../runtime/media/ffmpeg.js';
import { countVideoPackets } from '../../runtime/media/probe.js';
import { assFilter, toAss, type AssStyleName } from '../captions/index.js';
import { storeClip } from '../video/clip.js';
import { decodeThreadsFor } from '../video/codecs.js';
import { pieceStreamArgs } from '../video/piece-encoding.js';
import { chunkFilterGraph, type ChunkInputs } from './filtergraph.js';
import { copiedFrom, layerIdentity, pieceEncodingOfChunk } from './piece-copy.js';

/**
 * x264's threads for a piece: the cores shared among the pieces this process is encoding when it starts, itself
 * included. Each x264 thread holds pictures of its own, and two pieces side by side on two cores encode as fast with
 * one thread each as with two (two 1080p pieces with a terminal block: 302 + 302 MB in 9.5–10.0 s, against 341 + 341 MB
 * in 10.1–10.3 s); a piece alone keeps a thread a core (with one it took 1.6× as long). x264's default, one and a half
 * threads a core, only held more (282 MB against 302–305 for a piece alone on two cores, in the same CPU time).
 * Threads do not change the stream's parameters (SPS/PPS), so pieces encoded either way join by stream copy.
 */
export function encoderThreads(cores: number, encoding: number): number {
  return Math.max(1, Math.floor(cores / Math.max(1, encoding)));
}

/** Pieces this process is encoding now. */
let encoding = 0;

/**
 * Encode settings every chunk shares, so chunks join by stream copy: the
 * same codec parameters, a keyframe at every chunk start (each is its own
 * encode) and then every keyframe interval — the interval the render plan
 * cuts scenes on, so the joined video's keyframes sit where one encode of
 * the scene would put them — closed GOPs and one track timescale.
 */
export function chunkEncodeArgs(chunk: Pick<RenderChunk, 'fps' | 'frames' | 'encode'>, threads: number): string[] {
  return [...pieceStreamArgs(pieceEncodingOfChunk(chunk), chunk.fps), '-threads', String(threads), '-r', String(chunk.fps), '-frames:v', String(chunk.frames), '-an', '-movflags', '+faststart'];
}

/**
 * Copies the piece's frames from its scene clip, from frame `from` (a
 * keyframe) to the next keyframe or the clip's end: no decode, no encode.
 * The segment muxer cuts the copy at the first keyframe at or after each
 * time, whatever frame a seek lands on; ffmpeg's own `-ss`/`-frames` with a
 * copy lose or shift a GOP, differently from one ffmpeg release to the next.
 * The piece is checked to hold exactly its frames; otherwise it is encoded.
 */
async function copyChunk(ctx: NodeContext, chunk: RenderChunk, from: number): Promise<string | undefined> {
  const dir = await ctx.tempDir();
  const { fps, frames } = chunk;
  const clipFrames = Math.round((chunk.base.media.duration ?? 0) * fps);
  const end = from + frames;
  // Half a frame before each cut: the first keyframe at or after it is the cut's.
  const at = (frame: number): string => ((frame - 0.5) / fps).toFixed(6);
  const cuts = [...(from > 0 ? [at(from)] : []), ...(end < clipFrames ? [at(end)] : [])];
  const seconds = (frame: number): string => (frame / fps).toFixed(6);
  await runFfmpeg(
    [
      '-ss', seconds(Math.max(0, from - fps)), '-to', seconds(end + fps), '-i', await ctx.artifacts.localPath(chunk.base.media),
      '-copyts', '-map', '0:v:0', '-c:v', 'copy', '-an',
      ...(cuts.length > 0
        ? ['-f', 'segment', '-segment_times', cuts.join(','), '-reset_timestamps', '1', '-segment_format', 'mp4', '-segment_format_options', 'movflags=+faststart', join(dir, 'part-%d.mp4')]
        : ['-movflags', '+faststart', join(dir, 'part-0.mp4')]),
    ],
    { signal: ctx.signal, timeoutMs: 60_000 + (frames / fps) * 200, location: { nodeId: ctx.nodeId, item: chunk.index } },
  );
  const output = join(dir, `part-${from > 0 ? 1 : 0}.mp4`);
  const counted = await countVideoPackets(output, { signal: ctx.signal }).catch(() => undefined);
  if (counted === frames) return output;
  ctx.log.warn(`${pieceLabel(chunk)}: copying frames ${from}–${end - 1} of the scene clip gave ${counted ?? 'no'} frames; encoding the piece instead`);
  return undefined;
}

/** `scene "The Room"`, or `scene "The Room", part 2/5` when the scene is cut into pieces. */
const pieceLabel = ({ title, sceneId, part = 0, parts = 1 }: RenderChunk): string => `scene "${title ?? sceneId}"${parts > 1 ? `, part ${part + 1}/${parts}` : ''}`;

async function renderChunk(ctx: NodeContext, chunk: RenderChunk): Promise<string> {
  const dir = await ctx.tempDir();
  const args: string[] = [];
  let next = 0;
  const input = async (layer: { media: RenderChunk['base']['media']; sourceIn: number; loop?: boolean }): Promise<number> => {
    // Decoding threads by the clip's codec: pieces already run side by side on every core, and each frame thread of an
    // H.264 decoder holds its own pictures (one thread: 37 MB less on a 1080p piece, no slower), while ProRes threads
    // share one picture. A loop is read whole, once, and entered in the filtergraph.
    args.push('-threads', String(decodeThreadsFor(layer.media.mime)), '-ss', (layer.loop ? 0 : layer.sourceIn).toFixed(6), '-i', await ctx.artifacts.localPath(layer.media));
    return next++;
  };
  const inputs: ChunkInputs = { base: await input(chunk.base), overlays: [] };
  if (chunk.outgoing) {
    inputs.outgoing = await input(chunk.outgoing);
    inputs.xfade = await ffmpegHasFilter('xfade');
  }
  for (const overlay of chunk.overlays) inputs.overlays.push(await input(overlay));
  if (chunk.captions) {
    const { cues, style, highlightWords, fitCharacters } = chunk.captions;
    const file = join(dir, 'captions.ass');
    await writeFile(file, toAss({ cues }, { width: chunk.width, height: chunk.height, style: style as AssStyleName, highlightWords, fitCharacters }));
    inputs.captions = assFilter(file);
  }
  const output = join(dir, `chunk-${chunk.index}.mp4`);
  encoding += 1;
  try {
    args.push('-filter_complex', chunkFilterGraph(chunk, inputs), '-map', '[video]', ...chunkEncodeArgs(chunk, encoderThreads(availableParallelism(), encoding)), output);
    await runFfmpeg(args, {
      signal: ctx.signal,
      // Generous: about 2 s per second of 1080p video on a slow shared core, plus start-up.
      timeoutMs: 60_000 + (chunk.frames / chunk.fps) * 4_000,
      location: { nodeId: ctx.nodeId, item: chunk.index },
      progress: { frames: chunk.frames, report: (fraction) => ctx.progress(fraction, pieceLabel(chunk)) },
    });
  } finally {
    encoding -= 1;
  }
  return output;
}

export default defineNode({
  type: 'assembly.render-chunk',
  version: 1,
  title: 'Render scenes',
  category: 'assembly',
  description: 'Encodes each render piece (a few seconds of one scene with its overlays, transition, effects and captions) to H.264 at the profile’s settings.',
  inputs: [{ name: 'chunks', type: 'RenderChunk', list: true, title: 'Chunks', description: 'From the render plan.' }],
  outputs: [{ name: 'clips', type: 'VideoClip', list: true, title: 'Encoded chunks' }],
  mapOver: 'chunks',
  params: nodeParams({}),
  resource: 'assembly',
  cacheable: true,
  // A piece's pixels do not depend on where it sits in the episode: moving a scene later re-uses its encodes.
  // A piece over the same parts of a scene clip is the same piece, whatever else the clip holds (see layerIdentity).
  cacheKeyInputs(inputs) {
    const { index: _index, start: _start, title: _title, part: _part, parts: _parts, ...pixels } = inputs.chunks as RenderChunk;
    return {
      ...pixels,
      base: layerIdentity(pixels.base, pixels.fps),
      ...(pixels.outgoing ? { outgoing: layerIdentity(pixels.outgoing, pixels.fps) } : {}),
    };
  },
  async execute(ctx) {
    const chunk = ctx.inputs.chunks as RenderChunk;
    if (!chunk?.base?.media || !(chunk.frames > 0)) throw new PermanentError('not a render chunk: wire the render plan’s chunks', { location: { port: 'chunks' } });
    const from = copiedFrom(chunk);
    const copied = from === undefined ? undefined : await copyChunk(ctx, chunk, from);
    if (copied) ctx.log.debug(`${pieceLabel(chunk)}: copied ${chunk.frames} frames from its scene clip (nothing is laid over them)`);
    const output = copied ?? (await renderChunk(ctx, chunk));
    const format = { width: chunk.width, height: chunk.height, fps: chunk.fps };
    return { clips: await storeClip(ctx.artifacts, output, { format, duration: chunk.frames / chunk.fps, codec: 'h264', name: `chunk-${chunk.index + 1}.mp4`, sceneId: chunk.sceneId, provider: 'render' }) };
  },
});
