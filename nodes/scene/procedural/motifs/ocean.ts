/**
 * Open sea: a sky with the sun or moon, a distant headland with a
 * lighthouse, water darkening toward the camera, rows of moving wave crests
 * spaced by perspective, and a glittering path of light under the sun or moon.
 */
import type { SKRSContext2D } from '../../../video/canvas.js';
import { css, hex, mix, scale } from '../palette.js';
import { unitOf, type Random } from '../random.js';
import { frameX, frameY, planeCanvas, type FrameTime, type PlaneBox, type Stage } from '../stage.js';
import type { Motif } from './motif.js';
import { paintClouds, paintGlow, paintHaze, paintOrb, paintSky, paintStars } from './paint.js';

const WATER = hex('#0e3a5a');
const ORB_X = 0.62;

export const ocean: Motif = {
  outdoor: true,
  accent: hex('#ffd08a'),
  build(stage) {
    const { palette, unit: u, atmosphere } = stage;
    const random = stage.random.fork('ocean');
    const horizon = frameY(stage, 0.5);

    const sky = planeCanvas(stage);
    paintSky(sky.g, stage, horizon);
    paintStars(sky.g, stage, random.fork('stars'), 500, horizon);
    paintOrb(sky.g, stage, frameX(stage, ORB_X), horizon, 32 * u);
    paintClouds(sky.g, stage, random.fork('clouds'), frameY(stage, 0.05), frameY(stage, 0.42), 6 + Math.round(atmosphere.overcast * 10), atmosphere.overcast);

    const headland = planeCanvas(stage);
    const ridge = paintHeadland(headland.g, stage, random.fork('headland'), horizon, css(mix(palette.far, palette.haze, 0.3)));
    headland.g.fillStyle = css(palette.sky.horizon);
    headland.g.fillRect(0, horizon, stage.plane.width, stage.plane.height - horizon);
    const lighthouse = ridge.find(([x]) => x > frameX(stage, 0.18)) ?? [frameX(stage, 0.18), horizon];
    paintLighthouse(headland.g, stage, lighthouse[0], lighthouse[1]);
    paintHaze(headland.g, stage, horizon, 24 * u, palette.haze, 0.5);

    const sea = planeCanvas(stage);
    const water = mix(WATER, palette.sky.middle, 0.35);
    const gradient = sea.g.createLinearGradient(0, horizon, 0, stage.plane.height);
    gradient.addColorStop(0, css(mix(palette.sky.horizon, water, 0.35)));
    gradient.addColorStop(0.25, css(scale(water, 0.35 + palette.light * 0.65)));
    gradient.addColorStop(1, css(scale(water, 0.15 + palette.light * 0.35)));
    sea.g.fillStyle = gradient;
    sea.g.fillRect(0, horizon, stage.plane.width, stage.plane.height - horizon);

    return [
      { depth: 0.03, image: sky.canvas },
      { depth: 0.12, image: headland.canvas },
      { depth: 0.5, image: sea.canvas, animate: waves(stage, horizon) },
    ];
  },
};

/** A headland running out from the left edge and sloping down into the sea; returns its outline. */
function paintHeadland(g: SKRSContext2D, stage: Stage, random: Random, horizon: number, colour: string): [number, number][] {
  const u = stage.unit;
  const end = frameX(stage, random.range(0.28, 0.38));
  const points: [number, number][] = [];
  for (let x = 0; x <= end; x += 6 * u) {
    const taper = Math.cos(((x / end) * Math.PI) / 2) ** 0.6;
    points.push([x, horizon - taper * (45 + 18 * Math.sin(x * 0.011 + random.range(0, 0.3))) * u - random.range(0, 3) * u]);
  }
  points.push([end, horizon]);
  g.beginPath();
  g.moveTo(0, horizon + 2 * u);
  for (const [x, y] of points) g.lineTo(x, y);
  g.lineTo(end, horizon + 2 * u);
  g.closePath();
  g.fillStyle = colour;
  g.fill();
  return points;
}

function paintLighthouse(g: SKRSContext2D, stage: Stage, x: number, ground: number): void {
  const u = stage.unit;
  const h = 60 * u;
  g.fillStyle = css(mix(stage.palette.far, [230, 230, 230], 0.35 * stage.palette.light));
  g.beginPath();
  g.moveTo(x - 6 * u, ground);
  g.lineTo(x - 3.5 * u, ground - h);
  g.lineTo(x + 3.5 * u, ground - h);
  g.lineTo(x + 6 * u, ground);
  g.fill();
  if (stage.palette.light < 0.6) paintGlow(g, x, ground - h - 3 * u, 40 * u, hex('#fff0c0'), 0.8);
}

/** Wave crests in rows that crowd toward the horizon, and the glitter under the sun or moon. */
function waves(stage: Stage, horizon: number): (g: SKRSContext2D, time: FrameTime, visible: PlaneBox) => void {
  const { palette, unit: u } = stage;
  const random = stage.random.fork('waves');
  const { width, height } = stage.plane;
  const rows = Array.from({ length: 34 }, (_, i) => {
    const depth = ((i + 1) / 34) ** 2.2;
    return {
      y: horizon + depth * (height - horizon),
      amplitude: (1 + depth * 14) * u,
      wavelength: (30 + depth * 380) * u * random.range(0.8, 1.2),
      speed: random.range(0.6, 1.1) * (0.3 + depth),
      phase: random.range(0, 6.28),
      alpha: 0.12 + depth * 0.5,
      lineWidth: (0.6 + depth * 3) * u,
    };
  });
  const crest = mix(palette.sky.horizon, [255, 255, 255], 0.4 + palette.light * 0.3);
  const trough = scale(mix(WATER, palette.sky.top, 0.3), 0.5);
  const glitter = mix(palette.orb.colour, palette.orb.glow, 0.3);
  const orbX = frameX(stage, ORB_X);
  const glints = Array.from({ length: 180 }, () => {
    const depth = random.next() ** 1.6;
    return { depth, x: (random.next() - 0.5) * (0.05 + depth * 0.5) * width, rate: random.range(3, 9), length: (4 + depth * 40) * u };
  });
  return (g, { t }, visible) => {
    for (const row of rows) {
      // Far rows are short and flat: fewer points draw them just as well.
      const step = Math.max(8 * u, row.wavelength / 10);
      const k = (2 * Math.PI) / row.wavelength;
      const omega = row.speed * 2.2;
      // Only the stretch of the row in view is stroked (stroking is most of a frame's cost here); the reach covers the wide trough line and its joins.
      const reach = row.lineWidth * 2.2 * 4 + row.amplitude;
      if (row.y - reach > visible.bottom || row.y + reach < visible.top) continue;
      const first = Math.max(0, Math.floor((visible.left - reach) / step));
      const last = Math.min(Math.floor((width + step) / step), Math.ceil((visible.right + reach) / step));
      g.beginPath();
      for (let i = first; i <= last; i++) {
        const x = i * step;
        const y = row.y + Math.sin(k * x - omega * t + row.phase) * row.amplitude * (0.7 + 0.3 * Math.sin(x * 0.0017 + row.phase));
        if (i === first) g.moveTo(x, y);
        else g.lineTo(x, y);
      }
      g.strokeStyle = css(trough, row.alpha * 0.9);
      g.lineWidth = row.lineWidth * 2.2;
      g.stroke();
      g.translate(0, -row.lineWidth * 1.2);
      g.strokeStyle = css(crest, row.alpha);
      g.lineWidth = row.lineWidth;
      g.stroke();
      g.translate(0, row.lineWidth * 1.2);
    }
    if (!palette.orb.visible) return;
    for (const [i, glint] of glints.entries()) {
      const on = unitOf(stage.seed, 'glint', i, Math.floor(t * glint.rate));
      if (on < 0.45) continue;
      const y = horizon + glint.depth * (height - horizon);
      g.fillStyle = css(glitter, (on - 0.45) * 1.6 * (palette.orb.kind === 'sun' ? 0.9 : 0.7));
      g.fillRect(orbX + glint.x - glint.length / 2, y, glint.length, Math.max(1, (1 + glint.depth * 3) * u));
    }
  };
}
