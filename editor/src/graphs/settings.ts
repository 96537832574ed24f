/**
 * The graph's settings as the Graph panel edits them (pure): one setting
 * set or removed at a time, and the daily budget as typed.
 */
import type { GraphDocument, GraphSettings } from '../../../runtime/contract/graph.js';
import { usd } from '../../../runtime/contract/budget.js';

/** The settings with `name` set, or removed when `value` is undefined (no empty `settings` object is left behind). */
export function withSetting<K extends keyof GraphSettings>(settings: GraphDocument['settings'], name: K, value: GraphSettings[K] | undefined): GraphDocument['settings'] {
  const next: GraphSettings = { ...settings };
  if (value === undefined) delete next[name];
  else next[name] = value;
  return Object.keys(next).length > 0 ? next : undefined;
}

/** The daily budget field as typed: '' removes it; otherwise US dollars, 0 or more. */
export function parseDailyBudget(text: string): { value: number | undefined; problem?: string } {
  const trimmed = text.trim().replace(/^\$/, '');
  if (trimmed === '') return { value: undefined };
  const amount = Number(trimmed);
  if (!Number.isFinite(amount) || amount < 0) return { value: undefined, problem: `"${text}" is not an amount in US dollars (e.g. 20 or 2.50)` };
  return { value: amount };
}

/** What the field shows for a stored budget. */
export const dailyBudgetText = (value: number | undefined): string => (value === undefined ? '' : String(value));

/** The sentence under the field: what the budget does, for this graph. */
export function dailyBudgetHint(value: number | undefined, storedId: string | undefined): string {
  if (value === undefined) return 'No daily budget: runs of this graph may spend without a daily cap (a run budget or a provider budget may still apply).';
  const where = storedId ? `runs of "${storedId}"` : 'runs of this graph once it is saved (a daily budget counts by the stored graph id)';
  return `At most ${usd(value)} per UTC day over all ${where}, at list price: a paid request that would cross it is not sent.`;
}
