/**
 * The graph's settings in the Graph panel: the render profile (the same
 * select as the toolbar's) and the daily budget (`settings.budgetUsdPerDay`),
 * the most the graph's runs together may spend per UTC day. The budget is
 * typed freely and written when the field is left or Enter is pressed: one
 * undoable edit, not one per keystroke. A value that is not an amount stays
 * in the field, marked, and is not written.
 */
import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { usd } from '../../../runtime/contract/budget.js';
import { updateGraph, useDocument, useGraphStore, useNodeTypes, useRegistry } from '../state/graph-store.js';
import { profileChoice, ProfileSelect, settingsWithProfile } from './ProfilePicker.js';
import { Section } from './Section.js';
import { dailyBudgetHint, dailyBudgetText, parseDailyBudget, withSetting } from './settings.js';

export interface DailyBudgetFieldProps {
  /** The document's `settings.budgetUsdPerDay`. */
  value: number | undefined;
  storedId: string | undefined;
  /** A new budget, or undefined to remove it. */
  onChange(value: number | undefined): void;
}

/** The field from plain props (tests render this one). */
export function DailyBudgetField({ value, storedId, onChange }: DailyBudgetFieldProps) {
  const id = useId();
  const [text, setText] = useState(() => dailyBudgetText(value));
  // Undo, redo or another graph opening changes the value under the field: show it.
  useEffect(() => setText(dailyBudgetText(value)), [value]);
  const parsed = parseDailyBudget(text);
  const write = (): void => {
    if (parsed.problem || parsed.value === value) return;
    onChange(parsed.value);
  };
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    write();
  };
  return (
    <form className="rg-graph-form" onSubmit={submit}>
      <label className="rg-graph-field" htmlFor={id}>
        <span>
          Daily budget <span className="rg-muted rg-small">(USD per UTC day; empty: none)</span>
        </span>
        <input
          id={id}
          data-testid="graph-budget-per-day"
          inputMode="decimal"
          value={text}
          placeholder="none"
          onChange={(event) => setText(event.target.value)}
          onBlur={write}
          aria-invalid={parsed.problem ? true : undefined}
          className={parsed.problem ? 'rg-graph-field-invalid' : undefined}
        />
      </label>
      {parsed.problem ? (
        <div className="rg-graph-error" data-testid="graph-budget-problem">
          {parsed.problem}
        </div>
      ) : (
        <div className="rg-muted rg-small" data-testid="graph-budget-hint">
          {dailyBudgetHint(value, storedId)}
        </div>
      )}
    </form>
  );
}

export function GraphSettingsSection() {
  const doc = useDocument();
  const storedId = useGraphStore((state) => state.meta.id);
  const nodeTypes = useNodeTypes();
  const registry = useRegistry();
  const choice = useMemo(() => profileChoice(doc, nodeTypes, registry), [doc, nodeTypes, registry]);
  const budget = doc.settings?.budgetUsdPerDay;
  const extra = budget !== undefined ? <span className="rg-muted rg-small">{`budget ${usd(budget)}/day`}</span> : undefined;
  return (
    <Section title="Settings" testId="graph-settings" open={false} extra={extra}>
      <ProfileSelect {...choice} testId="graph-settings-profile" className="rg-graph-settings-profile" onChange={(profile) => updateGraph({ settings: settingsWithProfile(useGraphStore.getState().doc.settings, profile) })} />
      <DailyBudgetField value={budget} storedId={storedId} onChange={(value) => updateGraph({ settings: withSetting(useGraphStore.getState().doc.settings, 'budgetUsdPerDay', value) })} />
    </Section>
  );
}
