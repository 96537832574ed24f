/** Clone for a series: a new variant that extends the open graph. */
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { type StoredGraph } from '../api/client.js';
import { Section } from './Section.js';
import { useApi } from '../api/context.js';
import { rememberGraph } from '../api/queries.js';
import { confirmDiscard } from '../shell/ConfirmDialog.js';
import { openStored } from '../shell/documents.js';
import { useGraphStore } from '../state/graph-store.js';
import { feedbackOf, FeedbackView, type Feedback } from './feedback.js';

export function CloneSection({ id, onCloned }: { id: string; onCloned: (stored: StoredGraph) => void }) {
  const api = useApi();
  const queries = useQueryClient();
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
      // Told before it opens: the list is stale now, the clone itself is fresh.
      onCloned(cloned);
      rememberGraph(queries, cloned);
      openStored(cloned);
      setName('');
      setNewId('');
      setFeedback({ kind: 'ok', text: `Created ${cloned.id}, a variant of ${id}; it is open now.` });
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
