/**
 * The editor's URL: which stored graph (and which run) is open, as a hash
 * route, so a reload or a shared link reopens it and back/forward move
 * between graphs.
 *
 *   (empty)                     a new, unsaved graph
 *   #/graphs/<id>               stored graph <id>
 *   #/graphs/<id>/runs/<runId>  that graph with run <runId> shown
 *   #/runs/<runId>              a run of an unsaved (inline) graph
 *   #/series                    the Series dialog: every series
 *   #/series/<id>               the Series dialog on series <id>'s status board
 *
 * A series route names no graph: the dialog opens over whatever graph is
 * open (none, when the page is loaded on it), and closing it puts that
 * graph's route back.
 *
 * A hash route needs nothing from the server (it serves index.html for "/"
 * only) and keeps `?token=` handling in api/client.ts apart.
 *
 * `navigate()` is what the app calls after it has opened something; it does
 * not open anything itself. Changes that come from the browser (back,
 * forward, an edited address bar) and the route the page was loaded with are
 * delivered to `onBrowserRoute` listeners (shell/route-sync.ts opens the
 * graph they name).
 */
import { useSyncExternalStore } from 'react';

export interface Route {
  graphId?: string;
  runId?: string;
  /** The Series dialog: `{}` its list, `{ id }` that series' status board. */
  series?: { id?: string };
}

/** The route a hash names; an unknown shape is the empty route (the new-graph editor). */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/^\/+|\/+$/g, '');
  if (!path) return {};
  const parts = path.split('/').map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  });
  if (parts[0] === 'graphs' && parts[1]) {
    if (parts[2] === 'runs' && parts[3]) return { graphId: parts[1], runId: parts[3] };
    return { graphId: parts[1] };
  }
  if (parts[0] === 'runs' && parts[1]) return { runId: parts[1] };
  if (parts[0] === 'series') return { series: parts[1] ? { id: parts[1] } : {} };
  return {};
}

/** The hash for a route ('' for the empty route). */
export function formatRoute(route: Route): string {
  if (route.series) return route.series.id ? `#/series/${encodeURIComponent(route.series.id)}` : '#/series';
  const run = route.runId ? `/runs/${encodeURIComponent(route.runId)}` : '';
  if (route.graphId) return `#/graphs/${encodeURIComponent(route.graphId)}${run}`;
  return run ? `#${run}` : '';
}

export const sameRoute = (a: Route, b: Route): boolean => a.graphId === b.graphId && a.runId === b.runId && !a.series === !b.series && a.series?.id === b.series?.id;

/** The route in its one shape: no empty fields; a series route names nothing else. */
function normalRoute(route: Route): Route {
  if (route.series) return { series: route.series.id ? { id: route.series.id } : {} };
  return { ...(route.graphId ? { graphId: route.graphId } : {}), ...(route.runId ? { runId: route.runId } : {}) };
}

type Listener = () => void;
const listeners = new Set<Listener>();
const browserListeners = new Set<(route: Route) => void>();

let route: Route = typeof window === 'undefined' ? {} : parseRoute(window.location.hash);
/** The hash `route` was read from: hashchange and popstate both fire for one change; the second is ignored. */
let seenHash = typeof window === 'undefined' ? '' : window.location.hash;

function emit(): void {
  for (const listener of listeners) listener();
}

function onBrowserChange(): void {
  if (window.location.hash === seenHash) return;
  seenHash = window.location.hash;
  const next = parseRoute(seenHash);
  if (sameRoute(next, route)) return;
  route = next;
  emit();
  for (const listener of browserListeners) listener(route);
}

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', onBrowserChange);
  window.addEventListener('hashchange', onBrowserChange);
}

/** The route in the address bar now. */
export function currentRoute(): Route {
  return route;
}

/**
 * Puts `next` in the address bar (a new history entry, or with `replace` the
 * current one). Does nothing when it is already there.
 */
export function navigate(next: Route, options: { replace?: boolean } = {}): void {
  const normal = normalRoute(next);
  if (sameRoute(normal, route)) return;
  route = normal;
  const url = new URL(window.location.href);
  url.hash = formatRoute(normal);
  // An empty hash would leave a bare "#": drop it from the address instead.
  const href = url.hash ? url.toString() : url.toString().replace(/#$/, '');
  if (options.replace) window.history.replaceState(window.history.state, '', href);
  else window.history.pushState(null, '', href);
  seenHash = window.location.hash;
  emit();
}

/** Called with the new route when the browser changes it (back, forward, an edited address). */
export function onBrowserRoute(listener: (route: Route) => void): () => void {
  browserListeners.add(listener);
  return () => browserListeners.delete(listener);
}

function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The current route; re-renders when it changes. */
export function useRoute(): Route {
  return useSyncExternalStore(subscribe, currentRoute, currentRoute);
}
