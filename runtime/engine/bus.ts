import type { ReelgraphEvent } from '../contract/events.js';

export type EventListener = (event: ReelgraphEvent) => void;

/** Synchronous fan-out of run events. A failing listener is reported once and never breaks a run. */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly onListenerError: (error: unknown) => void = (error) => console.error('event listener failed:', error)) {}

  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ReelgraphEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
