/**
 * Camera moves as data. A scene is a stack of flat layers at depths from 0
 * (the sky, at infinity) to 1 (the nearest plane); a move says how far the
 * camera travels over the clip and how strongly each depth follows it, which
 * is what makes a dolly, a pan and an orbit look different (parallax).
 * Everything is a function of the frame's time, so any frame can be drawn
 * alone, and of nothing else: not of the scene's length, so a scene made
 * longer by an edit keeps every frame it had and appends the rest.
 */
import { wobble } from './random.js';

export interface CameraMove {
  /** Zoom at either end of the move (1: the layers exactly cover the frame). */
  zoom: readonly [number, number];
  /** Horizontal travel at depth 1, as a fraction of the frame width (positive: the picture moves left). */
  x: readonly [number, number];
  /** Vertical travel at depth 1, as a fraction of the frame height. */
  y: readonly [number, number];
  /** Roll in degrees. */
  roll?: readonly [number, number];
  /**
   * How much of the travel the farthest layer gets: 1 moves every depth
   * alike (no parallax), 0 keeps the sky still, below 0 moves it against the
   * foreground (an orbit around a subject in the middle distance).
   */
  travelAtInfinity: number;
  /** The same for zoom: 1 is a lens zoom, near 0 a dolly. */
  zoomAtInfinity: number;
  /** Handheld shake: amplitude as a fraction of the frame width, and degrees of roll. */
  shake?: { amplitude: number; roll: number };
}

export const cameraMoves = {
  static: { zoom: [1, 1], x: [0, 0], y: [0, 0], travelAtInfinity: 1, zoomAtInfinity: 1 },
  'push-in': { zoom: [1, 1.16], x: [0, 0], y: [0, 0], travelAtInfinity: 1, zoomAtInfinity: 0.2 },
  'pull-out': { zoom: [1.16, 1], x: [0, 0], y: [0, 0], travelAtInfinity: 1, zoomAtInfinity: 0.2 },
  dolly: { zoom: [1, 1.12], x: [0, 0], y: [0, 0], travelAtInfinity: 1, zoomAtInfinity: 0.1 },
  zoom: { zoom: [1, 1.22], x: [0, 0], y: [0, 0], travelAtInfinity: 1, zoomAtInfinity: 1 },
  pan: { zoom: [1.02, 1.02], x: [0.055, -0.055], y: [0, 0], travelAtInfinity: 0.45, zoomAtInfinity: 1 },
  tilt: { zoom: [1.02, 1.02], x: [0, 0], y: [0.06, -0.06], travelAtInfinity: 0.5, zoomAtInfinity: 1 },
  tracking: { zoom: [1.04, 1.04], x: [0.07, -0.07], y: [0, 0], travelAtInfinity: 0.05, zoomAtInfinity: 1 },
  crane: { zoom: [1.0, 1.07], x: [0, 0], y: [-0.06, 0.06], travelAtInfinity: 0.2, zoomAtInfinity: 0.3 },
  orbit: { zoom: [1.06, 1.06], x: [0.06, -0.06], y: [0, 0], roll: [-0.4, 0.4], travelAtInfinity: -0.6, zoomAtInfinity: 1 },
  handheld: { zoom: [1.03, 1.03], x: [0, 0], y: [0, 0], travelAtInfinity: 1, zoomAtInfinity: 1, shake: { amplitude: 0.0035, roll: 0.25 } },
} as const satisfies Record<string, CameraMove>;

export type CameraMoveName = keyof typeof cameraMoves;
export const cameraMoveNames = Object.keys(cameraMoves) as CameraMoveName[];

/** How much farther than the frame every layer extends on each side, as a fraction of the frame: room for travel, zoom-out and shake. */
export const OVERSCAN = 0.14;

export interface CameraSetup {
  move: CameraMoveName;
  /** Multiplies travel, zoom change and shake; 0 is a locked-off camera. */
  strength: number;
  seed: number;
}

/** Where one layer sits in the frame: a scale, an offset in frame pixels and a roll in radians. */
export interface LayerPose {
  scale: number;
  dx: number;
  dy: number;
  roll: number;
}

/**
 * Seconds the camera takes from one end of its move to the other. A longer
 * scene goes back again (a push-in breathes out, a pan sweeps back), so the
 * camera is seen to move at this pace however long the scene: a move
 * stretched over a whole 20 s scene crept at under a pixel a frame, and
 * freezedetect counted most of the demo as still.
 */
export const MOVE_SECONDS = 6;

/** The share of each leg spent easing out of and into a turn: short, so the camera is never seen to stop for long. */
const EASE = 0.1;

/** A leg from 0 to 1 at an even pace, eased (constant acceleration) over its first and last `EASE`. */
function leg(x: number): number {
  const norm = 2 * EASE * (1 - EASE);
  if (x < EASE) return (x * x) / norm;
  if (x > 1 - EASE) return 1 - ((1 - x) * (1 - x)) / norm;
  return (x - EASE / 2) / (1 - EASE);
}

/** Where along its move the camera is at `t` seconds: 0 at the start, 1 at the far end, back to 0 a leg later. */
export function moveAt(t: number): number {
  const legs = Math.max(0, t) / MOVE_SECONDS;
  const n = Math.floor(legs);
  const along = leg(legs - n);
  return n % 2 === 0 ? along : 1 - along;
}

const lerp = (range: readonly [number, number], p: number): number => range[0] + (range[1] - range[0]) * p;

export interface Camera {
  /** The pose of the layer at `depth` for the frame at `t` seconds. */
  poseOf(depth: number, t: number): LayerPose;
  /** Whether every depth gets the same pose at every frame (no parallax: a locked-off, handheld or lens-zoom shot). */
  readonly sameAtEveryDepth: boolean;
  /** Whether the pose ever rolls (a handheld shake, an orbit): a rotated draw is the canvas's costliest. */
  readonly rolls: boolean;
}

export function createCamera(setup: CameraSetup, frame: { width: number; height: number }): Camera {
  const move: CameraMove = cameraMoves[setup.move];
  const k = setup.strength;
  const shakeX = wobble(setup.seed, 'shake-x', 0.9);
  const shakeY = wobble(setup.seed, 'shake-y', 0.75);
  const shakeRoll = wobble(setup.seed, 'shake-roll', 0.6);
  // Depth enters a pose only through the shares of zoom change and travel; shake and roll are alike at every depth.
  const zoomAlike = move.zoomAtInfinity === 1 || (move.zoom[0] === 1 && move.zoom[1] === 1);
  const travelAlike = move.travelAtInfinity === 1 || [...move.x, ...move.y].every((v) => v === 0);
  return {
    sameAtEveryDepth: k === 0 || (zoomAlike && travelAlike),
    rolls: k !== 0 && ((move.roll ?? [0, 0]).some((v) => v !== 0) || (move.shake?.roll ?? 0) !== 0),
    poseOf(depth, t) {
      const p = moveAt(t);
      const zoom = 1 + (lerp(move.zoom, p) - 1) * k;
      const zoomShare = move.zoomAtInfinity + (1 - move.zoomAtInfinity) * depth;
      const scale = Math.max(1, 1 + (zoom - 1) * zoomShare);
      const travelShare = move.travelAtInfinity + (1 - move.travelAtInfinity) * depth;
      let dx = -lerp(move.x, p) * k * travelShare * frame.width;
      let dy = -lerp(move.y, p) * k * travelShare * frame.height;
      let roll = lerp(move.roll ?? [0, 0], p) * k;
      if (move.shake) {
        dx += shakeX(t) * move.shake.amplitude * k * frame.width;
        dy += shakeY(t) * move.shake.amplitude * k * frame.width;
        roll += shakeRoll(t) * move.shake.roll * k;
      }
      // Never travel past the layer's edge, whatever the strength.
      const rollRadians = (roll * Math.PI) / 180;
      const slack = Math.abs(Math.sin(rollRadians)) * Math.max(frame.width, frame.height) * 0.5;
      const roomX = Math.max(0, (frame.width / 2) * ((1 + 2 * OVERSCAN) * scale - 1) - slack);
      const roomY = Math.max(0, (frame.height / 2) * ((1 + 2 * OVERSCAN) * scale - 1) - slack);
      dx = Math.max(-roomX, Math.min(roomX, dx));
      dy = Math.max(-roomY, Math.min(roomY, dy));
      return { scale, dx, dy, roll: rollRadians };
    },
  };
}

/**
 * The canvas transform that draws a layer plane (frame plus overscan, top
 * left at 0,0) at `pose`: centre on centre, then scale, roll and offset.
 */
export function layerMatrix(pose: LayerPose, frame: { width: number; height: number }, plane: { width: number; height: number }): [number, number, number, number, number, number] {
  const cos = Math.cos(pose.roll) * pose.scale;
  const sin = Math.sin(pose.roll) * pose.scale;
  const cx = frame.width / 2 + pose.dx;
  const cy = frame.height / 2 + pose.dy;
  return [cos, sin, -sin, cos, cx - (cos * plane.width) / 2 + (sin * plane.height) / 2, cy - (sin * plane.width) / 2 - (cos * plane.height) / 2];
}
