/**
 * Provider rate limits, enforced across every item of every run that shares
 * a limiter: in one process (embedded mode) or, with a Redis-backed
 * implementation, across all workers (queue mode). The limits themselves are
 * data owned by the node family that calls the provider.
 */

export interface RateLimits {
  /** Requests started in any rolling minute. */
  requestsPerMinute?: number;
  /** Units (e.g. characters) consumed per UTC day; beyond it requests fail, they do not wait a day. */
  unitsPerDay?: number;
  /** Requests in flight at once. */
  concurrency?: number;
}

export interface RateLimitRequest {
  /** Which budget: usually the provider id (plus account, when keys differ). */
  key: string;
  limits: RateLimits;
  /** Units this request consumes (characters of text for speech). */
  units?: number;
  signal: AbortSignal;
}

export interface RateLimiter {
  /** Wait for a slot; resolves with a release function for the concurrency slot. Rejects when the daily budget is spent. */
  acquire(request: RateLimitRequest): Promise<() => void>;
}
