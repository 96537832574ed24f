/**
 * Opening, replacing and saving the editor's document — the one place that
 * keeps the graph store, the URL (routing.ts) and the unsaved-work guard
 * (ConfirmDialog.tsx) in step. Every way of replacing the open graph (the
 * graph list, a template, New, Import, restore of a version, back/forward)
 * comes through here, asks before dropping unsaved changes, and leaves the
 * address bar naming what is open.
 */
import { isVariant, type GraphDocument } from '../../../runtime/contract/index.js';
import { ApiError, type ApiClient, type StoredGraph } from '../api/client.js';
import { saveCurrentGraph } from '../graphs/save.js';
import { unsavedRunIds } from '../runs/run-store.js';
import { useGraphStore } from '../state/graph-store.js';
import { forgetDraft, UNSAVED_SLOT } from './autosave.js';
import { confirmDiscard } from './ConfirmDialog.js';
import { currentRoute, navigate } from './routing.js';

/** How opening changes the address bar: a new history entry, the current one, or not at all. */
export type RouteUpdate = 'push' | 'replace' | 'none';

export interface OpenOptions {
  route?: RouteUpdate;
  /** Make the switch an undo step (imports): Undo brings back the document it replaced. */
  record?: boolean;
}

/** The document a stored graph opens as: a variant as its resolved graph. */
export function documentOf(stored: StoredGraph): GraphDocument {
  const doc = stored.resolved ?? (isVariant(stored.doc) ? undefined : stored.doc);
  if (!doc) throw new Error(`graph "${stored.id}" is a variant that cannot be resolved (is its template still stored?)`);
  return doc;
}

/** Opens a stored graph version (no question asked: callers ask first) and names it in the URL. */
export function openStored(stored: StoredGraph, options: OpenOptions = {}): void {
  const doc = documentOf(stored);
  // The URL first: the store's id then already matches it (route-sync.ts follows id changes with a replace).
  routeTo({ graphId: stored.id }, options.route ?? 'push');
  useGraphStore.getState().setDocument(doc, { id: stored.id, version: stored.version }, options.record ? { record: true } : {});
}

/** Opens a document that is not stored (an imported file) as unsaved changes; an undo step. */
export function openUnsaved(doc: GraphDocument, options: { route?: RouteUpdate } = {}): void {
  routeTo({}, options.route ?? 'push');
  useGraphStore.getState().setDocument(doc, { dirty: true }, { record: true });
}

function routeTo(route: { graphId?: string }, update: RouteUpdate): void {
  if (update !== 'none') navigate(route, { replace: update === 'replace' });
}

/** Why a stored graph could not be opened, in words for a toast. */
export function openFailure(id: string, error: unknown): string {
  if (error instanceof ApiError && error.status === 404) return `There is no stored graph "${id}" (deleted, or a mistyped link): the editor opened an empty graph instead.`;
  return `Could not open "${id}": ${error instanceof Error ? error.message : String(error)}`;
}

/**
 * Opens stored graph `id` after asking about unsaved changes (`what` says
 * what the question is about). Resolves false when the user kept the open
 * graph; rejects when the graph cannot be loaded.
 */
export async function openGraph(api: Pick<ApiClient, 'getGraph'>, id: string, options: OpenOptions & { what?: string } = {}): Promise<boolean> {
  if (!(await confirmDiscard(options.what ?? `Opening "${id}"`))) return false;
  openStored(await api.getGraph(id), options);
  return true;
}

/** A new, empty graph (after asking about unsaved changes). */
export async function newGraph(options: { route?: RouteUpdate } = {}): Promise<boolean> {
  if (!(await confirmDiscard('A new graph'))) return false;
  routeTo({}, options.route ?? 'push');
  useGraphStore.getState().newDocument();
  return true;
}

/**
 * Saves the open graph (a new version, or the first one). The first save
 * brings along the runs started from the unsaved document and moves the URL
 * to the new id (replacing the entry: Back should not return to "unsaved").
 */
export async function saveOpenGraph(api: ApiClient, message?: string, options: { id?: string } = {}): Promise<StoredGraph> {
  const wasNew = !useGraphStore.getState().meta.id;
  const adoptRuns = wasNew ? unsavedRunIds() : [];
  const saved = await saveCurrentGraph(api, useGraphStore, message, { ...(options.id ? { id: options.id } : {}), ...(adoptRuns.length > 0 ? { adoptRuns } : {}) });
  if (wasNew) {
    forgetDraft(UNSAVED_SLOT);
    // A run shown from the unsaved graph (#/runs/<id>) is now one of the stored graph's runs.
    navigate({ graphId: saved.id, ...(currentRoute().runId ? { runId: currentRoute().runId } : {}) }, { replace: true });
  }
  return saved;
}
