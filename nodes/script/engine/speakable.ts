/**
 * Long narration and dialogue, cut into speakable pieces: each becomes its
 * own segment, so a voice is asked for a few sentences at a time (no engine
 * is fed a 75-second paragraph), captions follow the speech closely, and an
 * edit re-voices only the sentences it touched.
 *
 * A line of at most `maxCharacters` stays whole (its segment id is what it
 * always was). A longer one is cut into sentences; a sentence longer than
 * the bound is cut after clause punctuation (`,` `;` `:` `—`), then between
 * words, never inside a word. Pieces are not packed greedily up to the
 * bound: packing makes every piece depend on where the previous one ended,
 * so one edited sentence would shift (and re-voice) everything after it.
 * Instead a piece is one sentence, and only a sentence shorter than
 * `minCharacters` ("Still.", "Dr. ") takes the next one(s) along, so an edit
 * changes the id of the piece that holds the sentence and no other — unless
 * it moves a sentence across `minCharacters`, which regroups it with its
 * neighbour only.
 */
import { splitSentences } from './sentences.js';

export interface SpeakableBounds {
  /** The most characters of display text one segment holds: ~45 words, ~20 s of speech at 140 words per minute. */
  maxCharacters: number;
  /** A sentence shorter than this is joined with the one after it: a clip of one word is all padding and gap. */
  minCharacters: number;
}

export const speakableBounds: SpeakableBounds = { maxCharacters: 280, minCharacters: 60 };

/** `text` (display text: single spaces, trimmed) as pieces of at most `maxCharacters`, or `[text]` when it fits. */
export function speakablePieces(text: string, bounds: SpeakableBounds = speakableBounds): string[] {
  if (text.length <= bounds.maxCharacters) return [text];
  const units = splitSentences(text).flatMap((sentence) => cutLong(sentence, bounds.maxCharacters));
  const pieces: string[] = [];
  let current = '';
  for (const unit of units) {
    if (current && (current.length >= bounds.minCharacters || current.length + 1 + unit.length > bounds.maxCharacters)) {
      pieces.push(current);
      current = '';
    }
    current = current ? `${current} ${unit}` : unit;
  }
  if (current) pieces.push(current);
  return pieces;
}

/** Coarsest first: after clause punctuation, then between words. A single word is never cut. */
const CUTS: ReadonlyArray<RegExp> = [/(?<=[,;:—–])\s+|\s+(?=[—–])/u, /\s+/u];

/** A sentence within `max` characters, cut as coarsely as it allows and packed back (within one sentence, packing is harmless). */
function cutLong(sentence: string, max: number, level = 0): string[] {
  if (sentence.length <= max) return [sentence];
  const cut = CUTS[level];
  if (!cut) return [sentence]; // one word longer than the bound: spoken whole rather than cut mid-word
  const parts = sentence.split(cut).filter(Boolean).flatMap((part) => cutLong(part, max, level + 1));
  const packed: string[] = [];
  let current = '';
  for (const part of parts) {
    if (current && current.length + 1 + part.length > max) {
      packed.push(current);
      current = '';
    }
    current = current ? `${current} ${part}` : part;
  }
  if (current) packed.push(current);
  return packed;
}

/**
 * The source line each piece starts on. `raw` is the block's text as
 * written (inline markdown included), `lineStarts` where each of its source
 * lines begins; each piece's first word is looked up in `raw` after the
 * previous piece's, so repeated words resolve in order. Linear in `raw`.
 */
export function pieceLines(pieces: readonly string[], raw: string, firstLine: number, lineStarts: ReadonlyArray<{ offset: number; line: number }> = []): number[] {
  let cursor = 0;
  let next = 0;
  let line = firstLine;
  return pieces.map((piece) => {
    const word = /[\p{L}\p{N}]+/u.exec(piece)?.[0];
    const at = word ? raw.indexOf(word, cursor) : -1;
    if (at >= 0) {
      cursor = at + word!.length;
      while (next < lineStarts.length && (lineStarts[next] as { offset: number }).offset <= at) line = (lineStarts[next++] as { line: number }).line;
    }
    return line;
  });
}
