/**
 * Whether the Series dialog is open and on which series, kept in step with
 * the address (`#/series`, `#/series/<id>`; shell/routing.ts) so a reload or
 * a shared link reopens a season's board and Back closes it.
 *
 * What the user does in the dialog (open it on a series, go back to the
 * list, close it) goes through `openSeries`, `showSeriesList` and
 * `closeSeries`, which also set the address; a route the browser brings
 * (load, Back, an edited address) is applied by shell/route-sync.ts with
 * `showSeriesRoute`, which only sets the dialog.
 */
import { create } from 'zustand';
import { currentRoute, navigate, type Route } from '../shell/routing.js';
import { useGraphStore } from '../state/graph-store.js';

interface SeriesUi {
  open: boolean;
  /** The series whose board is shown; none: the list. */
  seriesId?: string;
}

export const useSeriesUi = create<SeriesUi>()(() => ({ open: false }));

/** Where closing the dialog returns: the route it was opened from (a graph, a run), when the user opened it. */
let returnTo: Route | undefined;

/** The open graph's route, for a dialog the page was loaded on. */
const documentRoute = (): Route => {
  const id = useGraphStore.getState().meta.id;
  return id ? { graphId: id } : {};
};

const show = (seriesId: string | undefined): void => useSeriesUi.setState({ open: true, seriesId });

/** Opens the dialog on a series' board (without one: on the list), and puts it in the address. */
export function openSeries(seriesId?: string): void {
  if (!currentRoute().series) returnTo = currentRoute();
  show(seriesId);
  navigate({ series: seriesId ? { id: seriesId } : {} });
}

/** From a board back to every series. */
export const showSeriesList = (): void => openSeries(undefined);

/** Closes the dialog and puts back the route it was opened from. */
export function closeSeries(): void {
  useSeriesUi.setState({ open: false });
  const back = returnTo ?? documentRoute();
  returnTo = undefined;
  if (currentRoute().series) navigate(back);
}

/** The dialog as a route from the browser says: open on its series (or list), or closed when the route is not a series route. */
export function showSeriesRoute(route: Route): void {
  if (route.series) show(route.series.id);
  else if (useSeriesUi.getState().open) {
    returnTo = undefined;
    useSeriesUi.setState({ open: false });
  }
}
