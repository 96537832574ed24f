/**
 * Sound effects synced to picture events: a terminal's keystrokes, Enter,
 * printed lines and its tube powering on and off; a `[glitch]` hit; and
 * `[sfx: …]` cues, matched by keyword to a small synthesised palette
 * (impact, beeps, rumble, whoosh, static, footsteps). Each hit is a short
 * function of its age and a seed, so a track of hits renders a block at a
 * time: only the hits overlapping a block are computed.
 */
import { dbToGain, hashUnit, SAMPLE_RATE, sineCycles, type StereoSource } from './dsp.js';

export const hitKinds = ['key', 'enter', 'print', 'power-on', 'power-off', 'glitch', 'impact', 'beeps', 'rumble', 'whoosh', 'static', 'footsteps'] as const;
export type HitKind = (typeof hitKinds)[number];

/** How long each hit rings, in seconds. */
export const hitSeconds: Record<HitKind, number> = {
  key: 0.03,
  enter: 0.12,
  print: 0.05,
  'power-on': 0.7,
  'power-off': 0.4,
  glitch: 0.45,
  impact: 0.6,
  beeps: 0.7,
  rumble: 2.2,
  whoosh: 0.8,
  static: 0.8,
  footsteps: 1.2,
};

/** Peak-ish level of each kind, relative to the effects level. */
const hitGainDb: Record<HitKind, number> = {
  key: -6,
  enter: -3,
  print: -12,
  'power-on': 0,
  'power-off': -3,
  glitch: 3,
  impact: 0,
  beeps: -6,
  rumble: 0,
  whoosh: -3,
  static: -3,
  footsteps: -3,
};

/** `[sfx: …]` words → a kind; the first rule whose word appears wins, otherwise an impact. */
const SFX_WORDS: Array<[RegExp, HitKind]> = [
  [/\b(beep|beeps|alarm|alert|ping|chime|notification|bleep|ring|phone)\b/i, 'beeps'],
  [/\b(explosion|explode|boom|thunder|blast|rumble|quake|collapse)\b/i, 'rumble'],
  [/\b(whoosh|swoosh|swish|rush|fly|flies|passes|wind)\b/i, 'whoosh'],
  [/\b(static|radio|crackle|glitch|interference|hiss|buzz|spark)\b/i, 'static'],
  [/\b(step|steps|footstep|footsteps|walk|walking|running)\b/i, 'footsteps'],
  [/\b(door|slam|knock|thud|bang|hit|impact|crash|punch|drop)\b/i, 'impact'],
];

export function sfxKind(text: string): HitKind {
  return SFX_WORDS.find(([pattern]) => pattern.test(text))?.[1] ?? 'impact';
}

export interface Hit {
  /** Seconds from the clip's start. */
  time: number;
  kind: HitKind;
}

/** A decaying noise value: a hash of the sample index, so a hit is stateless. */
const noiseAt = (seed: number, index: number): number => hashUnit(seed, index) * 2 - 1;

/** One hit's stereo value `n` samples after it starts; `seed` varies it (each key sounds a little different). */
function hitValue(kind: HitKind, n: number, seed: number, out: [number, number]): void {
  const age = n / SAMPLE_RATE;
  const variation = hashUnit(seed, 1);
  let left = 0;
  let right = 0;
  switch (kind) {
    case 'key':
    case 'enter': {
      // A key: a bright click (differentiated noise) over a short body resonance; Enter is lower and has its release a little later.
      const body = kind === 'key' ? 1_700 + 900 * variation : 900 + 300 * variation;
      const decay = kind === 'key' ? 500 : 220;
      const click = (noiseAt(seed, n) - noiseAt(seed, n - 1)) * 0.5 * Math.exp(-age * 1_400);
      let value = click + 0.6 * sineCycles(body * age) * Math.exp(-age * decay);
      if (kind === 'enter' && age > 0.07) {
        const up = age - 0.07;
        value += 0.5 * (noiseAt(seed + 1, n) - noiseAt(seed + 1, n - 1)) * Math.exp(-up * 1_200) + 0.3 * sineCycles(1_300 * up) * Math.exp(-up * 300);
      }
      const pan = 0.35 + 0.3 * hashUnit(seed, 2);
      left = value * (1 - pan) * 2;
      right = value * pan * 2;
      break;
    }
    case 'print': {
      const value = 0.5 * sineCycles(2_200 * age) * Math.exp(-age * 90) + 0.3 * noiseAt(seed, n) * Math.exp(-age * 400);
      left = right = value;
      break;
    }
    case 'power-on': {
      // The tube's thump, the crackle of static charging, and a rising whine settling.
      const thump = 0.9 * sineCycles(48 * age + 6 * age * age) * Math.exp(-age * 9);
      const crackle = 0.35 * noiseAt(seed, n) * Math.exp(-age * 5) * (hashUnit(seed, Math.floor(age * 90)) > 0.55 ? 1 : 0.25);
      const whine = 0.18 * sineCycles(300 * age + 700 * age * age) * Math.min(1, age / 0.05) * Math.exp(-age * 4);
      left = thump + crackle + whine;
      right = thump + crackle * 0.8 + whine;
      break;
    }
    case 'power-off': {
      const fall = 0.3 * sineCycles(900 * age - 1_000 * age * age) * Math.exp(-age * 8);
      const pop = 0.7 * sineCycles(60 * age) * Math.exp(-age * 25);
      left = right = fall + pop;
      break;
    }
    case 'glitch':
    case 'static': {
      // Sample-and-hold noise (a bit-crushed burst) gated in stutters, with a buzz.
      const hold = Math.floor(n / (kind === 'glitch' ? 6 : 2));
      const gate = hashUnit(seed, Math.floor(age * 28)) > 0.35 ? 1 : 0.15;
      const crushed = Math.round(noiseAt(seed, hold) * 4) / 4;
      const buzzHz = 80 + 220 * hashUnit(seed, Math.floor(age * 9));
      const buzz = sineCycles(buzzHz * age) > 0 ? 0.3 : -0.3;
      const envelope = Math.min(1, age / 0.005) * Math.exp(-age * (kind === 'glitch' ? 5 : 3));
      left = envelope * gate * (0.7 * crushed + buzz);
      right = envelope * gate * (0.7 * Math.round(noiseAt(seed + 9, hold) * 4) / 4 + buzz);
      break;
    }
    case 'impact': {
      const value = 0.9 * sineCycles(70 * age - 20 * age * age) * Math.exp(-age * 8) + 0.4 * noiseAt(seed, n) * Math.exp(-age * 40);
      left = right = value;
      break;
    }
    case 'beeps': {
      const beep = Math.floor(age / 0.22);
      const within = age - beep * 0.22;
      const value = beep < 3 && within < 0.12 ? 0.5 * sineCycles((beep === 2 ? 1_320 : 880) * age) * Math.min(1, within / 0.005, (0.12 - within) / 0.005) : 0;
      left = right = value;
      break;
    }
    case 'rumble': {
      // Low noise: a running average of hashed noise, then a slow decay.
      let sum = 0;
      for (let k = 0; k < 32; k++) sum += noiseAt(seed, Math.floor((n - k * 24) / 24));
      const value = (sum / 8) * Math.min(1, age / 0.03) * Math.exp(-age * 2.2);
      left = value;
      right = value * 0.9;
      break;
    }
    case 'whoosh': {
      const x = age / hitSeconds.whoosh;
      const envelope = Math.sin(Math.PI * Math.min(1, x)) ** 2;
      const value = 0.5 * envelope * (noiseAt(seed, n) + noiseAt(seed, n - 1) + noiseAt(seed, n - 2)) / 3;
      left = value * (1 - x);
      right = value * x;
      break;
    }
    case 'footsteps': {
      const step = Math.floor(age / 0.4);
      const within = age - step * 0.4;
      const value = step < 3 ? 0.7 * sineCycles(110 * within) * Math.exp(-within * 30) + 0.25 * noiseAt(seed + step, n) * Math.exp(-within * 60) : 0;
      left = value * (step % 2 === 0 ? 1.2 : 0.8);
      right = value * (step % 2 === 0 ? 0.8 : 1.2);
      break;
    }
  }
  out[0] = left;
  out[1] = right;
}

/**
 * A clip of hits (sorted by time) at `levelDb`. Renders in any order: each
 * block computes only the hits that sound in it.
 */
export function hitsSource(hits: readonly Hit[], options: { seed: number; levelDb: number }): StereoSource {
  const sorted = [...hits].sort((a, b) => a.time - b.time);
  const starts = sorted.map((hit) => Math.round(hit.time * SAMPLE_RATE));
  const ends = sorted.map((hit, i) => starts[i]! + Math.round(hitSeconds[hit.kind] * SAMPLE_RATE));
  const longest = Math.max(0, ...sorted.map((hit) => Math.round(hitSeconds[hit.kind] * SAMPLE_RATE)));
  const level = dbToGain(options.levelDb);
  const frame: [number, number] = [0, 0];
  return {
    render(out, from, frames) {
      const to = from + frames;
      // First hit that may still sound at `from` (its start is within the longest length of it).
      let lo = 0;
      let hi = starts.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (starts[mid]! < from - longest) lo = mid + 1;
        else hi = mid;
      }
      for (let h = lo; h < sorted.length && starts[h]! < to; h++) {
        if (ends[h]! <= from) continue;
        const hit = sorted[h]!;
        const seed = (options.seed + h * 7919) >>> 0;
        const gain = level * dbToGain(hitGainDb[hit.kind]);
        const first = Math.max(from, starts[h]!);
        const last = Math.min(to, ends[h]!);
        const length = ends[h]! - starts[h]!;
        for (let at = first; at < last; at++) {
          const n = at - starts[h]!;
          hitValue(hit.kind, n, seed, frame);
          // The last 3 ms fade out, so a cut-short tail never clicks.
          const tail = Math.min(1, (length - n) / (0.003 * SAMPLE_RATE));
          const i = (at - from) * 2;
          out[i] = out[i]! + frame[0] * gain * tail;
          out[i + 1] = out[i + 1]! + frame[1] * gain * tail;
        }
      }
    },
  };
}
