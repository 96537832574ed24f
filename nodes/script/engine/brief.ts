/**
 * A scene's `SceneBrief`: what the visual nodes need to know about it.
 *
 * A brief reads at most the first `MAX_SCENE_CHARS` characters of a scene's
 * directions (or dialogue), and its `description` is that same excerpt, so
 * that analysis stays roughly linear on any input.
 */
import type { SceneBrief } from '../../../runtime/contract/index.js';
import { match, type Match } from './match.js';
import { joinCapped, strings, truncate } from './text-input.js';
import { hasTag, isWord, read, sameClause, sliceOf, tokenize, type Reading, type Token } from './tokens.js';
import { LIGHT_MODIFIERS, LIGHT_NOUNS, LIGHT_SOURCES, NOT_SUBJECTS, OFFSCREEN_SPEAKERS, SETTING_IS_INTERIOR, STATED_MOOD_WEIGHT, TIMES_OF_DAY, type SettingMotif } from './vocabulary.js';

export interface BriefInput {
  /** Scene title, e.g. "Scene 2: The Scavenger" or "INT. SERVER ROOM - NIGHT". */
  heading: string;
  /** From screenplay headings. */
  slug?: { interior?: boolean; location: string; time?: string };
  /** Plain text of the scene's directions (may be empty). */
  directions: string[];
  /** Plain text of the scene's spoken lines: the fallback source. */
  dialogue: string[];
  /** Canonical ids of the characters who speak in the scene, e.g. ["KAEL", "ARIA"]. */
  speakers: string[];
  /** Id → display name, e.g. { KAEL: "Kael" }. */
  castNames?: Record<string, string>;
}

/** A brief reads this much of a scene; compromise is slow on long degenerate text. */
export const MAX_SCENE_CHARS = 5_000;
/** Noun subjects per brief, after the characters. */
const MAX_NOUN_SUBJECTS = 5;
/** Descriptive words kept in front of a place ("abandoned data center"). */
const MAX_PLACE_MODIFIERS = 3;

/**
 * What the visual nodes need to know about one scene, from its directions;
 * from its dialogue when it has none; from its heading when it has neither.
 * A screenplay slug (`INT. KITCHEN - MORNING`) is trusted over the text for
 * setting, location, interior and time of day.
 */
export function sceneBrief(input: BriefInput): SceneBrief {
  const { description, source } = briefSource(input);
  const reading = read(description);
  const { tokens } = reading;
  const slug = input.slug && typeof input.slug.location === 'string' ? input.slug : undefined;
  // Tokens a field has used (the place, the lighting, the camera…) are not subjects.
  const used = new Set<number>();
  const use = <T extends { first: number; last: number }>(found: T | undefined): T | undefined => {
    for (let i = found?.first ?? 0; found && i <= found.last; i += 1) used.add(i);
    return found;
  };

  const place = use(match.places.first(tokens));
  const motif = match.places.first(tokenize(truncate(slug?.location ?? '', MAX_SCENE_CHARS)))?.value ?? place?.value ?? match.signs.first(tokens)?.value;
  const interiorCue = match.interior.first(tokens);
  const interior =
    typeof slug?.interior === 'boolean' ? slug.interior : interiorCue ? interiorCue.value === 'inside' : motif && SETTING_IS_INTERIOR[motif];
  const lighting = use(findLighting(reading));
  const shot = [use(match.shotSize.first(tokens))?.value, use(match.lens.first(tokens))?.value].filter(Boolean).join(', ');
  const camera = {
    angle: use(match.angle.first(tokens))?.value,
    movement: use(match.movement.first(tokens))?.value,
    shot: shot || undefined,
  };
  const timeInText = use(match.timeOfDay.first(tokens))?.value;
  const timeOfDay = timeFromSlug(slug?.time) ?? timeInText;
  const weather = use(match.weather.first(tokens))?.value;
  const location = slug?.location.trim() || namedPlace(reading, used) || describedPlace(reading, place);
  const people = charactersPresent(input, reading, used);

  return withoutUndefined({
    description,
    source,
    setting: motif ?? (interior === true ? 'interior room' : 'unknown'),
    location,
    interior,
    timeOfDay,
    weather,
    lighting: lighting?.text,
    camera: withoutUndefined(camera),
    mood: findMood(tokens),
    subjects: [...people, ...nounSubjects(reading, used)],
  } satisfies SceneBrief & { setting: SettingMotif });
}

function briefSource(input: BriefInput): { description: string; source: SceneBrief['source'] } {
  const directions = joinCapped(strings(input.directions), MAX_SCENE_CHARS);
  if (directions) return { description: directions, source: 'directions' };
  const dialogue = joinCapped(strings(input.dialogue), MAX_SCENE_CHARS);
  if (dialogue) return { description: dialogue, source: 'dialogue' };
  return { description: truncate(typeof input.heading === 'string' ? input.heading.trim() : '', MAX_SCENE_CHARS), source: 'heading' };
}

/** A slug's time ("NIGHT", "DAY", "LATER") as a time of day, when it is one. */
function timeFromSlug(time: unknown): string | undefined {
  if (typeof time !== 'string') return undefined;
  const bare = time.trim().toLowerCase();
  if (Object.hasOwn(TIMES_OF_DAY, bare)) return bare;
  return match.timeOfDay.first(tokenize(truncate(time, MAX_SCENE_CHARS)))?.value;
}

/** The first place compromise recognises by name ("Neo Tokyo"). */
function namedPlace(reading: Reading, used: Set<number>): string | undefined {
  const place = reading.places[0];
  if (!place) return undefined;
  reading.tokens.forEach((token, i) => {
    if (token.start >= place.start && token.end <= place.end) used.add(i);
  });
  return place.text;
}

/** The place phrase with the descriptive words before it: "A vast, abandoned data center" → "abandoned data center". */
function describedPlace(reading: Reading, place: Match | undefined): string | undefined {
  if (!place) return undefined;
  let first = place.first;
  while (place.first - first < MAX_PLACE_MODIFIERS && first > 0 && sameClause(reading.tokens, first - 1, place.first)) {
    const before = reading.tokens[first - 1];
    if (!before || !hasTag(before, 'Adjective', 'PastTense', 'Participle', 'Gerund') || hasTag(before, 'Determiner')) break;
    first -= 1;
  }
  return commonCase(sliceOf(reading, first, place.last), reading.tokens[first]);
}

/** Sentence-initial capitals are not part of a description ("Abandoned data center" → "abandoned …"); names keep theirs. */
function commonCase(text: string, first: Token | undefined): string {
  if (!first || hasTag(first, 'ProperNoun', 'Possessive', 'Acronym')) return text;
  const word = text.slice(0, first.end - first.start);
  if (word.length > 1 && word === word.toUpperCase()) return text; // ALL CAPS, as in slugs, is kept
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** The first run of light words that says something about lighting (see `LIGHT_SOURCES`). */
function findLighting(reading: Reading): { text: string; first: number; last: number } | undefined {
  const { tokens } = reading;
  const is = (i: number, words: ReadonlySet<string>): boolean => tokens[i] !== undefined && isWord(tokens[i], words);
  const isLightWord = (i: number): boolean => is(i, LIGHT_SOURCES) || is(i, LIGHT_NOUNS) || is(i, LIGHT_MODIFIERS);
  for (let first = 0; first < tokens.length; first += 1) {
    if (!isLightWord(first)) continue;
    let end = first;
    while (sameClause(tokens, end + 1, first) && isLightWord(end + 1)) end += 1;
    // The phrase ends at the run's last light source or noun: "warm amber light", not "… light soft".
    let last = end;
    while (last >= first && !is(last, LIGHT_SOURCES) && !is(last, LIGHT_NOUNS)) last -= 1;
    let standsAlone = false;
    for (let i = first; i <= last; i += 1) standsAlone ||= is(i, LIGHT_SOURCES);
    if (last >= first && (standsAlone || last > first)) return { text: sliceOf(reading, first, last).toLowerCase(), first, last };
    first = end;
  }
  return undefined;
}

function findMood(tokens: readonly Token[]): string | undefined {
  const scores = new Map<string, { score: number; first: number }>();
  const count = (found: Match, weight: number): void => {
    const seen = scores.get(found.value) ?? { score: 0, first: found.first };
    scores.set(found.value, { score: seen.score + weight, first: Math.min(seen.first, found.first) });
  };
  for (const found of match.statedMood.all(tokens)) count(found, STATED_MOOD_WEIGHT);
  for (const found of match.moodCue.all(tokens)) count(found, 1);
  let best: [string, { score: number; first: number }] | undefined;
  for (const entry of scores) {
    if (!best || entry[1].score > best[1].score || (entry[1].score === best[1].score && entry[1].first < best[1].first)) best = entry;
  }
  return best?.[0];
}

/** On-screen speakers, then cast members the text names ("Kael's flashlight"), as display names. */
function charactersPresent(input: BriefInput, reading: Reading, used: Set<number>): string[] {
  const cast = input.castNames && typeof input.castNames === 'object' ? input.castNames : {};
  const nameOf = (id: string): string => (Object.hasOwn(cast, id) && typeof cast[id] === 'string' ? cast[id] : titleCase(id));
  const present = new Map<string, string>(); // lower-case name → name
  for (const id of strings(input.speakers)) {
    if (OFFSCREEN_SPEAKERS.has(id.toUpperCase())) continue;
    const name = nameOf(id).trim();
    if (name) present.set(name.toLowerCase(), name);
  }
  for (const [id, name] of Object.entries(cast)) {
    if (typeof name !== 'string' || OFFSCREEN_SPEAKERS.has(id.toUpperCase())) continue;
    const words = tokenize(name).map((token) => token.word);
    reading.tokens.forEach((_, at) => {
      if (words.length === 0 || !words.every((word, k) => reading.tokens[at + k]?.word === word)) return;
      words.forEach((_word, k) => used.add(at + k));
      if (!present.has(name.trim().toLowerCase())) present.set(name.trim().toLowerCase(), name.trim());
    });
  }
  return [...present.values()];
}

function titleCase(id: string): string {
  return id
    .split(/[\s_]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join(' ');
}

/**
 * The most prominent concrete nouns: noun compounds ("server racks",
 * "countdown timer") ranked by how often their head appears, then by first
 * appearance. Descriptive words stay out ("dead server racks" → "server
 * racks"), and so do nouns another field already used (the place, the
 * lighting, the camera) and the ones in `NOT_SUBJECTS`.
 */
function nounSubjects(reading: Reading, used: ReadonlySet<number>): string[] {
  const ranked = new Map<string, { text: string; count: number; first: number }>();
  for (const { first, last } of nounPhrases(reading.tokens)) {
    const head = reading.tokens[last];
    if (!head || used.has(last) || isWord(head, NOT_SUBJECTS) || head.word.length < 2) continue;
    const text = commonCase(sliceOf(reading, first, last), reading.tokens[first]);
    const key = `${reading.tokens.slice(first, last).map((token) => token.word).join(' ')} ${head.forms.at(-1) ?? head.word}`.trim();
    const seen = ranked.get(key);
    ranked.set(key, seen ? { ...seen, count: seen.count + 1 } : { text, count: 1, first });
  }
  return [...ranked.values()]
    .sort((a, b) => b.count - a.count || a.first - b.first)
    .slice(0, MAX_NOUN_SUBJECTS)
    .map(({ text }) => text);
}

/** Runs of nouns that name one thing. A plural or an -ing word does not modify the noun after it ("words quality", "glowing monitor"). */
function nounPhrases(tokens: readonly Token[]): { first: number; last: number }[] {
  const isNoun = (i: number): boolean => {
    const token = tokens[i];
    return token !== undefined && hasTag(token, 'Noun') && !hasTag(token, 'Pronoun', 'Possessive', 'Value', 'Date', 'Duration', 'Determiner');
  };
  const phrases: { first: number; last: number }[] = [];
  let first = -1;
  const close = (last: number): void => {
    if (first !== -1 && last >= first) phrases.push({ first, last });
    first = -1;
  };
  tokens.forEach((token, i) => {
    if (!isNoun(i)) return close(i - 1);
    const beforeNoun = isNoun(i + 1) && sameClause(tokens, i, i + 1);
    const participle = token.word.endsWith('ing');
    if (participle && beforeNoun) return close(i - 1); // "glowing monitor": it describes the monitor
    if (first === -1) first = i;
    if (!beforeNoun || participle || hasTag(token, 'Plural')) close(i);
  });
  close(tokens.length - 1);
  return phrases;
}

/** The object without its `undefined` properties, so briefs serialise the same everywhere. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
