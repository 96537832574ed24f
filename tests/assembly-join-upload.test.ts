/**
 * The joined MP4 as YouTube wants it uploaded (issue 18 item 8): no edit
 * lists in either track, yet the picture and the sound start at 0 and stay
 * in sync to the sample; and the 1080p profile's audio really delivered at
 * 192 kb/s or more.
 *
 * The edit lists are found by walking the MP4's boxes, not by trusting the
 * muxer's option. Sync is measured on a synthetic render: white flashes in
 * the scene clips and clicks in the mix at the same instants, found again in
 * the joined file (frame times by ffprobe, click samples in the decoded
 * audio, whose first sample ffprobe puts at 0).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactHandle, AudioClip, Timeline } from '../runtime/contract/index.js';
import { ffmpegPath, ffprobePath, runTool } from '../runtime/media/binaries.js';
import { encodeDeliveryAudio, encoderAudioBitrate } from '../nodes/audio/delivery.js';
import { parseAtoms, type Atom } from '../nodes/video/mov-atoms.js';
import { assemblyGraph, makeAssets, shortEpisode } from './fixtures/assembly-graph.js';
import { createHarness, graph, type Harness } from './fixtures/harness.js';

const W = 320;
const H = 180;
const FPS = 30;
const RATE = 48_000;
/** Two scenes joined by a cut: two render pieces, so the join really concatenates. */
const SCENE1 = 4;
const SCENE2 = 3;
const TOTAL = SCENE1 + SCENE2;
/** Frames (of the joined video) that flash white; the mix clicks at the same instants. */
const FLASHES = [45, 150];

interface Box {
  type: string;
  path: string;
  body: Buffer;
}

/** Every box of an MP4, depth first, with its path ('moov/trak/edts/elst'), read as the node reads them (nodes/video/mov-atoms.ts). */
export function mp4Boxes(data: Buffer): Box[] {
  const flatten = (atoms: Atom[], parent: string): Box[] =>
    atoms.flatMap((atom) => {
      const path = parent ? `${parent}/${atom.type}` : atom.type;
      return [{ type: atom.type, path, body: atom.body }, ...flatten(atom.children ?? [], path)];
    });
  return flatten(
    parseAtoms(data, (why) => {
      throw new Error(`malformed MP4: ${why}`);
    }),
    '',
  );
}

/** Each track's handler ('vide', 'soun') with the paths of its boxes. */
function tracks(boxes: Box[]): Array<{ handler: string; boxes: string[] }> {
  const result: Array<{ handler: string; boxes: string[] }> = [];
  for (const box of boxes) {
    if (box.path === 'moov/trak') result.push({ handler: '', boxes: [] });
    else if (box.path.startsWith('moov/trak/')) {
      const track = result.at(-1)!;
      track.boxes.push(box.path);
      if (box.type === 'hdlr') track.handler = box.body.toString('latin1', 8, 12);
    }
  }
  return result;
}

async function probeJson(file: string, args: string[]): Promise<Record<string, Array<Record<string, string | number>>>> {
  const { stdout } = await runTool(ffprobePath(), ['-v', 'error', ...args, '-of', 'json', file], { timeoutMs: 60_000 });
  return JSON.parse(stdout.toString()) as Record<string, Array<Record<string, string | number>>>;
}

/** The first audio samples (mono mix-down) where the level jumps above half scale: the clicks. */
async function clickSamples(file: string): Promise<number[]> {
  const { stdout } = await runTool(ffmpegPath(), ['-v', 'error', '-i', file, '-map', '0:a:0', '-ac', '1', '-f', 'f32le', 'pipe:1'], { timeoutMs: 60_000 });
  const samples = new Float32Array(stdout.buffer, stdout.byteOffset, stdout.length / 4);
  const onsets: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    if (Math.abs(samples[i]!) > 0.4 && Math.abs(samples[i - 1]!) <= 0.4 && (onsets.length === 0 || i - onsets.at(-1)! > RATE / 10)) onsets.push(i);
  }
  return onsets;
}

let h: Harness;
let media: string;
let assets: string;

beforeAll(async () => {
  h = await createHarness();
  media = await mkdtemp(join(tmpdir(), 'reelgraph-join-'));
  assets = await mkdtemp(join(tmpdir(), 'reelgraph-join-assets-'));
  await makeAssets(assets);
}, 120_000);

afterAll(async () => {
  await h?.dispose();
  await Promise.all([media, assets].filter(Boolean).map((dir) => rm(dir, { recursive: true, force: true })));
});

/**
 * A mix's own delivery encode to hand the join: made from the same kind of mix with its clicks `shift` frames later
 * (so the joined file tells which sound it carries), for `frames` of picture (default: all of it).
 */
interface DeliveryCase {
  shift: number;
  frames?: number;
}

async function syntheticRender(delivery?: DeliveryCase): Promise<string> {
  const ff = (args: string[]): Promise<unknown> => runTool(ffmpegPath(), ['-v', 'error', '-y', ...args], { timeoutMs: 120_000 });
  // Scene clips with one second of handle, as scene nodes render them; each flashes white on one frame.
  const clip = async (name: string, seconds: number, colour: string, flash: number): Promise<ArtifactHandle> => {
    const file = join(media, name);
    await ff(['-f', 'lavfi', '-i', `color=c=${colour}:s=${W}x${H}:r=${FPS}:d=${seconds + 1},drawbox=x=0:y=0:w=${W}:h=${H}:color=white:t=fill:enable='eq(n,${flash})'`, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '10', '-pix_fmt', 'yuv420p', file]);
    return h.engine.services.artifacts.put({ path: file }, { mime: 'video/mp4' });
  };
  const [first, second] = await Promise.all([clip('one.mp4', SCENE1, '0x1d4ed8', FLASHES[0]!), clip('two.mp4', SCENE2, '0xb91c1c', FLASHES[1]! - SCENE1 * FPS)]);
  // The mix: a quiet tone from the very first sample, and a 1 ms click where each flash is (or `shift` frames later).
  const mixFile = async (name: string, shift: number): Promise<string> => {
    const clicks = FLASHES.map((frame) => `between(n,${((frame + shift) * RATE) / FPS},${((frame + shift) * RATE) / FPS + 47})`).join('+');
    const wave = `0.05*sin(2*PI*440*t)+0.8*(${clicks})`;
    await ff(['-f', 'lavfi', '-i', `aevalsrc='${wave}|${wave}':s=${RATE}:d=${TOTAL}`, '-c:a', 'pcm_s16le', join(media, name)]);
    return join(media, name);
  };
  const mix: AudioClip = { ...(await h.engine.services.artifacts.put({ path: await mixFile('mix.wav', 0) }, { mime: 'audio/wav' })), duration: TOTAL };
  if (delivery) {
    const encoded = join(media, 'delivery.m4a');
    const target = { frames: delivery.frames ?? TOTAL * FPS, fps: FPS, bitrate: '192k' };
    await encodeDeliveryAudio(await mixFile('shifted.wav', delivery.shift), encoded, target, { timeoutMs: 60_000 });
    mix.delivery = { ...(await h.engine.services.artifacts.put({ path: encoded }, { mime: 'audio/mp4' })), ...target };
  }
  const timeline: Timeline = {
    title: 'Upload',
    duration: TOTAL,
    width: W,
    height: H,
    fps: FPS,
    profile: 'youtube-1080p',
    scenes: [
      { id: 's1', index: 0, title: 'One', start: 0, duration: SCENE1 },
      { id: 's2', index: 1, title: 'Two', start: SCENE1, duration: SCENE2 },
    ],
    tracks: [
      {
        name: 'Scenes',
        kind: 'video',
        clips: [
          { id: 's1', start: 0, duration: SCENE1, media: first, sourceIn: 0, sceneId: 's1', text: 'One' },
          { id: 's2', start: SCENE1, duration: SCENE2, media: second, sourceIn: 0, sceneId: 's2', text: 'Two' },
        ],
      },
    ],
    markers: [],
  };
  const render = graph(
    [
      ['chunks', 'assembly.chunks'],
      ['render', 'assembly.render-chunk'],
      ['join', 'assembly.join'],
    ],
    ['$input.timeline -> chunks.timeline', 'chunks.chunks -> render.chunks', 'render.clips -> join.clips', '$input.mix -> join.mix', '$input.timeline -> join.timeline'],
    { inputs: { timeline: { type: 'Timeline' }, mix: { type: 'AudioClip' } }, outputs: { video: 'join.video' } },
  );
  const result = await h.run(render, { inputs: { timeline, mix } });
  expect(result.status, result.error?.message).toBe('done');
  expect(result.nodes.find((node) => node.id === 'render')!.items).toMatchObject({ total: 2 });
  return h.engine.services.artifacts.localPath(result.outputs.video as ArtifactHandle);
}

describe.each([
  { sound: 'encoded by the join', delivery: undefined },
  { sound: 'the mix’s own delivery encode, copied', delivery: { shift: 0 } },
])('assembly.join: an upload-friendly MP4, its sound $sound', ({ delivery }) => {
  let file: string;

  it('has no edit list in the video or the audio track', async () => {
    file = await syntheticRender(delivery);
    const boxes = mp4Boxes(await readFile(file));
    const found = tracks(boxes);
    expect(found.map((track) => track.handler).sort()).toEqual(['soun', 'vide']);
    for (const track of found) {
      expect(track.boxes, track.handler).toContain('moov/trak/mdia/minf/stbl/stts');
      expect(track.boxes.filter((path) => path.endsWith('/edts') || path.endsWith('/elst')), track.handler).toEqual([]);
    }
    // Still +faststart: the index before the media.
    const top = boxes.filter((box) => !box.path.includes('/')).map((box) => box.type);
    expect(top.indexOf('moov')).toBeLessThan(top.indexOf('mdat'));
  }, 240_000);

  it('starts both streams at 0, at a constant 30 fps, frame-exact and in sync to the sample', async () => {
    expect(file).toBeDefined();
    const { streams } = await probeJson(file, ['-show_entries', 'stream=codec_type,avg_frame_rate,r_frame_rate,nb_frames,duration,start_time,bit_rate']);
    const video = streams!.find((stream) => stream.codec_type === 'video')!;
    const audio = streams!.find((stream) => stream.codec_type === 'audio')!;
    expect(video).toMatchObject({ avg_frame_rate: '30/1', r_frame_rate: '30/1', nb_frames: String(TOTAL * FPS) });
    expect(Number(video.duration)).toBeCloseTo(TOTAL, 6);
    expect(Number(video.start_time)).toBe(0);
    expect(Number(audio.start_time)).toBe(0);
    // The audio track lasts exactly as long as the picture (the priming frame included).
    expect(Math.abs(Number(audio.duration) - TOTAL)).toBeLessThan(1 / RATE + 1e-6);
    // A quiet tone is the hardest content to spend 192 kb/s on: asked for exactly 192k, the encoder delivered 190.9.
    expect(Number(audio.bit_rate)).toBeGreaterThanOrEqual(192_000);

    // Presentation times of the frames: 0, 1/30, 2/30… with the flashes where the timeline put them.
    const { frames } = await probeJson(file, ['-select_streams', 'v:0', '-show_entries', 'frame=pts_time']);
    expect(frames!.length).toBe(TOTAL * FPS);
    frames!.forEach((frame, i) => expect(Math.abs(Number(frame.pts_time) - i / FPS), `frame ${i}`).toBeLessThan(1e-4));
    const { stdout } = await runTool(ffprobePath(), ['-v', 'error', '-f', 'lavfi', '-i', `movie=${file.replace(/([\\:'])/g, '\\\\$1')},signalstats`, '-show_entries', 'frame=pts_time:frame_tags=lavfi.signalstats.YAVG', '-of', 'json'], { timeoutMs: 60_000 });
    const lumas = (JSON.parse(stdout.toString()) as { frames: Array<{ pts_time: string; tags: { 'lavfi.signalstats.YAVG': string } }> }).frames;
    const flashes = lumas.filter((frame) => Number(frame.tags['lavfi.signalstats.YAVG']) > 200).map((frame) => Math.round(Number(frame.pts_time) * FPS));
    expect(flashes).toEqual(FLASHES);

    // The first audio frame is presented at 0, and each click sits on its flash's sample (within 0.1 ms).
    const first = await probeJson(file, ['-select_streams', 'a:0', '-show_entries', 'frame=pts_time']);
    expect(Number(first.frames![0]!.pts_time)).toBe(0);
    const clicks = await clickSamples(file);
    expect(clicks.length).toBe(FLASHES.length);
    clicks.forEach((sample, i) => expect(Math.abs(sample - (FLASHES[i]! * RATE) / FPS), `click ${i} at sample ${sample}`).toBeLessThanOrEqual(5));
  }, 120_000);

});

describe('assembly.join: the mix’s delivery encode', () => {
  /** Where the joined file's clicks are, in frames of the picture. */
  const clickFrames = async (file: string): Promise<number[]> => (await clickSamples(file)).map((sample) => Math.round((sample * FPS) / RATE));

  it('is copied when it was made for this picture and bitrate', async () => {
    expect(await clickFrames(await syntheticRender({ shift: 30 }))).toEqual(FLASHES.map((frame) => frame + 30));
  }, 240_000);

  it('is not copied when it was cut for another length of picture: the join encodes the mix', async () => {
    expect(await clickFrames(await syntheticRender({ shift: 30, frames: TOTAL * FPS - 1 }))).toEqual(FLASHES);
  }, 240_000);

  it('delivers the 1080p profile’s audio at 192 kb/s or more, stereo, on a real episode render', async () => {
    const result = await h.run(assemblyGraph({ assetRoot: assets, profile: 'youtube-1080p', width: W, height: H, music: true }), { inputs: { episode: shortEpisode } });
    expect(result.status, result.error?.message).toBe('done');
    const video = await h.engine.services.artifacts.localPath(result.outputs.video as ArtifactHandle);
    const { streams } = await probeJson(video, ['-select_streams', 'a:0', '-show_entries', 'stream=codec_name,channels,sample_rate,bit_rate']);
    const audio = streams![0]!;
    expect(audio).toMatchObject({ codec_name: 'aac', channels: 2, sample_rate: '48000' });
    expect(Number(audio.bit_rate)).toBeGreaterThanOrEqual(192_000);
    for (const track of tracks(mp4Boxes(await readFile(video)))) expect(track.boxes.filter((path) => path.endsWith('/elst'))).toEqual([]);
  }, 240_000);
});

describe('encoderAudioBitrate', () => {
  it('asks the encoder for 4 % over the profile’s figure, in whole kb/s', () => {
    expect(encoderAudioBitrate('192k')).toBe('200k');
    expect(encoderAudioBitrate('128k')).toBe('134k');
    expect(encoderAudioBitrate('256000')).toBe('267k');
    expect(() => encoderAudioBitrate('fast')).toThrow(/not a number/);
  });
});
