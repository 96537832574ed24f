/**
 * Character voice presets for the offline engine: a writer puts
 * `voice: deep-male` in the cast, and these say what Flite does with it.
 * Flite's voices: kal/kal16 (US male), awb (Scottish male), rms (US male,
 * low), slt (US female). Pitch (`f0`, Hz) and duration stretch make
 * characters that share a base voice still sound distinct.
 */
export interface FlitePreset {
  voice: 'kal' | 'kal16' | 'awb' | 'rms' | 'slt';
  /** Target mean pitch in Hz. */
  f0: number;
  /** >1 speaks slower. */
  stretch: number;
  description: string;
}

export const flitePresets: Record<string, FlitePreset> = {
  'deep-male': { voice: 'rms', f0: 88, stretch: 1.08, description: 'Low, unhurried male narrator' },
  'calm-female': { voice: 'slt', f0: 175, stretch: 1.05, description: 'Even, warm female voice' },
  'young-male': { voice: 'kal16', f0: 128, stretch: 0.95, description: 'Brighter, quicker male voice' },
  robotic: { voice: 'kal', f0: 110, stretch: 1.0, description: 'Flat 8 kHz diphone voice: a machine' },
  'bright-female': { voice: 'slt', f0: 215, stretch: 0.92, description: 'Higher, faster female voice' },
  'scottish-male': { voice: 'awb', f0: 115, stretch: 1.0, description: 'Scottish male voice' },
  'neutral-male': { voice: 'kal16', f0: 105, stretch: 1.0, description: 'Plain male voice' },
};

/**
 * Speakers the cast gives no voice are spread over the presets by name, so
 * two uncast characters rarely share one; the narrator defaults to a deep voice.
 */
export function defaultPresetFor(speaker: string): string {
  if (/^NARRAT/i.test(speaker)) return 'deep-male';
  const names = Object.keys(flitePresets);
  let hash = 0;
  for (const char of speaker) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return names[hash % names.length] as string;
}
