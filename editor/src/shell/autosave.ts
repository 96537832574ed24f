/**
 * Unsaved work survives a reload, a crash or a closed tab: while the open
 * document has unsaved changes it is kept in localStorage (one slot per
 * stored graph id, and one for the graph never saved), and when that graph
 * is opened again with a kept draft that differs from it, the shell offers
 * to restore it (RestoreBanner.tsx).
 *
 * A slot is cleared when its document is clean again (saved, or undone to
 * the saved state) or when the user discards the draft. While a restore is
 * offered for a slot, that slot is not written: the offered draft stays
 * until the user chooses.
 */
import { create } from 'zustand';
import type { GraphDocument } from '../../../runtime/contract/index.js';
import { useGraphStore, type DocumentMeta, type GraphState } from '../state/graph-store.js';
import { notify } from '../state/toast-store.js';

export const UNSAVED_SLOT = 'unsaved';
const KEY_PREFIX = 'reelgraph.draft.';
/** A burst of edits (a drag, typing) is written once it pauses. */
const WRITE_DELAY_MS = 400;

export interface Draft {
  doc: GraphDocument;
  /** The stored graph it edits; absent for a graph never saved. */
  graphId?: string;
  /** The stored version the edits started from. */
  baseVersion?: number;
  savedAt: number;
}

export const slotOf = (meta: Pick<DocumentMeta, 'id'>): string => meta.id ?? UNSAVED_SLOT;
const keyOf = (slot: string): string => `${KEY_PREFIX}${slot}`;

function isDraft(value: unknown): value is Draft {
  if (typeof value !== 'object' || value === null) return false;
  const draft = value as Partial<Draft>;
  return typeof draft.savedAt === 'number' && typeof draft.doc === 'object' && draft.doc !== null && Array.isArray(draft.doc.nodes) && Array.isArray(draft.doc.edges);
}

export function readDraft(slot: string): Draft | undefined {
  try {
    const text = localStorage.getItem(keyOf(slot));
    if (!text) return undefined;
    const parsed: unknown = JSON.parse(text);
    return isDraft(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

let quotaWarned = false;

function writeDraft(slot: string, draft: Draft): void {
  try {
    localStorage.setItem(keyOf(slot), JSON.stringify(draft));
  } catch (error) {
    // Full storage (or storage disabled): say so once; the beforeunload prompt still guards the tab.
    if (!quotaWarned) notify('warning', `Unsaved changes cannot be kept in this browser (${error instanceof Error ? error.message : String(error)}): save to keep them.`);
    quotaWarned = true;
  }
}

let pending: { slot: string; draft: Draft } | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;

function flush(): void {
  if (timer) clearTimeout(timer);
  timer = undefined;
  const write = pending;
  pending = undefined;
  if (write) writeDraft(write.slot, write.draft);
}

function schedule(slot: string, draft: Draft): void {
  if (pending && pending.slot !== slot) flush();
  pending = { slot, draft };
  if (timer) clearTimeout(timer);
  timer = setTimeout(flush, WRITE_DELAY_MS);
}

/** Drops a slot's kept draft (and a write still pending for it). */
export function forgetDraft(slot: string): void {
  if (pending?.slot === slot) {
    pending = undefined;
    if (timer) clearTimeout(timer);
    timer = undefined;
  }
  try {
    localStorage.removeItem(keyOf(slot));
  } catch {
    // Storage disabled: nothing was kept.
  }
  const offer = useRestoreOffer.getState().offer;
  if (offer?.slot === slot) useRestoreOffer.setState({ offer: null });
}

// ─── the restore offer ─────────────────────────────────────────────────────

export interface RestoreOffer {
  slot: string;
  draft: Draft;
}

export const useRestoreOffer = create<{ offer: RestoreOffer | null }>()(() => ({ offer: null }));

const sameDocument = (a: GraphDocument, b: GraphDocument): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * Looks for a kept draft of the open (clean) document and offers it; a draft
 * equal to what is open is just dropped. Called whenever a graph is opened.
 */
export function checkForDraft(state: Pick<GraphState, 'doc' | 'meta'> = useGraphStore.getState()): void {
  const slot = slotOf(state.meta);
  const current = useRestoreOffer.getState().offer;
  if (state.meta.dirty) {
    if (current) useRestoreOffer.setState({ offer: null });
    return;
  }
  const draft = readDraft(slot);
  if (!draft || sameDocument(draft.doc, state.doc)) {
    if (draft) forgetDraft(slot);
    if (current) useRestoreOffer.setState({ offer: null });
    return;
  }
  useRestoreOffer.setState({ offer: { slot, draft } });
}

/** Opens the offered draft over the open graph (an undo step: Undo returns to the stored version). */
export function restoreDraft(): void {
  const offer = useRestoreOffer.getState().offer;
  if (!offer) return;
  useRestoreOffer.setState({ offer: null });
  const { draft } = offer;
  useGraphStore
    .getState()
    .setDocument(draft.doc, { ...(draft.graphId ? { id: draft.graphId } : {}), ...(draft.baseVersion !== undefined ? { version: draft.baseVersion } : {}), dirty: true }, { record: true });
}

export function discardDraft(): void {
  const offer = useRestoreOffer.getState().offer;
  if (offer) forgetDraft(offer.slot);
}

// ─── keeping drafts ────────────────────────────────────────────────────────

/**
 * Follows the graph store and keeps the open document's draft while it is
 * dirty. Returns the unsubscribe function.
 */
export function startAutosave(): () => void {
  let last = useGraphStore.getState();
  const unsubscribe = useGraphStore.subscribe((state) => {
    if (state.doc === last.doc && state.meta === last.meta && state.loadCount === last.loadCount) return;
    const loaded = state.loadCount !== last.loadCount;
    const previousSlot = slotOf(last.meta);
    const replacedDirty = loaded && last.meta.dirty;
    last = state;
    const slot = slotOf(state.meta);
    // Opening another graph over unsaved changes was confirmed ("Discard changes"): their draft goes too.
    // (An import is an undo step: undoing it makes them dirty, and kept, again.)
    if (replacedDirty) forgetDraft(previousSlot);
    if (loaded) checkForDraft(state);
    else if (useRestoreOffer.getState().offer && useRestoreOffer.getState().offer?.slot !== slot) useRestoreOffer.setState({ offer: null });
    if (useRestoreOffer.getState().offer?.slot === slot) return;
    if (state.meta.dirty) {
      schedule(slot, {
        doc: state.doc,
        ...(state.meta.id ? { graphId: state.meta.id } : {}),
        ...(state.meta.version !== undefined ? { baseVersion: state.meta.version } : {}),
        savedAt: Date.now(),
      });
    } else if (!loaded) {
      // Clean again (saved, or undone to the saved state); a first save also ends the unsaved slot.
      forgetDraft(slot);
      if (previousSlot !== slot) forgetDraft(previousSlot);
    }
  });
  window.addEventListener('pagehide', flush);
  window.addEventListener('beforeunload', flush);
  return () => {
    unsubscribe();
    flush();
    window.removeEventListener('pagehide', flush);
    window.removeEventListener('beforeunload', flush);
  };
}
