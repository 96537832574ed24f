/**
 * The canvas library, loaded the one way nodes load it: after its
 * allocator's settings (canvas-allocator.ts). Node code imports canvases from
 * here, never from `@napi-rs/canvas` (lint enforces it), so no import order
 * can load the library first.
 */
import './canvas-allocator.js';

export { createCanvas, GlobalFonts, loadImage } from '@napi-rs/canvas';
export type { Canvas, Image, SKRSContext2D } from '@napi-rs/canvas';
