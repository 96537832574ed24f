/**
 * The one sentence splitter: script analysis counts with it and long lines
 * are cut into speakable pieces with it. Hand-written rather than
 * `Intl.Segmenter`, whose sentence breaks know no abbreviations ("Dr. Smith"
 * would end a sentence), initials, list items or blank lines.
 */

/** Abbreviations whose period never ends a sentence: titles and Latin shorthands always have more to come. */
const NON_TERMINAL_ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'mx', 'dr', 'prof', 'st', 'sr', 'jr', 'rev', 'fr', 'hon', 'gen', 'col', 'capt', 'lt', 'sgt', 'cmdr', 'adm', 'gov', 'sen', 'rep',
  'mt', 'vs', 'viz', 'cf', 'e.g', 'i.e', 'approx', 'fig', 'vol', 'int', 'ext',
]);
/** Abbreviations that end a sentence only before a capitalised word ("…at 3 a.m. The door opens"). Dotted forms like `a.m` count too. */
const CLOSING_ABBREVIATIONS = new Set(['etc', 'inc', 'ltd', 'co', 'corp', 'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec']);

const TERMINATORS = new Set(['.', '!', '?', '…']);
const CLOSERS = new Set(['"', "'", '”', '’', '»', ')', ']', '}', '*', '_']);
const OPENERS = /^["'“‘«([{*_¿¡]+/u;
const LIST_MARKER = /^(?:\d+[.)]|[-*+•])$/u;

/**
 * Sentences, trimmed, in order. A sentence ends at `.`, `!`, `?` or an
 * ellipsis (with any closing quotes or brackets) followed by whitespace, and
 * at a blank line or a list item; except after a title or Latin abbreviation
 * ("Dr.", "e.g."), after an initial ("J."), at an ellipsis or closing
 * abbreviation ("etc.", "a.m.") not followed by a capital, and before a
 * lower-case word unless the end was a plain period. Decimals ("3.5") never
 * split: there is no space after their point. Linear in the text's length.
 */
export function splitSentences(text: string): string[] {
  if (typeof text !== 'string') return [];
  const sentences: string[] = [];
  let start: number | undefined;
  let startsLine = true;
  let previous: { word: string; end: number; startsLine: boolean } | undefined;
  for (const found of text.matchAll(/\S+/gu)) {
    if (previous) {
      const gap = text.slice(previous.end, found.index);
      startsLine = gap.includes('\n');
      const breaks =
        /\n[^\S\n]*\n/u.test(gap) || // a blank line
        (startsLine && LIST_MARKER.test(found[0])) || // a list item
        (endsSentence(previous.word, found[0]) && !(previous.startsLine && LIST_MARKER.test(previous.word))); // "1." numbers an item
      if (breaks && start !== undefined) {
        sentences.push(text.slice(start, previous.end));
        start = undefined;
      }
    }
    start ??= found.index;
    previous = { word: found[0], end: found.index + found[0].length, startsLine };
  }
  if (previous && start !== undefined) sentences.push(text.slice(start, previous.end));
  return sentences.map((sentence) => sentence.trim()).filter(Boolean);
}

function endsSentence(word: string, next: string): boolean {
  let end = word.length;
  while (end > 0 && CLOSERS.has(word.charAt(end - 1))) end -= 1;
  const closed = end < word.length;
  let stem = end;
  while (stem > 0 && TERMINATORS.has(word.charAt(stem - 1))) stem -= 1;
  if (stem === end) return false;

  const terminator = word.slice(stem, end);
  const before = word.slice(0, stem).replace(OPENERS, '');
  const nextStart = nextCase(next);
  if (terminator.includes('…') || terminator.endsWith('..')) return nextStart === 'upper';
  if (terminator === '.') {
    const abbreviation = before.toLowerCase();
    if (NON_TERMINAL_ABBREVIATIONS.has(abbreviation)) return false;
    if (/^\p{Lu}$/u.test(before)) return false; // an initial: "J. R. Tolkien"
    if (CLOSING_ABBREVIATIONS.has(abbreviation) || abbreviation.includes('.')) return nextStart === 'upper';
    return nextStart !== 'lower' || !closed;
  }
  return nextStart !== 'lower';
}

function nextCase(word: string): 'upper' | 'lower' | 'other' {
  const first = word.replace(OPENERS, '').charAt(0);
  if (/\p{Lu}/u.test(first)) return 'upper';
  if (/\p{Ll}/u.test(first)) return 'lower';
  return 'other';
}
