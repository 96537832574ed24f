/**
 * People: dark silhouettes with a rim of the scene's light, drawn once into
 * sprites each (facing either way, mid-stride and passing), pacing slowly
 * and breathing; the first may hold a flashlight whose beam sweeps the
 * ground ahead, a flickering lantern or a glowing phone, and under an
 * umbrella everyone has one. Sized by the shot: seen whole in a wide
 * shot, from the knees up in a medium one, head and shoulders in a close-up.
 */
import { createCanvas, type Canvas, type SKRSContext2D } from '../../../video/canvas.js';
import { css, mix, scale, type Rgb } from '../palette.js';
import { wobble } from '../random.js';
import { frameX, frameY, type Layer, type Stage } from '../stage.js';
import { drawGlow, glowSprite } from '../motifs/paint.js';
import type { PropName, ShotSize } from './reading.js';
import { frameSpan, shownIn, SUBJECT_DEPTH, type BuiltSubject, type SubjectSetup } from './subject.js';

/** Figure height as a fraction of the frame's height, and where its feet are (0: top, 1: bottom). */
const FRAMING: Readonly<Record<ShotSize, { height: number; feet: number }>> = {
  wide: { height: 0.36, feet: 0.86 },
  medium: { height: 1.0, feet: 1.32 },
  'close-up': { height: 2.0, feet: 2.3 },
  'extreme close-up': { height: 3.2, feet: 3.45 },
};

/** Where the hand holding each prop is, from the feet: across (towards where the figure faces) and up, as shares of its height. */
const HAND: Readonly<Record<PropName | 'none', readonly [number, number]>> = {
  none: [0.14, 0.47],
  flashlight: [0.27, 0.6],
  lantern: [0.2, 0.5],
  phone: [0.1, 0.74],
  umbrella: [0.09, 0.76],
};

/** How far a figure shifts its weight from side to side, as a share of its height. */
const SWAY = 0.02;
/** Seconds to pace there and back; steps a second. */
const PACE_SECONDS = 16;
const STEPS_PER_SECOND = 2.4;
/** How far people pace, as a share of the frame's width, by shot: close-ups hold still but for their breathing. */
const PACING: Readonly<Record<ShotSize, number>> = { wide: 0.1, medium: 0.04, 'close-up': 0, 'extreme close-up': 0 };

interface Person {
  /** By [facing right][stride]. */
  sprites: readonly (readonly Canvas[])[];
  /** Plane position of the feet, at the middle of the pacing. */
  x: number;
  y: number;
  height: number;
  facing: 1 | -1;
  sway: (t: number) => number;
  /** Plane pixels either side of `x` paced. */
  pace: number;
  /** Seconds into the pacing at t = 0. */
  phase: number;
}

/** Where a person is at `t`: their feet's x, which way they face, their stride. */
function poseAt(person: Person, t: number): { x: number; facing: 1 | -1; stride: 0 | 1 } {
  const sway = person.sway(t) * SWAY * person.height;
  if (person.pace === 0) return { x: person.x + sway, facing: person.facing, stride: 0 };
  const u = ((((t + person.phase) % PACE_SECONDS) + PACE_SECONDS) % PACE_SECONDS) / PACE_SECONDS;
  // There (facing their way) for half the time, back (turned) for the other half.
  const out = u < 0.5;
  const along = out ? 4 * u - 1 : 3 - 4 * u;
  const facing = (out ? person.facing : -person.facing) as 1 | -1;
  return { x: person.x + person.facing * along * person.pace + sway * 0.3, facing, stride: (Math.floor((t + person.phase) * STEPS_PER_SECOND) % 2) as 0 | 1 };
}

/** One silhouette into a sprite of `height` pixels: feet at the bottom centre, `facing` the way the arm points. */
function paintPerson(height: number, facing: 1 | -1, body: Rgb, rim: Rgb, prop: PropName | undefined, stride: 0 | 1): Canvas {
  const H = height;
  const width = Math.ceil(H * 0.62);
  // Feet 0.02 H above the sprite's bottom edge; room above the head for an umbrella.
  const canvas = createCanvas(width, Math.ceil(H * (prop === 'umbrella' ? 1.26 : 1.02)));
  const g = canvas.getContext('2d');
  const cx = width / 2;
  const foot = canvas.height - 0.02 * H;
  const [hx, hy] = HAND[prop ?? 'none'];
  const shape = (ox: number): void => {
    g.beginPath();
    // Head.
    g.ellipse(cx + ox, foot - 0.925 * H, 0.058 * H, 0.068 * H, 0, 0, Math.PI * 2);
    // Coat: shoulders to hem.
    g.moveTo(cx + ox - 0.125 * H, foot - 0.83 * H);
    g.quadraticCurveTo(cx + ox, foot - 0.875 * H, cx + ox + 0.125 * H, foot - 0.83 * H);
    g.lineTo(cx + ox + 0.105 * H, foot - 0.5 * H);
    g.lineTo(cx + ox + 0.125 * H, foot - 0.36 * H);
    g.lineTo(cx + ox - 0.125 * H, foot - 0.36 * H);
    g.lineTo(cx + ox - 0.105 * H, foot - 0.5 * H);
    g.closePath();
    // Legs: apart mid-stride, or passing.
    const legs = stride === 0 ? ([[-0.06, -0.085], [0.05, 0.07]] as const) : ([[-0.045, -0.03], [0.035, 0.02]] as const);
    for (const [hip, toe] of legs) {
      g.moveTo(cx + ox + (hip - 0.035) * H, foot - 0.37 * H);
      g.lineTo(cx + ox + (hip + 0.035) * H, foot - 0.37 * H);
      g.lineTo(cx + ox + (toe + 0.026) * H, foot);
      g.lineTo(cx + ox + (toe - 0.03) * H, foot);
      g.closePath();
    }
    g.fill();
    // Arms: one hangs, the other goes where what it holds is (or hangs too).
    g.lineCap = 'round';
    g.lineWidth = 0.05 * H;
    g.beginPath();
    g.moveTo(cx + ox - facing * 0.1 * H, foot - 0.8 * H);
    g.lineTo(cx + ox - facing * 0.14 * H, foot - 0.47 * H);
    g.moveTo(cx + ox + facing * 0.1 * H, foot - 0.8 * H);
    if (prop === 'phone') g.lineTo(cx + ox + facing * 0.16 * H, foot - 0.62 * H);
    g.lineTo(cx + ox + facing * hx * H, foot - hy * H);
    g.stroke();
    if (prop === 'umbrella') {
      // Shaft from the hand to above the head, and the canopy.
      g.lineWidth = 0.012 * H;
      g.beginPath();
      g.moveTo(cx + ox + facing * hx * H, foot - hy * H);
      g.lineTo(cx + ox + facing * 0.02 * H, foot - 1.18 * H);
      g.stroke();
      g.beginPath();
      g.moveTo(cx + ox + facing * 0.02 * H - 0.29 * H, foot - 1.04 * H);
      g.quadraticCurveTo(cx + ox + facing * 0.02 * H, foot - 1.3 * H, cx + ox + facing * 0.02 * H + 0.29 * H, foot - 1.04 * H);
      g.closePath();
      g.fill();
    }
    if (prop === 'lantern') {
      g.lineWidth = 0.008 * H;
      g.beginPath();
      g.moveTo(cx + ox + facing * hx * H, foot - hy * H);
      g.lineTo(cx + ox + facing * hx * H, foot - (hy - 0.04) * H);
      g.stroke();
    }
  };
  // The rim: the same shape a little to the light's side, in its colour, under the body.
  g.fillStyle = g.strokeStyle = css(rim, 0.85);
  shape(facing * 0.012 * H);
  g.fillStyle = g.strokeStyle = css(body);
  shape(0);
  if (prop === 'flashlight') {
    g.fillStyle = css(scale(body, 1.6));
    g.save();
    g.translate(cx + facing * 0.28 * H, foot - 0.6 * H);
    g.rotate(facing > 0 ? 0.45 : Math.PI - 0.45);
    g.fillRect(-0.01 * H, -0.016 * H, 0.07 * H, 0.032 * H);
    g.restore();
  }
  return canvas;
}

export function buildFigures(stage: Stage, setup: SubjectSetup, cutting: boolean): BuiltSubject {
  const { palette, seed } = stage;
  const random = stage.random.fork('figures');
  const framing = FRAMING[setup.shot];
  const frameH = stage.frame.height;
  const body = scale(mix(palette.near, [8, 10, 14], 0.7), 0.6);
  const rim = mix(palette.accent, [255, 255, 255], 0.25);
  const leadFacing: 1 | -1 = random.chance(0.5) ? 1 : -1;
  const leadX = 0.5 - leadFacing * 0.14;
  const people: Person[] = [];
  const count = setup.shot === 'wide' || setup.shot === 'medium' ? setup.count : 1;
  for (let n = 0; n < count; n++) {
    // Companions stand a little farther off: smaller, feet higher, to either side.
    const far = n === 0 ? 1 : random.range(0.62, 0.85);
    const height = framing.height * frameH * far;
    const facing: 1 | -1 = n === 0 ? leadFacing : random.chance(0.5) ? 1 : -1;
    const x = n === 0 ? leadX : leadX + (n % 2 === 1 ? 1 : -1) * random.range(0.14, 0.3) * (frameSpan(stage) / stage.frame.width);
    const feet = framing.feet - (1 - far) * framing.height * 0.35;
    const pace = PACING[setup.shot] * stage.frame.width;
    const colour = scale(body, 1 + (1 - far) * 0.6);
    // The lead holds the prop; under an umbrella, everyone has one.
    const prop = n === 0 || setup.prop === 'umbrella' ? setup.prop : undefined;
    const paint = (way: 1 | -1, stride: 0 | 1): Canvas => paintPerson(height, way, colour, rim, prop, stride);
    people.push({
      sprites: pace > 0 ? [[paint(-1, 0), paint(-1, 1)], [paint(1, 0), paint(1, 1)]] : facing > 0 ? [[], [paint(1, 0)]] : [[paint(-1, 0)], []],
      x: frameX(stage, x),
      y: frameY(stage, feet),
      height,
      facing,
      sway: wobble(seed, `figure-sway-${n}`, 0.22),
      pace,
      phase: n === 0 ? PACE_SECONDS * 0.125 : random.range(0, PACE_SECONDS),
    });
  }
  const lead = people[0] as Person;
  const beam = setup.prop === 'flashlight' ? flashlight(stage, lead) : setup.prop === 'lantern' || setup.prop === 'phone' ? handLight(stage, lead, setup.prop) : undefined;
  // Companions first, so the lead stands in front.
  const order = [...people.slice(1).reverse(), lead];
  const layer: Layer = {
    depth: SUBJECT_DEPTH,
    animate(g, time) {
      if (!shownIn(time.shot, cutting)) return;
      for (const person of order) {
        const pose = poseAt(person, time.t);
        const sprite = person.sprites[pose.facing > 0 ? 1 : 0]![pose.stride] as Canvas;
        const breathe = 1 + 0.006 * Math.sin(2 * Math.PI * 0.28 * time.t + person.x);
        const h = sprite.height * breathe;
        g.drawImage(sprite, pose.x - sprite.width / 2, person.y - h, sprite.width, h);
      }
      beam?.(g, time.t);
    },
  };
  const headY = (lead.y - lead.height * 0.9 - stage.view.y) / stage.view.height;
  return { layers: [layer], depth: SUBJECT_DEPTH, focus: { x: leadX, y: Math.max(0.2, Math.min(0.8, headY + 0.1)) } };
}

/** A flashlight beam from the lead's hand: a soft cone sweeping the ground ahead, a pool where it lands and a glint at the lens. */
function flashlight(stage: Stage, person: Person): (g: SKRSContext2D, t: number) => void {
  const H = person.height;
  const light = mix(stage.palette.accent, [255, 246, 220], 0.75);
  const glint = glowSprite(light);
  const sweep = wobble(stage.seed, 'flashlight', 0.3);
  const reach = Math.max(H * 1.3, stage.frame.height * 0.55);
  return (g, t) => {
    const pose = poseAt(person, t);
    const hx = pose.x + pose.facing * 0.33 * H;
    const hy = person.y - 0.63 * H;
    const down = 0.42 + 0.22 * sweep(t);
    const angle = pose.facing > 0 ? down : Math.PI - down;
    const spread = 0.2;
    const ex = hx + Math.cos(angle) * reach;
    const ey = hy + Math.sin(angle) * reach;
    const gradient = g.createLinearGradient(hx, hy, ex, ey);
    gradient.addColorStop(0, css(light, 0.8));
    gradient.addColorStop(1, css(light, 0));
    g.globalCompositeOperation = 'lighter';
    g.fillStyle = gradient;
    g.beginPath();
    g.moveTo(hx, hy);
    g.lineTo(hx + Math.cos(angle - spread) * reach, hy + Math.sin(angle - spread) * reach);
    g.lineTo(hx + Math.cos(angle + spread) * reach, hy + Math.sin(angle + spread) * reach);
    g.closePath();
    g.fill();
    // Where the beam meets the ground (the feet's level), a pool of light.
    const toGround = (person.y - hy) / Math.max(0.05, Math.sin(angle));
    if (toGround < reach * 1.2) {
      const px = hx + Math.cos(angle) * toGround;
      g.save();
      g.translate(px, person.y);
      g.scale(1, 0.3);
      drawGlow(g, glint, 0, 0, 0.45 * H, 0.5);
      g.restore();
    }
    drawGlow(g, glint, hx, hy, 0.06 * H, 0.9);
    g.globalCompositeOperation = 'source-over';
  };
}

/** A light held in the hand: a lantern's warm flickering glow round the figure, or a phone's cold glow lighting the face. */
function handLight(stage: Stage, person: Person, prop: 'lantern' | 'phone'): (g: SKRSContext2D, t: number) => void {
  const H = person.height;
  const colour: Rgb = prop === 'lantern' ? [255, 190, 110] : mix(stage.palette.accent, [200, 225, 255], 0.7);
  const sprite = glowSprite(colour);
  const flicker = wobble(stage.seed, `${prop}-flicker`, prop === 'lantern' ? 2.3 : 0.4);
  const [hx, hy] = HAND[prop];
  return (g, t) => {
    const pose = poseAt(person, t);
    const x = pose.x + pose.facing * hx * H;
    const y = person.y - (hy - (prop === 'lantern' ? 0.06 : 0)) * H;
    const level = prop === 'lantern' ? 0.8 + 0.2 * flicker(t) : 0.85 + 0.1 * flicker(t);
    g.globalCompositeOperation = 'lighter';
    drawGlow(g, sprite, x, y, (prop === 'lantern' ? 0.45 : 0.18) * H, 0.6 * level);
    drawGlow(g, sprite, x, y, 0.035 * H, level);
    g.globalCompositeOperation = 'source-over';
    if (prop === 'phone') {
      g.fillStyle = css(colour, level);
      g.fillRect(x - 0.014 * H, y - 0.024 * H, 0.028 * H, 0.048 * H);
    }
  };
}

/**
 * Someone in the foreground watching the subject (a screen, a timer, a
 * chart): head and shoulders from behind, at one side of the frame, cut off
 * by its bottom edge — the over-the-shoulder framing of "a hacker at a
 * terminal". Drawn once; a frame moves it only with the figure's breathing.
 */
export function buildOnlooker(stage: Stage, cutting: boolean): Layer {
  const random = stage.random.fork('onlooker');
  const left = random.chance(0.5);
  const H = stage.frame.height * 1.5;
  const body = scale(mix(stage.palette.near, [6, 7, 10], 0.8), 0.5);
  const rim = mix(stage.palette.accent, [255, 255, 255], 0.3);
  const sprite = paintPerson(H, left ? 1 : -1, body, rim, undefined, 0);
  const x = frameX(stage, left ? 0.1 : 0.9);
  const feet = frameY(stage, 1.72);
  const sway = wobble(stage.seed, 'onlooker-sway', 0.18);
  return {
    depth: ONLOOKER_DEPTH,
    animate(g, time) {
      if (!shownIn(time.shot, cutting)) return;
      const breathe = 1 + 0.004 * Math.sin(2 * Math.PI * 0.25 * time.t);
      const h = sprite.height * breathe;
      g.drawImage(sprite, x + sway(time.t) * 0.01 * H - sprite.width / 2, feet - h, sprite.width, h);
    },
  };
}

/** In front of the subject it watches. */
const ONLOOKER_DEPTH = 0.99;
