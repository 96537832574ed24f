/**
 * What the Run panel says about money (pure, no DOM): the estimate of a run
 * before it starts (POST /api/estimate, free: nothing paid is called), the
 * per-run budget typed in the form, the spend a run recorded against its
 * budget, and a run stopped by a budget. Dollars are written by the
 * contract's `usd`, as the CLI and the budget errors write them.
 */
import { usd } from '../../../runtime/contract/budget.js';
import type { NodeEstimate, RunEstimate } from '../../../runtime/contract/estimate.js';
import type { SerializedError } from '../../../runtime/contract/errors.js';
import type { GraphDocument } from '../../../runtime/contract/graph.js';
import type { NodeDescription } from '../../../runtime/contract/node.js';
import type { NodeRegistry } from '../../../runtime/contract/registry.js';
import type { RunDetail, RunUsage } from '../../../runtime/contract/records.js';
import type { Problem } from '../api/client.js';
import type { RunState } from './run-state.js';

export { usd };

/** Which of the panel's wordings an estimate gets. */
export type EstimateKind =
  /** No node of the run bills anything. */
  | 'no-paid'
  /** Every paid item is cached: the run costs nothing. */
  | 'all-cached'
  /** Priced in full. */
  | 'priced'
  /** Some paid node cannot be priced before the run: the total is a lower bound. */
  | 'incomplete';

/** One paid node as a row of the estimate. */
export interface EstimateLine {
  id: string;
  title: string;
  /** "elevenlabs", "runway"; "—" when nothing would be billed (all cached). */
  provider: string;
  /** "1,234 characters", "20 s", joined per provider, unit and model; "not known before the run" when nothing of it is priced. */
  usage: string;
  costUsd: number;
  /** "$0.12"; "?" when nothing of it could be priced. */
  cost: string;
  items: number;
  cachedItems: number;
  /** "2 of 3 cached (free)"; undefined when the node has no item. */
  cached: string | undefined;
  /** Why some of it is not priced ("priced once “Voices” has run"). */
  unestimated: string | undefined;
  /** Usage no price row covers (self-hosted servers): counted, not priced. */
  unpriced: string | undefined;
}

export interface EstimateView {
  kind: EstimateKind;
  totalUsd: number;
  /** "$0.12", or "at least $0.12" when incomplete. */
  total: string;
  /** The sentence beside the total. */
  headline: string;
  lines: EstimateLine[];
  /** Caveats: an upstream failure, prices that are themselves estimates. */
  notes: string[];
}

const plural = (count: number, one: string, many = `${one}s`): string => `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;

/** Usage as a producer reads it: "1,234 characters", "20 s", with the model when there is one. */
export function formatUsage(usage: readonly RunUsage[]): string {
  if (usage.length === 0) return 'nothing billed';
  return usage
    .map((entry) => {
      const amount = entry.unit === 'seconds' ? `${Number(entry.quantity.toFixed(1)).toLocaleString('en-US')} s` : plural(Math.round(entry.quantity * 100) / 100, entry.unit.replace(/s$/, ''), entry.unit);
      return entry.model ? `${amount} (${entry.model})` : amount;
    })
    .join(', ');
}

/**
 * Why a node's items are not priced, in the panel's words. The engine's
 * reason names the paid node its inputs wait for (runtime/engine/estimate.ts):
 * that node is named by its title on the canvas.
 */
export function describeUnestimated(node: Pick<NodeEstimate, 'unestimated' | 'items'>, titleOf: (nodeId: string) => string): string | undefined {
  const gap = node.unestimated;
  if (!gap) return undefined;
  const waitsFor = /paid node "([^"]+)"/.exec(gap.reason)?.[1];
  // A node with no item counted could not even make its list (its scenes' lengths come from the voices): the whole node is the gap.
  const what = node.items === 0 && gap.items === 1 ? 'not priced yet' : `${plural(gap.items, 'item')} not priced yet`;
  return waitsFor ? `${what}: priced once “${titleOf(waitsFor)}” has run (its inputs come from it)` : `${what}: ${gap.reason}`;
}

export function estimateLine(node: NodeEstimate, titleOf: (nodeId: string) => string): EstimateLine {
  // Nothing of it could be priced: "$0.00" would read as free.
  const unknown = node.unestimated !== undefined && node.items === 0;
  return {
    id: node.id,
    title: titleOf(node.id),
    provider: node.provider ?? '—',
    usage: unknown ? 'not known before the run' : formatUsage(node.usage),
    costUsd: node.costUsd,
    cost: unknown ? '?' : usd(node.costUsd),
    items: node.items,
    cachedItems: node.cachedItems,
    cached: node.items > 0 ? (node.cachedItems === node.items ? `all ${plural(node.items, 'item')} cached (free)` : `${node.cachedItems} of ${plural(node.items, 'item')} cached (free)`) : undefined,
    unestimated: describeUnestimated(node, titleOf),
    unpriced: node.unpriced && node.unpriced.length > 0 ? `${formatUsage(node.unpriced)} not priced (no price for ${[...new Set(node.unpriced.map((u) => u.provider))].join(', ')})` : undefined,
  };
}

/** The estimate as the Run panel shows it. */
export function describeEstimate(estimate: RunEstimate, titleOf: (nodeId: string) => string): EstimateView {
  const lines = estimate.nodes.map((node) => estimateLine(node, titleOf));
  const items = lines.reduce((sum, line) => sum + line.items, 0);
  const cached = lines.reduce((sum, line) => sum + line.cachedItems, 0);
  const notes: string[] = [];
  if (estimate.error) notes.push(`The graph stopped early (${estimate.error}): the figures cover what could be reached.`);
  if (estimate.estimatedPrices) notes.push('Some prices are themselves estimates (a per-credit or per-token price converted).');
  notes.push('List prices: a provider that reports its own count may bill a little differently.');

  let kind: EstimateKind;
  let headline: string;
  if (!estimate.complete) {
    kind = 'incomplete';
    const gaps = lines.filter((line) => line.unestimated);
    headline = `a lower bound: ${gaps.map((line) => `“${line.title}” ${line.unestimated?.replace(/^not priced yet: /, '').replace(/ \(its inputs come from it\)$/, '')}`).join('; ')}`;
  } else if (lines.length === 0) {
    kind = 'no-paid';
    headline = 'no paid nodes: this run calls no paid provider';
  } else if (estimate.costUsd === 0 && items > 0 && cached === items) {
    kind = 'all-cached';
    headline = `all ${plural(items, 'paid item')} cached: nothing to pay`;
  } else {
    kind = 'priced';
    headline = cached > 0 ? `${cached} of ${plural(items, 'paid item')} cached (free)` : `${plural(items, 'paid item')}, none cached`;
  }
  return { kind, totalUsd: estimate.costUsd, total: kind === 'incomplete' ? `at least ${usd(estimate.costUsd)}` : usd(estimate.costUsd), headline, lines, notes };
}

// ---------------------------------------------------------------- the run's budget

/** The budget field as typed: '' is no budget; anything else must be an amount of US dollars, 0 or more. */
export function parseBudget(text: string): { budgetUsd?: number; problem?: Problem } {
  const trimmed = text.trim().replace(/^\$/, '');
  if (trimmed === '') return {};
  const amount = Number(trimmed);
  if (!Number.isFinite(amount) || amount < 0) return { problem: { in: 'body', path: '/budgetUsd', message: `"${text}" is not an amount in US dollars (e.g. 5 or 0.50)` } };
  return { budgetUsd: amount };
}

/** When the estimate already says the run will not fit its budget: the sentence that says so. */
export function overBudget(estimate: RunEstimate | undefined, budgetUsd: number | undefined): string | undefined {
  if (!estimate || budgetUsd === undefined || estimate.costUsd <= budgetUsd) return undefined;
  return `The estimate (${estimate.complete ? '' : 'at least '}${usd(estimate.costUsd)}) is over this run's budget of ${usd(budgetUsd)}: the run stops before the request that would cross it.`;
}

/** What a run spent, and of which budget. */
export interface SpendView {
  spentUsd: number;
  budgetUsd: number | undefined;
  /** "$0.0080 spent of a $0.01 budget", "$0.42 spent". */
  text: string;
  /** Spent / budget, capped at 1, for the bar; undefined without a budget. */
  fraction: number | undefined;
}

/** A run's recorded spend (usage at list price) against its budget; undefined when it has neither. */
export function describeSpend(detail: Pick<RunDetail, 'costUsd' | 'budgetUsd'> | undefined): SpendView | undefined {
  if (!detail) return undefined;
  const spentUsd = detail.costUsd ?? 0;
  const budgetUsd = detail.budgetUsd;
  if (budgetUsd === undefined && spentUsd === 0) return undefined;
  return {
    spentUsd,
    budgetUsd,
    text: budgetUsd === undefined ? `${usd(spentUsd)} spent` : `${usd(spentUsd)} spent of a ${usd(budgetUsd)} budget`,
    fraction: budgetUsd === undefined ? undefined : budgetUsd === 0 ? 1 : Math.min(1, spentUsd / budgetUsd),
  };
}

// ---------------------------------------------------------------- a run stopped by a budget

/** A BudgetExceededError as the panel shows it. */
export interface BudgetFailure {
  /** "run budget", `daily budget of graph "signal"`, `daily budget of provider "runway"`. */
  budget: string;
  limit: string;
  spent: string;
  /** "this request (40 characters of elevenlabs eleven_multilingual_v2)". */
  request: string;
  requestCost: string;
  /** The node whose request was not sent. */
  nodeId: string | undefined;
  item: number | undefined;
  /** Where to change the budget that stopped it. */
  raise: string;
}

/*
 * Runs recorded before errors carried their details (the budget's figures
 * as data, `error.details.budget`) have only the message BudgetExceededError
 * writes (runtime/contract/budget.ts): read back from it. Not anchored: a
 * fallback that ran out of alternatives quotes it inside its own.
 */
const BUDGET_MESSAGE = /(run budget|daily budget of (?:graph|provider) "[^"]*") of (\$[0-9.e+-]+) would be exceeded: (\$[0-9.e+-]+) spent or held, and (.+?) would cost (\$[0-9.e+-]+); the request was not sent/;

function whereToRaise(budget: string): string {
  if (budget === 'run budget') return "Raise the run's budget below, or clear it, and run again: cached results are not paid twice.";
  if (budget.startsWith('daily budget of graph')) return 'Raise the daily budget in the Graph panel (Settings), or run again tomorrow (UTC).';
  return 'Raise REELGRAPH_BUDGET_PROVIDERS where the server starts, or run again tomorrow (UTC).';
}

export function parseBudgetError(error: SerializedError | undefined): BudgetFailure | undefined {
  if (!error) return undefined;
  const where = { nodeId: error.location?.nodeId, item: error.location?.item };
  const stop = error.details?.budget;
  if (stop) {
    return { budget: stop.budget, limit: usd(stop.limitUsd), spent: usd(stop.spentUsd), request: stop.request, requestCost: usd(stop.requestUsd), ...where, raise: whereToRaise(stop.budget) };
  }
  const match = BUDGET_MESSAGE.exec(error.message);
  if (!match) return undefined;
  const [, budget = '', limit = '', spent = '', request = '', requestCost = ''] = match;
  return { budget, limit, spent, request, requestCost, ...where, raise: whereToRaise(budget) };
}

/** The budget that stopped a run: its own error first, else the first node's or item's; undefined when no budget did. */
export function budgetFailureOf(run: RunState | undefined): BudgetFailure | undefined {
  if (!run) return undefined;
  const direct = parseBudgetError(run.error);
  if (direct) return direct;
  for (const node of Object.values(run.nodes)) {
    const found = parseBudgetError(node.error) ?? Object.values(node.itemStates).map((item) => parseBudgetError(item.error)).find(Boolean);
    if (found) return found;
  }
  return undefined;
}

/** Whether a node of the graph bills a provider (its description says `paid`); without one a run costs nothing. */
export function hasPaidNodes(graph: Pick<GraphDocument, 'nodes'> | undefined, registry: Pick<NodeRegistry<NodeDescription>, 'get'> | undefined): boolean {
  return Boolean(graph && registry && graph.nodes.some((node) => registry.get(node.type, node.typeVersion)?.paid === true));
}
