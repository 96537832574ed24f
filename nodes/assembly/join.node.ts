import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineNode, nodeParams, PermanentError, type ArtifactHandle, type AudioClip, type Timeline } from '../../runtime/contract/index.js';
import { runFfmpeg } from '../../runtime/media/ffmpeg.js';
import { probeMedia } from '../../runtime/media/probe.js';
import { inheritedProfile, inheritedProfileParam } from '../video/profiles.js';

/** The concat demuxer's list format quotes paths in single quotes; a quote inside is closed, escaped and reopened. */
const quoted = (path: string): string => `'${path.replace(/'/g, "'\\''")}'`;

/**
 * The concat list, each chunk with its exact length. Left to itself the
 * demuxer takes each MP4's container duration, a few ticks longer than its
 * frames, so every join stretched one frame (517 ticks of 1/15360 s instead
 * of 512) and avg_frame_rate was not 30/1. Lengths are cut from the episode's
 * frame clock in whole microseconds (the demuxer's unit), so rounding never
 * adds up over hundreds of chunks.
 */
export function concatList(paths: string[], frames: number[], fps: number): string {
  let done = 0;
  const microseconds = (frame: number): number => Math.round((frame * 1e6) / fps);
  return paths
    .map((path, i) => {
      const start = microseconds(done);
      done += frames[i]!;
      return `file ${quoted(path)}\nduration ${((microseconds(done) - start) / 1e6).toFixed(6)}\n`;
    })
    .join('');
}

export default defineNode({
  type: 'assembly.join',
  version: 1,
  title: 'Join and mux',
  category: 'assembly',
  description: 'Joins the encoded scenes by stream copy (no re-encode) and muxes the mix as AAC into a publishable MP4 (+faststart).',
  inputs: [
    { name: 'clips', type: 'VideoClip', list: true, title: 'Encoded chunks' },
    { name: 'mix', type: 'AudioClip', title: 'Mix' },
    { name: 'timeline', type: 'Timeline', title: 'Timeline' },
    { name: 'stems', type: 'AudioClip', list: true, optional: true, title: 'Stems', description: 'Carried on the video for exports.' },
  ],
  outputs: [{ name: 'video', type: 'Video', title: 'Video' }],
  params: nodeParams({ profile: inheritedProfileParam('Its audio bitrate. Default: the timeline’s profile.') }),
  resource: 'assembly',
  cacheable: true,
  async execute(ctx) {
    const clips = ctx.inputs.clips as ArtifactHandle[];
    const mix = ctx.inputs.mix as ArtifactHandle;
    const timeline = ctx.inputs.timeline as Timeline;
    if (clips.length === 0) throw new PermanentError('no encoded chunks to join', { location: { port: 'clips' } });
    const dir = await ctx.tempDir();
    const list = join(dir, 'chunks.txt');
    const paths = await Promise.all(clips.map((clip) => ctx.artifacts.localPath(clip)));
    await writeFile(list, concatList(paths, clips.map((clip) => Math.round((clip.duration ?? 0) * timeline.fps)), timeline.fps));
    const output = join(dir, 'video.mp4');
    const frames = Math.round(timeline.duration * timeline.fps);
    await runFfmpeg(
      [
        '-f', 'concat', '-safe', '0', '-i', list,
        '-i', await ctx.artifacts.localPath(mix),
        '-map', '0:v:0', '-map', '1:a:0',
        '-c:v', 'copy',
        '-c:a', 'aac', '-b:a', inheritedProfile(ctx.params.profile, timeline).encode.audioBitrate, '-ar', '48000', '-ac', '2',
        // The audio ends where the picture does, to the sample the mix was made for.
        '-t', (frames / timeline.fps).toFixed(6),
        '-movflags', '+faststart',
        output,
      ],
      { signal: ctx.signal, timeoutMs: 120_000 + timeline.duration * 1_000, location: { nodeId: ctx.nodeId }, progress: { frames, report: (fraction) => ctx.progress(fraction, 'joining') } },
    );
    const info = await probeMedia(output, { signal: ctx.signal });
    const video = info.streams.find((stream) => stream.type === 'video');
    if (!video || !info.streams.some((stream) => stream.type === 'audio')) throw new PermanentError('the joined video lacks a video or an audio stream');
    const handle = await ctx.artifacts.put({ path: output }, { mime: 'video/mp4', name: `${timeline.title || 'video'}.mp4`, move: true });
    const stems = (ctx.inputs.stems ?? []) as AudioClip[];
    return { video: { ...handle, ...(stems.length > 0 ? { stems: Object.fromEntries(stems.map((stem, i) => [stem.stem ?? `stem${i + 1}`, stem])) } : {}) } };
  },
});
