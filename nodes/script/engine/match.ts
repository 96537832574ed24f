/** Finding vocabulary phrases in tokens (vocabulary.ts, tokens.ts). */
import { CAMERA_ANGLES, CAMERA_MOVEMENTS, INTERIOR_CUES, LENS_LOOKS, MOOD_CUES, MOOD_WORDS, SETTINGS, SHOT_SIZES, TIMES_OF_DAY, WEATHER, type Vocabulary } from './vocabulary.js';
import { sameClause, tokenize, type Token } from './tokens.js';

/** An inclusive token range with the table value it matched. */
export interface Match<V extends string = string> {
  value: V;
  first: number;
  last: number;
}

export interface Matcher<V extends string> {
  /** Every match, left to right, without overlaps; at each position the longest phrase wins. */
  all(tokens: readonly Token[]): Match<V>[];
  first(tokens: readonly Token[]): Match<V> | undefined;
}

function matcher<V extends string>(table: Vocabulary<V>): Matcher<V> {
  // Phrases are indexed by their first word, longest first.
  const byFirstWord = new Map<string, { value: V; words: string[] }[]>();
  for (const [value, phrases] of Object.entries(table) as [V, readonly string[]][]) {
    for (const phrase of phrases) {
      const words = tokenize(phrase).map((token) => token.word);
      const head = words[0];
      if (head === undefined) continue;
      byFirstWord.set(head, [...(byFirstWord.get(head) ?? []), { value, words }]);
    }
  }
  for (const entries of byFirstWord.values()) entries.sort((a, b) => b.words.length - a.words.length);

  const fits = (tokens: readonly Token[], at: number, words: readonly string[]): boolean =>
    words.every((word, k) => sameClause(tokens, at, at + k) && (tokens[at + k]?.forms.includes(word) ?? false));

  const longestAt = (tokens: readonly Token[], at: number): Match<V> | undefined => {
    let best: Match<V> | undefined;
    for (const form of tokens[at]?.forms ?? []) {
      const entry = byFirstWord.get(form)?.find(({ words }) => fits(tokens, at, words));
      if (entry && (!best || at + entry.words.length - 1 > best.last)) best = { value: entry.value, first: at, last: at + entry.words.length - 1 };
    }
    return best;
  };

  const all = (tokens: readonly Token[]): Match<V>[] => {
    const matches: Match<V>[] = [];
    for (let at = 0; at < tokens.length; at += 1) {
      const found = longestAt(tokens, at);
      if (found) {
        matches.push(found);
        at = found.last;
      }
    }
    return matches;
  };
  const first = (tokens: readonly Token[]): Match<V> | undefined => {
    for (let at = 0; at < tokens.length; at += 1) {
      const found = longestAt(tokens, at);
      if (found) return found;
    }
    return undefined;
  };
  return { all, first };
}

type Motif = keyof typeof SETTINGS;
function settingTable(part: 'places' | 'signs'): Vocabulary<Motif> {
  const table = {} as Record<Motif, readonly string[]>;
  for (const motif of Object.keys(SETTINGS) as Motif[]) table[motif] = SETTINGS[motif][part];
  return table;
}

export const match = {
  places: matcher(settingTable('places')),
  signs: matcher(settingTable('signs')),
  interior: matcher(INTERIOR_CUES),
  timeOfDay: matcher(TIMES_OF_DAY),
  weather: matcher(WEATHER),
  angle: matcher(CAMERA_ANGLES),
  movement: matcher(CAMERA_MOVEMENTS),
  shotSize: matcher(SHOT_SIZES),
  lens: matcher(LENS_LOOKS),
  statedMood: matcher(MOOD_WORDS),
  moodCue: matcher(MOOD_CUES),
};
