/**
 * The processor BullMQ runs in a sandboxed child process for CPU-heavy
 * resource classes. The child builds its services once, from the same
 * environment as its parent worker, and reuses them for every job it runs.
 */
import type { SandboxedJob } from 'bullmq';
import { exitWithParent } from '../runtime/process/parent-death.js';
import { WORKER_INSTANCE_ENV, parseWorkerInstance } from '../runtime/process/leftovers.js';
import { processUnitJob, type UnitJobData, type UnitJobResult } from '../runtime/queue/unit-job.js';
import { createWorkerServices, type WorkerServices } from './worker-services.js';

// BullMQ's child keeps running its job after the worker dies (its Redis
// connections keep it alive), rendering for nobody: leave with the worker,
// taking ffmpeg and the rest of this process's descendants along. The worker
// names itself in the environment, which also catches a worker that died
// before this module loaded.
exitWithParent({ parentPid: parseWorkerInstance(process.env[WORKER_INSTANCE_ENV])?.pid });

let services: Promise<WorkerServices> | undefined;

export default async function processSandboxedUnit(job: SandboxedJob<UnitJobData, UnitJobResult>, _token?: string, signal?: AbortSignal): Promise<UnitJobResult> {
  services ??= createWorkerServices();
  const { registry, services: unitServices, box } = await services;
  return processUnitJob(job, registry, unitServices, signal ?? new AbortController().signal, box);
}
