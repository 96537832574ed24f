/** Deterministic randomness: every "random" look of a block comes from its segment id, never from Math.random. */
import { createHash } from 'node:crypto';

/** A 32-bit seed from any text. */
export function seedOf(text: string): number {
  return createHash('sha256').update(text).digest().readInt32LE(0);
}
