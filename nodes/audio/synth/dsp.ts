/**
 * The small DSP kit the score is synthesised with: a sine table, a seeded
 * hash, noise colours (from the runtime's seeded generator) and one-pole /
 * state-variable filters. Pure JavaScript and deterministic: the same seed
 * gives the same samples on every machine (no Math.random, no platform
 * audio code).
 */
import { mulberry32 } from '../../../runtime/util/random.js';

export const SAMPLE_RATE = 48_000;

const TABLE_BITS = 12;
const TABLE_SIZE = 1 << TABLE_BITS;
const SINE = new Float64Array(TABLE_SIZE + 1);
for (let i = 0; i <= TABLE_SIZE; i++) SINE[i] = Math.sin((2 * Math.PI * i) / TABLE_SIZE);

/** sin(2π·cycles), from a table (linear interpolation): fast enough for tens of partials per sample. */
export function sineCycles(cycles: number): number {
  const phase = (cycles - Math.floor(cycles)) * TABLE_SIZE;
  const index = phase | 0;
  const fraction = phase - index;
  const a = SINE[index]!;
  return a + (SINE[index + 1]! - a) * fraction;
}

/** A 32-bit hash of a string (FNV-1a), for seeds. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A hash of integers in [0, 1): stateless randomness (the same note index always draws the same value). */
export function hashUnit(...values: number[]): number {
  let hash = 0x9e3779b9;
  for (const value of values) {
    hash ^= Math.imul(value | 0, 0x85ebca6b) + (hash << 6) + (hash >>> 2);
    hash = Math.imul(hash ^ (hash >>> 15), 0x2c1b3c6d);
    hash = Math.imul(hash ^ (hash >>> 12), 0x297a2d39);
    hash ^= hash >>> 15;
  }
  return (hash >>> 0) / 4_294_967_296;
}

export const dbToGain = (db: number): number => 10 ** (db / 20);

export const midiToHz = (note: number): number => 440 * 2 ** ((note - 69) / 12);

/** One-pole low-pass; `highpass` is the input less the low-pass. */
export class OnePole {
  private state = 0;
  private readonly coefficient: number;
  constructor(cutoffHz: number) {
    this.coefficient = 1 - Math.exp((-2 * Math.PI * cutoffHz) / SAMPLE_RATE);
  }
  lowpass(input: number): number {
    this.state += (input - this.state) * this.coefficient;
    return this.state;
  }
  highpass(input: number): number {
    return input - this.lowpass(input);
  }
}

/** Chamberlin state-variable filter; the centre may move per sample. */
export class StateVariable {
  private low = 0;
  private band = 0;
  constructor(private readonly damping: number) {}
  bandpass(input: number, centreHz: number): number {
    const f = 2 * Math.sin((Math.PI * Math.min(centreHz, SAMPLE_RATE / 6)) / SAMPLE_RATE);
    this.low += f * this.band;
    const high = input - this.low - this.damping * this.band;
    this.band += f * high;
    return this.band;
  }
  lowpass(input: number, cutoffHz: number): number {
    this.bandpass(input, cutoffHz);
    return this.low;
  }
}

/** White, pink (Paul Kellet's economy filter) and brown noise from one seeded PRNG. */
export class Noise {
  private readonly random: () => number;
  private b0 = 0;
  private b1 = 0;
  private b2 = 0;
  private brownState = 0;
  constructor(seed: number) {
    this.random = mulberry32(seed);
  }
  white(): number {
    return this.random() * 2 - 1;
  }
  pink(): number {
    const white = this.white();
    this.b0 = 0.99765 * this.b0 + white * 0.099046;
    this.b1 = 0.963 * this.b1 + white * 0.2965164;
    this.b2 = 0.57 * this.b2 + white * 1.0526913;
    return (this.b0 + this.b1 + this.b2 + white * 0.1848) * 0.2;
  }
  brown(): number {
    this.brownState = (this.brownState + 0.02 * this.white()) * 0.997;
    return this.brownState * 3.5;
  }
  /** The PRNG itself, for event times. */
  next(): number {
    return this.random();
  }
}

/** Raised-cosine fade gain: 0 at 0, 1 at `length`. */
export function fadeGain(position: number, length: number): number {
  if (length <= 0 || position >= length) return 1;
  if (position <= 0) return 0;
  return 0.5 - 0.5 * Math.cos((Math.PI * position) / length);
}

/**
 * A stereo sound rendered a block at a time, in order: `render` adds frames
 * [from, from + frames) of the sound into `out` (interleaved L/R), counting
 * from the sound's first frame. Sources may keep state between calls.
 */
export interface StereoSource {
  render(out: Float32Array, from: number, frames: number): void;
}
