/**
 * Provider limits as data (seed defaults; a producer on a bigger plan edits
 * these numbers, not code). Units are characters of text.
 */
import type { RateLimits } from '../../runtime/contract/index.js';

export const voiceRateLimits: Record<string, RateLimits> = {
  elevenlabs: { requestsPerMinute: 100, unitsPerDay: 500_000, concurrency: 5 },
  google: { requestsPerMinute: 300, unitsPerDay: 1_000_000, concurrency: 10 },
  openai: { requestsPerMinute: 50, concurrency: 4 },
  flite: {},
};
