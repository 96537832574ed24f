/** A short-lived message over the canvas: refused connections, load errors. */
import { useEffect } from 'react';

export type ToastMessage = { id: number; kind: 'info' | 'error'; text: string };

export function Toast({ message, onDone }: { message: ToastMessage | null; onDone: () => void }) {
  useEffect(() => {
    if (!message) return;
    const timer = setTimeout(onDone, message.kind === 'error' ? 6000 : 3500);
    return () => clearTimeout(timer);
  }, [message, onDone]);
  if (!message) return null;
  return (
    <div key={message.id} className={`rg-toast rg-toast--${message.kind}`} role={message.kind === 'error' ? 'alert' : 'status'} onClick={onDone}>
      {message.text}
    </div>
  );
}
