/**
 * Retry timing: exponential backoff with "equal jitter" (half fixed, half
 * random, so retries spread out but never collapse to zero), raised to a
 * provider's Retry-After hint when one came with the error.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { CancelledError, ReelgraphError, retryAfterOf, TransientError } from '../contract/errors.js';
import type { ErrorLocation } from '../contract/errors.js';
import { DEFAULT_MAX_RETRY_DELAY_MS } from '../contract/node.js';
import type { RetryPolicy } from '../contract/node.js';

export const defaultRetryPolicy: Required<RetryPolicy> = { retries: 0, backoffMs: 500, maxBackoffMs: 30_000, maxRetryDelayMs: DEFAULT_MAX_RETRY_DELAY_MS };

/** Delay before attempt `failedAttempt + 1`. */
export function backoffDelay(policy: RetryPolicy, failedAttempt: number, error: unknown, random: () => number = Math.random): number {
  const exponential = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (failedAttempt - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.round(Math.max(jittered, retryAfterOf(error) ?? 0));
}

/**
 * A provider asked to wait longer than the node accepts (`maxRetryDelayMs`):
 * the failure to report at once instead of sleeping, still transient (the
 * provider will answer later, just not in time for this run), so a fallback
 * moves on. It names the provider's stated wait, since that is what an
 * operator needs to judge the limit. Undefined when waiting is fine.
 */
export function retryWaitBeyondLimit(policy: RetryPolicy, error: unknown, location: ErrorLocation): TransientError | undefined {
  const askedMs = retryAfterOf(error);
  const limitMs = policy.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;
  if (askedMs === undefined || askedMs <= limitMs) return undefined;
  const reason = error instanceof Error ? error.message : String(error);
  const where = location.nodeId ? `node "${location.nodeId}"` : 'this node';
  return new TransientError(`${reason}: the provider asked to wait ${formatSeconds(askedMs)} (Retry-After), more than ${where}'s ${formatSeconds(limitMs)} limit (settings.maxRetryDelayMs), so it fails now instead of waiting`, {
    cause: error,
    retryAfterMs: askedMs,
    location: { ...(error instanceof ReelgraphError ? error.location : {}), ...location },
  });
}

function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
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
