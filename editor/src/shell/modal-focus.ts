/**
 * A modal dialog's hold on the keyboard focus, written once for every dialog:
 * while it is open the focus is on `target`, and when it closes the focus
 * goes back to whatever had it before (the button that opened it), as the
 * WAI-ARIA dialog pattern asks.
 */
import { useEffect, type RefObject } from 'react';

/**
 * `open`: what the dialog shows, falsy when closed; a new value while open is
 * a new opening (a confirmation replacing another). `onEscape`: Escape
 * anywhere in the window closes it (dialogs that handle their own keys
 * leave it out).
 */
export function useModalFocus(open: unknown, target: RefObject<HTMLElement | null>, onEscape?: () => void): void {
  useEffect(() => {
    if (!open) return;
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    target.current?.focus();
    const onKey = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') onEscape?.();
    };
    if (onEscape) window.addEventListener('keydown', onKey);
    return () => {
      if (onEscape) window.removeEventListener('keydown', onKey);
      previous?.focus({ preventScroll: true });
    };
    // The target and the closing action are fixed for a dialog; only its opening counts.
  }, [open]);
}
