/**
 * What a run spent, against its budget (the run record's `costUsd` and
 * `budgetUsd`), and a run a budget stopped: which budget, its limit, what was
 * spent or held, and the request that was not sent.
 */
import { useGraphStore } from '../state/graph-store.js';
import type { BudgetFailure, SpendView } from './cost.js';

export function RunSpend({ spend }: { spend: SpendView | undefined }) {
  if (!spend) return null;
  const percent = spend.fraction === undefined ? undefined : Math.round(spend.fraction * 100);
  return (
    <div className="rg-run-spend" data-testid="run-spend" data-spent-usd={spend.spentUsd} data-budget-usd={spend.budgetUsd ?? ''} title="Usage the providers reported, at list price">
      <span>{spend.text}</span>
      {percent !== undefined ? (
        <span className="rg-run-spend-bar" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-label="budget spent">
          <span className={`rg-run-spend-fill${percent >= 100 ? ' rg-run-spend-fill--full' : ''}`} style={{ width: `${percent}%` }} />
        </span>
      ) : null}
    </div>
  );
}

/** The budget that stopped the run, in a producer's words; clicking the node selects it on the canvas. */
export function BudgetStop({ failure, titleOf }: { failure: BudgetFailure | undefined; titleOf(nodeId: string): string }) {
  if (!failure) return null;
  return (
    <div className="rg-run-budget-stop" data-testid="run-budget-error" data-budget={failure.budget} data-limit={failure.limit} data-spent={failure.spent}>
      <strong>Stopped by the {failure.budget}</strong>
      <dl className="rg-run-budget-facts">
        <dt>limit</dt>
        <dd data-testid="run-budget-limit">{failure.limit}</dd>
        <dt>spent or held</dt>
        <dd data-testid="run-budget-spent">{failure.spent}</dd>
        <dt>next request</dt>
        <dd data-testid="run-budget-request">
          {failure.requestCost} for {failure.request.replace(/^this request \((.*)\)$/, '$1')}
          {failure.nodeId ? (
            <>
              {' '}
              at{' '}
              <button type="button" className="rg-run-linkish" title={failure.nodeId} onClick={() => useGraphStore.getState().select([failure.nodeId as string])}>
                {titleOf(failure.nodeId)}
              </button>
              {failure.item !== undefined ? ` (item ${failure.item})` : ''}
            </>
          ) : null}
          , not sent
        </dd>
      </dl>
      <div className="rg-run-muted">{failure.raise}</div>
    </div>
  );
}
