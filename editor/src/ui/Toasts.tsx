/** The toasts over the canvas (one per topic, see toast-store.ts); errors stay longer, a click dismisses. */
import { useEffect } from 'react';
import { useToastStore, type ToastMessage } from '../state/toast-store.js';

function ToastItem({ toast }: { toast: ToastMessage }) {
  const dismiss = useToastStore((state) => state.dismiss);
  useEffect(() => {
    // Errors and toasts with a button stay long enough to read and click.
    const timer = setTimeout(() => dismiss(toast.id), toast.kind === 'error' || toast.actions ? 7000 : 3500);
    return () => clearTimeout(timer);
  }, [toast, dismiss]);
  return (
    <div
      className={`rg-toast rg-toast--${toast.kind}`}
      data-testid="toast"
      data-kind={toast.kind}
      data-topic={toast.topic}
      data-count={toast.count}
      role={toast.kind === 'error' ? 'alert' : 'status'}
      onClick={() => dismiss(toast.id)}
    >
      {toast.text}
      {toast.count > 1 ? <span className="rg-toast__count"> ×{toast.count}</span> : null}
      {toast.actions?.map((action) => (
        <button
          key={action.label}
          type="button"
          className="rg-toast__action"
          data-testid={`toast-action-${action.label.toLowerCase().replace(/\s+/g, '-')}`}
          onClick={(event) => {
            event.stopPropagation();
            action.run();
            dismiss(toast.id);
          }}
        >
          {action.label}
        </button>
      ))}
    </div>
  );
}

export function Toasts() {
  const toasts = useToastStore((state) => state.toasts);
  if (toasts.length === 0) return null;
  return (
    <div className="rg-toasts">
      {toasts.map((toast) => (
        <ToastItem key={toast.id} toast={toast} />
      ))}
    </div>
  );
}
