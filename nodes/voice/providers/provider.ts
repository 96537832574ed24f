/**
 * What every speech provider implements. Providers turn one text into one
 * raw audio file; the voice node finishes it (trim, 48 kHz, loudness) and
 * stores it. Cloud providers (ElevenLabs, Google, OpenAI-compatible) and
 * offline engines (Flite) sit behind the same interface, so casting and
 * fallback never care which one speaks.
 */
import type { CastingEntry, CredentialsLookup, ProviderUsage } from '../../../runtime/contract/index.js';

/** One speaker's casting as one provider speaks it: voice, speed, pitch and style. */
export type VoiceSettings = Omit<CastingEntry, 'providerVoices'>;

export interface SynthesisRequest {
  text: string;
  settings: VoiceSettings;
  /** Base URL override (self-hosted servers, regional endpoints, test servers). */
  endpoint?: string;
  /** Provider model, e.g. `eleven_multilingual_v2`, `tts-1`. */
  model?: string;
  /** A scratch directory the provider may write into. */
  workDir: string;
  signal: AbortSignal;
  credentials: CredentialsLookup;
  /**
   * The producer's take of this line (a regenerated item, `ctx.item.take`),
   * when not the first: a provider that takes a seed derives one from it, so
   * each take is a new reading and the same take reads the same.
   */
  take?: number;
  /**
   * Billable usage, reported once the provider has accepted the request (a
   * 2xx answer; for offline engines, once synthesis succeeded): whatever
   * fails afterwards, the provider bills it.
   */
  usage?(usage: ProviderUsage): void;
}

/** Time of one word in the provider's raw audio, in seconds. */
export interface WordTiming {
  word: string;
  start: number;
  end: number;
}

export interface SynthesisResult {
  /** The raw audio file the provider wrote (any format ffmpeg reads). */
  path: string;
  /** Word timings when the provider returns alignment. */
  words?: WordTiming[];
  /** Which voice actually spoke (a preset resolves to an engine voice). */
  voice: string;
  /** Engine and model identity, part of the cache key. */
  model: string;
}

/** What a request's billed usage depends on, known before it is sent. */
export type UsageRequest = Pick<SynthesisRequest, 'text' | 'settings' | 'model' | 'endpoint'>;

export interface SpeechProvider {
  id: string;
  title: string;
  /** Per-request character limit; longer texts are split at sentence boundaries. */
  maxCharacters: number;
  /** Engine/model identity for cache keys: a change of engine re-synthesises. */
  identity(settings: VoiceSettings): string;
  /** Voices (or presets) this provider knows; an unknown voice is a per-item error. */
  voices(): string[];
  synthesize(request: SynthesisRequest): Promise<SynthesisResult>;
  /**
   * The usage this request will bill, calling nothing: what a budget
   * reserves before the request is sent and what an estimate prices. The
   * same figures `synthesize` reports, unless the provider answers with its own.
   */
  estimateUsage(request: UsageRequest): ProviderUsage;
}
