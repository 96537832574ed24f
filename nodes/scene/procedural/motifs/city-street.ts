/**
 * A city street at eye level, looking down its length: facades with windows
 * and shopfronts converging on the vanishing point, blade neon signs, street
 * lamps, a road with lane markings (wet and reflective in rain), and the far
 * skyline where the street ends. Facades are split into distance bands, each
 * its own layer, so a moving camera shows parallax.
 */
import type { SKRSContext2D } from '../../../video/canvas.js';
import { css, hex, mix, scale, type Rgb } from '../palette.js';
import type { Random } from '../random.js';
import { frameX, frameY, planeCanvas, type Layer, type Stage } from '../stage.js';
import { flickerAt } from '../weather.js';
import type { Motif } from './motif.js';
import { paintBuildingRow, paintClouds, paintGlow, paintOrb, paintSky, paintStars } from './paint.js';
import { view3, type View3 } from './perspective.js';

/** Distance bands (metres from the camera) and the layer depth each is drawn at. */
const BANDS = [
  { from: 45, to: Infinity, depth: 0.35 },
  { from: 14, to: 45, depth: 0.6 },
  { from: 0, to: 14, depth: 0.9 },
] as const;

const STREET_END = 190;
const FACE = 7.5;
const SIGN_WORDS = ['BAR', 'HOTEL', '24H', 'NOODLE', 'OPEN', 'CAFE', 'LIVE', 'DATA', 'RAMEN', 'CLUB'];

interface Block {
  side: -1 | 1;
  z1: number;
  z2: number;
  face: number;
  height: number;
  tone: number;
}

export const cityStreet: Motif = {
  outdoor: true,
  accent: hex('#ff2fb8'),
  build(stage) {
    const { palette, atmosphere } = stage;
    const view = view3(stage, { eye: 1.7, horizon: 0.52, x: 0.6, focal: 0.55 });
    const random = stage.random.fork('street');
    const wet = atmosphere.rain > 0 || atmosphere.snow > 0;
    const dark = 1 - palette.light;

    const sky = planeCanvas(stage);
    paintSky(sky.g, stage, view.horizon);
    paintStars(sky.g, stage, random.fork('stars'), 300, view.horizon);
    paintOrb(sky.g, stage, frameX(stage, 0.62), view.horizon, 26 * stage.unit);
    paintClouds(sky.g, stage, random.fork('clouds'), frameY(stage, 0), frameY(stage, 0.35), 6 + Math.round(atmosphere.overcast * 10), atmosphere.overcast);
    const skyline = planeCanvas(stage);
    paintBuildingRow(skyline.g, stage, random.fork('skyline'), {
      baseY: view.horizon + 4 * stage.unit,
      height: [40, 200],
      width: [30, 70],
      colour: palette.far,
      windows: { size: [2, 3], gap: [4, 5], lit: palette.windows.lit, unlit: scale(palette.far, 0.9) },
    });

    const ground = planeCanvas(stage);
    paintGround(ground.g, stage, view, wet);

    const blocks = [-1, 1].flatMap((side) => blocksAlong(side as -1 | 1, random.fork(`blocks-${side}`)));
    const layers: Layer[] = [
      { depth: 0.03, image: sky.canvas },
      { depth: 0.15, image: skyline.canvas },
      { depth: 0.35, image: ground.canvas },
    ];
    for (const band of BANDS) {
      const facades = planeCanvas(stage);
      // Flickering signs get their own images, made only when a sign needs one.
      const flickering = new Map<number, ReturnType<typeof planeCanvas>>();
      const inBand = blocks.filter((b) => b.z1 >= band.from && b.z1 < band.to).sort((a, b) => b.z1 - a.z1);
      for (const block of inBand) {
        paintBlock(facades.g, stage, view, block, random.fork(`block-${block.side}-${block.z1.toFixed(1)}`));
        if (block.z1 > 6) paintLamp(facades.g, stage, view, block, dark, wet);
        const signRandom = random.fork(`sign-${block.side}-${block.z1.toFixed(1)}`);
        // Closer than this a sign would fill the frame.
        if (block.z1 < 8 || !signRandom.chance(0.35 + dark * 0.45)) continue;
        const group = atmosphere.flicker > 0 && signRandom.chance(0.45) ? signRandom.int(0, 2) : -1;
        if (group >= 0 && !flickering.has(group)) flickering.set(group, planeCanvas(stage));
        paintSign(group >= 0 ? flickering.get(group)!.g : facades.g, stage, view, block, signRandom, dark, wet);
      }
      layers.push({ depth: band.depth, image: facades.canvas });
      for (const [group, canvas] of flickering) {
        layers.push({ depth: band.depth, image: canvas.canvas, opacity: ({ t }) => flickerAt(stage.seed, `neon-${band.depth}-${group}`, t, atmosphere.flicker) });
      }
    }
    return layers;
  },
};

function blocksAlong(side: -1 | 1, random: Random): Block[] {
  const blocks: Block[] = [];
  for (let z = random.range(2, 4); z < STREET_END; ) {
    const length = random.range(7, 18);
    blocks.push({ side, z1: z, z2: z + length, face: FACE + random.range(0, 1.5), height: random.range(9, 42), tone: random.range(0.75, 1.15) });
    z += length + (random.chance(0.2) ? random.range(2, 5) : 0);
  }
  return blocks;
}

function paintGround(g: SKRSContext2D, stage: Stage, view: View3, wet: boolean): void {
  const { palette } = stage;
  const far = STREET_END + 40;
  const near = 0.8;
  const road = scale(palette.ground, wet ? 0.8 : 1);
  const quad = (x1: number, x2: number, z1: number, z2: number, colour: Rgb): void => {
    view.path(g, [[x1, 0, z1], [x2, 0, z1], [x2, 0, z2], [x1, 0, z2]]);
    const [, top] = view.project([0, 0, z2]);
    const [, bottom] = view.project([0, 0, z1]);
    const gradient = g.createLinearGradient(0, top, 0, Math.min(bottom, stage.plane.height));
    gradient.addColorStop(0, css(view.fade(colour, z2, palette.haze, 40)));
    gradient.addColorStop(1, css(colour));
    g.fillStyle = gradient;
    g.fill();
  };
  quad(-60, 60, near, far, road);
  quad(-FACE - 2, -5, near, far, scale(palette.ground, 1.35));
  quad(5, FACE + 2, near, far, scale(palette.ground, 1.35));
  // Kerbs and lane dashes.
  for (const x of [-5, 5]) {
    view.path(g, [[x - 0.15, 0, near], [x + 0.15, 0, near], [x + 0.15, 0, far], [x - 0.15, 0, far]]);
    g.fillStyle = css(scale(palette.ground, 1.7), 0.8);
    g.fill();
  }
  for (let z = 2; z < far; z += 9) {
    view.path(g, [[-0.12, 0, z], [0.12, 0, z], [0.12, 0, z + 4], [-0.12, 0, z + 4]]);
    g.fillStyle = css(view.fade(mix(palette.ground, [230, 220, 190], 0.6), z, palette.haze, 40), 0.85);
    g.fill();
  }
  if (wet) {
    // Wet asphalt mirrors the sky where the street meets it.
    const [, horizon] = view.project([0, 0, far]);
    const sheen = g.createLinearGradient(0, horizon, 0, horizon + stage.view.height * 0.3);
    sheen.addColorStop(0, css(palette.sky.horizon, 0.5));
    sheen.addColorStop(1, css(palette.sky.horizon, 0));
    view.path(g, [[-5, 0, near], [5, 0, near], [5, 0, far], [-5, 0, far]]);
    g.fillStyle = sheen;
    g.fill();
  }
}

function shadeOf(stage: Stage, block: Block, z: number, k = 1): Rgb {
  // One side of the street catches the light, the other is in shade.
  const sun = block.side === 1 ? 1 : 0.72;
  return mix(scale(stage.palette.surface, block.tone * sun * k), stage.palette.haze, 1 - 0.5 ** (z / 60));
}

function paintBlock(g: SKRSContext2D, stage: Stage, view: View3, block: Block, random: Random): void {
  const { palette } = stage;
  const { side, z1, z2, face, height } = block;
  // The end wall facing the camera, seen where the nearer block is lower.
  view.path(g, [[side * face, 0, z1], [side * (face + 40), 0, z1], [side * (face + 40), height, z1], [side * face, height, z1]]);
  g.fillStyle = css(shadeOf(stage, block, z1, 0.8));
  g.fill();
  windowsOnEnd(g, stage, view, block, random);
  view.path(g, [[side * face, 0, z1], [side * face, height, z1], [side * face, height, z2], [side * face, 0, z2]]);
  const [nearX] = view.project([side * face, 0, z1]);
  const [farX] = view.project([side * face, 0, z2]);
  const gradient = g.createLinearGradient(nearX, 0, farX, 0);
  gradient.addColorStop(0, css(shadeOf(stage, block, z1)));
  gradient.addColorStop(1, css(shadeOf(stage, block, z2)));
  g.fillStyle = gradient;
  g.fill();
  // Cornice line.
  view.path(g, [[side * face, height - 0.4, z1], [side * face, height, z1], [side * face, height, z2], [side * face, height - 0.4, z2]]);
  g.fillStyle = css(shadeOf(stage, block, z1, 0.6));
  g.fill();

  const fade = (colour: Rgb, z: number): string => css(view.fade(colour, z, palette.haze, 70));
  for (let floor = 4; floor + 2.4 < height; floor += 3.3) {
    const rowOdds = Math.min(1, palette.windows.lit * random.range(0.2, 2.2));
    for (let z = z1 + 1.2; z + 1.4 < z2; z += 2.8) {
      view.path(g, [[side * face, floor + 0.6, z], [side * face, floor + 2.3, z], [side * face, floor + 2.3, z + 1.4], [side * face, floor + 0.6, z + 1.4]]);
      const lit = random.chance(rowOdds);
      g.fillStyle = lit ? fade(scale(random.pick(palette.windows.colours), random.range(0.65, 1)), z) : fade(mix(shadeOf(stage, block, z, 0.45), palette.sky.horizon, 0.15), z);
      g.fill();
    }
  }
  // Ground floor: lit shopfronts or shutters.
  for (let z = z1 + 0.5; z + 3 < z2; z += random.range(4, 6.5)) {
    const length = random.range(2.8, 4);
    view.path(g, [[side * face, 0.3, z], [side * face, 3, z], [side * face, 3, z + length], [side * face, 0.3, z + length]]);
    if (random.chance(0.4 + (1 - palette.light) * 0.2)) {
      const glowColour = mix(random.pick(palette.windows.colours), palette.accent, random.range(0, 0.5));
      g.fillStyle = fade(scale(glowColour, 0.55 + (1 - palette.light) * 0.45), z);
    } else {
      g.fillStyle = fade(mix(palette.surface, [110, 112, 118], 0.6), z);
    }
    g.fill();
  }
}

function windowsOnEnd(g: SKRSContext2D, stage: Stage, view: View3, block: Block, random: Random): void {
  const { palette } = stage;
  for (let floor = 4; floor + 2.4 < block.height; floor += 3.3) {
    for (let x = block.face + 1.2; x < block.face + 20; x += 2.6) {
      const lit = random.chance(palette.windows.lit);
      view.path(g, [[block.side * x, floor + 0.6, block.z1], [block.side * (x + 1.3), floor + 0.6, block.z1], [block.side * (x + 1.3), floor + 2.3, block.z1], [block.side * x, floor + 2.3, block.z1]]);
      g.fillStyle = css(view.fade(lit ? random.pick(palette.windows.colours) : shadeOf(stage, block, block.z1, 0.45), block.z1, palette.haze, 70));
      g.fill();
    }
  }
}

/** A lamp post at the block's near end; at night its head glows and pools light on the pavement. */
function paintLamp(g: SKRSContext2D, stage: Stage, view: View3, block: Block, dark: number, wet: boolean): void {
  const { palette } = stage;
  const x = block.side * (block.face - 1.2);
  const z = block.z1 + 1;
  const pole = css(view.fade(scale(palette.near, 1.3), z, palette.haze, 70));
  const width = Math.max(1, (0.12 * view.focal) / z);
  const [bx, by] = view.project([x, 0, z]);
  const [, ty] = view.project([x, 6.5, z]);
  const [hx, hy] = view.project([x - block.side * 1.6, 6.4, z]);
  g.fillStyle = pole;
  g.fillRect(bx - width / 2, ty, width, by - ty);
  g.strokeStyle = pole;
  g.lineWidth = width * 0.8;
  g.beginPath();
  g.moveTo(bx, ty);
  g.lineTo(hx, hy);
  g.stroke();
  if (dark < 0.35) return;
  const lamp = hex('#ffc878');
  const glowRadius = (2.2 * view.focal) / z;
  paintGlow(g, hx, hy, glowRadius, lamp, 0.7 * dark);
  const [px, py] = view.project([x - block.side * 1.6, 0, z]);
  g.save();
  g.translate(px, py);
  g.scale(1, 0.25);
  paintGlow(g, 0, 0, (5 * view.focal) / z, lamp, (wet ? 0.45 : 0.3) * dark);
  g.restore();
  if (wet) paintReflection(g, px, py, width * 3, (4 * view.focal) / z, lamp, 0.4 * dark);
}

/** A light's smear on wet ground, running toward the camera. */
function paintReflection(g: SKRSContext2D, x: number, y: number, width: number, length: number, colour: Rgb, alpha: number): void {
  const gradient = g.createLinearGradient(0, y, 0, y + length);
  gradient.addColorStop(0, css(colour, alpha));
  gradient.addColorStop(1, css(colour, 0));
  g.fillStyle = gradient;
  g.fillRect(x - width / 2, y, width, length);
}

/** A blade sign sticking out from the facade, facing the camera: a neon outline and a vertical word, with its glow. */
function paintSign(g: SKRSContext2D, stage: Stage, view: View3, block: Block, random: Random, dark: number, wet: boolean): void {
  const { palette } = stage;
  const z = Math.min(block.z2 - 1, block.z1 + random.range(1.5, 6));
  const inner = block.side * (block.face - 1.7);
  const outer = block.side * (block.face - 0.2);
  const bottom = random.range(3.6, 5);
  const word = random.pick(SIGN_WORDS);
  const top = bottom + word.length * 0.75 + 0.6;
  if (top > block.height - 0.5) return;
  const [x1, y1] = view.project([Math.min(inner, outer), top, z]);
  const [x2, y2] = view.project([Math.max(inner, outer), bottom, z]);
  const w = x2 - x1;
  const h = y2 - y1;
  const colour = random.pick([palette.accent, palette.accentAlt, palette.accent, hex('#ff3b6b'), hex('#31e5ff')]);
  const glowAlpha = 0.25 + 0.55 * dark;
  paintGlow(g, (x1 + x2) / 2, (y1 + y2) / 2, Math.max(w, h) * 1.3, colour, glowAlpha * 0.5);
  g.fillStyle = css(scale(palette.near, 0.9), 0.9);
  g.fillRect(x1, y1, w, h);
  g.save();
  g.shadowColor = css(colour, 0.9);
  g.shadowBlur = Math.max(2, w * 0.35);
  g.strokeStyle = css(mix(colour, [255, 255, 255], 0.35));
  g.lineWidth = Math.max(1, w * 0.06);
  g.strokeRect(x1 + w * 0.1, y1 + w * 0.1, w * 0.8, h - w * 0.2);
  g.fillStyle = css(mix(colour, [255, 255, 255], 0.5));
  g.font = `bold ${Math.max(4, Math.round(((0.55 * view.focal) / z) * 1.1))}px "DejaVu Sans"`;
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  const step = (h - w * 0.4) / word.length;
  [...word].forEach((letter, i) => g.fillText(letter, x1 + w / 2, y1 + w * 0.2 + step * (i + 0.5)));
  g.restore();
  if (wet) {
    const [rx, ry] = view.project([(inner + outer) / 2, 0, z]);
    paintReflection(g, rx, ry, w * 0.7, h * 1.4, colour, 0.35 * glowAlpha + 0.1);
  }
}
