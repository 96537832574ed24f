import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineNode, nodeParams, PermanentError, type ArtifactHandle, type AudioClip, type Timeline } from '../../runtime/contract/index.js';
import { runFfmpeg } from '../../runtime/media/ffmpeg.js';
import { probeMedia } from '../../runtime/media/probe.js';
import { concatList } from '../video/concat.js';
import { inheritedProfile, inheritedProfileParam } from '../video/profiles.js';

/** The mix's rate in the MP4. */
const AUDIO_RATE = 48_000;

/**
 * Samples the native AAC encoder puts before the first sample it is given
 * (its `initial_padding`): the decoder's first frame. An MP4 says to skip
 * them with an edit list; without one (YouTube asks for none) they are
 * presented, at time 0.
 */
export const AAC_PRIMING = 1024;

/**
 * The audio filter that makes the encoded track line up with the picture
 * without an edit list: the mix's first `AAC_PRIMING` samples are dropped,
 * so the priming frame stands in for them and every later sample is
 * presented at its own time; the rest is cut or padded with silence to the
 * picture's length. What is lost is the mix's first 21 ms, where every
 * timeline has its lead-in.
 */
export function audioAlignFilter(frames: number, fps: number): string {
  const encoded = Math.max(1, Math.round((frames * AUDIO_RATE) / fps) - AAC_PRIMING);
  return `aresample=${AUDIO_RATE},atrim=start_sample=${AAC_PRIMING},asetpts=PTS-STARTPTS,apad=whole_len=${encoded},atrim=end_sample=${encoded}`;
}

/**
 * What the AAC encoder is asked for, so the delivered average is at least
 * the profile's figure. The native encoder has no constant-bitrate mode: its
 * two-loop coder lands within about 1 % of its target either side on
 * continuous content (190.9–195.7 kb/s measured when asked for 192k on a
 * tone, pink noise, music and a real mix), so it is asked for 4 % more.
 * Stretches of digital silence still spend next to nothing: no AAC encoder
 * ffmpeg ships pads them.
 */
export function encoderAudioBitrate(profileBitrate: string): string {
  const match = /^(\d+(?:\.\d+)?)([kK]?)$/.exec(profileBitrate.trim());
  if (!match) throw new PermanentError(`audio bitrate ${JSON.stringify(profileBitrate)} is not a number of bits (or kbits, with k) per second`);
  const bits = Number(match[1]) * (match[2] ? 1000 : 1);
  return `${Math.ceil((bits * 1.04) / 1000)}k`;
}

export default defineNode({
  type: 'assembly.join',
  version: 1,
  title: 'Join and mux',
  category: 'assembly',
  description: 'Joins the encoded scenes by stream copy (no re-encode) and muxes the mix as AAC into a publishable MP4 (+faststart, no edit lists).',
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
        // Shifted by the encoder's priming and cut to the picture's length, to the sample.
        '-af', audioAlignFilter(frames, timeline.fps),
        // twoloop, not this ffmpeg's default fast coder, which delivered 108 kb/s of a 192k target on a real mix.
        '-c:a', 'aac', '-aac_coder', 'twoloop', '-b:a', encoderAudioBitrate(inheritedProfile(ctx.params.profile, timeline).encode.audioBitrate),
        '-ar', String(AUDIO_RATE), '-ac', '2',
        '-t', (frames / timeline.fps).toFixed(6),
        // No edit lists (YouTube's upload advice). The picture still starts at 0: the B-frames' composition
        // offsets are written as signed ones (ctts version 1, brand iso4), the first frame's being 0.
        // Timestamps go to the muxer as they are: its shift to zero (the default without edit lists) would
        // stretch the first sample of a track to cover the other's head start.
        '-use_editlist', '0', '-avoid_negative_ts', 'disabled',
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
