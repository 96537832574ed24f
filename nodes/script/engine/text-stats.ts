/**
 * The episode-wide text statistics of `Script.analysis`.
 *
 * `analyzeText` counts sentences and words in all of its text, but looks for
 * places and times (which needs compromise) in pieces of at most
 * `NLP_CHUNK_CHARS` and in no more than `MAX_ANALYSIS_CHARS` in total, so that
 * analysis stays roughly linear on any input.
 */
import { match } from './match.js';
import { splitSentences } from './sentences.js';
import { strings, truncate } from './text-input.js';
import { spansOf, tokenize, trimSpan, withNlp, wordForms, type Span } from './tokens.js';
import { DURATION_UNITS, PLACE_NAME_DETERMINERS, PLACE_NAME_HEADS } from './vocabulary.js';

/** `analyzeText` hands compromise pieces of at most this size… */
const NLP_CHUNK_CHARS = 5_000;
/** …and no more than this in total: about two hours of narration, where compromise takes ~1 s. */
const MAX_ANALYSIS_CHARS = 120_000;

/**
 * Sentence and word counts over all of `texts`, with the places and times
 * they mention (each once, in order of first mention, as first written).
 */
export function analyzeText(texts: string[]): { sentences: number; words: number; places: string[]; times: string[] } {
  let sentences = 0;
  let words = 0;
  let budget = MAX_ANALYSIS_CHARS;
  const places = new FirstSeen();
  const times = new FirstSeen();
  const allSentences: string[] = [];
  for (const text of strings(texts)) {
    const split = splitSentences(text);
    sentences += split.length;
    words += countWords(text);
    allSentences.push(...split);
  }
  // Short texts (one line of dialogue each) are analysed together: compromise's cost is mostly per call.
  for (const chunk of chunks(allSentences, NLP_CHUNK_CHARS)) {
    if (budget <= 0) break;
    const piece = truncate(chunk, budget);
    budget -= piece.length;
    const found = mentionsIn(piece);
    found.places.forEach((place) => places.add(place));
    found.times.forEach((time) => times.add(time));
  }
  return { sentences, words, places: places.values(), times: times.values() };
}

/** Keeps the first spelling of each case-insensitively distinct string. */
class FirstSeen {
  private readonly seen = new Map<string, string>();
  add(text: string): void {
    const key = text.toLowerCase();
    if (text && !this.seen.has(key)) this.seen.set(key, text);
  }
  values(): string[] {
    return [...this.seen.values()];
  }
}

/** A word has a letter or digit: "—" and "$" are not words, "3:00" and "close-up" are. */
function countWords(text: string): number {
  let count = 0;
  for (const token of text.matchAll(/\S+/g)) if (/[\p{L}\p{N}]/u.test(token[0])) count += 1;
  return count;
}

/** Sentences packed into pieces of at most `size` characters; a longer sentence is cut. */
function* chunks(sentences: readonly string[], size: number): Generator<string> {
  let chunk = '';
  for (const sentence of sentences) {
    if (chunk && chunk.length + 1 + sentence.length > size) {
      yield chunk;
      chunk = '';
    }
    chunk = chunk ? `${chunk} ${sentence}` : truncate(sentence, size);
  }
  if (chunk) yield chunk;
}

const CLOCK_TIME = /\b\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.m\.|\s?[ap]m\b)?|\b\d{1,2}\s?(?:[ap]\.m\.|[ap]m\b)/giu;
/** Between two durations of one span: "eleven years, four months and six days". */
const DURATION_JOIN = /^\s*(?:,\s*(?:and\s+)?|and\s+)$/iu;
const PLACE_NAME = new RegExp(
  String.raw`(?<![\p{L}\p{N}])(?:\p{Lu}[\p{L}'’-]*\s+){1,3}(?:${PLACE_NAME_HEADS.join('|')})\b(?:\s+\d+\b)?|\b(?:${PLACE_NAME_HEADS.join('|')})\s+\d+\b`,
  'gu',
);

function mentionsIn(text: string): { places: string[]; times: string[] } {
  const fromNlp = withNlp(
    text,
    // Each compromise match sweeps the whole chunk; a cheap regex first skips the sweeps that cannot find anything.
    (doc) => ({
      places: spansOf(doc.places(), text),
      durations: DURATION_HINT.test(text) ? joinDurations(spansOf(doc.match('#Value+ #Duration'), text).filter(endsInDurationUnit), text) : [],
      dates: DATE_HINT.test(text) ? [...spansOf(doc.match('#WeekDay? #Value? #Month #Value? #Year?'), text), ...spansOf(doc.match('(#WeekDay|#Year)'), text)] : [],
    }),
    { places: [] as Span[], durations: [] as Span[], dates: [] as Span[] },
  );
  const clock = [...text.matchAll(CLOCK_TIME)].map((found) => ({ text: found[0], start: found.index, end: found.index + found[0].length }));
  const tokens = tokenize(text);
  const daytimes = match.timeOfDay.all(tokens).map(({ first, last }) => trimSpan(text, tokens[first]?.start ?? 0, tokens[last]?.end ?? 0));
  return {
    places: withoutOverlaps([...fromNlp.places, ...placeNames(text)]).map((span) => span.text),
    times: withoutOverlaps([...fromNlp.durations, ...fromNlp.dates, ...clock, ...daytimes]).map((span) => span.text),
  };
}

const DURATION_HINT = /\b(?:second|sec|minute|min|hour|hr|day|week|fortnight|month|year|decade|centur|millenni)/i;
const DATE_HINT = /\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)|\b\d{4}\b/i;

function endsInDurationUnit(span: Span): boolean {
  const unit = span.text.split(/\s+/).at(-1)?.toLowerCase() ?? '';
  return wordForms(unit).some((form) => DURATION_UNITS.has(form));
}

/** Capitalised phrases ending in a place word ("Central Station", "Sector 7"), without a leading "The". */
function placeNames(text: string): Span[] {
  const spans: Span[] = [];
  for (const found of text.matchAll(PLACE_NAME)) {
    const words = found[0].split(/\s+/);
    while (words.length > 0 && PLACE_NAME_DETERMINERS.has((words[0] ?? '').toLowerCase())) words.shift();
    const name = words.join(' ');
    if (words.length >= 2) spans.push({ text: name, start: found.index + found[0].length - name.length, end: found.index + found[0].length });
  }
  return spans;
}

function joinDurations(spans: readonly Span[], text: string): Span[] {
  const joined: Span[] = [];
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    const previous = joined.at(-1);
    if (previous && DURATION_JOIN.test(text.slice(previous.end, span.start))) {
      joined[joined.length - 1] = { text: text.slice(previous.start, span.end), start: previous.start, end: span.end };
    } else joined.push(span);
  }
  return joined;
}

/** In text order; where mentions overlap, the longer one (e.g. a date that contains a year). */
function withoutOverlaps(spans: readonly Span[]): Span[] {
  const kept: Span[] = [];
  for (const span of [...spans].sort((a, b) => a.start - b.start || b.end - a.end)) {
    const previous = kept.at(-1);
    if (!previous || span.start >= previous.end) kept.push(span);
    else if (span.end > previous.end && span.end - span.start > previous.end - previous.start) kept[kept.length - 1] = span;
  }
  return kept;
}
