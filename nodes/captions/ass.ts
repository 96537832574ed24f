/**
 * Advanced SubStation Alpha (.ass) for burning captions in with libass
 * (ffmpeg's `ass` filter). The script's resolution is the video's, so sizes
 * are pixels; a look is a preset (data below); words can light up as they
 * are spoken, either karaoke-style (`\k`: each word turns and stays the
 * highlight colour) or one word at a time.
 *
 * Fonts: libass finds fonts through fontconfig, which a container may not
 * have at all, so the looks name DejaVu Sans and burn-in points libass at the
 * TrueType files of the `dejavu-fonts-ttf` package (`captionFontsDir`,
 * `assFilter`). FreeType in the static ffmpeg cannot read WOFF2, which rules
 * out the @fontsource packages.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PermanentError } from '../../runtime/contract/index.js';
import { charactersOf, cleanText, clock, timedCues, toUnits, type Subtitles, type TimedCue } from './format.js';

export const highlightModes = ['karaoke', 'word'] as const;
export type HighlightMode = (typeof highlightModes)[number];

interface AssLook {
  font: string;
  bold: boolean;
  /** Font size as a fraction of the video height, reduced where the longest line would not fit the width. */
  size: number;
  /** `#rrggbb`. */
  text: string;
  highlight: string;
  /** `outline`: each glyph outlined in `edge`; `box`: an `edge` box behind each line. */
  border: 'outline' | 'box';
  edge: string;
  edgeOpacity: number;
  /** Outline width, or the box's padding, as a fraction of the font size. */
  edgeWidth: number;
  /** Drop shadow depth as a fraction of the font size. */
  shadow: number;
  /** Bottom line's distance from the bottom edge, as a fraction of the height. */
  marginV: number;
  /**
   * Instead of sitting on `marginV`: the text is centred in this band of the
   * frame (fractions of the height from the top, and of the width kept clear
   * on the right), where a vertical player's own UI leaves the picture free.
   */
  band?: { top: number; bottom: number; right: number };
  /** What `highlightWords: true` means for this look. */
  highlightMode: HighlightMode;
}

export const assStyles = {
  clean: { font: 'DejaVu Sans', bold: false, size: 0.055, text: '#ffffff', highlight: '#ffd400', border: 'outline', edge: '#000000', edgeOpacity: 1, edgeWidth: 0.08, shadow: 0.04, marginV: 0.06, highlightMode: 'karaoke' },
  boxed: { font: 'DejaVu Sans', bold: false, size: 0.05, text: '#ffffff', highlight: '#ffd400', border: 'box', edge: '#000000', edgeOpacity: 0.75, edgeWidth: 0.2, shadow: 0, marginV: 0.06, highlightMode: 'karaoke' },
  'bold-pop': { font: 'DejaVu Sans', bold: true, size: 0.075, text: '#ffffff', highlight: '#ffe000', border: 'outline', edge: '#000000', edgeOpacity: 1, edgeWidth: 0.12, shadow: 0.05, marginV: 0.2, highlightMode: 'word' },
  /**
   * Shorts, Reels, TikTok: big bold words lit one at a time, centred between
   * the player's top bar (~15 % of the height) and its title, description and
   * buttons (the bottom ~25 %, and the right ~15 % where the like and share
   * buttons stand). Cues of short lines (graphs/shorts.json: 11 characters)
   * let the text reach its size: about 6 % of the height per line.
   */
  shorts: {
    font: 'DejaVu Sans',
    bold: true,
    size: 0.065,
    text: '#ffffff',
    highlight: '#ffe000',
    border: 'outline',
    edge: '#000000',
    edgeOpacity: 1,
    edgeWidth: 0.12,
    shadow: 0.05,
    marginV: 0.25,
    highlightMode: 'word',
    band: { top: 0.15, bottom: 0.75, right: 0.15 },
  },
} as const satisfies Record<string, AssLook>;
export type AssStyleName = keyof typeof assStyles;

export interface AssOptions {
  /** The video's size: the script's PlayRes, so the text scales with the frame. */
  width: number;
  height: number;
  style?: AssStyleName;
  /** Light words up as they are spoken: true uses the look's own mode. */
  highlightWords?: boolean | HighlightMode;
  /**
   * Size the text so a line this many characters long fits, instead of the
   * longest line of these cues: a render that writes one file per chunk
   * passes the episode's longest line, so the text does not change size
   * from scene to scene.
   */
  fitCharacters?: number;
}

/** Average advance of a DejaVu Sans character in ems (measured on English text), for fitting the longest line. */
const ADVANCE = { regular: 0.58, bold: 0.66 } as const;
/** Left and right margins as a fraction of the width. */
const MARGIN_X = 0.05;
/** The style every event uses. */
const STYLE = 'Caption';

const bgr = (hex: string): string => [5, 3, 1].map((at) => hex.slice(at, at + 2).toUpperCase()).join('');

/** A style's colour: `&HAABBGGRR`, alpha 0 for opaque. */
function assColour(hex: string, opacity = 1): string {
  const alpha = Math.round((1 - opacity) * 255)
    .toString(16)
    .toUpperCase()
    .padStart(2, '0');
  return `&H${alpha}${bgr(hex)}`;
}

/** An override tag's colour: `&HBBGGRR&`. */
const tagColour = (hex: string): string => `&H${bgr(hex)}&`;

/**
 * Text libass shows as written: braces would open an override block and a
 * backslash could start `\N`, `\h` or an escape, so braces are escaped and an
 * invisible word joiner follows every backslash.
 */
function escapeAss(text: string): string {
  return text.replace(/\\/g, '\\\u2060').replace(/[{}]/g, (brace) => `\\${brace}`);
}

/** The Name field sits between commas. */
const nameField = (speaker: string | undefined): string => cleanText(speaker ?? '').replace(/,/g, ' ');

interface Word {
  text: string;
  /** Centiseconds. */
  start?: number;
  end?: number;
}

/**
 * The cue's lines as tokens, the spoken ones timed in centiseconds inside the
 * cue; undefined when the cue's words do not match its lines word for word
 * (the cue is then shown without highlighting). Tokens in front of the first
 * word, such as a speaker label, stay untimed.
 */
function timedLines(timed: TimedCue): Word[][] | undefined {
  const lines = timed.lines.map((line) => line.split(' '));
  const shown = lines.flat();
  const spoken = timed.cue.words ?? [];
  const untimed = shown.length - spoken.length;
  if (spoken.length === 0 || untimed < 0 || !spoken.every((word, k) => cleanText(word.word) === shown[untimed + k])) return undefined;
  let floor = timed.start;
  const times = spoken.map((word) => {
    const start = Math.min(timed.end, Math.max(floor, toUnits(word.start, 100)));
    floor = start;
    return { start, end: Math.min(timed.end, Math.max(start, toUnits(word.end, 100))) };
  });
  let index = -untimed;
  return lines.map((line) =>
    line.map((text) => {
      const time = index >= 0 ? times[index] : undefined;
      index += 1;
      return { text, ...time };
    }),
  );
}

const dialogue = (start: number, end: number, name: string, text: string): string => `Dialogue: 0,${clock(start, 100, '.', 1)},${clock(end, 100, '.', 1)},${STYLE},${name},0,0,0,,${text}`;

/** The event with an override block in front of its text (the Text field follows the ninth comma). */
function withPlacement(event: string, tags: string): string {
  let at = 0;
  for (let commas = 0; commas < 9; commas++) at = event.indexOf(',', at) + 1;
  return event.slice(0, at) + tags + event.slice(at);
}

const joinLines = (lines: Word[][], render: (word: Word) => string): string => lines.map((line) => line.map(render).join(' ')).join('\\N');

/** One event; `\k` before each spoken word lasts until the next word starts (the last until it ends). */
function karaokeEvent(timed: TimedCue, lines: Word[][], colours: { text: string; highlight: string }): string {
  const spoken = lines.flat().filter((word) => word.start !== undefined);
  const following = new Map(spoken.map((word, k) => [word, spoken[k + 1]]));
  const first = spoken[0]!;
  const lead = `{\\k${first.start! - timed.start}\\1c${colours.text}}`;
  const text = joinLines(lines, (word) => {
    if (word.start === undefined) return escapeAss(word.text);
    const next = following.get(word);
    const duration = (next ? next.start! : word.end!) - word.start;
    const reset = word === first ? `\\1c${colours.highlight}` : '';
    return `{\\k${duration}${reset}}${escapeAss(word.text)}`;
  });
  return dialogue(timed.start, timed.end, nameField(timed.cue.speaker), lead + text);
}

/** Consecutive events, each with one word in the highlight colour from its start until the next word's. */
function wordEvents(timed: TimedCue, lines: Word[][], colours: { text: string; highlight: string }): string[] {
  const spoken = lines.flat().filter((word) => word.start !== undefined);
  const name = nameField(timed.cue.speaker);
  const plain = joinLines(lines, (word) => escapeAss(word.text));
  const spans: Array<{ start: number; end: number; lit?: Word }> = [
    { start: timed.start, end: spoken[0]!.start! },
    ...spoken.map((word, k) => ({ start: word.start!, end: spoken[k + 1]?.start ?? word.end!, lit: word })),
    { start: spoken.at(-1)!.end!, end: timed.end },
  ];
  return spans
    .filter(({ start, end }) => end > start)
    .map(({ start, end, lit }) =>
      dialogue(start, end, name, lit ? joinLines(lines, (word) => (word === lit ? `{\\1c${colours.highlight}}${escapeAss(word.text)}{\\1c${colours.text}}` : escapeAss(word.text))) : plain),
    );
}

export function toAss(subtitles: Subtitles, options: AssOptions): string {
  const { width, height } = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new PermanentError(`ASS captions need the video's size in whole pixels, not ${width}×${height}`);
  const styleName = options.style ?? 'clean';
  const look: AssLook | undefined = (assStyles as Record<string, AssLook>)[styleName];
  if (!look) throw new PermanentError(`unknown caption style "${styleName}" (use: ${Object.keys(assStyles).join(', ')})`);
  const mode = options.highlightWords === true ? look.highlightMode : options.highlightWords || undefined;
  const cues = timedCues(subtitles, 100);

  const longest = options.fitCharacters ?? cues.reduce((most, { lines }) => lines.reduce((max, line) => Math.max(max, charactersOf(line).length), most), 1);
  const marginRight = look.band ? look.band.right : MARGIN_X;
  const fitting = (width * (1 - MARGIN_X - marginRight)) / (longest * ADVANCE[look.bold ? 'bold' : 'regular']);
  const fontSize = Math.max(1, Math.floor(Math.min(look.size * height, fitting)));
  const edge = Math.round(look.edgeWidth * fontSize * 10) / 10;
  const shadow = Math.round(look.shadow * fontSize * 10) / 10;
  const colours = { text: tagColour(look.text), highlight: tagColour(look.highlight) };
  // Karaoke paints a word in the secondary colour until it is spoken and in the primary one after.
  const [primary, secondary] = mode === 'karaoke' ? [assColour(look.highlight), assColour(look.text)] : [assColour(look.text), assColour(look.highlight)];
  const style = [
    STYLE,
    look.font,
    fontSize,
    primary,
    secondary,
    assColour(look.edge, look.edgeOpacity),
    assColour('#000000', 0.5),
    look.bold ? -1 : 0,
    0,
    0,
    0,
    100,
    100,
    0,
    0,
    look.border === 'box' ? 3 : 1,
    edge,
    shadow,
    // Bottom centre on marginV, or the middle of the band (each event places itself there).
    look.band ? 5 : 2,
    Math.round(width * MARGIN_X),
    Math.round(width * marginRight),
    Math.round(height * look.marginV),
    1,
  ].join(',');
  const place = look.band ? `{\\pos(${Math.round(width * ((MARGIN_X + 1 - look.band.right) / 2))},${Math.round(height * ((look.band.top + look.band.bottom) / 2))})}` : '';

  const events = cues
    .flatMap((timed) => {
      const lines = mode ? timedLines(timed) : undefined;
      if (!lines) return [dialogue(timed.start, timed.end, nameField(timed.cue.speaker), timed.lines.map(escapeAss).join('\\N'))];
      return mode === 'karaoke' ? [karaokeEvent(timed, lines, colours)] : wordEvents(timed, lines, colours);
    })
    .map((event) => (place ? withPlacement(event, place) : event));

  return [
    '[Script Info]',
    '; Captions written by reelgraph',
    'ScriptType: v4.00+',
    `PlayResX: ${width}`,
    `PlayResY: ${height}`,
    // Lines are broken already; libass wraps (bottom line wider) only a line that still does not fit.
    'WrapStyle: 3',
    'ScaledBorderAndShadow: yes',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding',
    `Style: ${style}`,
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
    ...events,
    '',
  ].join('\n');
}

const require = createRequire(import.meta.url);

/** The folder of TrueType fonts the caption looks name, for libass's `fontsdir`. */
export function captionFontsDir(): string {
  return join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
}

/** A value inside an ffmpeg filtergraph: escaped once for the filter's options and once for the graph. */
const filterValue = (value: string): string => value.replace(/[\\':]/g, '\\$&').replace(/[\\'[\],;]/g, '\\$&');

/** The ffmpeg filter that burns an .ass file in with the caption fonts, e.g. for `-vf`. */
export function assFilter(assPath: string, fontsDir: string = captionFontsDir()): string {
  return `ass=filename=${filterValue(assPath)}:fontsdir=${filterValue(fontsDir)}`;
}
