/**
 * Toasts: short messages over the canvas (refused connections, saves, load
 * errors). Any panel may call `notify(kind, text)`; the last message also
 * shows in the status line.
 */
import { create } from 'zustand';

export type ToastKind = 'info' | 'success' | 'warning' | 'error';
export interface ToastMessage {
  id: number;
  kind: ToastKind;
  text: string;
}

interface ToastState {
  toasts: ToastMessage[];
  /** The latest message, kept for the status line after its toast is gone. */
  status: { kind: ToastKind; text: string } | null;
  notify(kind: ToastKind, text: string): number;
  dismiss(id: number): void;
}

let nextId = 0;
const MAX_VISIBLE = 4;

export const useToastStore = create<ToastState>()((set, get) => ({
  toasts: [],
  status: null,
  notify(kind, text) {
    nextId += 1;
    const toast = { id: nextId, kind, text };
    set({ toasts: [...get().toasts, toast].slice(-MAX_VISIBLE), status: { kind, text } });
    return toast.id;
  },
  dismiss(id) {
    set({ toasts: get().toasts.filter((toast) => toast.id !== id) });
  },
}));

export const notify = (kind: ToastKind, text: string): number => useToastStore.getState().notify(kind, text);
