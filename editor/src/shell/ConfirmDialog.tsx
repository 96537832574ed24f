/**
 * The editor's confirmation dialog: an accessible modal (alertdialog, focus
 * kept inside, Escape cancels, focus returns where it was) instead of
 * `window.confirm`, which a browser may suppress and a test cannot see.
 *
 *   if (!(await confirmDiscard('Import "shorts.json"'))) return;
 *   if (!(await confirmAction({ title: 'Delete "episode"?', … }))) return;
 *
 * One question at a time: asking while one is open answers the open one
 * "no" first (the newer request is what the user did last).
 */
import { useRef, type KeyboardEvent } from 'react';
import { create } from 'zustand';
import { useGraphStore } from '../state/graph-store.js';
import { useModalFocus } from './modal-focus.js';

export interface ConfirmRequest {
  title: string;
  message: string;
  /** The confirming button's label, e.g. "Discard and import". */
  confirmLabel: string;
  cancelLabel?: string;
  /** A destructive action: the confirming button is red and Cancel has the focus. */
  danger?: boolean;
}

interface ConfirmState {
  request: (ConfirmRequest & { answer(ok: boolean): void }) | null;
}

const useConfirmStore = create<ConfirmState>()(() => ({ request: null }));

/** Whether a confirmation is showing (keyboard shortcuts stand aside meanwhile). */
export const confirmOpen = (): boolean => useConfirmStore.getState().request !== null;

/** Asks; resolves true when the user confirms, false on Cancel, Escape or a click outside. */
export function confirmAction(request: ConfirmRequest): Promise<boolean> {
  useConfirmStore.getState().request?.answer(false);
  return new Promise<boolean>((resolve) => {
    const answer = (ok: boolean): void => {
      if (useConfirmStore.getState().request?.answer === answer) useConfirmStore.setState({ request: null });
      resolve(ok);
    };
    useConfirmStore.setState({ request: { ...request, answer } });
  });
}

/**
 * Before `what` replaces the open document: true at once when it has no
 * unsaved changes, else the user's answer.
 */
export function confirmDiscard(what: string): Promise<boolean> {
  const { meta, doc } = useGraphStore.getState();
  if (!meta.dirty) return Promise.resolve(true);
  const name = doc.name?.trim() || 'The open graph';
  return confirmAction({
    title: 'Discard unsaved changes?',
    message: `"${name}" has changes that are not saved. ${what} replaces them${meta.id ? ` (the stored graph "${meta.id}" keeps its last saved version)` : ''}.`,
    confirmLabel: 'Discard changes',
    danger: true,
  });
}

export function ConfirmDialog() {
  const request = useConfirmStore((state) => state.request);
  const box = useRef<HTMLDivElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const okButton = useRef<HTMLButtonElement>(null);

  // Focus the safe choice while open; give the focus back afterwards.
  useModalFocus(request, request?.danger ? cancelButton : okButton);

  if (!request) return null;

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    // Keys pressed here are the dialog's: the editor's shortcuts must not see them.
    event.stopPropagation();
    if (event.key === 'Escape') {
      event.preventDefault();
      request.answer(false);
      return;
    }
    if (event.key !== 'Tab') return;
    const focusable = Array.from(box.current?.querySelectorAll<HTMLElement>('button:not([disabled])') ?? []);
    if (focusable.length === 0) return;
    const index = focusable.indexOf(document.activeElement as HTMLElement);
    const next = event.shiftKey ? (index <= 0 ? focusable.length - 1 : index - 1) : index === focusable.length - 1 ? 0 : index + 1;
    event.preventDefault();
    focusable[next]?.focus();
  };

  return (
    <div className="rg-modal rg-confirm-backdrop" onMouseDown={(event) => event.target === event.currentTarget && request.answer(false)} onKeyDown={onKeyDown}>
      <div
        ref={box}
        className="rg-modal__box rg-confirm"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="rg-confirm-title"
        aria-describedby="rg-confirm-message"
        data-testid="confirm-dialog"
      >
        <header className="rg-modal__head">
          <h2 id="rg-confirm-title">{request.title}</h2>
        </header>
        <p id="rg-confirm-message" className="rg-confirm__message">
          {request.message}
        </p>
        <footer className="rg-modal__foot">
          <button ref={cancelButton} type="button" className="rg-button" onClick={() => request.answer(false)} data-testid="confirm-cancel">
            {request.cancelLabel ?? 'Cancel'}
          </button>
          <button
            ref={okButton}
            type="button"
            className={`rg-button ${request.danger ? 'rg-button--danger' : 'rg-button--primary'}`}
            onClick={() => request.answer(true)}
            data-testid="confirm-ok"
          >
            {request.confirmLabel}
          </button>
        </footer>
      </div>
    </div>
  );
}
