import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineNode, nodeParams, PermanentError, type ArtifactHandle, type AudioClip, type Timeline } from '../../runtime/contract/index.js';
import { deliveryAudioArgs, deliveryFits, lengthArgs } from '../audio/delivery.js';
import { runFfmpeg } from '../../runtime/media/ffmpeg.js';
import { probeMedia } from '../../runtime/media/probe.js';
import { concatList } from '../video/concat.js';
import { inheritedProfile, inheritedProfileParam } from '../video/profiles.js';

export default defineNode({
  type: 'assembly.join',
  version: 1,
  title: 'Join and mux',
  category: 'assembly',
  description: 'Joins the encoded scenes by stream copy (no re-encode) and muxes the mix as AAC into a publishable MP4 (+faststart, no edit lists): the AAC the mix encoded for this picture, when it did, or encoded here.',
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
  // Joins cached before (with edit lists and a short AAC bitrate) must not be reused.
  cacheIdentity: () => 'no-edit-lists',
  async execute(ctx) {
    const clips = ctx.inputs.clips as ArtifactHandle[];
    const mix = ctx.inputs.mix as AudioClip;
    const timeline = ctx.inputs.timeline as Timeline;
    if (clips.length === 0) throw new PermanentError('no encoded chunks to join', { location: { port: 'clips' } });
    const dir = await ctx.tempDir();
    const list = join(dir, 'chunks.txt');
    const paths = await Promise.all(clips.map((clip) => ctx.artifacts.localPath(clip)));
    await writeFile(list, concatList(paths, clips.map((clip) => Math.round((clip.duration ?? 0) * timeline.fps)), timeline.fps));
    const output = join(dir, 'video.mp4');
    const frames = Math.round(timeline.duration * timeline.fps);
    const target = { frames, fps: timeline.fps, bitrate: inheritedProfile(ctx.params.profile, timeline).encode.audioBitrate };
    // The mix's own encode for this picture, made while the picture rendered, is the same packets this join would encode.
    const sound = deliveryFits(mix.delivery, target) ? { input: mix.delivery, args: ['-c:a', 'copy', ...lengthArgs(target)] } : { input: mix, args: deliveryAudioArgs(target) };
    await runFfmpeg(
      [
        '-f', 'concat', '-safe', '0', '-i', list,
        '-i', await ctx.artifacts.localPath(sound.input),
        '-map', '0:v:0', '-map', '1:a:0',
        '-c:v', 'copy',
        ...sound.args,
        // The picture still starts at 0 without edit lists: the B-frames' composition offsets are written as signed
        // ones (ctts version 1, brand iso4), the first frame's being 0.
        '-movflags', '+faststart+negative_cts_offsets',
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
