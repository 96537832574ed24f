/**
 * System speech with eSpeak NG, when the machine has it (Debian: apt-get
 * install espeak-ng). Optional: without it the provider fails fast with a
 * permanent error, so a fallback chain moves on to Flite.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { PermanentError } from '../../../runtime/contract/index.js';
import { runTool } from '../../../runtime/media/binaries.js';
import type { SpeechProvider, SynthesisRequest, SynthesisResult, VoiceSettings } from './provider.js';

/** The character presets, in eSpeak terms: voice+variant, base pitch (0–99), words per minute. */
const presets: Record<string, { voice: string; pitch: number; wpm: number }> = {
  'deep-male': { voice: 'en-us+m3', pitch: 25, wpm: 150 },
  'calm-female': { voice: 'en-us+f3', pitch: 55, wpm: 155 },
  'young-male': { voice: 'en-us+m1', pitch: 60, wpm: 170 },
  robotic: { voice: 'en-us+robosoft', pitch: 40, wpm: 160 },
  'bright-female': { voice: 'en-us+f4', pitch: 75, wpm: 175 },
  'scottish-male': { voice: 'en-gb-scotland+m2', pitch: 45, wpm: 160 },
  'neutral-male': { voice: 'en-us', pitch: 45, wpm: 160 },
};

const TIMEOUT_MS = 60_000;

/** `REELGRAPH_ESPEAK` (a path), else `espeak-ng` on PATH; undefined when absent. */
export async function findEspeak(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const candidates = env.REELGRAPH_ESPEAK ? [env.REELGRAPH_ESPEAK] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, 'espeak-ng'));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export function espeakVoice(settings: VoiceSettings): { voice: string; pitch: number; wpm: number } {
  const preset = presets[settings.voice] ?? { voice: settings.voice, pitch: 50, wpm: 160 };
  const speed = settings.speed && settings.speed > 0 ? settings.speed : 1;
  // eSpeak pitch is 0–99; a semitone is roughly 4 of its steps around the middle.
  const pitch = Math.round(Math.min(99, Math.max(0, preset.pitch + (settings.pitch ?? 0) * 4)));
  return { voice: preset.voice, pitch, wpm: Math.round(Math.min(450, Math.max(80, preset.wpm * speed))) };
}

export const espeakProvider: SpeechProvider = {
  id: 'espeak',
  title: 'eSpeak NG (system)',
  maxCharacters: 4000,
  identity: (settings) => `espeak-ng:${JSON.stringify(espeakVoice(settings))}`,
  voices: () => Object.keys(presets),
  estimateUsage: (request) => ({ provider: 'espeak', unit: 'characters', quantity: request.text.length }),

  async synthesize(request: SynthesisRequest): Promise<SynthesisResult> {
    const binary = await findEspeak();
    if (!binary) throw new PermanentError('espeak-ng is not installed (Debian: apt-get install espeak-ng); the offline Flite voice needs nothing');
    const { voice, pitch, wpm } = espeakVoice(request.settings);
    if (!/^[\w+-]+$/.test(voice)) throw new PermanentError(`"${voice}" is not an eSpeak voice name`);
    const path = join(request.workDir, 'espeak.wav');
    // `--` ends the options: a line of dialogue that starts with "-" is text, not a flag.
    await runTool(binary, ['-v', voice, '-p', String(pitch), '-s', String(wpm), '-w', path, '--', request.text], { timeoutMs: TIMEOUT_MS, signal: request.signal });
    request.usage?.(espeakProvider.estimateUsage(request));
    return { path, voice, model: 'espeak-ng' };
  },
};
