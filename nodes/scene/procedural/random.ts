/**
 * Seeded randomness. Every random choice of a scene comes from its seed, so
 * the same prompt renders the same frames byte for byte; nothing here reads
 * the clock or `Math.random`.
 */
import { mulberry32 } from '../../../runtime/util/random.js';

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  range(min: number, max: number): number;
  /** An integer in [min, max). */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
  /**
   * An independent stream named by `label`: each layer draws from its own, so
   * adding an element to one layer leaves every other layer as it was.
   */
  fork(label: string): Random;
}

/** A 32-bit hash of numbers and strings (FNV-1a, then a final avalanche). */
export function hashOf(...parts: readonly (string | number)[]): number {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    const text = typeof part === 'number' ? `#${part}` : part;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
    hash ^= 0xff;
    hash = Math.imul(hash, 0x01000193);
  }
  return avalanche(hash);
}

/** A stateless draw in [0, 1): the same parts always give the same number (per-frame blinks, flicker). */
export function unitOf(...parts: readonly (string | number)[]): number {
  return hashOf(...parts) / 0x1_0000_0000;
}

function avalanche(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The runtime's seeded generator (mulberry32: small, fast and good enough for placing pixels), with the helpers drawing wants. */
export function createRandom(seed: number): Random {
  const next = mulberry32(seed);
  const random: Random = {
    next,
    range: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor((max - min) * next()),
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
    chance: (probability) => next() < probability,
    fork: (label) => createRandom(hashOf(seed, label)),
  };
  return random;
}

/**
 * Smooth deterministic wobble in about [-1, 1]: a few incommensurate sines
 * with seeded phases. Used where motion must be continuous (handheld shake,
 * swaying, drifting fog), which per-frame random draws are not.
 */
export function wobble(seed: number, label: string, hertz: number): (t: number) => number {
  const random = createRandom(hashOf(seed, label));
  const parts = [1, 2.13, 3.71].map((ratio, i) => ({ frequency: hertz * ratio, phase: random.range(0, Math.PI * 2), weight: [0.6, 0.3, 0.1][i] as number }));
  return (t) => parts.reduce((sum, part) => sum + part.weight * Math.sin(2 * Math.PI * part.frequency * t + part.phase), 0);
}
