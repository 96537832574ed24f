/**
 * A unit as a BullMQ job: what the job carries, what it returns, and the
 * processor workers run. A node's failure is a *result* (the orchestrator
 * owns retries and fallback, exactly as in embedded mode); a job fails in
 * BullMQ's sense only when its worker or sandbox died under it.
 */
import type { Job } from 'bullmq';
import { CancelledError, PermanentError, ReelgraphError, serializeError, type SerializedError } from '../contract/errors.js';
import type { ReelgraphEvent } from '../contract/events.js';
import type { CredentialsLookup, NodeOutputs, NodeType } from '../contract/node.js';
import type { SecretBox } from '../credentials/vault.js';
import type { NodeRegistry } from '../contract/registry.js';
import { executeUnit, type UnitRequest, type UnitServices } from '../engine/unit.js';

/**
 * A unit plus the credentials its node type declares, sealed (AES-256-GCM,
 * REELGRAPH_SECRET_KEY) by the orchestrator, which owns the credential vault:
 * workers on other machines have no database. `offline` means the run uses
 * no credentials at all (fallbacks reach the offline providers).
 */
export interface UnitJobData extends UnitRequest {
  sealedCredentials?: string;
  offline?: boolean;
}

/** Associated data of sealed credentials: they open only for the unit they were sealed for. */
export function credentialsAad(request: Pick<UnitRequest, 'runId' | 'nodeId'>): string {
  return `credentials:${request.runId}:${request.nodeId}`;
}

/**
 * The credentials a job runs with: the ones it carries first, then the
 * worker's environment. Throws when the job carries sealed credentials
 * this worker has no key for.
 */
export function jobCredentials(data: UnitJobData, workerCredentials: CredentialsLookup, box: SecretBox | undefined): CredentialsLookup {
  if (data.offline) return { get: async () => undefined };
  if (!data.sealedCredentials) return workerCredentials;
  if (!box) {
    throw new PermanentError(`the unit carries credentials sealed with REELGRAPH_SECRET_KEY, and worker ${workerLabel()} has no REELGRAPH_SECRET_KEY; give every worker the orchestrator's key`, {
      location: { nodeId: data.nodeId },
    });
  }
  const carried = JSON.parse(box.open(data.sealedCredentials, credentialsAad(data))) as Record<string, Record<string, string>>;
  return { get: async (name) => carried[name] ?? (await workerCredentials.get(name)) };
}

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
      ...(serialized.details ? { details: serialized.details } : {}),
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
  baseServices: UnitServices,
  signal: AbortSignal,
  box?: SecretBox,
): Promise<UnitJobResult> {
  const { sealedCredentials: _sealed, offline: _offline, ...request } = job.data;
  const worker = workerLabel();
  let services: UnitServices;
  try {
    services = { ...baseServices, credentials: jobCredentials(job.data, baseServices.credentials, box) };
  } catch (error) {
    return { ok: false, worker, error: serializeError(error) };
  }
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
