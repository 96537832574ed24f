/**
 * A unit as a BullMQ job: what the job carries, what it returns, and the
 * processor workers run. A node's failure is a *result* (the orchestrator
 * owns retries and fallback, exactly as in embedded mode); a job fails in
 * BullMQ's sense only when its worker or sandbox died under it.
 */
import type { Job } from 'bullmq';
import { CancelledError, ReelgraphError, serializeError, type SerializedError } from '../contract/errors.js';
import type { ReelgraphEvent } from '../contract/events.js';
import type { NodeOutputs, NodeType } from '../contract/node.js';
import type { NodeRegistry } from '../contract/registry.js';
import { executeUnit, type UnitRequest, type UnitServices } from '../engine/unit.js';

export type UnitJobData = UnitRequest;

export type UnitJobResult =
  | { ok: true; outputs: NodeOutputs; worker: string }
  | { ok: false; error: SerializedError; retryAfterMs?: number; worker: string };

/** Progress, log and usage events travel as job progress updates. */
export type UnitJobProgress = ReelgraphEvent;

/** An error that happened on a worker, with its original code, location and retry advice. */
export class RemoteUnitError extends ReelgraphError {
  constructor(serialized: SerializedError, retryAfterMs?: number) {
    super(serialized.code, serialized.message, {
      retryable: serialized.retryable ?? true,
      ...(serialized.location ? { location: serialized.location } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
    this.name = serialized.name;
  }
}

/** Turns a job result back into outputs, or the error the node threw. */
export function settleResult(result: UnitJobResult): NodeOutputs {
  if (result.ok) return result.outputs;
  if (result.error.code === 'CANCELLED') throw new CancelledError(result.error.message);
  throw new RemoteUnitError(result.error, result.retryAfterMs);
}

export function workerLabel(): string {
  return `${process.env.HOSTNAME ?? 'local'}:${process.pid}`;
}

/** The processor: runs one unit with this process's services. */
export async function processUnitJob(
  job: Pick<Job<UnitJobData>, 'data' | 'updateProgress'>,
  registry: NodeRegistry<NodeType>,
  services: UnitServices,
  signal: AbortSignal,
): Promise<UnitJobResult> {
  const request = job.data;
  const worker = workerLabel();
  const type = registry.get(request.nodeType, request.typeVersion);
  if (!type) {
    return {
      ok: false,
      worker,
      error: {
        name: 'UnknownNodeTypeError',
        code: 'UNKNOWN_NODE_TYPE',
        // A worker from an older release, or one missing a node package: another worker may know it.
        message: `worker ${worker} does not know node type ${request.nodeType}@${request.typeVersion}`,
        retryable: true,
        location: { nodeId: request.nodeId },
      },
    };
  }
  const emit = (event: ReelgraphEvent): void => {
    job.updateProgress(event as unknown as object).catch((error: unknown) => services.logger.warn({ err: error, runId: request.runId }, 'could not forward a unit event'));
  };
  try {
    const outputs = await executeUnit(type, request, services, signal, emit);
    return { ok: true, outputs, worker };
  } catch (error) {
    const serialized = serializeError(signal.aborted ? new CancelledError() : error);
    const retryAfterMs = error instanceof ReelgraphError ? error.retryAfterMs : undefined;
    return { ok: false, worker, error: serialized, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  }
}
