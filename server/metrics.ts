/**
 * GET /metrics: Prometheus text from RuntimeMetrics (runtime/observability),
 * fed by the engine's event bus, with queue depths when units run on queues.
 */
import type { EventBus } from '../runtime/engine/bus.js';
import { RuntimeMetrics, type QueueSource } from '../runtime/observability/metrics.js';

export interface MetricsMount {
  metrics?: Pick<RuntimeMetrics, 'metricsText' | 'contentType'>;
  close(): void;
}

/** `dispatcher`: the engine's unit dispatcher; a queue dispatcher reports its queues' depths. */
export function createMetrics(bus: EventBus, dispatcher: unknown): MetricsMount {
  const metrics = new RuntimeMetrics({ bus });
  const queued = dispatcher as { depths?: QueueSource } | undefined;
  if (typeof queued?.depths === 'function') metrics.setQueueSource(() => (queued.depths as QueueSource).call(queued));
  return { metrics, close: () => metrics.close() };
}
