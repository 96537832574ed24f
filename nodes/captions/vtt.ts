/** WebVTT (.vtt): the cues with escaped text, optional cue settings and optional voice spans naming the speaker. */
import { PermanentError } from '../../runtime/contract/index.js';
import { cleanText, clock, timedCues, type Subtitles } from './format.js';

/** Where and how cues sit (WebVTT cue settings); percentages of the video. */
export interface VttCueSettings {
  /** Line position from the top, in percent. */
  line?: number;
  position?: number;
  size?: number;
  align?: 'start' | 'center' | 'end' | 'left' | 'right';
}

export interface VttOptions {
  settings?: VttCueSettings;
  /** Wrap each cue in `<v Speaker>` when its speaker is known. */
  voices?: boolean;
}

// `>` is escaped too: a cue's text must never contain `-->`.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const escapeText = (text: string): string => text.replace(/[&<>]/g, (char) => ENTITIES[char]!);

function formatSettings(settings: VttCueSettings): string {
  const percent = (name: keyof VttCueSettings, value: number | undefined): string[] => {
    if (value === undefined) return [];
    if (!Number.isFinite(value) || value < 0 || value > 100) throw new PermanentError(`VTT cue setting ${name} must be a percentage from 0 to 100, not ${value}`);
    return [`${name}:${Math.round(value * 1000) / 1000}%`];
  };
  return [...percent('line', settings.line), ...percent('position', settings.position), ...percent('size', settings.size), ...(settings.align ? [`align:${settings.align}`] : [])]
    .map((setting) => ` ${setting}`)
    .join('');
}

export function toVtt(subtitles: Subtitles, options: VttOptions = {}): string {
  const settings = formatSettings(options.settings ?? {});
  const cues = timedCues(subtitles, 1000).map(({ cue, index, start, end, lines }) => {
    const text = lines.map(escapeText).join('\n');
    const speaker = options.voices ? cleanText(cue.speaker ?? '') : '';
    const voiced = speaker ? `<v ${escapeText(speaker)}>${text}` : text;
    return `${index + 1}\n${clock(start, 1000, '.', 2)} --> ${clock(end, 1000, '.', 2)}${settings}\n${voiced}\n`;
  });
  return ['WEBVTT\n', ...cues].join('\n');
}
