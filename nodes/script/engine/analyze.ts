/**
 * Scene analysis: what the visual nodes need to know about a scene (its
 * `SceneBrief`), and the episode-wide text statistics of `Script.analysis`.
 *
 * How it reads a scene: the text is split into word tokens (lower case,
 * possessive `'s` dropped, hyphens as spaces, so "Close-up" and "close up"
 * read the same) and each brief field is looked up in a vocabulary table
 * below. Tables map a canonical value to the phrases that express it; the
 * longest phrase wins where phrases overlap ("heavy rain" over "rain"), a
 * phrase never spans punctuation, and a table word also matches its plural
 * ("rack" matches "racks"). To teach the engine a new word, add it to a table;
 * no code changes are needed. compromise supplies what tables cannot: part of
 * speech (for "ruined city street" and "server racks") and named places.
 *
 * Limits, so that analysis stays roughly linear on any input:
 * - a brief reads at most the first `MAX_SCENE_CHARS` characters of a scene's
 *   directions (or dialogue), and its `description` is that same excerpt;
 * - `analyzeText` counts sentences and words in all of its text, but looks for
 *   places and times (which needs compromise) in pieces of at most
 *   `NLP_CHUNK_CHARS` and in no more than `MAX_ANALYSIS_CHARS` in total.
 * Nothing here throws: a failure inside compromise leaves the affected field
 * empty rather than failing the script.
 */
import nlp from 'compromise';
import type { SceneBrief } from '../../../runtime/contract/index.js';
import { splitSentences } from './sentences.js';

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
/** `analyzeText` hands compromise pieces of at most this size… */
const NLP_CHUNK_CHARS = 5_000;
/** …and no more than this in total: about two hours of narration, where compromise takes ~1 s. */
const MAX_ANALYSIS_CHARS = 120_000;
/** Noun subjects per brief, after the characters. */
const MAX_NOUN_SUBJECTS = 5;
/** Descriptive words kept in front of a place ("abandoned data center"). */
const MAX_PLACE_MODIFIERS = 3;

// ─── Vocabulary ───────────────────────────────────────────────────────────────
// Canonical value → phrases (lower case; list the singular, plurals match too).

type Vocabulary<V extends string = string> = Readonly<Record<V, readonly string[]>>;

/**
 * Setting motifs the scene renderer can draw. `places` name the place itself
 * (and become the brief's `location`); `signs` are things seen there. A place
 * named anywhere in the text beats a sign, and the first place named wins:
 * directions open with the establishing description.
 */
const SETTINGS = {
  'data center': {
    places: ['data center', 'data centre', 'datacenter', 'server room', 'server farm', 'server hall', 'server vault', 'terminal room', 'computer room', 'machine room', 'control room', 'network operations center', 'mainframe room'],
    signs: ['server rack', 'server', 'rack', 'mainframe', 'terminal', 'cooling unit', 'data cable', 'cable', 'blinking led'],
  },
  'city street': {
    places: ['city street', 'street', 'alley', 'alleyway', 'backstreet', 'road', 'avenue', 'boulevard', 'sidewalk', 'pavement', 'crosswalk', 'intersection', 'city block', 'block', 'downtown', 'town square', 'underpass', 'parking lot', 'bus stop', 'highway'],
    signs: ['neon sign', 'storefront', 'shopfront', 'shop', 'traffic', 'streetlight', 'street lamp', 'lamppost', 'taxi', 'manhole', 'graffiti', 'billboard', 'puddle'],
  },
  skyline: {
    places: ['skyline', 'rooftop', 'roof', 'cityscape', 'overlook', 'city below', 'penthouse terrace'],
    signs: ['skyscraper', 'tower', 'antenna', 'water tower', 'city lights', 'helipad'],
  },
  'interior room': {
    places: ['room', 'office', 'kitchen', 'apartment', 'bedroom', 'living room', 'bathroom', 'lab', 'laboratory', 'corridor', 'hallway', 'classroom', 'studio', 'garage', 'basement', 'attic', 'warehouse', 'bunker', 'cafe', 'café', 'restaurant', 'diner', 'library', 'cell', 'cabin', 'lobby', 'elevator', 'stairwell', 'workshop', 'loft', 'ward'],
    signs: ['desk', 'sofa', 'couch', 'bed', 'bookshelf', 'ceiling', 'wallpaper', 'carpet', 'fridge', 'stove', 'kitchen table'],
  },
  forest: {
    places: ['forest', 'woods', 'woodland', 'jungle', 'rainforest', 'park', 'grove', 'clearing', 'meadow', 'glade', 'garden', 'orchard', 'swamp', 'marsh', 'wilderness', 'trail'],
    signs: ['tree', 'pine', 'oak', 'moss', 'fern', 'undergrowth', 'canopy', 'foliage', 'leaves', 'branch', 'birdsong', 'nature'],
  },
  space: {
    places: ['outer space', 'deep space', 'in space', 'orbit', 'space station', 'spaceship', 'spacecraft', 'starship', 'airlock', 'lunar surface', 'moon surface'],
    signs: ['star', 'starfield', 'planet', 'galaxy', 'nebula', 'asteroid', 'cosmos', 'satellite', 'zero gravity', 'astronaut', 'rocket'],
  },
  ocean: {
    places: ['ocean', 'sea', 'beach', 'shore', 'seashore', 'coast', 'coastline', 'harbor', 'harbour', 'pier', 'dock', 'lagoon', 'reef', 'underwater', 'open water', 'surf'],
    signs: ['wave', 'tide', 'seagull', 'boat', 'ship', 'sail', 'lighthouse', 'sea spray'],
  },
  desert: {
    places: ['desert', 'dune', 'wasteland', 'badlands', 'canyon', 'salt flat', 'mesa', 'sand sea', 'wastes'],
    signs: ['sand', 'cactus', 'tumbleweed', 'heat haze', 'mirage', 'sandstorm', 'scorched earth', 'bleached bones'],
  },
  'abstract data': {
    places: ['abstract space', 'cyberspace', 'digital void', 'virtual space', 'data space'],
    signs: ['diagram', 'graph', 'chart', 'bar chart', 'pie chart', 'line graph', 'pixel', 'frame', 'triangle', 'square', 'circle', 'arrow', 'shape', 'icon', 'node', 'flowchart', 'visualization', 'visualisation', 'infographic', 'equation', 'formula', 'waveform', 'histogram', 'matrix', 'data stream', 'binary', 'text on screen', 'on screen text', 'split screen', 'side by side', 'title card', 'countdown', 'progress bar', 'abstract'],
  },
} satisfies Record<string, { places: readonly string[]; signs: readonly string[] }>;

export type SettingMotif = keyof typeof SETTINGS | 'unknown';
export const settingMotifs = [...(Object.keys(SETTINGS) as (keyof typeof SETTINGS)[]), 'unknown'] as const satisfies readonly SettingMotif[];

/** Whether a motif is indoors when the text does not say; `undefined`: it depends. */
const SETTING_IS_INTERIOR: Readonly<Record<keyof typeof SETTINGS, boolean | undefined>> = {
  'data center': true,
  'interior room': true,
  'city street': false,
  skyline: false,
  forest: false,
  ocean: false,
  desert: false,
  space: undefined,
  'abstract data': undefined,
};

/** Explicit indoor/outdoor words; they override the setting's default. */
const INTERIOR_CUES: Vocabulary<'inside' | 'outside'> = {
  inside: ['inside', 'indoors', 'interior', 'int'],
  outside: ['outside', 'outdoors', 'exterior', 'ext', 'open air'],
};

/** Bare "day" is left out: "six days" is not a time of day. A slug saying DAY still counts (see `timeFromSlug`). */
const TIMES_OF_DAY: Vocabulary = {
  night: ['night', 'nighttime', 'tonight', 'late at night'],
  midnight: ['midnight'],
  dawn: ['dawn', 'sunrise', 'daybreak', 'first light'],
  morning: ['morning'],
  day: ['daytime', 'daylight', 'broad daylight'],
  noon: ['noon', 'midday', 'high noon'],
  afternoon: ['afternoon'],
  dusk: ['dusk', 'sunset', 'twilight', 'nightfall', 'golden hour'],
  evening: ['evening'],
};

const WEATHER: Vocabulary = {
  'heavy rain': ['heavy rain', 'pouring rain', 'torrential rain', 'driving rain', 'downpour', 'rainstorm'],
  rain: ['rain', 'raining', 'rainy', 'drizzle', 'drizzling', 'raindrop'],
  storm: ['storm', 'stormy', 'thunderstorm', 'thunder', 'lightning'],
  snow: ['snow', 'snowing', 'snowy', 'snowfall', 'snowflake', 'blizzard', 'sleet'],
  fog: ['fog', 'foggy', 'mist', 'misty', 'haze', 'hazy', 'smog'],
  dust: ['dust', 'dusty', 'dust storm', 'sandstorm', 'ash', 'ashfall'],
  wind: ['wind', 'windy', 'gale', 'gust'],
  clear: ['clear sky', 'clear skies', 'cloudless', 'sunny'],
  overcast: ['overcast', 'cloudy', 'grey sky', 'gray sky'],
};

/**
 * Lighting is read as a run of words such as "cold blue emergency lighting":
 * modifiers, then a light word. A source word stands on its own ("neon",
 * "moonlight"); a plain light noun needs a modifier, so "light rain" and
 * "light floods in" say nothing about lighting.
 */
const LIGHT_SOURCES = new Set([
  'neon', 'moonlight', 'sunlight', 'daylight', 'candlelight', 'firelight', 'torchlight', 'lamplight', 'starlight', 'streetlight',
  'spotlight', 'floodlight', 'blacklight', 'strobe', 'flicker', 'flickering', 'backlight', 'backlit', 'sunbeam', 'moonbeam', 'chiaroscuro',
]);
const LIGHT_NOUNS = new Set(['light', 'lighting', 'glow', 'glare', 'beam', 'tone', 'tint', 'wash']);
const LIGHT_MODIFIERS = new Set([
  // colour
  'red', 'blue', 'green', 'amber', 'golden', 'gold', 'orange', 'yellow', 'white', 'purple', 'violet', 'pink', 'magenta', 'cyan', 'teal',
  'crimson', 'scarlet', 'silver', 'grey', 'gray', 'monochrome', 'colored', 'coloured', 'multicolored', 'rainbow',
  // temperature and quality
  'cold', 'cool', 'warm', 'hot', 'harsh', 'soft', 'dim', 'dull', 'bright', 'brilliant', 'low', 'faint', 'pale', 'weak', 'strong', 'intense',
  'stark', 'sickly', 'eerie', 'hazy', 'murky', 'moody', 'sterile', 'clinical', 'dappled', 'diffuse', 'diffused', 'ambient', 'natural', 'artificial',
  // behaviour
  'flickering', 'blinking', 'pulsing', 'strobing', 'flashing', 'glowing', 'dying', 'failing',
  // source and direction
  'emergency', 'fluorescent', 'sodium', 'halogen', 'tungsten', 'led', 'ultraviolet', 'uv', 'infrared', 'candle', 'fire', 'overhead',
  'rim', 'key', 'fill', 'back', 'side',
  // time of day
  'morning', 'evening', 'afternoon', 'dawn', 'dusk', 'twilight',
]);

const CAMERA_ANGLES: Vocabulary = {
  low: ['low angle', 'from below', 'worm eye', "worm's eye", 'looking up at'],
  high: ['high angle', 'from above', 'looking down at', 'looking down on'],
  'eye level': ['eye level'],
  overhead: ['overhead shot', 'overhead view', 'overhead angle', 'top down', "bird's eye", 'birds eye', 'aerial shot', 'aerial view', 'top shot'],
  dutch: ['dutch angle', 'dutch tilt', 'canted angle', 'canted', 'tilted angle'],
};

/** "static" alone is left out: in these scripts it is usually screen noise. */
const CAMERA_MOVEMENTS: Vocabulary = {
  'push-in': ['push in', 'slow push', 'dolly forward', 'dolly in', 'track in', 'tracking in', 'creep in', 'creep forward', 'move in', 'camera moves closer'],
  'pull-out': ['pull back', 'pull out', 'dolly back', 'dolly out', 'dolly backward', 'track out', 'track back'],
  pan: ['pan', 'panning', 'whip pan', 'pan left', 'pan right', 'pan across'],
  tilt: ['tilt up', 'tilt down'],
  tracking: ['tracking shot', 'tracking', 'camera tracks', 'camera follows', 'following shot', 'follow shot', 'steadicam', 'trucking'],
  handheld: ['handheld', 'hand held', 'shaky cam', 'shaky camera', 'shoulder rig'],
  static: ['static shot', 'static camera', 'static frame', 'locked off', 'tripod', 'fixed camera', 'camera holds', 'still frame'],
  zoom: ['zoom', 'zoom in', 'zoom out', 'crash zoom', 'slow zoom'],
  crane: ['crane', 'crane shot', 'crane up', 'jib', 'boom up', 'drone shot'],
  orbit: ['arc shot', 'orbiting shot', 'camera orbits', 'camera circles'],
  dolly: ['dolly', 'dolly shot'],
};

/** Framing. "wide" and "medium" alone are left out: "wide eyes", "medium rare". */
const SHOT_SIZES: Vocabulary = {
  'extreme close-up': ['extreme close up', 'extreme closeup', 'ecu', 'macro shot'],
  'medium close-up': ['medium close up', 'mcu'],
  'close-up': ['close up', 'closeup', 'close shot', 'tight shot'],
  medium: ['medium shot', 'mid shot', 'waist up'],
  wide: ['wide shot', 'wide angle', 'wide view', 'long shot', 'full shot', 'extreme wide shot'],
  establishing: ['establishing shot', 'establishing'],
  'over the shoulder': ['over the shoulder', 'ots'],
  'point of view': ['pov', 'point of view'],
  insert: ['insert shot'],
};

/** Lens and focus; appended to the framing in `camera.shot` ("close-up, shallow depth of field"). */
const LENS_LOOKS: Vocabulary = {
  'shallow depth of field': ['shallow depth of field', 'shallow focus', 'shallow dof', 'bokeh', 'blurred background'],
  'deep focus': ['deep focus', 'deep depth of field'],
  'rack focus': ['rack focus', 'focus pull', 'pull focus'],
  'soft focus': ['soft focus'],
  fisheye: ['fisheye', 'fish eye'],
};

/** Words that state a mood outright; each counts three times a cue. */
const MOOD_WORDS: Vocabulary = {
  ominous: ['ominous', 'foreboding', 'menacing', 'sinister', 'threatening', 'dread', 'dreadful', 'bleak', 'grim', 'dystopian'],
  tense: ['tense', 'tension', 'suspense', 'suspenseful', 'urgent', 'urgency', 'anxious', 'nervous', 'frantic', 'panicked', 'claustrophobic'],
  hopeful: ['hopeful', 'uplifting', 'optimistic', 'inspiring', 'triumphant', 'joyful'],
  melancholic: ['melancholic', 'melancholy', 'sad', 'sorrowful', 'mournful', 'somber', 'sombre', 'wistful', 'bittersweet', 'lonely', 'desolate'],
  mysterious: ['mysterious', 'mystery', 'eerie', 'enigmatic', 'uncanny', 'surreal', 'dreamlike', 'otherworldly'],
  energetic: ['energetic', 'upbeat', 'dynamic', 'lively', 'exciting', 'frenetic', 'electric', 'punchy'],
  calm: ['calm', 'peaceful', 'serene', 'tranquil', 'relaxed', 'meditative'],
  playful: ['playful', 'whimsical', 'lighthearted', 'cheerful', 'funny'],
};
const STATED_MOOD_WEIGHT = 3;

/**
 * What suggests a mood when none is stated: setting details, lighting and
 * weather ("cold blue" + "abandoned" → ominous). The mood with most cues wins;
 * on a tie, the one cued first.
 */
const MOOD_CUES: Vocabulary = {
  ominous: ['abandoned', 'derelict', 'ruined', 'ruins', 'decay', 'decaying', 'crumbling', 'rust', 'rusted', 'dead', 'darkness', 'shadow', 'looming', 'broken', 'cold blue', 'emergency lighting', 'emergency light', 'flickering', 'wreckage', 'smoke', 'blood', 'skull'],
  tense: ['countdown', 'timer', 'racing', 'ticking', 'alarm', 'siren', 'red light', 'red alert', 'warning', 'chase', 'danger', 'heartbeat', 'sweat', 'gunfire', 'explosion'],
  energetic: ['fast cuts', 'quick cuts', 'rapid cuts', 'jump cuts', 'montage', 'strobe', 'pulsing', 'crowd', 'dancing', 'bright colors', 'bright colours', 'confetti', 'whip pan'],
  hopeful: ['warm', 'golden', 'sunrise', 'dawn', 'first light', 'sunlight', 'smile', 'smiling', 'blossom', 'rainbow', 'hope'],
  melancholic: ['rain', 'heavy rain', 'drizzle', 'lone', 'alone', 'empty', 'grey', 'gray', 'overcast', 'shuttered', 'tears', 'fading', 'faded', 'autumn', 'wilted'],
  mysterious: ['fog', 'mist', 'haze', 'shadowy', 'silhouette', 'silhouetted', 'signal', 'blinking', 'whisper', 'whispering', 'hidden', 'unknown', 'strange', 'vanish', 'night', 'moonlight', 'glitch'],
  calm: ['gentle', 'soft light', 'softly', 'breeze', 'quiet', 'candlelight', 'snowfall', 'stillness', 'still water', 'birdsong', 'ripple'],
};

/** Nouns that describe the shot, a quantity or nothing visible; never subjects. */
const NOT_SUBJECTS = new Set([
  'camera', 'shot', 'angle', 'level', 'lens', 'focus', 'depth', 'field', 'cut', 'scene', 'view', 'side', 'distance', 'background', 'foreground',
  'darkness', 'silence', 'sound', 'light', 'lighting', 'glow', 'moment', 'time', 'way', 'thing', 'something', 'nothing', 'everything', 'anything',
  'row', 'pair', 'couple', 'lot', 'bunch', 'number', 'series', 'handful', 'kind', 'sort', 'type', 'part', 'bit', 'int', 'ext',
]);

/** Speakers who are heard but not seen, so are not subjects of the picture. */
const OFFSCREEN_SPEAKERS = new Set(['NARRATOR', 'NARRATION', 'ANNOUNCER', 'VOICEOVER']);

/** A duration ends in one of these units (compromise alone also counts "a quarter" of anything). */
const DURATION_UNITS = new Set(['second', 'minute', 'hour', 'day', 'night', 'week', 'fortnight', 'month', 'year', 'decade', 'century', 'millennium', 'millennia']);

/** Capitalised words before one of these name a place ("Central Station", "Blackwater Bay"). */
const PLACE_NAME_HEADS = [
  'Street', 'Avenue', 'Road', 'Boulevard', 'Lane', 'Square', 'Plaza', 'Park', 'Station', 'Tower', 'Towers', 'District', 'Quarter', 'Sector',
  'City', 'Town', 'Village', 'Bay', 'Harbor', 'Harbour', 'River', 'Lake', 'Mountain', 'Mountains', 'Valley', 'Island', 'Islands', 'Bridge',
  'Market', 'Hospital', 'Center', 'Centre', 'Building', 'Hall', 'Palace', 'Castle', 'Temple', 'Cathedral', 'Academy', 'University', 'Base',
  'Outpost', 'Colony', 'Port', 'Airport', 'Desert', 'Forest', 'Sea', 'Ocean', 'Coast', 'Beach', 'Heights', 'Hills', 'Falls', 'Archive',
];
/** Leading words dropped from a capitalised place phrase ("The Archive" → "Archive", then too short to keep). */
const PLACE_NAME_DETERMINERS = new Set(['the', 'a', 'an', 'this', 'that', 'every', 'our', 'my', 'your', 'his', 'her', 'their', 'its']);

// ─── Tokens ───────────────────────────────────────────────────────────────────

interface Token {
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

/** An inclusive token range with the table value it matched. */
interface Match<V extends string = string> {
  value: V;
  first: number;
  last: number;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;
/** Between two words, any of these ends a clause; a bare hyphen ("close-up") does not. */
const CLAUSE_BREAK = /[.,;:!?()[\]{}"“”…—–]|\s-+\s|\n/;
const NO_TAGS: ReadonlySet<string> = new Set();

function tokenize(text: string, tagsAt: (start: number) => ReadonlySet<string> = () => NO_TAGS): Token[] {
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
function wordForms(word: string): string[] {
  if (word.length <= 3 || !word.endsWith('s') || word.endsWith('ss')) return [word];
  const forms = [word, word.slice(0, -1)];
  if (word.endsWith('es')) forms.push(word.slice(0, -2));
  if (word.endsWith('ies')) forms.push(`${word.slice(0, -3)}y`);
  return forms;
}

const isWord = (token: Token, words: ReadonlySet<string>): boolean => token.forms.some((form) => words.has(form));
const hasTag = (token: Token, ...tags: string[]): boolean => tags.some((tag) => token.tags.has(tag));
const sameClause = (tokens: readonly Token[], a: number, b: number): boolean => tokens[a]?.clause === tokens[b]?.clause;

/** Run `work` on compromise's reading of `text`; on any failure there, `fallback`. */
function withNlp<T>(text: string, work: (doc: ReturnType<typeof nlp>) => T, fallback: T): T {
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
function spansOf(view: { json: (options: object) => unknown }, text: string): Span[] {
  const spans: Span[] = [];
  for (const phrase of view.json({ offset: true }) as NlpPhrase[]) {
    if (phrase.offset) spans.push(trimSpan(text, phrase.offset.start, phrase.offset.start + phrase.offset.length));
  }
  return spans.filter((span) => span.text.length > 0);
}

interface Span {
  text: string;
  start: number;
  end: number;
}

const LEADING_JUNK = /^[\s"'“”‘’([{*_]+/u;
const TRAILING_JUNK = /[\s"'“”‘’)\]}*_.,;:!?…]+$/u;

function trimSpan(text: string, start: number, end: number): Span {
  const raw = text.slice(start, end);
  const lead = raw.length - raw.replace(LEADING_JUNK, '').length;
  const trimmed = raw.slice(lead).replace(TRAILING_JUNK, '');
  return { text: trimmed, start: start + lead, end: start + lead + trimmed.length };
}

/** A scene's text read once: tokens with compromise's tags, and the places compromise names. */
interface Reading {
  text: string;
  tokens: Token[];
  places: Span[];
}

function read(text: string): Reading {
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

const sliceOf = (reading: Reading, first: number, last: number): string =>
  reading.text.slice(reading.tokens[first]?.start ?? 0, reading.tokens[last]?.end ?? 0);

// ─── Matching ─────────────────────────────────────────────────────────────────

interface Matcher<V extends string> {
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

const match = {
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

// ─── Scene brief ──────────────────────────────────────────────────────────────

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

// ─── Text statistics ──────────────────────────────────────────────────────────

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

// ─── Helpers ──────────────────────────────────────────────────────────────────

/** The strings of a list that may come from untyped JSON. */
function strings(list: unknown): string[] {
  return Array.isArray(list) ? list.filter((item): item is string => typeof item === 'string') : [];
}

/** Non-blank parts joined with spaces, stopping once `max` characters are reached (a huge scene is never joined in full). */
function joinCapped(parts: readonly string[], max: number): string {
  let joined = '';
  for (const part of parts) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    joined = joined ? `${joined} ${trimmed}` : trimmed;
    if (joined.length >= max) break;
  }
  return truncate(joined, max);
}

/** At most `max` characters, cut at a space when one is near, never inside a surrogate pair. */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const space = text.lastIndexOf(' ', max);
  if (space > max * 0.9) return text.slice(0, space);
  const splitsPair = text.charCodeAt(max - 1) >= 0xd800 && text.charCodeAt(max - 1) <= 0xdbff; // a high surrogate
  return text.slice(0, splitsPair ? max - 1 : max);
}

/** The object without its `undefined` properties, so briefs serialise the same everywhere. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}
