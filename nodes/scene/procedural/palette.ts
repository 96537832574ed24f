/**
 * Colour: the palette a scene is painted with, from its time of day, then
 * graded by its mood and lit by its lighting words. Motifs never pick raw
 * colours for the sky, silhouettes or lights; they take them from here, so a
 * "cold blue, ominous, night" street and a "warm, hopeful, dawn" street are
 * the same drawing in different light.
 */

export type Rgb = readonly [number, number, number];

export const timesOfDay = ['dawn', 'day', 'dusk', 'night'] as const;
export type TimeOfDay = (typeof timesOfDay)[number];

export interface Palette {
  time: TimeOfDay;
  sky: { top: Rgb; middle: Rgb; horizon: Rgb };
  /** The sun or the moon. `altitude`: 0 on the horizon, 1 at the top of the sky; `visible` is false under cloud. */
  orb: { kind: 'sun' | 'moon'; colour: Rgb; glow: Rgb; altitude: number; visible: boolean };
  /** Opacity of stars, 0–1. */
  stars: number;
  /** What distance fades into (aerial perspective, fog). */
  haze: Rgb;
  /** Silhouettes by distance. */
  far: Rgb;
  mid: Rgb;
  near: Rgb;
  ground: Rgb;
  /** Lit walls and facades. */
  surface: Rgb;
  /** Ambient light, 0 (black night) to 1 (noon). */
  light: number;
  windows: { lit: number; colours: readonly Rgb[] };
  /** The scene's light colour: neon, emergency lights, screens. */
  accent: Rgb;
  accentAlt: Rgb;
}

// ─── Colour arithmetic ────────────────────────────────────────────────────────

export function hex(text: string): Rgb {
  const value = Number.parseInt(text.replace('#', ''), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

const clamp255 = (value: number): number => Math.max(0, Math.min(255, value));

export function css(colour: Rgb, alpha = 1): string {
  const [r, g, b] = colour.map((c) => Math.round(clamp255(c)));
  return alpha >= 1 ? `rgb(${r},${g},${b})` : `rgba(${r},${g},${b},${Math.max(0, alpha).toFixed(3)})`;
}

export function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

export function scale(colour: Rgb, k: number): Rgb {
  return [clamp255(colour[0] * k), clamp255(colour[1] * k), clamp255(colour[2] * k)];
}

export function luma(colour: Rgb): number {
  return 0.2126 * colour[0] + 0.7152 * colour[1] + 0.0722 * colour[2];
}

// ─── Time of day ──────────────────────────────────────────────────────────────

interface BaseLight {
  sky: [string, string, string];
  orb: { kind: 'sun' | 'moon'; colour: string; glow: string; altitude: number };
  stars: number;
  haze: string;
  silhouettes: [far: string, mid: string, near: string];
  ground: string;
  surface: string;
  light: number;
  litWindows: number;
}

const TIME_LIGHT: Record<TimeOfDay, BaseLight> = {
  dawn: {
    sky: ['#27304f', '#8a5a7a', '#f3a56b'],
    orb: { kind: 'sun', colour: '#ffe0b0', glow: '#ff9a5a', altitude: 0.1 },
    stars: 0.15,
    haze: '#c08e8a',
    silhouettes: ['#6f5b74', '#41354f', '#1d1a2a'],
    ground: '#2e2836',
    surface: '#9a8288',
    light: 0.55,
    litWindows: 0.3,
  },
  day: {
    sky: ['#2f6fc4', '#6fa8e0', '#d2e5f2'],
    orb: { kind: 'sun', colour: '#fffbe8', glow: '#fff2c0', altitude: 0.8 },
    stars: 0,
    haze: '#b7cde0',
    silhouettes: ['#8ea4bd', '#5c6f86', '#2c3644'],
    ground: '#5b5f63',
    surface: '#bdb6aa',
    light: 1,
    litWindows: 0.04,
  },
  dusk: {
    sky: ['#1a1c44', '#6b3b6a', '#f2804a'],
    orb: { kind: 'sun', colour: '#ffb066', glow: '#ff6a3a', altitude: 0.05 },
    stars: 0.35,
    haze: '#a35c62',
    silhouettes: ['#4d3655', '#2c2240', '#140f1f'],
    ground: '#221a2a',
    surface: '#7e5c64',
    light: 0.45,
    litWindows: 0.55,
  },
  night: {
    sky: ['#02040b', '#081026', '#1d2d4e'],
    orb: { kind: 'moon', colour: '#eef2ff', glow: '#7f9cd8', altitude: 0.62 },
    stars: 1,
    haze: '#1e2a44',
    silhouettes: ['#121b30', '#0a1120', '#04070e'],
    ground: '#0b0f18',
    surface: '#2a3346',
    light: 0.15,
    litWindows: 0.45,
  },
};

// ─── Looks: what mood and lighting words do ──────────────────────────────────

interface Look {
  /** A light colour the word names; the highest rank wins (a colour beats a source beats a temperature). */
  accent?: { colour: string; rank: 1 | 2 | 3; alt?: string };
  grade?: Grade;
}

interface Grade {
  tint: string;
  amount: number;
  saturation: number;
  exposure: number;
}

const colourWord = (colour: string, alt?: string): Look => ({ accent: { colour, rank: 3, ...(alt ? { alt } : {}) } });
const sourceWord = (colour: string, alt?: string): Look => ({ accent: { colour, rank: 2, ...(alt ? { alt } : {}) } });

/** Keyed by single lower-case words as they appear in lighting, mood and prompt text. */
const LOOKS: Readonly<Record<string, Look>> = {
  red: colourWord('#ff3b30'),
  crimson: colourWord('#e0142c'),
  scarlet: colourWord('#ff2a1a'),
  blue: colourWord('#3d8bff', '#7fd6ff'),
  green: colourWord('#3dff8a', '#b8ff6a'),
  amber: colourWord('#ffae3d', '#ffd27a'),
  orange: colourWord('#ff8a2a'),
  golden: colourWord('#ffc25a'),
  gold: colourWord('#ffc25a'),
  yellow: colourWord('#ffe04a'),
  purple: colourWord('#9a4dff', '#ff4fd8'),
  violet: colourWord('#8a5cff', '#4fd8ff'),
  pink: colourWord('#ff4fb8', '#4fd8ff'),
  magenta: colourWord('#ff2fd0', '#2fe0ff'),
  cyan: colourWord('#2fe6ff', '#ff4fd8'),
  teal: colourWord('#1fd6c0', '#ffae3d'),
  white: colourWord('#eef3ff'),
  neon: { accent: { colour: '#ff2fb8', rank: 2, alt: '#2fe6ff' }, grade: { tint: '#7a2aa0', amount: 0.12, saturation: 1.25, exposure: 1 } },
  emergency: sourceWord('#ff3b30'),
  sodium: sourceWord('#ff9a2a'),
  fluorescent: sourceWord('#d8ffe8'),
  moonlight: sourceWord('#a8c0ff'),
  sunlight: sourceWord('#ffe2a8'),
  candlelight: sourceWord('#ffa040'),
  firelight: sourceWord('#ff8a30'),
  lamplight: sourceWord('#ffc070'),
  screen: sourceWord('#7fd6ff'),
  monitor: sourceWord('#7fd6ff'),
  cold: { accent: { colour: '#5a9cff', rank: 1 }, grade: { tint: '#4a7ad0', amount: 0.16, saturation: 0.9, exposure: 0.95 } },
  cool: { accent: { colour: '#6aa8ff', rank: 1 }, grade: { tint: '#5a86c8', amount: 0.1, saturation: 0.95, exposure: 1 } },
  warm: { accent: { colour: '#ffb050', rank: 1 }, grade: { tint: '#ffa050', amount: 0.14, saturation: 1.05, exposure: 1.05 } },
  ominous: { accent: { colour: '#4fd8c0', rank: 1 }, grade: { tint: '#2a4a4a', amount: 0.25, saturation: 0.55, exposure: 0.78 } },
  tense: { accent: { colour: '#ff3b30', rank: 1 }, grade: { tint: '#a02a20', amount: 0.15, saturation: 0.9, exposure: 0.9 } },
  hopeful: { accent: { colour: '#ffc070', rank: 1 }, grade: { tint: '#ffc080', amount: 0.15, saturation: 1.1, exposure: 1.1 } },
  melancholic: { grade: { tint: '#5a6e8c', amount: 0.3, saturation: 0.5, exposure: 0.85 } },
  mysterious: { accent: { colour: '#8a6aff', rank: 1 }, grade: { tint: '#4a3a8a', amount: 0.2, saturation: 0.8, exposure: 0.85 } },
  energetic: { accent: { colour: '#ff2fb8', rank: 1, alt: '#2fe6ff' }, grade: { tint: '#ff40c0', amount: 0.08, saturation: 1.3, exposure: 1.05 } },
  calm: { grade: { tint: '#9ec8d0', amount: 0.1, saturation: 0.85, exposure: 1 } },
  playful: { accent: { colour: '#ffd040', rank: 1, alt: '#4fd8ff' }, grade: { tint: '#ffd070', amount: 0.1, saturation: 1.25, exposure: 1.1 } },
  dim: { grade: { tint: '#000000', amount: 0, saturation: 1, exposure: 0.8 } },
  bright: { grade: { tint: '#ffffff', amount: 0, saturation: 1, exposure: 1.15 } },
};

export interface LookInput {
  time: TimeOfDay;
  /** Words of the lighting description: they name the scene's light. */
  lightingWords: readonly string[];
  /** The mood and any other words of the prompt: they grade the picture, and name a light when the lighting does not. */
  moodWords: readonly string[];
  /** Light colour of the motif when no word names one. */
  defaultAccent: Rgb;
  /** 0–1 cloud cover: greys the sky and hides sun, moon and stars. */
  overcast: number;
  /** Colour and strength of airborne haze (fog, dust), if any. */
  airHaze?: { colour: Rgb; amount: number };
}

function accentOf(words: readonly string[]): { colour: Rgb; alt?: Rgb } | undefined {
  let best: NonNullable<Look['accent']> | undefined;
  for (const word of words) {
    const accent = LOOKS[word]?.accent;
    if (accent && (!best || accent.rank > best.rank)) best = accent;
  }
  return best && { colour: hex(best.colour), ...(best.alt ? { alt: hex(best.alt) } : {}) };
}

function gradeOf(words: readonly string[]): (colour: Rgb) => Rgb {
  const grades = [...new Set(words)].flatMap((word) => (LOOKS[word]?.grade ? [LOOKS[word].grade] : []));
  const saturation = grades.reduce((k, g) => k * g.saturation, 1);
  const exposure = grades.reduce((k, g) => k * g.exposure, 1);
  const tints = grades.filter((g) => g.amount > 0).map((g) => ({ tint: hex(g.tint), amount: g.amount }));
  return (colour) => {
    let c = colour;
    for (const { tint, amount } of tints) {
      // The tint keeps the colour's brightness: a grade shifts hue, exposure sets level.
      const level = luma(c) / Math.max(1, luma(tint));
      c = mix(c, scale(tint, level), amount);
    }
    const grey = luma(c);
    c = mix([grey, grey, grey], c, saturation);
    return scale(c, exposure);
  };
}

/** A colour at the same brightness with its hue pulled toward `towards`. */
function desaturate(colour: Rgb, amount: number, towards: Rgb = [128, 128, 128]): Rgb {
  const level = luma(colour) / Math.max(1, luma(towards));
  return mix(colour, scale(towards, level), amount);
}

export function buildPalette(input: LookInput): Palette {
  const base = TIME_LIGHT[input.time];
  const named = accentOf(input.lightingWords) ?? accentOf(input.moodWords);
  const accent = named?.colour ?? input.defaultAccent;
  const accentAlt = named?.alt ?? mix(accent, [255, 255, 255], 0.45);
  const grade = gradeOf([...input.lightingWords, ...input.moodWords]);
  const cloud = input.overcast;
  const cloudGrey: Rgb = input.time === 'night' ? [40, 44, 52] : input.time === 'day' ? [170, 176, 184] : [120, 110, 118];
  const air = input.airHaze;
  const weathered = (colour: Rgb): Rgb => {
    const clouded = desaturate(mix(colour, cloudGrey, cloud * 0.35), cloud * 0.6);
    return air ? mix(clouded, air.colour, air.amount * 0.35) : clouded;
  };
  const sky = base.sky.map((c) => grade(weathered(hex(c)))) as [Rgb, Rgb, Rgb];
  // A named light colours the air a little: "cold blue" makes blue shadows.
  const lit = (colour: Rgb, amount: number): Rgb => grade(weathered(mix(colour, scale(accent, luma(colour) / Math.max(1, luma(accent))), named ? amount : 0)));
  const [far, mid, near] = base.silhouettes.map((c, i) => lit(hex(c), 0.12 + i * 0.06)) as [Rgb, Rgb, Rgb];
  return {
    time: input.time,
    sky: { top: sky[0], middle: sky[1], horizon: sky[2] },
    orb: { kind: base.orb.kind, colour: grade(hex(base.orb.colour)), glow: grade(weathered(hex(base.orb.glow))), altitude: base.orb.altitude, visible: cloud < 0.55 },
    stars: base.stars * Math.max(0, 1 - cloud * 1.6),
    haze: lit(air ? mix(hex(base.haze), air.colour, air.amount * 0.6) : hex(base.haze), 0.15),
    far,
    mid,
    near,
    ground: lit(hex(base.ground), 0.2),
    surface: lit(hex(base.surface), 0.3),
    light: base.light * (1 - cloud * 0.3),
    windows: {
      lit: base.litWindows,
      colours: [grade(hex('#ffd08a')), grade(hex('#ffe8c0')), grade(hex('#bcd8ff')), grade(hex('#ffc070'))],
    },
    accent: grade(accent),
    accentAlt: grade(accentAlt),
  };
}
