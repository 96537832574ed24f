import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { defineNode, nodeParams, PermanentError, Type, type Static } from '../../runtime/contract/index.js';
import type { Casting, NodeContext, Segment } from '../../runtime/contract/index.js';
import { ffmpegPath, runTool } from '../../runtime/media/binaries.js';
import { probeMedia } from '../../runtime/media/probe.js';
import { finishClip } from './audio.js';
import { defaultPresetFor } from './presets.js';
import { elevenLabsProvider } from './providers/elevenlabs.js';
import { espeakProvider } from './providers/espeak.js';
import { fliteProvider } from './providers/flite.js';
import { googleProvider } from './providers/google.js';
import { openAiSpeechProvider } from './providers/openai.js';
import type { SpeechProvider, UsageRequest, VoiceSettings, WordTiming } from './providers/provider.js';
import { splitForProvider } from './providers/split.js';
import { voiceRateLimits } from './rate-limits.js';
import { estimateWordTimings } from './word-timing.js';

/** Providers by the name a graph uses. */
const providers = { offline: fliteProvider, espeak: espeakProvider, elevenlabs: elevenLabsProvider, google: googleProvider, openai: openAiSpeechProvider } satisfies Record<string, SpeechProvider>;
type ProviderName = keyof typeof providers;

const params = nodeParams({
  provider: Type.Unsafe<ProviderName>({ enum: Object.keys(providers), title: 'Provider', default: 'offline' }),
  endpoint: Type.Optional(Type.String({ format: 'uri', title: 'Endpoint', description: 'Base URL for self-hosted or regional servers (Kokoro: http://localhost:8880/v1).' })),
  model: Type.Optional(Type.String({ title: 'Model', description: 'e.g. eleven_multilingual_v2, tts-1.' })),
  targetLufs: Type.Number({ title: 'Loudness target (LUFS)', minimum: -40, maximum: -5, default: -18 }),
  padMs: Type.Integer({ title: 'Silence kept around speech (ms)', minimum: 0, maximum: 2000, default: 120 }),
});
type Params = Static<typeof params>;


/**
 * The voice one segment gets on one provider: the speaker's casting (its
 * voice for this provider when the series named one), else a preset chosen
 * by name. The offline engine is the safety net of every fallback chain, so a
 * cloud voice id it does not know maps to the speaker's preset instead of failing.
 */
function settingsFor(segment: Segment, casting: Casting | undefined, provider: SpeechProvider): { settings: VoiceSettings; substituted?: string } {
  const speaker = segment.speaker ?? 'NARRATOR';
  const { providerVoices, ...cast } = casting?.[speaker] ?? { voice: defaultPresetFor(speaker) };
  const settings: VoiceSettings = { ...cast, voice: providerVoices?.[provider.id] ?? cast.voice };
  if (provider === fliteProvider && !provider.voices().includes(settings.voice)) {
    return { settings: { ...settings, voice: defaultPresetFor(speaker) }, substituted: settings.voice };
  }
  return { settings };
}

/** Joins the audio of a long text's pieces (different formats are fine: ffmpeg decodes each). */
async function concatenate(paths: string[], workDir: string, signal: AbortSignal): Promise<string> {
  const out = join(workDir, 'joined.wav');
  const inputs = paths.flatMap((path) => ['-i', path]);
  const filter = `${paths.map((_, i) => `[${i}:a]`).join('')}concat=n=${paths.length}:v=0:a=1[a]`;
  await runTool(ffmpegPath(), ['-hide_banner', '-v', 'error', '-y', ...inputs, '-filter_complex', filter, '-map', '[a]', '-c:a', 'pcm_s16le', out], { timeoutMs: 120_000, signal });
  return out;
}

export default defineNode({
  type: 'voice.tts',
  version: 1,
  title: 'Voice (text to speech)',
  category: 'voice',
  description:
    'Speaks each segment in its character’s voice — offline (Flite), ElevenLabs, Google or any OpenAI-compatible server — as trimmed, 48 kHz, loudness-normalised clips with word timings where the provider gives them. Each segment is cached on its own.',
  inputs: [
    { name: 'segments', type: 'Segment', list: true, title: 'Segments', description: 'Usually the script’s speakable segments.' },
    { name: 'casting', type: 'Casting', optional: true, title: 'Casting', description: 'From a Cast voices node; without it each speaker gets a distinct preset.' },
  ],
  outputs: [{ name: 'clips', type: 'AudioClip', list: true, title: 'Clips' }],
  params,
  resource: 'voice',
  cacheable: true,
  mapOver: 'segments',
  retry: { retries: 2, backoffMs: 1000 },
  timeoutMs: 180_000,
  credentials: [
    { name: 'elevenlabs', title: 'ElevenLabs', env: { apiKey: 'ELEVENLABS_API_KEY' }, optional: true },
    { name: 'google-tts', title: 'Google Cloud Text-to-Speech', env: { apiKey: 'GOOGLE_TTS_API_KEY' }, optional: true },
    { name: 'openai', title: 'OpenAI (or compatible server)', env: { apiKey: 'OPENAI_API_KEY' }, optional: true },
  ],
  // A clip depends on the words, the speaker's voice on this provider and the finishing — not on timing, scene or other speakers.
  cacheKeyInputs(inputs, params) {
    const segment = inputs.segments as Segment;
    const provider = providers[params.provider];
    const { settings } = settingsFor(segment, inputs.casting as Casting | undefined, provider);
    return {
      segment: { id: segment.id, speechText: segment.speechText },
      provider: provider.identity(settings),
      endpoint: params.endpoint ?? null,
      model: params.model ?? null,
      targetLufs: params.targetLufs,
      padMs: params.padMs,
    };
  },
  // What each request would bill: the same pieces execute sends, priced by the provider's own rule.
  estimateUsage(inputs, params) {
    const segment = inputs.segments as Segment;
    const provider = providers[params.provider];
    const { settings } = settingsFor(segment, inputs.casting as Casting | undefined, provider);
    return splitForProvider(segment.speechText, provider.maxCharacters).map((text) => provider.estimateUsage(usageRequest(text, settings, params)));
  },
  async execute(ctx: NodeContext<Params>) {
    const segment = ctx.inputs.segments as Segment;
    if (!segment.speechText.trim()) {
      throw new PermanentError(`segment ${segment.id} (line ${segment.line}) has nothing to speak; wire the script's speakable segments`);
    }
    const provider = providers[ctx.params.provider];
    const { settings, substituted } = settingsFor(segment, ctx.inputs.casting as Casting | undefined, provider);
    if (substituted) ctx.log.warn(`voice "${substituted}" is not an offline voice; ${segment.speaker ?? 'the narrator'} speaks with the "${settings.voice}" preset`);
    const workDir = await ctx.tempDir();

    // Long lines go out in sentence-sized requests and are joined; word timings shift by each piece's start.
    const pieces = splitForProvider(segment.speechText, provider.maxCharacters);
    const paths: string[] = [];
    const words: WordTiming[] = [];
    let offset = 0;
    let voice = settings.voice;
    for (const [index, text] of pieces.entries()) {
      const pieceDir = join(workDir, `piece-${index}`);
      await mkdir(pieceDir);
      const release = await ctx.rateLimiter.acquire({ key: provider.id, limits: voiceRateLimits[provider.id] ?? {}, units: text.length, signal: ctx.signal });
      try {
        // Before the request goes out: a budget it would cross stops it here.
        await ctx.reserve(provider.estimateUsage(usageRequest(text, settings, ctx.params)));
        const raw = await provider.synthesize({
          text,
          settings,
          workDir: pieceDir,
          signal: ctx.signal,
          credentials: ctx.credentials,
          usage: ctx.usage,
          ...(ctx.params.endpoint ? { endpoint: ctx.params.endpoint } : {}),
          ...(ctx.params.model ? { model: ctx.params.model } : {}),
          ...(ctx.item?.take ? { take: ctx.item.take } : {}),
        });
        voice = raw.voice;
        paths.push(raw.path);
        for (const word of raw.words ?? []) words.push({ word: word.word, start: word.start + offset, end: word.end + offset });
        if (pieces.length > 1) offset += (await probeMedia(raw.path, { signal: ctx.signal })).duration ?? 0;
      } finally {
        release();
      }
      ctx.progress((index + 1) / (pieces.length + 1), `synthesised ${index + 1}/${pieces.length}`);
    }
    const raw = paths.length === 1 ? (paths[0] as string) : await concatenate(paths, workDir, ctx.signal);
    const finished = await finishClip(raw, { targetLufs: ctx.params.targetLufs, padSeconds: ctx.params.padMs / 1000, workDir, signal: ctx.signal });
    const handle = await ctx.artifacts.put({ path: finished.path }, { mime: 'audio/wav', name: `${segment.id}.wav`, move: true });
    if (!handle.duration) throw new PermanentError(`the finished clip for segment ${segment.id} has no duration`);
    // Provider timings move with the trim and the pad; without any, they are read from the finished audio.
    const shift = finished.speechStart - finished.trimmedStart;
    const clipWords =
      words.length > 0
        ? words.map((w) => ({ word: w.word, start: clamp(w.start + shift, 0, handle.duration ?? 0), end: clamp(w.end + shift, 0, handle.duration ?? 0) }))
        : await timingsFromAudio(finished.trimmedPath, segment.speechText, finished.speechStart, ctx.signal);
    return {
      clips: {
        ...handle,
        segmentId: segment.id,
        ...(segment.speaker ? { speaker: segment.speaker } : {}),
        provider: provider.id,
        voice,
        loudness: finished.loudness,
        speechStart: finished.speechStart,
        speechDuration: finished.speechDuration,
        ...(clipWords.length > 0 ? { words: clipWords } : {}),
      },
    };
  },
});

/** What a request's usage depends on: its text, the voice, and the node's model and endpoint. */
function usageRequest(text: string, settings: VoiceSettings, params: Params): UsageRequest {
  return { text, settings, ...(params.endpoint ? { endpoint: params.endpoint } : {}), ...(params.model ? { model: params.model } : {}) };
}

/** Word timings estimated from the trimmed speech (which starts `offset` seconds into the finished clip). */
async function timingsFromAudio(trimmedPath: string, text: string, offset: number, signal: AbortSignal): Promise<WordTiming[]> {
  const rate = 16_000;
  const { stdout } = await runTool(ffmpegPath(), ['-v', 'error', '-i', trimmedPath, '-f', 's16le', '-ac', '1', '-ar', String(rate), '-'], { timeoutMs: 60_000, signal });
  const samples = new Int16Array(stdout.buffer.slice(stdout.byteOffset, stdout.byteOffset + stdout.byteLength));
  return estimateWordTimings(samples, rate, text, { start: 0, end: samples.length / rate }).map((w) => ({ word: w.word, start: clamp(w.start + offset, 0, Infinity), end: clamp(w.end + offset, 0, Infinity) }));
}

function clamp(value: number, min: number, max: number): number {
  return Math.round(Math.min(max, Math.max(min, value)) * 1000) / 1000;
}
