/**
 * scene.procedural, measured on pixels: exact clip format (one real 1080p
 * and one 9:16 render), weather and camera motion seen in decoded frames,
 * determinism, light by time of day, distinct motifs, and what odd prompts do.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySchemaDefaults, PermanentError, type NodeContext } from '../runtime/contract/index.js';
import sceneProcedural, { partGrid, segmentsOf } from '../nodes/scene/procedural.node.js';
import type { VideoClipValue } from '../nodes/video/clip.js';
import { motifNames, type MotifName } from '../nodes/scene/procedural/motifs/index.js';
import { planScene, type PlanOverrides, type ScenePromptValue } from '../nodes/scene/procedural/plan.js';
import { createSceneRenderer, type Compositing } from '../nodes/scene/procedural/renderer.js';
import { MOVE_SECONDS, moveAt } from '../nodes/scene/procedural/camera.js';
import type { TimeOfDay } from '../nodes/scene/procedural/palette.js';
import { grabFrame, meanColour, meanDifference, streamInfo, type Frame, type Rect } from './fixtures/frames.js';
import { createHarness, graph, type Harness } from './fixtures/harness.js';
import { treeOf } from './fixtures/process-tree.js';
import { ffprobePath, runTool } from '../runtime/media/binaries.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await h.dispose();
});

const scenes = (params: Record<string, unknown>) =>
  graph([['scenes', 'scene.procedural', params]], ['$input.prompts -> scenes.prompts'], {
    inputs: { prompts: { type: 'ScenePrompt', list: true } },
    outputs: { clips: 'scenes.clips' },
  });

async function render(prompts: ScenePromptValue[], params: Record<string, unknown>, noCache = false): Promise<VideoClipValue[]> {
  const result = await h.run(scenes(params), { inputs: { prompts }, noCache });
  expect(result.status, result.error?.message).toBe('done');
  return result.outputs.clips as VideoClipValue[];
}

const pathOf = (clip: VideoClipValue): Promise<string> => h.engine.services.artifacts.localPath(clip);

/** A region as fractions of the frame. */
const region = (frame: Frame, x: number, y: number, width: number, height: number): Rect => ({
  x: Math.round(x * frame.width),
  y: Math.round(y * frame.height),
  width: Math.round(width * frame.width),
  height: Math.round(height * frame.height),
});

const AUTO: PlanOverrides = { motif: 'auto', camera: 'auto', weather: 'auto', timeOfDay: 'auto', cameraStrength: 1 };

/** Frames straight from the renderer (no encoding), small. */
function rendered(prompt: ScenePromptValue, overrides: Partial<PlanOverrides>, indices: number[], size = { width: 192, height: 108 }, frameCount = 30): Frame[] {
  const renderer = createSceneRenderer({ plan: planScene(prompt, { ...AUTO, ...overrides }), frame: size, fps: 30, frameCount, grain: 0.35, vignette: 0.5 });
  return indices.map((index) => ({ ...size, data: Buffer.from(renderer.frame(index)) }));
}

/** Just enough context for an execute that fails before it draws. */
function stubContext(): NodeContext<Parameters<typeof sceneProcedural.execute>[0]['params']> {
  const unused = (): never => {
    throw new Error('not used by this test');
  };
  return {
    runId: 'run',
    nodeId: 'scenes',
    params: applySchemaDefaults(sceneProcedural.params, {}).value as Parameters<typeof sceneProcedural.execute>[0]['params'],
    inputs: {},
    item: { index: 0, key: 'k', count: 1 },
    attempt: 1,
    artifacts: { put: unused, has: unused, localPath: unused, read: unused },
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    progress: () => undefined,
    usage: () => undefined,
    reserve: async () => undefined,
    signal: new AbortController().signal,
    credentials: { get: async () => undefined },
    rateLimiter: { acquire: unused },
    outDir: h.dir,
    tempDir: unused,
  };
}

const sha = (frame: Frame): string => createHash('sha256').update(frame.data).digest('hex');

describe('scene.procedural: clip format', () => {
  it('renders a real 1080p clip and a 9:16 clip of exactly the prompt’s frames, size and rate, as VideoClips', async () => {
    const prompt = { sceneId: 'scene-2', prompt: 'Night. A ruined city street in heavy rain, neon signs flickering.', setting: 'city street', timeOfDay: 'night', weather: 'heavy rain', duration: 1.1, seed: 11 };
    const [wide] = await render([prompt], { profile: 'youtube-1080p' });
    const [tall] = await render([{ ...prompt, sceneId: 'scene-2-tall', duration: 0.5 }], { profile: 'shorts-1080x1920' });

    expect(wide).toMatchObject({ sceneId: 'scene-2', provider: 'procedural', mime: 'video/mp4', width: 1920, height: 1080, frameRate: 30 });
    expect(wide!.duration).toBeCloseTo(33 / 30, 6);
    expect(await streamInfo(await pathOf(wide!))).toMatchObject({ width: 1920, height: 1080, fps: 30, frames: 33, codec: 'h264', pixFmt: 'yuv420p' });
    expect((await streamInfo(await pathOf(wide!))).duration).toBeCloseTo(1.1, 1);

    expect(tall).toMatchObject({ sceneId: 'scene-2-tall', provider: 'procedural', width: 1080, height: 1920, frameRate: 30 });
    expect(tall!.duration).toBeCloseTo(0.5, 6);
    expect(await streamInfo(await pathOf(tall!))).toMatchObject({ width: 1080, height: 1920, fps: 30, frames: 15 });

    // The picture is a lit scene, not a blank card: it has light and contrast.
    const frame = await grabFrame(await pathOf(wide!), 10);
    const top = meanColour(frame, region(frame, 0, 0, 1, 0.3)).luma;
    const windows = meanColour(frame, region(frame, 0, 0.1, 0.25, 0.5)).luma;
    expect(Math.abs(windows - top)).toBeGreaterThan(3);
  });

  it('holds exact frame counts for durations that are not whole frames, at overridden sizes and rates', async () => {
    const [clip] = await render([{ sceneId: 'odd-length', prompt: 'desert at dusk', setting: 'desert', duration: 0.77, seed: 3 }], { width: 320, height: 240, fps: 24, renderScale: 0.5 });
    expect(await streamInfo(await pathOf(clip!))).toMatchObject({ width: 320, height: 240, fps: 24, frames: 18 });
    expect(clip!.duration).toBeCloseTo(18 / 24, 6);
  });
});

describe('scene.procedural: drawing scale', () => {
  it('draws previews at half size and published pictures at three quarters, unless the node says otherwise', async () => {
    const prompt = { sceneId: 'scale', prompt: 'server racks in rows, cold blue light', setting: 'data center', timeOfDay: 'night', duration: 0.4, seed: 21 };
    const clipOf = async (params: Record<string, unknown>): Promise<VideoClipValue> => (await render([prompt], { width: 480, height: 272, ...params }))[0]!;
    const [preview, previewHalf, previewThreeQuarters, previewFull, publish, publishThreeQuarters] = await Promise.all([
      clipOf({ profile: 'preview-720p' }),
      clipOf({ profile: 'preview-720p', renderScale: 0.5 }),
      clipOf({ profile: 'preview-720p', renderScale: 0.75 }),
      clipOf({ profile: 'preview-720p', renderScale: 1 }),
      clipOf({ profile: 'youtube-1080p' }),
      clipOf({ profile: 'youtube-1080p', renderScale: 0.75 }),
    ]);
    // The same bytes as the scale named outright: the profile chose it.
    expect(preview.hash).toBe(previewHalf.hash);
    expect(preview.hash).not.toBe(previewThreeQuarters.hash);
    expect(publish.hash).toBe(publishThreeQuarters.hash);
    expect(previewFull.hash).not.toBe(previewThreeQuarters.hash);
  });
});

describe('scene.procedural: motion, seen in decoded frames', () => {
  const small = { width: 320, height: 180, renderScale: 1, grain: 0 };
  const skyline = (sceneId: string, weather: string, movement: string): ScenePromptValue => ({
    sceneId,
    prompt: 'the city skyline at night',
    setting: 'skyline',
    timeOfDay: 'night',
    weather,
    camera: { movement },
    duration: 5.1,
    seed: 5,
  });
  let frames: Record<string, readonly [Frame, Frame]>;
  let later: Record<string, readonly [Frame, Frame]>;
  beforeAll(async () => {
    const prompts = [
      skyline('rain', 'rain', 'static'),
      skyline('static', 'clear', 'static'),
      skyline('pan', 'clear', 'pan'),
      skyline('push-in', 'clear', 'push-in'),
      skyline('handheld', 'clear', 'handheld'),
    ];
    const clips = await render(prompts, small);
    const pair = async (second: number): Promise<Record<string, readonly [Frame, Frame]>> =>
      Object.fromEntries(await Promise.all(clips.map(async (clip) => [clip.sceneId!, [await grabFrame(await pathOf(clip), 0), await grabFrame(await pathOf(clip), second)]] as const)));
    frames = await pair(20);
    // Frame 150 (5 s) is near the far end of the camera's move (MOVE_SECONDS = 6).
    later = await pair(150);
  });
  // Towers with lit windows: the skyline itself, below where rain is measured.
  const towers = (frame: Frame): Rect => region(frame, 0.2, 0.55, 0.6, 0.3);
  const sky = (frame: Frame): Rect => region(frame, 0, 0, 1, 0.35);
  const moved = (name: string, area: (frame: Frame) => Rect): number => meanDifference(frames[name]![0], frames[name]![1], area(frames[name]![0]));
  /** How far the picture in `area` travelled between the two frames, found by block matching (whole pixels). */
  const travel = (name: string, area: (frame: Frame) => Rect, pairs = frames): { dx: number; dy: number } => shiftOf(pairs[name]![0], pairs[name]![1], area(pairs[name]![0]), 30);

  it('makes rain move across a still sky, while without rain the same static shot does not change', () => {
    expect(moved('rain', sky)).toBeGreaterThan(1);
    expect(moved('static', sky)).toBeLessThan(0.3);
    expect(moved('rain', sky)).toBeGreaterThan(moved('static', sky) * 5);
  });

  it('keeps the skyline fixed under a static camera', () => {
    expect(moved('static', towers)).toBeLessThan(0.5);
    expect(travel('static', towers)).toEqual({ dx: 0, dy: 0 });
  });

  it('pans the skyline sideways, pushes in by spreading it out, and shakes it only a little when handheld', () => {
    // Pan: near the far end of its move, the towers layer has slid about a twelfth of the frame sideways.
    const pan = travel('pan', towers, later);
    expect(Math.abs(pan.dx)).toBeGreaterThan(15);
    expect(Math.abs(pan.dy)).toBeLessThanOrEqual(1);
    // Push-in: the left of the picture moves left, the right moves right.
    expect(travel('push-in', (f) => region(f, 0.05, 0.55, 0.3, 0.3), later).dx).toBeLessThan(-2);
    expect(travel('push-in', (f) => region(f, 0.65, 0.55, 0.3, 0.3), later).dx).toBeGreaterThan(2);
    // Handheld: a few pixels at most, but never still.
    const shake = travel('handheld', towers);
    expect(Math.hypot(shake.dx, shake.dy)).toBeLessThanOrEqual(4);
    expect(moved('handheld', towers)).toBeGreaterThan(moved('static', towers) + 2);
  });
});

/** The shift (dx, dy) that best maps `rect` of `a` onto `b`, searched within ±`range` pixels. */
function shiftOf(a: Frame, b: Frame, rect: Rect, range: number): { dx: number; dy: number } {
  let best = { dx: 0, dy: 0, error: Infinity };
  for (let dy = -range; dy <= range; dy++) {
    if (rect.y + dy < 0 || rect.y + rect.height + dy > b.height) continue;
    for (let dx = -range; dx <= range; dx++) {
      if (rect.x + dx < 0 || rect.x + rect.width + dx > b.width) continue;
      let error = 0;
      for (let y = rect.y; y < rect.y + rect.height; y += 2) {
        for (let x = rect.x; x < rect.x + rect.width; x += 2) {
          const i = (y * a.width + x) * 4;
          const j = ((y + dy) * b.width + x + dx) * 4;
          error += Math.abs(a.data[i]! - b.data[j]!) + Math.abs(a.data[i + 1]! - b.data[j + 1]!) + Math.abs(a.data[i + 2]! - b.data[j + 2]!);
        }
      }
      if (error < best.error) best = { dx, dy, error };
    }
  }
  return { dx: best.dx, dy: best.dy };
}

describe('scene.procedural: compositing', () => {
  const street: ScenePromptValue = { sceneId: 'street', prompt: 'neon signs flickering above shuttered shops', setting: 'city street', timeOfDay: 'night', weather: 'heavy rain', camera: { movement: 'handheld' }, duration: 1, seed: 1 };
  const size = { width: 384, height: 216 };
  const renderer = (prompt: ScenePromptValue, compositing?: Compositing) =>
    createSceneRenderer({ plan: planScene(prompt, AUTO), frame: size, fps: 30, frameCount: 30, grain: 0, vignette: 0.5, ...(compositing ? { compositing } : {}) });
  const frameOf = (drawn: ReturnType<typeof renderer>, index: number): Frame => ({ ...size, data: Buffer.from(drawn.frame(index)) });

  it('lays a rolling handheld shot’s layers together on the plane, and draws what drawing them one by one draws', () => {
    expect(renderer(street).compositing).toBe('on the plane');
    // No roll, or parallax: each layer is drawn under its own pose.
    expect(renderer({ ...street, camera: { movement: 'static' } }).compositing).toBe('per layer');
    expect(renderer({ ...street, camera: { movement: 'tracking' } }).compositing).toBe('per layer');

    const planed = renderer(street, 'on the plane');
    const layered = renderer(street, 'per layer');
    for (const index of [0, 12, 26]) {
      const onPlane = frameOf(planed, index);
      // Only the last resampling rounds differently (under a level on average), far less than three frames of rain and shake change.
      const difference = meanDifference(onPlane, frameOf(layered, index));
      expect(difference).toBeLessThan(1.5);
      expect(difference).toBeLessThan(meanDifference(onPlane, frameOf(layered, index + 3)) / 4);
    }
  });
});

describe('scene.procedural: determinism', () => {
  const prompt: ScenePromptValue = { sceneId: 'same', prompt: 'A foggy forest at dawn with fireflies', setting: 'forest', weather: 'snow', camera: { movement: 'handheld' }, duration: 1, seed: 42 };

  it('draws byte-identical frames for the same seed and different ones for another seed', () => {
    const a = rendered(prompt, {}, [0, 13, 29]).map(sha);
    const b = rendered(prompt, {}, [0, 13, 29]).map(sha);
    const c = rendered({ ...prompt, seed: 43 }, {}, [0, 13, 29]).map(sha);
    expect(b).toEqual(a);
    c.forEach((hash, i) => expect(hash).not.toBe(a[i]));
    // A frame drawn alone is the frame drawn in sequence: nothing carries over between frames.
    expect(rendered(prompt, {}, [13]).map(sha)).toEqual([a[1]]);
  });

  it('moves the camera at an even pace, to the far end in 6 s and back, slowing only briefly at each turn', () => {
    expect([0, 3, 6, 9, 12].map((t) => moveAt(t))).toEqual([0, 0.5, 1, 0.5, 0].map((p) => expect.closeTo(p, 9)));
    const steps = Array.from({ length: 30 * 30 }, (_, i) => Math.abs(moveAt((i + 1) / 30) - moveAt(i / 30)));
    const evenPace = 1 / (MOVE_SECONDS * 30 * 0.9);
    // Continuous (no step above the even pace), and below a third of it only within 0.2 s of a turn.
    expect(Math.max(...steps)).toBeLessThanOrEqual(evenPace + 1e-9);
    const slow = steps.map((step, i) => [step, ((i + 0.5) / 30) % MOVE_SECONDS] as const).filter(([step]) => step < evenPace / 3);
    for (const [, intoLeg] of slow) expect(Math.min(intoLeg, MOVE_SECONDS - intoLeg)).toBeLessThan(0.2);
  });

  it('draws a frame the same whatever the scene’s length: a scene an edit lengthens keeps its frames and appends the rest', () => {
    // Every camera move and a storm's lightning, which are the parts that could follow the clip's length.
    for (const camera of ['push-in', 'pan', 'orbit', 'crane'] as const) {
      const stormy = { ...prompt, weather: 'thunderstorm' };
      const short = rendered(stormy, { camera }, [0, 45, 89], undefined, 90).map(sha);
      const long = rendered(stormy, { camera }, [0, 45, 89], undefined, 600).map(sha);
      expect(long, camera).toEqual(short);
    }
  });

  it('encodes the same prompt to the same file, run after run', async () => {
    const params = { width: 256, height: 144, renderScale: 1 };
    const [first] = await render([prompt], params, true);
    const [again] = await render([prompt], params, true);
    const [other] = await render([{ ...prompt, seed: 7 }], params, true);
    expect(again!.hash).toBe(first!.hash);
    expect(other!.hash).not.toBe(first!.hash);
  });
});

describe('scene.procedural: light and place', () => {
  const luma = (motif: MotifName, time: TimeOfDay): number => meanColour(rendered({ sceneId: motif, prompt: '', duration: 1, seed: 9 }, { motif, timeOfDay: time, camera: 'static' }, [0])[0]!).luma;

  it('is darker at night than by day, outdoors and in a room', () => {
    for (const motif of ['skyline', 'city street', 'forest', 'ocean', 'desert', 'interior room'] as const) {
      expect(luma(motif, 'night'), motif).toBeLessThan(luma(motif, 'day') * 0.6);
    }
  });

  it('draws every motif as a different picture', () => {
    const frames = motifNames.map((motif) => rendered({ sceneId: motif, prompt: '', duration: 1, seed: 9 }, { motif, timeOfDay: 'dusk', camera: 'static' }, [0])[0]!);
    for (let i = 0; i < frames.length; i++) {
      for (let j = i + 1; j < frames.length; j++) expect(meanDifference(frames[i]!, frames[j]!), `${motifNames[i]} vs ${motifNames[j]}`).toBeGreaterThan(12);
    }
  });

  it('is lit by its lighting words: cold blue light is bluer than warm amber light', () => {
    const colour = (lighting: string) => meanColour(rendered({ sceneId: 'dc', prompt: '', setting: 'data center', lighting, duration: 1, seed: 2 }, { camera: 'static' }, [0])[0]!);
    const cold = colour('cold blue emergency lighting');
    const warm = colour('warm amber light');
    expect(cold.b - cold.r).toBeGreaterThan(warm.b - warm.r + 10);
  });
});

describe('scene.procedural: reading prompts', () => {
  it('reads what a prompt leaves out from its words, and ignores fields it cannot use', () => {
    const plan = planScene(
      { sceneId: 'odd', prompt: 'A misty forest at dawn. Slow push in.', setting: 42, timeOfDay: 'teatime', weather: 'meteor shower', camera: 'sideways', seed: -3, style: 'noir' },
      AUTO,
    );
    expect(plan).toMatchObject({ motif: 'forest', time: 'dawn', weather: 'fog', camera: 'push-in', cameraStrength: 1 });
    expect(Number.isInteger(plan.seed) && plan.seed >= 0).toBe(true);
    expect(planScene({ sceneId: 'x', prompt: 'something indescribable' }, AUTO)).toMatchObject({ motif: 'abstract data', camera: 'push-in', cameraStrength: 0.5 });
    expect(planScene({ sceneId: 'x', prompt: 'rain on a street at night', setting: 'city street' }, { ...AUTO, weather: 'none', motif: 'ocean', camera: 'static' })).toMatchObject({ motif: 'ocean', camera: 'static' });
    expect(planScene({ sceneId: 'x', prompt: 'rain on a street at night' }, { ...AUTO, weather: 'none' }).weather).toBeUndefined();
  });

  it('renders a prompt whose fields say nothing it knows', async () => {
    const odd = { sceneId: 'odd', prompt: 'volcano lair, barrel roll', setting: 'volcano lair', timeOfDay: 'teatime', weather: 'meteor shower', lighting: '', camera: { movement: 'barrel roll' }, duration: 0.2 };
    const [clip] = await render([odd], { width: 128, height: 72 });
    expect(clip).toMatchObject({ sceneId: 'odd', provider: 'procedural' });
    expect(await streamInfo(await pathOf(clip!))).toMatchObject({ width: 128, height: 72, frames: 6 });
  });

  it('fails a scene without a usable duration with a permanent error naming the scene', async () => {
    // The engine checks ScenePrompt values on run inputs and typed outputs, so this is called directly: a value through an `Any` port is not checked.
    for (const duration of [0, -1, Number.NaN, '3']) {
      const run = sceneProcedural.execute({ ...stubContext(), inputs: { prompts: { sceneId: 'no-time', prompt: 'x', duration } } });
      await expect(run).rejects.toBeInstanceOf(PermanentError);
      await expect(run).rejects.toThrow(/scene "no-time": duration .* is not a positive number of seconds/);
    }
  });

  it('refuses unknown settings, cameras and weather in its params before anything runs', () => {
    for (const params of [{ motif: 'volcano' }, { camera: 'barrel-roll' }, { weather: 'hail' }, { profile: '8k' }]) {
      expect(() => h.engine.start(scenes(params), { outDir: h.dir, inputs: { prompts: [] } }), JSON.stringify(params)).toThrow(/params/);
    }
  });
});

describe('scene.procedural: how a scene is cut into parts', () => {
  it('keeps the first minute in 2-s parts and the rest in 6-s parts, on the keyframe grid, whatever the length', () => {
    const grid = partGrid(60, 30);
    expect(grid).toEqual({ fine: 60, coarse: 180, fineUntil: 1800 });
    const long = segmentsOf(2500, grid, [2345]);
    expect(long.slice(0, 30).every((part) => part.to - part.from === 60)).toBe(true);
    expect(long.slice(30).map((part) => part.to - part.from)).toEqual([180, 180, 180, 160]);
    expect(long.every((part) => part.from % 60 === 0)).toBe(true);
    expect(long.find((part) => part.keyframes.length > 0)).toEqual({ from: 2340, to: 2500, keyframes: [5] });
    // A longer scene keeps every whole part of a shorter one: an edit redraws from the part holding the old end.
    for (const shorter of [17, 450, 1799, 1800, 1801, 2160]) {
      const whole = segmentsOf(shorter, grid, []).filter((part) => part.to - part.from === (part.from < 1800 ? 60 : 180));
      expect(segmentsOf(3000, grid, []).slice(0, whole.length), `${shorter} frames`).toEqual(whole);
    }
    // Another rate and interval: the grids still nest.
    const odd = partGrid(50, 25);
    expect(odd.coarse % odd.fine).toBe(0);
    expect(odd.fineUntil % odd.coarse).toBe(0);
  });
});

/** Each video packet's time in seconds (in presentation order) and whether it is a keyframe. */
async function packetsOf(file: string): Promise<Array<{ time: number; key: boolean }>> {
  const { stdout } = await runTool(ffprobePath(), ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', file], { timeoutMs: 30_000 });
  return stdout
    .toString()
    .trim()
    .split('\n')
    .map((line) => ({ time: Number(line.split(',')[0]), key: line.includes('K') }))
    .sort((a, b) => a.time - b.time);
}

describe('scene.procedural: parts', () => {
  it('writes the parts it draws with one encoder, each a clip of its own: its frames from time zero, keyframes where the scene needs them', async () => {
    // 5 s with a 0.5-s handle: parts of 60, 60 and 30 frames, the cut at frame 135 (15 frames into the third part).
    const kept = await mkdtemp(join(h.dir, 'kept-'));
    const files: string[] = [];
    const ctx = stubContext();
    const output = await sceneProcedural.execute({
      ...ctx,
      params: { ...ctx.params, width: 64, height: 36, renderScale: 1 },
      inputs: { prompts: { sceneId: 'street', prompt: 'a rainy street', setting: 'city street', duration: 5, handle: 0.5, seed: 2 } },
      tempDir: async () => mkdtemp(join(h.dir, 'parts-')),
      artifacts: {
        ...ctx.artifacts,
        put: async (source, options) => {
          const file = join(kept, options.name ?? `file-${files.length}`);
          await copyFile((source as { path: string }).path, file);
          files.push(file);
          return { hash: `hash-${files.length}`, mime: options.mime, bytes: 1, ...(options.meta ?? {}) };
        },
        localPath: async (handle) => files[Number(handle.hash.split('-')[1]) - 1]!,
      },
    });
    const parts = files.filter((file) => file.includes('-part-'));
    expect(parts.map((file) => file.split('/').at(-1))).toEqual(['street-part-1.mp4', 'street-part-2.mp4', 'street-part-3.mp4']);
    expect((output.clips as VideoClipValue).parts?.map((part) => part.frames)).toEqual([60, 60, 30]);
    const packets = await Promise.all(parts.map(packetsOf));
    expect(packets.map((list) => list.length)).toEqual([60, 60, 30]);
    // Every part starts at zero, as a clip encoded on its own does (the segment muxer shifts the first by the B-frame delay unless told not to).
    expect(packets.map((list) => list[0]!.time)).toEqual([0, 0, 0]);
    expect(packets.map((list) => list.filter((packet) => packet.key).map((packet) => Math.round(packet.time * 30)))).toEqual([[0], [0], [0, 15]]);
    for (const file of parts) expect(await streamInfo(file)).toMatchObject({ width: 64, height: 36, fps: 30, frames: file.endsWith('3.mp4') ? 30 : 60 });
  });

  it('reports a part that fails to store while the next is being drawn, and leaves no encoder running', async () => {
    // Parts of 2 s from one encoder: the first part is stored as its file closes, while the second is drawn.
    const stored: string[] = [];
    const ctx = stubContext();
    const run = sceneProcedural.execute({
      ...ctx,
      params: { ...ctx.params, width: 64, height: 36, renderScale: 1 },
      inputs: { prompts: { sceneId: 'street', prompt: 'a rainy street', setting: 'city street', duration: 5, seed: 2 } },
      tempDir: async () => mkdtemp(join(h.dir, 'parts-')),
      artifacts: {
        ...ctx.artifacts,
        put: async (source) => {
          stored.push(JSON.stringify(source));
          throw new Error('the disk is full');
        },
      },
    });
    await expect(run).rejects.toThrow(/scene "street": rendering failed: the disk is full/);
    // The first part's store, and the second's when its encoder closed first: never a third part, drawn after a failure.
    expect(stored.length).toBeGreaterThanOrEqual(1);
    expect(stored.length).toBeLessThanOrEqual(2);
    expect(treeOf(process.pid).filter((entry) => entry.comm === 'ffmpeg')).toEqual([]);
  });
});

describe('scene.procedural: deadline', () => {
  it("grows with the scene's length, so a 30-minute essay scene is not cut off at the fixed 30 minutes", () => {
    const deadline = (duration: number): number | undefined => sceneProcedural.unitTimeoutMs?.({ prompts: { duration } }, {} as never);
    expect(deadline(5)).toBe(30 * 60_000);
    expect(deadline(1_800)).toBeGreaterThanOrEqual(1_800 * 5_000);
    expect(deadline(3_600)!).toBeGreaterThan(deadline(1_800)!);
  });
});
