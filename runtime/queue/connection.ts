/** Redis connections of queue mode: checking one answers, and reconnecting that stops when its owner closes. */
import { Redis } from 'ioredis';

/** Resolves true when Redis at `url` answers PING within `timeoutMs`. Never throws. */
export async function redisReachable(url: string, timeoutMs = 2_000): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Longest wait between reconnection attempts: a restarted Redis is back in use within about this long. */
export const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * Options for a connection that outlives Redis restarts: commands wait for
 * the reconnection instead of failing (`maxRetriesPerRequest: null`, as
 * BullMQ requires), and attempts come at most `MAX_RECONNECT_DELAY_MS`
 * apart (BullMQ's default backs off to 20 s).
 *
 * Reconnecting stops once `closing()` says so: ioredis' `disconnect()`
 * while it waits to reconnect only clears its timer and never emits `end`,
 * so a close awaiting `end` (BullMQ's QueueEvents) would hang, and an
 * attempt already under way would keep the process alive. Refusing the next
 * attempt ends the connection for good, which settles every waiting command.
 */
export function reconnectingOptions(closing: () => boolean): { maxRetriesPerRequest: null; connectTimeout: number; retryStrategy: (attempt: number) => number | null } {
  return {
    maxRetriesPerRequest: null,
    connectTimeout: 10_000,
    retryStrategy: (attempt) => (closing() ? null : Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS)),
  };
}

/**
 * Waits for `work` at most `deadlineMs`; resolves true when it settled in
 * time. Never rejects: shutdown goes on whatever one step did.
 */
export async function settlesWithin(work: Promise<unknown>, deadlineMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), deadlineMs);
  });
  try {
    return await Promise.race([work.then(() => true, () => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}
