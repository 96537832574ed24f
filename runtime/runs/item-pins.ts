/**
 * The producer's item pins (runtime/contract/item-pins.ts): lock, unlock,
 * regenerate and set the take of one item of one graph. The CLI and the
 * server both come through here; runs read the pins through `pinsOf` (the
 * engine's ItemPinSource). Nothing here runs anything or spends anything:
 * a regenerated item is made by the next run, under its estimate and budgets.
 */
import { ItemLockedError, ItemPinError, pinIsNeutral, describeItem, type ItemPin } from '../contract/item-pins.js';
import type { GraphDocument } from '../contract/graph.js';
import type { NodeType } from '../contract/node.js';
import type { NodeRegistry } from '../contract/registry.js';
import { anchorOf, type ItemPinSource } from '../engine/item-pins.js';
import type { ItemPinTable } from '../store/item-pins.js';
import { isScenePreview } from './scene-preview.js';

/** What a producer asks of one item: any of lock or unlock, a take, and for a lock the run whose result to keep. */
export interface ItemPinChange {
  locked?: boolean;
  take?: number;
  /** Lock this run's result of the item; default the graph's latest run that has one. */
  runId?: string;
}

export class ItemPins implements ItemPinSource {
  constructor(
    private readonly table: ItemPinTable,
    private readonly registry: NodeRegistry<NodeType>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The pins a run of this graph honours. A one-scene preview gets none: its
   * lists hold that scene's items alone, so the graph's item indexes do not
   * name them (and it renders at another profile anyway).
   */
  async pinsOf(graph: GraphDocument): Promise<ItemPin[]> {
    if (graph.id === undefined || isScenePreview(graph, this.registry)) return [];
    return this.table.list(graph.id);
  }

  /** Drops every pin of a graph (deleted with it). */
  forget(graphId: string): Promise<void> {
    return this.table.deleteGraph(graphId);
  }

  /** The graph's pins that change something, by node then index. */
  list(graph: GraphDocument): Promise<ItemPin[]> {
    return this.table.list(graphIdOf(graph));
  }

  /** One item's pin; an item nobody pinned is unlocked at take 0. */
  async get(graph: GraphDocument, nodeId: string, index: number): Promise<ItemPin> {
    const graphId = graphIdOf(graph);
    this.pinnable(graph, nodeId, index);
    return (await this.table.get(graphId, nodeId, index)) ?? neutral(graphId, nodeId, index, this.now());
  }

  /**
   * Applies a change and answers the pin after it. Order: an unlock first,
   * then the take, then a lock, so `{locked: false, take: 2}` on a locked
   * item works in one call. A take change on an item that stays locked is
   * refused (ItemLockedError): a lock is never overridden by the way.
   */
  async change(graph: GraphDocument, nodeId: string, index: number, change: ItemPinChange): Promise<ItemPin> {
    const graphId = graphIdOf(graph);
    const type = this.pinnable(graph, nodeId, index);
    let pin = (await this.table.get(graphId, nodeId, index)) ?? neutral(graphId, nodeId, index, this.now());
    if (change.locked === false) pin = unlocked(pin);
    if (change.take !== undefined && change.take !== pin.take) {
      if (pin.locked) throw new ItemLockedError(graphId, nodeId, index);
      if (type.control === 'fallback') {
        throw new ItemPinError(
          'ITEM_NOT_REGENERABLE',
          `${describeItem(nodeId, index)} is a fallback's: its alternatives make it, so regenerate the item on the alternative that should make it again`,
          400,
          { nodeId, item: index },
        );
      }
      pin = { ...pin, take: change.take };
    }
    // Locking again from a named run replaces the kept result; without one, a lock stays as it is.
    if (change.locked === true && (!pin.locked || change.runId !== undefined)) pin = await this.locked(pin, change.runId);
    pin = { ...pin, updatedAt: this.now() };
    if (pinIsNeutral(pin)) await this.table.delete(graphId, nodeId, index);
    else await this.table.put(pin);
    return pin;
  }

  lock(graph: GraphDocument, nodeId: string, index: number, runId?: string): Promise<ItemPin> {
    return this.change(graph, nodeId, index, { locked: true, ...(runId !== undefined ? { runId } : {}) });
  }

  unlock(graph: GraphDocument, nodeId: string, index: number): Promise<ItemPin> {
    return this.change(graph, nodeId, index, { locked: false });
  }

  /** The next take of the item: the next run makes it again (a new seed), and only it. A locked item is refused (`change`). */
  async regenerate(graph: GraphDocument, nodeId: string, index: number): Promise<ItemPin> {
    const current = await this.get(graph, nodeId, index);
    return this.change(graph, nodeId, index, { take: current.take + 1 });
  }

  /** The take after `from`, unless the item moved past `from` already (a review gate asking again after a restart). */
  async raiseTake(graph: GraphDocument, nodeId: string, index: number, from: number): Promise<ItemPin> {
    const current = await this.get(graph, nodeId, index);
    return current.take === from ? this.change(graph, nodeId, index, { take: from + 1 }) : current;
  }

  /** The node's type, when the node exists and runs per item; else why the item cannot be pinned. */
  private pinnable(graph: GraphDocument, nodeId: string, index: number): NodeType {
    const node = graph.nodes.find((n) => n.id === nodeId);
    const location = { nodeId, item: index };
    if (!node) throw new ItemPinError('UNKNOWN_NODE', `graph "${graphIdOf(graph)}" has no node "${nodeId}"`, 404, location);
    const type = this.registry.get(node.type, node.typeVersion);
    if (!type) throw new ItemPinError('UNKNOWN_NODE_TYPE', `node "${nodeId}" has type ${node.type} v${node.typeVersion}, which this reelgraph does not know`, 400, location);
    if (!type.mapOver && type.control !== 'fallback') {
      throw new ItemPinError('NOT_PER_ITEM', `node "${nodeId}" (${node.type}) runs whole, not per item: only the items of a node that maps over a list can be locked or regenerated`, 400, location);
    }
    if (!Number.isInteger(index) || index < 0) throw new ItemPinError('INVALID_ITEM', `item "${index}" of node "${nodeId}": items are numbered 0, 1, 2, …`, 400, location);
    return type;
  }

  /** The pin with the item's recorded result locked in. */
  private async locked(pin: ItemPin, runId: string | undefined): Promise<ItemPin> {
    // A one-scene preview's item 0 is another scene, at another profile: never what a lock keeps.
    const accept = (graph: GraphDocument): boolean => !isScenePreview(graph, this.registry);
    const result = await this.table.recordedResult(pin.graphId, pin.nodeId, pin.index, { ...(runId !== undefined ? { runId } : {}), accept });
    if (!result) {
      const where = runId === undefined ? `no run of graph "${pin.graphId}"` : `run "${runId}" (of graph "${pin.graphId}")`;
      throw new ItemPinError('NO_RESULT_TO_LOCK', `${describeItem(pin.nodeId, pin.index)} has no result to lock: ${where} produced it; run the graph first`, 409, {
        nodeId: pin.nodeId,
        item: pin.index,
      });
    }
    const anchor = anchorOf(Object.values(result.outputs)[0]);
    return {
      ...pin,
      locked: true,
      key: result.key,
      ...(anchor !== undefined ? { anchor } : {}),
      ...(result.count !== undefined ? { count: result.count } : {}),
      lockedFromRun: result.runId,
      lockedTake: result.take ?? 0,
      ...(result.provider !== undefined ? { provider: result.provider } : {}),
      outputs: result.outputs,
    };
  }
}

/** Pins belong to a graph's id: a stored graph's, or the `id` of a graph file (the id its runs are recorded under). */
export function graphIdOf(graph: GraphDocument): string {
  if (graph.id === undefined) {
    throw new ItemPinError('GRAPH_HAS_NO_ID', `graph "${graph.name}" has no id, so nothing can keep its pins: give the file an "id" or save it (reelgraph save)`, 400, {});
  }
  return graph.id;
}

function neutral(graphId: string, nodeId: string, index: number, now: number): ItemPin {
  return { graphId, nodeId, index, locked: false, take: 0, updatedAt: now };
}

/** The pin without its lock: the take stays. */
function unlocked(pin: ItemPin): ItemPin {
  return { graphId: pin.graphId, nodeId: pin.nodeId, index: pin.index, locked: false, take: pin.take, updatedAt: pin.updatedAt };
}
