/**
 * Weather and atmosphere: what the script engine's weather words mean as
 * amounts (rain, snow, fog, dust, wind, lightning, cloud, flicker), and the
 * layers and screen effects that draw them. Particles are placed by the
 * seed and moved by time alone, so a frame never depends on the previous one.
 */
import { createCanvas, type Canvas, type SKRSContext2D } from '../../video/canvas.js';
import { css, hex, mix, type Rgb } from './palette.js';
import { unitOf } from './random.js';
import { frameY, framesOfArea, type Atmosphere, type FrameTime, type Layer, type Stage } from './stage.js';

const CALM: Atmosphere = { rain: 0, snow: 0, fog: 0, dust: 0, wind: 0, lightning: 0, overcast: 0, flicker: 0 };

/** The script engine's weather values (nodes/script/engine/vocabulary.ts), as amounts. */
export const weatherKinds = {
  'heavy rain': { rain: 1, overcast: 0.85, wind: 0.3 },
  rain: { rain: 0.55, overcast: 0.65, wind: 0.15 },
  storm: { rain: 0.85, lightning: 1, overcast: 1, wind: 0.6 },
  snow: { snow: 0.7, overcast: 0.45, wind: 0.1 },
  fog: { fog: 0.85, overcast: 0.3 },
  dust: { dust: 0.85, wind: 0.5 },
  wind: { wind: 1, dust: 0.25 },
  overcast: { overcast: 0.75 },
  clear: {},
} as const satisfies Record<string, Partial<Atmosphere>>;

export type WeatherKind = keyof typeof weatherKinds;
export const weatherKindNames = Object.keys(weatherKinds) as WeatherKind[];

/** Words anywhere in the prompt that make lights fail. */
const FLICKER_WORDS = new Set(['flicker', 'flickers', 'flickering', 'flickered', 'strobe', 'strobing', 'stuttering', 'sputtering', 'failing', 'dying', 'buzzing', 'glitch', 'glitching']);

export function atmosphereOf(weather: WeatherKind | undefined, words: readonly string[]): Atmosphere {
  const flicker = words.some((word) => FLICKER_WORDS.has(word)) ? 1 : 0;
  return { ...CALM, ...(weather ? weatherKinds[weather] : {}), flicker };
}

/** Haze the air itself adds to the palette. */
export function airHazeOf(atmosphere: Atmosphere): { colour: Rgb; amount: number } | undefined {
  if (atmosphere.dust > 0) return { colour: hex('#c89a64'), amount: atmosphere.dust };
  if (atmosphere.fog > 0) return { colour: hex('#9aa4b0'), amount: atmosphere.fog };
  return undefined;
}

/**
 * Light level 0–1 of a failing light at `t`: mostly on, with short dropouts.
 * Quantised to 1/15 s so the stutter reads as electrical rather than as noise.
 */
export function flickerAt(seed: number, label: string, t: number, amount: number): number {
  if (amount <= 0) return 1;
  const slot = Math.floor(t * 15);
  const u = unitOf(seed, label, slot);
  const burst = unitOf(seed, label, 'burst', Math.floor(t * 1.5)) < 0.45;
  const drop = !burst ? 0 : u < 0.3 ? 1 : u < 0.5 ? 0.55 : 0;
  return 1 - amount * drop * 0.85;
}

// ─── Layers ──────────────────────────────────────────────────────────────────

interface Streak {
  x: number;
  y: number;
  speed: number;
  length: number;
}

/** Particles for the plane, from a count per frame of 1080p landscape area. */
function countFor(stage: Stage, perFrame: number): number {
  return Math.round(perFrame * framesOfArea(stage));
}

function rainLayer(stage: Stage, depth: number, amount: number, near: boolean): Layer {
  const random = stage.random.fork(`rain-${depth}`);
  const { width, height } = stage.plane;
  const u = stage.unit;
  const drops: Streak[] = Array.from({ length: countFor(stage, (near ? 260 : 430) * amount) }, () => ({
    x: random.range(0, width),
    y: random.range(0, height),
    speed: random.range(0.8, 1.2) * (near ? 2.4 : 1.5) * height,
    length: random.range(0.7, 1.3) * (near ? 70 : 34) * u,
  }));
  const slant = 0.12 + stage.atmosphere.wind * 0.35;
  const colour = css(mix(stage.palette.haze, [225, 235, 255], 0.6), near ? 0.45 : 0.3);
  // Thinner than a pixel, rain vanishes in small renders.
  const lineWidth = Math.max(1, (near ? 1.7 : 1.0) * u);
  return {
    depth,
    animate(g, { t }, visible) {
      // A drop wholly outside the frame adds nothing but stroking work (a third of the plane is never in view).
      const reach = lineWidth + 1;
      g.beginPath();
      for (const drop of drops) {
        const span = height + drop.length;
        const y = ((drop.y + drop.speed * t) % span) - drop.length;
        if (y > visible.bottom + reach || y + drop.length < visible.top - reach) continue;
        const x = (((drop.x - slant * (y + drop.length)) % width) + width) % width;
        if (x - reach > visible.right || x + slant * drop.length + reach < visible.left) continue;
        g.moveTo(x, y);
        g.lineTo(x + slant * drop.length, y + drop.length);
      }
      g.strokeStyle = colour;
      g.lineWidth = lineWidth;
      g.lineCap = 'round';
      g.stroke();
    },
  };
}

function snowLayer(stage: Stage, depth: number, amount: number, near: boolean): Layer {
  const random = stage.random.fork(`snow-${depth}`);
  const { width, height } = stage.plane;
  const u = stage.unit;
  const flakes = Array.from({ length: countFor(stage, (near ? 160 : 320) * amount) }, () => ({
    x: random.range(0, width),
    y: random.range(0, height),
    speed: random.range(0.7, 1.3) * (near ? 0.2 : 0.11) * height,
    radius: Math.max(0.6, random.range(0.6, 1.4) * (near ? 3.2 : 1.5) * u),
    sway: random.range(6, 18) * u,
    hertz: random.range(0.2, 0.6),
    phase: random.range(0, Math.PI * 2),
  }));
  const drift = stage.atmosphere.wind * 0.08 * width;
  const colour = css([245, 248, 255], near ? 0.9 : 0.65);
  return {
    depth,
    animate(g, { t }, visible) {
      g.beginPath();
      for (const flake of flakes) {
        const y = (flake.y + flake.speed * t) % height;
        const reach = flake.radius + 1;
        if (y - reach > visible.bottom || y + reach < visible.top) continue;
        const x = (((flake.x + drift * t + flake.sway * Math.sin(2 * Math.PI * flake.hertz * t + flake.phase)) % width) + width) % width;
        if (x - reach > visible.right || x + reach < visible.left) continue;
        g.moveTo(x + flake.radius, y);
        g.arc(x, y, flake.radius, 0, Math.PI * 2);
      }
      g.fillStyle = colour;
      g.fill();
    },
  };
}

/** Soft banks of fog in a horizontally repeating strip from `top` to the plane's foot, so it can drift forever. */
function fogBank(stage: Stage, label: string, colour: Rgb, top: number, count: number): Canvas {
  const random = stage.random.fork(label);
  const width = stage.plane.width;
  const height = Math.ceil(stage.plane.height - top);
  const canvas = createCanvas(width, height);
  const g = canvas.getContext('2d');
  for (let i = 0; i < count; i++) {
    const x = random.range(0, width);
    const y = random.range(0.1, 0.9) * height;
    const rx = random.range(0.12, 0.3) * width;
    const ry = random.range(0.04, 0.1) * stage.plane.height;
    const alpha = random.range(0.25, 0.55);
    for (const shift of [-width, 0, width]) {
      g.save();
      g.translate(x + shift, y);
      g.scale(rx / ry, 1);
      const gradient = g.createRadialGradient(0, 0, 0, 0, 0, ry);
      gradient.addColorStop(0, css(colour, alpha));
      gradient.addColorStop(1, css(colour, 0));
      g.fillStyle = gradient;
      g.fillRect(-ry, -ry, ry * 2, ry * 2);
      g.restore();
    }
  }
  // A ground-hugging veil under the banks.
  const veil = g.createLinearGradient(0, 0, 0, height);
  veil.addColorStop(0, css(colour, 0));
  veil.addColorStop(1, css(colour, 0.35));
  g.fillStyle = veil;
  g.fillRect(0, 0, width, height);
  return canvas;
}

function fogLayer(stage: Stage, depth: number, amount: number, speed: number): Layer {
  const colour = mix(stage.palette.haze, [200, 206, 214], stage.palette.light * 0.5);
  const top = frameY(stage, 0.25);
  const bank = fogBank(stage, `fog-${depth}`, colour, top, 26);
  const { width } = stage.plane;
  return {
    depth,
    animate(g, { t }) {
      const offset = (t * speed * width) % width;
      g.globalAlpha = Math.min(1, amount);
      g.drawImage(bank, offset, top);
      g.drawImage(bank, offset - width, top);
      g.globalAlpha = 1;
    },
  };
}

function dustLayer(stage: Stage, depth: number, amount: number): Layer {
  const random = stage.random.fork(`dust-${depth}`);
  const { width, height } = stage.plane;
  const u = stage.unit;
  const outdoor = stage.outdoor;
  const motes = Array.from({ length: countFor(stage, (outdoor ? 550 : 100) * amount) }, () => ({
    x: random.range(0, width),
    y: random.range(0, height),
    radius: random.range(0.5, outdoor ? 2.2 : 2.6) * u,
    speed: random.range(0.6, 1.4),
    wander: random.range(0, Math.PI * 2),
  }));
  const wind = outdoor ? (0.05 + stage.atmosphere.wind * 0.25) * width : 0.01 * width;
  const colour = outdoor ? css(mix(stage.palette.haze, [230, 190, 130], 0.5), 0.55) : css(mix(stage.palette.accent, [255, 240, 210], 0.6), 0.5);
  return {
    depth,
    animate(g, { t }, visible) {
      g.beginPath();
      for (const mote of motes) {
        const x = (((mote.x + wind * mote.speed * t + 20 * u * Math.sin(t * 0.7 + mote.wander)) % width) + width) % width;
        const y = (((mote.y + 14 * u * Math.sin(t * 0.5 * mote.speed + mote.wander * 2) - (outdoor ? 0 : 4 * u * t)) % height) + height) % height;
        const reach = mote.radius + 1;
        if (x - reach > visible.right || x + reach < visible.left || y - reach > visible.bottom || y + reach < visible.top) continue;
        g.moveTo(x + mote.radius, y);
        g.arc(x, y, mote.radius, 0, Math.PI * 2);
      }
      g.fillStyle = colour;
      g.fill();
    },
  };
}

/** The weather's layers, each at the depth where it reads best among the motif's layers. */
export function weatherLayers(stage: Stage): Layer[] {
  const { rain, snow, fog, dust } = stage.atmosphere;
  const layers: Layer[] = [];
  if (stage.outdoor && rain > 0) layers.push(rainLayer(stage, 0.5, rain, false), rainLayer(stage, 0.97, rain, true));
  if (stage.outdoor && snow > 0) layers.push(snowLayer(stage, 0.5, snow, false), snowLayer(stage, 0.96, snow, true));
  if (fog > 0) layers.push(fogLayer(stage, 0.4, fog * (stage.outdoor ? 0.9 : 0.5), 0.01), fogLayer(stage, 0.85, fog * (stage.outdoor ? 0.55 : 0.3), 0.025));
  if (dust > 0) layers.push(dustLayer(stage, 0.9, dust));
  return layers;
}

// ─── Screen effects ──────────────────────────────────────────────────────────

/** Lightning strikes: seeded times, each a double flash lasting a third of a second, with a bolt. */
function lightningOf(stage: Stage, duration: number): (g: SKRSContext2D, time: FrameTime) => void {
  const random = stage.random.fork('lightning');
  const strikes: { at: number; bolt: [number, number][] }[] = [];
  const { width, height } = stage.frame;
  for (let at = random.range(0.25, 1.1); at < duration; at += random.range(2.2, 4.5)) {
    const bolt: [number, number][] = [];
    let x = random.range(0.2, 0.8) * width;
    for (let y = 0; y < height * 0.45; y += random.range(0.02, 0.05) * height) {
      bolt.push([x, y]);
      x += random.range(-0.03, 0.03) * width;
    }
    strikes.push({ at, bolt });
  }
  return (g, { t }) => {
    for (const { at, bolt } of strikes) {
      const dt = t - at;
      if (dt < 0 || dt > 0.4) continue;
      const intensity = Math.max(Math.exp(-dt * 22), dt > 0.12 ? 0.75 * Math.exp(-(dt - 0.12) * 16) : 0);
      g.globalCompositeOperation = 'lighter';
      g.fillStyle = css([150, 160, 210], intensity * 0.45);
      g.fillRect(0, 0, width, height);
      g.globalCompositeOperation = 'source-over';
      if (intensity > 0.3) {
        g.beginPath();
        bolt.forEach(([x, y], i) => (i === 0 ? g.moveTo(x, y) : g.lineTo(x, y)));
        g.strokeStyle = css([235, 240, 255], intensity);
        g.lineWidth = 2.5 * stage.unit;
        g.stroke();
      }
    }
  };
}

/** Screen-space effects of the atmosphere, drawn after the layers: lightning flashes and the dips of failing light. */
export function atmosphereEffects(stage: Stage, duration: number): ((g: SKRSContext2D, time: FrameTime) => void)[] {
  const effects: ((g: SKRSContext2D, time: FrameTime) => void)[] = [];
  if (stage.atmosphere.lightning > 0) effects.push(lightningOf(stage, duration));
  if (stage.atmosphere.flicker > 0) {
    effects.push((g, { t }) => {
      const level = flickerAt(stage.seed, 'global', t, stage.atmosphere.flicker * 0.35);
      if (level >= 1) return;
      g.fillStyle = css([0, 0, 0], 1 - level);
      g.fillRect(0, 0, stage.frame.width, stage.frame.height);
    });
  }
  return effects;
}
