/**
 * The Run panel's cost estimate: what the run would cost before it starts,
 * per paid node (provider, usage, cost, cached items) and in total, from
 * POST /api/estimate, which calls no paid provider. Asked for with a button
 * once; it then follows the graph and the inputs, a moment after typing
 * stops. A failed estimate is shown in place, never thrown.
 */
import { useEffect, useMemo, useState } from 'react';
import { ApiError, type EstimateRequest, type Problem, type RunEstimate } from '../api/client.js';
import { useApi } from '../api/context.js';
import { useEstimate } from '../api/queries.js';
import { ProblemList } from '../ui/ProblemList.js';
import { describeEstimate, overBudget } from './cost.js';
import { useRunForm } from './run-store.js';

/** How long typing must pause before the estimate is asked again. */
const ESTIMATE_DEBOUNCE_MS = 600;

export interface EstimateViewProps {
  /** The last answer (kept on screen while the next is asked). */
  estimate: RunEstimate | undefined;
  /** Asking for one now. */
  busy: boolean;
  error: { message: string; problems: Problem[] } | undefined;
  /** The form's inputs do not parse: nothing can be priced until they do. */
  inputProblems: Problem[];
  budgetUsd: number | undefined;
  /** The run previews one scene; the estimate prices the whole episode. */
  scenePreview: boolean;
  titleOf(nodeId: string): string;
  onRefresh(): void;
}

/** The estimate from plain props (tests render this one). */
export function EstimateView({ estimate, busy, error, inputProblems, budgetUsd, scenePreview, titleOf, onRefresh }: EstimateViewProps) {
  const view = useMemo(() => (estimate ? describeEstimate(estimate, titleOf) : undefined), [estimate, titleOf]);
  const over = overBudget(estimate, budgetUsd);
  const state = inputProblems.length > 0 ? 'invalid-inputs' : error ? 'error' : view ? view.kind : 'loading';
  return (
    <div className="rg-run-estimate" data-testid="run-estimate" data-state={state} data-busy={busy ? 'true' : 'false'}>
      <div className="rg-run-estimate-head">
        {view ? (
          <>
            <strong className="rg-run-estimate-total" data-testid="estimate-total" data-cost-usd={view.totalUsd} data-complete={view.kind !== 'incomplete'}>
              {view.total}
            </strong>
            <span className={view.kind === 'incomplete' ? 'rg-run-estimate-gap' : 'rg-run-muted'} data-testid="estimate-headline">
              {view.headline}
            </span>
          </>
        ) : (
          <span className="rg-run-muted">{busy ? 'Estimating…' : 'No estimate yet.'}</span>
        )}
        <button type="button" className="rg-button rg-button--small rg-run-estimate-refresh" onClick={onRefresh} disabled={busy} data-testid="estimate-refresh" title="Price the run again (free: no paid provider is called)">
          {busy ? 'Estimating…' : '↻'}
        </button>
      </div>
      {inputProblems.length > 0 ? (
        <div className="rg-run-hint" data-testid="estimate-input-problems">
          Fix the inputs to estimate the run:
          <ProblemList problems={inputProblems} showIn />
        </div>
      ) : null}
      {error ? (
        <div className="rg-run-error" data-testid="estimate-error">
          Could not estimate: {error.message}
          <ProblemList problems={error.problems} showIn />
        </div>
      ) : null}
      {view && view.lines.length > 0 ? (
        <table className="rg-run-estimate-table">
          <thead>
            <tr>
              <th>Node</th>
              <th>Provider</th>
              <th>Usage</th>
              <th className="rg-run-estimate-cost">Cost</th>
            </tr>
          </thead>
          <tbody>
            {view.lines.map((line) => (
              <tr key={line.id} data-testid={`estimate-node-${line.id}`} data-cost-usd={line.costUsd} data-items={line.items} data-cached-items={line.cachedItems}>
                <td title={line.id}>{line.title}</td>
                <td data-testid={`estimate-provider-${line.id}`}>{line.provider}</td>
                <td>
                  <span data-testid={`estimate-usage-${line.id}`}>{line.usage}</span>
                  {line.cached ? (
                    <div className="rg-run-muted" data-testid={`estimate-cached-${line.id}`}>
                      {line.cached}
                    </div>
                  ) : null}
                  {line.unestimated ? (
                    <div className="rg-run-estimate-gap" data-testid={`estimate-gap-${line.id}`}>
                      {line.unestimated}
                    </div>
                  ) : null}
                  {line.unpriced ? <div className="rg-run-muted">{line.unpriced}</div> : null}
                </td>
                <td className="rg-run-estimate-cost" data-testid={`estimate-cost-${line.id}`}>
                  {line.cost}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {over ? (
        <div className="rg-run-hint" data-testid="estimate-over-budget">
          {over}
        </div>
      ) : null}
      {view ? (
        <ul className="rg-run-estimate-notes rg-run-muted">
          {scenePreview ? <li>Priced for the whole episode: a one-scene preview costs less.</li> : null}
          {view.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function errorOf(error: unknown): { message: string; problems: Problem[] } {
  if (error instanceof ApiError) return { message: error.message, problems: error.problems };
  return { message: error instanceof Error ? error.message : String(error), problems: [] };
}

export interface EstimateSectionProps {
  /** What a run would send now (graph, inputs, noCache); undefined while the inputs do not parse. */
  request: EstimateRequest | undefined;
  inputProblems: Problem[];
  budgetUsd: number | undefined;
  scenePreview: boolean;
  /** The graph has a node whose type bills a provider (its description says `paid`). */
  paid: boolean;
  titleOf(nodeId: string): string;
}

/**
 * The section in the Run panel: a button until asked once, then the estimate
 * following the form. Not unasked: an estimate executes the cheap nodes
 * upstream of the paid ones and caches them, and a node type that can bill
 * (a voice) may be set to a free provider, which only the estimate tells.
 */
export function EstimateSection({ request, inputProblems, budgetUsd, scenePreview, paid, titleOf }: EstimateSectionProps) {
  const api = useApi();
  const estimating = useRunForm((s) => s.estimating);
  // Changes are priced once typing pauses; the button prices what the form says now.
  const [asked, setAsked] = useState<EstimateRequest | undefined>(undefined);
  useEffect(() => {
    const timer = setTimeout(() => setAsked(request), ESTIMATE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [request]);
  const query = useEstimate(api, estimating ? (asked ?? request) : undefined);
  const start = (): void => {
    setAsked(request);
    useRunForm.getState().setEstimating(true);
  };

  return (
    <section className="rg-run-section" data-testid="run-estimate-section">
      <h4>
        Cost estimate <span className="rg-run-muted">free: calls no paid provider</span>
      </h4>
      {!estimating ? (
        <div className="rg-run-actions">
          <button type="button" className="rg-button" onClick={start} disabled={!request} data-testid="estimate-start">
            Estimate cost
          </button>
          <span className="rg-run-muted rg-run-mode">
            {!request
              ? 'Fill in the required inputs to estimate the run.'
              : paid
                ? 'Per paid node at list price; cached results are free. It then follows your edits.'
                : 'No node of this graph bills a provider: a run of it costs nothing.'}
          </span>
        </div>
      ) : (
        <EstimateView
          estimate={query.data}
          busy={query.isFetching}
          error={query.isError ? errorOf(query.error) : undefined}
          inputProblems={inputProblems}
          budgetUsd={budgetUsd}
          scenePreview={scenePreview}
          titleOf={titleOf}
          onRefresh={() => void query.refetch()}
        />
      )}
    </section>
  );
}
