/**
 * Webhook signatures, both ways (deliveries to us, completion callbacks from
 * us): `X-Reelgraph-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`
 * with `X-Reelgraph-Timestamp: <unix seconds>`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TIMESTAMP_HEADER = 'X-Reelgraph-Timestamp';
export const SIGNATURE_HEADER = 'X-Reelgraph-Signature';

export function signature(secret: string, timestamp: string, body: Buffer | string): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestamp}.`, 'utf8');
  hmac.update(body);
  return `sha256=${hmac.digest('hex')}`;
}

/** Headers for a body signed now. */
export function signedHeaders(secret: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: signature(secret, timestamp, body) };
}

export type Verdict = { ok: true } | { ok: false; reason: string };

/** Constant-time check of the signature and of the timestamp's freshness (± toleranceMs). */
export function verifySignature(secret: string, timestamp: string | undefined, given: string | undefined, body: Buffer, toleranceMs: number, now = Date.now()): Verdict {
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: `${TIMESTAMP_HEADER} must be unix seconds` };
  if (!given || !/^sha256=[0-9a-f]{64}$/.test(given)) return { ok: false, reason: `${SIGNATURE_HEADER} must be sha256=<64 hex digits>` };
  const expected = Buffer.from(signature(secret, timestamp, body), 'utf8');
  const actual = Buffer.from(given, 'utf8');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return { ok: false, reason: 'the signature does not match' };
  // Checked after the signature, so a stale timestamp is reported only to whoever knows the secret.
  if (Math.abs(now - Number(timestamp) * 1000) > toleranceMs) return { ok: false, reason: 'the timestamp is outside the accepted window (check the clock)' };
  return { ok: true };
}

/** A shell recipe that signs and sends a delivery with openssl. */
export function exampleCurl(url: string, secret: string): string {
  return [
    `SECRET='${secret}'`,
    `BODY='{"markdown":"# Episode\\n\\nHello."}'`,
    'TS=$(date +%s)',
    `SIG=$(printf '%s.%s' "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" | sed 's/^.*= //')`,
    `curl -sS -X POST '${url}' -H 'Content-Type: application/json' -H "${TIMESTAMP_HEADER}: $TS" -H "${SIGNATURE_HEADER}: sha256=$SIG" --data-binary "$BODY"`,
  ].join('\n');
}
