import { readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { createCanvas, loadImage, type Canvas, type Image, type SKRSContext2D } from '../video/canvas.js';
import { defineNode, nodeParams, PermanentError, Type, type ScenePrompt, type Static } from '../../runtime/contract/index.js';
import { assetRootsParamSchema, digestAssetFiles, listAssetFolder, permittedAssetRoots, resolveAsset } from '../assets/asset-roots.js';
import { storeClip } from '../video/clip.js';
import { encodeFrames } from '../video/frame-encoder.js';
import { formatParams, frameCountOf, resolveFormat, type VideoFormat } from '../video/profiles.js';
import { fitRect, kenBurnsMoves, moveFor, viewAt, type KenBurnsMove, type Rect } from './image/ken-burns.js';
import { promptForTake } from './seed.js';

const params = nodeParams({
  ...formatParams,
  folder: Type.Optional(Type.String({ title: 'Asset folder', description: 'Stills for scenes without their own image: `03.jpg` or `scene-3.png` for scene 3, else in order.' })),
  /** Narrows the deployment's asset roots; unset: all of them. */
  assetRoots: Type.Optional(Type.Unsafe<string[]>(assetRootsParamSchema)),
  fit: Type.Unsafe<'cover' | 'contain'>({ type: 'string', title: 'Fit', enum: ['cover', 'contain'], default: 'cover', description: 'cover fills the frame (crops); contain shows the whole still.' }),
  background: Type.String({ title: 'Background (contain)', pattern: '^(blur|#[0-9a-fA-F]{6})$', default: 'blur', description: '`blur`: a blurred copy of the still; or a colour such as #000000.' }),
  motion: Type.Unsafe<'auto' | KenBurnsMove>({ type: 'string', title: 'Motion', enum: ['auto', ...kenBurnsMoves], default: 'auto', description: 'auto: from the brief’s camera movement, else alternating moves.' }),
  zoom: Type.Number({ title: 'Zoom', minimum: 1, maximum: 2, default: 1.12, description: 'How far a push-in or pull-out travels (1.12 = 12 %).' }),
  crossfade: Type.Number({ title: 'Crossfade (s)', minimum: 0, maximum: 5, default: 0.6, description: 'Between stills of one scene.' }),
});
type Params = Static<typeof params>;

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.gif', '.bmp', '.avif']);
/** Stills larger than this many pixels are refused before decoding (a decompression bomb is a few KiB of PNG). */
const MAX_PIXELS = 100_000_000;

const slug = (text: string): string => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

/**
 * Which stills a scene shows: the script's own `![…](path)` first; else, in
 * the asset folder, a file named after the scene (`03.jpg`, `scene-3.png`,
 * its id or title slug); else the folder's stills in order, one per scene.
 */
function stillsFor(prompt: ScenePrompt, params: Params): string[] {
  const roots = permittedAssetRoots(params.assetRoots);
  if (prompt.images && prompt.images.length > 0) {
    return prompt.images.map((image) => resolveAsset(image.path, roots, { ...(image.line ? { line: image.line } : {}), param: '/assetRoots' }));
  }
  if (!params.folder) {
    throw new PermanentError(`scene "${prompt.title ?? prompt.sceneId}" has no still: add ![description](path) to the scene or set the asset folder`, { location: { param: '/folder' } });
  }
  const files = listAssetFolder(params.folder, roots, IMAGE_EXTENSIONS, { param: '/folder' });
  if (files.length === 0) throw new PermanentError(`asset folder "${params.folder}" has no stills (${[...IMAGE_EXTENSIONS].join(' ')})`, { location: { param: '/folder' } });
  const index = prompt.index ?? 0;
  const number = String(index + 1);
  const names = new Set([number, number.padStart(2, '0'), number.padStart(3, '0'), `scene-${number}`, `scene${number}`, `scene-${number.padStart(2, '0')}`, prompt.sceneId.toLowerCase(), ...(prompt.title ? [slug(prompt.title)] : [])]);
  const named = files.find((file) => names.has(basename(file, extname(file)).toLowerCase()));
  return [named ?? files[index % files.length]!];
}

interface Shot {
  image: Image;
  placed: Rect;
  bounds: Rect;
  move: KenBurnsMove;
  focus: { x: number; y: number };
  /** Seconds on the clip's timeline, crossfades included. */
  start: number;
  end: number;
  backdrop?: Canvas;
}

async function decode(file: string): Promise<Image> {
  const bytes = await readFile(file);
  try {
    const image = await loadImage(bytes);
    if (image.width * image.height > MAX_PIXELS) throw new PermanentError(`${image.width}×${image.height} is larger than ${MAX_PIXELS / 1e6} megapixels`);
    if (image.width < 1 || image.height < 1) throw new PermanentError('the picture is empty');
    return image;
  } catch (cause) {
    throw new PermanentError(`"${basename(file)}" is not a still this node can read (png, jpeg, webp, gif, bmp, avif): ${(cause as Error).message}`, { cause, location: { file } });
  }
}

/** A blurred, darkened cover copy behind a `contain` still, as editors fill 9:16 from 16:9 material. */
function blurredBackdrop(image: Image, format: VideoFormat): Canvas {
  // Blurring a small copy and scaling it up looks the same and costs a fraction.
  const small = createCanvas(Math.ceil(format.width / 8), Math.ceil(format.height / 8));
  const context = small.getContext('2d');
  const cover = fitRect(image, small, 'cover');
  context.filter = 'blur(4px) brightness(0.55)';
  context.drawImage(image, cover.x, cover.y, cover.width, cover.height);
  return small;
}

function planShots(images: Image[], prompt: ScenePrompt, params: Params, format: VideoFormat, duration: number): Shot[] {
  const each = duration / images.length;
  const overlap = images.length > 1 ? Math.min(params.crossfade, each / 2) : 0;
  const seed = prompt.seed ?? 0;
  return images.map((image, shot) => {
    const placed = fitRect(image, format, params.fit);
    const bounds = params.fit === 'cover' ? placed : { x: 0, y: 0, width: format.width, height: format.height };
    // A push-in heads for a point near the centre: thirds, picked by the seed so re-renders agree.
    const focus = { x: 0.5 + (((seed >> (shot * 2)) & 3) - 1.5) / 9, y: 0.45 + (((seed >> (shot * 2 + 8)) & 1) - 0.5) / 9 };
    return {
      image,
      placed,
      bounds,
      move: params.motion === 'auto' ? moveFor(prompt.camera?.movement, (prompt.index ?? 0) + shot) : params.motion,
      focus,
      start: Math.max(0, shot * each - overlap / 2),
      end: Math.min(duration, (shot + 1) * each + overlap / 2),
      ...(params.fit === 'contain' && params.background === 'blur' ? { backdrop: blurredBackdrop(image, format) } : {}),
    };
  });
}

function drawShot(context: SKRSContext2D, shot: Shot, time: number, params: Params, format: VideoFormat): void {
  const t = (time - shot.start) / (shot.end - shot.start);
  const view = viewAt(shot.move, t, format, shot.bounds, params.zoom, shot.focus);
  context.setTransform(view.scale, 0, 0, view.scale, format.width / 2 - view.scale * view.cx, format.height / 2 - view.scale * view.cy);
  if (params.fit === 'contain') {
    if (shot.backdrop) context.drawImage(shot.backdrop, 0, 0, format.width, format.height);
    else {
      context.fillStyle = params.background;
      context.fillRect(0, 0, format.width, format.height);
    }
  }
  context.drawImage(shot.image, shot.placed.x, shot.placed.y, shot.placed.width, shot.placed.height);
}

export default defineNode({
  type: 'scene.image',
  version: 1,
  title: 'Stills (Ken Burns)',
  category: 'scene',
  description: 'Turns stills — the script’s own images or an asset folder — into moving scene clips with Ken Burns motion, fitted to the render profile.',
  inputs: [{ name: 'prompts', type: 'ScenePrompt', list: true, title: 'Scene prompts' }],
  outputs: [{ name: 'clips', type: 'VideoClip', list: true, title: 'Clips', description: 'One per scene, exactly the scene’s duration.' }],
  mapOver: 'prompts',
  params,
  resource: 'cpu',
  cacheable: true,
  // The picture depends on the stills' bytes, not only their names: replacing a file re-renders.
  cacheKeyInputs(inputs, params) {
    const prompt = inputs.prompts as ScenePrompt;
    let stills: unknown;
    try {
      stills = digestAssetFiles(stillsFor(prompt, params));
    } catch (error) {
      stills = { unresolved: (error as Error).message };
    }
    return { prompt: { ...prompt, prompt: undefined }, params, stills };
  },
  async execute(ctx) {
    const prompt = promptForTake(ctx.inputs.prompts as ScenePrompt, ctx.item?.take);
    const { params } = ctx;
    const format = resolveFormat(params);
    const files = stillsFor(prompt, params);
    const images = await Promise.all(files.map(decode));
    const frameCount = frameCountOf(prompt.duration, format.fps);
    const duration = frameCount / format.fps;
    const shots = planShots(images, prompt, params, format, duration);
    const canvas = createCanvas(format.width, format.height);
    const context = canvas.getContext('2d');
    context.imageSmoothingQuality = 'high';
    const output = join(await ctx.tempDir(), `${prompt.sceneId}.mp4`);
    await encodeFrames({
      format,
      frameCount,
      codec: 'h264',
      output,
      signal: ctx.signal,
      renderFrame(index) {
        const time = index / format.fps;
        context.setTransform(1, 0, 0, 1, 0, 0);
        context.globalAlpha = 1;
        context.fillStyle = '#000000';
        context.fillRect(0, 0, format.width, format.height);
        for (const shot of shots) {
          if (time < shot.start || time > shot.end) continue;
          const fadeIn = shot.start > 0 ? Math.min(1, (time - shot.start) / params.crossfade) : 1;
          context.globalAlpha = fadeIn;
          drawShot(context, shot, time, params, format);
        }
        return canvas.data();
      },
      onProgress: (fraction) => ctx.progress(fraction),
    });
    return { clips: await storeClip(ctx.artifacts, output, { format, duration, codec: 'h264', name: `${prompt.sceneId}.mp4`, sceneId: prompt.sceneId, provider: 'image' }) };
  },
});
