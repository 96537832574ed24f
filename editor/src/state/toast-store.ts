/**
 * Toasts: short messages over the canvas (refused connections, saves, load
 * errors). Any panel may call `notify(kind, text)`; the last message also
 * shows in the status line.
 *
 * Toasts do not pile up: each has a topic, and a new message on a topic
 * replaces the one on screen (counting repeats of the same text). Notes
 * (info, success) share one topic — only the latest confirmation matters,
 * and the status line keeps it; a warning or error is its own topic, so
 * different problems stay visible together and the same one shows once
 * ("×3"). A caller may name a topic, e.g. the live connection's state.
 */
import { create } from 'zustand';

export type ToastKind = 'info' | 'success' | 'warning' | 'error';
export interface ToastMessage {
  id: number;
  kind: ToastKind;
  text: string;
  topic: string;
  /** How many times this text was said in a row on this topic. */
  count: number;
  /** Buttons in the toast (a pin change's "Undo", a regenerated item's "Run now"); such a toast stays longer. */
  actions?: ToastAction[];
}

export interface ToastAction {
  label: string;
  run(): void;
}

export interface ToastOptions {
  /** Messages on the same topic replace each other. */
  topic?: string;
  actions?: ToastAction[];
}

interface ToastState {
  toasts: ToastMessage[];
  /** The latest message, kept for the status line after its toast is gone. */
  status: { kind: ToastKind; text: string } | null;
  notify(kind: ToastKind, text: string, options?: ToastOptions): number;
  dismiss(id: number): void;
}

let nextId = 0;
const MAX_VISIBLE = 4;

/** The topic of a message without an explicit one. */
export function defaultTopic(kind: ToastKind, text: string): string {
  return kind === 'info' || kind === 'success' ? 'note' : `${kind}:${text}`;
}

/** The toasts after `message` arrives: it replaces the toast on its topic, newest last, at most MAX_VISIBLE. */
export function withToast(toasts: readonly ToastMessage[], message: Omit<ToastMessage, 'count' | 'id'>, id: number): ToastMessage[] {
  const previous = toasts.find((toast) => toast.topic === message.topic);
  const count = previous && previous.text === message.text && previous.kind === message.kind ? previous.count + 1 : 1;
  const rest = toasts.filter((toast) => toast.topic !== message.topic);
  return [...rest, { ...message, id: previous?.id ?? id, count }].slice(-MAX_VISIBLE);
}

export const useToastStore = create<ToastState>()((set, get) => ({
  toasts: [],
  status: null,
  notify(kind, text, options = {}) {
    nextId += 1;
    const toasts = withToast(get().toasts, { kind, text, topic: options.topic ?? defaultTopic(kind, text), ...(options.actions && options.actions.length > 0 ? { actions: options.actions } : {}) }, nextId);
    set({ toasts, status: { kind, text } });
    return toasts[toasts.length - 1]?.id ?? nextId;
  },
  dismiss(id) {
    set({ toasts: get().toasts.filter((toast) => toast.id !== id) });
  },
}));

export const notify = (kind: ToastKind, text: string, options?: ToastOptions): number => useToastStore.getState().notify(kind, text, options);
