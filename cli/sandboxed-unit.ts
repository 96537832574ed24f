/**
 * The processor BullMQ runs in a sandboxed child process for CPU-heavy
 * resource classes. The child builds its services once, from the same
 * environment as its parent worker, and reuses them for every job it runs.
 */
import type { SandboxedJob } from 'bullmq';
import { processUnitJob, type UnitJobData, type UnitJobResult } from '../runtime/queue/unit-job.js';
import { createWorkerServices, type WorkerServices } from './worker-services.js';

let services: Promise<WorkerServices> | undefined;

export default async function processSandboxedUnit(job: SandboxedJob<UnitJobData, UnitJobResult>, _token?: string, signal?: AbortSignal): Promise<UnitJobResult> {
  services ??= createWorkerServices();
  const { registry, services: unitServices, box } = await services;
  return processUnitJob(job, registry, unitServices, signal ?? new AbortController().signal, box);
}
