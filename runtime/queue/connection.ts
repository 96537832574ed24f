/** Checking that a Redis answers before relying on it (tests, benches, startup messages). */
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
