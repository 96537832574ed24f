import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCanvas } from '../nodes/video/canvas.js';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { AssetPathError, resolveAsset, resolveAssetRoots } from '../nodes/assets/asset-roots.js';
import { moveFor, viewAt } from '../nodes/scene/image/ken-burns.js';
import { allowAssetRoot, withDeploymentAssetRoots } from './fixtures/asset-roots.js';
import { createHarness, graph, type Harness } from './fixtures/harness.js';
import { grabFrame, meanColour, meanDifference, streamInfo } from './fixtures/frames.js';

type Clip = { hash: string; duration: number; width: number; height: number; frameRate: number; sceneId: string; provider: string };

let project: string;
let roots: string;
let h: Harness;

/** A 16:9 still whose red channel rises left → right and green top → bottom, so where the camera looks is measurable. */
async function gradientStill(path: string, width = 1600, height = 900, blue = 0): Promise<void> {
  const canvas = createCanvas(width, height);
  const context = canvas.getContext('2d');
  const image = context.createImageData(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      image.data[i] = Math.round((x / width) * 255);
      image.data[i + 1] = Math.round((y / height) * 255);
      image.data[i + 2] = blue;
      image.data[i + 3] = 255;
    }
  }
  context.putImageData(image, 0, 0);
  await writeFile(path, await canvas.encode('png'));
}

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'reelgraph-stills-'));
  roots = join(project, 'assets');
  await mkdir(join(roots, 'stills'), { recursive: true });
  await gradientStill(join(roots, 'stills', '01.png'));
  await gradientStill(join(roots, 'stills', '02.png'), 1600, 900, 200);
  await gradientStill(join(roots, 'cover.png'), 800, 450, 90);
  await gradientStill(join(project, 'secret.png'));
  await writeFile(join(roots, 'not-a-picture.png'), '<html>nope</html>');
  await symlink(join(project, 'secret.png'), join(roots, 'escape.png'));
  // The operator's roots: this test's assets folder (not the project folder around it, which holds secret.png).
  allowAssetRoot(roots);
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.dispose();
});

const prompt = (index: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ sceneId: `s${index}`, index, prompt: 'x', duration: 1, seed: 7, ...extra });

async function render(prompts: Record<string, unknown>[], params: Record<string, unknown> = {}): Promise<{ clips: Clip[]; result: Awaited<ReturnType<Harness['run']>> }> {
  const result = await h.run(
    // A param given as undefined is left out (unset).
    graph([['stills', 'scene.image', JSON.parse(JSON.stringify({ assetRoots: [roots], profile: 'preview-720p', ...params })) as Record<string, unknown>]], ['$input.prompts -> stills.prompts'], {
      inputs: { prompts: { type: 'ScenePrompt', list: true } },
      outputs: { clips: 'stills.clips' },
    }),
    { inputs: { prompts } },
  );
  return { clips: (result.outputs.clips ?? []) as Clip[], result };
}

const pathOf = (clip: Clip): Promise<string> => h.engine.services.artifacts.localPath(clip);

describe('scene.image', () => {
  it('renders each scene at exactly its duration, size and frame rate, from the folder in order', async () => {
    const { clips, result } = await render([prompt(0, { duration: 1.5 }), prompt(1, { duration: 0.9 })], { folder: 'stills', profile: 'youtube-1080p' });
    expect(result.status).toBe('done');
    const [one, two] = await Promise.all(clips.map(async (clip) => streamInfo(await pathOf(clip))));
    expect(one).toMatchObject({ width: 1920, height: 1080, fps: 30, frames: 45, codec: 'h264', pixFmt: 'yuv420p' });
    expect(two).toMatchObject({ frames: 27 });
    expect(clips[0]).toMatchObject({ sceneId: 's0', provider: 'image', duration: 1.5 });
    // 02.png has blue in it; 01.png has none.
    const [first, second] = await Promise.all([grabFrame(await pathOf(clips[0]!), 0), grabFrame(await pathOf(clips[1]!), 0)]);
    expect(meanColour(first).b).toBeLessThan(20);
    expect(meanColour(second).b).toBeGreaterThan(150);
  });

  it('moves the camera the way the brief says', async () => {
    const moves = ['pan right', 'push in', 'static'];
    const { clips } = await render(moves.map((movement, i) => prompt(i, { camera: { movement }, images: [{ path: 'stills/01.png' }], duration: 2 })));
    const ends = await Promise.all(clips.map(async (clip) => Promise.all([grabFrame(await pathOf(clip), 0), grabFrame(await pathOf(clip), 59)])));
    const [pan, push, still] = ends as [[typeof ends[0][0], typeof ends[0][0]], [typeof ends[0][0], typeof ends[0][0]], [typeof ends[0][0], typeof ends[0][0]]];
    // Panning right shows more of the red (right) side of the still.
    expect(meanColour(pan[1]).r - meanColour(pan[0]).r).toBeGreaterThan(5);
    // Pushing in narrows the view: the spread of red across the frame shrinks.
    const spread = (frame: typeof pan[0]): number => meanColour(frame, { x: frame.width - 20, y: 300, width: 20, height: 20 }).r - meanColour(frame, { x: 0, y: 300, width: 20, height: 20 }).r;
    expect(spread(push[1])).toBeLessThan(spread(push[0]) * 0.95);
    expect(meanDifference(still[0], still[1])).toBeLessThan(1);
  });

  it('fits a 16:9 still into 9:16 by cover (cropped) or contain (letterboxed)', async () => {
    const still = { images: [{ path: 'cover.png' }], camera: { movement: 'static' } };
    const cover = await render([prompt(0, still)], { profile: 'shorts-1080x1920', width: 270, height: 480, fit: 'cover' });
    const black = await render([prompt(0, still)], { profile: 'shorts-1080x1920', width: 270, height: 480, fit: 'contain', background: '#000000' });
    const blur = await render([prompt(0, still)], { profile: 'shorts-1080x1920', width: 270, height: 480, fit: 'contain' });
    const [coverFrame, blackFrame, blurFrame] = await Promise.all([cover, black, blur].map(async ({ clips }) => grabFrame(await pathOf(clips[0]!), 10)));
    const band = { x: 0, y: 0, width: 270, height: 100 };
    expect(coverFrame!.height).toBe(480);
    expect(meanColour(coverFrame!, band).luma).toBeGreaterThan(40);
    expect(meanColour(blackFrame!, band).luma).toBeLessThan(3);
    expect(meanColour(blurFrame!, band).luma).toBeGreaterThan(10);
    // The contained still itself sits in the middle, whole: red runs from ~0 at its left edge to ~255 at its right.
    const middle = (x: number): number => meanColour(blackFrame!, { x, y: 240, width: 4, height: 4 }).r;
    expect(middle(2)).toBeLessThan(40);
    expect(middle(264)).toBeGreaterThan(215);
  });

  it('re-renders a scene when its still changes, and only then', async () => {
    const file = join(roots, 'changing.png');
    await gradientStill(file, 320, 180, 10);
    const prompts = [prompt(0, { images: [{ path: 'changing.png' }] })];
    expect((await render(prompts)).result.nodes[0]?.items).toMatchObject({ executed: 1, cached: 0 });
    expect((await render(prompts)).result.nodes[0]?.items).toMatchObject({ executed: 0, cached: 1 });
    await gradientStill(file, 320, 180, 250);
    expect((await render(prompts)).result.nodes[0]?.items).toMatchObject({ executed: 1, cached: 0 });
  });

  it.each([
    ['../secret.png', /outside the asset roots/],
    ['escape.png', /outside the asset roots/],
    ['/etc/passwd', /outside the asset roots/],
    ['https://example.com/a.png', /is a URL/],
    ['missing.png', /was not found in the asset roots/],
    ['not-a-picture.png', /"not-a-picture.png" is not a still/],
  ])('refuses %s with a clear error', async (path, message) => {
    const { result } = await render([prompt(0, { images: [{ path, line: 12 }] })]);
    expect(result.status).toBe('failed');
    expect(result.nodes[0]?.error?.message).toMatch(message);
  });

  it('says how to give a scene a still when it has none', async () => {
    const { result } = await render([prompt(0, { title: 'The Vault' })]);
    expect(result.nodes[0]?.error?.message).toMatch(/"The Vault" has no still: add !\[description\]\(path\)/);
  });
});

describe('asset roots', () => {
  it('resolves inside roots only, following symlinks', () => {
    const real = resolveAssetRoots([roots]);
    expect(resolveAsset('stills/01.png', real)).toBe(join(real[0]!, 'stills', '01.png'));
    expect(() => resolveAsset('stills/../../secret.png', real)).toThrow(AssetPathError);
    expect(() => resolveAsset('escape.png', real)).toThrow(/outside/);
    expect(() => resolveAsset('a\0b', real)).toThrow(/not a file path/);
    expect(resolveAssetRoots(['does-not-exist'], project)).toEqual([]);
  });

  it("a graph's assetRoots cannot widen the deployment's roots: the node fails at /assetRoots and reads nothing outside", async () => {
    for (const wider of ['/', project, join(roots, '..'), join(roots, 'escape.png')]) {
      const { result, clips } = await render([prompt(0, { images: [{ path: join(project, 'secret.png'), line: 3 }] })], { assetRoots: [wider] });
      expect(result.status).toBe('failed');
      expect(clips).toEqual([]);
      const error = result.nodes[0]?.error;
      expect(error?.message).toMatch(/asset root ".*" is outside the deployment's asset roots .*a graph may only narrow them/);
      expect(error?.location).toMatchObject({ nodeId: 'stills', param: '/assetRoots' });
    }
  });

  it("a graph's assetRoots may narrow the deployment's roots", async () => {
    await withDeploymentAssetRoots([project], async () => {
      // The deployment allows the whole project; this graph only its stills folder.
      const narrowed = { assetRoots: [join(roots, 'stills')] };
      const inside = await render([prompt(0, { images: [{ path: '01.png' }] })], narrowed);
      expect(inside.result.status).toBe('done');
      expect(await streamInfo(await pathOf(inside.clips[0]!))).toMatchObject({ width: 1280, height: 720 });
      const outside = await render([prompt(0, { images: [{ path: join(project, 'secret.png') }] })], narrowed);
      expect(outside.result.nodes[0]?.error?.message).toMatch(/"\/.*secret.png" is outside the asset roots/);
      // Unset, the graph gets all of the deployment's roots.
      expect((await render([prompt(0, { images: [{ path: 'secret.png' }] })], { assetRoots: undefined })).result.status).toBe('done');
    });
  });
});

describe('Ken Burns geometry', () => {
  const frame = { width: 1920, height: 1080 };
  const bounds = { x: 0, y: 0, width: 1920, height: 1080 };
  it('reads movement words from the brief and alternates otherwise', () => {
    expect(moveFor('slow push in', 0)).toBe('push-in');
    expect(moveFor('the camera pulls back', 0)).toBe('pull-out');
    expect(moveFor('locked-off', 0)).toBe('static');
    expect([0, 1, 2, 3].map((shot) => moveFor(undefined, shot))).toEqual(['push-in', 'pan-right', 'pull-out', 'pan-left']);
  });
  it('never shows outside the picture and eases at both ends', () => {
    for (const move of ['push-in', 'pull-out', 'pan-left', 'pan-right', 'pan-up', 'pan-down'] as const) {
      for (let t = 0; t <= 1; t += 0.05) {
        const view = viewAt(move, t, frame, bounds, 1.2, { x: 0.9, y: 0.1 });
        expect(view.cx - frame.width / view.scale / 2).toBeGreaterThanOrEqual(-1e-9);
        expect(view.cx + frame.width / view.scale / 2).toBeLessThanOrEqual(frame.width + 1e-9);
        expect(view.cy - frame.height / view.scale / 2).toBeGreaterThanOrEqual(-1e-9);
      }
    }
    const start = viewAt('pan-right', 0, frame, bounds, 1.2);
    const early = viewAt('pan-right', 0.05, frame, bounds, 1.2);
    const middle = viewAt('pan-right', 0.5, frame, bounds, 1.2);
    const later = viewAt('pan-right', 0.55, frame, bounds, 1.2);
    expect(early.cx - start.cx).toBeLessThan((later.cx - middle.cx) / 5);
  });
});
