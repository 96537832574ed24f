/**
 * Abstract data space: a glowing perspective grid, columns of code glyphs
 * streaming down, a network of nodes with pulses travelling its links, and
 * translucent chart panels in the foreground. Colours come from the scene's
 * light colour, so "red alert" and "calm teal" explainers differ.
 */
import { createCanvas, type Canvas, type SKRSContext2D } from '../../../video/canvas.js';
import { css, hex, mix, scale, type Rgb } from '../palette.js';
import type { Random } from '../random.js';
import { frameX, frameY, planeCanvas, type FrameTime, type Stage } from '../stage.js';
import type { Motif } from './motif.js';
import { drawGlow, glowSprite, paintGlow } from './paint.js';

const GLYPHS = '01ABCDEF0123456789<>/{}[]#$%*+=:;';

export const abstractData: Motif = {
  outdoor: false,
  accent: hex('#2fe6ff'),
  build(stage) {
    const { palette } = stage;
    const random = stage.random.fork('data');
    const { width, height } = stage.plane;
    const accent = palette.accent;

    const backdrop = planeCanvas(stage);
    const bg = scale(mix(palette.sky.top, [4, 8, 20], 0.7), 0.7);
    backdrop.g.fillStyle = css(bg);
    backdrop.g.fillRect(0, 0, width, height);
    paintGlow(backdrop.g, frameX(stage, 0.5), frameY(stage, 0.55), Math.max(width, height) * 0.6, accent, 0.22);
    paintGlow(backdrop.g, frameX(stage, 0.2), frameY(stage, 0.25), Math.max(width, height) * 0.3, palette.accentAlt, 0.12);

    const grid = planeCanvas(stage);
    paintGrid(grid.g, stage, accent);

    const network = planeCanvas(stage);
    const links = paintNetwork(network.g, stage, random.fork('network'), accent);

    const panels = planeCanvas(stage);
    const bars = paintPanels(panels.g, stage, random.fork('panels'), palette.accentAlt);

    return [
      { depth: 0.02, image: backdrop.canvas },
      { depth: 0.2, animate: glyphRain(stage, random.fork('glyphs'), accent) },
      { depth: 0.45, image: grid.canvas },
      { depth: 0.7, image: network.canvas, animate: pulses(stage, links, accent) },
      { depth: 0.92, image: panels.canvas, animate: liveBars(stage, bars, palette.accentAlt) },
    ];
  },
};

function paintGrid(g: SKRSContext2D, stage: Stage, colour: Rgb): void {
  const horizon = frameY(stage, 0.62);
  const vx = frameX(stage, 0.5);
  const { width, height } = stage.plane;
  const u = stage.unit;
  g.save();
  g.shadowColor = css(colour, 0.8);
  g.shadowBlur = 6 * u;
  g.lineWidth = 1.5 * u;
  for (let i = -24; i <= 24; i++) {
    g.beginPath();
    g.moveTo(vx, horizon);
    g.lineTo(vx + i * 0.12 * width, height);
    g.strokeStyle = css(colour, 0.35);
    g.stroke();
  }
  for (let k = 1; k < 24; k++) {
    const y = horizon + (height - horizon) * (k / 24) ** 2.2;
    g.beginPath();
    g.moveTo(0, y);
    g.lineTo(width, y);
    g.strokeStyle = css(colour, 0.08 + 0.3 * (k / 24));
    g.stroke();
  }
  g.restore();
  // The grid melts into a glowing horizon.
  const fade = g.createLinearGradient(0, horizon - 60 * u, 0, horizon + 80 * u);
  fade.addColorStop(0, css(colour, 0));
  fade.addColorStop(0.45, css(mix(colour, [255, 255, 255], 0.3), 0.35));
  fade.addColorStop(1, css(colour, 0));
  g.fillStyle = fade;
  g.fillRect(0, horizon - 60 * u, width, 140 * u);
}

/** A glyph column strip twice as tall as the plane, so it can scroll and wrap. */
function glyphStrip(stage: Stage, random: Random, colour: Rgb, size: number): Canvas {
  const rows = Math.ceil(stage.plane.height / size);
  const canvas = createCanvas(Math.ceil(size), Math.ceil(rows * size));
  const g = canvas.getContext('2d');
  g.font = `${Math.round(size * 0.8)}px "DejaVu Sans Mono"`;
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  for (let row = 0; row < rows; row++) {
    const level = random.chance(0.08) ? 1 : random.range(0.15, 0.7);
    g.fillStyle = css(mix(colour, [255, 255, 255], level > 0.9 ? 0.7 : 0.1), level);
    g.fillText(GLYPHS.charAt(random.int(0, GLYPHS.length)), size / 2, row * size + size / 2);
  }
  return canvas;
}

function glyphRain(stage: Stage, random: Random, colour: Rgb): (g: SKRSContext2D, time: FrameTime) => void {
  const size = 20 * stage.unit;
  const strips = Array.from({ length: 8 }, () => glyphStrip(stage, random, colour, size));
  const columns = Array.from({ length: Math.floor(stage.plane.width / (size * 1.6)) }, (_, i) => ({
    x: i * size * 1.6,
    strip: random.int(0, strips.length),
    speed: random.range(0.05, 0.25) * stage.plane.height,
    offset: random.range(0, stage.plane.height),
    alpha: random.range(0.15, 0.55),
  })).filter(() => random.chance(0.6));
  return (g, { t }) => {
    for (const column of columns) {
      const strip = strips[column.strip]!;
      const y = (column.offset + column.speed * t) % strip.height;
      g.globalAlpha = column.alpha;
      g.drawImage(strip, column.x, y);
      g.drawImage(strip, column.x, y - strip.height);
    }
    g.globalAlpha = 1;
  };
}

interface Link {
  from: [number, number];
  to: [number, number];
  speed: number;
  offset: number;
}

function paintNetwork(g: SKRSContext2D, stage: Stage, random: Random, colour: Rgb): Link[] {
  const u = stage.unit;
  const nodes = Array.from({ length: 18 }, (): [number, number] => [frameX(stage, random.range(0.05, 0.95)), frameY(stage, random.range(0.12, 0.58))]);
  const links: Link[] = [];
  nodes.forEach((node, i) => {
    const nearest = nodes
      .map((other, j) => ({ j, d: Math.hypot(other[0] - node[0], other[1] - node[1]) }))
      .filter(({ j }) => j !== i)
      .sort((a, b) => a.d - b.d)
      .slice(0, 2);
    for (const { j } of nearest) if (j > i || random.chance(0.3)) links.push({ from: node, to: nodes[j]!, speed: random.range(0.3, 0.9), offset: random.next() });
  });
  g.lineWidth = 1.5 * u;
  g.strokeStyle = css(colour, 0.35);
  for (const link of links) {
    g.beginPath();
    g.moveTo(...link.from);
    g.lineTo(...link.to);
    g.stroke();
  }
  for (const [x, y] of nodes) {
    const r = random.range(5, 12) * u;
    paintGlow(g, x, y, r * 4, colour, 0.5);
    g.beginPath();
    g.arc(x, y, r, 0, Math.PI * 2);
    g.fillStyle = css(mix(colour, [255, 255, 255], 0.5));
    g.fill();
  }
  return links;
}

function pulses(stage: Stage, links: readonly Link[], colour: Rgb): (g: SKRSContext2D, time: FrameTime) => void {
  const sprite = glowSprite(mix(colour, [255, 255, 255], 0.6));
  return (g, { t }) => {
    for (const link of links) {
      const p = (t * link.speed + link.offset) % 1;
      const x = link.from[0] + (link.to[0] - link.from[0]) * p;
      const y = link.from[1] + (link.to[1] - link.from[1]) * p;
      drawGlow(g, sprite, x, y, 14 * stage.unit, 0.9);
    }
  };
}

interface Bar {
  x: number;
  bottom: number;
  width: number;
  height: number;
  hertz: number;
  phase: number;
}

/** Two glass panels: one with a line chart, one with bars (which move). */
function paintPanels(g: SKRSContext2D, stage: Stage, random: Random, colour: Rgb): Bar[] {
  const u = stage.unit;
  const panel = (x: number, y: number, w: number, h: number): void => {
    g.fillStyle = css(scale(colour, 0.25), 0.35);
    g.strokeStyle = css(colour, 0.7);
    g.lineWidth = 2 * u;
    g.beginPath();
    g.roundRect(x, y, w, h, 8 * u);
    g.fill();
    g.stroke();
  };
  const lx = frameX(stage, 0.06);
  const ly = frameY(stage, 0.66);
  const lw = 360 * u;
  const lh = 200 * u;
  panel(lx, ly, lw, lh);
  g.beginPath();
  let value = 0.5;
  for (let i = 0; i <= 30; i++) {
    value = Math.min(0.95, Math.max(0.05, value + random.range(-0.15, 0.15)));
    const x = lx + 16 * u + (i / 30) * (lw - 32 * u);
    const y = ly + lh - 16 * u - value * (lh - 32 * u);
    if (i === 0) g.moveTo(x, y);
    else g.lineTo(x, y);
  }
  g.strokeStyle = css(mix(colour, [255, 255, 255], 0.4));
  g.lineWidth = 2.5 * u;
  g.stroke();

  const bw = 300 * u;
  const bh = 180 * u;
  const bx = frameX(stage, 0.94) - bw;
  const by = frameY(stage, 0.7);
  panel(bx, by, bw, bh);
  return Array.from({ length: 8 }, (_, i) => ({
    x: bx + 18 * u + i * ((bw - 36 * u) / 8),
    bottom: by + bh - 14 * u,
    width: ((bw - 36 * u) / 8) * 0.6,
    height: random.range(0.3, 0.85) * (bh - 28 * u),
    hertz: random.range(0.2, 0.6),
    phase: random.range(0, 6.28),
  }));
}

function liveBars(stage: Stage, bars: readonly Bar[], colour: Rgb): (g: SKRSContext2D, time: FrameTime) => void {
  const fill = css(mix(colour, [255, 255, 255], 0.25), 0.85);
  return (g, { t }) => {
    g.beginPath();
    for (const bar of bars) {
      const h = bar.height * (0.8 + 0.2 * Math.sin(t * bar.hertz * 6.28 + bar.phase));
      g.rect(bar.x, bar.bottom - h, bar.width, h);
    }
    g.fillStyle = fill;
    g.fill();
  };
}
