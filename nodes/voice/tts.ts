import { defineNode, PermanentError } from '../../runtime/contract/index.js';
import type { NodeContext, Segment } from '../../runtime/contract/index.js';
import { finishClip } from './audio.js';
import { defaultPresetFor } from './presets.js';
import { fliteProvider } from './providers/flite.js';
import type { SpeechProvider, VoiceSettings } from './providers/provider.js';

interface Params {
  provider: 'offline';
  targetLufs: number;
  padMs: number;
}

/** Providers by the name a graph uses. Cloud clients join this table. */
const providers: Record<Params['provider'], SpeechProvider> = { offline: fliteProvider };

/**
 * The voice one segment gets: its speaker's casting, else a preset chosen by
 * name. The offline engine is the safety net of every fallback chain, so a
 * cloud voice id it does not know maps to the speaker's preset instead of failing.
 */
function settingsFor(segment: Segment, casting: Record<string, VoiceSettings> | undefined, provider: SpeechProvider): { settings: VoiceSettings; substituted?: string } {
  const speaker = segment.speaker ?? 'NARRATOR';
  const cast = casting?.[speaker];
  const settings: VoiceSettings = cast ?? { voice: defaultPresetFor(speaker) };
  if (provider === fliteProvider && !provider.voices().includes(settings.voice)) {
    return { settings: { ...settings, voice: defaultPresetFor(speaker) }, substituted: settings.voice };
  }
  return { settings };
}

export default defineNode<Params>({
  type: 'voice.tts',
  version: 1,
  title: 'Voice (text to speech)',
  category: 'voice',
  description: 'Speaks each segment in its character’s voice: trimmed, 48 kHz, loudness-normalised clips, each cached on its own.',
  inputs: [
    { name: 'segments', type: 'Segment', list: true, title: 'Segments', description: 'Usually the script’s speakable segments.' },
    { name: 'casting', type: 'Casting', optional: true, title: 'Casting', description: 'From a Cast voices node; without it each speaker gets a distinct preset.' },
  ],
  outputs: [{ name: 'clips', type: 'AudioClip', list: true, title: 'Clips' }],
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      provider: { enum: Object.keys(providers), title: 'Provider', default: 'offline' },
      targetLufs: { type: 'number', title: 'Loudness target (LUFS)', minimum: -40, maximum: -5, default: -18 },
      padMs: { type: 'integer', title: 'Silence kept around speech (ms)', minimum: 0, maximum: 2000, default: 120 },
    },
  },
  resource: 'voice',
  cacheable: true,
  mapOver: 'segments',
  retry: { retries: 2, backoffMs: 1000 },
  timeoutMs: 120_000,
  // A clip depends on the words, the speaker's voice and the finishing — not on timing, scene or other speakers.
  cacheKeyInputs(inputs, params) {
    const segment = inputs.segments as Segment;
    const provider = providers[params.provider];
    const { settings } = settingsFor(segment, inputs.casting as Record<string, VoiceSettings> | undefined, provider);
    return { segment: { id: segment.id, speechText: segment.speechText }, provider: provider.identity(settings), targetLufs: params.targetLufs, padMs: params.padMs };
  },
  async execute(ctx: NodeContext<Params>) {
    const segment = ctx.inputs.segments as Segment;
    if (!segment.speechText.trim()) {
      throw new PermanentError(`segment ${segment.id} (line ${segment.line}) has nothing to speak; wire the script's speakable segments`);
    }
    const provider = providers[ctx.params.provider];
    const { settings, substituted } = settingsFor(segment, ctx.inputs.casting as Record<string, VoiceSettings> | undefined, provider);
    if (substituted) ctx.log.warn(`voice "${substituted}" is not an offline voice; ${segment.speaker ?? 'the narrator'} speaks with the "${settings.voice}" preset`);
    const workDir = await ctx.tempDir();
    const raw = await provider.synthesize({ text: segment.speechText, settings, workDir, signal: ctx.signal, credentials: ctx.credentials });
    ctx.progress(0.6, 'finishing');
    const finished = await finishClip(raw.path, { targetLufs: ctx.params.targetLufs, padSeconds: ctx.params.padMs / 1000, workDir, signal: ctx.signal });
    const handle = await ctx.artifacts.put({ path: finished.path }, { mime: 'audio/wav', name: `${segment.id}.wav`, move: true });
    if (!handle.duration) throw new PermanentError(`the finished clip for segment ${segment.id} has no duration`);
    return {
      clips: {
        ...handle,
        segmentId: segment.id,
        ...(segment.speaker ? { speaker: segment.speaker } : {}),
        provider: provider.id,
        voice: raw.voice,
        loudness: finished.loudness,
        speechStart: finished.speechStart,
        speechDuration: finished.speechDuration,
      },
    };
  },
});

