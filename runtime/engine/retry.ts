/**
 * Retry timing: exponential backoff with "equal jitter" (half fixed, half
 * random, so retries spread out but never collapse to zero), raised to a
 * provider's Retry-After hint when one came with the error.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { CancelledError, retryAfterOf } from '../contract/errors.js';
import type { RetryPolicy } from '../contract/node.js';

export const defaultRetryPolicy: RetryPolicy = { retries: 0, backoffMs: 500, maxBackoffMs: 30_000 };

/** Delay before attempt `failedAttempt + 1`. */
export function backoffDelay(policy: RetryPolicy, failedAttempt: number, error: unknown, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (failedAttempt - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.round(Math.max(jittered, retryAfterOf(error) ?? 0));
}

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const sleep: Sleep = async (ms, signal) => {
  try {
    await delay(ms, undefined, { signal });
  } catch (error) {
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledError();
    throw error;
  }
};
