/**
 * One-point perspective for motifs seen from inside a space (a street, a
 * server aisle, a room): world coordinates in metres (x right, y up from the
 * ground, z away from the camera) projected onto the plane, plus the
 * distance fade that makes far things dissolve into the air.
 */
import type { SKRSContext2D } from '../../../video/canvas.js';
import { mix, type Rgb } from '../palette.js';
import type { Stage } from '../stage.js';

export type Point3 = readonly [x: number, y: number, z: number];

export interface View3 {
  /** Plane point of a world point. */
  project(point: Point3): [number, number];
  /** A filled polygon through world points (all in front of the camera). */
  path(g: SKRSContext2D, points: readonly Point3[]): void;
  /** Colour faded toward `haze` with distance: half gone at `halfway` metres. */
  fade(colour: Rgb, z: number, haze: Rgb, halfway: number): Rgb;
  /** Plane y of the horizon (the vanishing point). */
  horizon: number;
  vanishingX: number;
  /** Pixels per metre at one metre. */
  focal: number;
}

export interface ViewOptions {
  /** Camera height in metres. */
  eye: number;
  /** Horizon as a fraction of the frame height. */
  horizon: number;
  /** Camera x in metres (off-centre framing). */
  x?: number;
  /** Focal length as a fraction of the frame's short side. */
  focal: number;
}

export function view3(stage: Stage, options: ViewOptions): View3 {
  const focal = options.focal * Math.min(stage.frame.width, stage.frame.height);
  const vanishingX = stage.view.x + stage.view.width / 2;
  const horizon = stage.view.y + options.horizon * stage.view.height;
  const cameraX = options.x ?? 0;
  const project = ([x, y, z]: Point3): [number, number] => [vanishingX + ((x - cameraX) * focal) / z, horizon - ((y - options.eye) * focal) / z];
  return {
    project,
    path(g, points) {
      g.beginPath();
      points.forEach((point, i) => {
        const [px, py] = project(point);
        if (i === 0) g.moveTo(px, py);
        else g.lineTo(px, py);
      });
      g.closePath();
    },
    fade: (colour, z, haze, halfway) => mix(colour, haze, 1 - 0.5 ** (z / halfway)),
    horizon,
    vanishingX,
    focal,
  };
}
