import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineNode, nodeParams, PermanentError, type NodeContext, type RenderChunk } from '../../runtime/contract/index.js';
import { ffmpegHasFilter } from '../../runtime/media/capabilities.js';
import { runFfmpeg } from '../../runtime/media/ffmpeg.js';
import { assFilter, toAss, type AssStyleName } from '../captions/index.js';
import { storeClip } from '../video/clip.js';
import { keyframeInterval } from './chunks.node.js';
import { chunkFilterGraph, type ChunkInputs } from './filtergraph.js';

/**
 * Encode settings every chunk shares, so chunks join by stream copy: the
 * same codec parameters, a keyframe at every chunk start (each is its own
 * encode) and then every keyframe interval — the interval the render plan
 * cuts scenes on, so the joined video's keyframes sit where one encode of
 * the scene would put them — closed GOPs and one track timescale.
 */
export function chunkEncodeArgs(chunk: Pick<RenderChunk, 'fps' | 'frames' | 'encode'>): string[] {
  return [
    '-c:v', 'libx264', '-preset', chunk.encode.preset, '-crf', String(chunk.encode.crf), '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    '-g', String(keyframeInterval(chunk.fps)), '-flags', '+cgop', '-bf', '2',
    '-r', String(chunk.fps), '-frames:v', String(chunk.frames), '-video_track_timescale', String(Math.round(chunk.fps * 512)),
    '-an', '-movflags', '+faststart',
  ];
}

/** `scene "The Room"`, or `scene "The Room", part 2/5` when the scene is cut into pieces. */
const pieceLabel = ({ title, sceneId, part = 0, parts = 1 }: RenderChunk): string => `scene "${title ?? sceneId}"${parts > 1 ? `, part ${part + 1}/${parts}` : ''}`;

async function renderChunk(ctx: NodeContext, chunk: RenderChunk): Promise<string> {
  const dir = await ctx.tempDir();
  const args: string[] = [];
  let next = 0;
  const input = async (layer: { media: RenderChunk['base']['media']; sourceIn: number }): Promise<number> => {
    args.push('-ss', layer.sourceIn.toFixed(6), '-i', await ctx.artifacts.localPath(layer.media));
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
  args.push('-filter_complex', chunkFilterGraph(chunk, inputs), '-map', '[video]', ...chunkEncodeArgs(chunk), output);
  await runFfmpeg(args, {
    signal: ctx.signal,
    // Generous: about 2 s per second of 1080p video on a slow shared core, plus start-up.
    timeoutMs: 60_000 + (chunk.frames / chunk.fps) * 4_000,
    location: { nodeId: ctx.nodeId, item: chunk.index },
    progress: { frames: chunk.frames, report: (fraction) => ctx.progress(fraction, pieceLabel(chunk)) },
  });
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
  cacheKeyInputs(inputs) {
    const { index: _index, start: _start, title: _title, part: _part, parts: _parts, ...pixels } = inputs.chunks as RenderChunk;
    return pixels;
  },
  async execute(ctx) {
    const chunk = ctx.inputs.chunks as RenderChunk;
    if (!chunk?.base?.media || !(chunk.frames > 0)) throw new PermanentError('not a render chunk: wire the render plan’s chunks', { location: { port: 'chunks' } });
    const output = await renderChunk(ctx, chunk);
    const format = { width: chunk.width, height: chunk.height, fps: chunk.fps };
    return { clips: await storeClip(ctx.artifacts, output, { format, duration: chunk.frames / chunk.fps, codec: 'h264', name: `chunk-${chunk.index + 1}.mp4`, sceneId: chunk.sceneId, provider: 'render' }) };
  },
});
