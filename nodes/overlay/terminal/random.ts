/** Deterministic randomness: every "random" look of a block comes from its segment id, never from Math.random. */
import { createHash } from 'node:crypto';

/** A 32-bit seed from any text. */
export function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readInt32LE(0);
}

/** A small, fast, seedable PRNG (mulberry32): uniform in [0, 1). */
export function prng(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
