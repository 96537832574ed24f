/**
 * How a run honours item pins (runtime/contract/item-pins.ts). The run reads
 * its graph's pins once, when its first item asks, so one run sees one set
 * of pins however long it takes; a pin changed meanwhile applies from the
 * next run. The lookup sits where cache lookups do (the orchestrating
 * process), so queue workers need nothing: a take reaches them inside the
 * unit's `item`, and a locked item never reaches them at all.
 */
import { collectArtifactHandles, type ArtifactStore } from '../contract/artifacts.js';
import { ItemLockedError, LockedItemUnusableError, type ItemPin } from '../contract/item-pins.js';
import type { GraphDocument } from '../contract/graph.js';
import type { ItemInfo, NodeOutputs } from '../contract/node.js';

/**
 * Where a run finds its graph's pins (the store, in a workspace). Given the
 * graph the run executes, so the source can tell runs whose items are not
 * the graph's usual ones (a one-scene preview) and give them none.
 */
export interface ItemPinSource {
  pinsOf(graph: GraphDocument): Promise<ItemPin[]>;
  /**
   * Gives the item its next take when its take is still `from` (so asking
   * twice raises it once), and answers the pin after. Throws ItemLockedError
   * for a locked item. A source without it keeps takes for the run alone.
   */
  raiseTake?(graph: GraphDocument, nodeId: string, index: number, from: number): Promise<ItemPin>;
}

export type LockedOutcome = { ok: true; outputs: NodeOutputs; provider: string | undefined } | { ok: false; error: LockedItemUnusableError };

/** The scene id an item's value (or a result's value) carries: what keeps a lock on the same scene when the list changes. */
export function anchorOf(value: unknown): string | undefined {
  const sceneId = typeof value === 'object' && value !== null ? (value as { sceneId?: unknown }).sceneId : undefined;
  return typeof sceneId === 'string' && sceneId !== '' ? sceneId : undefined;
}

export class RunPins {
  private loaded: Promise<Map<string, ItemPin>> | undefined;

  constructor(
    private readonly graph: GraphDocument,
    private readonly source: ItemPinSource | undefined,
    private readonly artifacts: ArtifactStore,
  ) {}

  private pins(): Promise<Map<string, ItemPin>> {
    const { graph, source } = this;
    // A graph without an id (an unsaved document, a file without "id") has nowhere to keep pins.
    this.loaded ??= graph.id === undefined || source === undefined ? Promise.resolve(new Map()) : source.pinsOf(graph).then((pins) => new Map(pins.map((p) => [pinKey(p.nodeId, p.index), p])));
    return this.loaded;
  }

  private async pin(nodeId: string, index: number): Promise<ItemPin | undefined> {
    return (await this.pins()).get(pinKey(nodeId, index));
  }

  /** The item's take now (0: the first). */
  async takeOf(nodeId: string, index: number): Promise<number> {
    return (await this.pin(nodeId, index))?.take ?? 0;
  }

  /**
   * The item's next take, for this run and (where the graph keeps pins) the
   * runs after it: a review gate makes a rejected item again. Idempotent from
   * `from`, the take the producer saw. Answers why not when the item is locked.
   */
  async raiseTake(nodeId: string, index: number, from: number): Promise<{ ok: true; take: number } | { ok: false; reason: string }> {
    const pins = await this.pins();
    const current = pins.get(pinKey(nodeId, index));
    if (current?.locked) return { ok: false, reason: `it is locked at node "${nodeId}"` };
    const { graph, source } = this;
    let pin: ItemPin;
    if (graph.id !== undefined && source?.raiseTake) {
      try {
        pin = await source.raiseTake(graph, nodeId, index, from);
      } catch (error) {
        if (error instanceof ItemLockedError) return { ok: false, reason: `it is locked at node "${nodeId}"` };
        throw error;
      }
    } else {
      const take = current?.take ?? 0;
      pin = { graphId: graph.id ?? '', nodeId, index, locked: false, take: take === from ? from + 1 : take, updatedAt: Date.now() };
    }
    pins.set(pinKey(nodeId, index), pin);
    return { ok: true, take: pin.take };
  }

  /** The item with its take, when the producer asked for one. */
  async withTake(nodeId: string, item: ItemInfo): Promise<ItemInfo> {
    const take = (await this.pin(nodeId, item.index))?.take;
    return take ? { ...item, take } : item;
  }

  /**
   * The locked result of this item, when it is locked; `value` is the item's
   * value now (undefined where not known yet, as for a fallback's item). A
   * lock that may no longer name the same item, or whose media is gone, is
   * a failure: the item is then neither reused nor executed.
   */
  async locked(nodeId: string, item: Pick<ItemInfo, 'index' | 'count'>, value?: unknown): Promise<LockedOutcome | undefined> {
    const pin = await this.pin(nodeId, item.index);
    if (!pin?.locked) return undefined;
    const fail = (reason: string): LockedOutcome => ({ ok: false, error: new LockedItemUnusableError(nodeId, item.index, reason) });
    if (!pin.outputs) return fail('the lock holds no result');
    if (pin.count !== undefined && pin.count !== item.count) {
      return fail(`the list had ${pin.count} items when it was locked and has ${item.count} now, so item ${item.index} may be another one`);
    }
    const now = anchorOf(value);
    if (pin.anchor !== undefined && now !== undefined && now !== pin.anchor) {
      return fail(`it was scene "${pin.anchor}" when locked and item ${item.index} is scene "${now}" now`);
    }
    for (const handle of collectArtifactHandles(pin.outputs)) {
      if (!(await this.artifacts.has(handle.hash))) return fail(`its locked media (${handle.hash.slice(0, 12)}…) is no longer in the artifact store`);
    }
    return { ok: true, outputs: pin.outputs, provider: pin.provider };
  }
}

const pinKey = (nodeId: string, index: number): string => `${nodeId}\u0000${index}`;
