/** Queue mode's own failures, each a typed error carrying where it happened. */
import { ReelgraphError, type ErrorLocation } from '../contract/errors.js';

/**
 * Redis kept losing a unit's job (restarted without persistence, failed
 * over, evicted keys): it was added again `requeues` times and lost again.
 * Retryable: the next attempt is a new job, and Redis may have settled.
 */
export class LostJobError extends ReelgraphError {
  constructor(
    readonly jobId: string,
    readonly requeues: number,
    location: ErrorLocation,
  ) {
    super(
      'QUEUE_JOB_LOST',
      `Redis lost the unit's job ${jobId} ${requeues + 1} times (it was added again after each loss); ` +
        'Redis is restarting or evicting keys: give it persistence (appendonly yes) and maxmemory-policy noeviction',
      { location, retryable: true },
    );
  }
}
