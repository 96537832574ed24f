/**
 * Video provider limits as data (seed defaults for the entry tiers; a
 * producer on a bigger plan edits these numbers, not code). Units are
 * generations. None of these providers rejects work over its concurrency
 * limit — Runway marks it THROTTLED, fal leaves it IN_QUEUE, ComfyUI queues
 * it — but queued work would spend its own deadline waiting, so the wait
 * happens here instead, before the deadline starts.
 */
import type { RateLimits } from '../../../runtime/contract/index.js';

export const sceneRateLimits: Record<string, RateLimits> = {
  // Tier 1 runs 1–2 tasks at once; no per-minute limit. The daily cap (429 on create) differs per model, so the server enforces it.
  runway: { concurrency: 2 },
  // New fal accounts run 2 requests at once; no per-minute limit.
  fal: { concurrency: 2 },
  // One worker running prompts serially: one queued behind the running one keeps the GPU busy.
  comfyui: { concurrency: 2 },
};
