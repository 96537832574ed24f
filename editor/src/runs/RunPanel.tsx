/**
 * The Run panel: run the open graph with its declared inputs (Markdown as a
 * textarea or an uploaded .md file), priority and "ignore cache"; follow the
 * run live (status, failing nodes with their location); the graph's run
 * history (each run with the episode it rendered; opening one shows its
 * statuses on the canvas and restores the inputs it ran with); an overall
 * progress bar (nodes, items, time left) and a progress list by node; the
 * deliverables (the final video first and large, each file as a download, a
 * zip of the package) and the log tail; and, for the selected node, the
 * Inspector. A partial run (the node menu's "Run to here" / "Run this node
 * only", runs/partial.ts) shows its scope beside its status and in the
 * history, and per node whether it executed or was reused from the cache.
 * A run waiting at a review gate shows the gate with the button that opens
 * its storyboard (Storyboard.tsx), and a decided gate what was decided.
 *
 * Before a run: its cost estimate (Estimate.tsx) and a run budget; during
 * and after it, the spend against that budget and, when a budget stopped it,
 * which one (Spend.tsx, wording in cost.ts).
 *
 * A saved, unchanged graph runs by id and version; anything else runs inline
 * (`{graph: doc}`), so what runs is exactly what is on the canvas.
 */
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState, type ChangeEvent } from 'react';
import type { Priority } from '../../../runtime/contract/events.js';
import type { GraphInput } from '../../../runtime/contract/graph.js';
import { formatPortType } from '../../../runtime/contract/index.js';
import type { RunRow } from '../../../runtime/contract/records.js';
import { ApiError, type EstimateRequest, type Problem, type StartRunRequest } from '../api/client.js';
import { useApi, useAuth } from '../api/context.js';
import { estimateKeys } from '../api/queries.js';
import { useGraphStore, useSelectedNode } from '../state/graph-store.js';
import { ProblemList } from '../ui/ProblemList.js';
import { Inspector } from './Inspector.js';
import { Deliverables } from './Deliverables.js';
import { RunReviews } from './Storyboard.js';
import { ArtifactView, DownloadLink, JsonTree, VideoPlayer, artifactsIn, formatDuration } from './media.js';
import { connectRuns, openRunFromHistory, startedRun, unsavedRunIds, useRunForm, useRunStore } from './run-store.js';
import { describeEta, describeReuse, estimateEta, nodeOutcome, nodeProgressRows, nodeTitle, runProgress, runStartedAt } from './run-progress.js';
import { canPreviewScene, describeScope, previewedScene, sceneField, scopeOf, uncachedUpstream, type PartialRunRequest } from './partial.js';
import { describeLocation, isRunActive, terminalRunStatuses, type LogLine, type RunState } from './run-state.js';
import { initialValue, missingRequired, toInputs, type FormValues } from './run-inputs.js';
import { budgetFailureOf, describeSpend, hasPaidNodes, parseBudget } from './cost.js';
import { EstimateSection } from './Estimate.js';
import { BudgetStop, RunSpend } from './Spend.js';
import './runs.css';

const HISTORY_LIMIT = 25;

type InputValues = FormValues;

function InputField({ name, input, value, onChange }: { name: string; input: GraphInput; value: string | boolean; onChange(value: string | boolean): void }) {
  const fileRef = useRef<HTMLInputElement>(null);
  const label = (
    <span className="rg-run-input-label">
      {input.title ?? name}
      {input.required ? <span className="rg-run-required"> *</span> : null}
      <span className="rg-run-muted"> {formatPortType(input)}</span>
    </span>
  );
  const onFile = async (event: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = event.target.files?.[0];
    if (file) onChange(await file.text());
    event.target.value = '';
  };
  if (typeof value === 'boolean') {
    return (
      <label className="rg-run-input rg-run-input--inline">
        <input type="checkbox" checked={value} onChange={(e) => onChange(e.target.checked)} data-testid={`run-input-${name}`} />
        {label}
      </label>
    );
  }
  const textual = (input.type === 'Markdown' || input.type === 'Text') && !input.list;
  return (
    <label className="rg-run-input">
      {label}
      {input.description ? <span className="rg-run-muted rg-run-input-help">{input.description}</span> : null}
      {input.type === 'Number' && !input.list ? (
        <input type="number" className="rg-run-field" value={value} onChange={(e) => onChange(e.target.value)} data-testid={`run-input-${name}`} />
      ) : (
        <textarea
          className={`rg-run-field${textual ? '' : ' rg-run-field--mono'}`}
          rows={input.type === 'Markdown' ? 8 : textual ? 3 : 4}
          value={value}
          placeholder={textual ? (input.type === 'Markdown' ? '# Episode title\n\n## Scene…' : '') : 'JSON'}
          onChange={(e) => onChange(e.target.value)}
          data-testid={`run-input-${name}`}
          spellCheck={textual}
        />
      )}
      {input.type === 'Markdown' ? (
        <span className="rg-run-upload">
          <button type="button" className="rg-button rg-button--small" onClick={() => fileRef.current?.click()}>
            upload .md
          </button>
          <input ref={fileRef} type="file" accept=".md,.markdown,text/markdown,text/plain" hidden onChange={(e) => void onFile(e)} data-testid={`run-input-${name}-file`} />
        </span>
      ) : null}
    </label>
  );
}

/**
 * Nodes that failed in the run, with where; clicking one selects it on the
 * canvas. In a run that still succeeded they were covered (a fallback's
 * failed alternatives) and show as warnings.
 */
function Failures({ run }: { run: RunState }) {
  const failed = Object.values(run.nodes).filter((node) => node.error && node.status === 'failed');
  const fellBack = failed.filter((node) => nodeOutcome(run, node.nodeId) === 'fell-back');
  const where = describeLocation(run.error);
  if (!run.error && failed.length === 0) return null;
  // Alternatives a fallback covered are not failures of the run: listed neutrally, apart.
  if (!run.error && fellBack.length === failed.length) {
    return (
      <div className="rg-run-fellback-list" data-testid="run-fellback">
        {fellBack.map((node) => (
          <div key={node.nodeId} className="rg-run-muted" data-testid={`run-fellback-${node.nodeId}`}>
            <button type="button" className="rg-run-linkish" title={node.nodeId} onClick={() => useGraphStore.getState().select([node.nodeId])}>
              {nodeTitle(run, node.nodeId)}
            </button>{' '}
            fell back: {node.error?.message}
          </div>
        ))}
      </div>
    );
  }
  const recovered = run.status === 'done';
  const upstream = uncachedUpstream(run.error);
  return (
    <div className="rg-run-errors" data-testid="run-errors">
      {upstream ? <UpstreamNotCached run={run} upstream={upstream} /> : null}
      {run.error ? (
        <div className="rg-run-error">
          <strong>{run.error.code}</strong>: {run.error.message}
          {where ? <div className="rg-run-where">at {where}</div> : null}
        </div>
      ) : null}
      {recovered && failed.length > 0 ? <div className="rg-run-muted">Failed, but covered by a fallback:</div> : null}
      {failed.map((node) => {
        const failedItems = Object.values(node.itemStates).filter((item) => item.status === 'failed');
        const nodeWhere = describeLocation(node.error);
        return (
          <div key={node.nodeId} className={`rg-run-error${recovered ? ' rg-run-error--recovered' : ''}`} data-testid={`run-error-${node.nodeId}`}>
            <button type="button" className="rg-run-linkish" title={node.nodeId} onClick={() => useGraphStore.getState().select([node.nodeId])}>
              {nodeTitle(run, node.nodeId)}
            </button>
            : {node.error?.message}
            {nodeWhere ? <div className="rg-run-where">at {nodeWhere}</div> : null}
            {failedItems.slice(0, 5).map((item) => (
              <div key={item.index} className="rg-run-where">
                item {item.index} ({item.key}){item.error && describeLocation(item.error) ? ` at ${describeLocation(item.error)}` : ''}
                {item.error && item.error.message !== node.error?.message ? `: ${item.error.message}` : ''}
              </div>
            ))}
            {failedItems.length > 5 ? <div className="rg-run-where">… {failedItems.length - 5} more failed items</div> : null}
          </div>
        );
      })}
    </div>
  );
}

/** What a server without the deliverables listing showed: the outputs' artifacts. */
function ArtifactOutputs({ outputs }: { outputs: Record<string, unknown> }) {
  const artifacts = useMemo(() => artifactsIn(outputs), [outputs]);
  const video = artifacts.find((a) => a.mime.startsWith('video/'));
  return (
    <>
      {video ? <VideoPlayer handle={video} testId="final-video" /> : null}
      {artifacts.length > 0 ? (
        <ul className="rg-run-downloads">
          {artifacts.map((handle) => (
            <li key={handle.hash}>
              <DownloadLink handle={handle} />
            </li>
          ))}
        </ul>
      ) : null}
      {artifacts
        .filter((a) => a !== video && (a.mime.startsWith('audio/') || a.mime.startsWith('image/')))
        .slice(0, 4)
        .map((handle) => (
          <ArtifactView key={handle.hash} handle={handle} download={false} />
        ))}
      <JsonTree name="outputs" value={outputs} open={false} />
    </>
  );
}

function Outputs({ run }: { run: RunState }) {
  const outputs = run.detail?.outputs;
  const artifacts = useMemo(() => artifactsIn(outputs), [outputs]);
  if (!outputs || Object.keys(outputs).length === 0) {
    return isRunActive(run.status) ? null : <div className="rg-run-muted">No outputs.</div>;
  }
  return (
    <section className="rg-run-section" data-testid="run-outputs">
      <h4>Deliverables</h4>
      <Deliverables runId={run.runId} version={`${run.status}:${Object.keys(outputs).join(',')}`} handles={artifacts} fallback={<ArtifactOutputs outputs={outputs} />} />
    </section>
  );
}

/** The overall bar (nodes, items, time left) and, below it, one row per node. */
function Progress({ run }: { run: RunState }) {
  const active = isRunActive(run.status);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  const progress = useMemo(() => runProgress(run), [run]);
  const rows = useMemo(() => nodeProgressRows(run), [run]);
  const started = runStartedAt(run);
  const eta = estimateEta(progress, started !== undefined ? Math.max(0, now - started) : 0, active && started !== undefined);
  const percent = Math.round((run.status === 'done' ? 1 : progress.fraction) * 100);
  return (
    <div
      className="rg-run-overall"
      data-testid="run-progress"
      data-nodes-done={progress.nodesDone}
      data-nodes-total={progress.nodesTotal}
      data-items-done={progress.itemsDone}
      data-items-total={progress.itemsTotal}
      data-eta={eta.state}
    >
      <div className="rg-run-progress rg-run-progress--overall" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
        <div className={`rg-run-progress-fill rg-run-progress-fill--${run.status}`} style={{ width: `${percent}%` }} />
      </div>
      <div className="rg-run-overall-facts">
        <span>
          {progress.nodesDone}/{progress.nodesTotal} nodes
        </span>
        {progress.itemsTotal > 0 ? (
          <span>
            {' · '}
            {progress.itemsDone}/{progress.itemsTotal} items
          </span>
        ) : null}
        {active ? <span className="rg-run-muted" data-testid="run-eta">{' · '}{describeEta(eta)}</span> : null}
      </div>
      <details className="rg-run-nodes" open={active}>
        <summary className="rg-run-muted">by node</summary>
        <ul>
          {rows.map((row) => (
            <li key={row.nodeId} data-testid={`run-progress-node-${row.nodeId}`} data-status={row.outcome} className={`rg-run-node-row rg-run-node-row--${row.outcome}`}>
              <button type="button" className="rg-run-linkish" title={row.nodeId} onClick={() => useGraphStore.getState().select([row.nodeId])}>
                {row.title}
              </button>
              <span className="rg-run-node-bar">
                <span className="rg-run-node-bar-fill" style={{ width: `${Math.round((row.progress ?? 0) * 100)}%` }} />
              </span>
              <span className="rg-run-muted">
                {row.outcome === 'fell-back' ? 'fell back' : row.outcome}
                {row.items ? ` · ${row.items.done}/${row.items.total}` : ''}
                {row.reuse ? (
                  <span data-testid={`run-reuse-${row.nodeId}`} data-reuse={row.reuse.kind}>
                    {' · '}
                    {describeReuse(row.reuse)}
                  </span>
                ) : null}
                {row.durationMs !== undefined ? ` · ${formatDuration(row.durationMs)}` : ''}
              </span>
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}

function Logs({ logs }: { logs: LogLine[] }) {
  const tail = logs.slice(-80);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [tail.length, tail[tail.length - 1]?.at]);
  if (tail.length === 0) return null;
  return (
    <details className="rg-run-section" open>
      <summary>
        <h4>Logs</h4> <span className="rg-run-muted">last {tail.length}</span>
      </summary>
      <div className="rg-run-logs" ref={box} data-testid="run-logs">
        {tail.map((line, i) => (
          <div key={`${line.at}-${i}`} className={`rg-run-log rg-run-log--${line.level}`}>
            <span className="rg-run-muted">{new Date(line.at).toLocaleTimeString()}</span> {line.nodeId ? <span className="rg-run-log-node">[{line.nodeId}{line.index !== undefined ? `#${line.index}` : ''}]</span> : null} {line.message}
          </div>
        ))}
      </div>
    </details>
  );
}

/**
 * A partial run's scope as a chip ("until render", "only voice"), in the
 * status line and on each history row; nothing for a whole run.
 */
function ScopeChip({ run, titleOf }: { run: { id: string; until?: string; only?: string } | undefined; titleOf?: (nodeId: string) => string }) {
  const scope = scopeOf(run);
  if (!scope || !run) return null;
  const explain = scope.mode === 'until' ? `a partial run: "${scope.target}" and everything it needs, nothing downstream` : `a partial run: "${scope.target}" alone, its inputs from the cache`;
  return (
    <span className="rg-run-chip rg-run-chip--scope" data-testid={`run-scope-${run.id}`} data-mode={scope.mode} data-target={scope.target} title={explain}>
      {describeScope(scope, titleOf?.(scope.target))}
    </span>
  );
}

/**
 * "Run this node only" found an ancestor without a cached result, and ran
 * nothing: say which node to run first, with the button that does it.
 */
function UpstreamNotCached({ run, upstream }: { run: RunState; upstream: string }) {
  const title = nodeTitle(run, upstream);
  const target = scopeOf(run.detail)?.target;
  return (
    <div className="rg-run-hint" data-testid="run-upstream-hint" data-upstream={upstream}>
      Running {target ? `"${nodeTitle(run, target)}"` : 'this node'} alone takes its inputs from the cache, and <strong>{title}</strong> has no cached result for these inputs. Run up to it first, then
      run the node alone again.{' '}
      <button type="button" className="rg-button rg-button--small" onClick={() => useGraphStore.getState().requestRun({ until: upstream })} data-testid="run-upstream-first">
        Run to “{title}”
      </button>
    </div>
  );
}

function History({ runs, current, onOpen, titleOf }: { runs: RunRow[]; current: string | undefined; onOpen(row: RunRow): void; titleOf(nodeId: string): string }) {
  return (
    <section className="rg-run-section" data-testid="run-history">
      <h4>History</h4>
      {runs.length === 0 ? <div className="rg-run-muted">No runs of this graph yet.</div> : null}
      <ul className="rg-run-history">
        {runs.map((row) => (
          <li key={row.id}>
            <button
              type="button"
              className={`rg-run-history-item${row.id === current ? ' rg-run-history-item--current' : ''}`}
              onClick={() => onOpen(row)}
              data-testid={`run-history-item-${row.id}`}
              data-status={row.status}
              title={`${row.id}\nopens this run and restores the inputs it ran with`}
            >
              <span className={`rg-run-dot rg-run-dot--${row.status}`} />
              <span className="rg-run-history-title" data-testid={`run-history-title-${row.id}`}>
                {row.title ?? <span className="rg-run-muted">untitled</span>}
              </span>
              <span>{new Date(row.createdAt).toLocaleString()}</span>
              <span className="rg-run-muted">
                <ScopeChip run={row} titleOf={titleOf} />
                {row.status}
                {row.graphVersion ? ` · v${row.graphVersion}` : ' · draft'}
                {row.durationMs !== undefined ? ` · ${formatDuration(row.durationMs)}` : ''} · {row.trigger}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function RunPanel() {
  const api = useApi();
  const doc = useGraphStore((s) => s.doc);
  const meta = useGraphStore((s) => s.meta);
  const runRequest = useGraphStore((s) => s.runRequest);
  const selected = useSelectedNode();
  const run = useRunStore((s) => s.run);
  const runId = useRunStore((s) => s.runId);
  const connection = useRunStore((s) => s.connection);
  const followError = useRunStore((s) => s.error);

  const declared = useMemo(() => doc?.inputs ?? {}, [doc?.inputs]);
  const typed = useRunForm((s) => s.values);
  const priority = useRunForm((s) => s.priority);
  const noCache = useRunForm((s) => s.noCache);
  const scene = useRunForm((s) => s.scene);
  const budget = useRunForm((s) => s.budget);
  const budgetField = useMemo(() => parseBudget(budget), [budget]);
  const registry = useGraphStore((s) => s.registry);
  const previewable = useMemo(() => (doc ? canPreviewScene(doc, registry) : false), [doc, registry]);
  const paid = useMemo(() => hasPaidNodes(doc, registry), [doc, registry]);
  // What the form shows: what was typed, else each input's default.
  const values = useMemo(() => {
    const next: InputValues = {};
    for (const [name, input] of Object.entries(declared)) next[name] = typed[name] ?? initialValue(input);
    return next;
  }, [declared, typed]);
  // What a run sends now, and what its estimate prices: one request shape for both.
  const formInputs = useMemo(() => toInputs(declared, values), [declared, values]);
  const byId = meta.id !== undefined && meta.version !== undefined && !meta.dirty;
  const target = useMemo(() => (byId && meta.id && meta.version !== undefined ? { graphId: meta.id, version: meta.version } : doc ? { graph: doc } : undefined), [byId, meta.id, meta.version, doc]);
  const estimateProblems = useMemo(() => [...formInputs.problems, ...missingRequired(declared, formInputs.inputs)], [formInputs, declared]);
  const estimateRequest = useMemo<EstimateRequest | undefined>(
    () => (target && estimateProblems.length === 0 ? { ...target, inputs: formInputs.inputs, ...(noCache ? { noCache: true } : {}) } : undefined),
    [target, formInputs, estimateProblems, noCache],
  );
  const [starting, setStarting] = useState(false);
  const [startError, setStartError] = useState<{ message: string; problems: Problem[] } | undefined>(undefined);
  const [history, setHistory] = useState<RunRow[]>([]);
  // The history of the stored graph; an unsaved document lists the runs started from it.
  const graphKey = meta.id;

  const queries = useQueryClient();
  const { authenticated } = useAuth();
  // (Re)connect with the current token; connectRuns keeps one connection per token.
  useEffect(() => {
    if (authenticated) connectRuns(api);
  }, [api, authenticated]);

  const loadHistory = useCallback(async () => {
    try {
      if (graphKey) {
        setHistory(await api.listRuns({ graphId: graphKey, limit: HISTORY_LIMIT }));
        return;
      }
      const mine = new Set(unsavedRunIds());
      setHistory(mine.size === 0 ? [] : (await api.listRuns({ limit: 100 })).filter((row) => mine.has(row.id)));
    } catch {
      // History is a convenience; the run itself still shows.
    }
  }, [api, graphKey]);

  useEffect(() => {
    void loadHistory();
  }, [loadHistory]);

  // Refresh the history when the followed run changes status.
  const status = run?.status;
  useEffect(() => {
    if (status) void loadHistory();
  }, [status, loadHistory]);

  // A run that ended cached what it paid for: the estimate prices it again (it costs less now).
  useEffect(() => {
    if (status && terminalRunStatuses.has(status)) void queries.invalidateQueries({ queryKey: estimateKeys.all });
  }, [status, queries]);

  const start = useCallback(async (scope?: PartialRunRequest) => {
    if (!doc || !target) return;
    const { inputs } = formInputs;
    const problems = [...formInputs.problems];
    const preview = previewable ? sceneField(scene) : {};
    if (preview.problem) problems.push({ in: 'body', path: '/scene', message: preview.problem });
    if (budgetField.problem) problems.push(budgetField.problem);
    if (problems.length > 0) {
      setStartError({ message: 'Some inputs are invalid', problems });
      return;
    }
    const request: StartRunRequest = {
      ...target,
      inputs,
      priority,
      ...(noCache ? { noCache: true } : {}),
      ...(budgetField.budgetUsd !== undefined ? { budgetUsd: budgetField.budgetUsd } : {}),
      ...(preview.scene !== undefined ? { scene: preview.scene } : {}),
      ...scope,
    };
    setStarting(true);
    setStartError(undefined);
    try {
      const { runId: id } = await api.startRun(request);
      startedRun(id);
      void loadHistory();
    } catch (error) {
      setStartError(error instanceof ApiError ? { message: error.message, problems: error.problems } : { message: error instanceof Error ? error.message : String(error), problems: [] });
    } finally {
      setStarting(false);
    }
  }, [api, doc, target, formInputs, budgetField, priority, noCache, scene, previewable, loadHistory]);

  // The toolbar's Run button, the node menu and the shortcuts (requestRun: opens this tab and counts up) start a run
  // here, once per request, with the request's scope (a partial run) if it has one.
  useEffect(() => {
    const form = useRunForm.getState();
    if (runRequest === form.handledRunRequest) return;
    useRunForm.setState({ handledRunRequest: runRequest });
    if (runRequest > form.handledRunRequest) void start(useGraphStore.getState().runScope);
  }, [runRequest, start]);

  const cancel = async (): Promise<void> => {
    if (!runId) return;
    try {
      await api.cancelRun(runId);
    } catch (error) {
      setStartError({ message: error instanceof Error ? error.message : String(error), problems: [] });
    }
  };

  const active = isRunActive(run?.status);
  const runStatus = run?.status ?? (runId ? 'loading' : 'idle');
  const counts = useMemo(() => (run ? runProgress(run) : undefined), [run]);
  // History rows carry no graph: a scope's node reads by its title on the canvas.
  const titleOf = useCallback((nodeId: string) => doc?.nodes.find((node) => node.id === nodeId)?.title ?? nodeId, [doc]);
  const budgetStop = useMemo(() => budgetFailureOf(run), [run]);
  const spend = useMemo(() => describeSpend(run?.detail), [run?.detail]);

  return (
    <div className="rg-run-panel" data-testid="run-panel">
      <section className="rg-run-section">
        <h4>Run {doc?.name ? <span className="rg-run-muted">{doc.name}</span> : null}</h4>
        {Object.keys(declared).length === 0 ? <div className="rg-run-muted">This graph declares no inputs.</div> : null}
        {Object.entries(declared).map(([name, input]) => (
          <InputField key={name} name={name} input={input} value={values[name] ?? ''} onChange={(value) => useRunForm.getState().setValue(name, value)} />
        ))}
        <div className="rg-run-options">
          <label className="rg-run-input--inline">
            priority{' '}
            <select value={priority} onChange={(e) => useRunForm.getState().setPriority(e.target.value as Priority)} data-testid="run-priority">
              <option value="urgent">urgent</option>
              <option value="normal">normal</option>
              <option value="batch">batch</option>
            </select>
          </label>
          <label className="rg-run-input--inline">
            <input type="checkbox" checked={noCache} onChange={(e) => useRunForm.getState().setNoCache(e.target.checked)} data-testid="run-no-cache" /> ignore cache
          </label>
          {previewable ? (
            <label className="rg-run-input--inline" title="Preview one scene (1 = the first): its lines, visual and overlays as a short clip at the preview profile. Empty: the whole episode.">
              only scene{' '}
              <input type="number" min={1} step={1} className="rg-run-scene" value={scene} placeholder="all" onChange={(e) => useRunForm.getState().setScene(e.target.value)} data-testid="run-scene" />
            </label>
          ) : null}
          <label className="rg-run-input--inline" title="The most this run may spend on paid providers, in US dollars at list price. A paid request that would cross it is not sent, and the run says which budget stopped it. Empty: no run budget.">
            budget ${' '}
            <input
              type="text"
              inputMode="decimal"
              className={`rg-run-budget${budgetField.problem ? ' rg-run-budget--invalid' : ''}`}
              value={budget}
              placeholder="none"
              onChange={(e) => useRunForm.getState().setBudget(e.target.value)}
              data-testid="run-budget"
              aria-invalid={budgetField.problem ? true : undefined}
            />
          </label>
        </div>
        {budgetField.problem ? (
          <div className="rg-run-error-text" data-testid="run-budget-problem">
            {budgetField.problem.message}
          </div>
        ) : null}
        <div className="rg-run-actions">
          <button type="button" className="rg-button rg-button--primary" onClick={() => void start()} disabled={starting || !doc} data-testid="run-start">
            {starting ? 'Starting…' : '▶ Run'}
          </button>
          <button type="button" className="rg-button" onClick={() => void cancel()} disabled={!active} data-testid="run-cancel">
            ■ Cancel
          </button>
          <span className="rg-run-muted rg-run-mode" title="A saved, unchanged graph runs by id and version; otherwise the canvas runs as it is.">
            {byId ? `${meta.id} v${meta.version}` : 'unsaved changes: runs the canvas'}
          </span>
        </div>
        {startError ? (
          <div className="rg-run-error" data-testid="run-start-error">
            {startError.message}
            <ProblemList problems={startError.problems} showIn />
          </div>
        ) : null}
      </section>

      <EstimateSection
        request={estimateRequest}
        inputProblems={estimateProblems}
        budgetUsd={budgetField.budgetUsd}
        scenePreview={previewable && scene.trim() !== ''}
        paid={paid}
        titleOf={titleOf}
      />

      <section className="rg-run-section">
        <div className="rg-run-status" data-testid="run-status" data-status={runStatus} data-connection={connection}>
          <span className={`rg-run-dot rg-run-dot--${runStatus}`} />
          <strong>{runStatus}</strong>
          {run ? <ScopeChip run={run.detail} titleOf={(id) => nodeTitle(run, id)} /> : null}
          {run && previewedScene(run.detail?.graph) !== undefined ? (
            <span className="rg-run-chip rg-run-chip--scope" data-testid="run-scene-preview" title="a preview of one scene">
              scene {previewedScene(run.detail?.graph)}
            </span>
          ) : null}
          {run && counts ? (
            <span className="rg-run-muted">
              {' '}
              {counts.nodesDone}/{counts.nodesTotal} nodes{counts.nodesRunning ? ` · ${counts.nodesRunning} running` : ''}
              {counts.nodesFailed ? ` · ${counts.nodesFailed} failed` : ''}
              {run.durationMs !== undefined ? ` · ${formatDuration(run.durationMs)}` : ''}
            </span>
          ) : null}
          {connection !== 'connected' && connection !== 'idle' ? <span className="rg-run-chip rg-run-chip--retry" title={useRunStore.getState().connectionMessage}>live: {connection}</span> : null}
        </div>
        {runId ? <div className="rg-run-muted rg-run-id">run {runId}</div> : null}
        {followError ? <div className="rg-run-error">{followError}</div> : null}
        {run ? <RunSpend spend={spend} /> : null}
        {run ? <Progress run={run} /> : null}
        <BudgetStop failure={budgetStop} titleOf={run ? (id) => nodeTitle(run, id) : titleOf} />
        {run ? <Failures run={run} /> : null}
        <RunReviews />
      </section>

      {run ? <Outputs run={run} /> : null}
      {selected ? <Inspector nodeId={selected.id} /> : null}
      {run ? <Logs logs={run.logs} /> : null}
      <History runs={history} current={runId} onOpen={openRunFromHistory} titleOf={titleOf} />
    </div>
  );
}

export default RunPanel;
