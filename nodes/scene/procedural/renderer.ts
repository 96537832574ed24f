/**
 * Drawing a scene's frames. Everything static is drawn once, into plane-sized
 * offscreen layers; a frame is those layers composited far to near, each
 * under its camera pose, with what moves drawn over them, then the
 * atmosphere's screen effects, the vignette and grain.
 */
import { createCanvas, type Canvas } from '@napi-rs/canvas';
import { createCamera, layerMatrix } from './camera.js';
import { createFinish } from './finish.js';
import { motifs } from './motifs/index.js';
import { buildPalette, css } from './palette.js';
import type { ScenePlan } from './plan.js';
import { createRandom } from './random.js';
import { createStage, type FrameTime, type Layer, type PlaneBox, type Size } from './stage.js';
import { airHazeOf, atmosphereEffects, atmosphereOf, weatherLayers } from './weather.js';

export interface RenderSetup {
  plan: ScenePlan;
  /** Size of the drawn frames. */
  frame: Size;
  fps: number;
  frameCount: number;
  /** 0–1. */
  grain: number;
  /** 0–1. */
  vignette: number;
}

/** A layer as composited: its image cropped to what it covers, placed at `x`, `y` of the plane. */
interface PreparedLayer extends Omit<Layer, 'image'> {
  image?: { canvas: Canvas; x: number; y: number };
}

/**
 * Compositing cost follows the area drawn, not what is visible in it, so
 * each layer image is cut to the box its opaque pixels cover (a rooftop
 * ledge is a strip, not a plane), and consecutive still images at one depth
 * are flattened into one — at any depths when the camera gives every depth
 * the same pose, as a blit costs about the same whatever is in it.
 */
function prepareLayers(layers: readonly Layer[], plane: Size, anyDepth: boolean): PreparedLayer[] {
  const merged: Layer[] = [];
  for (const layer of layers) {
    const previous = merged.at(-1);
    if (previous?.image && layer.image && (anyDepth || previous.depth === layer.depth) && !previous.animate && !previous.opacity && !layer.opacity) {
      previous.image.getContext('2d').drawImage(layer.image, 0, 0);
      merged[merged.length - 1] = { ...layer, image: previous.image };
    } else merged.push({ ...layer });
  }
  return merged.flatMap((layer): PreparedLayer[] => {
    if (!layer.image) return [layer as PreparedLayer];
    const box = contentBox(layer.image, plane);
    if (!box) return layer.animate ? [{ ...layer, image: undefined }] : [];
    const canvas = createCanvas(box.width, box.height);
    canvas.getContext('2d').drawImage(layer.image, -box.x, -box.y);
    return [{ ...layer, image: { canvas, x: box.x, y: box.y } }];
  });
}

/** The smallest box holding every non-transparent pixel, or undefined for an empty image. */
function contentBox(image: Canvas, plane: Size): { x: number; y: number; width: number; height: number } | undefined {
  const alpha = image.getContext('2d').getImageData(0, 0, plane.width, plane.height).data;
  let top = plane.height;
  let bottom = -1;
  let left = plane.width;
  let right = -1;
  for (let y = 0; y < plane.height; y++) {
    const row = y * plane.width * 4;
    let first = -1;
    for (let x = 0; x < plane.width; x++) {
      if (alpha[row + x * 4 + 3] !== 0) {
        first = x;
        break;
      }
    }
    if (first === -1) continue;
    let last = first;
    for (let x = plane.width - 1; x > first; x--) {
      if (alpha[row + x * 4 + 3] !== 0) {
        last = x;
        break;
      }
    }
    top = Math.min(top, y);
    bottom = y;
    left = Math.min(left, first);
    right = Math.max(right, last);
  }
  return bottom < 0 ? undefined : { x: left, y: top, width: right - left + 1, height: bottom - top + 1 };
}

/** The plane's pixels the frame shows under `matrix` (plane → frame), widened by two pixels for antialiasing and filtering. */
function visibleBox([a, b, c, d, e, f]: readonly [number, number, number, number, number, number], frame: Size): PlaneBox {
  const det = a * d - b * c;
  let left = Infinity;
  let top = Infinity;
  let right = -Infinity;
  let bottom = -Infinity;
  for (const [X, Y] of [[0, 0], [frame.width, 0], [0, frame.height], [frame.width, frame.height]] as const) {
    const x = (d * (X - e) - c * (Y - f)) / det;
    const y = (a * (Y - f) - b * (X - e)) / det;
    left = Math.min(left, x);
    right = Math.max(right, x);
    top = Math.min(top, y);
    bottom = Math.max(bottom, y);
  }
  return { left: left - 2, top: top - 2, right: right + 2, bottom: bottom + 2 };
}

export interface SceneRenderer {
  /** Straight RGBA of frame `index`, every pixel opaque. */
  frame(index: number): Buffer;
}

export function createSceneRenderer(setup: RenderSetup): SceneRenderer {
  const { plan, frame, fps, frameCount } = setup;
  const motif = motifs[plan.motif];
  const atmosphere = atmosphereOf(plan.weather, [...plan.lightingWords, ...plan.moodWords]);
  const palette = buildPalette({
    time: plan.time,
    lightingWords: plan.lightingWords,
    moodWords: plan.moodWords,
    defaultAccent: motif.accent,
    overcast: atmosphere.overcast,
    airHaze: airHazeOf(atmosphere),
  });
  const stage = createStage(frame, { palette, atmosphere, random: createRandom(plan.seed).fork(plan.motif), seed: plan.seed, outdoor: motif.outdoor });
  const camera = createCamera({ move: plan.camera, strength: plan.cameraStrength, seed: plan.seed }, frame);
  // Stable sort: among equal depths, the motif's own order holds.
  const layers = prepareLayers(
    [...motif.build(stage), ...weatherLayers(stage)].sort((a, b) => a.depth - b.depth),
    stage.plane,
    camera.sameAtEveryDepth,
  );
  const effects = atmosphereEffects(stage, frameCount / fps);
  const finish = createFinish({ frame, unit: stage.unit, seed: plan.seed, grain: setup.grain, vignette: setup.vignette });
  const canvas = createCanvas(frame.width, frame.height);
  const g = canvas.getContext('2d');
  const base = css(palette.sky.top);

  return {
    frame(index) {
      const time: FrameTime = { index, t: index / fps, progress: frameCount > 1 ? index / (frameCount - 1) : 0 };
      g.setTransform(1, 0, 0, 1, 0, 0);
      g.globalAlpha = 1;
      g.globalCompositeOperation = 'source-over';
      // data() is premultiplied; with every pixel opaque, premultiplied and straight RGBA are the same bytes.
      g.fillStyle = base;
      g.fillRect(0, 0, frame.width, frame.height);
      for (const layer of layers) {
        const matrix = layerMatrix(camera.poseOf(layer.depth, time.t, time.progress), frame, stage.plane);
        g.setTransform(...matrix);
        if (layer.image) {
          const opacity = layer.opacity?.(time) ?? 1;
          if (opacity > 0) {
            g.globalAlpha = Math.min(1, opacity);
            g.drawImage(layer.image.canvas, layer.image.x, layer.image.y);
            g.globalAlpha = 1;
          }
        }
        layer.animate?.(g, time, visibleBox(matrix, frame));
      }
      g.setTransform(1, 0, 0, 1, 0, 0);
      for (const effect of effects) effect(g, time);
      finish(g, time);
      return canvas.data();
    },
  };
}
