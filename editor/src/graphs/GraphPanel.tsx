/**
 * Graph management: the graph's inputs and outputs (GraphIo.tsx), the stored
 * graphs (open one), Save (a new graph, or a new version), the version
 * history with restore, clone for a series and the variant's diff against
 * its template, the graph's webhook, and validation problems with their node
 * and JSON pointer.
 */
import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { isVariant, type GraphDocument } from '../../../runtime/contract/index.js';
import { ApiError, type GraphSummary, type GraphVersionInfo, type Problem, type StoredGraph, type WebhookInfo } from '../api/client.js';
import { Section } from './Section.js';
import { useApi } from '../api/context.js';
import { confirmAction, confirmDiscard } from '../shell/ConfirmDialog.js';
import { openGraph, openStored, saveOpenGraph } from '../shell/documents.js';
import { useGraphStore } from '../state/graph-store.js';
import { notify } from '../state/toast-store.js';
import { ProblemList } from '../ui/ProblemList.js';
import { GraphInputsSection, GraphOutputsSection } from './GraphIo.js';
import { describeVariantDiff, formatChange, formatEdge, type VariantDiff } from './diff.js';
import './graphs.css';

type Feedback = { kind: 'ok' | 'error'; text: string; problems?: Problem[] } | undefined;

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const feedbackOf = (error: unknown): Feedback => ({ kind: 'error', text: errorText(error), ...(error instanceof ApiError && error.problems.length > 0 ? { problems: error.problems } : {}) });
const when = (ms: number | undefined): string => (ms ? new Date(ms).toLocaleString() : '');

/** Opens a stored graph version in the editor (a variant as its resolved graph) and puts it in the URL. */
export { openStored };

async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Non-secure contexts (plain http on another host) have no clipboard API: fall back to a selection.
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

function CopyButton({ text, label = 'Copy', testId }: { text: string; label?: string; testId?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 1500);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <button type="button" className="rg-button rg-button--small" data-testid={testId} onClick={() => void copyText(text).then((ok) => setState(ok ? 'copied' : 'failed'))}>
      {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : label}
    </button>
  );
}


function FeedbackView({ feedback, doc }: { feedback: Feedback; doc: GraphDocument }) {
  if (!feedback) return null;
  return (
    <div className={feedback.kind === 'ok' ? 'rg-graph-ok' : 'rg-graph-error'} role={feedback.kind === 'error' ? 'alert' : 'status'}>
      {feedback.text}
      {feedback.problems?.length ? <ProblemList problems={feedback.problems} doc={doc} onSelectNode={selectProblemNode} wholeDocument="graph" testId="graph-problems" /> : null}
    </div>
  );
}

/** A validation problem's node, clicked: selected on the canvas, its params shown. */
function selectProblemNode(nodeId: string): void {
  const state = useGraphStore.getState();
  state.select([nodeId]);
  state.setRightTab('node');
}

// ─── graph list ────────────────────────────────────────────────────────────

/**
 * Deletes stored graph `id` after asking. The open graph, if it was that one,
 * stays open as unsaved changes (nothing on screen is lost; Save stores it again).
 */
async function deleteStoredGraph(api: ReturnType<typeof useApi>, graph: GraphSummary, stored: readonly GraphSummary[]): Promise<boolean> {
  // A template its variants extend cannot go (the server refuses): say so before asking to confirm.
  const dependants = stored.filter((other) => other.extends === graph.id && other.id !== graph.id).map((other) => `"${other.id}"`);
  if (dependants.length > 0) {
    throw new Error(`the series variant${dependants.length > 1 ? 's' : ''} ${dependants.join(', ')} ${dependants.length > 1 ? 'extend' : 'extends'} it; delete ${dependants.length > 1 ? 'them' : 'it'} first`);
  }
  const open = useGraphStore.getState().meta.id === graph.id;
  const ok = await confirmAction({
    title: `Delete "${graph.name}"?`,
    message: `The stored graph "${graph.id}" is deleted from the server with ${graph.version === 1 ? 'its only version' : `all ${graph.version} versions`} and its webhook; runs made with it stay in the run history.${open ? ' It stays open here as an unsaved graph.' : ''}`,
    confirmLabel: 'Delete graph',
    danger: true,
  });
  if (!ok) return false;
  await api.deleteGraph(graph.id);
  if (useGraphStore.getState().meta.id === graph.id) useGraphStore.getState().markUnstored();
  notify('success', `Deleted the stored graph "${graph.id}"`);
  return true;
}

function GraphList({ graphs, error, currentId, onOpen, onRefresh }: { graphs: GraphSummary[] | undefined; error?: string | undefined; currentId?: string | undefined; onOpen: (id: string) => void; onRefresh: () => void }) {
  const api = useApi();
  const [deleting, setDeleting] = useState<string | undefined>(undefined);
  const [deleteError, setDeleteError] = useState<Feedback>(undefined);
  const remove = (graph: GraphSummary) => {
    setDeleteError(undefined);
    setDeleting(graph.id);
    deleteStoredGraph(api, graph, graphs ?? []).then(
      (deleted) => {
        setDeleting(undefined);
        if (deleted) onRefresh();
      },
      (failure: unknown) => {
        setDeleting(undefined);
        setDeleteError({ kind: 'error', text: `Could not delete "${graph.id}": ${errorText(failure)}` });
      },
    );
  };
  return (
    <Section
      title="Stored graphs"
      testId="graph-list"
      extra={
        <button
          type="button"
          className="rg-link-button"
          onClick={(event) => {
            event.preventDefault();
            onRefresh();
          }}
        >
          refresh
        </button>
      }
    >
      {error ? <p className="rg-graph-error">{error}</p> : null}
      {deleteError ? (
        <p className="rg-graph-error" role="alert" data-testid="graph-delete-error">
          {deleteError.text}
        </p>
      ) : null}
      {!graphs ? (
        <p className="rg-muted rg-small">Loading…</p>
      ) : graphs.length === 0 ? (
        <p className="rg-muted rg-small">No graphs are stored yet. Save the open graph to store it.</p>
      ) : (
        <ul className="rg-graph-list">
          {graphs.map((graph) => (
            <li key={graph.id} className={graph.id === currentId ? 'rg-graph-item rg-graph-item--current' : 'rg-graph-item'}>
              <button type="button" className="rg-graph-open" data-testid={`graph-list-item-${graph.id}`} onClick={() => onOpen(graph.id)} title={`Open ${graph.id}`}>
                <span className="rg-graph-name">{graph.name}</span>
                <span className="rg-muted rg-small">
                  <code>{graph.id}</code> · v{graph.version} · {when(graph.updatedAt)}
                </span>
              </button>
              <button
                type="button"
                className="rg-icon-button rg-button--danger rg-graph-delete"
                title={`Delete ${graph.id}`}
                aria-label={`Delete ${graph.name}`}
                disabled={deleting !== undefined}
                onClick={() => remove(graph)}
                data-testid={`graph-delete-${graph.id}`}
              >
                {deleting === graph.id ? (
                  '…'
                ) : (
                  <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round">
                    <path d="M2.5 4h11M6 4V2.5h4V4M4 4l.7 9.5h6.6L12 4M6.8 6.5v5M9.2 6.5v5" />
                  </svg>
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

// ─── save ──────────────────────────────────────────────────────────────────

function SaveSection({ onSaved }: { onSaved: (saved: StoredGraph) => void }) {
  const api = useApi();
  const doc = useGraphStore((state) => state.doc);
  const meta = useGraphStore((state) => state.meta);
  const [message, setMessage] = useState('');
  const [newId, setNewId] = useState('');
  const [busy, setBusy] = useState(false);
  const [feedback, setFeedback] = useState<Feedback>(undefined);
  const [validating, setValidating] = useState(false);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFeedback(undefined);
    try {
      const saved = await saveOpenGraph(api, message, newId.trim() ? { id: newId.trim() } : {});
      setMessage('');
      setNewId('');
      setFeedback({ kind: 'ok', text: `Saved ${saved.id} as version ${saved.version}.` });
      onSaved(saved);
    } catch (error) {
      setFeedback(feedbackOf(error));
    } finally {
      setBusy(false);
    }
  };

  const validate = async () => {
    setValidating(true);
    try {
      const result = await api.validateGraph(useGraphStore.getState().doc);
      const warnings = result.warnings ?? [];
      const notes = warnings.length === 0 ? '' : ` ${warnings.length} note${warnings.length === 1 ? '' : 's'} (also marked on the cards):`;
      setFeedback(
        result.valid
          ? { kind: 'ok', text: `The graph is valid.${notes}`, ...(warnings.length > 0 ? { problems: warnings } : {}) }
          : { kind: 'error', text: `${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}:`, problems: [...result.problems, ...warnings] },
      );
    } catch (error) {
      setFeedback(feedbackOf(error));
    } finally {
      setValidating(false);
    }
  };

  return (
    <Section title={meta.id ? 'Save a new version' : 'Save'} testId="graph-save">
      <div className="rg-graph-current">
        <div className="rg-small rg-muted">
          {meta.id ? (
            <>
              <code>{meta.id}</code>
              {meta.version !== undefined ? ` · version ${meta.version}` : ''}
            </>
          ) : (
            'not stored yet'
          )}
          {meta.dirty ? <span className="rg-graph-dirty"> · unsaved changes</span> : meta.id ? ' · saved' : ''}
        </div>
      </div>
      <form className="rg-graph-form" onSubmit={save}>
        {!meta.id ? (
          <label className="rg-graph-field">
            <span>
              Id <span className="rg-muted rg-small">(optional; from the name otherwise)</span>
            </span>
            <input data-testid="save-id" value={newId} onChange={(event) => setNewId(event.target.value)} placeholder="e.g. my-series" pattern="[A-Za-z_][A-Za-z0-9_\-]*" />
          </label>
        ) : null}
        <label className="rg-graph-field">
          <span>Message</span>
          <input data-testid="save-message" value={message} maxLength={500} onChange={(event) => setMessage(event.target.value)} placeholder="What changed?" />
        </label>
        <div className="rg-graph-actions">
          <button type="submit" className="rg-button rg-button--primary" data-testid="save-confirm" disabled={busy}>
            {busy ? 'Saving…' : meta.id ? 'Save version' : 'Save graph'}
          </button>
          <button type="button" className="rg-button" data-testid="graph-validate" onClick={() => void validate()} disabled={validating}>
            {validating ? 'Checking…' : 'Validate'}
          </button>
        </div>
      </form>
      <FeedbackView feedback={feedback} doc={doc} />
    </Section>
  );
}

// ─── history ───────────────────────────────────────────────────────────────

function HistorySection({ id, version, versions, onRestored }: { id: string; version?: number | undefined; versions: GraphVersionInfo[] | undefined; onRestored: (stored: StoredGraph) => void }) {
  const api = useApi();
  const doc = useGraphStore((state) => state.doc);
  const [busy, setBusy] = useState<number | undefined>(undefined);
  const [feedback, setFeedback] = useState<Feedback>(undefined);
  const latest = versions?.[0]?.version;

  const restore = async (target: number) => {
    if (!(await confirmDiscard(`Restoring version ${target}`))) return;
    setBusy(target);
    setFeedback(undefined);
    try {
      const restored = await api.restoreGraph(id, target);
      openStored(restored, { route: 'replace' });
      setFeedback({ kind: 'ok', text: `Version ${target} restored as version ${restored.version}.` });
      onRestored(restored);
    } catch (error) {
      setFeedback(feedbackOf(error));
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <Section title="History" testId="graph-history" open={false} extra={versions ? <span className="rg-muted rg-small">{versions.length === 1 ? '1 version' : `${versions.length} versions`}</span> : null}>
      {!versions ? (
        <p className="rg-muted rg-small">Loading…</p>
      ) : (
        <ol className="rg-graph-history">
          {versions.map((entry) => (
            <li key={entry.version} className={entry.version === version ? 'rg-graph-version rg-graph-version--current' : 'rg-graph-version'} data-testid={`history-item-${entry.version}`}>
              <div className="rg-graph-version-head">
                <strong>v{entry.version}</strong>
                <span className="rg-muted rg-small">{when(entry.createdAt)}</span>
                {entry.version === version ? <span className="rg-graph-tag">open</span> : null}
                {entry.version !== latest ? (
                  <button type="button" className="rg-button rg-button--small" data-testid={`restore-${entry.version}`} disabled={busy !== undefined} onClick={() => void restore(entry.version)}>
                    {busy === entry.version ? 'Restoring…' : 'Restore'}
                  </button>
                ) : (
                  <span className="rg-graph-tag">latest</span>
                )}
              </div>
              {entry.message ? <div className="rg-graph-version-message">{entry.message}</div> : null}
            </li>
          ))}
        </ol>
      )}
      <FeedbackView feedback={feedback} doc={doc} />
    </Section>
  );
}

// ─── clone and variant diff ────────────────────────────────────────────────

function CloneSection({ id, onCloned }: { id: string; onCloned: (stored: StoredGraph) => void }) {
  const api = useApi();
  const doc = useGraphStore((state) => state.doc);
  const dirty = useGraphStore((state) => state.meta.dirty);
  const [name, setName] = useState('');
  const [newId, setNewId] = useState('');
  const [busy, setBusy] = useState(false);
  const [feedback, setFeedback] = useState<Feedback>(undefined);

  const clone = async (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      setFeedback({ kind: 'error', text: 'Give the new variant a name.' });
      return;
    }
    if (!(await confirmDiscard('Cloning the stored version (the clone opens)'))) return;
    setBusy(true);
    setFeedback(undefined);
    try {
      const cloned = await api.cloneGraph(id, name.trim(), newId.trim() || undefined);
      openStored(cloned);
      setName('');
      setNewId('');
      setFeedback({ kind: 'ok', text: `Created ${cloned.id}, a variant of ${id}; it is open now.` });
      onCloned(cloned);
    } catch (error) {
      setFeedback(feedbackOf(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Section title="Clone for a series" testId="graph-clone" open={false}>
      <p className="rg-muted rg-small">
        A variant extends <code>{id}</code> and stores only what you change; later changes to <code>{id}</code> reach it too.
        {dirty ? ' Unsaved changes are not part of the clone.' : ''}
      </p>
      <form className="rg-graph-form" onSubmit={clone}>
        <label className="rg-graph-field">
          <span>Name</span>
          <input data-testid="clone-name" value={name} onChange={(event) => setName(event.target.value)} placeholder="e.g. Season 2 (shorts)" maxLength={200} />
        </label>
        <label className="rg-graph-field">
          <span>
            Id <span className="rg-muted rg-small">(optional)</span>
          </span>
          <input data-testid="clone-id" value={newId} onChange={(event) => setNewId(event.target.value)} placeholder="from the name" />
        </label>
        <div className="rg-graph-actions">
          <button type="submit" className="rg-button rg-button--primary" data-testid="clone-confirm" disabled={busy}>
            {busy ? 'Cloning…' : 'Clone'}
          </button>
        </div>
      </form>
      <FeedbackView feedback={feedback} doc={doc} />
    </Section>
  );
}

type DiffState = { status: 'loading' } | { status: 'ready'; diff: VariantDiff; extends: string; templateVersion?: number | undefined; overrides: unknown; templateKnown: boolean } | { status: 'error'; message: string };

function VariantDiffSection({ id, version, onOpen }: { id: string; version?: number | undefined; onOpen: (id: string) => void }) {
  const api = useApi();
  const dirty = useGraphStore((state) => state.meta.dirty);
  const [state, setState] = useState<DiffState>({ status: 'loading' });

  useEffect(() => {
    let live = true;
    setState({ status: 'loading' });
    (async () => {
      const answer = await api.graphDiff(id, version);
      let template: GraphDocument | undefined;
      try {
        const stored = await api.getGraph(answer.extends, answer.templateVersion);
        template = stored.resolved ?? (isVariant(stored.doc) ? undefined : stored.doc);
      } catch {
        template = undefined;
      }
      return { answer, template };
    })().then(
      ({ answer, template }) => {
        if (!live) return;
        setState({
          status: 'ready',
          diff: describeVariantDiff(template, answer.overrides, answer.resolved),
          extends: answer.extends,
          templateVersion: answer.templateVersion,
          overrides: answer.overrides,
          templateKnown: template !== undefined,
        });
      },
      (error: unknown) => live && setState({ status: 'error', message: errorText(error) }),
    );
    return () => {
      live = false;
    };
  }, [api, id, version]);

  if (state.status === 'loading') return <Section title="Variant" testId="variant-diff"><p className="rg-muted rg-small">Loading the diff…</p></Section>;
  if (state.status === 'error') return <Section title="Variant" testId="variant-diff"><p className="rg-graph-error">{state.message}</p></Section>;
  const { diff } = state;
  return (
    <Section title="Variant" testId="variant-diff" extra={<span className="rg-muted rg-small">{diff.empty ? 'no overrides' : ((count) => `${count} node${count === 1 ? '' : 's'} differ${count === 1 ? 's' : ''}`)(diff.added.length + diff.removed.length + diff.changed.length)}</span>}>
      <p className="rg-small">
        Extends{' '}
        <button type="button" className="rg-link-button" onClick={() => onOpen(state.extends)} title="Open the template">
          {state.extends}
        </button>
        {state.templateVersion !== undefined ? <span className="rg-muted"> (v{state.templateVersion})</span> : null}. Differences of the saved version{dirty ? ' (unsaved changes not included)' : ''}:
      </p>
      {diff.empty ? <p className="rg-muted rg-small">None yet: this variant renders exactly like its template.</p> : null}
      {diff.changed.length > 0 ? (
        <div className="rg-diff-group">
          <h4>Changed nodes</h4>
          <ul>
            {diff.changed.map((node) => (
              <li key={node.id} className="rg-diff-node rg-diff-node--changed" data-testid={`diff-changed-${node.id}`}>
                <span className="rg-diff-mark">~</span> <strong>{node.title ?? node.id}</strong> <code className="rg-small">{node.type}</code>
                {node.movedOnly ? <span className="rg-muted rg-small"> moved only</span> : null}
                {node.changes.length > 0 ? (
                  <ul className="rg-diff-changes">
                    {node.changes.map((change) => (
                      <li key={change.path} className={`rg-diff-change rg-diff-change--${change.kind}`}>
                        {formatChange(change)}
                      </li>
                    ))}
                  </ul>
                ) : null}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {diff.added.length > 0 ? (
        <div className="rg-diff-group">
          <h4>Added nodes</h4>
          <ul>
            {diff.added.map((node) => (
              <li key={node.id} className="rg-diff-node rg-diff-node--added" data-testid={`diff-added-${node.id}`}>
                <span className="rg-diff-mark">+</span> <strong>{node.title ?? node.id}</strong> <code className="rg-small">{node.type}</code>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {diff.removed.length > 0 ? (
        <div className="rg-diff-group">
          <h4>Removed nodes</h4>
          <ul>
            {diff.removed.map((node) => (
              <li key={node.id} className="rg-diff-node rg-diff-node--removed" data-testid={`diff-removed-${node.id}`}>
                <span className="rg-diff-mark">−</span> <strong>{node.title ?? node.id}</strong> <code className="rg-small">{node.type}</code>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {diff.edgesAdded.length + diff.edgesRemoved.length > 0 ? (
        <div className="rg-diff-group">
          <h4>Connections</h4>
          <ul>
            {diff.edgesAdded.map((edge) => (
              <li key={`+${formatEdge(edge)}`} className="rg-diff-change rg-diff-change--added">
                + {formatEdge(edge)}
              </li>
            ))}
            {diff.edgesRemoved.map((edge) => (
              <li key={`-${formatEdge(edge)}`} className="rg-diff-change rg-diff-change--removed">
                − {formatEdge(edge)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {diff.settings.length > 0 ? (
        <div className="rg-diff-group">
          <h4>Graph settings</h4>
          <ul>
            {diff.settings.map((change) => (
              <li key={`set-${change.path}`} className={`rg-diff-change rg-diff-change--${change.kind}`} data-testid={`diff-setting-${change.path}`}>
                {formatChange(change)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {diff.inputs.length + diff.outputs.length > 0 ? (
        <div className="rg-diff-group">
          <h4>Inputs and outputs</h4>
          <ul>
            {diff.inputs.map((change) => (
              <li key={`in-${change.path}`} className={`rg-diff-change rg-diff-change--${change.kind}`}>
                input {formatChange(change)}
              </li>
            ))}
            {diff.outputs.map((change) => (
              <li key={`out-${change.path}`} className={`rg-diff-change rg-diff-change--${change.kind}`}>
                output {formatChange(change)}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {!state.templateKnown ? <p className="rg-muted rg-small">The template could not be read; values before the change are not shown.</p> : null}
      <details className="rg-diff-raw">
        <summary className="rg-small">overrides as JSON</summary>
        <pre>{JSON.stringify(state.overrides, null, 2)}</pre>
      </details>
    </Section>
  );
}

// ─── webhook ───────────────────────────────────────────────────────────────

type HookState = { status: 'loading' } | { status: 'none' } | { status: 'ready'; hook: WebhookInfo } | { status: 'error'; message: string };

function WebhookSection({ id }: { id: string }) {
  const api = useApi();
  const doc = useGraphStore((state) => state.doc);
  const [state, setState] = useState<HookState>({ status: 'loading' });
  const [callbackUrl, setCallbackUrl] = useState('');
  const [busy, setBusy] = useState(false);
  const [feedback, setFeedback] = useState<Feedback>(undefined);
  // Asked for only once the section is opened: most graphs have no webhook.
  const [wanted, setWanted] = useState(false);

  useEffect(() => {
    if (!wanted) return;
    let live = true;
    setState({ status: 'loading' });
    setFeedback(undefined);
    api.getWebhook(id).then(
      (hook) => live && setState(hook ? { status: 'ready', hook } : { status: 'none' }),
      (error: unknown) => live && setState({ status: 'error', message: errorText(error) }),
    );
    return () => {
      live = false;
    };
  }, [api, id, wanted]);

  const create = async (rotate: boolean) => {
    if (rotate && !window.confirm('Rotate the webhook? The current URL and secret stop working at once.')) return;
    setBusy(true);
    setFeedback(undefined);
    try {
      const hook = await api.createWebhook(id, callbackUrl.trim() || undefined);
      setState({ status: 'ready', hook });
      setFeedback({ kind: 'ok', text: rotate ? 'Rotated: a new URL and secret.' : 'Webhook created.' });
    } catch (error) {
      setFeedback(feedbackOf(error));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!window.confirm('Delete the webhook? Deliveries to its URL are refused from now on.')) return;
    setBusy(true);
    setFeedback(undefined);
    try {
      await api.deleteWebhook(id);
      setState({ status: 'none' });
      setFeedback({ kind: 'ok', text: 'Webhook deleted.' });
    } catch (error) {
      setFeedback(feedbackOf(error));
    } finally {
      setBusy(false);
    }
  };

  const hook = state.status === 'ready' ? state.hook : undefined;
  return (
    <Section title="Webhook" testId="graph-webhook" open={false} onOpen={() => setWanted(true)} extra={<span className="rg-muted rg-small">{hook ? 'active' : state.status === 'none' ? 'none' : ''}</span>}>
      {state.status === 'loading' ? <p className="rg-muted rg-small">Loading…</p> : null}
      {state.status === 'error' ? <p className="rg-graph-error">{state.message}</p> : null}
      {state.status === 'none' ? <p className="rg-muted rg-small">A signed webhook lets a CMS or script start runs of this graph (POST with an HMAC-SHA256 signature).</p> : null}
      {hook ? (
        <div className="rg-webhook">
          <div className="rg-webhook-row">
            <span className="rg-webhook-label">URL</span>
            <code className="rg-webhook-value" data-testid="webhook-url">
              {hook.url}
            </code>
            <CopyButton text={hook.url} testId="webhook-url-copy" />
          </div>
          <div className="rg-webhook-row">
            <span className="rg-webhook-label">Secret</span>
            <code className="rg-webhook-value" data-testid="webhook-secret">
              {hook.secret}
            </code>
            <CopyButton text={hook.secret} testId="webhook-secret-copy" />
          </div>
          {hook.callbackUrl ? (
            <div className="rg-webhook-row">
              <span className="rg-webhook-label">Callback</span>
              <code className="rg-webhook-value">{hook.callbackUrl}</code>
            </div>
          ) : null}
          <div className="rg-webhook-curl">
            <div className="rg-webhook-row">
              <span className="rg-webhook-label">Example delivery (curl + openssl signature)</span>
              <CopyButton text={hook.curl} testId="webhook-curl-copy" />
            </div>
            <pre data-testid="webhook-curl">{hook.curl}</pre>
            <p className="rg-muted rg-small">
              Headers: <code>X-Reelgraph-Timestamp</code> (unix seconds, ±5 min) and <code>X-Reelgraph-Signature: sha256=HMAC(secret, timestamp + "." + body)</code>. Body: <code>{'{inputs?, markdown?, priority?}'}</code>. Each delivery needs a fresh timestamp (replays are refused).
            </p>
          </div>
        </div>
      ) : null}
      {state.status === 'none' || hook ? (
        <form
          className="rg-graph-form"
          onSubmit={(event) => {
            event.preventDefault();
            void create(hook !== undefined);
          }}
        >
          <label className="rg-graph-field">
            <span>
              Completion callback URL <span className="rg-muted rg-small">(optional)</span>
            </span>
            <input data-testid="webhook-callback" type="url" value={callbackUrl} onChange={(event) => setCallbackUrl(event.target.value)} placeholder={hook?.callbackUrl ?? 'https://cms.example/reelgraph-done'} />
          </label>
          <div className="rg-graph-actions">
            <button type="submit" className="rg-button rg-button--primary" data-testid={hook ? 'webhook-rotate' : 'webhook-create'} disabled={busy}>
              {hook ? 'Rotate secret' : 'Create webhook'}
            </button>
            {hook ? (
              <button type="button" className="rg-button rg-button--danger" data-testid="webhook-delete" disabled={busy} onClick={() => void remove()}>
                Delete
              </button>
            ) : null}
          </div>
        </form>
      ) : null}
      <FeedbackView feedback={feedback} doc={doc} />
    </Section>
  );
}

// ─── the panel ─────────────────────────────────────────────────────────────

export function GraphPanel() {
  const api = useApi();
  const meta = useGraphStore((state) => state.meta);
  const doc = useGraphStore((state) => state.doc);
  const [graphs, setGraphs] = useState<GraphSummary[] | undefined>(undefined);
  const [listError, setListError] = useState<string | undefined>(undefined);
  const [versions, setVersions] = useState<GraphVersionInfo[] | undefined>(undefined);
  const [current, setCurrent] = useState<StoredGraph | undefined>(undefined);
  const [openError, setOpenError] = useState<Feedback>(undefined);
  const [tick, setTick] = useState(0);
  const refresh = useCallback(() => setTick((value) => value + 1), []);

  // Listed again whenever another stored graph opens: a template installed, a file imported, a clone made.
  useEffect(() => {
    let live = true;
    api.listGraphs().then(
      (list) => {
        if (!live) return;
        setGraphs(list);
        setListError(undefined);
      },
      (error: unknown) => live && setListError(`Could not list graphs: ${errorText(error)}`),
    );
    return () => {
      live = false;
    };
  }, [api, tick, meta.id]);

  // The stored graph behind the open document: its history, and whether it is a variant.
  useEffect(() => {
    let live = true;
    setVersions(undefined);
    setCurrent(undefined);
    if (!meta.id) return;
    const id = meta.id;
    api.graphHistory(id).then(
      (list) => live && setVersions(list),
      () => live && setVersions([]),
    );
    api.getGraph(id, meta.version).then(
      (stored) => live && setCurrent(stored),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, meta.id, meta.version, tick]);

  const open = useCallback(
    async (id: string) => {
      setOpenError(undefined);
      try {
        await openGraph(api, id);
      } catch (error) {
        setOpenError(feedbackOf(error));
      }
    },
    [api],
  );

  const variant = current && current.id === meta.id && isVariant(current.doc) ? current : undefined;
  const stats = useMemo(() => `${doc.nodes.length} nodes · ${doc.edges.length} connections`, [doc]);

  return (
    <div className="rg-graph-panel" data-testid="graph-panel">
      <header className="rg-graph-header">
        <div className="rg-graph-title">{doc.name || 'Untitled graph'}</div>
        <div className="rg-muted rg-small">
          {stats}
          {variant ? (
            <>
              {' '}
              · variant of <code>{(variant.doc as { extends: string }).extends}</code>
            </>
          ) : null}
        </div>
      </header>
      <FeedbackView feedback={openError} doc={doc} />
      <GraphInputsSection />
      <GraphOutputsSection />
      <SaveSection onSaved={refresh} />
      <GraphList graphs={graphs} error={listError} currentId={meta.id} onOpen={(id) => void open(id)} onRefresh={refresh} />
      {meta.id ? (
        <>
          {variant ? <VariantDiffSection key={`${variant.id}@${variant.version}`} id={variant.id} version={variant.version} onOpen={(id) => void open(id)} /> : null}
          <HistorySection id={meta.id} version={meta.version} versions={versions} onRestored={refresh} />
          <CloneSection id={meta.id} onCloned={refresh} />
          <WebhookSection key={meta.id} id={meta.id} />
        </>
      ) : (
        <p className="rg-muted rg-small rg-graph-hint">Save the graph to get its history, series variants and a webhook.</p>
      )}
    </div>
  );
}

export default GraphPanel;
