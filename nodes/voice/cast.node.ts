import { defineNode, nodeParams, Type } from '../../runtime/contract/index.js';
import type { CastingEntry as CastSettings, Script } from '../../runtime/contract/index.js';

const voiceSettingsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    voice: { type: 'string', minLength: 1, title: 'Voice', description: 'A preset (deep-male, calm-female, young-male, robotic, …) or a provider voice id.' },
    speed: { type: 'number', minimum: 0.5, maximum: 2, title: 'Speed' },
    pitch: { type: 'number', minimum: -12, maximum: 12, title: 'Pitch (semitones)' },
    style: { type: 'string', title: 'Style' },
    providerVoices: {
      type: 'object',
      title: 'Voice per provider',
      description: 'The same character on each provider of a fallback chain, e.g. {"elevenlabs": "21m00Tcm4TlvDq8ikWAM", "google": "en-US-Neural2-F"}.',
      additionalProperties: { type: 'string', minLength: 1 },
    },
  },
};

const params = nodeParams({
  // A map keyed by speaker: TypeBox's Record would publish patternProperties, not additionalProperties.
  voices: Type.Unsafe<Record<string, Partial<CastSettings>>>({
    type: 'object',
    title: 'Voices by speaker',
    description: 'e.g. {"KAEL": {"voice": "young-male", "speed": 1.1}}',
    additionalProperties: voiceSettingsSchema,
    default: {},
  }),
  defaultVoice: Type.Optional(Type.String({ title: 'Voice for everyone else', description: 'Unset: each uncast speaker gets a distinct preset.' })),
});

/**
 * A series keeps its casting in one place: the script's cast (front matter
 * `voice` and `pace`) with this node's overrides on top. Its output changes
 * only when casting changes, so editing a line never re-casts anyone.
 */
export default defineNode({
  type: 'voice.cast',
  version: 1,
  title: 'Cast voices',
  category: 'voice',
  description: "Decides each character's voice: the script's cast, overridden per speaker here.",
  inputs: [{ name: 'script', type: 'Script', title: 'Script' }],
  outputs: [{ name: 'casting', type: 'Casting', title: 'Casting' }],
  params,
  resource: 'light',
  cacheable: true,
  async execute({ inputs, params }) {
    const script = inputs.script as Script;
    const overrides = Object.fromEntries(Object.entries(params.voices).map(([speaker, settings]) => [speaker.toUpperCase(), settings]));
    const casting: Record<string, CastSettings> = {};
    for (const member of script.cast) {
      const override = overrides[member.id] ?? {};
      const voice = override.voice ?? member.voice ?? params.defaultVoice;
      if (!voice) continue;
      const speed = override.speed ?? member.pace;
      casting[member.id] = {
        voice,
        ...(speed !== undefined ? { speed } : {}),
        ...(override.pitch !== undefined ? { pitch: override.pitch } : {}),
        ...(override.style ? { style: override.style } : {}),
        ...(override.providerVoices ? { providerVoices: override.providerVoices } : {}),
      };
    }
    return { casting };
  },
});
