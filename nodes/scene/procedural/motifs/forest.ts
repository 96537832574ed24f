/**
 * A forest: hazy mountains, tree lines that get darker and sharper as they
 * come closer, big trunks and undergrowth framing the foreground, shafts of
 * light between the trees and floating motes (fireflies after dark).
 */
import type { SKRSContext2D } from '../../../video/canvas.js';
import { css, hex, mix, scale, type Rgb } from '../palette.js';
import { planeCanvas, frameX, frameY, type FrameTime, type Layer, type Stage } from '../stage.js';
import type { Motif } from './motif.js';
import { drawGlow, glowSprite, paintBroadleaf, paintClouds, paintHaze, paintOrb, paintPine, paintRidge, paintSky, paintSoft, paintStars } from './paint.js';

const FOLIAGE = hex('#2f5a34');

export const forest: Motif = {
  outdoor: true,
  accent: hex('#ffd890'),
  build(stage) {
    const { palette, unit: u, atmosphere } = stage;
    const random = stage.random.fork('forest');
    const horizon = frameY(stage, 0.58);
    const { width, height } = stage.plane;
    // Greens take the time of day's light: dark blue-green at night, gold-green at dusk.
    const green = (k: number, distance: number): Rgb => mix(scale(mix(FOLIAGE, palette.mid, 0.35), k * (0.25 + palette.light * 0.75)), palette.haze, distance);

    const sky = planeCanvas(stage);
    paintSky(sky.g, stage, horizon);
    paintStars(sky.g, stage, random.fork('stars'), 400, horizon);
    paintOrb(sky.g, stage, frameX(stage, 0.3), horizon, 30 * u);
    paintClouds(sky.g, stage, random.fork('clouds'), frameY(stage, 0.02), frameY(stage, 0.35), 5 + Math.round(atmosphere.overcast * 10), atmosphere.overcast);

    const mountains = planeCanvas(stage);
    paintRidge(mountains.g, stage, random.fork('mountains'), { baseY: horizon - 40 * u, amplitude: 150 * u, roughness: 0.9, fill: css(mix(palette.far, palette.haze, 0.45)) });
    paintHaze(mountains.g, stage, horizon, 90 * u, palette.haze, 0.5);

    const rows: Layer[] = [];
    const rowSpecs = [
      { depth: 0.25, base: horizon + 10 * u, size: [60, 120], gap: [8, 22], distance: 0.55 },
      { depth: 0.45, base: frameY(stage, 0.72), size: [150, 260], gap: [22, 55], distance: 0.3 },
      { depth: 0.7, base: frameY(stage, 0.92), size: [340, 560], gap: [70, 160], distance: 0.1 },
    ] as const;
    for (const [index, spec] of rowSpecs.entries()) {
      const row = planeCanvas(stage);
      const rowRandom = random.fork(`trees-${index}`);
      const colour = css(green(1 - index * 0.15, spec.distance));
      row.g.fillStyle = colour;
      row.g.fillRect(0, spec.base - 4 * u, width, height - spec.base + 4 * u);
      for (let x = -40 * u; x < width + 40 * u; x += rowRandom.range(spec.gap[0], spec.gap[1]) * u) {
        const size = rowRandom.range(spec.size[0], spec.size[1]) * u;
        const baseY = spec.base + rowRandom.range(-10, 10) * u;
        if (rowRandom.chance(0.75)) paintPine(row.g, x, baseY, size, colour, rowRandom);
        else paintBroadleaf(row.g, x, baseY, size * 0.8, colour, rowRandom);
      }
      paintHaze(row.g, stage, spec.base, 40 * u, palette.haze, spec.distance * 0.6);
      rows.push({ depth: spec.depth, image: row.canvas });
    }

    // Foreground: two great trunks framing the shot, ferns along the bottom.
    const near = planeCanvas(stage);
    const bark = css(scale(mix(hex('#2a1e16'), palette.near, 0.5), 0.6 + palette.light * 0.4));
    for (const [fx, w] of [[0.04, 120], [0.9, 160]] as const) {
      const x = frameX(stage, fx);
      near.g.fillStyle = bark;
      near.g.beginPath();
      near.g.moveTo(x - w * u * 0.5, height);
      near.g.lineTo(x - w * u * 0.4, 0);
      near.g.lineTo(x + w * u * 0.4, 0);
      near.g.lineTo(x + w * u * 0.5, height);
      near.g.fill();
      // Light catches the trunk's edge on the sun's side.
      near.g.fillStyle = css(mix(palette.near, palette.orb.glow, 0.35), 0.5);
      near.g.fillRect(x + w * u * 0.3, 0, 6 * u, height);
    }
    const fern = random.fork('ferns');
    const undergrowth = css(green(0.6, 0));
    near.g.fillStyle = undergrowth;
    for (let x = 0; x < width; x += fern.range(20, 50) * u) {
      const baseY = frameY(stage, 1.02);
      const h = fern.range(60, 160) * u;
      for (let leaf = -3; leaf <= 3; leaf++) {
        near.g.beginPath();
        near.g.moveTo(x, baseY);
        near.g.quadraticCurveTo(x + leaf * h * 0.12, baseY - h * 0.7, x + leaf * h * 0.3, baseY - h * (1 - Math.abs(leaf) * 0.12));
        near.g.lineTo(x + leaf * h * 0.3 + 4 * u, baseY - h * (1 - Math.abs(leaf) * 0.12) + 6 * u);
        near.g.quadraticCurveTo(x + leaf * h * 0.12 + 6 * u, baseY - h * 0.6, x + 8 * u, baseY);
        near.g.fill();
      }
    }

    const rays = planeCanvas(stage);
    if (palette.orb.visible && palette.light > 0.3) paintRays(rays.g, stage, frameX(stage, 0.3), frameY(stage, 0.1));

    return [
      { depth: 0.03, image: sky.canvas },
      { depth: 0.1, image: mountains.canvas },
      ...rows,
      { depth: 0.75, image: rays.canvas },
      { depth: 0.8, animate: motes(stage) },
      { depth: 0.95, image: near.canvas },
    ];
  },
};

/** God rays: pale wedges fanning down from the sun through the canopy. */
function paintRays(g: SKRSContext2D, stage: Stage, x: number, y: number): void {
  const random = stage.random.fork('rays');
  const colour = mix(stage.palette.orb.glow, [255, 255, 255], 0.4);
  paintSoft(
    g,
    stage,
    14 * stage.unit,
    (soft) => {
      for (let i = 0; i < 7; i++) {
        const angle = random.range(0.25, 1.1) * (random.chance(0.5) ? 1 : -1) * 0.6 + Math.PI / 2;
        const spread = random.range(0.02, 0.05);
        const length = stage.plane.height * 1.2;
        soft.beginPath();
        soft.moveTo(x, y);
        soft.lineTo(x + Math.cos(angle - spread) * length, y + Math.sin(angle - spread) * length);
        soft.lineTo(x + Math.cos(angle + spread) * length, y + Math.sin(angle + spread) * length);
        soft.closePath();
        const gradient = soft.createLinearGradient(x, y, x, y + length);
        gradient.addColorStop(0, css(colour, 0.2 * stage.palette.light));
        gradient.addColorStop(1, css(colour, 0));
        soft.fillStyle = gradient;
        soft.fill();
      }
    },
    'lighter',
  );
}

/** Pollen by day, fireflies by night: slow wandering points of light. */
function motes(stage: Stage): (g: SKRSContext2D, time: FrameTime) => void {
  const random = stage.random.fork('motes');
  const night = stage.palette.light < 0.5;
  const colour: Rgb = night ? hex('#d8ff7a') : mix(stage.palette.orb.glow, [255, 255, 255], 0.5);
  const u = stage.unit;
  const points = Array.from({ length: night ? 40 : 60 }, () => ({
    x: random.range(0, stage.plane.width),
    y: random.range(frameY(stage, 0.45), frameY(stage, 0.95)),
    radius: random.range(1.2, 3) * u,
    hertz: random.range(0.1, 0.3),
    phase: random.range(0, Math.PI * 2),
    pulse: random.range(0.3, 1.2),
  }));
  const sprite = glowSprite(colour);
  return (g, { t }) => {
    for (const p of points) {
      const x = p.x + Math.sin(t * p.hertz * 6.28 + p.phase) * 30 * u;
      const y = p.y + Math.cos(t * p.hertz * 4.1 + p.phase) * 18 * u;
      const alpha = night ? 0.5 + 0.5 * Math.sin(t * p.pulse * 6.28 + p.phase) : 0.45;
      if (alpha <= 0.05) continue;
      drawGlow(g, sprite, x, y, p.radius * (night ? 5 : 2.5), alpha);
    }
  };
}
