/**
 * The lens and film over every frame: a vignette and grain, pre-composed
 * into a few frame-sized overlays so a frame pays for one blit. Each frame
 * shows a different overlay at a different offset, so the grain moves like
 * film while a locked-off picture stays still underneath; shifting the
 * vignette by a few pixels is invisible.
 */
import { createCanvas, type Canvas, type SKRSContext2D } from '../../video/canvas.js';
import { createRandom, unitOf } from './random.js';
import type { FrameTime, Size } from './stage.js';

const VARIANTS = 4;
/** Largest offset of an overlay, in 1080p pixels. */
const SHIFT = 24;
const GRAIN_TILE = 384;

export interface FinishOptions {
  frame: Size;
  unit: number;
  seed: number;
  /** 0–1. */
  grain: number;
  /** 0–1. */
  vignette: number;
}

/** Grain in a square tile, repeated across the overlay: generating a whole frame of noise per variant costs more than it shows. */
function grainTile(options: FinishOptions, seed: number): Canvas {
  const size = GRAIN_TILE;
  const canvas = createCanvas(size, size);
  const g = canvas.getContext('2d');
  const random = createRandom(seed);
  const image = g.createImageData(size, size);
  const strength = options.grain * 0.22 * 255;
  for (let i = 0; i < image.data.length; i += 4) {
    // Sum of three uniforms: roughly Gaussian, like silver grain; light and dark specks alike.
    const value = random.next() + random.next() + random.next() - 1.5;
    const level = value > 0 ? 255 : 0;
    image.data[i] = level;
    image.data[i + 1] = level;
    image.data[i + 2] = level;
    image.data[i + 3] = Math.min(255, Math.abs(value) * strength);
  }
  g.putImageData(image, 0, 0);
  return canvas;
}

function overlay(size: Size, frame: Size, options: FinishOptions, seed: number): Canvas {
  const canvas = createCanvas(size.width, size.height);
  const g = canvas.getContext('2d');
  if (options.grain > 0) {
    const pattern = g.createPattern(grainTile(options, seed), 'repeat');
    if (pattern) {
      g.fillStyle = pattern;
      g.fillRect(0, 0, size.width, size.height);
    }
  }
  if (options.vignette > 0) {
    const cx = size.width / 2;
    const cy = size.height / 2;
    const radius = Math.hypot(frame.width, frame.height) / 2;
    const gradient = g.createRadialGradient(cx, cy, radius * 0.45, cx, cy, radius);
    gradient.addColorStop(0, 'rgba(0,0,0,0)');
    gradient.addColorStop(0.6, `rgba(0,0,0,${(options.vignette * 0.35).toFixed(3)})`);
    gradient.addColorStop(1, `rgba(0,0,0,${(options.vignette * 0.8).toFixed(3)})`);
    g.fillStyle = gradient;
    g.fillRect(0, 0, size.width, size.height);
  }
  return canvas;
}

export function createFinish(options: FinishOptions): (g: SKRSContext2D, time: FrameTime) => void {
  if (options.grain <= 0 && options.vignette <= 0) return () => undefined;
  const { frame, seed } = options;
  const shift = options.grain > 0 ? Math.round(SHIFT * options.unit) : 0;
  const size = { width: frame.width + shift, height: frame.height + shift };
  const overlays = Array.from({ length: options.grain > 0 ? VARIANTS : 1 }, (_, i) => overlay(size, frame, options, createRandom(seed).fork(`grain-${i}`).int(0, 0x7fffffff)));
  return (g, { index }) => {
    const chosen = overlays[Math.floor(unitOf(seed, 'grain', index) * overlays.length)]!;
    const ox = Math.floor(unitOf(seed, 'grain-x', index) * shift);
    const oy = Math.floor(unitOf(seed, 'grain-y', index) * shift);
    g.drawImage(chosen, -ox, -oy);
  };
}
