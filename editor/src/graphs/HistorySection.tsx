/** A stored graph's version history, with restore as a new version. */
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { type GraphVersionInfo, type StoredGraph } from '../api/client.js';
import { Section } from './Section.js';
import { useApi } from '../api/context.js';
import { rememberGraph } from '../api/queries.js';
import { confirmDiscard } from '../shell/ConfirmDialog.js';
import { openStored } from '../shell/documents.js';
import { useGraphStore } from '../state/graph-store.js';
import { feedbackOf, when, FeedbackView, type Feedback } from './feedback.js';

export function HistorySection({ id, version, versions, onRestored }: { id: string; version?: number | undefined; versions: GraphVersionInfo[] | undefined; onRestored: (stored: StoredGraph) => void }) {
  const api = useApi();
  const queries = useQueryClient();
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
      // Told before it opens: the answers kept about this graph are stale now, the restored version itself is fresh.
      onRestored(restored);
      rememberGraph(queries, restored);
      openStored(restored, { route: 'replace' });
      setFeedback({ kind: 'ok', text: `Version ${target} restored as version ${restored.version}.` });
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
