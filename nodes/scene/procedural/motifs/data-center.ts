/**
 * A data center aisle: rows of server racks on both sides converging into
 * darkness, status LEDs (a share of them blinking), light strips in the
 * scene's light colour along the ceiling, a raised tile floor catching their
 * reflection, cable trays overhead and a lit exit at the far end.
 */
import type { SKRSContext2D } from '../../../video/canvas.js';
import { css, hex, mix, scale, type Rgb } from '../palette.js';
import { unitOf, type Random } from '../random.js';
import { planeCanvas, type FrameTime, type Layer, type Stage } from '../stage.js';
import type { Motif } from './motif.js';
import { paintGlow } from './paint.js';
import { view3, type View3 } from './perspective.js';

const AISLE = 1.1;
const RACK_HEIGHT = 2.2;
const RACK_DEPTH = 0.62;
const CEILING = 3.3;
const END = 44;
const BANDS = [
  { from: 14, to: Infinity, depth: 0.4 },
  { from: 5, to: 14, depth: 0.65 },
  { from: 0, to: 5, depth: 0.95 },
] as const;
const LED_COLOURS: readonly Rgb[] = [hex('#3dff7a'), hex('#3dff7a'), hex('#4fb4ff'), hex('#ffb43d'), hex('#ff4a3d')];

interface Led {
  x: number;
  y: number;
  size: number;
  colour: number;
  rate: number;
  phase: number;
}

export const dataCenter: Motif = {
  outdoor: false,
  accent: hex('#4fa8ff'),
  build(stage) {
    const view = view3(stage, { eye: 1.35, horizon: 0.5, x: 0.15, focal: 0.5 });
    const random = stage.random.fork('data-center');
    const darkness = scale(mix(stage.palette.near, stage.palette.accent, 0.12), 0.6);

    const shell = planeCanvas(stage);
    paintShell(shell.g, stage, view, darkness);
    const layers: Layer[] = [{ depth: 0.4, image: shell.canvas }];
    for (const band of BANDS) {
      const racks = planeCanvas(stage);
      const leds: Led[] = [];
      for (const side of [-1, 1] as const) {
        const rackRandom = random.fork(`racks-${side}-${band.from}`);
        for (let z = Math.max(0.3, band.from) + (side === 1 ? 0.3 : 0); z < Math.min(END - 2, band.to); z += RACK_DEPTH) {
          paintRack(racks.g, stage, view, side, z, darkness, rackRandom, leds);
        }
      }
      layers.push({ depth: band.depth, image: racks.canvas, animate: blinking(stage, leds, `leds-${band.depth}`) });
    }
    return layers;
  },
};

function paintShell(g: SKRSContext2D, stage: Stage, view: View3, darkness: Rgb): void {
  const { palette } = stage;
  const { width, height } = stage.plane;
  g.fillStyle = css(darkness);
  g.fillRect(0, 0, width, height);
  const light = mix(palette.accent, [255, 255, 255], 0.35);
  const fade = (colour: Rgb, z: number): Rgb => view.fade(colour, z, darkness, 9);

  // Floor tiles with the light strips mirrored down the aisle.
  for (let z = 0.6; z < END; z += 0.6) {
    for (let x = -AISLE - 2.4; x < AISLE + 2.4; x += 0.6) {
      view.path(g, [[x, 0, z], [x + 0.6, 0, z], [x + 0.6, 0, z + 0.6], [x, 0, z + 0.6]]);
      g.fillStyle = css(fade(scale(mix(palette.surface, darkness, 0.5), 0.55 + ((Math.round(x / 0.6) + Math.round(z / 0.6)) % 2) * 0.08), z));
      g.fill();
    }
  }
  const [, floorFar] = view.project([0, 0, END]);
  const [, floorNear] = view.project([0, 0, 0.8]);
  const sheen = g.createLinearGradient(0, floorFar, 0, floorNear);
  sheen.addColorStop(0, css(light, 0.05));
  sheen.addColorStop(0.5, css(light, 0.16));
  sheen.addColorStop(1, css(light, 0.03));
  view.path(g, [[-0.35, 0, 0.8], [0.35, 0, 0.8], [0.35, 0, END], [-0.35, 0, END]]);
  g.fillStyle = sheen;
  g.fill();

  // The far wall with an exit door.
  view.path(g, [[-AISLE - 3, 0, END], [AISLE + 3, 0, END], [AISLE + 3, CEILING, END], [-AISLE - 3, CEILING, END]]);
  g.fillStyle = css(fade(scale(palette.surface, 0.4), END));
  g.fill();
  view.path(g, [[-0.5, 0, END], [0.5, 0, END], [0.5, 2.1, END], [-0.5, 2.1, END]]);
  g.fillStyle = css(mix(fade(scale(palette.surface, 0.3), END), light, 0.25));
  g.fill();
  const [sx, sy] = view.project([0, 2.35, END]);
  paintGlow(g, sx, sy, (1.2 * view.focal) / END, hex('#3dff7a'), 0.7);
  const [ex1, ey1] = view.project([-0.25, 2.45, END]);
  const [ex2, ey2] = view.project([0.25, 2.25, END]);
  g.fillStyle = css(hex('#5dff8a'));
  g.fillRect(ex1, ey1, ex2 - ex1, ey2 - ey1);

  // Ceiling, cable trays and the light strips.
  for (let z = 2; z < END; z += 3) {
    view.path(g, [[-0.18, CEILING - 0.05, z], [0.18, CEILING - 0.05, z], [0.18, CEILING - 0.05, z + 1.4], [-0.18, CEILING - 0.05, z + 1.4]]);
    g.fillStyle = css(fade(light, z * 0.6));
    g.fill();
    const [gx, gy] = view.project([0, CEILING - 0.1, z + 0.7]);
    paintGlow(g, gx, gy, (1.6 * view.focal) / z, palette.accent, 0.35 * 0.6 ** (z / 10));
  }
  for (const x of [-0.75, 0.75]) {
    view.path(g, [[x - 0.2, 2.75, 0.8], [x + 0.2, 2.75, 0.8], [x + 0.2, 2.75, END], [x - 0.2, 2.75, END]]);
    g.fillStyle = css(scale(darkness, 0.6));
    g.fill();
    view.path(g, [[x - 0.2, 2.65, 0.8], [x - 0.2, 2.75, 0.8], [x - 0.2, 2.75, END], [x - 0.2, 2.65, END]]);
    g.fillStyle = css(mix(darkness, light, 0.15));
    g.fill();
  }
}

/** One rack's face on the aisle: frame, server units with handles, LEDs (collected for blinking). */
function paintRack(g: SKRSContext2D, stage: Stage, view: View3, side: -1 | 1, z: number, darkness: Rgb, random: Random, leds: Led[]): void {
  const { palette } = stage;
  const x = side * AISLE;
  const far = z + RACK_DEPTH - 0.02;
  const fade = (colour: Rgb, at: number): string => css(view.fade(colour, at, darkness, 9));
  const body = scale(mix(palette.surface, [40, 44, 52], 0.6), 0.55);
  const rim = mix(body, palette.accent, 0.35);
  view.path(g, [[x, 0, z], [x, RACK_HEIGHT, z], [x, RACK_HEIGHT, far], [x, 0, far]]);
  g.fillStyle = fade(scale(body, 0.6), z);
  g.fill();
  for (let y = 0.12; y + 0.09 < RACK_HEIGHT - 0.1; ) {
    const unit = random.pick([0.045, 0.09, 0.09, 0.18]);
    view.path(g, [[x, y + 0.008, z + 0.04], [x, y + unit - 0.008, z + 0.04], [x, y + unit - 0.008, far - 0.04], [x, y + 0.008, far - 0.04]]);
    g.fillStyle = fade(scale(body, random.range(0.8, 1.25)), z);
    g.fill();
    const count = random.int(1, 4);
    for (let i = 0; i < count; i++) {
      const lz = z + 0.07 + i * 0.035;
      const [lx, ly] = view.project([x, y + unit / 2, lz]);
      const size = Math.max(0.8, (0.014 * view.focal) / lz);
      const colour = random.int(0, LED_COLOURS.length);
      const fadeAmount = 0.5 ** (lz / 14);
      if (random.chance(0.45)) leds.push({ x: lx, y: ly, size, colour, rate: random.range(1.5, 7), phase: random.next() });
      else if (random.chance(0.55)) {
        paintGlow(g, lx, ly, size * 4, LED_COLOURS[colour]!, 0.35 * fadeAmount);
        g.fillStyle = css(LED_COLOURS[colour]!, fadeAmount);
        g.fillRect(lx - size / 2, ly - size / 2, size, size);
      }
    }
    y += unit;
  }
  // Edge highlight from the aisle lights.
  view.path(g, [[x, 0, z], [x, RACK_HEIGHT, z], [x, RACK_HEIGHT, z + 0.03], [x, 0, z + 0.03]]);
  g.fillStyle = fade(rim, z);
  g.fill();
}

/** Blinking LEDs: each toggles on its own rate; drawn as one path per colour. */
function blinking(stage: Stage, leds: readonly Led[], label: string): (g: SKRSContext2D, time: FrameTime) => void {
  return (g, { t }) => {
    for (let colour = 0; colour < LED_COLOURS.length; colour++) {
      g.beginPath();
      leds.forEach((led, i) => {
        if (led.colour !== colour || unitOf(stage.seed, label, i, Math.floor(t * led.rate + led.phase)) < 0.4) return;
        g.rect(led.x - led.size / 2, led.y - led.size / 2, led.size, led.size);
      });
      g.fillStyle = css(LED_COLOURS[colour]!);
      g.fill();
    }
  };
}
