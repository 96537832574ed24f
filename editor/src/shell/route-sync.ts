/**
 * Opens what the URL names: on page load (a reload, a shared link) and when
 * the browser changes the route (back, forward, an edited address). What the
 * app opens itself it puts in the URL (documents.ts); this is the other
 * direction.
 *
 * Going back/forward over unsaved changes asks first; "keep them" puts the
 * open graph's route back in the address bar. A graph that cannot be loaded
 * (deleted, mistyped) leaves a toast and the empty editor, never a blank page.
 */
import { useEffect } from 'react';
import { ApiError, type ApiClient } from '../api/client.js';
import { fetchGraph } from '../api/queries.js';
import { openRun } from '../runs/run-store.js';
import { showSeriesRoute } from '../series/series-ui.js';
import { useGraphStore } from '../state/graph-store.js';
import { notify } from '../state/toast-store.js';
import { checkForDraft } from './autosave.js';
import { confirmDiscard } from './ConfirmDialog.js';
import { openFailure, openStored } from './documents.js';
import { currentRoute, navigate, onBrowserRoute, type Route } from './routing.js';

/** The route of what is open now (where "keep my changes" returns to). */
function openRoute(): Route {
  const id = useGraphStore.getState().meta.id;
  const runId = currentRoute().runId;
  return { ...(id ? { graphId: id } : {}), ...(runId ? { runId } : {}) };
}

/** Each route change supersedes the ones still loading (quick Back, Back). */
let generation = 0;

async function applyRoute(api: ApiClient, route: Route, initial: boolean): Promise<void> {
  const mine = ++generation;
  // A series route opens the Series dialog over the graph that is open; any other closes it.
  showSeriesRoute(route);
  if (route.series) return;
  const { meta } = useGraphStore.getState();
  const graphChanges = (route.graphId ?? undefined) !== meta.id;
  if (graphChanges && !initial && !(await confirmDiscard(route.graphId ? `Going to "${route.graphId}"` : 'Going back to a new graph'))) {
    if (mine === generation) navigate(openRoute(), { replace: true });
    return;
  }
  if (graphChanges && route.graphId) {
    const id = route.graphId;
    try {
      // Through the query cache: the Graph panel and the problem list then read this version from it, not the server.
      const stored = await fetchGraph(api, id);
      if (mine !== generation) return;
      openStored(stored, { route: 'none' });
    } catch (error) {
      if (mine !== generation) return;
      notify('error', openFailure(id, error));
      useGraphStore.getState().newDocument();
      // A graph that is gone leaves the address; one the server could not give now stays in it, so a reload retries.
      if (error instanceof ApiError && error.status === 404) navigate({}, { replace: true });
      checkForDraft();
      return;
    }
  } else if (graphChanges) {
    useGraphStore.getState().newDocument();
  } else if (initial) {
    // The page opened on an unsaved graph: offer what this browser kept of it.
    checkForDraft();
  }
  if (route.runId) {
    // A link to a run is a link to its results: show them.
    useGraphStore.getState().setRightTab('run');
    void openRun(api, route.runId);
  }
}

/**
 * The URL follows the open document's id when it changes without a
 * navigation: a first save, Undo back over an import, the open graph deleted.
 */
function followDocument(): () => void {
  return useGraphStore.subscribe((state, previous) => {
    // Under a series route the address names the dialog; closing it puts the graph's route back.
    if (state.meta.id === previous.meta.id || currentRoute().graphId === state.meta.id || currentRoute().series) return;
    navigate(state.meta.id ? { graphId: state.meta.id } : {}, { replace: true });
  });
}

/** Keeps the editor on the graph (and run) the URL names, and the URL on the open graph. */
export function useRouteSync(api: ApiClient): void {
  useEffect(() => {
    void applyRoute(api, currentRoute(), true);
    const stopFollowing = followDocument();
    const stopListening = onBrowserRoute((route) => void applyRoute(api, route, false));
    return () => {
      stopFollowing();
      stopListening();
    };
  }, [api]);
}
