/**
 * Cost before a run. An estimate is a run in estimate mode (see
 * `RunOptions.estimate`): the paid nodes' ancestors — script parsing,
 * casting, prompts — execute as usual (cheap, deterministic, and cached for
 * the real run); each paid unit is looked up in the cache (a hit costs
 * nothing) and otherwise priced from the usage its node type's
 * `estimateUsage` says it would report, without calling anything.
 *
 * What a paid node's result feeds is not estimated: a scene whose length
 * comes from the voices' durations cannot be priced before the voices exist.
 * Such nodes are listed as unestimated, with the reason, and the estimate says
 * it is incomplete.
 */
import { ReelgraphError, UpstreamError, type SerializedError } from '../contract/errors.js';
import type { ProviderUsage } from '../contract/node.js';
import type { NodeEstimate, RunEstimate } from '../contract/estimate.js';
import { estimateCost } from '../observability/prices.js';

export type { NodeEstimate, RunEstimate };

/** Where an estimate run reports its paid units. */
export interface EstimateCollector {
  /** A paid unit whose result is in the cache: it costs nothing. */
  cached(nodeId: string, index: number | undefined): void;
  /** A paid unit that would execute, with the usage it would report. */
  estimated(nodeId: string, index: number | undefined, usage: ProviderUsage[]): void;
  /** A paid unit whose inputs an estimate cannot have (they come from a paid node it did not execute). */
  blocked(nodeId: string, index: number | undefined, reason: unknown): void;
}

/** The result of a paid node an estimate did not execute: absent, on purpose. */
export class EstimateOnlyError extends ReelgraphError {
  constructor(nodeId: string, item?: number) {
    super('ESTIMATE_ONLY', `node "${nodeId}" is paid and an estimate does not execute it`, { retryable: false, location: { nodeId, ...(item !== undefined ? { item } : {}) } });
  }
}

/** Whether a failure is (or comes from) a paid result an estimate left out. */
export function isEstimateGap(error: unknown): boolean {
  for (let at: unknown = error; at !== undefined; at = at instanceof UpstreamError ? at.cause : undefined) {
    if (at instanceof EstimateOnlyError) return true;
  }
  return false;
}

interface Tally {
  usage: ProviderUsage[];
  cached: number;
  executed: number;
  blocked: number;
  reason?: string;
}

/** Collects an estimate run's paid units and turns them into per-node figures. */
export class EstimateTally implements EstimateCollector {
  private readonly nodes = new Map<string, Tally>();

  private of(nodeId: string): Tally {
    let tally = this.nodes.get(nodeId);
    if (!tally) {
      tally = { usage: [], cached: 0, executed: 0, blocked: 0 };
      this.nodes.set(nodeId, tally);
    }
    return tally;
  }

  cached(nodeId: string): void {
    this.of(nodeId).cached += 1;
  }

  estimated(nodeId: string, _index: number | undefined, usage: ProviderUsage[]): void {
    const tally = this.of(nodeId);
    tally.executed += 1;
    tally.usage.push(...usage);
  }

  blocked(nodeId: string, _index: number | undefined, reason: unknown): void {
    const tally = this.of(nodeId);
    tally.blocked += 1;
    tally.reason ??= reasonOf(reason);
  }

  /** Per-node figures in graph order, for the paid nodes the estimate demanded (`summaries` of its run). */
  result(paid: ReadonlyArray<{ id: string; type: string }>, summaries: ReadonlyArray<{ id: string; error?: SerializedError }>): RunEstimate {
    const nodes: NodeEstimate[] = [];
    let costUsd = 0;
    let complete = true;
    let estimatedPrices = false;
    for (const node of paid) {
      const summary = summaries.find((s) => s.id === node.id);
      if (!summary) continue;
      const tally = this.nodes.get(node.id) ?? { usage: [], cached: 0, executed: 0, blocked: 0 };
      // A paid node whose list could not be made at all (its prompts need the voices) reported no item: the node is the gap.
      if (tally.cached + tally.executed + tally.blocked === 0 && summary.error) {
        tally.blocked = 1;
        tally.reason = reasonOf(summary.error);
      }
      const usage = sumUsage(tally.usage);
      const cost = estimateCost(usage);
      costUsd += cost.totalUsd;
      estimatedPrices ||= cost.estimated;
      if (tally.blocked > 0) complete = false;
      const providers = [...new Set(usage.map((u) => u.provider))];
      nodes.push({
        id: node.id,
        type: node.type,
        provider: providers.length > 0 ? providers.join(',') : null,
        usage,
        costUsd: cost.totalUsd,
        cachedItems: tally.cached,
        items: tally.cached + tally.executed,
        ...(tally.blocked > 0 ? { unestimated: { items: tally.blocked, reason: tally.reason ?? 'its inputs could not be produced' } } : {}),
        ...(cost.unpriced.length > 0 ? { unpriced: cost.unpriced } : {}),
      });
    }
    return { costUsd, nodes, complete, estimatedPrices };
  }
}

function reasonOf(error: unknown): string {
  if (isEstimateGap(error)) {
    let root = error;
    while (root instanceof UpstreamError && root.cause !== undefined) root = root.cause;
    const nodeId = root instanceof ReelgraphError ? root.location.nodeId : undefined;
    return `its inputs come from paid node "${nodeId ?? '?'}", which an estimate does not execute`;
  }
  if (typeof error === 'object' && error !== null && 'message' in error) return String((error as { message: unknown }).message);
  return String(error);
}

/** Usage summed per provider, unit and model, in first-seen order. */
function sumUsage(usage: readonly ProviderUsage[]): ProviderUsage[] {
  const sums = new Map<string, ProviderUsage>();
  for (const entry of usage) {
    if (!Number.isFinite(entry.quantity) || entry.quantity <= 0) continue;
    const key = JSON.stringify([entry.provider, entry.unit, entry.model ?? null]);
    const known = sums.get(key);
    if (known) known.quantity += entry.quantity;
    else sums.set(key, { ...entry });
  }
  return [...sums.values()];
}
