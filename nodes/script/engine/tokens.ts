/**
 * Text as word tokens: lower case, possessive `'s` dropped, hyphens as
 * spaces (so "Close-up" and "close up" read the same), numbered by clause so
 * that a phrase never spans punctuation. compromise supplies what the tables
 * cannot: part of speech (for "ruined city street" and "server racks") and
 * named places; a failure inside it leaves those empty rather than throwing.
 */
import { nlp } from './nlp.js';

export interface Token {
  /** Lower case, possessive `'s` dropped: what vocabularies match against. */
  word: string;
  /** `word` and its likely singulars, so tables can list one form. */
  forms: readonly string[];
  /** Character range in the text. */
  start: number;
  end: number;
  /** Tokens in different clauses (split by punctuation) never form one phrase. */
  clause: number;
  /** compromise part-of-speech tags; empty when tagging was not possible. */
  tags: ReadonlySet<string>;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;
/** Between two words, any of these ends a clause; a bare hyphen ("close-up") does not. */
const CLAUSE_BREAK = /[.,;:!?()[\]{}"“”…—–]|\s-+\s|\n/;
const NO_TAGS: ReadonlySet<string> = new Set();

export function tokenize(text: string, tagsAt: (start: number) => ReadonlySet<string> = () => NO_TAGS): Token[] {
  const tokens: Token[] = [];
  let clause = 0;
  let previousEnd = 0;
  for (const found of text.matchAll(WORD)) {
    const start = found.index;
    if (tokens.length > 0 && CLAUSE_BREAK.test(text.slice(previousEnd, start))) clause += 1;
    const word = found[0].toLowerCase().replace(/['’]s$/u, '');
    tokens.push({ word, forms: wordForms(word), start, end: start + found[0].length, clause, tags: tagsAt(start) });
    previousEnd = start + found[0].length;
  }
  return tokens;
}

/** The word and its likely singulars: "racks" → "rack", "dollies" → "dolly", "boxes" → "box". */
export function wordForms(word: string): string[] {
  if (word.length <= 3 || !word.endsWith('s') || word.endsWith('ss')) return [word];
  const forms = [word, word.slice(0, -1)];
  if (word.endsWith('es')) forms.push(word.slice(0, -2));
  if (word.endsWith('ies')) forms.push(`${word.slice(0, -3)}y`);
  return forms;
}

export const isWord = (token: Token, words: ReadonlySet<string>): boolean => token.forms.some((form) => words.has(form));
export const hasTag = (token: Token, ...tags: string[]): boolean => tags.some((tag) => token.tags.has(tag));
export const sameClause = (tokens: readonly Token[], a: number, b: number): boolean => tokens[a]?.clause === tokens[b]?.clause;

/** Run `work` on compromise's reading of `text`; on any failure there, `fallback`. */
export function withNlp<T>(text: string, work: (doc: ReturnType<typeof nlp>) => T, fallback: T): T {
  try {
    return work(nlp(text));
  } catch {
    return fallback;
  }
}

/** The shape of compromise's `.json({ offset: true })` that is used here. */
interface NlpPhrase {
  offset?: { start: number; length: number };
  terms?: { tags?: string[]; offset?: { start: number } }[];
}

/** Character ranges of what a compromise view matched, trimmed of surrounding punctuation. */
export function spansOf(view: { json: (options: object) => unknown }, text: string): Span[] {
  const spans: Span[] = [];
  for (const phrase of view.json({ offset: true }) as NlpPhrase[]) {
    if (phrase.offset) spans.push(trimSpan(text, phrase.offset.start, phrase.offset.start + phrase.offset.length));
  }
  return spans.filter((span) => span.text.length > 0);
}

export interface Span {
  text: string;
  start: number;
  end: number;
}

const LEADING_JUNK = /^[\s"'“”‘’([{*_]+/u;
const TRAILING_JUNK = /[\s"'“”‘’)\]}*_.,;:!?…]+$/u;

export function trimSpan(text: string, start: number, end: number): Span {
  const raw = text.slice(start, end);
  const lead = raw.length - raw.replace(LEADING_JUNK, '').length;
  const trimmed = raw.slice(lead).replace(TRAILING_JUNK, '');
  return { text: trimmed, start: start + lead, end: start + lead + trimmed.length };
}

/** A scene's text read once: tokens with compromise's tags, and the places compromise names. */
export interface Reading {
  text: string;
  tokens: Token[];
  places: Span[];
}

export function read(text: string): Reading {
  const { tags, places } = withNlp(
    text,
    (doc) => {
      const byStart = new Map<number, ReadonlySet<string>>();
      for (const sentence of doc.json({ offset: true }) as NlpPhrase[]) {
        for (const term of sentence.terms ?? []) {
          if (term.offset) byStart.set(term.offset.start, new Set(term.tags ?? []));
        }
      }
      return { tags: byStart, places: spansOf(doc.places(), text) };
    },
    { tags: new Map<number, ReadonlySet<string>>(), places: [] as Span[] },
  );
  return { text, tokens: tokenize(text, (start) => tags.get(start) ?? NO_TAGS), places };
}

export const sliceOf = (reading: Reading, first: number, last: number): string =>
  reading.text.slice(reading.tokens[first]?.start ?? 0, reading.tokens[last]?.end ?? 0);
