/**
 * A room seen from its doorway: walls, a wooden floor, a window onto the
 * sky of the scene's time of day (rain runs down the glass when it rains
 * outside), a shaft of window light with dust in it, a desk with a glowing
 * monitor and lamp, a bookshelf, and a potted plant in the foreground.
 */
import type { SKRSContext2D } from '../../../video/canvas.js';
import { css, hex, mix, scale, type Rgb } from '../palette.js';
import type { Random } from '../random.js';
import { planeCanvas, type Layer, type Stage } from '../stage.js';
import type { Motif } from './motif.js';
import { paintBuildingRow, paintGlow, paintOrb, paintStars } from './paint.js';
import { view3, type View3 } from './perspective.js';

const WIDTH = 4.2;
const HEIGHT = 2.8;
const DEPTH = 7;
const WINDOW = { left: 0.2, right: 2.6, bottom: 0.95, top: 2.35 } as const;

export const interiorRoom: Motif = {
  outdoor: false,
  accent: hex('#ffb45a'),
  build(stage) {
    const view = view3(stage, { eye: 1.5, horizon: 0.5, x: -0.3, focal: 0.55 });
    const random = stage.random.fork('room');
    const room = planeCanvas(stage);
    const g = room.g;
    paintShell(g, stage, view);
    paintWindow(g, stage, view, random.fork('window'));
    paintShelf(g, stage, view, random.fork('shelf'));
    const furniture = planeCanvas(stage);
    paintDesk(furniture.g, stage, view, random.fork('desk'));
    const front = planeCanvas(stage);
    paintPlant(front.g, stage, random.fork('plant'));
    const layers: Layer[] = [
      { depth: 0.35, image: room.canvas, ...(stage.atmosphere.rain > 0 ? { animate: rainOnGlass(stage, view, random.fork('glass')) } : {}) },
      { depth: 0.6, image: furniture.canvas },
      { depth: 0.95, image: front.canvas },
    ];
    return layers;
  },
};

function wallColour(stage: Stage, k: number): Rgb {
  const { palette } = stage;
  // Indoors is lit by lamps as well as the window: never as dark as the night outside.
  return scale(mix(palette.surface, hex('#8a7a6a'), 0.35), k * (0.45 + palette.light * 0.55));
}

function paintShell(g: SKRSContext2D, stage: Stage, view: View3): void {
  const L = -WIDTH / 2;
  const R = WIDTH / 2;
  const near = 0.6;
  const surfaces: [readonly (readonly [number, number, number])[], Rgb][] = [
    [[[L, 0, near], [L, HEIGHT, near], [L, HEIGHT, DEPTH], [L, 0, DEPTH]], wallColour(stage, 0.75)],
    [[[R, 0, near], [R, HEIGHT, near], [R, HEIGHT, DEPTH], [R, 0, DEPTH]], wallColour(stage, 0.85)],
    [[[L, HEIGHT, near], [R, HEIGHT, near], [R, HEIGHT, DEPTH], [L, HEIGHT, DEPTH]], wallColour(stage, 0.6)],
    [[[L, 0, DEPTH], [R, 0, DEPTH], [R, HEIGHT, DEPTH], [L, HEIGHT, DEPTH]], wallColour(stage, 1)],
  ];
  for (const [points, colour] of surfaces) {
    view.path(g, points);
    g.fillStyle = css(colour);
    g.fill();
  }
  // Floorboards, running away from the camera.
  const wood = scale(hex('#6a4a32'), 0.45 + stage.palette.light * 0.5);
  for (let x = L; x < R; x += 0.22) {
    view.path(g, [[x, 0, near], [x + 0.22, 0, near], [x + 0.22, 0, DEPTH], [x, 0, DEPTH]]);
    g.fillStyle = css(scale(wood, 0.85 + (Math.round((x - L) / 0.22) % 3) * 0.08));
    g.fill();
  }
  // Skirting and the ceiling light's pool.
  for (const x of [L, R]) {
    view.path(g, [[x, 0, near], [x, 0.12, near], [x, 0.12, DEPTH], [x, 0, DEPTH]]);
    g.fillStyle = css(wallColour(stage, 0.5));
    g.fill();
  }
  const [cx, cy] = view.project([0, HEIGHT, 3.5]);
  paintGlow(g, cx, cy, (3 * view.focal) / 3.5, hex('#ffe2b0'), 0.25 * (1 - stage.palette.light * 0.6));
}

function paintWindow(g: SKRSContext2D, stage: Stage, view: View3, random: Random): void {
  const { palette } = stage;
  const [x1, y1] = view.project([WINDOW.left, WINDOW.top, DEPTH]);
  const [x2, y2] = view.project([WINDOW.right, WINDOW.bottom, DEPTH]);
  g.save();
  g.beginPath();
  g.rect(x1, y1, x2 - x1, y2 - y1);
  g.clip();
  const sky = g.createLinearGradient(0, y1, 0, y2);
  sky.addColorStop(0, css(palette.sky.top));
  sky.addColorStop(0.6, css(palette.sky.middle));
  sky.addColorStop(1, css(palette.sky.horizon));
  g.fillStyle = sky;
  g.fillRect(x1, y1, x2 - x1, y2 - y1);
  paintStars(g, stage, random, 80, y2);
  paintOrb(g, stage, x1 + (x2 - x1) * 0.7, y2, 10 * stage.unit);
  const skyline = { ...stage, unit: stage.unit * 0.4 };
  paintBuildingRow(g, skyline, random, { baseY: y2 + 2, height: [60, 260], width: [40, 110], colour: palette.mid, windows: { size: [5, 7], gap: [6, 7], lit: palette.windows.lit, unlit: scale(palette.mid, 0.85) } });
  g.restore();
  // Frame and mullions.
  const frame = css(wallColour(stage, 1.25));
  const bar = Math.max(2, (0.06 * view.focal) / DEPTH);
  g.fillStyle = frame;
  g.fillRect(x1 - bar, y1 - bar, x2 - x1 + bar * 2, bar);
  g.fillRect(x1 - bar, y2, x2 - x1 + bar * 2, bar * 2);
  g.fillRect(x1 - bar, y1, bar, y2 - y1);
  g.fillRect(x2, y1, bar, y2 - y1);
  g.fillRect((x1 + x2) / 2 - bar / 2, y1, bar, y2 - y1);
  g.fillRect(x1, y1 + (y2 - y1) * 0.45, x2 - x1, bar * 0.7);
  // Daylight falls through it onto the floor.
  const shaft = mix(palette.sky.horizon, palette.orb.colour, 0.5);
  const fall = 2.6;
  view.path(g, [
    [WINDOW.left, WINDOW.bottom, DEPTH],
    [WINDOW.right, WINDOW.bottom, DEPTH],
    [WINDOW.right - 0.8, 0, DEPTH - fall],
    [WINDOW.left - 0.8, 0, DEPTH - fall],
  ]);
  const [, shaftTop] = view.project([0, WINDOW.bottom, DEPTH]);
  const [, shaftBottom] = view.project([0, 0, DEPTH - fall]);
  const light = g.createLinearGradient(0, shaftTop, 0, shaftBottom);
  light.addColorStop(0, css(shaft, 0.05 + palette.light * 0.2));
  light.addColorStop(1, css(shaft, 0.02 + palette.light * 0.1));
  g.fillStyle = light;
  g.fill();
  view.path(g, [[WINDOW.left - 0.8, 0, DEPTH - fall], [WINDOW.right - 0.8, 0, DEPTH - fall], [WINDOW.right - 1.3, 0, DEPTH - fall - 1.6], [WINDOW.left - 1.3, 0, DEPTH - fall - 1.6]]);
  g.fillStyle = css(shaft, 0.05 + palette.light * 0.2);
  g.fill();
}

function paintShelf(g: SKRSContext2D, stage: Stage, view: View3, random: Random): void {
  const x = WIDTH / 2;
  const z1 = 2.4;
  const z2 = 4.6;
  view.path(g, [[x, 0, z1], [x, 2.1, z1], [x, 2.1, z2], [x, 0, z2]]);
  g.fillStyle = css(scale(hex('#4a3426'), 0.4 + stage.palette.light * 0.5));
  g.fill();
  const spines = [hex('#8a2a2a'), hex('#2a4a7a'), hex('#c8a050'), hex('#3a6a3a'), hex('#d0c8b8'), hex('#5a3a6a')];
  for (let shelf = 0.15; shelf < 2; shelf += 0.42) {
    for (let z = z1 + 0.05; z < z2 - 0.05; ) {
      const thick = random.range(0.03, 0.07);
      const tall = random.range(0.24, 0.36);
      view.path(g, [[x - 0.01, shelf, z], [x - 0.01, shelf + tall, z], [x - 0.01, shelf + tall, z + thick], [x - 0.01, shelf, z + thick]]);
      g.fillStyle = css(scale(random.pick(spines), 0.35 + stage.palette.light * 0.5));
      g.fill();
      z += thick + (random.chance(0.1) ? 0.12 : 0.004);
    }
    view.path(g, [[x, shelf - 0.03, z1], [x, shelf, z1], [x, shelf, z2], [x, shelf - 0.03, z2]]);
    g.fillStyle = css(scale(hex('#2a1c14'), 0.6 + stage.palette.light * 0.4));
    g.fill();
  }
}

/** Desk against the back wall, left of the window: a monitor in the scene's light colour and a warm lamp. */
function paintDesk(g: SKRSContext2D, stage: Stage, view: View3, random: Random): void {
  const { palette } = stage;
  const left = -WIDTH / 2 + 0.1;
  const right = -0.1;
  const back = DEPTH - 0.05;
  const front = DEPTH - 0.8;
  const top = 0.75;
  const wood = scale(hex('#5a3a26'), 0.5 + palette.light * 0.4);
  view.path(g, [[left, top, front], [right, top, front], [right, top, back], [left, top, back]]);
  g.fillStyle = css(scale(wood, 1.2));
  g.fill();
  view.path(g, [[left, 0, front], [right, 0, front], [right, top, front], [left, top, front]]);
  g.fillStyle = css(wood);
  g.fill();
  // Monitor.
  const [mx1, my1] = view.project([-1.45, 1.38, back - 0.25]);
  const [mx2, my2] = view.project([-0.55, 0.86, back - 0.25]);
  g.fillStyle = css(hex('#101216'));
  g.fillRect(mx1, my1, mx2 - mx1, my2 - my1);
  const pad = (mx2 - mx1) * 0.04;
  const screen = mix(palette.accent, [255, 255, 255], 0.15);
  paintGlow(g, (mx1 + mx2) / 2, (my1 + my2) / 2, (mx2 - mx1) * 1.1, screen, 0.35);
  g.fillStyle = css(scale(screen, 0.35));
  g.fillRect(mx1 + pad, my1 + pad, mx2 - mx1 - pad * 2, my2 - my1 - pad * 2);
  const lineHeight = (my2 - my1) / 12;
  for (let line = 1; line < 10; line++) {
    g.fillStyle = css(mix(screen, [255, 255, 255], 0.3), 0.85);
    g.fillRect(mx1 + pad * 2, my1 + pad + line * lineHeight, (mx2 - mx1 - pad * 4) * random.range(0.25, 0.9), lineHeight * 0.4);
  }
  const [sx, sy] = view.project([-1.0, top, back - 0.25]);
  g.fillStyle = css(hex('#101216'));
  g.fillRect(sx - (mx2 - mx1) * 0.04, my2, (mx2 - mx1) * 0.08, sy - my2);
  // Lamp: a shade over a warm pool of light.
  const lamp = hex('#ffc070');
  const [lx, ly] = view.project([-1.85, 1.25, back - 0.3]);
  const [, lb] = view.project([-1.85, top, back - 0.3]);
  const w = (0.16 * view.focal) / (back - 0.3);
  paintGlow(g, lx, ly + w * 0.6, w * 9, lamp, 0.45);
  g.fillStyle = css(hex('#1a1410'));
  g.fillRect(lx - w * 0.08, ly, w * 0.16, lb - ly);
  g.beginPath();
  g.moveTo(lx - w * 0.5, ly + w * 0.45);
  g.lineTo(lx - w * 0.25, ly - w * 0.15);
  g.lineTo(lx + w * 0.25, ly - w * 0.15);
  g.lineTo(lx + w * 0.5, ly + w * 0.45);
  g.closePath();
  g.fillStyle = css(mix(lamp, [60, 40, 20], 0.3));
  g.fill();
}

/** A potted plant close to the camera: big leaves in near-silhouette, rimmed by the window light. */
function paintPlant(g: SKRSContext2D, stage: Stage, random: Random): void {
  const { view, unit: u, palette } = stage;
  const x = view.x + view.width * 0.1;
  const bottom = view.y + view.height;
  const leaf = css(scale(mix(hex('#1f3a24'), palette.near, 0.4), 0.5 + palette.light * 0.5));
  const rim = css(mix(palette.sky.horizon, [255, 255, 255], 0.3), 0.35);
  g.fillStyle = css(scale(hex('#3a2418'), 0.4 + palette.light * 0.4));
  g.beginPath();
  g.moveTo(x - 110 * u, bottom - 170 * u);
  g.lineTo(x + 110 * u, bottom - 170 * u);
  g.lineTo(x + 85 * u, bottom + 40 * u);
  g.lineTo(x - 85 * u, bottom + 40 * u);
  g.fill();
  for (let i = 0; i < 11; i++) {
    const angle = -Math.PI / 2 + random.range(-1.2, 1.2);
    const length = random.range(200, 380) * u;
    const tipX = x + Math.cos(angle) * length;
    const tipY = bottom - 170 * u + Math.sin(angle) * length;
    const midX = (x + tipX) / 2;
    const midY = (bottom - 170 * u + tipY) / 2;
    g.save();
    g.translate(midX, midY);
    g.rotate(angle);
    g.beginPath();
    g.ellipse(0, 0, length / 2, length * 0.13, 0, 0, Math.PI * 2);
    g.fillStyle = leaf;
    g.fill();
    g.strokeStyle = rim;
    g.lineWidth = 2 * u;
    g.stroke();
    g.restore();
  }
}

/** Rain outside: drops running down the window pane. */
function rainOnGlass(stage: Stage, view: View3, random: Random): (g: SKRSContext2D, time: { t: number }) => void {
  const [x1, y1] = view.project([WINDOW.left, WINDOW.top, DEPTH]);
  const [x2, y2] = view.project([WINDOW.right, WINDOW.bottom, DEPTH]);
  const drops = Array.from({ length: Math.round(60 * stage.atmosphere.rain) + 10 }, () => ({ x: random.range(x1, x2), y: random.range(y1, y2), speed: random.range(0.1, 0.6) * (y2 - y1), length: random.range(3, 10) * stage.unit }));
  const colour = css(mix(stage.palette.sky.horizon, [255, 255, 255], 0.5), 0.55);
  return (g, { t }) => {
    g.save();
    g.beginPath();
    g.rect(x1, y1, x2 - x1, y2 - y1);
    g.clip();
    g.beginPath();
    for (const drop of drops) {
      const y = y1 + ((drop.y - y1 + drop.speed * t) % (y2 - y1));
      g.moveTo(drop.x, y);
      g.lineTo(drop.x, y + drop.length);
    }
    g.strokeStyle = colour;
    g.lineWidth = 1.5 * stage.unit;
    g.stroke();
    g.restore();
  };
}
