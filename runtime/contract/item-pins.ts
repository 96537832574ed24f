/**
 * Item pins: a producer's say over one item of a mapped node (a scene clip,
 * a voice line) in one graph.
 *
 * - **Locked**: later runs of the graph take the item's result as it was
 *   locked and never execute it, even when its inputs (its prompt, its text)
 *   changed. Locking costs nothing and spends nothing.
 * - **Take**: which generation of the item is wanted. Take 0 is the item as
 *   the graph makes it; take N (N > 0) is part of the item's cache key and
 *   handed to the node (`ctx.item.take`), so seeded providers draw a new
 *   seed. Regenerate = take + 1; setting the take back is free, as the
 *   earlier take is still cached.
 *
 * An item is addressed by its index in the node's list. The item's key (the
 * hash of its value) is recorded when it is locked, but does not identify
 * it: the point of a lock is that the item's inputs change, and with them its
 * key. So that a lock never lands on another item after the list changed
 * shape, a locked item also records the list's length and, when the item has
 * one, its scene id (`anchor`); a run applies the lock only while both still
 * match, and otherwise fails that item (nothing executed, nothing spent)
 * with `LockedItemUnusableError`, naming it, until it is locked again or unlocked.
 *
 * Browser-safe like the rest of the contract: the editor reads these shapes.
 */
import { ReelgraphError } from './errors.js';
import { Type, type Static } from './typebox.js';

export const itemPin = Type.Object({
  graphId: Type.String(),
  nodeId: Type.String(),
  index: Type.Integer({ minimum: 0, description: "the item's index in the node's list (0 = the first)" }),
  locked: Type.Boolean({ description: 'runs take `outputs` for this item and never execute it' }),
  take: Type.Integer({ minimum: 0, description: '0: the item as the graph makes it; N > 0: the Nth regeneration (part of the cache key; seeded providers use a new seed)' }),
  key: Type.Optional(Type.String({ description: "the item's key (hash of its value) in the run it was locked from" })),
  anchor: Type.Optional(Type.String({ description: "the locked item's scene id, when its value has one: the lock applies only while the item at `index` still has it" })),
  count: Type.Optional(Type.Integer({ description: "the length of the node's list when locked: the lock applies only while the list has this length" })),
  lockedFromRun: Type.Optional(Type.String({ description: 'the run whose result was locked' })),
  lockedTake: Type.Optional(Type.Integer({ description: 'the take the locked result was made with' })),
  provider: Type.Optional(Type.String({ description: 'the node that produced the locked result (a fallback’s chosen alternative)' })),
  outputs: Type.Optional(Type.LooseObject({ description: "the locked result: the item's output values as the run recorded them (media as artifact handles)" })),
  updatedAt: Type.Integer(),
});
export type ItemPin = Static<typeof itemPin>;

/** A pin with nothing set is no pin: the store keeps only pins that change something. */
export function pinIsNeutral(pin: Pick<ItemPin, 'locked' | 'take'>): boolean {
  return !pin.locked && pin.take === 0;
}

/** An item as messages name it: `item 2 of node "scenes"` (0-based, as in run records and `reelgraph show`). */
export function describeItem(nodeId: string, index: number): string {
  return `item ${index} of node "${nodeId}"`;
}

/**
 * A pin operation refused: the node has no items, the item has no result
 * to lock, a locked item was asked to regenerate. `httpStatus` is what the
 * API answers it with.
 */
export class ItemPinError extends ReelgraphError {
  constructor(
    code: string,
    message: string,
    readonly httpStatus: 400 | 404 | 409,
    location: { nodeId?: string; item?: number },
  ) {
    super(code, message, { retryable: false, location });
  }
}

/** Regenerating (changing the take of) a locked item: refused, so a lock is never silently overridden. */
export class ItemLockedError extends ItemPinError {
  constructor(graphId: string, nodeId: string, index: number) {
    super('ITEM_LOCKED', `${describeItem(nodeId, index)} of graph "${graphId}" is locked: unlock it before regenerating it`, 409, { nodeId, item: index });
  }
}

/**
 * A run found a locked item it cannot honour: the list changed shape since
 * the lock (the index may now name another item), or the locked result's
 * media is gone. The item fails without executing: spending on it is the
 * producer's decision, not the engine's.
 */
export class LockedItemUnusableError extends ReelgraphError {
  constructor(nodeId: string, index: number, reason: string) {
    super('LOCKED_ITEM_UNUSABLE', `${describeItem(nodeId, index)} is locked, but ${reason}; nothing was executed for it: lock it again or unlock it`, {
      retryable: false,
      location: { nodeId, item: index },
    });
  }
}

/**
 * The seed of a take: take 0 keeps the seed, any other take mixes it into a
 * new 32-bit seed (the range every provider accepts). Deterministic, so a
 * take re-rendered gives the same picture, and browser-safe (no crypto).
 */
export function takeSeed(seed: number, take: number | undefined): number {
  if (!take) return seed;
  // murmur3's 32-bit finaliser over seed and take: well spread, cheap, no dependency.
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(take, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
