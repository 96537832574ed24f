/**
 * Framing over time: the shot a frame belongs to, and the zoom that frames
 * it. Without fast cuts a scene is one shot, framed tighter only when the
 * brief asks for a close-up of a setting with no subject to bring near.
 * With them a new shot starts every `cutSeconds` of absolute time — never of
 * the clip's length, so a frame stays a function of its time alone — each
 * with its own zoom on the subject and its own place along the camera's move.
 */
import { unitOf } from '../random.js';

export interface Shot {
  /** 0, 1, 2… from the start of the clip; subjects may vary by it. */
  index: number;
  /** ≥ 1, about (`cx`, `cy`) in frame pixels: zooming in about a point of the frame never uncovers its edge. */
  zoom: number;
  cx: number;
  cy: number;
  /** The time the camera move is read at. */
  cameraT: number;
}

export interface ShotSetup {
  seed: number;
  /** Seconds per shot; undefined for one continuous shot. */
  cutSeconds?: number;
  /** The zoom of the continuous shot. */
  zoom: number;
  /** Where the subject is, as fractions of the frame. */
  focus: { x: number; y: number };
  frame: { width: number; height: number };
}

/** The zooms cut between: as framed, tighter, tightest, a little tighter. */
const CUT_ZOOMS = [1, 1.35, 1.7, 1.15] as const;

export function createShots(setup: ShotSetup): (t: number) => Shot {
  const { frame, focus } = setup;
  const still: Shot = { index: 0, zoom: setup.zoom, cx: frame.width * focus.x, cy: frame.height * focus.y, cameraT: 0 };
  if (!setup.cutSeconds) return (t) => ({ ...still, cameraT: t });
  const every = setup.cutSeconds;
  return (t) => {
    const index = Math.max(0, Math.floor(t / every + 1e-9));
    if (index === 0) return { ...still, cameraT: t };
    const zoom = CUT_ZOOMS[index % CUT_ZOOMS.length] as number;
    const jx = (unitOf(setup.seed, 'cut-x', index) - 0.5) * 0.16;
    const jy = (unitOf(setup.seed, 'cut-y', index) - 0.5) * 0.16;
    const cx = frame.width * Math.min(1, Math.max(0, focus.x + jx));
    const cy = frame.height * Math.min(1, Math.max(0, focus.y + jy));
    // Each shot picks up the camera elsewhere along its move, so the cut shows.
    return { index, zoom: zoom * setup.zoom, cx, cy, cameraT: t + index * 2.3 };
  };
}

/** The shot's zoom applied after a layer's transform: the frame scaled by `zoom` about (`cx`, `cy`). */
export function framed(shot: Shot, m: readonly [number, number, number, number, number, number]): [number, number, number, number, number, number] {
  const z = shot.zoom;
  if (z === 1) return [...m];
  return [z * m[0], z * m[1], z * m[2], z * m[3], z * m[4] + shot.cx * (1 - z), z * m[5] + shot.cy * (1 - z)];
}
