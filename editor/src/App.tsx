/**
 * The editor shell: toolbar on top, node palette on the left, the graph
 * canvas in the middle, a right-hand panel (Node · Graph · Run), a status
 * line at the bottom. Without a token (or when the server refuses it) a
 * login screen asks for one; then the node types are loaded.
 *
 * The URL names the open graph and run (shell/routing.ts, route-sync.ts);
 * unsaved work is kept in this browser (shell/autosave.ts) and nothing
 * replaces it without asking (shell/ConfirmDialog.tsx). The empty editor
 * offers the shipped templates (shell/Templates.tsx).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { ApiError } from './api/client.js';
import { ApiProvider, useApi, useAuth } from './api/context.js';
import { Canvas } from './canvas/Canvas.js';
import { Palette } from './canvas/Palette.js';
import { startAutosave } from './shell/autosave.js';
import { ConfirmDialog } from './shell/ConfirmDialog.js';
import { saveOpenGraph } from './shell/documents.js';
import { downloadDocument } from './shell/file-io.js';
import { ImportDialog } from './shell/ImportDialog.js';
import { Login } from './shell/Login.js';
import { RestoreBanner } from './shell/RestoreBanner.js';
import { StoryboardDialog } from './runs/Storyboard.js';
import { SeriesDialog } from './series/SeriesBoard.js';
import { RightPanel } from './shell/RightPanel.js';
import { useRouteSync } from './shell/route-sync.js';
import { ShortcutHelp } from './shell/ShortcutHelp.js';
import { useShortcuts } from './shell/shortcuts.js';
import { StatusBar } from './shell/StatusBar.js';
import { TemplatesDialog, TemplatesPanel } from './shell/Templates.js';
import { Toolbar } from './shell/Toolbar.js';
import './shell/shell.css';
import { useGraphStore } from './state/graph-store.js';
import { notify } from './state/toast-store.js';

function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const problems = error.problems.slice(0, 3).map((problem) => `${problem.path || '/'}: ${problem.message}`);
    const more = error.problems.length > 3 ? ` (+${error.problems.length - 3} more)` : '';
    return problems.length > 0 ? `${error.message} — ${problems.join('; ')}${more}` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

function Editor() {
  const api = useApi();
  const [reload, setReload] = useState(0);
  const [saving, setSaving] = useState(false);

  // Node types from the server.
  useEffect(() => {
    const controller = new AbortController();
    const store = useGraphStore.getState();
    store.setNodeTypesStatus('loading');
    api.nodes(controller.signal).then(
      (nodes) => useGraphStore.getState().setNodeTypes(nodes),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        useGraphStore.getState().setNodeTypesStatus('error', describeError(error));
      },
    );
    return () => controller.abort();
  }, [api, reload]);

  // The URL opens its graph (and run); unsaved work is kept in this browser as it changes.
  useRouteSync(api);
  useEffect(() => startAutosave(), []);

  // The tab names the open graph (and marks unsaved changes), as bookmarks and the history list show it.
  const title = useGraphStore((state) => `${state.meta.dirty ? '● ' : ''}${state.doc.name || 'untitled'} · reelgraph`);
  useEffect(() => {
    document.title = title;
  }, [title]);

  // Unsaved changes: the browser asks before leaving.
  useEffect(() => {
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      if (!useGraphStore.getState().meta.dirty) return;
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, []);

  const save = useCallback(() => {
    if (saving) return;
    setSaving(true);
    saveOpenGraph(api)
      .then(
        (stored) => notify('success', `Saved ${stored.id} version ${stored.version}`),
        (error: unknown) => notify('error', `Save failed: ${describeError(error)}`),
      )
      .finally(() => setSaving(false));
  }, [api, saving]);

  const run = useCallback(() => useGraphStore.getState().requestRun(), []);
  const exportGraph = useCallback(() => {
    const name = downloadDocument(useGraphStore.getState().doc);
    notify('info', `Exported ${name}`);
  }, []);

  const commands = useMemo(() => ({ save, run }), [save, run]);
  useShortcuts(commands);

  return (
    <div className="rg-app">
      <Toolbar onSave={save} onRun={run} onExport={exportGraph} saving={saving} />
      <div className="rg-body">
        <Palette onRetry={() => setReload((n) => n + 1)} />
        <div className="rg-stage">
          <Canvas />
          <RestoreBanner />
          <TemplatesPanel />
        </div>
        <RightPanel />
      </div>
      <StatusBar />
      <ImportDialog />
      <TemplatesDialog />
      <ShortcutHelp />
      <StoryboardDialog />
      <SeriesDialog />
      <ConfirmDialog />
    </div>
  );
}

function Gate() {
  const { authenticated } = useAuth();
  return authenticated ? <Editor /> : <Login />;
}

export function App() {
  return (
    <ApiProvider>
      <ReactFlowProvider>
        <Gate />
      </ReactFlowProvider>
    </ApiProvider>
  );
}
