/**
 * Space: a deep starfield over nebula clouds in the scene's light colours,
 * a lit planet with banding, an atmosphere rim and a ring, a small moon, and
 * a few tumbling rocks close to the camera. Stars twinkle; nothing else
 * needs to move for the camera to sell the depth.
 */
import type { SKRSContext2D } from '../../../video/canvas.js';
import { css, hex, mix, scale, type Rgb } from '../palette.js';
import type { Random } from '../random.js';
import { frameX, frameY, framesOfArea, planeCanvas, type FrameTime, type Stage } from '../stage.js';
import type { Motif } from './motif.js';

export const space: Motif = {
  outdoor: false,
  accent: hex('#7a5cff'),
  build(stage) {
    const { palette, unit: u } = stage;
    const random = stage.random.fork('space');
    const { width, height } = stage.plane;
    // Space ignores the time of day; the palette's accents colour the nebulae.
    const deep = scale(mix(palette.sky.top, [4, 6, 16], 0.7), 0.6);

    const backdrop = planeCanvas(stage);
    backdrop.g.fillStyle = css(deep);
    backdrop.g.fillRect(0, 0, width, height);
    paintNebula(backdrop.g, stage, random.fork('nebula'), [palette.accent, palette.accentAlt, mix(palette.accent, [255, 80, 120], 0.5)]);
    paintStarfield(backdrop.g, stage, random.fork('stars-far'), Math.round(2300 * framesOfArea(stage)), [0.4, 1.2]);

    const stars = planeCanvas(stage);
    paintStarfield(stars.g, stage, random.fork('stars-near'), Math.round(230 * framesOfArea(stage)), [1, 2.4]);

    const planet = planeCanvas(stage);
    const planetRadius = 300 * u;
    paintPlanet(planet.g, stage, random.fork('planet'), frameX(stage, 0.7), frameY(stage, 0.72), planetRadius);
    const moon = planeCanvas(stage);
    paintMoon(moon.g, frameX(stage, 0.25), frameY(stage, 0.3), 46 * u);

    return [
      { depth: 0.02, image: backdrop.canvas },
      { depth: 0.12, image: stars.canvas, animate: twinkle(stage) },
      { depth: 0.35, image: planet.canvas },
      { depth: 0.55, image: moon.canvas },
      { depth: 0.95, animate: debris(stage) },
    ];
  },
};

function paintNebula(g: SKRSContext2D, stage: Stage, random: Random, colours: readonly Rgb[]): void {
  g.save();
  g.globalCompositeOperation = 'lighter';
  const { width, height } = stage.plane;
  // A diagonal band of glowing gas, as in a galactic plane.
  for (let i = 0; i < 40; i++) {
    const along = random.next();
    const x = along * width;
    const y = height * (0.85 - along * 0.6) + random.range(-0.15, 0.15) * height;
    const r = random.range(0.08, 0.25) * Math.max(width, height);
    const colour = random.pick(colours);
    const gradient = g.createRadialGradient(x, y, 0, x, y, r);
    gradient.addColorStop(0, css(colour, random.range(0.04, 0.12)));
    gradient.addColorStop(1, css(colour, 0));
    g.fillStyle = gradient;
    g.fillRect(x - r, y - r, r * 2, r * 2);
  }
  g.restore();
}

function paintStarfield(g: SKRSContext2D, stage: Stage, random: Random, count: number, size: [number, number]): void {
  for (let i = 0; i < count; i++) {
    const x = random.range(0, stage.plane.width);
    const y = random.range(0, stage.plane.height);
    const bright = random.next() ** 4;
    const r = (size[0] + (size[1] - size[0]) * bright) * stage.unit;
    g.fillStyle = css(mix([190, 210, 255], [255, 230, 200], random.next()), 0.4 + bright * 0.6);
    g.beginPath();
    g.arc(x, y, r, 0, Math.PI * 2);
    g.fill();
  }
}

function paintPlanet(g: SKRSContext2D, stage: Stage, random: Random, x: number, y: number, radius: number): void {
  const { palette } = stage;
  const base = mix(palette.accentAlt, hex('#c89a6a'), 0.55);
  // Atmosphere rim.
  const rim = g.createRadialGradient(x, y, radius * 0.95, x, y, radius * 1.25);
  rim.addColorStop(0, css(mix(palette.accentAlt, [255, 255, 255], 0.3), 0.6));
  rim.addColorStop(1, css(palette.accentAlt, 0));
  g.fillStyle = rim;
  g.fillRect(x - radius * 1.3, y - radius * 1.3, radius * 2.6, radius * 2.6);
  g.save();
  g.beginPath();
  g.arc(x, y, radius, 0, Math.PI * 2);
  g.clip();
  g.fillStyle = css(base);
  g.fillRect(x - radius, y - radius, radius * 2, radius * 2);
  for (let band = -radius; band < radius; band += random.range(8, 30) * stage.unit) {
    g.fillStyle = css(scale(base, random.range(0.75, 1.25)), 0.6);
    g.fillRect(x - radius, y + band, radius * 2, random.range(4, 20) * stage.unit);
  }
  // Night side: lit from the upper left.
  const shade = g.createRadialGradient(x - radius * 0.45, y - radius * 0.45, radius * 0.2, x, y, radius * 1.15);
  shade.addColorStop(0, 'rgba(0,0,0,0)');
  shade.addColorStop(0.6, 'rgba(0,0,0,0.35)');
  shade.addColorStop(1, 'rgba(0,0,0,0.95)');
  g.fillStyle = shade;
  g.fillRect(x - radius, y - radius, radius * 2, radius * 2);
  g.restore();
  // Ring, tilted.
  g.save();
  g.translate(x, y);
  g.rotate(-0.3);
  g.scale(1, 0.22);
  g.strokeStyle = css(mix(base, [255, 255, 255], 0.3), 0.55);
  g.lineWidth = radius * 0.18;
  g.beginPath();
  g.arc(0, 0, radius * 1.65, Math.PI * 1.02, Math.PI * 1.98, true);
  g.stroke();
  g.restore();
}

function paintMoon(g: SKRSContext2D, x: number, y: number, radius: number): void {
  const gradient = g.createRadialGradient(x - radius * 0.4, y - radius * 0.4, radius * 0.1, x, y, radius);
  gradient.addColorStop(0, css([210, 205, 200]));
  gradient.addColorStop(1, css([40, 40, 48]));
  g.fillStyle = gradient;
  g.beginPath();
  g.arc(x, y, radius, 0, Math.PI * 2);
  g.fill();
}

/** A few bright stars pulse. */
function twinkle(stage: Stage): (g: SKRSContext2D, time: FrameTime) => void {
  const random = stage.random.fork('twinkle');
  const stars = Array.from({ length: 30 }, () => ({ x: random.range(0, stage.plane.width), y: random.range(0, stage.plane.height), hertz: random.range(0.3, 1.2), phase: random.range(0, 6.28) }));
  const u = stage.unit;
  return (g, { t }) => {
    for (const star of stars) {
      const level = 0.5 + 0.5 * Math.sin(t * star.hertz * 6.28 + star.phase);
      g.fillStyle = css([235, 240, 255], level);
      g.fillRect(star.x - 6 * u * level, star.y - 0.6 * u, 12 * u * level, 1.2 * u);
      g.fillRect(star.x - 0.6 * u, star.y - 6 * u * level, 1.2 * u, 12 * u * level);
    }
  };
}

/** Rocks drifting past close to the camera, turning slowly. */
function debris(stage: Stage): (g: SKRSContext2D, time: FrameTime) => void {
  const random = stage.random.fork('debris');
  const u = stage.unit;
  const rocks = Array.from({ length: 5 }, () => ({
    x: random.range(0, stage.plane.width),
    y: random.range(0, stage.plane.height),
    vx: random.range(-25, 25) * u,
    vy: random.range(-10, 10) * u,
    size: random.range(12, 40) * u,
    spin: random.range(-0.4, 0.4),
    shape: Array.from({ length: 7 }, () => random.range(0.7, 1.1)),
  }));
  const colour = css(scale(mix(stage.palette.near, [60, 56, 52], 0.6), 0.8));
  const lit = css(mix(stage.palette.accentAlt, [200, 190, 180], 0.6), 0.6);
  return (g, { t }) => {
    for (const rock of rocks) {
      g.save();
      g.translate(rock.x + rock.vx * t, rock.y + rock.vy * t);
      g.rotate(rock.spin * t);
      g.beginPath();
      rock.shape.forEach((k, i) => {
        const angle = (i / rock.shape.length) * Math.PI * 2;
        const px = Math.cos(angle) * rock.size * k;
        const py = Math.sin(angle) * rock.size * k * 0.8;
        if (i === 0) g.moveTo(px, py);
        else g.lineTo(px, py);
      });
      g.closePath();
      g.fillStyle = colour;
      g.fill();
      g.strokeStyle = lit;
      g.lineWidth = 1.5 * u;
      g.stroke();
      g.restore();
    }
  };
}
