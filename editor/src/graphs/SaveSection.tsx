/**
 * Save: the open graph as a new stored graph, or as a new version of its own.
 */
import { useState, type FormEvent } from 'react';
import { type StoredGraph } from '../api/client.js';
import { Section } from './Section.js';
import { useApi } from '../api/context.js';
import { saveOpenGraph } from '../shell/documents.js';
import { useGraphStore } from '../state/graph-store.js';
import { feedbackOf, FeedbackView, type Feedback } from './feedback.js';

export function SaveSection({ onSaved }: { onSaved: (saved: StoredGraph) => void }) {
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
