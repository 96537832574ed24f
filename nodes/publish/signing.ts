/**
 * The signature the server's webhooks use (server/webhooks/signing.ts),
 * for what publish.webhook sends: `X-Reelgraph-Signature: sha256=<hex
 * HMAC-SHA256(secret, timestamp + "." + body)>` with `X-Reelgraph-Timestamp:
 * <unix seconds>`. A copy because a node type may not import the server; the
 * webhook test verifies these signatures with the server's own verifier, so
 * the two cannot drift apart unnoticed.
 */
import { createHmac } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-Reelgraph-Timestamp';
export const SIGNATURE_HEADER = 'X-Reelgraph-Signature';

export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body, 'utf8').digest('hex')}`;
}

/** Headers for a body signed now: each attempt is signed afresh, so a retry is never stale. */
export function signedHeaders(secret: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signature(secret, timestamp, body) };
}
