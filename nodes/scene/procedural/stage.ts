/**
 * What motifs and weather build on: the stage (frame, plane, palette,
 * atmosphere, randomness) and the layers they return. A layer is a picture
 * drawn once into an offscreen canvas plus, optionally, what moves on it,
 * drawn every frame in the same coordinates (the plane's), so the camera
 * carries both alike.
 */
import { createCanvas, type Canvas, type SKRSContext2D } from '../../video/canvas.js';
import { OVERSCAN } from './camera.js';
import type { Palette } from './palette.js';
import type { Random } from './random.js';

/** The weather and light a scene's layers draw in (weather.ts derives it from the brief). */
export interface Atmosphere {
  rain: number;
  snow: number;
  fog: number;
  dust: number;
  /** Slants rain, drives snow and dust sideways. */
  wind: number;
  lightning: number;
  /** Cloud cover (also set by rain and snow). */
  overcast: number;
  /** Failing lights: neon and lamps stutter, the whole picture dips. */
  flicker: number;
}

export interface Size {
  width: number;
  height: number;
}

/** A frame's place in time. Nothing drawn depends on the clip's length (see camera.ts). */
export interface FrameTime {
  index: number;
  /** Seconds from the start of the clip. */
  t: number;
  /** The shot the frame is in (a scene with fast cuts changes shot at fixed times); 0 or absent for one continuous shot. */
  shot?: number;
}

/** A rectangle of the plane, in its pixels. */
export interface PlaneBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface Layer {
  /** 0: at infinity (the sky); 1: the nearest plane. Layers are drawn far to near. */
  depth: number;
  /** Drawn once, reused every frame: plane-sized. */
  image?: Canvas;
  /** Opacity of `image` at a frame (flickering neon); 1 when absent. */
  opacity?(time: FrameTime): number;
  /**
   * What moves, drawn over `image` in plane coordinates. `visible` is the
   * part of the plane the frame shows under this frame's camera (with a
   * pixel or two to spare): what lies wholly outside it need not be drawn.
   */
  animate?(g: SKRSContext2D, time: FrameTime, visible: PlaneBox): void;
}

export interface Stage {
  /** The drawn frame (the output picture, or smaller when rendering at a reduced scale). */
  frame: Size;
  /** A layer's extent: the frame plus `OVERSCAN` on every side. */
  plane: Size;
  /** The frame's rectangle inside the plane when the camera is at rest. */
  view: { x: number; y: number; width: number; height: number };
  /** Pixels per "1080p pixel": sizes are written for a 1080-pixel short side and multiplied by this. */
  unit: number;
  palette: Palette;
  atmosphere: Atmosphere;
  random: Random;
  seed: number;
  /** Whether the motif is outdoors (rain and snow fall only there). */
  outdoor: boolean;
}

export function createStage(frame: Size, fields: Omit<Stage, 'frame' | 'plane' | 'view' | 'unit'>): Stage {
  const plane = { width: Math.ceil(frame.width * (1 + 2 * OVERSCAN)), height: Math.ceil(frame.height * (1 + 2 * OVERSCAN)) };
  const view = { x: (plane.width - frame.width) / 2, y: (plane.height - frame.height) / 2, width: frame.width, height: frame.height };
  return { frame, plane, view, unit: Math.min(frame.width, frame.height) / 1080, ...fields };
}

/** A fresh transparent plane-sized canvas for a layer. */
export function planeCanvas(stage: Stage): { canvas: Canvas; g: SKRSContext2D } {
  const canvas = createCanvas(stage.plane.width, stage.plane.height);
  return { canvas, g: canvas.getContext('2d') };
}

/**
 * How many 1080p landscape frames of area the plane holds, counted in 1080p
 * pixels: multiply a per-frame count of stars or raindrops by this, so a
 * small render shows as many as a big one.
 */
export const framesOfArea = (stage: Stage): number => (stage.plane.width * stage.plane.height) / (stage.unit * stage.unit * 1920 * 1080);

/** Plane y of a fraction of the frame's height at rest (0: top of the frame, 1: bottom). */
export const frameY = (stage: Stage, fraction: number): number => stage.view.y + fraction * stage.view.height;
export const frameX = (stage: Stage, fraction: number): number => stage.view.x + fraction * stage.view.width;
