/**
 * What the cue builder and every writer agree on: the cue shape, how hostile
 * text is made displayable, and how seconds become whole clock units.
 */
import type { CaptionCue, CaptionWord, Subtitles } from '../../runtime/contract/index.js';

export type { CaptionWord, Subtitles };
/** A caption cue: the contract's CaptionCue. */
export type Cue = CaptionCue;

// Characters that break a line or a cue in some format become spaces.
const BREAKING = /[\t\n\v\f\r\u0085\u2028\u2029]/g;
// Controls, the byte-order mark and bidi embeddings/overrides/isolates are
// removed: they can hide text, reorder it, or end a cue in a player's parser.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\ufeff\u202a-\u202e\u2066-\u2069]/g;
// A lone surrogate cannot be written as UTF-8.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** One displayable line: no controls, single spaces, trimmed. */
export function cleanText(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd').replace(BREAKING, ' ').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
}

const graphemes = new Intl.Segmenter();

/** Characters as a reader counts them: grapheme clusters, so an accent or an emoji sequence is one. */
export function charactersOf(text: string): string[] {
  return Array.from(graphemes.segment(text), ({ segment }) => segment);
}

/** A cue's lines as the writers show them: the builder's lines, else its text split at newlines; blank lines dropped. */
export function displayLines(cue: Cue): string[] {
  return (cue.lines ?? cue.text.split(/\r\n|\r|\n/)).map(cleanText).filter((line) => line.length > 0);
}

/** A time in seconds as whole units (1000: milliseconds, 100: the centiseconds of ASS), never negative. */
export function toUnits(seconds: number, perSecond: number): number {
  return Number.isFinite(seconds) ? Math.max(0, Math.round(seconds * perSecond)) : 0;
}

/** `HH:MM:SS<sep>fff` from whole units; `hourDigits` pads the hours (ASS uses one digit, SRT and VTT two). */
export function clock(units: number, perSecond: 1000 | 100, separator: ',' | '.', hourDigits: 1 | 2): string {
  const fractionDigits = perSecond === 1000 ? 3 : 2;
  const totalSeconds = Math.floor(units / perSecond);
  const pad = (value: number, digits: number): string => String(value).padStart(digits, '0');
  return `${pad(Math.floor(totalSeconds / 3600), hourDigits)}:${pad(Math.floor(totalSeconds / 60) % 60, 2)}:${pad(totalSeconds % 60, 2)}${separator}${pad(units % perSecond, fractionDigits)}`;
}

export interface TimedCue {
  cue: Cue;
  index: number;
  /** Whole units, end after start. */
  start: number;
  end: number;
  lines: string[];
}

/**
 * The cues a writer emits, in start order with times in whole units: cues
 * with nothing to show are left out, and a cue shorter than one unit lasts
 * one, since every format needs its end after its start.
 */
export function timedCues(subtitles: Subtitles, perSecond: 1000 | 100): TimedCue[] {
  return subtitles.cues
    .map((cue) => ({ cue, lines: displayLines(cue), start: toUnits(cue.start, perSecond), end: toUnits(cue.end, perSecond) }))
    .filter(({ lines }) => lines.length > 0)
    .sort((a, b) => a.start - b.start)
    .map((timed, index) => ({ ...timed, index, end: Math.max(timed.end, timed.start + 1) }));
}
