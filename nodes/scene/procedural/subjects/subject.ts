/**
 * What subjects share: how big the shot size makes them, and what a built
 * subject hands the renderer (its layers, its depth for the focus, and where
 * it sits in the frame for cuts to frame it).
 */
import type { Canvas, SKRSContext2D } from '../../../video/canvas.js';
import { drawGlow, glowSprite } from '../motifs/paint.js';
import { mix } from '../palette.js';
import { wobble } from '../random.js';
import type { FrameTime, Layer, Stage } from '../stage.js';
import type { ChartPlot, PropName, ShotSize, SubjectKind, TimerReadout } from './reading.js';

export interface SubjectSetup {
  kind: SubjectKind;
  prop?: PropName;
  count: number;
  shot: ShotSize;
  readout?: TimerReadout;
  plot?: ChartPlot;
  onlooker?: boolean;
}

export interface BuiltSubject {
  layers: Layer[];
  /** The light it casts on what is behind it, painted once onto the setting (see `lightBackdrop`). */
  glow?: (backdrop: SKRSContext2D) => void;
  /** The depth its layers are drawn at: what a shallow focus keeps sharp. */
  depth: number;
  /** Its centre of interest, as fractions of the frame at rest. */
  focus: { x: number; y: number };
}

/** Subjects stand in front of every motif layer (the nearest are at 0.95) and behind near rain. */
export const SUBJECT_DEPTH = 0.97;

/** A length in frame pixels from a fraction of the frame's shorter side scaled for 16:9: wide frames and tall ones frame a subject alike. */
export function frameSpan(stage: Stage): number {
  return Math.min(stage.frame.width, (stage.frame.height * 16) / 9);
}

/** Whether a cut (`shot` ≥ 0) shows the subject: with fast cuts every third shot cuts away to the setting. */
export const shownIn = (shot: number | undefined, cutting: boolean): boolean => !cutting || (shot ?? 0) % 3 !== 2;

/**
 * An object's layer at the subject's depth: its still picture (if any) and
 * what moves on it, both left out of the shots that cut away to the setting.
 */
export function objectLayer(still: Canvas | undefined, cutting: boolean, animate: (g: SKRSContext2D, time: FrameTime) => void): Layer {
  return {
    depth: SUBJECT_DEPTH,
    ...(still ? { image: still, opacity: (time: FrameTime) => (shownIn(time.shot, cutting) ? 1 : 0) } : {}),
    animate(g, time) {
      if (shownIn(time.shot, cutting)) animate(g, time);
    },
  };
}

/** An object's width by shot size, as a share of `frameSpan`. */
const OBJECT_WIDTH: Readonly<Record<ShotSize, number>> = { wide: 0.3, medium: 0.48, 'close-up': 0.8, 'extreme close-up': 1.3 };

/** An object's box in plane pixels: centred in the frame at rest, `aspect` high for its width, sized by the shot. */
export function objectBox(stage: Stage, shot: ShotSize, aspect: number): { x: number; y: number; width: number; height: number } {
  // A tall frame (9:16) gives an object more of its width: there is room above and below.
  const portrait = stage.frame.height > stage.frame.width;
  let width = OBJECT_WIDTH[shot] * frameSpan(stage) * (portrait ? 1.15 : 1);
  // A tall frame (9:16) still fits the object's height.
  width = Math.min(width, (stage.frame.height * (shot === 'extreme close-up' ? 1.4 : 0.86)) / aspect);
  const height = width * aspect;
  const cy = stage.view.y + stage.view.height * (shot === 'wide' || shot === 'medium' ? 0.46 : 0.5);
  return { x: stage.view.x + (stage.view.width - width) / 2, y: cy - height / 2, width, height };
}

export function roundedRect(g: SKRSContext2D, x: number, y: number, width: number, height: number, radius: number): void {
  const r = Math.min(radius, width / 2, height / 2);
  g.beginPath();
  g.moveTo(x + r, y);
  g.arcTo(x + width, y, x + width, y + height, r);
  g.arcTo(x + width, y + height, x, y + height, r);
  g.arcTo(x, y + height, x, y, r);
  g.arcTo(x, y, x + width, y, r);
  g.closePath();
}

/**
 * A flashlight held out of frame, sweeping across an object: a warm spot
 * drifting over `box` ("Kael's flashlight sweeps across a monitor").
 */
export function sweepingSpot(stage: Stage, box: { x: number; y: number; width: number; height: number }): (g: SKRSContext2D, t: number) => void {
  const light = mix(stage.palette.accent, [255, 246, 220], 0.8);
  const sprite = glowSprite(light);
  const across = wobble(stage.seed, 'spot-x', 0.12);
  const down = wobble(stage.seed, 'spot-y', 0.09);
  return (g, t) => {
    g.globalCompositeOperation = 'lighter';
    drawGlow(g, sprite, box.x + box.width * (0.5 + 0.55 * across(t)), box.y + box.height * (0.5 + 0.45 * down(t)), box.width * 0.3, 0.6);
    g.globalCompositeOperation = 'source-over';
  };
}
