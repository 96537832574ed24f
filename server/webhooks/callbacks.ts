/**
 * Completion callbacks: when a webhook-started run ends, POST
 * `{runId, status, outputs, error}` to the webhook's callback URL, signed like
 * a delivery. Each attempt has a timeout; failures are retried with doubling
 * backoff, then logged. Nothing here can crash the server.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { checkCallbackTarget } from './callback-target.js';
import { signedHeaders } from './signing.js';

export interface CallbackOptions {
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  /** Callbacks may reach private and loopback addresses (see callback-target.ts). */
  allowPrivate: boolean;
}

export class CallbackSender {
  private readonly closing = new AbortController();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly options: CallbackOptions,
    private readonly logger: Logger,
  ) {}

  /** Sends in the background; resolves true once delivered (a 2xx), false after the last failed attempt. */
  send(url: string, secret: string, payload: Record<string, unknown>): Promise<boolean> {
    const runId = payload.runId;
    const body = JSON.stringify(payload);
    const delivered = this.deliver(url, secret, body, runId).catch((error: unknown) => {
      this.logger.error({ err: error, runId }, 'completion callback failed');
      return false;
    });
    const tracked = delivered.then(() => undefined);
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
    return delivered;
  }

  /** Whether close() was called: a callback cut short by it is still owed. */
  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /** Stops retrying and waits for attempts in flight to end. */
  async close(): Promise<void> {
    this.closing.abort();
    await Promise.allSettled([...this.pending]);
  }

  private async deliver(url: string, secret: string, body: string, runId: unknown): Promise<boolean> {
    const { timeoutMs, retries, backoffMs } = this.options;
    try {
      // Again at delivery: the name may resolve elsewhere now than when the webhook was saved.
      await checkCallbackTarget(url, this.options.allowPrivate);
    } catch (error) {
      this.logger.error({ runId, reason: error instanceof Error ? error.message : String(error) }, 'completion callback refused');
      return false;
    }
    for (let attempt = 1; attempt <= retries + 1; attempt++) {
      if (this.closing.signal.aborted) return false;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'User-Agent': 'reelgraph-webhooks', ...signedHeaders(secret, body) },
          body,
          signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.closing.signal]),
          redirect: 'error',
        });
        await response.body?.cancel();
        if (response.ok) {
          this.logger.info({ runId, attempt, status: response.status }, 'completion callback delivered');
          return true;
        }
        this.logger.warn({ runId, attempt, status: response.status }, 'completion callback refused');
      } catch (error) {
        this.logger.warn({ runId, attempt, err: error }, 'completion callback attempt failed');
      }
      if (attempt <= retries) {
        await sleep(backoffMs * 2 ** (attempt - 1), undefined, { signal: this.closing.signal }).catch(() => undefined);
      }
    }
    this.logger.error({ runId, attempts: retries + 1 }, 'completion callback gave up');
    return false;
  }
}
