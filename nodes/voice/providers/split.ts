/**
 * Long texts, split for providers with a per-request limit: at sentence
 * boundaries first, so each request is natural speech and the pieces join
 * without a seam mid-phrase.
 */
import { splitSentences } from '../../script/engine/sentences.js';

/** Coarsest first: sentences (the script's own splitter, which knows "Dr." and "e.g."), then clauses (after , ; : —), then words. */
const SPLITTERS: ReadonlyArray<(text: string) => string[]> = [
  splitSentences,
  (text) => text.split(/(?<=[,;:—])\s+/),
  (text) => text.split(/\s+/),
];

/**
 * Splits a text into chunks of at most `max` characters, cutting at sentence
 * boundaries and packing as many whole sentences per chunk as fit; a sentence
 * too long on its own is cut at commas, then spaces, and only a single
 * oversized word is cut mid-word. Whitespace between pieces becomes a space.
 */
export function splitForProvider(text: string, max: number): string[] {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`splitForProvider: max must be a positive integer, got ${max}`);
  const chunks: string[] = [];
  let current = '';
  for (const piece of pieces(text.trim(), max, 0)) {
    const joined = current ? `${current} ${piece}` : piece;
    if (joined.length <= max) {
      current = joined;
    } else {
      chunks.push(current);
      current = piece;
    }
  }
  if (current) chunks.push(current);
  return chunks;
}

function pieces(text: string, max: number, level: number): string[] {
  if (text.length <= max) return text ? [text] : [];
  const split = SPLITTERS[level];
  if (!split) return hardCut(text, max);
  return split(text)
    .map((piece) => piece.trim())
    .filter(Boolean)
    .flatMap((piece) => pieces(piece, max, level + 1));
}

/** By code points, so a surrogate pair (emoji, rare CJK) is never halved. */
function hardCut(text: string, max: number): string[] {
  const out: string[] = [];
  let chunk = '';
  for (const char of text) {
    if (chunk && chunk.length + char.length > max) {
      out.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) out.push(chunk);
  return out;
}

