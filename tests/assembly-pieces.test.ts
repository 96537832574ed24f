/**
 * The render cut into bounded pieces: a 25 s scene is four pieces of about
 * 6 s (whole keyframe intervals), not one 25 s encode. The pieces add up to
 * the timeline frame for frame, join into the right picture at every cut,
 * carry overlays and captions across their boundaries, and an edit late in
 * the scene re-encodes only the piece it touches.
 *
 * The scene clip is synthetic: every frame a flat colour that encodes its
 * own frame number, so a frame dropped or repeated at a piece boundary shows
 * as a wrong number.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactHandle, Timeline } from '../runtime/contract/index.js';
import { ffmpegPath, ffprobePath, runTool } from '../runtime/media/binaries.js';
import { pieceLengths, planChunks, type RenderChunk } from '../nodes/assembly/chunks.node.js';
import { grabFrame, streamInfo, type Frame } from './fixtures/frames.js';
import { createHarness, type Harness } from './fixtures/harness.js';
import { FPS, frameNumberFilter, frameNumberOf, H, longSceneTimeline, piecesGraph, SCENE1, SCENE2, TOTAL, W } from './fixtures/long-scene.js';


let h: Harness;
let media: string;
let sceneClip: ArtifactHandle;
let secondClip: ArtifactHandle;
let overlayClip: ArtifactHandle;
let stillClip: ArtifactHandle;
let loopClip: ArtifactHandle;
let mix: ArtifactHandle;

async function put(file: string, mime: string): Promise<ArtifactHandle> {
  return h.engine.services.artifacts.put({ path: file }, { mime });
}

beforeAll(async () => {
  h = await createHarness();
  media = await mkdtemp(join(tmpdir(), 'reelgraph-pieces-'));
  const ff = (args: string[]): Promise<unknown> => runTool(ffmpegPath(), ['-v', 'error', '-y', ...args], { timeoutMs: 120_000 });
  // One second of handle past the scene, as scene nodes render, for the crossfade's outgoing tail.
  await ff(['-f', 'lavfi', '-i', `color=c=black:s=${W}x${H}:r=${FPS}:d=${SCENE1 + 1}`, '-vf', `format=rgb24,${frameNumberFilter}`, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '10', '-pix_fmt', 'yuv420p', '-g', '30', join(media, 'scene1.mp4')]);
  await ff(['-f', 'lavfi', '-i', `color=c=0x15803d:s=${W}x${H}:r=${FPS}:d=${SCENE2 + 1}`, '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', join(media, 'scene2.mp4')]);
  // A window-sized transparent overlay with a white box, as a terminal overlay is (ProRes 4444 with alpha): laid at OVERLAY_AT, the box lands low on the left (10,70).
  await ff(['-f', 'lavfi', '-i', `color=c=black@0.0:s=64x50:r=${FPS}:d=4,format=yuva444p10le,drawbox=x=4:y=6:w=60:h=40:color=white@1:t=fill:replace=1`, '-c:v', 'prores_ks', '-profile:v', '4444', '-pix_fmt', 'yuva444p10le', join(media, 'overlay.mov')]);
  await ff(['-f', 'lavfi', '-i', `sine=f=440:d=${TOTAL}:sample_rate=48000`, '-ac', '2', '-c:a', 'pcm_s16le', join(media, 'mix.wav')]);
  // A still layer, as a terminal overlay's chrome is: a red box with a clear border.
  await ff(['-f', 'lavfi', '-i', 'color=c=black@0.0:s=48x36,format=rgba,drawbox=x=4:y=3:w=40:h=30:color=red@1:t=fill:replace=1', '-frames:v', '1', join(media, 'still.png')]);
  // A looped layer, as a terminal overlay's static is: four frames, a green box in the first only.
  await ff(['-f', 'lavfi', '-i', `color=c=black@0.0:s=48x36:r=${FPS},format=rgba,drawbox=x=4:y=3:w=40:h=30:color=green@1:t=fill:replace=1:enable='eq(n,0)'`, '-frames:v', '4', '-c:v', 'prores_ks', '-profile:v', '4444', '-pix_fmt', 'yuva444p10le', join(media, 'loop.mov')]);
  [sceneClip, secondClip, overlayClip, stillClip, loopClip, mix] = await Promise.all([
    put(join(media, 'scene1.mp4'), 'video/mp4'),
    put(join(media, 'scene2.mp4'), 'video/mp4'),
    put(join(media, 'overlay.mov'), 'video/quicktime'),
    put(join(media, 'still.png'), 'image/png'),
    put(join(media, 'loop.mov'), 'video/quicktime'),
    put(join(media, 'mix.wav'), 'audio/wav'),
  ]);
}, 180_000);

afterAll(async () => {
  await h?.dispose();
  if (media) await rm(media, { recursive: true, force: true });
});

/** The overlay spans the 12 s piece boundary; the caption cue the 18 s one. */
const OVERLAY = { start: 10.5, duration: 3 };
/** Where the overlay's clip is laid. */
const OVERLAY_AT = { x: 6, y: 64 };
const SPANNING_CUE = { start: 16.5, end: 19.5, text: 'Across the boundary' };
const LATE_CUE = { start: 21, end: 23, text: 'Late in the scene' };

/** The still spans the 12 s boundary too: frames 345–374. */
const STILL = { start: 11.5, duration: 1 };
const STILL_AT = { x: 100, y: 20 };
/** The loop from 11 s to 13 s, across the boundary at 12 s: its box on every fourth frame from frame 330. */
const LOOP = { start: 11, duration: 2 };
const LOOP_AT = { x: 200, y: 20 };

function timeline(): Timeline {
  const laid = longSceneTimeline('Pieces', { scene: sceneClip, second: secondClip, overlay: overlayClip, overlayAt: OVERLAY, overlayPosition: OVERLAY_AT });
  laid.tracks.find((track) => track.kind === 'overlay')!.clips.push(
    { id: 'still', ...STILL, media: stillClip, sourceIn: 0, sceneId: 's1', position: STILL_AT },
    { id: 'loop', ...LOOP, media: loopClip, sourceIn: 0, sceneId: 's1', position: LOOP_AT, loop: true },
  );
  return laid;
}
const renderGraph = piecesGraph('boxed');

type Area = { x: number; y: number; width: number; height: number };
const count = (frame: Frame, area: Area, test: (r: number, g: number, b: number) => boolean): number => {
  let found = 0;
  for (let y = area.y; y < area.y + area.height; y++) {
    for (let x = area.x; x < area.x + area.width; x++) {
      const i = (y * frame.width + x) * 4;
      if (test(frame.data[i]!, frame.data[i + 1]!, frame.data[i + 2]!)) found++;
    }
  }
  return found;
};
/** The overlay's white box. */
const white = (frame: Frame, area: Area): number => count(frame, area, (r, g, b) => r > 200 && g > 200 && b > 200);
/** The boxed caption look's dark box behind the text: the scene clip's frames are never this dark (blue is 128 throughout). */
const dark = (frame: Frame, area: Area): number => count(frame, area, (r, g, b) => r < 60 && g < 60 && b < 60);
const overlayBox = { x: 15, y: 75, width: 50, height: 30 };
/** The still's red box, laid at STILL_AT: the scene clip's frames are never this red (blue is 128 throughout). */
/** The loop's green box, laid at LOOP_AT. */
const green = (frame: Frame): number => count(frame, { x: LOOP_AT.x, y: LOOP_AT.y, width: 48, height: 36 }, (r, g, b) => g > 100 && r < 60 && b < 60);
const red = (frame: Frame): number => count(frame, { x: STILL_AT.x, y: STILL_AT.y, width: 48, height: 36 }, (r, g, b) => r > 200 && g < 60 && b < 60);
const captionBand = { x: 0, y: 130, width: W, height: 50 };

describe('render pieces of bounded length', () => {
  let first: Awaited<ReturnType<Harness['run']>>;
  let file: string;

  it('cut a 25 s scene into keyframe-aligned pieces of at most 8 s whose frames add up to the timeline', async () => {
    first = await h.run(renderGraph, { inputs: { timeline: timeline(), subtitles: { cues: [SPANNING_CUE, LATE_CUE] }, mix } });
    expect(first.status, first.error?.message).toBe('done');
    const chunks = first.outputs.chunks as RenderChunk[];
    // 25 s at 30 fps = 750 frames: three 6 s pieces and the rest (7 s: a 1 s remainder is too short to stand alone).
    expect(chunks.filter((chunk) => chunk.sceneId === 's1').map((chunk) => chunk.frames)).toEqual([180, 180, 180, 210]);
    expect(chunks.filter((chunk) => chunk.sceneId === 's2').map((chunk) => chunk.frames)).toEqual([120]);
    for (const chunk of chunks) expect(chunk.frames).toBeLessThanOrEqual(8 * FPS);
    expect(chunks.reduce((sum, chunk) => sum + chunk.frames, 0)).toBe(TOTAL * FPS);
    // Only the piece that opens scene 2 carries the crossfade.
    expect(chunks.filter((chunk) => chunk.outgoing).map((chunk) => chunk.index)).toEqual([4]);
    expect(first.nodes.find((node) => node.id === 'render')!.items).toMatchObject({ total: 5, executed: 5 });

    file = await h.engine.services.artifacts.localPath(first.outputs.video as ArtifactHandle);
    const info = await streamInfo(file);
    expect(info).toMatchObject({ width: W, height: H, fps: FPS, frames: TOTAL * FPS });
    const { stdout } = await runTool(ffprobePath(), ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=duration', '-of', 'csv=p=0', file], { timeoutMs: 30_000 });
    expect(Math.abs(Number(stdout.toString().trim()) - TOTAL)).toBeLessThan(1 / FPS);
  }, 240_000);

  it('join frame-exact at every piece boundary: each frame shows the scene clip’s frame of the same number', async () => {
    expect(file).toBeDefined();
    for (const boundary of [180, 360, 540, 720]) {
      for (const index of [boundary - 1, boundary]) expect(frameNumberOf(await grabFrame(file, index)), `frame ${index}`).toBe(index);
    }
  }, 120_000);

  it('show an overlay and a caption that span a piece boundary on both sides of it', async () => {
    expect(file).toBeDefined();
    // The overlay covers 10.5–13.5 s, across the cut at 12 s (frame 360).
    for (const index of [359, 360]) expect(white(await grabFrame(file, index), overlayBox), `overlay at frame ${index}`).toBeGreaterThan(1000);
    // Laid at its position: nothing where the clip's own corner would put the box.
    expect(white(await grabFrame(file, 360), { x: 4, y: 6, width: 60, height: 40 })).toBe(0);
    expect(white(await grabFrame(file, 300), overlayBox)).toBe(0);
    // The caption covers 16.5–19.5 s, across the cut at 18 s (frame 540).
    for (const index of [539, 540]) expect(dark(await grabFrame(file, index), captionBand), `caption at frame ${index}`).toBeGreaterThan(200);
    expect(dark(await grabFrame(file, 480), captionBand)).toBe(0);
  }, 120_000);

  it('show a still on exactly its layer’s frames, on both sides of a piece boundary, at its position', async () => {
    expect(file).toBeDefined();
    // 11.5–12.5 s: frames 345 to 374, across the cut at frame 360. The box is 40×30; a few pixels at its edge are
    // blended by the 4:2:0 chroma.
    for (const index of [345, 359, 360, 374]) expect(red(await grabFrame(file, index)), `still at frame ${index}`).toBeGreaterThan(1000);
    for (const index of [344, 375]) expect(red(await grabFrame(file, index)), `no still at frame ${index}`).toBe(0);
  }, 120_000);

  it('play a looped layer again and again from its start, in step across a piece boundary', async () => {
    expect(file).toBeDefined();
    // Frames 330–389; the box on loop frame 0, so on frames 330 + 4k: 358 before the cut at 360, 362 after it.
    for (const index of [330, 334, 358, 362, 386]) expect(green(await grabFrame(file, index)), `box at frame ${index}`).toBeGreaterThan(1000);
    for (const index of [329, 331, 359, 360, 361, 390]) expect(green(await grabFrame(file, index)), `no box at frame ${index}`).toBe(0);
  }, 120_000);

  it('re-encode only the piece an edit late in the scene touches', async () => {
    // No longer than the longest line: that sets the caption size in every piece.
    const edited = { ...LATE_CUE, text: 'Late in this scene' };
    const second = await h.run(renderGraph, { inputs: { timeline: timeline(), subtitles: { cues: [SPANNING_CUE, edited] }, mix } });
    expect(second.status, second.error?.message).toBe('done');
    expect(second.nodes.find((node) => node.id === 'render')!.items).toMatchObject({ total: 5, executed: 1, cached: 4 });
    const info = await streamInfo(await h.engine.services.artifacts.localPath(second.outputs.video as ArtifactHandle));
    expect(info.frames).toBe(TOTAL * FPS);
  }, 240_000);
});

describe('piece plan', () => {
  const rules = { pieceFrames: 180, gopFrames: 60 };

  it('bounds every piece whatever the scene length, and adds up to it', () => {
    for (const frames of [1, 59, 180, 181, 239, 240, 750, 54_000]) {
      const lengths = pieceLengths(frames, rules);
      expect(lengths.reduce((a, b) => a + b, 0), `${frames}`).toBe(frames);
      expect(Math.max(...lengths)).toBeLessThan(180 + 60);
      if (lengths.length > 1) expect(Math.min(...lengths)).toBeGreaterThanOrEqual(60);
      // Every piece but the last ends on a keyframe interval.
      expect(lengths.slice(0, -1).every((length) => length % 60 === 0)).toBe(true);
    }
    expect(pieceLengths(54_000, rules)).toHaveLength(300);
  });

  it('keeps a transition and a fade out inside one piece', () => {
    expect(pieceLengths(600, { ...rules, pieceFrames: 60, headFrames: 90 })[0]).toBe(120);
    expect(pieceLengths(600, { ...rules, pieceFrames: 120, tailFrames: 90 }).at(-1)).toBeGreaterThanOrEqual(90);
  });

  it('gives an effect spanning a boundary its own part on each side', () => {
    const handle = { hash: 'a'.repeat(64), mime: 'video/mp4', bytes: 1, duration: 20 };
    const plan = planChunks(
      {
        title: 't',
        duration: 20,
        width: W,
        height: H,
        fps: FPS,
        scenes: [],
        tracks: [
          { name: 'Scenes', kind: 'video', clips: [{ id: 's', start: 0, duration: 20, media: handle, sourceIn: 0 }] },
          { name: 'Effects', kind: 'effects', clips: [{ id: 'g', start: 5.8, duration: 0.4, sourceIn: 0, effect: 'glitch' }] },
        ],
        markers: [],
      },
      [],
      { captions: 'none', highlightWords: false, pieceSeconds: 6 },
    );
    expect(plan.map((chunk) => chunk.base.sourceIn)).toEqual([0, 6, 12, 18]);
    expect(plan[0]!.effects[0]).toMatchObject({ effect: 'glitch' });
    expect(plan[0]!.effects[0]!.start).toBeCloseTo(5.8, 6);
    expect(plan[0]!.effects[0]!.duration).toBeCloseTo(0.2, 6);
    expect(plan[1]!.effects[0]!.start).toBe(0);
    expect(plan[1]!.effects[0]!.duration).toBeCloseTo(0.2, 6);
  });
});
