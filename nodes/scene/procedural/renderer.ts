/**
 * Drawing a scene's frames. Everything static is drawn once, into plane-sized
 * offscreen layers; a frame is those layers composited far to near, each
 * under its camera pose, with what moves drawn over them, then the
 * atmosphere's screen effects, the vignette and grain.
 */
import { createCanvas, type Canvas, type SKRSContext2D } from '../../video/canvas.js';
import { createCamera, layerMatrix, type Camera } from './camera.js';
import { createFinish } from './finish.js';
import { motifs } from './motifs/index.js';
import { buildPalette, css } from './palette.js';
import type { ScenePlan } from './plan.js';
import { createRandom } from './random.js';
import { createStage, type FrameTime, type Layer, type PlaneBox, type Size } from './stage.js';
import { buildSubject, createShots, defocus, framed, paintBackdrop, paintBokeh } from './subjects/index.js';
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
  /** How the layers reach the frame (see `Compositing`); unset, the cheaper for this camera. */
  compositing?: Compositing;
}

/**
 * 'per layer': each layer drawn into the frame under its own pose. 'on the
 * plane': with one pose for every depth, the layers laid together on the
 * plane at whole pixels and the stack drawn into the frame once. The two
 * differ only in how the final resampling rounds.
 */
export type Compositing = 'per layer' | 'on the plane';

/**
 * Whole-pixel layering on the plane pays off only when the shared pose rolls:
 * a rotated draw costs the canvas several times an unrotated one (the
 * heavy-rain street, handheld, nine layers: 22.5 ms a frame per layer,
 * 13.5–15.8 on the plane; four handheld motifs in all gained 1–6 ms), while an
 * unrotated zoom or a locked-off shot gained nothing or lost up to 3 ms, and
 * a single layer has nothing to lay together.
 */
function chooseCompositing(camera: Camera, layers: readonly PreparedLayer[]): Compositing {
  return camera.sameAtEveryDepth && camera.rolls && layers.length >= 2 ? 'on the plane' : 'per layer';
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

/** Rows or columns read at a time when looking for a layer's edges. */
const EDGE_STRIP = 32;

/**
 * The smallest box holding every non-transparent pixel, or undefined for an
 * empty image. Each edge is found by reading strips inward from it until one
 * holds a pixel, so what is read is the empty margin and a strip a side, not
 * the plane (a 1080p plane read whole is several megabytes of fresh memory per layer).
 */
function contentBox(image: Canvas, plane: Size): { x: number; y: number; width: number; height: number } | undefined {
  const g = image.getContext('2d');
  /** Within the rect, the first (or last) row, or column, holding a non-transparent pixel, as an offset into the rect; -1 when none. */
  const edgeIn = (x: number, y: number, width: number, height: number, along: 'rows' | 'columns', fromEnd: boolean): number => {
    const alpha = g.getImageData(x, y, width, height).data;
    const lines = along === 'rows' ? height : width;
    const span = along === 'rows' ? width : height;
    for (let n = 0; n < lines; n++) {
      const line = fromEnd ? lines - 1 - n : n;
      for (let k = 0; k < span; k++) {
        const offset = along === 'rows' ? line * width + k : k * width + line;
        if (alpha[offset * 4 + 3] !== 0) return line;
      }
    }
    return -1;
  };
  const { width, height } = plane;
  let top = -1;
  for (let y = 0; y < height && top < 0; y += EDGE_STRIP) {
    const found = edgeIn(0, y, width, Math.min(EDGE_STRIP, height - y), 'rows', false);
    if (found >= 0) top = y + found;
  }
  if (top < 0) return undefined;
  let bottom = top;
  for (let end = height; end > top; end -= EDGE_STRIP) {
    const start = Math.max(top, end - EDGE_STRIP);
    const found = edgeIn(0, start, width, end - start, 'rows', true);
    if (found >= 0) {
      bottom = start + found;
      break;
    }
  }
  const rows = bottom - top + 1;
  let left = 0;
  for (let x = 0; x < width; x += EDGE_STRIP) {
    const found = edgeIn(x, top, Math.min(EDGE_STRIP, width - x), rows, 'columns', false);
    if (found >= 0) {
      left = x + found;
      break;
    }
  }
  let right = left;
  for (let end = width; end > left; end -= EDGE_STRIP) {
    const start = Math.max(left, end - EDGE_STRIP);
    const found = edgeIn(start, top, end - start, rows, 'columns', true);
    if (found >= 0) {
      right = start + found;
      break;
    }
  }
  return { x: left, y: top, width: right - left + 1, height: rows };
}

/** A plane → frame transform, as `setTransform` takes it. */
type PlaneMatrix = ReturnType<typeof layerMatrix>;

/** The plane's pixels the frame shows under `matrix` (plane → frame), widened by two pixels for antialiasing and filtering. */
function visibleBox([a, b, c, d, e, f]: PlaneMatrix, frame: Size): PlaneBox {
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
  readonly compositing: Compositing;
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
  const cutting = plan.cutSeconds !== undefined;
  const subject = plan.subject ? buildSubject(stage, { ...plan.subject, shot: plan.shot }, cutting) : undefined;
  const focusDepth = subject?.depth ?? 0.9;
  let setting = [...motif.build(stage), ...weatherLayers(stage)];
  if (plan.focus === 'shallow') setting = defocus(setting, stage, focusDepth);
  setting = paintBackdrop(setting, stage, focusDepth, [
    ...(plan.focus === 'shallow' ? [(g: SKRSContext2D) => paintBokeh(stage, g)] : []),
    ...(subject?.glow ? [subject.glow] : []),
  ]);
  // Stable sort: among equal depths, the motif's own order holds, then the subject's.
  const layers = prepareLayers(
    [...setting, ...(subject?.layers ?? [])].sort((a, b) => a.depth - b.depth),
    stage.plane,
    camera.sameAtEveryDepth,
  );
  // A close-up of a setting with nothing to bring near is the setting framed tighter.
  const settingZoom = subject ? 1 : plan.shot === 'extreme close-up' ? 1.8 : plan.shot === 'close-up' ? 1.4 : 1;
  const shotAt = createShots({ seed: plan.seed, cutSeconds: plan.cutSeconds, zoom: settingZoom, focus: subject?.focus ?? { x: 0.5, y: 0.5 }, frame });
  const effects = atmosphereEffects(stage, frameCount / fps);
  const finish = createFinish({ frame, unit: stage.unit, seed: plan.seed, grain: setup.grain, vignette: setup.vignette });
  const canvas = createCanvas(frame.width, frame.height);
  const g = canvas.getContext('2d');
  const base = css(palette.sky.top);
  const compositing = setup.compositing ?? chooseCompositing(camera, layers);
  const plane = compositing === 'on the plane' ? createCanvas(stage.plane.width, stage.plane.height) : undefined;

  /** One layer into `target`, whose transform already places the plane. */
  const drawLayer = (target: SKRSContext2D, layer: PreparedLayer, time: FrameTime, visible: PlaneBox): void => {
    if (layer.image) {
      const opacity = layer.opacity?.(time) ?? 1;
      if (opacity > 0) {
        target.globalAlpha = Math.min(1, opacity);
        target.drawImage(layer.image.canvas, layer.image.x, layer.image.y);
        target.globalAlpha = 1;
      }
    }
    layer.animate?.(target, time, visible);
  };

  /** The stack laid on the plane where the frame sees it (over the sky's colour, as in the frame), then drawn in once. */
  const drawPlane = (planeCanvas: Canvas, time: FrameTime, matrix: PlaneMatrix): void => {
    const visible = visibleBox(matrix, frame);
    const left = Math.max(0, Math.floor(visible.left));
    const top = Math.max(0, Math.floor(visible.top));
    const width = Math.min(stage.plane.width, Math.ceil(visible.right)) - left;
    const height = Math.min(stage.plane.height, Math.ceil(visible.bottom)) - top;
    if (width <= 0 || height <= 0) return;
    const p = planeCanvas.getContext('2d');
    p.setTransform(1, 0, 0, 1, 0, 0);
    p.globalAlpha = 1;
    p.globalCompositeOperation = 'source-over';
    p.fillStyle = base;
    p.fillRect(left, top, width, height);
    for (const layer of layers) drawLayer(p, layer, time, visible);
    g.setTransform(...matrix);
    g.drawImage(planeCanvas, left, top, width, height, left, top, width, height);
  };

  return {
    compositing,
    frame(index) {
      const t = index / fps;
      const shot = shotAt(t);
      const time: FrameTime = { index, t, shot: shot.index };
      g.setTransform(1, 0, 0, 1, 0, 0);
      g.globalAlpha = 1;
      g.globalCompositeOperation = 'source-over';
      // data() is premultiplied; with every pixel opaque, premultiplied and straight RGBA are the same bytes.
      g.fillStyle = base;
      g.fillRect(0, 0, frame.width, frame.height);
      if (plane) drawPlane(plane, time, framed(shot, layerMatrix(camera.poseOf(0, shot.cameraT), frame, stage.plane)));
      else {
        for (const layer of layers) {
          const matrix = framed(shot, layerMatrix(camera.poseOf(layer.depth, shot.cameraT), frame, stage.plane));
          g.setTransform(...matrix);
          drawLayer(g, layer, time, visibleBox(matrix, frame));
        }
      }
      g.setTransform(1, 0, 0, 1, 0, 0);
      for (const effect of effects) effect(g, time);
      finish(g, time);
      return canvas.data();
    },
  };
}
