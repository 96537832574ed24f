/**
 * Data access for item pins (migration 16): the `item_pins` table, and the
 * run records a lock takes its result from. Shares the run store's
 * connection, so it shares its lock and its file. The rules (what may be
 * locked, a locked item's take) live in runtime/runs/item-pins.ts.
 */
import type { ItemPin } from '../contract/item-pins.js';
import type { ItemStatus } from '../contract/events.js';
import type { GraphDocument } from '../contract/graph.js';
import type { Connection } from './connection.js';
import { toJson } from './rows.js';

interface ItemPinDbRow {
  graph_id: string;
  node_id: string;
  item_index: number;
  locked: 0 | 1;
  take: number;
  item_key: string | null;
  anchor: string | null;
  item_count: number | null;
  locked_from_run: string | null;
  locked_take: number | null;
  provider: string | null;
  outputs: string | null;
  updated_at: number;
}

const toPin = (row: ItemPinDbRow): ItemPin => ({
  graphId: row.graph_id,
  nodeId: row.node_id,
  index: row.item_index,
  locked: row.locked === 1,
  take: row.take,
  ...(row.item_key !== null ? { key: row.item_key } : {}),
  ...(row.anchor !== null ? { anchor: row.anchor } : {}),
  ...(row.item_count !== null ? { count: row.item_count } : {}),
  ...(row.locked_from_run !== null ? { lockedFromRun: row.locked_from_run } : {}),
  ...(row.locked_take !== null ? { lockedTake: row.locked_take } : {}),
  ...(row.provider !== null ? { provider: row.provider } : {}),
  ...(row.outputs !== null ? { outputs: JSON.parse(row.outputs) as Record<string, unknown> } : {}),
  updatedAt: row.updated_at,
});

/** An item's result as one run recorded it: what a lock keeps. */
export interface RecordedItemResult {
  runId: string;
  key: string;
  status: ItemStatus;
  outputs: Record<string, unknown>;
  provider?: string;
  take?: number;
  /** The node's item count in that run. */
  count?: number;
}

/** Statuses whose outputs are a result worth locking. */
const RESULT_STATUSES = ['done', 'cached', 'fell-back'] as const;

export class ItemPinTable {
  constructor(private readonly connection: Connection) {}

  /** A graph's pins, by node id then index. */
  async list(graphId: string): Promise<ItemPin[]> {
    const rows = await this.connection.exclusive((db) =>
      db.all<ItemPinDbRow>('SELECT * FROM item_pins WHERE graph_id = ? ORDER BY node_id, item_index', [graphId]),
    );
    return rows.map(toPin);
  }

  async get(graphId: string, nodeId: string, index: number): Promise<ItemPin | undefined> {
    const row = await this.connection.exclusive((db) =>
      db.get<ItemPinDbRow>('SELECT * FROM item_pins WHERE graph_id = ? AND node_id = ? AND item_index = ?', [graphId, nodeId, index]),
    );
    return row && toPin(row);
  }

  /** Writes the pin (replacing the item's previous one). */
  async put(pin: ItemPin): Promise<void> {
    await this.connection.exclusive((db) =>
      db.run(
        `INSERT OR REPLACE INTO item_pins (graph_id, node_id, item_index, locked, take, item_key, anchor, item_count, locked_from_run, locked_take, provider, outputs, updated_at)
         VALUES ($graphId, $nodeId, $index, $locked, $take, $key, $anchor, $count, $run, $lockedTake, $provider, $outputs, $updatedAt)`,
        {
          $graphId: pin.graphId,
          $nodeId: pin.nodeId,
          $index: pin.index,
          $locked: pin.locked ? 1 : 0,
          $take: pin.take,
          $key: pin.key ?? null,
          $anchor: pin.anchor ?? null,
          $count: pin.count ?? null,
          $run: pin.lockedFromRun ?? null,
          $lockedTake: pin.lockedTake ?? null,
          $provider: pin.provider ?? null,
          $outputs: toJson(pin.outputs),
          $updatedAt: pin.updatedAt,
        },
      ),
    );
  }

  /** Every pin of the graph (a deleted graph's). */
  async deleteGraph(graphId: string): Promise<void> {
    await this.connection.exclusive((db) => db.run('DELETE FROM item_pins WHERE graph_id = ?', [graphId]));
  }

  async delete(graphId: string, nodeId: string, index: number): Promise<void> {
    await this.connection.exclusive((db) => db.run('DELETE FROM item_pins WHERE graph_id = ? AND node_id = ? AND item_index = ?', [graphId, nodeId, index]));
  }

  /**
   * The item's result in the given run, or else in the graph's latest run
   * that has one: what a lock keeps when the producer names no run. Runs
   * whose graph `accept` refuses (a one-scene preview's) are passed over;
   * the latest few candidates are looked at.
   */
  async recordedResult(graphId: string, nodeId: string, index: number, options: { runId?: string; accept?: (graph: GraphDocument) => boolean } = {}): Promise<RecordedItemResult | undefined> {
    const { runId, accept } = options;
    const statuses = RESULT_STATUSES.map((status) => `'${status}'`).join(', ');
    const rows = await this.connection.exclusive((db) =>
      db.all<{ runId: string; key: string; status: ItemStatus; outputs: string; provider: string | null; take: number | null; items: string | null; graph: string }>(
        `SELECT i.run_id AS runId, i.item_key AS "key", i.status, i.outputs, i.provider, i.take, n.items, r.graph
         FROM item_runs i JOIN runs r ON r.id = i.run_id
         LEFT JOIN node_runs n ON n.run_id = i.run_id AND n.node_id = i.node_id
         WHERE r.graph_id = $graphId AND i.node_id = $nodeId AND i.item_index = $index
           AND i.status IN (${statuses}) AND i.outputs IS NOT NULL ${runId === undefined ? '' : 'AND i.run_id = $runId'}
         ORDER BY r.created_at DESC, r.rowid DESC LIMIT 20`,
        { $graphId: graphId, $nodeId: nodeId, $index: index, ...(runId === undefined ? {} : { $runId: runId }) },
      ),
    );
    const row = rows.find((candidate) => accept?.(JSON.parse(candidate.graph) as GraphDocument) ?? true);
    if (!row) return undefined;
    const total = row.items === null ? undefined : (JSON.parse(row.items) as { total?: number }).total;
    return {
      runId: row.runId,
      key: row.key,
      status: row.status,
      outputs: JSON.parse(row.outputs) as Record<string, unknown>,
      ...(row.provider !== null ? { provider: row.provider } : {}),
      ...(row.take !== null ? { take: row.take } : {}),
      ...(total !== undefined ? { count: total } : {}),
    };
  }
}
