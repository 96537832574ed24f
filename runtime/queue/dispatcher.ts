/**
 * Queue mode, orchestrator side: each unit becomes a BullMQ job on the queue
 * of its resource class, and the run waits for the job's result. The run
 * itself (demand, items, cache, retries, fallback, events) stays in the
 * orchestrator's RunExecution, unchanged, so queue mode keeps embedded
 * semantics by construction.
 *
 * Results arrive as QueueEvents; a slow poll of every pending job's state
 * backs them up, because a Redis stream read can miss events across a
 * reconnect, and a missed completion must never hang a run.
 *
 * Redis may lose jobs (a restart without persistence, a failover): the
 * orchestrator owns the run, so a job found missing is added again under the
 * same id (ids derive from run, node, item and attempt, so this never makes
 * a second unit), a bounded number of times. A worker still running the lost
 * copy cannot complete it (its lock is gone with the job); the copy added
 * again runs instead, and the content-addressed artifact store makes the
 * repeat harmless. On every reconnection the poll runs at once and the
 * cluster-wide concurrency caps, which lived in Redis, are set again.
 */
import { Job, Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { CancelledError, TransientError } from '../contract/errors.js';
import type { ReelgraphEvent } from '../contract/events.js';
import { resourceClasses, type CredentialsLookup, type NodeOutputs, type NodeType, type ResourceClass } from '../contract/node.js';
import type { UnitDispatcher, UnitHooks, UnitRequest } from '../engine/unit.js';
import { cancelChannel, jobPriority, queueName, unitJobId, type QueueConfig } from './names.js';
import { reconnectingOptions, settlesWithin } from './connection.js';
import { LostJobError } from './errors.js';
import { credentialsAad, settleResult, type UnitJobData, type UnitJobResult } from './unit-job.js';
import { SecretBox } from '../credentials/vault.js';
import type { NodeRegistry } from '../contract/registry.js';

/** Finished jobs are kept this long, so an orchestrator resuming after a restart finds their results. */
const KEEP_FINISHED_S = 24 * 3600;
const POLL_INTERVAL_MS = 5_000;
const POLL_BATCH = 100;
/** A poll still unanswered after this long is abandoned for a fresh one. */
const POLL_DEADLINE_MS = 20_000;
/** How many times one job may be lost by Redis and added again before its unit fails with LostJobError. */
export const MAX_LOST_JOB_REQUEUES = 5;
/** Closing: queues and event readers get this long to close cleanly before their connections are cut. */
const CLOSE_DEADLINE_MS = 5_000;
/** Starting waits this long for Redis before saying that it waits. */
const WAITING_FOR_REDIS_NOTICE_MS = 2_000;
/** A unit queued this long with no worker connected to its queue is reported to its run (workers may still be starting before that). */
export const UNSERVED_NOTICE_MS = 10_000;
/** A metrics scrape waits this long for queue depths; a Redis that does not answer leaves them out. */
const DEPTHS_DEADLINE_MS = 3_000;
/** While Redis is unreachable, connection errors are logged once per this long, not once per attempt of each connection. */
const CONNECTION_ERROR_LOG_EVERY_MS = 10_000;

interface Pending {
  request: UnitRequest;
  hooks: UnitHooks;
  resource: ResourceClass;
  /** What was added, to add it again if Redis loses it. */
  data: UnitJobData;
  started: boolean;
  /** When the first add returned (ms since the epoch): before that, a job missing from Redis is not lost, just not there yet. */
  addedAt?: number;
  /** Times the job was lost and added again. */
  requeues: number;
  /** A re-add under way: concurrent checks that also find the job missing do not count it twice. */
  requeueing: boolean;
  /** The run was told that no worker serves this unit's queue. */
  toldUnserved?: boolean;
  resolve(outputs: NodeOutputs): void;
  reject(error: unknown): void;
}

export interface QueueDispatcherOptions {
  config: QueueConfig;
  logger: Logger;
  /** To find the credentials each node type declares. */
  registry: NodeRegistry<NodeType>;
  /** The orchestrator's lookup (the vault, then its environment); values travel sealed with `secretKey`. */
  credentials: CredentialsLookup;
  /** REELGRAPH_SECRET_KEY. Without it no credentials travel, and workers use their own environment. */
  secretKey?: Buffer;
  /** Units use no credentials at all (`reelgraph demo`). */
  offline?: boolean;
  /** Sees every unit's outputs (e.g. to index the artifacts workers stored). */
  onOutputs?: (outputs: NodeOutputs) => Promise<void>;
  /** Cluster-wide caps per resource class (BullMQ global concurrency); unset classes are limited only by each worker's concurrency. */
  globalConcurrency?: Partial<Record<ResourceClass, number>>;
}

export class QueueDispatcher implements UnitDispatcher {
  private readonly connection: Redis;
  private readonly queues = new Map<ResourceClass, Queue<UnitJobData, UnitJobResult>>();
  private readonly events = new Map<ResourceClass, QueueEvents>();
  private readonly pending = new Map<string, Pending>();
  private readonly poller: NodeJS.Timeout;
  private ready: Promise<void> | undefined;
  private closed = false;
  /** A poll still running when the next is due is not doubled. */
  private polling = false;
  /** A poll was asked for while one ran. */
  private pollAgain = false;
  private readonly box: SecretBox | undefined;
  private lastConnectionErrorLog = 0;
  private suppressedConnectionErrors = 0;

  constructor(private readonly options: QueueDispatcherOptions) {
    const { config } = options;
    this.box = options.secretKey ? new SecretBox(options.secretKey) : undefined;
    this.connection = new Redis(config.redisUrl, reconnectingOptions(() => this.closed));
    this.connection.on('error', (error) => this.connectionError(error, { connection: 'commands' }));
    // Every `ready` after the first is a reconnection, possibly to a Redis that lost everything.
    let connectedBefore = false;
    this.connection.on('ready', () => {
      if (connectedBefore) void this.reconnected();
      connectedBefore = true;
    });
    for (const resource of resourceClasses) {
      const name = queueName(resource);
      const queue = new Queue<UnitJobData, UnitJobResult>(name, { connection: this.connection, prefix: config.prefix });
      queue.on('error', (error) => this.connectionError(error, { queue: name }));
      this.queues.set(resource, queue);
    }
    this.poller = setInterval(() => void this.poll(), POLL_INTERVAL_MS);
    this.poller.unref();
  }

  /** Subscribes to job events (lazily: a CLI run that never dispatches opens no blocking connections). */
  private start(): Promise<void> {
    this.ready ??= (async () => {
      const { config, logger } = this.options;
      // Commands wait for Redis rather than fail: say what the run is waiting for (host only: the URL may hold a password).
      const waiting = setTimeout(() => logger.warn({ redis: redisHost(config.redisUrl) }, 'waiting for Redis before units can be queued'), WAITING_FOR_REDIS_NOTICE_MS);
      try {
        await this.openEvents();
      } finally {
        clearTimeout(waiting);
      }
      await this.applyGlobalConcurrency();
    })();
    // A failed start (closed meanwhile) is tried again by the next dispatch rather than remembered.
    this.ready.catch(() => {
      this.ready = undefined;
    });
    return this.ready;
  }

  /** One QueueEvents reader per queue: job results, progress and starts as they happen. */
  private async openEvents(): Promise<void> {
    const { config } = this.options;
    for (const resource of resourceClasses) {
      const events = new QueueEvents(queueName(resource), { connection: { url: config.redisUrl, ...reconnectingOptions(() => this.closed) }, prefix: config.prefix });
      events.on('error', (error) => this.connectionError(error, { events: resource }));
      events.on('active', ({ jobId }) => this.markStarted(jobId));
      events.on('progress', ({ jobId, data }) => this.pending.get(jobId)?.hooks.emit(data as unknown as ReelgraphEvent));
      events.on('completed', ({ jobId, returnvalue }) => this.settle(jobId, returnvalue as unknown as UnitJobResult));
      events.on('failed', ({ jobId, failedReason }) => this.fail(jobId, failedReason));
      this.events.set(resource, events);
      await events.waitUntilReady();
    }
  }

  /**
   * Redis errors: a connection for commands and one per queue's events, all
   * retrying every couple of seconds, would bury the log during an outage, so repeats within
   * CONNECTION_ERROR_LOG_EVERY_MS are counted and reported with the next one.
   */
  private connectionError(error: Error, source: Record<string, string>): void {
    const now = Date.now();
    if (now - this.lastConnectionErrorLog < CONNECTION_ERROR_LOG_EVERY_MS) {
      this.suppressedConnectionErrors += 1;
      return;
    }
    this.options.logger.warn({ err: error, ...source, similarErrorsSinceLast: this.suppressedConnectionErrors }, 'redis error');
    this.lastConnectionErrorLog = now;
    this.suppressedConnectionErrors = 0;
  }

  private async applyGlobalConcurrency(): Promise<void> {
    for (const [resource, limit] of Object.entries(this.options.globalConcurrency ?? {})) {
      if (limit) await this.queue(resource as ResourceClass).setGlobalConcurrency(limit);
    }
  }

  /** Back from a disconnection: what Redis lost (caps, jobs) is restored now rather than at the next poll. */
  private async reconnected(): Promise<void> {
    if (this.closed) return;
    this.options.logger.info({ pending: this.pending.size }, 'redis reconnected: checking pending units');
    try {
      if (this.ready) await this.applyGlobalConcurrency();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'could not set the global concurrency again');
    }
    await this.poll();
  }

  async dispatch(request: UnitRequest, hooks: UnitHooks): Promise<NodeOutputs> {
    if (hooks.signal.aborted) throw new CancelledError();
    if (this.closed) throw new CancelledError('the orchestrator is shutting down');
    // Starting waits for Redis (it may be down, or not there at all): a cancelled run does not wait with it.
    await untilAborted(this.start(), hooks.signal);
    const jobId = unitJobId(request);
    const data = await this.jobData(request);
    if (hooks.signal.aborted) throw new CancelledError();
    const result = new Promise<NodeOutputs>((resolve, reject) => {
      this.pending.set(jobId, { request, hooks, resource: request.resource, data, started: false, requeues: 0, requeueing: false, resolve, reject });
    });
    // Settled by events that may come before dispatch awaits it.
    result.catch(() => {});
    const onAbort = (): void => void this.cancelJob(jobId, request.resource);
    hooks.signal.addEventListener('abort', onAbort, { once: true });
    try {
      // An existing id (a resumed run) is not added again: its state is checked below instead.
      // Raced with the result: while Redis is down the add waits, and a cancelled unit must not wait with it.
      const added = this.add(jobId, request, data).then(async () => {
        const entry = this.pending.get(jobId);
        if (entry) entry.addedAt = Date.now();
        await this.check(jobId);
      });
      await Promise.race([added, result]);
      const outputs = await result;
      await this.options.onOutputs?.(outputs);
      return outputs;
    } catch (error) {
      this.pending.delete(jobId);
      throw error;
    } finally {
      hooks.signal.removeEventListener('abort', onAbort);
    }
  }

  private async add(jobId: string, request: UnitRequest, data: UnitJobData): Promise<void> {
    await this.queue(request.resource).add(request.nodeType, data, {
      jobId,
      priority: jobPriority[request.priority],
      attempts: 1,
      removeOnComplete: { age: KEEP_FINISHED_S },
      removeOnFail: { age: KEEP_FINISHED_S },
    });
  }

  /** The job: the unit, plus the credentials its node type declares, sealed for it. */
  private async jobData(request: UnitRequest): Promise<UnitJobData> {
    if (this.options.offline) return { ...request, offline: true };
    if (!this.box) return request;
    const specs = this.options.registry.get(request.nodeType, request.typeVersion)?.credentials ?? [];
    const found: Record<string, Record<string, string>> = {};
    for (const spec of specs) {
      const fields = await this.options.credentials.get(spec.name);
      if (fields) found[spec.name] = fields;
    }
    if (Object.keys(found).length === 0) return request;
    return { ...request, sealedCredentials: this.box.seal(JSON.stringify(found), credentialsAad(request)) };
  }

  /** Job counts per queue, for metrics. */
  async depths(): Promise<Array<{ queue: string; waiting: number; active: number; delayed: number; failed: number }>> {
    type Depth = { queue: string; waiting: number; active: number; delayed: number; failed: number };
    let depths: Depth[] = [];
    const reading = Promise.all(
      [...this.queues.values()].map(async (queue) => {
        const counts = await queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed');
        return { queue: queue.name, waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0), active: counts.active ?? 0, delayed: counts.delayed ?? 0, failed: counts.failed ?? 0 };
      }),
    ).then(
      (read) => void (depths = read),
      (error: unknown) => this.options.logger.warn({ err: error }, 'queue depths: Redis failed'),
    );
    // Commands wait for a reconnection (maxRetriesPerRequest: null): a scrape during an outage must not wait with them.
    if (!(await settlesWithin(reading, DEPTHS_DEADLINE_MS))) this.options.logger.warn({ deadlineMs: DEPTHS_DEADLINE_MS }, 'queue depths: Redis did not answer in time');
    return depths;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.poller);
    for (const [jobId, entry] of this.pending) {
      this.pending.delete(jobId);
      entry.reject(new CancelledError('the orchestrator is shutting down'));
    }
    // Bounded: closing while Redis is down can wait forever (a QueueEvents close awaits an `end` that a
    // reconnecting ioredis never emits). Past the deadline the connections are cut; `closed` already stops
    // their reconnection attempts, so nothing is left to keep the process alive.
    const closing = Promise.allSettled([...[...this.events.values()].map((events) => events.close()), ...[...this.queues.values()].map((queue) => queue.close())]);
    if (!(await settlesWithin(closing, CLOSE_DEADLINE_MS))) {
      this.options.logger.warn({ deadlineMs: CLOSE_DEADLINE_MS }, 'queue connections did not close in time: disconnecting them');
      for (const events of this.events.values()) void events.disconnect().catch(() => {});
    }
    this.connection.disconnect();
  }

  private queue(resource: ResourceClass): Queue<UnitJobData, UnitJobResult> {
    return this.queues.get(resource) as Queue<UnitJobData, UnitJobResult>;
  }

  private markStarted(jobId: string): void {
    const entry = this.pending.get(jobId);
    if (!entry || entry.started) return;
    entry.started = true;
    entry.hooks.onStart();
  }

  private settle(jobId: string, result: UnitJobResult | null | undefined): void {
    const entry = this.pending.get(jobId);
    if (!entry) return;
    if (typeof result !== 'object' || result === null || typeof result.ok !== 'boolean') {
      this.fail(jobId, 'the job finished without a unit result');
      return;
    }
    this.pending.delete(jobId);
    // A unit answered from a finished job (resumed run, lost events) never reported a start.
    if (!entry.started) entry.hooks.onStart();
    try {
      entry.resolve(settleResult(result));
    } catch (error) {
      entry.reject(error);
    }
  }

  /** BullMQ failed the job: its worker or sandbox died more often than the stall limit allows. Retryable. */
  private fail(jobId: string, reason: string): void {
    const entry = this.pending.get(jobId);
    if (!entry) return;
    this.pending.delete(jobId);
    if (!entry.started) entry.hooks.onStart();
    entry.reject(new TransientError(`worker failed while running the unit: ${reason}`, { location: { nodeId: entry.request.nodeId, ...(entry.request.item ? { item: entry.request.item.index } : {}) } }));
  }

  /** Reads one job's state and settles it when it has finished (or vanished). */
  private async check(jobId: string): Promise<void> {
    const entry = this.pending.get(jobId);
    if (entry?.addedAt === undefined) return;
    const queue = this.queue(entry.resource);
    // State first, then the job: read the other way round, a job finishing in between looks finished without a result.
    const state = await queue.getJobState(jobId);
    if (state === 'active') this.markStarted(jobId);
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return;
    const job = await Job.fromId<UnitJobData, UnitJobResult>(queue, jobId);
    if (!job) {
      if (!entry.hooks.signal.aborted) await this.requeueLost(jobId, entry);
    } else if (state === 'completed') this.settle(jobId, job.returnvalue);
    else if (state === 'failed') this.fail(jobId, job.failedReason);
  }

  /** Redis lost the job (restarted empty, failed over): added again under its id, up to MAX_LOST_JOB_REQUEUES times. */
  private async requeueLost(jobId: string, entry: Pending): Promise<void> {
    if (entry.requeueing || this.closed) return;
    const location = { nodeId: entry.request.nodeId, ...(entry.request.item ? { item: entry.request.item.index } : {}) };
    if (entry.requeues >= MAX_LOST_JOB_REQUEUES) {
      this.pending.delete(jobId);
      if (!entry.started) entry.hooks.onStart();
      entry.reject(new LostJobError(jobId, entry.requeues, location));
      return;
    }
    entry.requeueing = true;
    entry.requeues += 1;
    this.options.logger.warn({ jobId, runId: entry.request.runId, ...location, requeues: entry.requeues }, 'redis lost a unit job: adding it again');
    try {
      await this.add(jobId, entry.request, entry.data);
    } finally {
      entry.requeueing = false;
    }
  }

  /**
   * Checks every pending job. A poll asked for while one runs (a reconnection
   * during a periodic poll that may have read the Redis from before) runs
   * right after it; a poll stuck past POLL_DEADLINE_MS (a reply lost with a
   * connection) is abandoned, so it cannot block every later poll.
   */
  private async poll(): Promise<void> {
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    try {
      do {
        this.pollAgain = false;
        // Redis is away: checks would only pile up behind the reconnection, which polls by itself.
        if (this.connection.status !== 'ready') break;
        if (!(await settlesWithin(this.checkAll(), POLL_DEADLINE_MS))) {
          this.options.logger.warn({ deadlineMs: POLL_DEADLINE_MS }, 'checking pending jobs took too long: checking again');
          this.pollAgain = true;
        }
      } while (this.pollAgain && !this.closed);
    } finally {
      this.polling = false;
    }
  }

  private async checkAll(): Promise<void> {
    const ids = [...this.pending.keys()];
    // In batches: thousands of pending items stay a few round trips per batch, not one long queue of them.
    for (let from = 0; from < ids.length; from += POLL_BATCH) {
      await Promise.all(
        ids.slice(from, from + POLL_BATCH).map((jobId) =>
          this.check(jobId).catch((error: unknown) => this.options.logger.warn({ err: error, jobId }, 'could not check a job')),
        ),
      );
    }
    await this.tellUnserved().catch((error: unknown) => this.options.logger.warn({ err: error }, 'could not count the workers of a queue'));
  }

  /**
   * Units that have waited in a queue no worker serves (a worker started with a `--queues` list that leaves their
   * class out, or none at all) are reported once each to their run, as a warning naming the class: otherwise the run
   * would wait without a word.
   */
  private async tellUnserved(): Promise<void> {
    const due = Date.now() - UNSERVED_NOTICE_MS;
    const waiting = [...this.pending.values()].filter((entry) => !entry.started && !entry.toldUnserved && entry.addedAt !== undefined && entry.addedAt <= due);
    for (const resource of new Set(waiting.map((entry) => entry.resource))) {
      if ((await this.queue(resource).getWorkersCount()) > 0) continue;
      const message = `no worker serves the "${resource}" queue: this unit waits until one does (start one with reelgraph worker, whose --queues must include ${resource})`;
      this.options.logger.warn({ queue: resource }, 'units wait in a queue no worker serves');
      for (const entry of waiting.filter((candidate) => candidate.resource === resource)) {
        entry.toldUnserved = true;
        const { runId, nodeId, item } = entry.request;
        entry.hooks.emit({ type: 'log', runId, at: Date.now(), nodeId, ...(item ? { index: item.index } : {}), level: 'warn', message, data: { queue: resource } });
      }
    }
  }

  /**
   * The unit is given up at once, as in embedded mode; then a waiting job is
   * removed, and a running one is stopped by its worker (told over pub/sub).
   */
  private async cancelJob(jobId: string, resource: ResourceClass): Promise<void> {
    const entry = this.pending.get(jobId);
    this.pending.delete(jobId);
    entry?.reject(new CancelledError());
    try {
      const job = await Job.fromId(this.queue(resource), jobId);
      const state = job ? await job.getState() : 'unknown';
      if (job && (state === 'waiting' || state === 'prioritized' || state === 'delayed')) await job.remove();
      else if (state === 'active') await this.connection.publish(cancelChannel(this.options.config), JSON.stringify({ jobId }));
    } catch (error) {
      // Removing races with a worker taking the job: tell the workers instead.
      await this.connection.publish(cancelChannel(this.options.config), JSON.stringify({ jobId })).catch(() => {});
      this.options.logger.debug({ err: error, jobId }, 'cancel fell back to notifying workers');
    }
  }
}

/** `work`, or a CancelledError as soon as `signal` aborts, whichever comes first. */
async function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new CancelledError());
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

function redisHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the configured Redis';
  }
}
