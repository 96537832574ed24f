/**
 * The run's deliverables as the Run panel lists them (pure, no DOM): the
 * signed links' expiry (each URL carries `exp=<unix seconds>`), so the panel
 * asks for fresh links before any of them stops working.
 */
import type { RunDeliverables } from '../../../runtime/contract/deliverables.js';

/** Ask again this long before the first link expires. */
export const RENEW_MARGIN_MS = 60_000;
/** Links without a readable expiry are renewed this often. */
export const RENEW_DEFAULT_MS = 5 * 60_000;
const RENEW_MIN_MS = 15_000;

/** The `exp` (unix seconds) of a signed URL, if it has one. */
export function linkExpiry(url: string | undefined): number | undefined {
  if (!url) return undefined;
  const match = /[?&]exp=(\d+)/.exec(url);
  return match ? Number(match[1]) : undefined;
}

/** Milliseconds until the answer's links should be asked for again. */
export function renewDelayMs(answer: RunDeliverables, now = Date.now()): number {
  const expiries = [answer.packageUrl, ...answer.deliverables.flatMap((d) => [d.downloadUrl, d.inlineUrl])]
    .map(linkExpiry)
    .filter((exp): exp is number => exp !== undefined);
  if (expiries.length === 0) return RENEW_DEFAULT_MS;
  const first = Math.min(...expiries) * 1000;
  return Math.max(RENEW_MIN_MS, Math.min(2 ** 31 - 1, first - RENEW_MARGIN_MS - now));
}

/** "video · 1.2 MiB". */
export function describeDeliverable(deliverable: { kind: string; bytes: number }): string {
  return `${deliverable.kind} · ${formatSize(deliverable.bytes)}`;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
