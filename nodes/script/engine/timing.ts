/**
 * Estimated timing. Real audio durations replace these once voices exist;
 * until then they size scenes, drive previews and tell a writer how long an
 * episode runs. Every constant is data so a series can tune it.
 */
import type { Cue, TerminalLine } from '../../../runtime/contract/index.js';

export const timingDefaults = {
  wordsPerMinute: 150,
  /** Seconds a voice rests at punctuation inside or at the end of a line. */
  punctuationPauses: [
    { pattern: /\.\.\.|…/g, seconds: 0.6 },
    { pattern: /[.!?](?=\s|$)/g, seconds: 0.45 },
    { pattern: /[—–]|\s-\s/g, seconds: 0.3 },
    { pattern: /[;:]/g, seconds: 0.3 },
    { pattern: /,/g, seconds: 0.2 },
  ],
  /** Silence between two spoken segments. */
  segmentGapSeconds: 0.3,
  /** Nothing spoken is shorter than this. */
  minimumSpeechSeconds: 0.6,
  /**
   * Estimates past these are warned about (never refused: a writer may mean
   * it): one paragraph or speech of over 10 minutes, a script of over 3
   * hours. Such estimates usually mean missing blank lines or the wrong file
   * (a 1 MB single line is ~22 hours).
   */
  absurdSeconds: { line: 10 * 60, script: 3 * 60 * 60 },
  cues: { pause: 1, beat: 1, glitch: 0.6, transition: 1, default: 0 } as Record<string, number>,
  terminal: { typedCharactersPerSecond: 18, enterSeconds: 0.3, outputLineSeconds: 0.35, holdSeconds: 1.2 },
};

export type TimingSettings = typeof timingDefaults;

/** Seconds to speak `text` (speech text) at `wordsPerMinute`, with punctuation pauses. */
export function speechSeconds(text: string, words: number, wordsPerMinute: number, settings: TimingSettings = timingDefaults): number {
  if (words === 0) return 0;
  let seconds = (words / wordsPerMinute) * 60;
  for (const { pattern, seconds: pause } of settings.punctuationPauses) seconds += (text.match(pattern)?.length ?? 0) * pause;
  return round(Math.max(settings.minimumSpeechSeconds, seconds));
}

export function cueSeconds(cue: Cue, settings: TimingSettings = timingDefaults): number {
  return round(cue.seconds ?? settings.cues[cue.type] ?? settings.cues.default ?? 0);
}

/** A terminal animation: commands typed character by character, output lines appearing, then a hold to read. */
export function terminalSeconds(lines: TerminalLine[], settings: TimingSettings = timingDefaults): number {
  const { typedCharactersPerSecond, enterSeconds, outputLineSeconds, holdSeconds } = settings.terminal;
  let seconds = holdSeconds;
  for (const line of lines) {
    seconds += line.command !== undefined ? line.command.length / typedCharactersPerSecond + enterSeconds : outputLineSeconds;
  }
  return round(seconds);
}

export function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
