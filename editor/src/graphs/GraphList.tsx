/**
 * The stored graphs: open one, or delete it (after asking; a template a
 * variant extends is refused before the question).
 */
import { useState } from 'react';
import { type GraphSummary } from '../api/client.js';
import { Section } from './Section.js';
import { useApi } from '../api/context.js';
import { confirmAction } from '../shell/ConfirmDialog.js';
import { useGraphStore } from '../state/graph-store.js';
import { notify } from '../state/toast-store.js';
import { errorText, when, type Feedback } from './feedback.js';

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

export function GraphList({ graphs, error, currentId, onOpen, onRefresh, onDeleted }: { graphs: GraphSummary[] | undefined; error?: string | undefined; currentId?: string | undefined; onOpen: (id: string) => void; onRefresh: () => void; onDeleted: (id: string) => void }) {
  const api = useApi();
  const [deleting, setDeleting] = useState<string | undefined>(undefined);
  const [deleteError, setDeleteError] = useState<Feedback>(undefined);
  const remove = (graph: GraphSummary) => {
    setDeleteError(undefined);
    setDeleting(graph.id);
    deleteStoredGraph(api, graph, graphs ?? []).then(
      (deleted) => {
        setDeleting(undefined);
        if (deleted) onDeleted(graph.id);
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
