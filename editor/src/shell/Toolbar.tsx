/** The top toolbar: graph name (click to rename), dirty marker and the editor's commands. */
import { useState, type KeyboardEvent } from 'react';
import { fitCanvas, layoutCanvas } from '../canvas/commands.js';
import { ProfilePicker } from '../graphs/ProfilePicker.js';
import { useGraphStore, useHistoryState } from '../state/graph-store.js';
import { useUiStore } from '../state/ui-store.js';
import { newGraph } from './documents.js';
import { openTemplates } from './Templates.js';

function GraphName() {
  const name = useGraphStore((state) => state.doc.name);
  const meta = useGraphStore((state) => state.meta);
  const [editing, setEditing] = useState<string | null>(null);
  const commit = () => {
    const next = editing?.trim();
    if (next && next !== name) useGraphStore.getState().updateGraph({ name: next });
    setEditing(null);
  };
  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') commit();
    else if (event.key === 'Escape') setEditing(null);
  };
  return (
    <div className="rg-topbar__doc">
      {editing !== null ? (
        <input className="rg-name-input" value={editing} autoFocus maxLength={200} onChange={(event) => setEditing(event.target.value)} onBlur={commit} onKeyDown={onKey} data-testid="graph-name-input" aria-label="Graph name" />
      ) : (
        <button type="button" className="rg-topbar__name" title="Rename" onClick={() => setEditing(name)} data-testid="graph-name">
          {name}
        </button>
      )}
      {meta.dirty ? (
        <span className="rg-dirty" title="Unsaved changes" data-testid="dirty-marker">
          ●
        </span>
      ) : null}
      <span className="rg-muted rg-small" data-testid="graph-meta">
        {meta.id ? `${meta.id}${meta.version !== undefined ? ` · v${meta.version}` : ''}` : 'not saved yet'}
      </span>
    </div>
  );
}

export function Toolbar({ onSave, onRun, onExport, saving }: { onSave(): void; onRun(): void; onExport(): void; saving: boolean }) {
  const { canUndo, canRedo } = useHistoryState();
  const dirty = useGraphStore((state) => state.meta.dirty);
  const hasNodes = useGraphStore((state) => state.doc.nodes.length > 0);
  const openImport = useUiStore((state) => state.openImport);
  const setHelpOpen = useUiStore((state) => state.setHelpOpen);
  return (
    <header className="rg-topbar">
      <div className="rg-brand">
        <span className="rg-brand__mark" aria-hidden="true" />
        reelgraph
      </div>
      <GraphName />
      {/* One place to switch 1080p / 720p preview / 9:16, like a render preset in a video editor. */}
      {hasNodes ? <ProfilePicker label="Profile" className="rg-topbar__profile" /> : null}
      <div className="rg-topbar__actions">
        <div className="rg-button-group">
          <button type="button" className="rg-button" onClick={() => useGraphStore.getState().undo()} disabled={!canUndo} title="Undo (Ctrl+Z)" data-testid="toolbar-undo">
            ↶ Undo
          </button>
          <button type="button" className="rg-button" onClick={() => useGraphStore.getState().redo()} disabled={!canRedo} title="Redo (Ctrl+Shift+Z)" data-testid="toolbar-redo">
            ↷ Redo
          </button>
        </div>
        <div className="rg-button-group">
          <button type="button" className="rg-button" onClick={fitCanvas} title="Fit view (F)" data-testid="toolbar-fit">
            Fit
          </button>
          <button type="button" className="rg-button" onClick={layoutCanvas} disabled={!hasNodes} title="Auto-layout left → right (Shift+L)" data-testid="toolbar-layout">
            Layout
          </button>
        </div>
        <div className="rg-button-group">
          <button type="button" className="rg-button" onClick={() => void newGraph()} title="A new, empty graph" data-testid="toolbar-new">
            New
          </button>
          <button type="button" className="rg-button" onClick={openTemplates} title="Start from a shipped graph or an example episode" data-testid="toolbar-templates">
            Templates
          </button>
        </div>
        <div className="rg-button-group">
          <button type="button" className="rg-button" onClick={() => openImport()} title="Import a graph file or pasted JSON (Ctrl+O)" data-testid="toolbar-import">
            Import
          </button>
          <button type="button" className="rg-button" onClick={onExport} title="Download the graph as JSON" data-testid="toolbar-export">
            Export
          </button>
        </div>
        <button type="button" className={`rg-button${dirty ? ' rg-button--accent' : ''}`} onClick={onSave} disabled={saving} title="Save a new version (Ctrl+S)" data-testid="toolbar-save">
          {saving ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="rg-button rg-button--primary" onClick={onRun} title="Run the graph (Ctrl+Enter)" data-testid="toolbar-run">
          ▶ Run
        </button>
        <button type="button" className="rg-icon-button" onClick={() => setHelpOpen(true)} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts" data-testid="toolbar-help">
          ?
        </button>
      </div>
    </header>
  );
}
