/**
 * The ffmpeg command one render piece is encoded with, checked as text:
 * assembly-pieces.test.ts and assembly-xfade.test.ts judge the pictures these
 * produce, but a change to a filter's options or an encode flag that happens
 * to render plausibly would slip past them. Here any change to the filter
 * graph or the encode arguments fails until the expected text is updated.
 */
import { describe, expect, it } from 'vitest';
import type { ArtifactHandle } from '../runtime/contract/index.js';
import type { ChunkLayer, RenderChunk } from '../nodes/assembly/chunks.node.js';
import { chunkFilterGraph } from '../nodes/assembly/filtergraph.js';
import { chunkEncodeArgs } from '../nodes/assembly/render-chunk.node.js';
import { decodeThreadsFor } from '../nodes/video/codecs.js';
import { concatList } from '../nodes/video/concat.js';

const media = (hash: string): ArtifactHandle => ({ hash, mime: 'video/mp4', bytes: 1 });
const layer = (hash: string, start: number, duration: number, sourceIn = 0): ChunkLayer => ({ media: media(hash), sourceIn, start, duration });

/** 3 s at 320×180, 30 fps: the scene clip alone; cases add the outgoing scene, overlays, effects and fades. */
const chunk = (extra: Partial<RenderChunk> = {}): RenderChunk => ({
  index: 4,
  sceneId: 's2',
  title: 'The Room',
  part: 0,
  parts: 1,
  start: 12,
  frames: 90,
  width: 320,
  height: 180,
  fps: 30,
  encode: { preset: 'veryfast', crf: 20 },
  base: layer('base', 0, 3, 1.5),
  overlays: [],
  effects: [],
  ...extra,
});

/** How every scene clip is conformed to the frame. */
const FIT = 'scale=320:180:force_original_aspect_ratio=increase,crop=320:180,setsar=1';
const CAPTIONS = 'ass=filename=/tmp/captions.ass:fontsdir=/tmp/fonts';

/** The graph's steps, one per `;`-separated chain, so a failure points at the chain that changed. */
const steps = (graph: string): string[] => graph.split(';');

describe('chunkFilterGraph', () => {
  it('conforms the scene clip, holds its last frame and trims it to the piece', () => {
    expect(steps(chunkFilterGraph(chunk(), { base: 0, overlays: [] }))).toEqual([
      `[0:v]fps=30,${FIT},tpad=stop_mode=clone:stop_duration=4.000000,trim=duration=3.000000,format=yuv420p[base]`,
      '[base]format=yuv420p[video]',
    ]);
  });

  it('crossfades with xfade, lays an overlay over its window, fades out and burns captions in last', () => {
    const piece = chunk({ outgoing: layer('previous', 0, 0.5, 7.25), overlays: [layer('overlay', 1, 1.25)], fadeOut: 0.5 });
    expect(steps(chunkFilterGraph(piece, { base: 0, outgoing: 1, overlays: [2], captions: CAPTIONS, xfade: true }))).toEqual([
      `[0:v]fps=30,${FIT},tpad=stop_mode=clone:stop_duration=4.000000,trim=duration=3.000000,format=yuv420p[base]`,
      `[1:v]fps=30,${FIT},tpad=stop_mode=clone:stop_duration=1.500000,trim=duration=0.500000,format=yuv420p,settb=AVTB[outgoing]`,
      '[base]settb=AVTB[incoming]',
      '[outgoing][incoming]xfade=transition=fade:duration=0.500000:offset=0[crossed]',
      '[2:v]fps=30,trim=duration=1.250000,setpts=PTS-STARTPTS+1.000000/TB[overlay0]',
      "[crossed][overlay0]overlay=eof_action=pass:format=yuv420:enable='between(t,1.000000,2.250000)'[layered0]",
      `[layered0]fade=t=out:st=2.500000:d=0.500000,${CAPTIONS},format=yuv420p[video]`,
    ]);
  });

  it('without xfade, fades the outgoing scene out over the top of the incoming one', () => {
    const piece = chunk({ outgoing: layer('previous', 0, 0.5, 7.25) });
    expect(steps(chunkFilterGraph(piece, { base: 0, outgoing: 1, overlays: [], xfade: false }))).toEqual([
      `[0:v]fps=30,${FIT},tpad=stop_mode=clone:stop_duration=4.000000,trim=duration=3.000000,format=yuv420p[base]`,
      `[1:v]fps=30,${FIT},tpad=stop_mode=clone:stop_duration=1.500000,trim=duration=0.500000,format=yuva420p,fade=t=out:st=0:d=0.500000:alpha=1[outgoing]`,
      '[base][outgoing]overlay=eof_action=pass:format=yuv420[crossed]',
      '[crossed]format=yuv420p[video]',
    ]);
  });

  it('leaves the crossfade out when the command has no input for the outgoing scene', () => {
    const piece = chunk({ outgoing: layer('previous', 0, 0.5) });
    expect(steps(chunkFilterGraph(piece, { base: 0, overlays: [], xfade: true }))).toEqual([
      `[0:v]fps=30,${FIT},tpad=stop_mode=clone:stop_duration=4.000000,trim=duration=3.000000,format=yuv420p[base]`,
      '[base]format=yuv420p[video]',
    ]);
  });

  it('chains overlays in order, each from the input index the command gave it, a window-sized one at its place', () => {
    const piece = chunk({ overlays: [layer('first', 0, 1), { ...layer('second', 2, 0.5), position: { x: 40, y: 22 } }] });
    expect(steps(chunkFilterGraph(piece, { base: 0, overlays: [2, 1] })).slice(1)).toEqual([
      '[2:v]fps=30,trim=duration=1.000000,setpts=PTS-STARTPTS+0.000000/TB[overlay0]',
      "[base][overlay0]overlay=eof_action=pass:format=yuv420:enable='between(t,0.000000,1.000000)'[layered0]",
      '[1:v]fps=30,trim=duration=0.500000,setpts=PTS-STARTPTS+2.000000/TB[overlay1]',
      "[layered0][overlay1]overlay=x=40:y=22:eof_action=pass:format=yuv420:enable='between(t,2.000000,2.500000)'[layered1]",
      '[layered1]format=yuv420p[video]',
    ]);
  });

  it('applies effects in their windows, then a dip in', () => {
    const piece = chunk({
      effects: [
        { effect: 'glitch', start: 0.5, duration: 0.25 },
        { effect: 'flash', start: 2, duration: 0.1 },
      ],
      transitionIn: { kind: 'dip', duration: 1 },
    });
    expect(steps(chunkFilterGraph(piece, { base: 0, overlays: [] })).at(-1)).toBe(
      '[base]' +
        [
          "noise=alls=70:allf=t+u:enable='between(t,0.500000,0.750000)'",
          "hue=h=140:s=2.2:enable='between(t,0.500000,0.750000)'",
          "eq=brightness=0.4:enable='between(t,2.000000,2.100000)'",
          'fade=t=in:st=0:d=0.500000',
          'format=yuv420p',
        ].join(',') +
        '[video]',
    );
  });

  it('opens with a glitch transition; a crossfade or a cut adds nothing to the finishing chain', () => {
    const finishing = (kind: 'glitch' | 'crossfade' | 'cut'): string | undefined =>
      steps(chunkFilterGraph(chunk({ transitionIn: { kind, duration: 0.4 } }), { base: 0, overlays: [] })).at(-1);
    expect(finishing('glitch')).toBe("[base]noise=alls=90:allf=t+u:enable='lt(t,0.400000)',hue=h=200:s=3:enable='lt(t,0.400000)',format=yuv420p[video]");
    expect(finishing('crossfade')).toBe('[base]format=yuv420p[video]');
    expect(finishing('cut')).toBe('[base]format=yuv420p[video]');
  });
});

describe('decodeThreadsFor', () => {
  it('decodes a piece’s clips on one thread: H.264 frame threads hold pictures each, and ProRes overlays are a transition’s few frames or a loop read once', () => {
    expect(decodeThreadsFor('video/mp4')).toBe(1);
    expect(decodeThreadsFor('video/quicktime')).toBe(1);
    expect(decodeThreadsFor('image/png')).toBe(1);
  });
});

describe('chunkEncodeArgs', () => {
  it('encodes H.264 at the profile’s preset and quality, a closed GOP every 2 s, the threads given, the piece’s exact frame count, no audio', () => {
    expect(chunkEncodeArgs(chunk(), 3)).toEqual([
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
      '-g', '60', '-flags', '+cgop', '-bf', '2', '-video_track_timescale', '15360',
      '-threads', '3',
      '-r', '30', '-frames:v', '90',
      '-an', '-movflags', '+faststart',
    ]);
  });

  it('keeps a keyframe every interval the plan asks for', () => {
    const args = chunkEncodeArgs({ fps: 30, frames: 90, encode: { preset: 'veryfast', crf: 18, keyframeInterval: 15 } }, 1);
    expect(args[args.indexOf('-g') + 1]).toBe('15');
  });

  it.each([
    // fps, keyframe interval (-g), track timescale
    [24, '48', '12288'],
    [25, '50', '12800'],
    [29.97, '60', '15345'],
    [60, '120', '30720'],
  ])('at %s fps: -g %s, timescale %s', (fps, gop, timescale) => {
    const args = chunkEncodeArgs({ fps, frames: 12, encode: { preset: 'slow', crf: 18 } }, 1);
    const value = (flag: string): string | undefined => args[args.indexOf(flag) + 1];
    expect([value('-preset'), value('-crf'), value('-g'), value('-r'), value('-frames:v'), value('-video_track_timescale')]).toEqual(['slow', '18', gop, String(fps), '12', timescale]);
  });
});

describe('the join list', () => {
  it('gives every piece its exact length, cut from the frame clock so rounding never adds up', () => {
    expect(concatList(['/a/chunk-1.mp4', "/a/it's.mp4"], [61, 61], 30)).toBe(
      "file '/a/chunk-1.mp4'\nduration 2.033333\nfile '/a/it'\\''s.mp4'\nduration 2.033334\n",
    );
    // 900 pieces of 61 frames at 30 fps: the lengths add up to the frames' time to the microsecond.
    const list = concatList(Array.from({ length: 900 }, (_, i) => `/p/${i}.mp4`), Array.from({ length: 900 }, () => 61), 30);
    const total = [...list.matchAll(/^duration (\S+)$/gm)].reduce((sum, [, seconds]) => sum + Math.round(Number(seconds) * 1e6), 0);
    expect(total).toBe(Math.round((900 * 61 * 1e6) / 30));
  });
});
