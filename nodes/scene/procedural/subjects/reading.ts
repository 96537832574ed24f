/**
 * What a scene's words say about its subject and its framing: a person (or a
 * few) and what they hold, a screen, a timer or a chart; the shot size; a
 * shallow depth of field; fast cuts. Read from the prompt's words and its
 * camera shot (the script engine's `camera.shot`, e.g. "close-up, shallow
 * depth of field"), by phrase tables like the engine's own.
 */

export const subjectKinds = ['figure', 'screen', 'timer', 'chart'] as const;
export type SubjectKind = (typeof subjectKinds)[number];

export const shotSizes = ['wide', 'medium', 'close-up', 'extreme close-up'] as const;
export type ShotSize = (typeof shotSizes)[number];

export const propNames = ['flashlight', 'lantern', 'umbrella', 'phone'] as const;
export type PropName = (typeof propNames)[number];

export interface SubjectReading {
  kind: SubjectKind;
  /** What a figure holds; on an object, a beam sweeping across it (someone out of frame holds it). */
  prop?: PropName;
  /** People in the picture (1 unless the words name several). */
  count: number;
  /** What a timer shows: a countdown (the default), the time of day, a rising count, or progress to 100 %. */
  readout?: TimerReadout;
  /** What a chart draws: bars, a line, or both (the default, when the words name neither). */
  plot?: ChartPlot;
  /** Someone in the foreground watching an object subject: a person is named with it, and the shot is not a close-up of the object. */
  onlooker?: boolean;
}

export type ChartPlot = 'bars' | 'line' | 'both';
const BAR_WORDS = ['bar chart', 'bar graph', 'bars', 'histogram', 'column chart'];
const LINE_WORDS = ['line graph', 'line chart', 'trend line', 'curve', 'growth curve', 'stock ticker', 'stock chart', 'plot line'];

export const timerReadouts = ['countdown', 'clock', 'counter', 'progress'] as const;
export type TimerReadout = (typeof timerReadouts)[number];

/** Words for each readout, tried in this order (a clock "counting down" is a countdown); a timer whose words name none counts down. */
const READOUT_WORDS: ReadonlyArray<readonly [TimerReadout, readonly string[]]> = [
  ['countdown', ['countdown', 'counting down', 'counts down', 'count down', 'racing to zero', 'ticking down', 'seconds left', 't minus']],
  ['progress', ['progress bar', 'loading bar', 'loading', 'download', 'upload', 'percent', 'percentage', 'progress']],
  ['counter', ['counter', 'counting up', 'counts up', 'ticking up', 'tally', 'odometer', 'view count', 'number climbing', 'numbers climbing']],
  ['clock', ['clock', 'watch', 'time of day', 'wall clock']],
];

/** Phrases naming each subject, matched as whole words (a trailing "s" allowed). */
const SUBJECT_WORDS: Readonly<Record<SubjectKind, readonly string[]>> = {
  figure: [
    'figure', 'person', 'man', 'woman', 'men', 'women', 'silhouette', 'silhouetted', 'stranger', 'scavenger', 'survivor', 'soldier', 'girl', 'boy', 'child',
    'someone', 'hacker', 'detective', 'traveller', 'traveler', 'wanderer', 'people', 'crowd', 'guard', 'agent', 'runner', 'pilot', 'explorer', 'hiker',
    'character', 'protagonist', 'host', 'presenter', 'engineer', 'scientist', 'worker', 'operator', 'walker', 'rider', 'thief', 'astronaut', 'diver',
    'sailor', 'farmer', 'doctor', 'nurse', 'student', 'teacher', 'kid', 'officer', 'robot', 'android', 'refugee', 'hunter', 'lover', 'friend', 'commuter',
    'pedestrian', 'passerby', 'passer by', 'shopper', 'tourist', 'citizen', 'villager', 'monk', 'priest', 'courier', 'driver', 'dancer', 'musician',
  ],
  screen: ['monitor', 'screen', 'terminal', 'display', 'laptop', 'computer', 'tablet', 'phone', 'smartphone', 'television', 'tv', 'console', 'dashboard', 'code editor', 'crt'],
  timer: [
    'timer', 'countdown', 'clock', 'score counter', 'counter ticking', 'stopwatch', 'digits', 'ticking down', 'seconds left', 'progress bar', 'loading bar',
    'counting up', 'ticking up', 'odometer', 'tally', 'view count', 'number climbing', 'numbers climbing',
  ],
  chart: ['chart', 'graph', 'bar chart', 'line graph', 'histogram', 'statistics', 'stats', 'metrics', 'stock ticker', 'growth curve', 'bar graph'],
};

/** Words that make a screen the place rather than the subject ("text on screen", "split screen"). */
const NOT_A_SUBJECT = ['text on screen', 'on screen text', 'split screen', 'screen shake', 'off screen', 'offscreen', 'title card'];

const PROP_WORDS: Readonly<Record<PropName, readonly string[]>> = {
  flashlight: ['flashlight', 'flash light', 'torch', 'torchlight', 'headlamp'],
  lantern: ['lantern', 'candle', 'oil lamp', 'lamp in hand'],
  umbrella: ['umbrella', 'parasol'],
  phone: ['phone', 'smartphone', 'cellphone', 'mobile phone'],
};

/** Props that only a person holds: on an object, only a flashlight means something (a beam sweeping it). */
const HELD_ONLY: ReadonlySet<PropName> = new Set(['lantern', 'umbrella', 'phone']);

/** Words between a person and an object that say the person is looking at it (or working at it). */
const VIEWING_WORDS = [
  'watch', 'watches', 'watching', 'look at', 'looks at', 'looking at', 'stare at', 'stares at', 'staring at', 'gaze at', 'gazes at', 'hunched over', 'hunches over',
  'leans over', 'leaning over', 'reads', 'reading', 'types', 'typing', 'sits at', 'sitting at', 'stands at', 'standing at', 'works at', 'working at', 'in front of',
  'studies', 'studying', 'checks', 'checking', 'at a', 'at the', 'at his', 'at her', 'at their', 'glued to', 'facing',
];

/** Several people: a crowd of three to five figures. */
const MANY_PEOPLE = ['people', 'crowd', 'figures', 'men', 'women', 'group', 'team', 'soldiers', 'survivors', 'several'];

const SHOT_WORDS: ReadonlyArray<readonly [ShotSize, readonly string[]]> = [
  ['extreme close-up', ['extreme close up', 'extreme closeup', 'ecu', 'macro shot', 'macro']],
  ['close-up', ['medium close up', 'close up', 'closeup', 'close shot', 'tight shot', 'insert shot', 'mcu']],
  ['medium', ['medium shot', 'mid shot', 'waist up', 'over the shoulder', 'ots', 'two shot']],
  ['wide', ['wide shot', 'wide angle', 'wide view', 'long shot', 'full shot', 'extreme wide shot', 'establishing shot', 'establishing']],
];

const SHALLOW_WORDS = ['shallow depth of field', 'shallow focus', 'shallow dof', 'bokeh', 'blurred background', 'background blurred', 'rack focus', 'focus pull', 'pull focus', 'soft focus', 'out of focus background'];

const CUT_WORDS = ['fast cuts', 'quick cuts', 'rapid cuts', 'jump cuts', 'jump cut', 'quick cutting', 'fast cutting', 'rapid fire cuts', 'montage', 'rapid montage', 'fast edit', 'fast edits', 'quick edits', 'staccato cuts', 'rapid editing'];

/** Seconds a shot holds when the brief asks for fast cuts. */
export const CUT_SECONDS = 1.5;

/** Lower-case words joined by single spaces, hyphens as spaces: "close-up" → "close up". */
export function normalise(text: string): string {
  return ` ${(text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []).map((w) => w.replace(/'s$/, '')).join(' ')} `;
}

/** Where the first of `phrases` occurs in normalised `text` as whole words (plural allowed), or -1. */
function firstAt(text: string, phrases: readonly string[]): number {
  let best = -1;
  for (const phrase of phrases) {
    for (const form of [` ${phrase} `, ` ${phrase}s `, ` ${phrase}es `]) {
      const at = text.indexOf(form);
      if (at >= 0 && (best < 0 || at < best)) best = at;
    }
  }
  return best;
}

const has = (text: string, phrases: readonly string[]): boolean => firstAt(text, phrases) >= 0;

/** The shot size the words name, if any. */
export function readShot(text: string): ShotSize | undefined {
  const words = normalise(text);
  for (const [size, phrases] of SHOT_WORDS) if (has(words, phrases)) return size;
  return undefined;
}

export const readShallowFocus = (text: string): boolean => has(normalise(text), SHALLOW_WORDS);

/** Seconds between cuts when the words ask for fast cuts; undefined for one continuous shot. */
export const readCuts = (text: string): number | undefined => (has(normalise(text), CUT_WORDS) ? CUT_SECONDS : undefined);

/**
 * The subject: of the things named, the first mentioned — except that a
 * close-up is of an object (a screen, a timer, a chart) when one is named,
 * as "Kael's flashlight sweeps across a glowing monitor, close-up" frames the
 * monitor and not Kael; so is an over-the-shoulder shot, or a person looking
 * at (working at, hunched over…) an object, who then watches it from the
 * foreground. A phone is held by whoever is named; a flashlight with nobody
 * named is held by a figure.
 */
export function readSubject(text: string, shot: ShotSize | undefined): SubjectReading | undefined {
  let words = normalise(text);
  for (const phrase of NOT_A_SUBJECT) words = words.replaceAll(` ${phrase} `, ' ');
  const props = propNames.map((name) => ({ name, at: firstAt(words, PROP_WORDS[name]) })).filter((entry) => entry.at >= 0).sort((a, b) => a.at - b.at);
  // A phone is something a person holds, not a screen to look at, unless the shot closes in on it or nobody is named.
  const screens = SUBJECT_WORDS.screen.filter((word) => !PROP_WORDS.phone.includes(word));
  const found = subjectKinds.map((kind) => ({ kind, at: firstAt(words, kind === 'screen' ? screens : SUBJECT_WORDS[kind]) })).filter((entry) => entry.at >= 0);
  const close = shot === 'close-up' || shot === 'extreme close-up';
  const holder = found.find((entry) => entry.kind === 'figure');
  if (!holder && !found.some((entry) => entry.kind === 'screen') && has(words, PROP_WORDS.phone)) found.push({ kind: 'screen', at: firstAt(words, PROP_WORDS.phone) });
  if (close && holder && has(words, PROP_WORDS.phone) && !found.some((entry) => entry.kind === 'screen')) found.push({ kind: 'screen', at: firstAt(words, PROP_WORDS.phone) });
  const objects = found.filter((entry) => entry.kind !== 'figure').sort((a, b) => a.at - b.at);
  // Someone looking at an object frames the object, over their shoulder: "a hacker hunched over a terminal".
  const watched = objects.find((entry) => holder !== undefined && holder.at < entry.at && has(words.slice(holder.at, entry.at + 1), VIEWING_WORDS));
  const overShoulder = has(words, ['over the shoulder', 'ots', 'over shoulder']);
  const pool = (close || overShoulder || watched) && objects.length > 0 ? objects : found;
  const first = watched ?? pool.sort((a, b) => a.at - b.at)[0];
  // A flashlight (or lantern…) with nobody named is held by a figure.
  const kind: SubjectKind | undefined = first?.kind ?? (props.length > 0 ? 'figure' : undefined);
  if (!kind) return undefined;
  const prop = props.find((entry) => kind === 'figure' || !HELD_ONLY.has(entry.name))?.name;
  const several = has(words, MANY_PEOPLE) || SUBJECT_WORDS.figure.some((word) => words.includes(` ${word}s `));
  const count = kind === 'figure' && several ? 3 : 1;
  const readout = kind === 'timer' ? (READOUT_WORDS.find(([, phrases]) => has(words, phrases))?.[0] ?? 'countdown') : undefined;
  const bars = has(words, BAR_WORDS);
  const line = has(words, LINE_WORDS);
  const plot: ChartPlot | undefined = kind === 'chart' ? (bars === line ? 'both' : bars ? 'bars' : 'line') : undefined;
  const onlooker = kind !== 'figure' && holder !== undefined && !close;
  return { kind, ...(prop ? { prop } : {}), count, ...(readout ? { readout } : {}), ...(plot ? { plot } : {}), ...(onlooker ? { onlooker } : {}) };
}

/** The framing when the words name none: people are seen whole in their setting, objects at medium size. */
export function defaultShot(kind: SubjectKind | undefined): ShotSize {
  return kind === undefined || kind === 'figure' ? 'wide' : 'medium';
}
