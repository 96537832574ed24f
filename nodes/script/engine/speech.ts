/**
 * Speech normalisation: the writer's plain text (markdown already stripped)
 * becomes text that any TTS engine reads naturally. Numbers, money, times,
 * dates, abbreviations and symbols are spelled out, emoji are dropped, and
 * the series lexicon gets the last word. Captions keep the writer's words;
 * only `speechText` goes through here.
 *
 * The work is a fixed pipeline of stages, most of them tables of
 * pattern → replacement, applied in order (each stage says what it relies on).
 *
 * Input is arbitrary and can be huge, so two rules hold everywhere:
 * - Nothing can backtrack catastrophically. A pattern that starts with a
 *   repeated class has a look-behind so that it only starts at the beginning
 *   of a run (a long run would otherwise cost O(n²)), whitespace is collapsed
 *   before any pattern looks at it, context is read from short fixed-size
 *   slices, and trimming from the end is a loop, not a `…+$` pattern.
 * - Nothing throws. Numbers longer than the scale table are read digit by
 *   digit, and number-to-words only ever sees 0–999.
 */
import numberToWords from 'number-to-words';

export interface SpeechOptions {
  /**
   * Per-series pronunciations: whole words or phrases, matched without regard
   * to case and replaced by exactly the given text ({ "Kael": "Kale" }).
   */
  lexicon?: Record<string, string>;
}

/**
 * Plain text (markdown already stripped) → text any TTS engine reads
 * naturally. Never throws on any string input; linear-ish time.
 *
 * The output has no ASCII digits unless a lexicon value contains some.
 */
export function toSpeech(text: string, options?: SpeechOptions): string {
  const lexicon = compileLexicon(options?.lexicon ?? {});
  const parked: string[] = [];
  let speech = readWebAddresses(clean(String(text ?? '')));
  // Twice: first as the writer spells things ("R2-D2", "AI"), before any rule
  // rewrites them; then as they are spoken, so an entry can also override a
  // reading the rules produced ("twenty forty-nine").
  speech = applyLexicon(speech, lexicon, parked);
  speech = SPEECH_STAGES.reduce((current, stage) => stage(current), speech);
  speech = applyLexicon(speech, lexicon, parked);
  return tidy(unpark(speech, parked));
}

/**
 * Words as spoken, for timing estimates (run it on speech text): "twenty-four"
 * and "A M" are two each, "don't" is one, and each Chinese or Japanese
 * character counts as one, since those scripts do not separate words.
 */
export function countWords(text: string): number {
  const speech = String(text ?? '');
  const characters = speech.match(CJK_CHARACTER)?.length ?? 0;
  const words = speech.replace(CJK_CHARACTER, ' ').match(SPOKEN_WORD)?.length ?? 0;
  return characters + words;
}

const CJK_CHARACTER = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu;
const SPOKEN_WORD = /[\p{L}\p{M}\p{N}]+(?:'[\p{L}\p{M}\p{N}]+)*/gu;

// ---------------------------------------------------------------------------
// Rules: a pattern (always global) and its replacement.

type Replacement = string | ((match: RegExpExecArray) => string);
type Rule = readonly [pattern: RegExp, replacement: Replacement];

function applyRules(text: string, rules: readonly Rule[]): string {
  return rules.reduce(
    (current, [pattern, replacement]) =>
      typeof replacement === 'string' ? current.replace(pattern, replacement) : replaceMatches(current, pattern, replacement),
    text,
  );
}

/** Like String#replace with a function, but the function gets the whole match (index, input) to read context from. */
function replaceMatches(text: string, pattern: RegExp, replace: (match: RegExpExecArray) => string): string {
  let result = '';
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    result += text.slice(last, match.index) + replace(match);
    last = match.index + match[0].length;
  }
  return result + text.slice(last);
}

/** Characters a spelled-out number must not be glued to ("R2D2" → "R two D two"); the private-use ones are lexicon placeholders. */
const WORD_CHARACTER = /[\p{L}\p{N}\uE000-\uE01F]/u;

function spaced(words: string, match: RegExpExecArray): string {
  const before = match.input[match.index - 1] ?? '';
  const after = match.input[match.index + match[0].length] ?? '';
  return `${WORD_CHARACTER.test(before) ? ' ' : ''}${words}${WORD_CHARACTER.test(after) ? ' ' : ''}`;
}

/** The word just before / after a match (at most one space away), read from a short slice so context costs O(1). */
function wordBefore(match: RegExpExecArray): string {
  const slice = match.input.slice(Math.max(0, match.index - 32), match.index);
  return /([\p{L}\p{N}'\uE000-\uE01F]+) ?$/u.exec(slice)?.[1] ?? '';
}

function wordAfter(match: RegExpExecArray): string {
  const end = match.index + match[0].length;
  return /^ ?([\p{L}\p{N}'\uE000-\uE01F]+)/u.exec(match.input.slice(end, end + 32))?.[1] ?? '';
}

/** Capitalised, or a lexicon placeholder (lexicon keys are nearly always names). */
function isName(word: string): boolean {
  return /^[\p{Lu}\uE000]/u.test(word);
}

/**
 * Words that open sentences. After an abbreviation that may end a sentence,
 * a capital alone does not prove a new one ("the U.S. Army"); one of these does.
 */
const SENTENCE_OPENERS = new Set(
  'A An And As At But He Her His How I If In It Its My No Now On Or Our She So That The Their Then There These They This Those We What When Where While Why Yes Yet You Your'.split(' '),
);

/**
 * An abbreviation's full stop may also end the sentence; then it is kept, so
 * the voice still pauses. Proof: the end of the text or a closing quote, or
 * the next word — any capital (`capital`), or a sentence opener (`opener`).
 */
function keepsFullStop(match: RegExpExecArray, proof: 'capital' | 'opener'): boolean {
  const end = match.index + match[0].length;
  const rest = match.input.slice(end, end + 2);
  if (rest === '' || rest === ' ' || /^["')\]]/.test(rest)) return true;
  const next = wordAfter(match);
  return proof === 'capital' ? isName(next) : SENTENCE_OPENERS.has(next);
}

// ---------------------------------------------------------------------------
// Cleaning: one spelling for each character, nothing unspeakable.

const BEFORE_NFKC: readonly Rule[] = [
  // Broken UTF-16 has nothing to say; private-use characters are reserved for lexicon placeholders.
  [/[\p{Cs}\p{Co}]/gu, ''],
  // NFKC would make these read wrong: ™ → "TM", "1½" → "11⁄2", "x²" → "x2", "note¹" → "note1".
  [/[™®℠]/gu, ''],
  [/©/gu, ' copyright '],
  [/№/gu, ' number '],
  [/(?<=\d)(?=[¼-¾⅐-⅞])/gu, ' and '],
  [/²/gu, ' squared '],
  [/³/gu, ' cubed '],
  [/[⁰¹⁴-⁹]/gu, ''],
  // Plain quotes: every engine knows them.
  [/[‘’‚‛‹›′]/gu, "'"],
  [/[“”„‟«»″]/gu, '"'],
];

const AFTER_NFKC: readonly Rule[] = [
  // Tabs, newlines and other controls separate words at most.
  [/\p{Cc}/gu, ' '],
  // Invisible formatting: zero-width joiners and spaces, bidi marks, soft hyphens, emoji tags and variation selectors.
  [/[\p{Cf}\p{Variation_Selector}]/gu, ''],
  // Emoji and pictographs, with their skin tones, flags and keycaps.
  [/[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\u20E3]/gu, ''],
  [/[‐‑−]/gu, '-'],
  [/⁄/gu, '/'],
  [/\s+/gu, ' '],
];

/**
 * NFKC folds the look-alikes (full-width digits, "…", "℃", ligatures,
 * no-break spaces) into the characters the later rules know.
 */
function clean(text: string): string {
  return applyRules(applyRules(text, BEFORE_NFKC).normalize('NFKC'), AFTER_NFKC);
}

// ---------------------------------------------------------------------------
// Web addresses, first: their dots, slashes and digits are not sentences, paths or numbers.

/** How an address is read aloud, character by character. */
const ADDRESS_PUNCTUATION: Record<string, string> = { '.': 'dot', '@': 'at', _: 'underscore', '-': 'dash', '+': 'plus', '%': 'percent' };

function spellAddress(address: string): string {
  return address.replace(/[.@_+%-]/g, (character) => ` ${ADDRESS_PUNCTUATION[character] ?? ''} `);
}

/** Only the host is read: a path is noise to a listener. */
function speakUrl(url: string): string {
  const [address, trailing] = splitTrailing(url, '.,;:!?)]\'"');
  const host = address.replace(/^(?:https?:\/\/)?(?:[^@/]*@)?(?:www\.)?/i, '').split(/[/?#:]/)[0] ?? '';
  return `${spellAddress(host)}${trailing}`;
}

/** Splits off trailing characters from a set with a loop: a `[…]+$` pattern is quadratic on long runs. */
function splitTrailing(text: string, characters: string): [string, string] {
  let end = text.length;
  while (end > 0 && characters.includes(text[end - 1] ?? '')) end -= 1;
  return [text.slice(0, end), text.slice(end)];
}

/** Bare domains are only recognised with these endings, so "Node.js" and "e.g." stay prose. */
const TOP_LEVEL_DOMAINS = ['com', 'org', 'net', 'io', 'dev', 'ai', 'app', 'gov', 'edu'];

const WEB_ADDRESSES: readonly Rule[] = [
  [/(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu, (match) => spellAddress(match[0])],
  [/\b(?:https?:\/\/|www\.)[^\s"<>]+/giu, (match) => speakUrl(match[0])],
  [
    new RegExp(`(?<![\\p{L}\\p{N}@./-])[a-z0-9-]+(?:\\.[a-z0-9-]+)*\\.(?:${TOP_LEVEL_DOMAINS.join('|')})(?![\\p{L}\\p{N}-]|\\.[\\p{L}\\p{N}])`, 'giu'),
    (match) => spellAddress(match[0]),
  ],
];

function readWebAddresses(text: string): string {
  return applyRules(text, WEB_ADDRESSES);
}

// ---------------------------------------------------------------------------
// Lexicon. Its readings are parked behind private-use placeholders so that no
// later rule rewrites them, and restored at the very end.

interface LexiconEntry {
  pattern: RegExp;
  spoken: string;
}

const PLACEHOLDER = /\uE000([\uE010-\uE019]+)\uE001/gu;

function compileLexicon(lexicon: Record<string, string>): LexiconEntry[] {
  return Object.entries(lexicon)
    .map(([written, spoken]) => ({ written: clean(written).trim(), spoken: clean(String(spoken)).trim() }))
    .filter(({ written }) => written !== '')
    .sort((a, b) => b.written.length - a.written.length) // "Neo Tokyo" before "Neo"
    .map(({ written, spoken }) => ({
      pattern: new RegExp(`(?<![\\p{L}\\p{N}_])${written.split(' ').map(escapeRegExp).join('\\s+')}(?![\\p{L}\\p{N}_])`, 'giu'),
      spoken,
    }));
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

function applyLexicon(text: string, lexicon: readonly LexiconEntry[], parked: string[]): string {
  return lexicon.reduce((current, { pattern, spoken }) => current.replace(pattern, () => park(spoken, parked)), text);
}

/** Digits of the index as private-use characters: nothing in the rules reads them as letters or digits. */
function park(spoken: string, parked: string[]): string {
  const index = parked.push(spoken) - 1;
  return `\uE000${Array.from(String(index), (digit) => String.fromCharCode(0xe010 + Number(digit))).join('')}\uE001`;
}

function unpark(text: string, parked: readonly string[]): string {
  return text.replace(PLACEHOLDER, (_, digits: string) => parked[Number(Array.from(digits, (c) => c.charCodeAt(0) - 0xe010).join(''))] ?? '');
}

// ---------------------------------------------------------------------------
// Number words.

const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** Short-scale names, one per group of three digits. Longer numbers are read digit by digit: nobody says "undecillion". */
const SCALES = ['', 'thousand', 'million', 'billion', 'trillion', 'quadrillion', 'quintillion', 'sextillion', 'septillion', 'octillion', 'nonillion', 'decillion'];

const IRREGULAR_ORDINALS: Record<string, string> = { one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth' };

function spellDigits(digits: string): string {
  return Array.from(digits, (digit) => DIGIT_WORDS[Number(digit)] ?? digit).join(' ');
}

/** "1200" → "one thousand two hundred" (no "and", no commas: TTS engines pause on commas). */
function cardinal(digits: string): string {
  const significant = digits.replace(/^0+(?=\d)/, '');
  if (significant.length > SCALES.length * 3) return spellDigits(significant);
  const words: string[] = [];
  for (let end = significant.length, scale = 0; end > 0; end -= 3, scale += 1) {
    const group = Number(significant.slice(Math.max(0, end - 3), end));
    if (group > 0 || significant.length === 1) words.unshift([numberToWords.toWords(group), SCALES[scale]].filter(Boolean).join(' '));
  }
  return words.join(' ');
}

/** A written integer: "007" is a code, read as written; "1,200" is a quantity. */
function integerWords(digits: string): string {
  return /^0\d/.test(digits) ? spellDigits(digits) : cardinal(digits.replaceAll(',', ''));
}

/** Rewrites the last word: "twenty-one" → "twenty-first". */
function mapLastWord(words: string, rewrite: (word: string) => string): string {
  const start = Math.max(words.lastIndexOf(' '), words.lastIndexOf('-')) + 1;
  return words.slice(0, start) + rewrite(words.slice(start));
}

function ordinalWords(words: string): string {
  return mapLastWord(words, (word) => IRREGULAR_ORDINALS[word] ?? (word.endsWith('y') ? `${word.slice(0, -1)}ieth` : `${word}th`));
}

function pluralWords(words: string): string {
  return mapLastWord(words, (word) => (word.endsWith('y') ? `${word.slice(0, -1)}ies` : word.endsWith('x') ? `${word}es` : `${word}s`));
}

/** Years are read in pairs ("nineteen ninety-nine", "twenty twenty-four") except 2000–2009 ("two thousand seven"). */
function yearWords(year: number): string {
  const century = Math.floor(year / 100);
  const rest = year % 100;
  if (century === 20 && rest < 10) return cardinal(String(year));
  if (rest === 0) return `${cardinal(String(century))} hundred`;
  return `${cardinal(String(century))} ${rest < 10 ? `oh ${DIGIT_WORDS[rest]}` : cardinal(String(rest))}`;
}

// ---------------------------------------------------------------------------
// Numbers whose meaning depends on what surrounds them. Before abbreviations
// (which would eat "a.m." and "Jan.") and before the plain number rules.

const MONTHS: readonly (readonly string[])[] = [
  ['January', 'Jan'],
  ['February', 'Feb'],
  ['March', 'Mar'],
  ['April', 'Apr'],
  ['May'],
  ['June', 'Jun'],
  ['July', 'Jul'],
  ['August', 'Aug'],
  ['September', 'Sept', 'Sep'],
  ['October', 'Oct'],
  ['November', 'Nov'],
  ['December', 'Dec'],
];
const MONTH_NAMES: Record<string, string> = Object.fromEntries(MONTHS.flatMap((names) => names.map((name) => [name, names[0] ?? name])));

/** "Jan. 5" → "January fifth"; "Sept 2024" → "September 2024" (the year is read later). */
function monthDay(match: RegExpExecArray): string {
  const [, month = '', day = ''] = match;
  const name = MONTH_NAMES[month] ?? month;
  const n = Number(day);
  return day.length <= 2 && n >= 1 && n <= 31 ? `${name} ${ordinalWords(cardinal(day))}` : `${name} ${day}`;
}

/** "2024-01-15" → "January fifteenth, 2024". */
function isoDate(match: RegExpExecArray): string {
  const [whole, year = '', month = '', day = ''] = match;
  const name = MONTHS[Number(month) - 1]?.[0];
  const n = Number(day);
  return name && n >= 1 && n <= 31 ? spaced(`${name} ${ordinalWords(cardinal(day))}, ${year}`, match) : whole;
}

/** Denominators with names of their own; the rest are ordinals ("fifths"). */
const FRACTION_NAMES: Record<number, string> = { 2: 'half', 4: 'quarter' };

/** Fractions are only small ones ("3/4", "5/8"); "9/11", "24/7" and "50/50" are read as two numbers by the symbol rules. */
function fraction(match: RegExpExecArray): string {
  const [whole, top = '', bottom = ''] = match;
  const [numerator, denominator] = [Number(top), Number(bottom)];
  if (!(numerator > 0 && numerator < denominator && denominator <= 10)) return whole;
  const part = FRACTION_NAMES[denominator] ?? ordinalWords(cardinal(bottom));
  const name = numerator === 1 ? part : part === 'half' ? 'halves' : `${part}s`;
  return spaced(`${cardinal(top)} ${name}`, match);
}

/**
 * "3:00 a.m." → "three A M"; "3:15pm" → "three fifteen P M"; "14:30" →
 * "fourteen thirty"; "14:00" → "fourteen hundred"; "3:00" → "three o'clock";
 * "12pm" → "noon". Meridiems are spelled "A M", which every engine says right.
 */
function clockTime(match: RegExpExecArray, hours: string, minutes?: string, meridiem?: string, stop?: string): string {
  const [hour, minute] = [Number(hours), Number(minutes ?? 0)];
  const marker = meridiem ? `${meridiem.toUpperCase()} M` : '';
  const fullStop = stop && keepsFullStop(match, 'capital') ? '.' : '';
  if (hour === 12 && minute === 0 && marker) return spaced(`${marker === 'P M' ? 'noon' : 'midnight'}${fullStop}`, match);
  const minuteWords =
    minute > 0 ? (minute < 10 ? `oh ${DIGIT_WORDS[minute]}` : cardinal(String(minute))) : marker || minutes === undefined ? '' : hour === 0 || hour > 12 ? 'hundred' : "o'clock";
  return spaced([cardinal(hours), minuteWords, marker].filter(Boolean).join(' ') + fullStop, match);
}

/** With seconds and no "a.m." it is a duration or a timecode: "00:03:12" → "three minutes and twelve seconds". */
function duration(match: RegExpExecArray): string {
  const parts = [match[1], match[2], match[3]]
    .map((value, index) => [Number(value), ['hour', 'minute', 'second'][index] ?? ''] as const)
    .filter(([value]) => value > 0)
    .map(([value, unit]) => `${cardinal(String(value))} ${unit}${value === 1 ? '' : 's'}`);
  const last = parts.pop() ?? 'zero seconds';
  return spaced(parts.length > 0 ? `${parts.join(', ')} and ${last}` : last, match);
}

interface Currency {
  one: string;
  many: string;
  /** The hundredth: [one, many]. Absent when amounts are not written with cents (yen). */
  cent?: readonly [string, string];
}

const CURRENCIES: Record<string, Currency> = {
  $: { one: 'dollar', many: 'dollars', cent: ['cent', 'cents'] },
  '€': { one: 'euro', many: 'euros', cent: ['cent', 'cents'] },
  '£': { one: 'pound', many: 'pounds', cent: ['penny', 'pence'] },
  '¥': { one: 'yen', many: 'yen' },
  '₹': { one: 'rupee', many: 'rupees', cent: ['paisa', 'paise'] },
};

const SCALE_SUFFIXES: Record<string, string> = { k: 'thousand', m: 'million', mn: 'million', b: 'billion', bn: 'billion', tn: 'trillion' };

/**
 * "$5" → "five dollars"; "$1.50" → "one dollar and fifty cents"; "$0.99" →
 * "ninety-nine cents"; "$2.5 million" → "two point five million dollars".
 */
function money(sign: string | undefined, symbol: string, units: string, decimals: string | undefined, scale: string | undefined): string {
  const currency = CURRENCIES[symbol] ?? { one: symbol, many: symbol };
  const minus = sign ? 'minus ' : '';
  const amount = decimals === undefined ? integerWords(units) : `${integerWords(units)} point ${spellDigits(decimals)}`;
  if (scale) return `${minus}${amount} ${SCALE_SUFFIXES[scale.toLowerCase()] ?? scale.toLowerCase()} ${currency.many}`;
  const cents = currency.cent && decimals !== undefined && decimals.length <= 2 ? Number(decimals.padEnd(2, '0')) : undefined;
  if (decimals !== undefined && cents === undefined) return `${minus}${amount} ${currency.many}`;
  const whole = units.replaceAll(',', '');
  const major = `${cardinal(whole)} ${Number(whole) === 1 ? currency.one : currency.many}`;
  if (!cents || !currency.cent) return minus + major;
  const minor = `${cardinal(String(cents))} ${currency.cent[cents === 1 ? 0 : 1]}`;
  return minus + (Number(whole) === 0 ? minor : `${major} and ${minor}`);
}

const MONTH_ALTERNATION = Object.keys(MONTH_NAMES)
  .sort((a, b) => b.length - a.length)
  .join('|');
/** An amount as written: "1,200", "1200"; the decimals are captured separately. */
const AMOUNT = String.raw`(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?`;
const MERIDIEM = String.raw`(?: ?([ap])\.?m(?![\p{L}\p{N}])(\.)?)`;

const NUMBERS_IN_CONTEXT: readonly Rule[] = [
  // Phone numbers, digit by digit in their groups: "(555) 123-4567".
  [/(?<![\d-])(?:\(\d{3}\) ?|\d{3}[-.])\d{3}[-.]\d{4}(?![\d-])/gu, (match) => spaced((match[0].match(/\d+/g) ?? []).map(spellDigits).join(', '), match)],
  [/(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])/gu, isoDate],
  // "5 - 3" is arithmetic; "10-20", "1990–95" and "9:00-17:00" are ranges.
  [/(?<=\d) - (?=\d)/gu, ' minus '],
  [/(?<![\d.,:-])(\d+(?:[.,:]\d+)*)(?:-| ?– ?)(\d+(?:[.,:]\d+)*)(?![\d–-])/gu, '$1 to $2'],
  [/(?<![\p{L}\p{N}])12 ?(noon|midnight)(?![\p{L}])/giu, '$1'],
  [/(?<![\d:.,])(\d{1,2}):([0-5]\d):([0-5]\d)(?![\d:]| ?[ap]\.?m(?![\p{L}\p{N}]))/giu, duration],
  [new RegExp(String.raw`(?<![\d:.,])(\d{1,2}):([0-5]\d)(?::[0-5]\d)?${MERIDIEM}?(?![\d:])`, 'giu'), (m) => clockTime(m, m[1] ?? '', m[2], m[3], m[4])],
  [new RegExp(String.raw`(?<![\d:.,])(\d{1,2})${MERIDIEM}`, 'giu'), (m) => clockTime(m, m[1] ?? '', undefined, m[2], m[3])],
  [
    new RegExp(String.raw`(?:(?<![\p{L}\p{N}])(-))?([$€£¥₹]) ?${AMOUNT}(?: ?(thousand|million|billion|trillion)(?![\p{L}])|(k|mn|m|bn|b|tn)(?![\p{L}\p{N}]))?`, 'giu'),
    (m) => spaced(money(m[1], m[2] ?? '', m[3] ?? '', m[4], m[5] ?? m[6]), m),
  ],
  // Symbol after the amount, as in much of Europe: "20€".
  [new RegExp(String.raw`(?<![\d.,])${AMOUNT} ?([$€£¥])(?![\p{L}\p{N}])`, 'gu'), (m) => spaced(money(undefined, m[3] ?? '', m[1] ?? '', m[2], undefined), m)],
  [/(?<![\d.,])(\d+) ?¢/gu, (m) => spaced(`${cardinal(m[1] ?? '')} ${Number(m[1]) === 1 ? 'cent' : 'cents'}`, m)],
  [new RegExp(String.raw`(?<!\p{L})(${MONTH_ALTERNATION})\.? (\d{1,4})(?:st|nd|rd|th)?(?![\p{L}\p{N}:]|[.,]\d)`, 'gu'), monthDay],
  [/(?<![\d.,/])(\d+)\/(\d+)(?![\d/]|[.,]\d)/gu, fraction],
  [/(?<!\p{L})[Nn]o\.(?= ?\d)/gu, 'number'],
  [/#(?=\d)/gu, ' number '],
  [/~(?= ?\d)/gu, ' about '],
  [/(?<=\d) ?\^ ?(?=\d)/gu, ' to the power of '],
];

// ---------------------------------------------------------------------------
// Abbreviations. Before the plain number rules, so "42nd St." still shows its digits.

/** Titles stand before a name: their stop never ends a sentence, so it goes (a TTS engine would stop there). */
const TITLES: Record<string, string> = {
  Mr: 'Mister',
  Mrs: 'Missus',
  Ms: 'Miz',
  Prof: 'Professor',
  Sgt: 'Sergeant',
  Capt: 'Captain',
  Lt: 'Lieutenant',
  Col: 'Colonel',
  Gen: 'General',
  Gov: 'Governor',
  Sen: 'Senator',
  Rev: 'Reverend',
  Fr: 'Father',
  Mt: 'Mount',
  Ft: 'Fort',
};
/** British style writes these without a stop ("Mr Smith"); the others need one, so "Gen Z" stays. */
const UNDOTTED_TITLES = ['Mrs', 'Mr', 'Ms', 'Prof'];

/**
 * A title before a name, a place after one: "St. Louis" / "Main St.",
 * "Dr. Kael" / "Mulholland Dr.". `otherwise`: the usual reading when the
 * context says nothing ("the St. was empty", "ask the Dr.").
 */
const TITLE_OR_PLACE: Record<string, { title: string; place: string; otherwise: 'title' | 'place' }> = {
  St: { title: 'Saint', place: 'Street', otherwise: 'place' },
  Dr: { title: 'Doctor', place: 'Drive', otherwise: 'title' },
};

/** Read where they stand; their stop never ends a sentence. */
const ABBREVIATIONS: Record<string, string> = {
  'e.g.': 'for example',
  'i.e.': 'that is',
  'vs.': 'versus',
  vs: 'versus',
  'approx.': 'approximately',
  'Dept.': 'Department',
  'Fig.': 'Figure',
  'Vol.': 'Volume',
  'Ch.': 'Chapter',
  'w/o': 'without',
  'w/': 'with',
};

/** These often end a sentence: their stop is kept when a capital follows. */
const CLOSING_ABBREVIATIONS: Record<string, string> = {
  'etc.': 'et cetera',
  etc: 'et cetera',
  'a.m.': 'A M',
  'p.m.': 'P M',
  'Inc.': 'Incorporated',
  'Ltd.': 'Limited',
  'Corp.': 'Corporation',
  'Jr.': 'Junior',
  'Sr.': 'Senior',
  'Ave.': 'Avenue',
  'Blvd.': 'Boulevard',
  'Rd.': 'Road',
  'lbs.': 'pounds',
  'oz.': 'ounces',
  'ft.': 'feet',
};

function alternation(words: readonly string[]): string {
  return [...words]
    .sort((a, b) => b.length - a.length)
    .map(escapeRegExp)
    .join('|');
}

function titleOrPlace(match: RegExpExecArray): string {
  const [, written = '', stop] = match;
  const entry = TITLE_OR_PLACE[written];
  if (!entry) return match[0];
  const [before, after] = [wordBefore(match), wordAfter(match)];
  const reading = /\d/.test(before)
    ? 'place' // "42nd St."
    : isName(after) && !SENTENCE_OPENERS.has(after)
      ? 'title' // "St. Louis", "Ask Dr. Kael"
      : isName(before)
        ? 'place' // "Baker St. The house…", "Mulholland Dr."
        : entry.otherwise;
  if (reading === 'title') return entry.title;
  return entry.place + (stop && keepsFullStop(match, 'opener') ? '.' : '');
}

function abbreviation(match: RegExpExecArray): string {
  const written = match[0];
  const closing = CLOSING_ABBREVIATIONS[written];
  if (closing === undefined) return ABBREVIATIONS[written] ?? written;
  return closing + (written.endsWith('.') && keepsFullStop(match, 'capital') ? '.' : '');
}

/** "U.S.A." → "U S A"; "J.R.R. Tolkien" → "J R R Tolkien". */
function dottedInitialism(match: RegExpExecArray): string {
  const [, letters = '', stop] = match;
  return letters.replaceAll('.', ' ') + (stop && keepsFullStop(match, 'opener') ? '.' : '');
}

const ABBREVIATION_RULES: readonly Rule[] = [
  [new RegExp(`(?<![\\p{L}\\p{N}])(${alternation(Object.keys(TITLE_OR_PLACE))})(?![\\p{L}\\p{N}-])(\\.)?`, 'gu'), titleOrPlace],
  [new RegExp(`(?<![\\p{L}\\p{N}])(${alternation(Object.keys(TITLES))})\\.`, 'gu'), (m) => TITLES[m[1] ?? ''] ?? m[0]],
  [new RegExp(`(?<![\\p{L}\\p{N}])(${alternation(UNDOTTED_TITLES)})(?= [\\p{Lu}\\uE000])`, 'gu'), (m) => TITLES[m[1] ?? ''] ?? m[0]],
  [new RegExp(`(?<![\\p{L}\\p{N}.])(?:${alternation([...Object.keys(ABBREVIATIONS), ...Object.keys(CLOSING_ABBREVIATIONS)])})(?![\\p{L}\\p{N}])`, 'gu'), abbreviation],
  [/(?<![\p{L}\p{N}.])((?:\p{Lu}\.)+\p{Lu})(\.)?(?![\p{L}\p{N}])/gu, dottedInitialism],
];

// ---------------------------------------------------------------------------
// Symbols. After the numbers in context (which need "$", "/", "–", ":"),
// before the plain numbers (so "%" is already "percent" when a year is judged).

const SYMBOLS: readonly Rule[] = [
  // Decoration, before anything names its symbols: rules and progress bars ("=====", "****", "[####>   ]").
  [/([=#*_~+|^<>])\1{2,}/gu, ' '],
  // Arrows next: "->" and "=>" would otherwise read as a dash and "equals".
  [/-{1,2}>|={1,2}>|[→⇒⟶⟹]/gu, ' to '],
  [/[\u2190-\u21FF\u27F0-\u27FF]/gu, ' '],
  // A dash is a pause, and a comma gives every engine one.
  [/ - |-{2,}|[—–―‒]/gu, ', '],
  // An ellipsis is a pause engines know: longer runs and spaced dots mean the same.
  [/\.(?: ?\.){2,}/gu, '...'],
  [/!{2,}/gu, '!'],
  [/\?{2,}/gu, '?'],
  [/° ?C(?!\p{L})/gu, ' degrees Celsius'],
  [/° ?F(?!\p{L})/gu, ' degrees Fahrenheit'],
  [/°/gu, ' degrees'],
  [/%/gu, ' percent'],
  [/‰/gu, ' per mille'],
  [/&/gu, ' and '],
  [/\+/gu, ' plus '],
  [/±/gu, ' plus or minus '],
  [/×/gu, ' times '],
  [/÷/gu, ' divided by '],
  [/=/gu, ' equals '],
  [/≈/gu, ' approximately '],
  [/≠/gu, ' not equal to '],
  [/≤/gu, ' at most '],
  [/≥/gu, ' at least '],
  [/§/gu, ' section '],
  // C#, F#: languages and notes.
  [/(?<![\p{L}\p{N}])([A-G])#(?![\p{L}\p{N}])/gu, '$1 sharp'],
  [/(?<![\p{L}\p{N}])#(?=\p{L})/gu, 'hashtag '],
  [/@/gu, ' at '],
  // "and/or" → "and or"; "24/7", "9/11" and "50/50" are said the same way.
  [/\//gu, ' '],
  // Markup leftovers, bullets, stray currency signs and other symbols a voice should not name.
  [/[#~^*_`|\\<>[\]{}$€£¥₹¢•‣⁃∙·]/gu, ' '],
  [/\p{So}/gu, ' '],
];

// ---------------------------------------------------------------------------
// Plain numbers: decades, ordinals, years, then everything else.

const YEAR_RANGE = { from: 1100, to: 2099 };

/**
 * A four-digit number in YEAR_RANGE is a year unless a unit follows it ("1500
 * meters", "2000 years"); "1,000" has a separator, so it is never one.
 */
const NOT_A_YEAR_AFTER =
  /^ ?(?:years?|yrs?|months?|weeks?|days?|hours?|hrs?|minutes?|mins?|seconds?|secs?|ms|times|people|persons|men|women|kids|children|soldiers|users|words|pages|lines|rows|items|units|copies|steps|points|votes|miles?|mi|km|kilometers?|kilometres?|meters?|metres?|m|cm|mm|feet|foot|ft|inches|yards?|kg|kilos?|kilograms?|grams?|g|pounds?|lbs?|tons?|tonnes?|calories|dollars?|euros?|percent|degrees?|bytes?|[KMGT]B|Hz|mph|kph)(?![\p{L}])/iu;

function inYearRange(digits: string): boolean {
  const value = Number(digits);
  return digits.length === 4 && value >= YEAR_RANGE.from && value <= YEAR_RANGE.to;
}

function isYear(match: RegExpExecArray): boolean {
  const end = match.index + match[0].length;
  const negative = match.input[match.index - 1] === '-' && !WORD_CHARACTER.test(match.input[match.index - 2] ?? '');
  return inYearRange(match[1] ?? '') && !negative && !NOT_A_YEAR_AFTER.test(match.input.slice(end, end + 24));
}

/** "1990s" → "nineteen nineties" (always a decade, even before "kids"); "'80s" → "eighties"; "10s of thousands" → "tens of thousands". */
function decade(match: RegExpExecArray): string {
  const digits = match[1] ?? '';
  return spaced(pluralWords(inYearRange(digits) ? yearWords(Number(digits)) : cardinal(digits)), match);
}

function plainNumber(match: RegExpExecArray): string {
  const [, minus, integer = '', decimals, bareDecimals] = match;
  if (bareDecimals !== undefined) return spaced(`point ${spellDigits(bareDecimals)}`, match);
  const whole = integerWords(integer);
  // "3.14" → "three point one four"; "1.2.3" (versions, addresses) → "one point two point three".
  const words =
    decimals === undefined ? whole : decimals.includes('.') ? [whole, ...decimals.split('.').map(integerWords)].join(' point ') : `${whole} point ${spellDigits(decimals)}`;
  return spaced(minus ? `minus ${words}` : words, match);
}

const NUMBER_RULES: readonly Rule[] = [
  [/(?<![\d.,'])'?(\d{1,3}0)'?s(?![\p{L}\p{N}'])/gu, decade],
  [/(?<![\d.,])(\d{1,3}(?:,\d{3})+|\d+)(st|nd|rd|th)(?![\p{L}\p{N}])/giu, (m) => spaced(ordinalWords(cardinal((m[1] ?? '').replaceAll(',', ''))), m)],
  [/(?<![\d.,])(\d{4})(?!\d|[.,]\d)/gu, (m) => (isYear(m) ? spaced(yearWords(Number(m[1])), m) : m[0])],
  [/(?:(?<![\p{L}\p{N}_.])(-))?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+(?:\.\d+)*))?|(?<![\p{N}.])\.(\d+)/gu, plainNumber],
  // Agreement the rules above cannot see: "1°" → "one degrees" → "one degree".
  [/(?<![\p{L}-])one degrees/gu, 'one degree'],
];

// ---------------------------------------------------------------------------
// Initialisms: a short, conservative list. Other capitals are left alone,
// because shouting ("NO WAY") and words (NASA, RAM) must be read as words.

const INITIALISMS = [
  'AI', 'API', 'BBC', 'CD', 'CEO', 'CFO', 'CIA', 'CNN', 'CPU', 'CSS', 'CTO', 'DJ', 'DNA', 'DNS', 'DVD', 'ETA', 'EU', 'FBI', 'FTP',
  'GB', 'GPS', 'GPU', 'HDD', 'HQ', 'HTML', 'HTTP', 'HTTPS', 'ID', 'IP', 'KB', 'LCD', 'LED', 'MB', 'NSA', 'NYC', 'OS', 'PC', 'PDF', 'RGB',
  'RNA', 'SMS', 'SSD', 'SSH', 'SSL', 'TB', 'TLS', 'TV', 'UI', 'UK', 'UN', 'URL', 'USA', 'USB', 'UX', 'VPN', 'VR',
];

const INITIALISM_RULES: readonly Rule[] = [
  // Plurals and possessives keep their ending: "CPUs" → "C P Us".
  [new RegExp(`(?<![\\p{L}\\p{N}])(?:${alternation(INITIALISMS)})(?=(?:'?s)?(?![\\p{L}\\p{N}]))`, 'gu'), (m) => m[0].split('').join(' ')],
];

// ---------------------------------------------------------------------------
// Tidying: the stages above leave doubled spaces and orphaned punctuation.

const TIDY: readonly Rule[] = [
  [/\s+/gu, ' '],
  [/ (?=[,.;:!?)\]])/gu, ''],
  [/(?<=[([]) /gu, ''],
  // "Wait—." → "Wait, ." → "Wait."
  [/[,;:](?=[.!?])/gu, ''],
  [/(?<=[.!?]),/gu, ''],
  [/,{2,}/gu, ','],
  // "one,two" → "one, two"; not before quotes, which may be closing ones.
  [/([,;:])(?=[\p{L}\p{N}(])/gu, '$1 '],
];

/** Leading and trailing separators, trimmed with loops (see splitTrailing). */
function tidy(text: string): string {
  const tidied = applyRules(text, TIDY);
  const [body] = splitTrailing(tidied, ' ,;:');
  let start = 0;
  while (start < body.length && ' ,;:'.includes(body[start] ?? '')) start += 1;
  return body.slice(start);
}

/** Order matters: each stage's comment says what it relies on. */
const SPEECH_STAGES: readonly ((text: string) => string)[] = [
  (text) => applyRules(text, NUMBERS_IN_CONTEXT),
  (text) => applyRules(text, ABBREVIATION_RULES),
  (text) => applyRules(text, SYMBOLS),
  (text) => applyRules(text, NUMBER_RULES),
  (text) => applyRules(text, INITIALISM_RULES),
];
