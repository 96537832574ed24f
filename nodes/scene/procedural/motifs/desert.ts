/**
 * A desert: a wide sky with a low sun (or moon), flat-topped mesas in the
 * haze, rolling dunes with lit crests and shaded lees, a saguaro or two in
 * the foreground and sand streaming off the nearest crest in the wind.
 */
import type { SKRSContext2D } from '../../../video/canvas.js';
import { css, hex, mix, scale, type Rgb } from '../palette.js';
import type { Random } from '../random.js';
import { frameX, frameY, planeCanvas, type FrameTime, type Layer, type Stage } from '../stage.js';
import type { Motif } from './motif.js';
import { paintClouds, paintHaze, paintOrb, paintRidge, paintSky, paintStars } from './paint.js';

const SAND = hex('#d9a066');
const ROCK = hex('#a0583a');

export const desert: Motif = {
  outdoor: true,
  accent: hex('#ffb060'),
  build(stage) {
    const { palette, unit: u, atmosphere } = stage;
    const random = stage.random.fork('desert');
    const horizon = frameY(stage, 0.6);
    const sand = (k: number, distance: number): Rgb => mix(scale(mix(SAND, palette.surface, 0.15), k * (0.2 + palette.light * 0.8)), palette.haze, distance * 0.7);

    const sky = planeCanvas(stage);
    paintSky(sky.g, stage, horizon);
    paintStars(sky.g, stage, random.fork('stars'), 600, horizon);
    paintOrb(sky.g, stage, frameX(stage, 0.35), horizon, 44 * u);
    paintClouds(sky.g, stage, random.fork('clouds'), frameY(stage, 0.05), frameY(stage, 0.3), 2 + Math.round(atmosphere.overcast * 10), atmosphere.overcast);

    const mesas = planeCanvas(stage);
    paintMesas(mesas.g, stage, random.fork('mesas'), horizon, css(mix(scale(mix(ROCK, palette.far, 0.45), 0.3 + palette.light * 0.7), palette.haze, 0.3)));
    paintHaze(mesas.g, stage, horizon, 30 * u, palette.haze, 0.35);

    const dunes: Layer[] = [];
    const specs = [
      { depth: 0.3, base: frameY(stage, 0.66), amplitude: 40, light: 0.95, distance: 0.4 },
      { depth: 0.55, base: frameY(stage, 0.76), amplitude: 70, light: 0.8, distance: 0.18 },
      { depth: 0.85, base: frameY(stage, 0.9), amplitude: 110, light: 0.65, distance: 0 },
    ] as const;
    let crest: [number, number][] = [];
    for (const [i, spec] of specs.entries()) {
      const dune = planeCanvas(stage);
      const fill = dune.g.createLinearGradient(0, spec.base - spec.amplitude * u, 0, spec.base + 160 * u);
      fill.addColorStop(0, css(sand(spec.light * 1.15, spec.distance)));
      fill.addColorStop(1, css(sand(spec.light * 0.55, spec.distance)));
      crest = paintRidge(dune.g, stage, random.fork(`dune-${i}`), { baseY: spec.base, amplitude: spec.amplitude * u, roughness: 1.6, fill, smooth: true });
      // The lee of each dune falls into shade below its crest.
      dune.g.save();
      dune.g.beginPath();
      dune.g.moveTo(0, stage.plane.height);
      crest.forEach(([x, y]) => dune.g.lineTo(x + spec.amplitude * u * 0.8, y + spec.amplitude * u * 0.35));
      dune.g.lineTo(stage.plane.width, stage.plane.height);
      dune.g.closePath();
      dune.g.globalCompositeOperation = 'source-atop';
      dune.g.fillStyle = css(sand(spec.light * 0.6, spec.distance), 0.45);
      dune.g.fill();
      dune.g.restore();
      // The crest catches the light.
      dune.g.beginPath();
      crest.forEach(([x, y], k) => (k === 0 ? dune.g.moveTo(x, y) : dune.g.lineTo(x, y)));
      dune.g.strokeStyle = css(mix(sand(1.3, spec.distance), palette.orb.glow, 0.3), 0.8);
      dune.g.lineWidth = 2.5 * u;
      dune.g.stroke();
      if (i === specs.length - 1) paintCacti(dune.g, stage, random.fork('cacti'), crest, css(scale(palette.near, 0.9)));
      dunes.push({ depth: spec.depth, image: dune.canvas });
    }
    dunes[dunes.length - 1] = { ...dunes[dunes.length - 1]!, animate: blowingSand(stage, crest) };
    return [{ depth: 0.03, image: sky.canvas }, { depth: 0.12, image: mesas.canvas }, ...dunes];
  },
};

function paintMesas(g: SKRSContext2D, stage: Stage, random: Random, horizon: number, colour: string): void {
  const u = stage.unit;
  g.fillStyle = colour;
  for (let x = random.range(-100, 100) * u; x < stage.plane.width; x += random.range(300, 700) * u) {
    const w = random.range(120, 380) * u;
    const h = random.range(40, 120) * u;
    const slope = random.range(20, 60) * u;
    g.beginPath();
    g.moveTo(x - slope, horizon + 10 * u);
    g.lineTo(x, horizon - h);
    g.lineTo(x + w, horizon - h);
    g.lineTo(x + w + slope, horizon + 10 * u);
    g.fill();
  }
}

function paintCacti(g: SKRSContext2D, stage: Stage, random: Random, crest: readonly [number, number][], colour: string): void {
  const u = stage.unit;
  for (const fx of [0.18, 0.82]) {
    const point = crest.find(([x]) => x >= frameX(stage, fx));
    if (!point || !random.chance(0.8)) continue;
    const [x, y] = point;
    const h = random.range(140, 220) * u;
    const w = 22 * u;
    g.fillStyle = colour;
    g.beginPath();
    g.roundRect(x - w / 2, y - h, w, h + 20 * u, w / 2);
    for (const side of [-1, 1]) {
      const armY = y - h * random.range(0.4, 0.65);
      const armH = h * random.range(0.25, 0.4);
      g.roundRect(side === -1 ? x - w * 2.2 : x + w * 0.5, armY, w * 1.7, w * 0.8, w * 0.4);
      g.roundRect(side === -1 ? x - w * 2.2 : x + w * 1.4, armY - armH, w * 0.8, armH + w * 0.6, w * 0.4);
    }
    g.fill();
  }
}

/** Sand lifted off a crest and carried downwind. */
function blowingSand(stage: Stage, crest: readonly [number, number][]): (g: SKRSContext2D, time: FrameTime) => void {
  const random = stage.random.fork('sand');
  const u = stage.unit;
  const wind = (0.15 + stage.atmosphere.wind * 0.4) * stage.plane.width;
  const grains = Array.from({ length: 260 }, () => {
    const [x, y] = crest[random.int(0, crest.length)]!;
    return { x, y, life: random.range(0.8, 2), offset: random.next(), lift: random.range(10, 60) * u, size: random.range(0.8, 2) * u };
  });
  const colour = css(mix(SAND, stage.palette.haze, 0.3), 0.5);
  return (g, { t }) => {
    g.beginPath();
    for (const grain of grains) {
      const age = ((t / grain.life + grain.offset) % 1) * grain.life;
      const x = grain.x + wind * age * 0.3;
      const y = grain.y - grain.lift * Math.sin(Math.min(1, age / grain.life) * Math.PI);
      g.rect(x, y, grain.size * 3, grain.size);
    }
    g.fillStyle = colour;
    g.fill();
  };
}
