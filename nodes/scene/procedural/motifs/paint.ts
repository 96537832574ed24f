/**
 * Painting helpers shared by the motifs: skies, sun and moon, stars,
 * clouds, haze, ridgelines, building rows and trees. All draw in plane
 * coordinates, sized in 1080p pixels times `stage.unit`.
 */
import { createCanvas, type Canvas, type SKRSContext2D } from '../../../video/canvas.js';
import { css, mix, scale, type Rgb } from '../palette.js';
import type { Random } from '../random.js';
import type { Stage } from '../stage.js';

/** The sky from the top of the plane down to `horizon`, then its horizon colour below. */
export function paintSky(g: SKRSContext2D, stage: Stage, horizon: number): void {
  const { width, height } = stage.plane;
  const { top, middle, horizon: low } = stage.palette.sky;
  const gradient = g.createLinearGradient(0, 0, 0, horizon);
  gradient.addColorStop(0, css(top));
  gradient.addColorStop(0.55, css(middle));
  gradient.addColorStop(1, css(low));
  g.fillStyle = gradient;
  g.fillRect(0, 0, width, horizon);
  g.fillStyle = css(low);
  g.fillRect(0, horizon, width, height - horizon);
}

export function paintStars(g: SKRSContext2D, stage: Stage, random: Random, count: number, bottom: number): void {
  const alpha = stage.palette.stars;
  if (alpha <= 0) return;
  const u = stage.unit;
  for (let i = 0; i < count; i++) {
    const x = random.range(0, stage.plane.width);
    const y = random.range(0, bottom) * random.range(0.3, 1);
    const bright = random.next() ** 3;
    g.fillStyle = css(mix([200, 215, 255], [255, 240, 220], random.next()), alpha * (0.35 + 0.65 * bright) * (1 - (y / bottom) * 0.6));
    const r = (0.6 + bright * 1.4) * u;
    g.fillRect(x - r / 2, y - r / 2, r, r);
  }
}

/** The sun or the moon with its glow, at the palette's altitude above `horizon`. */
export function paintOrb(g: SKRSContext2D, stage: Stage, x: number, horizon: number, radius: number): void {
  const { orb } = stage.palette;
  const y = horizon - orb.altitude * (horizon - stage.view.y) * 0.9;
  const glowRadius = radius * (orb.kind === 'sun' ? 9 : 6);
  const glow = g.createRadialGradient(x, y, radius * 0.5, x, y, glowRadius);
  const glowAlpha = orb.visible ? (orb.kind === 'sun' ? 0.55 : 0.3) : 0.18;
  glow.addColorStop(0, css(orb.glow, glowAlpha));
  glow.addColorStop(0.35, css(orb.glow, glowAlpha * 0.35));
  glow.addColorStop(1, css(orb.glow, 0));
  g.fillStyle = glow;
  g.fillRect(x - glowRadius, y - glowRadius, glowRadius * 2, glowRadius * 2);
  if (!orb.visible) return;
  g.beginPath();
  g.arc(x, y, radius, 0, Math.PI * 2);
  g.fillStyle = css(orb.colour);
  g.fill();
  if (orb.kind === 'moon') {
    // Maria: a few darker patches make a disc read as the moon.
    for (const [dx, dy, r] of [[-0.3, -0.2, 0.28], [0.25, 0.1, 0.22], [-0.05, 0.35, 0.18], [0.35, -0.35, 0.12]] as const) {
      g.beginPath();
      g.arc(x + dx * radius, y + dy * radius, r * radius, 0, Math.PI * 2);
      g.fillStyle = css(scale(orb.colour, 0.82), 0.6);
      g.fill();
    }
  }
}

/**
 * Something soft (clouds, light shafts) drawn at a quarter of the plane's
 * resolution and blurred there, then scaled up: blurring at full size costs
 * seconds per layer, at a quarter it costs milliseconds and looks the same.
 */
export function paintSoft(g: SKRSContext2D, stage: Stage, blur: number, draw: (soft: SKRSContext2D) => void, composite: GlobalCompositeOperation = 'source-over'): void {
  const canvas = createCanvas(Math.ceil(stage.plane.width / SOFT_SCALE), Math.ceil(stage.plane.height / SOFT_SCALE));
  const soft = canvas.getContext('2d');
  soft.scale(1 / SOFT_SCALE, 1 / SOFT_SCALE);
  draw(soft);
  g.save();
  g.globalCompositeOperation = composite;
  g.filter = `blur(${Math.max(1, Math.round(blur / SOFT_SCALE))}px)`;
  g.drawImage(canvas, 0, 0, stage.plane.width, stage.plane.height);
  g.restore();
}

const SOFT_SCALE = 4;

/** Soft cloud banks between `top` and `bottom`, lit from below at dusk and dawn. */
export function paintClouds(g: SKRSContext2D, stage: Stage, random: Random, top: number, bottom: number, count: number, cover: number): void {
  const { palette, unit: u } = stage;
  const base = mix(palette.sky.middle, [210, 214, 222], palette.light * 0.6);
  const lit = mix(base, palette.sky.horizon, 0.5);
  paintSoft(g, stage, 10 * u, (soft) => {
    for (let i = 0; i < count; i++) {
      const cx = random.range(-0.1, 1.1) * stage.plane.width;
      const cy = random.range(top, bottom);
      const w = random.range(140, 420) * u * (1 + cover);
      const puffs = random.int(5, 10);
      const alpha = (0.35 + cover * 0.5) * random.range(0.6, 1);
      for (let p = 0; p < puffs; p++) {
        const px = cx + random.range(-0.5, 0.5) * w;
        const py = cy + random.range(-0.15, 0.1) * w * 0.4;
        const r = random.range(0.12, 0.28) * w;
        soft.beginPath();
        soft.ellipse(px, py, r, r * 0.55, 0, 0, Math.PI * 2);
        const gradient = soft.createLinearGradient(0, py - r * 0.55, 0, py + r * 0.55);
        gradient.addColorStop(0, css(base, alpha));
        gradient.addColorStop(1, css(lit, alpha));
        soft.fillStyle = gradient;
        soft.fill();
      }
    }
  });
}

/** A band of haze centred on `y`: distance dissolving into the air. */
export function paintHaze(g: SKRSContext2D, stage: Stage, y: number, halfHeight: number, colour: Rgb, alpha: number): void {
  const gradient = g.createLinearGradient(0, y - halfHeight, 0, y + halfHeight);
  gradient.addColorStop(0, css(colour, 0));
  gradient.addColorStop(0.5, css(colour, alpha));
  gradient.addColorStop(1, css(colour, 0));
  g.fillStyle = gradient;
  g.fillRect(0, y - halfHeight, stage.plane.width, halfHeight * 2);
}

/**
 * A ridgeline across the plane by midpoint displacement, filled down to the
 * bottom: mountains, hills, dunes. Returns the ridge's points.
 */
export function paintRidge(
  g: SKRSContext2D,
  stage: Stage,
  random: Random,
  options: { baseY: number; amplitude: number; roughness: number; fill: string | CanvasGradientLike; smooth?: boolean },
): [number, number][] {
  const { width, height } = stage.plane;
  const segments = 128;
  const heights = new Array<number>(segments + 1).fill(0);
  heights[0] = random.range(-1, 1);
  heights[segments] = random.range(-1, 1);
  for (let step = segments; step > 1; step /= 2) {
    const spread = (step / segments) ** options.roughness;
    for (let i = step / 2; i < segments; i += step) {
      heights[i] = ((heights[i - step / 2] as number) + (heights[i + step / 2] as number)) / 2 + random.range(-1, 1) * spread;
    }
  }
  const points = heights.map((h, i): [number, number] => [(i / segments) * width, options.baseY - h * options.amplitude]);
  g.beginPath();
  g.moveTo(0, height);
  if (options.smooth) {
    g.lineTo(points[0]![0], points[0]![1]);
    for (let i = 1; i < points.length - 1; i++) {
      const [x, y] = points[i]!;
      const [nx, ny] = points[i + 1]!;
      g.quadraticCurveTo(x, y, (x + nx) / 2, (y + ny) / 2);
    }
    g.lineTo(points.at(-1)![0], points.at(-1)![1]);
  } else {
    for (const [x, y] of points) g.lineTo(x, y);
  }
  g.lineTo(width, height);
  g.closePath();
  g.fillStyle = options.fill;
  g.fill();
  return points;
}

/** What `fillStyle` takes besides a string. */
export type CanvasGradientLike = ReturnType<SKRSContext2D['createLinearGradient']>;

export interface WindowStyle {
  /** Window size and spacing in 1080p pixels. */
  size: [number, number];
  gap: [number, number];
  /** Fraction lit. */
  lit: number;
  unlit: Rgb;
}

/** Windows on a rectangle of facade: a grid, some lit in the palette's window colours. */
export function paintWindows(g: SKRSContext2D, stage: Stage, random: Random, rect: { x: number; y: number; width: number; height: number }, style: WindowStyle): void {
  const u = stage.unit;
  const [w, h] = [style.size[0] * u, style.size[1] * u];
  const [gx, gy] = [style.gap[0] * u, style.gap[1] * u];
  const columns = Math.floor((rect.width - gx) / (w + gx));
  const rows = Math.floor((rect.height - gy) / (h + gy));
  if (columns < 1 || rows < 1) return;
  const x0 = rect.x + (rect.width - (columns * (w + gx) - gx)) / 2;
  // Lights come on by floors and clusters, not uniformly: each row has its own odds.
  for (let row = 0; row < rows; row++) {
    const rowOdds = Math.min(1, style.lit * random.range(0.2, 2.2));
    for (let column = 0; column < columns; column++) {
      const x = x0 + column * (w + gx);
      const y = rect.y + gy + row * (h + gy);
      if (random.chance(rowOdds)) {
        const colour = random.pick(stage.palette.windows.colours);
        g.fillStyle = css(scale(colour, random.range(0.6, 1)));
      } else {
        g.fillStyle = css(style.unlit);
      }
      g.fillRect(x, y, w, h);
    }
  }
}

export interface BuildingRowOptions {
  /** Plane y of the buildings' feet. */
  baseY: number;
  /** Height range in 1080p pixels. */
  height: [number, number];
  width: [number, number];
  colour: Rgb;
  windows?: WindowStyle;
  /** Share of buildings with a spire or antenna. */
  spires?: number;
}

export interface Rooftop {
  x: number;
  y: number;
}

/** A row of buildings across the plane; returns the antenna tips (for blinking aviation lights). */
export function paintBuildingRow(g: SKRSContext2D, stage: Stage, random: Random, options: BuildingRowOptions): Rooftop[] {
  const u = stage.unit;
  const tips: Rooftop[] = [];
  let x = -random.range(0, options.width[1]) * u;
  while (x < stage.plane.width) {
    const w = random.range(options.width[0], options.width[1]) * u;
    const h = random.range(options.height[0], options.height[1]) * u * (random.chance(0.15) ? 1.5 : 1);
    const top = options.baseY - h;
    const shade = scale(options.colour, random.range(0.85, 1.15));
    g.fillStyle = css(shade);
    const roof = random.int(0, 4);
    g.beginPath();
    g.moveTo(x, options.baseY);
    g.lineTo(x, top);
    if (roof === 1) {
      // Stepped crown.
      g.lineTo(x + w * 0.15, top);
      g.lineTo(x + w * 0.15, top - w * 0.25);
      g.lineTo(x + w * 0.85, top - w * 0.25);
      g.lineTo(x + w * 0.85, top);
    } else if (roof === 2) {
      g.lineTo(x + w, top - w * 0.35); // slanted roof
    }
    g.lineTo(x + w, roof === 2 ? top - w * 0.35 : top);
    g.lineTo(x + w, options.baseY);
    g.closePath();
    g.fill();
    if (options.windows) paintWindows(g, stage, random, { x: x + 3 * u, y: top + 6 * u, width: w - 6 * u, height: h - 10 * u }, options.windows);
    if (random.chance(options.spires ?? 0)) {
      const spire = random.range(0.2, 0.6) * h;
      const cx = x + w / 2;
      const roofY = roof === 1 ? top - w * 0.25 : top;
      g.fillStyle = css(shade);
      g.fillRect(cx - 1.5 * u, roofY - spire, 3 * u, spire);
      tips.push({ x: cx, y: roofY - spire });
    }
    x += w + random.range(0, 14) * u;
  }
  return tips;
}

/** A conifer: overlapping drooping tiers narrowing to the tip, on a short trunk. */
export function paintPine(g: SKRSContext2D, x: number, baseY: number, height: number, colour: string, random: Random): void {
  const tiers = 6;
  const width = height * random.range(0.42, 0.55);
  g.fillStyle = colour;
  g.fillRect(x - height * 0.025, baseY - height * 0.15, height * 0.05, height * 0.15);
  g.beginPath();
  for (let tier = 0; tier < tiers; tier++) {
    const bottom = baseY - height * 0.1 - tier * height * 0.14;
    const top = bottom - height * 0.3;
    const half = (width / 2) * (1 - tier / (tiers + 1)) * random.range(0.9, 1.1);
    g.moveTo(x - half, bottom);
    g.quadraticCurveTo(x - half * 0.4, bottom - height * 0.06, x, top);
    g.quadraticCurveTo(x + half * 0.4, bottom - height * 0.06, x + half, bottom);
    g.quadraticCurveTo(x, bottom - height * 0.03, x - half, bottom);
  }
  g.fill();
}

/** A broadleaf tree: a trunk and a crown of overlapping blobs. */
export function paintBroadleaf(g: SKRSContext2D, x: number, baseY: number, height: number, colour: string, random: Random): void {
  g.fillStyle = colour;
  g.beginPath();
  g.moveTo(x - height * 0.03, baseY);
  g.lineTo(x - height * 0.015, baseY - height * 0.5);
  g.lineTo(x + height * 0.015, baseY - height * 0.5);
  g.lineTo(x + height * 0.03, baseY);
  g.fill();
  g.beginPath();
  for (let i = 0; i < 7; i++) {
    const r = height * random.range(0.14, 0.22);
    const cx = x + random.range(-0.18, 0.18) * height;
    const cy = baseY - height * random.range(0.55, 0.82);
    g.moveTo(cx + r, cy);
    g.arc(cx, cy, r, 0, Math.PI * 2);
  }
  g.fill();
}

/** A soft round glow: lamps, LEDs, signs. */
export function paintGlow(g: SKRSContext2D, x: number, y: number, radius: number, colour: Rgb, alpha: number): void {
  if (radius <= 0 || alpha <= 0) return;
  const gradient = g.createRadialGradient(x, y, 0, x, y, radius);
  gradient.addColorStop(0, css(colour, alpha));
  gradient.addColorStop(0.4, css(colour, alpha * 0.35));
  gradient.addColorStop(1, css(colour, 0));
  g.fillStyle = gradient;
  g.fillRect(x - radius, y - radius, radius * 2, radius * 2);
}

/**
 * A glow drawn once into a small sprite, for glows that are drawn every
 * frame (fireflies, pulses, warning lights): scaling a sprite is far cheaper
 * than building a gradient per glow per frame.
 */
export function glowSprite(colour: Rgb): Canvas {
  const size = 64;
  const canvas = createCanvas(size, size);
  paintGlow(canvas.getContext('2d'), size / 2, size / 2, size / 2, colour, 1);
  return canvas;
}

export function drawGlow(g: SKRSContext2D, sprite: Canvas, x: number, y: number, radius: number, alpha: number): void {
  if (radius <= 0 || alpha <= 0) return;
  g.globalAlpha = Math.min(1, alpha);
  g.drawImage(sprite, x - radius, y - radius, radius * 2, radius * 2);
  g.globalAlpha = 1;
}
