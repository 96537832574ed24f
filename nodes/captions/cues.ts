/**
 * Caption cues from the Timeline's dialogue, cut the way a captioner cuts
 * them. Each clip's words become tokens (the written text, timed by the
 * spoken words); a dynamic programme then chooses where cues end and where
 * their lines break, scoring every boundary by its phrase role — a sentence
 * end is the best place, a comma next, then before a conjunction or a
 * preposition; never between an article or adjective and its noun — and each
 * cue by its shape (one line when it fits, else balanced and bottom-heavy).
 * Hard limits (lines, characters, seconds, the clip's audio span) are never
 * broken: a cue never holds two clips, so a change of speaker always starts a
 * new one.
 */
import { nlp } from '../script/engine/nlp.js';
import { Type, type Static, type Timeline, type TimelineClip } from '../../runtime/contract/index.js';
import { syllables } from '../voice/word-timing.js';
import { charactersOf, cleanText, type Cue } from './format.js';

export const speakerLabels = ['none', 'name', 'dash'] as const;
export type SpeakerLabel = (typeof speakerLabels)[number];

export const defaultCueRules = { maxLines: 2, maxChars: 42, maxDuration: 7, minDuration: 1, speakerLabel: 'none' as SpeakerLabel, unlabeledSpeakers: ['NARRATOR'] };

/** The rules as the captions node's params (one definition: its schema and CueRules). */
export const cueRulesParams = {
  maxLines: Type.Integer({ title: 'Lines per cue', minimum: 1, maximum: 3, default: defaultCueRules.maxLines }),
  maxChars: Type.Integer({ title: 'Characters per line', description: '42 is the broadcast norm; vertical video reads better around 28–32, and big Shorts captions at 10–12.', minimum: 8, maximum: 80, default: defaultCueRules.maxChars }),
  /** Seconds. */
  maxDuration: Type.Number({ title: 'Longest cue (s)', minimum: 1, maximum: 20, default: defaultCueRules.maxDuration }),
  /** Seconds a cue stays up at least, when the next cue and its clip leave room. */
  minDuration: Type.Number({ title: 'Shortest display (s)', description: 'Where the next cue and the clip’s audio leave room.', minimum: 0, maximum: 5, default: defaultCueRules.minDuration }),
  /** Marks the first cue of each speaker's turn with `NAME:` or `-`. */
  speakerLabel: Type.Unsafe<SpeakerLabel>({ enum: [...speakerLabels], title: 'Speaker label', description: 'On the first cue of each turn: none, "ARIA: " or "- ".', default: defaultCueRules.speakerLabel }),
  /** Speakers never labelled (the narrator is not a character on screen). */
  unlabeledSpeakers: Type.Array(Type.String({ minLength: 1 }), { title: 'Never labelled', default: defaultCueRules.unlabeledSpeakers }),
};

export type CueRules = Static<ReturnType<typeof Type.Object<typeof cueRulesParams>>>;

/** A displayed word (or a piece of an over-long one) with its time in milliseconds. */
interface Token {
  text: string;
  start: number;
  end: number;
  tags: ReadonlySet<string>;
  /** Characters as a reader counts them (grapheme clusters). */
  width: number;
  /** A piece of a split word: the next token is its rest, never on the same line. */
  continues?: boolean;
  /** The speaker label in front of a turn. */
  label?: boolean;
}

type Timed = Pick<Token, 'text' | 'start' | 'end'>;

// ─── Phrase boundaries ────────────────────────────────────────────────────────

/** What breaking between two tokens costs, by the boundary's phrase role. */
const BREAK_COST = { sentence: 0, clause: 10, conjunction: 25, preposition: 30, plain: 50, dangling: 120, bound: 250 } as const;
type BreakClass = keyof typeof BREAK_COST;

const wordSet = (list: string): ReadonlySet<string> => new Set(list.split(' '));
const CONJUNCTIONS = wordSet('and but or nor so yet because although though while whereas unless until since when whenever where wherever if whether which who whom whose that than as');
const PREPOSITIONS = wordSet(
  'about above across after against along among around at before behind below beneath beside besides between beyond by despite down during except for from in inside into like near of off on onto out outside over past through throughout to toward towards under underneath upon with within without',
);
/** Words that belong to the word after them. */
const DETERMINERS = wordSet('a an the my your our their its every each');
const TITLES = wordSet('mr mrs ms dr st prof sr jr mt');
const NOUNISH = ['Noun', 'Adjective'];

/** The word without surrounding punctuation, lower case: `"Dark,` → `dark`. */
const bare = (token: Timed): string => token.text.toLowerCase().replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
/** The text without closing quotes and brackets, so `dark."` ends a sentence. */
const unclosed = (token: Timed): string => token.text.replace(/["'”’»)\]]+$/u, '');
const isDash = (token: Timed): boolean => /^(?:-{1,2}|—|–)$/.test(token.text);
const hasTag = (token: Token, tags: readonly string[]): boolean => tags.some((tag) => token.tags.has(tag));
const isNoun = (token: Token): boolean => token.tags.has('Noun') && !token.tags.has('Pronoun');

/** Phrase roles in order of precedence: the first that applies classifies the boundary. */
const BREAK_RULES: ReadonlyArray<[BreakClass, (prev: Token, next: Token) => boolean]> = [
  ['bound', (prev) => prev.label === true || TITLES.has(bare(prev))],
  // An ellipsis trails off, and a full stop before a lower-case word is an abbreviation: both are clause breaks at most.
  ['sentence', (prev, next) => /[.!?]$/.test(unclosed(prev)) && !/\.\.\.$/.test(unclosed(prev)) && !/^\p{Ll}/u.test(next.text)],
  ['clause', (prev) => /[,;:…—–.!?]$/.test(unclosed(prev)) || isDash(prev)],
  [
    'bound',
    (prev, next) =>
      DETERMINERS.has(bare(prev)) ||
      prev.tags.has('Determiner') ||
      prev.tags.has('Possessive') ||
      (prev.tags.has('Adjective') && hasTag(next, NOUNISH)) ||
      (prev.tags.has('Value') && next.tags.has('Noun')) ||
      // Compounds and names: "steel door", "working terminal", "Kael Okonjo".
      (isNoun(prev) && isNoun(next)) ||
      (prev.tags.has('Auxiliary') && next.tags.has('Verb')) ||
      (bare(prev) === 'to' && next.tags.has('Verb')),
  ],
  ['dangling', (prev) => PREPOSITIONS.has(bare(prev)) || CONJUNCTIONS.has(bare(prev))],
  ['conjunction', (_prev, next) => CONJUNCTIONS.has(bare(next))],
  ['preposition', (_prev, next) => PREPOSITIONS.has(bare(next)) || next.tags.has('Preposition')],
  ['plain', () => true],
];

/** A silence this long (ms) is a phrase boundary whatever the words say. */
const PAUSE_MS = 350;

const breakClass = (prev: Token, next: Token): BreakClass => (BREAK_RULES.find(([, applies]) => applies(prev, next)) ?? ['plain'])[0];

function breakCost(prev: Token, next: Token): number {
  const cost = BREAK_COST[breakClass(prev, next)];
  return next.start - prev.end >= PAUSE_MS ? Math.min(cost, BREAK_COST.clause) : cost;
}

// ─── Tokens ───────────────────────────────────────────────────────────────────

/** Letters and digits only, lower case: how a written word and a spoken one are matched. */
const matchKey = (text: string): string => text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

/** Spoken time after a sentence or a clause, in syllables, when times come from the text alone. */
const pauseWeight = (text: string): number => (/[.!?…]["'”’)\]]*$/u.test(text) ? 2 : /[,;:—–]["'”’)\]]*$/u.test(text) ? 1 : 0);

/**
 * Texts spread over [start, end] by syllables; with `pauses`, punctuation
 * claims a silence after its word as a speaker would leave one.
 */
function spread(texts: string[], start: number, end: number, pauses: boolean): Timed[] {
  const weights = texts.map((text) => ({ speech: syllables(text), pause: pauses ? pauseWeight(text) : 0 }));
  if (pauses && weights.length > 0) weights[weights.length - 1]!.pause = 0;
  const total = weights.reduce((sum, w) => sum + w.speech + w.pause, 0);
  const scale = total > 0 ? (end - start) / total : 0;
  let at = start;
  return texts.map((text, i) => {
    const { speech, pause } = weights[i]!;
    const token = { text, start: Math.round(at), end: Math.round(at + speech * scale) };
    at += (speech + pause) * scale;
    return token;
  });
}

/** A clip's spoken words, each a single displayable token, inside the span and in time order. */
function spokenTokens(clip: TimelineClip, span: Span): Timed[] {
  let floor = span.start;
  return (clip.words ?? []).flatMap((word) => {
    const start = Math.min(span.end, Math.max(floor, Math.round(word.start * 1000)));
    const end = Math.min(span.end, Math.max(start, Math.round(word.end * 1000)));
    floor = start;
    const parts = cleanText(word.word).split(' ').filter(Boolean);
    // A provider may time several words as one ("New York"); they share its time.
    return spread(parts, start, end, false);
  });
}

/** Pairs of indexes (written, spoken) of a longest common subsequence of match keys. */
function align(written: string[], spoken: string[]): Array<[number, number]> {
  const n = written.length;
  const m = spoken.length;
  const lengths = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i]![j] = written[i] && written[i] === spoken[j] ? lengths[i + 1]![j + 1]! + 1 : Math.max(lengths[i + 1]![j]!, lengths[i]![j + 1]!);
    }
  }
  const pairs: Array<[number, number]> = [];
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (written[i] && written[i] === spoken[j]) pairs.push([i++, j++]);
    else if (lengths[i + 1]![j]! >= lengths[i]![j + 1]!) i++;
    else j++;
  }
  return pairs;
}

/** Alignment is quadratic: longer clips (hours of one monologue) keep the spoken words as they are. */
const MAX_ALIGN_CELLS = 4_000_000;

/**
 * The written text timed by the spoken words. Captions show what the writer
 * wrote ("11 years,") while the voice says what was spelled out for it
 * ("eleven years"): words that match take their spoken times, and each run
 * of written words between two matches takes the time of the spoken words
 * between them.
 */
function timedWords(clip: TimelineClip, span: Span): Timed[] {
  const written = cleanText(clip.text ?? '').split(' ').filter(Boolean);
  const spoken = spokenTokens(clip, span);
  if (spoken.length === 0) return spread(written, span.start, span.end, true);
  if (written.length === 0 || written.length * spoken.length > MAX_ALIGN_CELLS) return spoken;
  const anchors = align(written.map(matchKey), spoken.map((word) => matchKey(word.text)));
  const timed: Timed[] = [];
  let [doneWritten, doneSpoken] = [0, 0];
  for (const [wi, si] of [...anchors, [written.length, spoken.length] as [number, number]]) {
    const run = written.slice(doneWritten, wi);
    if (run.length > 0) {
      const gap = spoken.slice(doneSpoken, si);
      const start = gap[0]?.start ?? spoken[doneSpoken - 1]?.end ?? spoken[si]?.start ?? span.start;
      const end = gap.at(-1)?.end ?? spoken[si]?.start ?? start;
      // As many written as spoken words ("6" for "six"): word for word; otherwise ("11" for "eleven hundred") spread over them.
      timed.push(...(run.length === gap.length ? run.map((text, k) => ({ ...gap[k]!, text })) : spread(run, start, Math.max(start, end), false)));
    }
    const match = spoken[si];
    if (match) timed.push({ ...match, text: written[wi]! });
    [doneWritten, doneSpoken] = [wi + 1, si + 1];
  }
  return timed;
}

/** compromise is slow on long degenerate text; beyond this a clip is broken by the word tables alone. */
const MAX_TAGGED_CHARS = 20_000;
const NO_TAGS: ReadonlySet<string> = new Set();

/** Part-of-speech tags for each token, from compromise's reading of the whole clip. */
function tagged(tokens: Timed[]): Token[] {
  const text = tokens.map((token) => token.text).join(' ');
  const starts = new Map<number, number>();
  let at = 0;
  for (const [index, token] of tokens.entries()) {
    starts.set(at, index);
    at += token.text.length + 1;
  }
  const tags = tokens.map((): Set<string> => new Set());
  if (text.length <= MAX_TAGGED_CHARS) {
    try {
      for (const sentence of nlp(text).json({ offset: true }) as Array<{ terms?: Array<{ tags?: string[]; offset?: { start: number } }> }>) {
        for (const term of sentence.terms ?? []) {
          const index = term.offset ? starts.get(term.offset.start) : undefined;
          if (index !== undefined) for (const tag of term.tags ?? []) tags[index]!.add(tag);
        }
      }
    } catch {
      // Tags only refine the tables; without them the clip is still broken sensibly.
    }
  }
  return tokens.map((token, i) => ({ ...token, tags: tags[i]!.size > 0 ? tags[i]! : NO_TAGS, width: charactersOf(token.text).length }));
}

/** Words longer than a line become hyphenated pieces, timed by their share of letters. */
function splitLong(tokens: Token[], maxPiece: number): Token[] {
  return tokens.flatMap((token) => {
    if (token.width <= maxPiece) return [token];
    const letters = charactersOf(token.text);
    const count = Math.ceil(letters.length / (maxPiece - 1));
    const size = Math.ceil(letters.length / count);
    const duration = token.end - token.start;
    return Array.from({ length: count }, (_, k) => {
      const last = k === count - 1;
      const from = k * size;
      const to = last ? letters.length : from + size;
      const text = letters.slice(from, to).join('') + (last ? '' : '-');
      return {
        ...token,
        text,
        width: charactersOf(text).length,
        start: token.start + Math.round((duration * from) / letters.length),
        end: token.start + Math.round((duration * to) / letters.length),
        continues: !last,
      };
    });
  });
}

// ─── Layout ───────────────────────────────────────────────────────────────────

/** Line breaks weigh less than cue breaks: a reader sees both lines at once. */
const LINE_BREAK_WEIGHT = 0.6;
/** Per character of difference between two lines: a longer top line hurts more than a longer bottom one. */
const SHAPE_COST = { topHeavy: 1.5, bottomHeavy: 0.25 } as const;
/** Every cue costs this much, so text is not cut without reason. */
const CUE_COST = 20;
/** A cue showing across a scene cut. */
const CUT_COST = 400;
/** A cue that starts a sentence and leaves it for the next cue, when it could have ended where that sentence began. */
const ORPHAN_COST = 25;

interface Layout {
  lines: string[];
  cost: number;
}

/**
 * The cheapest arrangement of tokens in at most `maxLines` lines of
 * `maxChars` costing less than `budget`, or undefined when none does.
 * `breakAt(k)` is the cost of a line break before token k.
 */
function layout(tokens: Token[], breakAt: (k: number) => number, rules: CueRules, budget = Infinity): Layout | undefined {
  const n = tokens.length;
  const offsets = [0];
  for (const token of tokens) offsets.push(offsets.at(-1)! + token.width + 1);
  const width = (from: number, to: number): number => offsets[to]! - offsets[from]! - 1;
  // A line may end on a piece of a split word but never run past one.
  const lastEnd = (from: number): number => {
    let to = from + 1;
    while (to < n && !tokens[to - 1]!.continues && width(from, to + 1) <= rules.maxChars) to++;
    return to;
  };
  const fits = (from: number): boolean => lastEnd(from) === n && width(from, n) <= rules.maxChars;
  const text = (from: number, to: number): string => tokens.slice(from, to).map((token) => token.text).join(' ');

  // One line whenever it fits: a captioner never breaks a line that fits.
  if (fits(0)) return budget > 0 ? { lines: [text(0, n)], cost: 0 } : undefined;
  let best: Layout | undefined;
  const starts = [0];
  const place = (from: number, cost: number): void => {
    const linesLeft = rules.maxLines - starts.length + 1;
    if (cost >= (best?.cost ?? budget) || width(from, n) > linesLeft * (rules.maxChars + 1) - 1) return;
    if (fits(from)) {
      const lengths = starts.map((start, i) => width(start, starts[i + 1] ?? n));
      const shape = lengths.slice(1).reduce((sum, below, i) => {
        const diff = lengths[i]! - below;
        return sum + (diff > 0 ? diff * SHAPE_COST.topHeavy : -diff * SHAPE_COST.bottomHeavy);
      }, 0);
      if (cost + shape < (best?.cost ?? budget)) best = { lines: starts.map((start, i) => text(start, starts[i + 1] ?? n)), cost: cost + shape };
      return;
    }
    if (linesLeft === 1) return;
    for (let to = from + 1, last = lastEnd(from); to <= last && to < n; to++) {
      starts.push(to);
      place(to, cost + LINE_BREAK_WEIGHT * breakAt(to));
      starts.pop();
    }
  };
  place(0, 0);
  return best;
}

// ─── Cues ─────────────────────────────────────────────────────────────────────

interface Span {
  start: number;
  end: number;
}

interface Piece {
  tokens: Token[];
  lines: string[];
  clip: TimelineClip;
  span: Span;
}

/** Cue boundaries for one clip: the cheapest partition of its tokens into cues that fit. */
function cutClip(tokens: Token[], label: Token | undefined, cuts: number[], rules: CueRules): Array<{ from: number; to: number; lines: string[] }> {
  const n = tokens.length;
  // Boundary k lies between tokens k-1 and k.
  const costs = tokens.map((token, k) => (k === 0 ? 0 : breakCost(tokens[k - 1]!, token)));
  const sentences = tokens.map((token, k) => k > 0 && breakClass(tokens[k - 1]!, token) === 'sentence');
  const best: Array<{ cost: number; from: number; lines: string[] }> = [{ cost: 0, from: 0, lines: [] }];
  const maxLength = rules.maxLines * (rules.maxChars + 1);
  for (let to = 1; to <= n; to++) {
    const ending = to === n ? 0 : costs[to]!;
    const endsSentence = to === n || sentences[to]!;
    let sentenceInside = false;
    let length = -1;
    for (let from = to - 1; from >= 0; from--) {
      length += tokens[from]!.width + 1;
      sentenceInside ||= sentences[from + 1] === true && from + 1 < to;
      const single = from === to - 1;
      if (!single && (length > maxLength || tokens[to - 1]!.end - tokens[from]!.start > rules.maxDuration * 1000)) break;
      const previous = best[from];
      if (!previous) continue;
      const spansCut = cuts.some((cut) => tokens[from]!.start < cut && tokens[to - 1]!.end > cut);
      const orphan = sentenceInside && !endsSentence;
      const base = previous.cost + CUE_COST + ending + (spansCut ? CUT_COST : 0) + (orphan ? ORPHAN_COST : 0);
      const current = best[to];
      if (current && base >= current.cost) continue;
      const labelled = from === 0 && label !== undefined;
      const shown = labelled ? [label, ...tokens.slice(from, to)] : tokens.slice(from, to);
      // Line break k of the shown tokens lies at boundary from + k of the clip (one less behind a label, which stays with its first word).
      const breakAt = (k: number): number => (labelled ? (k === 1 ? BREAK_COST.bound : costs[from + k - 1]!) : costs[from + k]!);
      const arranged = layout(shown, breakAt, rules, (current?.cost ?? Infinity) - base);
      if (arranged) best[to] = { cost: base + arranged.cost, from, lines: arranged.lines };
    }
  }
  const cues: Array<{ from: number; to: number; lines: string[] }> = [];
  for (let to = n; to > 0; to = best[to]!.from) cues.unshift({ from: best[to]!.from, to, lines: best[to]!.lines });
  return cues;
}

/** The label in front of a speaker's turn, or undefined when the speaker goes unlabelled or the name would crowd the line. */
function labelFor(speaker: string | undefined, rules: CueRules, start: number): Token | undefined {
  if (rules.speakerLabel === 'none' || !speaker || rules.unlabeledSpeakers.includes(speaker)) return undefined;
  const text = rules.speakerLabel === 'dash' ? '-' : `${cleanText(speaker)}:`;
  // Labels longer than a third of a line are left off so that any word still fits beside one (see `maxPiece`).
  const width = charactersOf(text).length;
  if (width >= labelAllowance(rules) || text === ':') return undefined;
  return { text, start, end: start, tags: NO_TAGS, width, label: true };
}

const labelAllowance = (rules: CueRules): number => Math.floor(rules.maxChars / 3);

/** Gaps shorter than this between two cues are closed to `CHAINED_FRAMES`: a blink between cues reads as flicker. */
const CHAIN_GAP_MS = 500;
const CHAINED_FRAMES = 2;

/**
 * Timing for consecutive cues: each starts with its first word, stays until
 * its last word ends and at least `minDuration`, never past the next cue, its
 * clip's audio or `maxDuration`.
 */
function timed(pieces: Piece[], rules: CueRules, fps: number): Cue[] {
  const chained = Math.round((CHAINED_FRAMES * 1000) / fps);
  return pieces.flatMap((piece, k) => {
    const words = piece.tokens.filter((token) => !token.label);
    const start = words[0]!.start;
    const spoken = Math.max(...words.map((token) => token.end));
    const next = pieces[k + 1]?.tokens.find((token) => !token.label)?.start ?? Infinity;
    let end = Math.max(spoken, start + rules.minDuration * 1000);
    if (next - end < CHAIN_GAP_MS) end = Math.max(spoken, next - chained);
    end = Math.min(end, next, piece.span.end, start + rules.maxDuration * 1000);
    if (end <= start) return [];
    const seconds = (ms: number): number => ms / 1000;
    const clamp = (ms: number): number => seconds(Math.min(end, Math.max(start, ms)));
    return [
      {
        start: seconds(start),
        end: seconds(end),
        text: piece.lines.join('\n'),
        lines: piece.lines,
        ...(piece.clip.speaker ? { speaker: cleanText(piece.clip.speaker) } : {}),
        ...(piece.clip.sceneId ? { sceneId: piece.clip.sceneId } : {}),
        words: words.map((token) => ({ word: token.text, start: clamp(token.start), end: clamp(token.end) })),
      },
    ];
  });
}

/** Caption cues for every dialogue clip of a timeline, in time order. */
export function buildCues(timeline: Timeline, rules: CueRules = defaultCueRules): Cue[] {
  const clips = timeline.tracks
    .filter((track) => track.kind === 'dialogue')
    .flatMap((track) => track.clips)
    .filter((clip) => (clip.words?.length ?? 0) > 0 || cleanText(clip.text ?? '').length > 0)
    .sort((a, b) => a.start - b.start);
  const cuts = timeline.scenes.map((scene) => Math.round(scene.start * 1000)).filter((cut) => cut > 0);
  const maxPiece = rules.maxChars - labelAllowance(rules);
  const pieces: Piece[] = [];
  clips.forEach((clip, i) => {
    const start = Math.round(clip.start * 1000);
    const next = clips[i + 1] ? Math.round(clips[i + 1]!.start * 1000) : Infinity;
    // Overlapping speech (crosstalk) is shown one clip after the other: a clip's captions end where the next clip begins.
    const span = { start, end: Math.max(start, Math.min(Math.round((clip.start + clip.duration) * 1000), next > start ? next : Infinity)) };
    const tokens = splitLong(tagged(timedWords(clip, span)), maxPiece);
    if (tokens.length === 0) return;
    const previousSpeaker = clips[i - 1]?.speaker;
    const label = clip.speaker !== previousSpeaker ? labelFor(clip.speaker, rules, tokens[0]!.start) : undefined;
    for (const { from, to, lines } of cutClip(tokens, label, cuts, rules)) {
      pieces.push({ tokens: from === 0 && label ? [label, ...tokens.slice(from, to)] : tokens.slice(from, to), lines, clip, span });
    }
  });
  return timed(pieces, rules, timeline.fps);
}
