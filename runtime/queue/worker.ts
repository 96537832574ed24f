/**
 * Queue mode, worker side: BullMQ workers that take units from the queues of
 * the resource classes this process serves. Workers hold no run state; any
 * number of them on any number of machines can serve the same queues.
 *
 * CPU-heavy classes (canvas drawing, ffmpeg orchestration) run in sandboxed
 * child processes, so a long synchronous stretch cannot starve the event loop
 * that renews the job's lock; a sandbox that crashes fails only its job.
 * Sandboxes start under a parent-death signal and watch their parent, so a
 * worker killed outright takes them (and what they started) along.
 * Network-bound classes run in this process, where thousands of waiting
 * requests cost nothing.
 */
import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ResourceClass } from '../contract/node.js';
import { forkDyingWithParent } from '../process/parent-death.js';
import { reconnectingOptions } from './connection.js';
import { cancelChannel, queueName, type QueueConfig } from './names.js';
import type { UnitJobData, UnitJobResult } from './unit-job.js';

export interface QueueServing {
  resource: ResourceClass;
  concurrency: number;
  sandboxed: boolean;
}

export interface UnitWorkerOptions {
  config: QueueConfig;
  serve: QueueServing[];
  /** Processor for in-process classes. */
  process(job: Job<UnitJobData, UnitJobResult>, signal: AbortSignal): Promise<UnitJobResult>;
  /** Module whose default export processes a job in a sandboxed child process. */
  sandboxFile: string;
  /** Node flags for sandboxed children (e.g. a TypeScript loader). */
  sandboxExecArgv?: string[];
  logger: Logger;
}

export interface UnitWorkers {
  /** Waits for jobs in progress to finish, then disconnects. */
  close(): Promise<void>;
  /** Jobs in progress in this process. */
  active(): number;
}

export async function startUnitWorkers(options: UnitWorkerOptions): Promise<UnitWorkers> {
  const { config, logger } = options;
  const workers: Worker<UnitJobData, UnitJobResult>[] = [];
  let active = 0;
  let closing = false;
  // A restarted Redis is back in use within seconds (BullMQ's default backs off to 20 s), and closing ends reconnection.
  const connection = { url: config.redisUrl, ...reconnectingOptions(() => closing) };
  for (const serving of options.serve) {
    const name = queueName(serving.resource);
    const processor = serving.sandboxed ? options.sandboxFile : (job: Job<UnitJobData, UnitJobResult>, _token?: string, signal?: AbortSignal) => options.process(job, signal ?? new AbortController().signal);
    const worker = new Worker<UnitJobData, UnitJobResult>(name, processor, {
      connection,
      prefix: config.prefix,
      concurrency: serving.concurrency,
      lockDuration: config.lockDurationMs,
      stalledInterval: config.stalledIntervalMs,
      maxStalledCount: config.maxStalledCount,
      ...(serving.sandboxed ? { workerForkOptions: { ...forkDyingWithParent(options.sandboxExecArgv ?? process.execArgv), env: process.env } } : {}),
    });
    worker.on('error', (error) => logger.warn({ err: error, queue: name }, 'worker error'));
    // A lock BullMQ could not renew is gone: the unit is (or will be) re-delivered, and this copy's result
    // can no longer be recorded. Stop it, so it does not compete with its next holder for CPU and providers.
    worker.on('lockRenewalFailed', (jobIds) => {
      for (const jobId of jobIds) if (worker.cancelJob(jobId, 'lost its lock')) logger.warn({ jobId, queue: name }, 'unit lost its lock: stopped');
    });
    worker.on('active', (job) => {
      active += 1;
      logger.debug({ jobId: job.id, runId: job.data.runId, nodeId: job.data.nodeId, item: job.data.item?.index }, 'unit started');
    });
    worker.on('completed', (job, result) => {
      active -= 1;
      logger.debug({ jobId: job.id, runId: job.data.runId, nodeId: job.data.nodeId, ok: result.ok }, 'unit finished');
    });
    worker.on('failed', (job, error) => {
      active -= 1;
      logger.warn({ err: error, jobId: job?.id, runId: job?.data.runId, nodeId: job?.data.nodeId }, 'unit job failed');
    });
    workers.push(worker);
  }
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));

  // Cancellation reaches the worker holding the job; every worker hears it.
  const subscriber = new Redis(config.redisUrl, reconnectingOptions(() => closing));
  subscriber.on('error', (error) => logger.warn({ err: error }, 'cancel subscriber error'));
  await subscriber.subscribe(cancelChannel(config));
  subscriber.on('message', (_channel, message) => {
    let jobId: unknown;
    try {
      jobId = (JSON.parse(message) as { jobId?: unknown }).jobId;
    } catch {
      return;
    }
    if (typeof jobId !== 'string') return;
    for (const worker of workers) if (worker.cancelJob(jobId, 'run cancelled')) logger.info({ jobId }, 'unit cancelled');
  });

  return {
    active: () => active,
    close: async () => {
      closing = true;
      subscriber.disconnect();
      await Promise.all(workers.map((worker) => worker.close()));
    },
  };
}
