/**
 * One encode where nothing is laid over a scene: a scene clip encoded as the
 * render's pieces are (same stream, keyframes on the pieces' grid and at the
 * scene's cut) is cut around what covers it, and the pieces over bare
 * stretches copy its packets instead of encoding them a second time. The
 * joined video must be the same picture, frame for frame, as one made by
 * encoding every piece.
 *
 * The scene clip is synthetic: every frame a flat colour that encodes its
 * own frame number, so a frame dropped or repeated at a boundary shows.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactHandle, PieceEncoding, Timeline, VideoClip } from '../runtime/contract/index.js';
import { ffmpegPath, ffprobePath, runTool } from '../runtime/media/binaries.js';
import { copyAwareLengths, pieceLengths, type RenderChunk } from '../nodes/assembly/chunks.node.js';
import { copiedFrom } from '../nodes/assembly/piece-copy.js';
import { copyableClipArgs, pieceEncodingOf } from '../nodes/video/piece-encoding.js';
import { renderProfiles } from '../nodes/video/profiles.js';
import { grabFrame, meanDifference, streamInfo } from './fixtures/frames.js';
import { createHarness, graph, type Harness } from './fixtures/harness.js';
import { FPS, frameNumberFilter, frameNumberOf, H, longSceneTimeline, piecesGraph, SCENE1, SCENE2, TOTAL, W } from './fixtures/long-scene.js';

/** Scene 1's clip runs a second past its cut, as a scene with a handle does; a keyframe sits at the cut. */
const HANDLE = 1;

const encoding: PieceEncoding = { ...pieceEncodingOf(renderProfiles['preview-720p'], FPS), keyframes: [SCENE1 * FPS] };

let h: Harness;
let media: string;
let sceneClip: VideoClip;
let secondClip: ArtifactHandle;
let overlayClip: ArtifactHandle;
let mix: ArtifactHandle;

const ff = (args: string[]): ReturnType<typeof runTool> => runTool(ffmpegPath(), ['-v', 'error', '-y', ...args], { timeoutMs: 120_000 });

/** MD5 of each video packet, in order: equal lists mean the same bytes, i.e. copied rather than encoded again. */
async function packetHashes(file: string): Promise<string[]> {
  const { stdout } = await ff(['-i', file, '-map', '0:v:0', '-c', 'copy', '-f', 'framemd5', '-']);
  return stdout
    .toString()
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(',').at(-1)!.trim());
}

/** The frames (at 512 ticks a frame) that are keyframes, in order. */
async function keyframesOf(file: string): Promise<number[]> {
  const { stdout } = await runTool(ffprobePath(), ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts,flags', '-of', 'csv=p=0', file], { timeoutMs: 30_000 });
  return stdout
    .toString()
    .trim()
    .split('\n')
    .filter((line) => line.includes('K'))
    .map((line) => Number(line.split(',')[0]) / 512)
    .sort((a, b) => a - b);
}

/** The avcC box (the stream's SPS and PPS) of an MP4. */
async function avcC(file: string): Promise<string> {
  const bytes = await readFile(file);
  const at = bytes.indexOf('avcC');
  expect(at, `${file} has an avcC box`).toBeGreaterThan(4);
  return bytes.subarray(at + 4, at - 4 + bytes.readUInt32BE(at - 4)).toString('hex');
}

beforeAll(async () => {
  h = await createHarness();
  media = await mkdtemp(join(tmpdir(), 'reelgraph-copy-'));
  await ff(['-f', 'lavfi', '-i', `color=c=black:s=${W}x${H}:r=${FPS}:d=${SCENE1 + HANDLE}`, '-vf', `format=rgb24,${frameNumberFilter}`, ...copyableClipArgs(encoding, FPS), join(media, 'scene1.mp4')]);
  await ff(['-f', 'lavfi', '-i', `color=c=0x15803d:s=${W}x${H}:r=${FPS}:d=${SCENE2 + 1}`, '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', join(media, 'scene2.mp4')]);
  await ff(['-f', 'lavfi', '-i', `color=c=black@0.0:s=${W}x${H}:r=${FPS}:d=3,format=yuva444p10le,drawbox=x=10:y=70:w=60:h=40:color=white@1:t=fill:replace=1`, '-c:v', 'prores_ks', '-profile:v', '4444', '-pix_fmt', 'yuva444p10le', join(media, 'overlay.mov')]);
  await ff(['-f', 'lavfi', '-i', `sine=f=440:d=${TOTAL}:sample_rate=48000`, '-ac', '2', '-c:a', 'pcm_s16le', join(media, 'mix.wav')]);
  const put = (file: string, mime: string): Promise<ArtifactHandle> => h.engine.services.artifacts.put({ path: join(media, file) }, { mime });
  const scene = await put('scene1.mp4', 'video/mp4');
  sceneClip = { ...scene, duration: (SCENE1 + HANDLE), encoding };
  [secondClip, overlayClip, mix] = await Promise.all([put('scene2.mp4', 'video/mp4'), put('overlay.mov', 'video/quicktime'), put('mix.wav', 'audio/wav')]);
}, 180_000);

afterAll(async () => {
  await h?.dispose();
  if (media) await rm(media, { recursive: true, force: true });
});

/** The overlay covers frames 315–404: the keyframe intervals 300–359 and 360–419 are laid over, the rest of the scene is bare. */
const OVERLAY = { start: 10.5, duration: 3 };

const timeline = (scene: ArtifactHandle = sceneClip): Timeline => longSceneTimeline('Copies', { scene, second: secondClip, overlay: overlayClip, overlayAt: OVERLAY });
const renderGraph = piecesGraph('none');
const noCaptions = { cues: [] };

describe('pieces that copy their scene clip', () => {
  let run: Awaited<ReturnType<Harness['run']>>;
  let file: string;
  let chunks: RenderChunk[];

  it('cut the scene around what is laid over it and copy the bare stretches', async () => {
    run = await h.run(renderGraph, { inputs: { timeline: timeline(), subtitles: noCaptions, mix } });
    expect(run.status, run.error?.message).toBe('done');
    chunks = run.outputs.chunks as RenderChunk[];
    // Bare 0–299 (two pieces), the overlay's two intervals (one piece), bare 420–749 ending on the cut's keyframe (two pieces).
    expect(chunks.filter((chunk) => chunk.sceneId === 's1').map((chunk) => chunk.frames)).toEqual([180, 120, 120, 180, 150]);
    expect(chunks.map((chunk) => copiedFrom(chunk))).toEqual([0, 180, undefined, 420, 600, undefined]);
    expect(chunks.reduce((sum, chunk) => sum + chunk.frames, 0)).toBe(TOTAL * FPS);
    file = await h.engine.services.artifacts.localPath(run.outputs.video as ArtifactHandle);
    expect(await streamInfo(file)).toMatchObject({ width: W, height: H, fps: FPS, frames: TOTAL * FPS });
  }, 240_000);

  it('hold the scene clip’s own packets where copied and new ones where the overlay is', async () => {
    const joined = await packetHashes(file);
    const clip = await packetHashes(await h.engine.services.artifacts.localPath(sceneClip));
    expect(joined).toHaveLength(TOTAL * FPS);
    // Keyframes are left out: their packets may carry the stream's parameter sets in-band after a join, the same picture in other bytes.
    const same = (from: number, to: number): number => joined.slice(from, to).filter((hash, i) => (from + i) % 60 !== 0 && hash === clip[from + i]).length;
    expect(same(0, 300)).toBe(295);
    expect(same(420, 750)).toBe(324);
    expect(same(300, 420)).toBeLessThan(10);
  }, 120_000);

  it('join copied and encoded pieces into one stream: same parameters, every frame in place, no decode errors', async () => {
    const pieces = await Promise.all((run.outputs.pieces as ArtifactHandle[]).slice(0, 5).map((piece) => h.engine.services.artifacts.localPath(piece)));
    const boxes = await Promise.all(pieces.map(avcC));
    expect(new Set(boxes).size).toBe(1);
    const { stderr } = await ff(['-i', file, '-map', '0:v:0', '-f', 'null', '-']);
    expect(stderr.toString()).toBe('');
    for (const index of [0, 179, 180, 299, 300, 419, 420, 599, 600, 749]) expect(frameNumberOf(await grabFrame(file, index)), `frame ${index}`).toBe(index);
    const { stdout } = await runTool(ffprobePath(), ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=avg_frame_rate', '-of', 'csv=p=0', file], { timeoutMs: 30_000 });
    expect(stdout.toString().trim()).toBe('30/1');
  }, 120_000);

  it('encode every piece, cut as before, when the clip does not say how it was encoded', async () => {
    const { encoding: _encoding, ...plain } = sceneClip;
    const again = await h.run(renderGraph, { inputs: { timeline: timeline(plain), subtitles: noCaptions, mix } });
    expect(again.status, again.error?.message).toBe('done');
    const planned = again.outputs.chunks as RenderChunk[];
    expect(planned.filter((chunk) => chunk.sceneId === 's1').map((chunk) => chunk.frames)).toEqual([180, 180, 180, 210]);
    expect(planned.every((chunk) => copiedFrom(chunk) === undefined)).toBe(true);
  }, 240_000);
});

describe('procedural scene clips pieces can copy', () => {
  it('are encoded as pieces are, with a keyframe on every interval and at the cut before the handle', async () => {
    const scenes = graph([['scenes', 'scene.procedural', { profile: 'preview-720p', width: 192, height: 108, renderScale: 0.5 }]], ['$input.prompts -> scenes.prompts'], {
      inputs: { prompts: { type: 'ScenePrompt', list: true } },
      outputs: { clips: 'scenes.clips' },
    });
    // 3.5 s of scene and 0.5 s of handle: 120 frames, the cut at frame 105.
    const prompt = { sceneId: 'desert', prompt: 'desert at dusk', setting: 'desert', duration: 4, handle: 0.5, seed: 3 };
    const result = await h.run(scenes, { inputs: { prompts: [prompt] } });
    expect(result.status, result.error?.message).toBe('done');
    const [clip] = result.outputs.clips as VideoClip[];
    expect(clip!.encoding).toEqual({ preset: 'superfast', crf: 24, keyframeInterval: 60, keyframes: [105] });
    expect(await keyframesOf(await h.engine.services.artifacts.localPath(clip!))).toEqual([0, 60, 105]);
  }, 120_000);
});

describe('a procedural scene an edit makes longer', () => {
  const scenes = graph([['scenes', 'scene.procedural', { profile: 'preview-720p', width: 192, height: 108, renderScale: 0.5 }]], ['$input.prompts -> scenes.prompts'], {
    inputs: { prompts: { type: 'ScenePrompt', list: true } },
    outputs: { clips: 'scenes.clips' },
  });
  const prompt = { sceneId: 'street', prompt: 'a rainy street at night, slow push in', setting: 'city street', weather: 'rain', handle: 0.5, seed: 8 };

  it('keeps the parts it already had and draws only from the part holding the old end', async () => {
    // 15 s: parts of 2 s at frames 0, 60, … 420 (to 450), the cut at 435.
    const first = await h.run(scenes, { inputs: { prompts: [{ ...prompt, duration: 15 }] } });
    expect(first.status, first.error?.message).toBe('done');
    const [short] = first.outputs.clips as VideoClip[];
    const before = h.events.length;
    // 16.5 s: the same first seven parts; the eighth (from frame 420, which held the old end and cut) is drawn again,
    // to 495, the cut now at 480. With 6-s parts it was everything from frame 360.
    const second = await h.run(scenes, { inputs: { prompts: [{ ...prompt, duration: 16.5 }] } });
    expect(second.status, second.error?.message).toBe('done');
    const [long] = second.outputs.clips as VideoClip[];
    const said = h.events.slice(before).filter((event) => event.type === 'log' && event.nodeId === 'scenes').map((event) => (event as { message: string }).message);
    expect(said).toEqual(['scene "street": drew 75 of 495 frames; the other 420 are from an earlier render of this scene']);

    const [shortFile, longFile] = await Promise.all([short!, long!].map((clip) => h.engine.services.artifacts.localPath(clip)));
    expect(await streamInfo(longFile!)).toMatchObject({ frames: 495, fps: 30 });
    expect(long!.encoding).toEqual({ preset: 'superfast', crf: 24, keyframeInterval: 60 });
    expect(await keyframesOf(shortFile!)).toEqual([0, 60, 120, 180, 240, 300, 360, 420, 435]);
    expect(await keyframesOf(longFile!)).toEqual([0, 60, 120, 180, 240, 300, 360, 420, 480]);
    // The kept parts are the same bytes; the redrawn part starts with the same picture (a frame depends on its time alone).
    const [a, b] = await Promise.all([shortFile!, longFile!].map(packetHashes));
    expect(b!.slice(0, 420)).toEqual(a!.slice(0, 420));
    // Encoded anew (the first render encoded it in one run with the parts before it), so only as close as two encodes of
    // one picture are: in the rain, a third of what the frames either side differ by.
    const [shortFrame, ...longFrames] = await Promise.all([grabFrame(shortFile!, 430), ...[429, 430, 431].map((index) => grabFrame(longFile!, index))]);
    const [earlier, same, later] = longFrames.map((frame) => meanDifference(shortFrame!, frame));
    expect(same!).toBeLessThan(Math.min(earlier!, later!) / 2);
    expect(long!.parts!.slice(0, 7)).toEqual(short!.parts!.slice(0, 7));

    // Rendered with an overlay at 2-3 s: the second render keeps the pieces over the kept parts, the overlay's included.
    const oneScene = (clip: VideoClip, seconds: number): Timeline => ({
      title: 'Longer',
      duration: seconds,
      width: 192,
      height: 108,
      fps: FPS,
      profile: 'preview-720p',
      scenes: [{ id: 's', index: 0, title: 'Street', start: 0, duration: seconds }],
      tracks: [
        { name: 'Scenes', kind: 'video', clips: [{ id: 's', start: 0, duration: seconds, media: clip, sourceIn: 0, sceneId: 's' }] },
        { name: 'Overlays', kind: 'overlay', clips: [{ id: 'o', start: 2, duration: 1, media: overlayClip, sourceIn: 0, sceneId: 's' }] },
      ],
      markers: [],
    });
    const before1 = await h.run(renderGraph, { inputs: { timeline: oneScene(short!, 14.5), subtitles: noCaptions, mix } });
    expect(before1.status, before1.error?.message).toBe('done');
    const after = await h.run(renderGraph, { inputs: { timeline: oneScene(long!, 16), subtitles: noCaptions, mix } });
    expect(after.status, after.error?.message).toBe('done');
    const planned = (run: typeof after): number[] => (run.outputs.chunks as RenderChunk[]).map((chunk) => chunk.frames);
    // Copy 0-59, the overlay's interval 60-119 encoded, copies on to the end.
    expect(planned(before1)).toEqual([60, 60, 180, 135]);
    expect(planned(after)).toEqual([60, 60, 180, 180]);
    expect(after.nodes.find((node) => node.id === 'render')!.items).toMatchObject({ total: 4, cached: 3, executed: 1 });
  }, 240_000);
});

describe('copy-aware piece lengths', () => {
  const rules = { pieceFrames: 180, gopFrames: 60 };
  const always = (): boolean => true;

  it('are the plain lengths when nothing can be copied', () => {
    for (const frames of [59, 180, 239, 750, 5_400]) expect(copyAwareLengths(frames, { ...rules, headFrames: 15 }, [], () => false)).toEqual(pieceLengths(frames, { ...rules, headFrames: 15 }));
  });

  it('keep a transition in an encoded head and copy what follows', () => {
    expect(copyAwareLengths(600, { ...rules, headFrames: 15 }, [[0, 15]], always)).toEqual([60, 180, 180, 180]);
  });

  it('encode a stretch that cannot be copied, such as a tail ending between keyframes', () => {
    expect(copyAwareLengths(610, rules, [], (from, length) => from + length <= 600)).toEqual([180, 180, 180, 60, 10]);
  });
});
