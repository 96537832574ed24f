/**
 * One asynchronous provider job (submit → poll → fetch the result) under one
 * overall deadline. Every request of the job runs on `job.signal`, which
 * aborts on cancellation or at the deadline, so nothing outlives either.
 *
 * Retries here are for the steps after submission: once a task exists it is
 * paid for, and giving up on a 503 while polling would make the engine submit
 * (and bill) it again. Submission errors are left to the engine's retry
 * policy, which honours Retry-After the same way.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { DEFAULT_MAX_RETRY_DELAY_MS, ReelgraphError, TimeoutError, type NodeLogger } from '../../../runtime/contract/index.js';

/** Poll intervals grow by this factor after each unfinished answer… */
const POLL_BACKOFF = 1.5;
/** …up to this multiple of the configured interval. */
const MAX_POLL_STRETCH = 4;
/** Waits between retries never exceed this, whatever the backoff says (Retry-After may ask for more, up to the engine's limit). */
const MAX_RETRY_DELAY_MS = 30_000;
/** Consecutive failed polls tolerated before the job gives up (the deadline usually comes first). */
const POLL_ATTEMPTS = 8;
/** Cancelling runs after the job's own signal is spent, so it gets a short deadline of its own. */
const CANCEL_TIMEOUT_MS = 5_000;
/** Share of a unit's progress bar that the provider's own work fills; downloading and conforming take the rest. */
const GENERATION_SHARE = 0.85;

export interface JobOptions {
  /** Names provider and scene in every message, e.g. `runway: scene "s2"`. */
  label: string;
  timeoutMs: number;
  /** The node's signal: cancellation of the run or item. */
  signal: AbortSignal;
  progress(fraction: number, message?: string): void;
  log: NodeLogger;
}

export type PollStep<T> = { done: true; value: T } | { done: false; status: string; fraction?: number };

export class Job {
  readonly label: string;
  /** Aborted on cancellation (with the node's reason) or at the deadline (with a TimeoutError). */
  readonly signal: AbortSignal;
  private readonly deadline = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private status = 'not submitted';

  constructor(private readonly options: JobOptions) {
    this.label = options.label;
    this.signal = AbortSignal.any([options.signal, this.deadline.signal]);
    this.timer = setTimeout(() => {
      const seconds = Math.round(options.timeoutMs / 100) / 10;
      this.deadline.abort(new TimeoutError(`${options.label}: not finished within ${seconds} s (last status: ${this.status}); raise timeoutSeconds to wait longer`, { location: { param: '/timeoutSeconds' } }));
    }, options.timeoutMs);
  }

  get log(): NodeLogger {
    return this.options.log;
  }

  /** Records the provider's status (it names the stall in a timeout) and reports progress: `fraction` is of the provider's work. */
  report(status: string, fraction?: number): void {
    this.status = status;
    if (fraction !== undefined) this.options.progress(GENERATION_SHARE * fraction, status);
  }

  async sleep(ms: number): Promise<void> {
    try {
      await delay(ms, undefined, { signal: this.signal });
    } catch (error) {
      throw this.signal.aborted ? this.signal.reason : error;
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

/** Failures worth another try inside the job: typed as retryable (429, 5xx, network, a request's own timeout). */
function retryable(error: unknown): error is ReelgraphError {
  return error instanceof ReelgraphError && error.retryable;
}

/**
 * Runs `operation`, retrying retryable failures up to `attempts` times with
 * exponential backoff from `delayMs`, never sooner than a Retry-After asks.
 */
export async function withRetries<T>(job: Job, operation: () => Promise<T>, options: { attempts: number; delayMs: number }): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (error) {
      if (job.signal.aborted) throw job.signal.reason;
      if (!retryable(error) || attempt >= options.attempts) throw error;
      // A provider asking to wait longer than the engine's limit is not waited for here: the error leaves the node with
      // its stated wait, and the engine fails the unit at once (see maxRetryDelayMs), so a fallback can take over.
      if ((error.retryAfterMs ?? 0) > DEFAULT_MAX_RETRY_DELAY_MS) throw error;
      const backoff = Math.min(MAX_RETRY_DELAY_MS, options.delayMs * 2 ** (attempt - 1));
      const wait = Math.max(backoff, error.retryAfterMs ?? 0);
      job.log.warn(`${error.message}; retrying in ${wait} ms (attempt ${attempt + 1} of ${options.attempts})`);
      await job.sleep(wait);
    }
  }
}

/**
 * Polls until `poll` says done. The interval stretches while the provider
 * keeps answering "not yet" and resets to the base for retries of failed polls.
 */
export async function pollUntilDone<T>(job: Job, intervalMs: number, poll: () => Promise<PollStep<T>>): Promise<T> {
  let interval = intervalMs;
  for (;;) {
    const step = await withRetries(job, poll, { attempts: POLL_ATTEMPTS, delayMs: intervalMs });
    if (step.done) return step.value;
    job.report(step.status, step.fraction);
    await job.sleep(interval);
    interval = Math.min(interval * POLL_BACKOFF, intervalMs * MAX_POLL_STRETCH);
  }
}

/**
 * Runs the part of a job after submission; if the run is cancelled or the
 * deadline passes meanwhile, asks the provider to cancel the task (best
 * effort).
 */
export async function cancelOnAbort<T>(job: Job, cancel: (signal: AbortSignal) => Promise<unknown>, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (job.signal.aborted) {
      await cancel(AbortSignal.timeout(CANCEL_TIMEOUT_MS)).catch((cancelError: unknown) =>
        job.log.warn(`${job.label}: could not cancel the task: ${cancelError instanceof Error ? cancelError.message : String(cancelError)}`),
      );
    }
    throw error;
  }
}
