/** The offer to bring back unsaved changes this browser kept (autosave.ts): Restore or Discard. */
import { useGraphStore } from '../state/graph-store.js';
import { discardDraft, restoreDraft, useRestoreOffer } from './autosave.js';

const ago = (ms: number): string => {
  const minutes = Math.round((Date.now() - ms) / 60_000);
  if (minutes < 1) return 'moments ago';
  if (minutes < 60) return `${minutes} min ago`;
  return new Date(ms).toLocaleString();
};

export function RestoreBanner() {
  const offer = useRestoreOffer((state) => state.offer);
  const version = useGraphStore((state) => state.meta.version);
  if (!offer) return null;
  const { draft } = offer;
  const name = draft.doc.name?.trim() || 'untitled';
  const older = draft.baseVersion !== undefined && version !== undefined && draft.baseVersion < version;
  return (
    <div className="rg-restore" role="status" data-testid="restore-banner">
      <span>
        Unsaved changes to <strong>{name}</strong> ({draft.doc.nodes.length} nodes, {ago(draft.savedAt)}) were kept in this browser.
        {older ? ` They were made on version ${draft.baseVersion}; the stored graph is at version ${version} now.` : ''}
      </span>
      <span className="rg-restore__actions">
        <button type="button" className="rg-button rg-button--primary rg-button--small" onClick={restoreDraft} data-testid="restore-draft">
          Restore
        </button>
        <button type="button" className="rg-button rg-button--small" onClick={discardDraft} data-testid="discard-draft">
          Discard
        </button>
      </span>
    </div>
  );
}
