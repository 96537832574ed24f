/**
 * Terminal text → printable cells. SGR colour and weight escapes become
 * styles; every other escape sequence and control character is consumed and
 * dropped, never interpreted: a script must not be able to clear the screen,
 * move the cursor, set a title or reorder text with bidi overrides. The scan
 * is one forward pass with no backtracking, so hostile text costs linear time.
 */

/** 0–255: xterm palette index (0–15 come from the theme); `TRUECOLOR + 0xRRGGBB`: a literal colour. */
export type Colour = number;
export const TRUECOLOR = 0x1000000;

export interface CellStyle {
  fg?: Colour;
  bg?: Colour;
  bold?: boolean;
  dim?: boolean;
  underline?: boolean;
  inverse?: boolean;
}

export interface Cell {
  /** One printable code point, or a space. */
  ch: string;
  style: CellStyle;
}

/** Cells kept per line: more cannot be read on screen, and hostile input must not cost unbounded memory. */
export const MAX_CELLS_PER_LINE = 4096;
const TAB_WIDTH = 8;
const MAX_SGR_PARAMS = 64;

const ESC = 0x1b;
const BEL = 0x07;
const C1_ST = 0x9c;

/** What an introducer byte after ESC (or its C1 equivalent) starts. */
const STRING_INTRODUCERS = new Set(['P', 'X', ']', '^', '_']); // DCS, SOS, OSC, PM, APC: run until ST or BEL
const C1_STRING = new Set([0x90, 0x98, 0x9d, 0x9e, 0x9f]);
const C1_CSI = 0x9b;

/** Not drawable in a cell: controls, formats (bidi overrides, zero-width joiners), surrogates, private use, unassigned, separators, combining marks left after NFC. */
const INVISIBLE = /[\p{C}\p{Zl}\p{Zp}\p{M}]/u;
const SPACE_LIKE = /\p{Zs}/u;

/**
 * SGR parameters → style changes, as a table of codes. 38/48 (extended
 * colour) take following parameters and are handled where the list is read.
 */
const SGR: Record<number, (style: CellStyle) => void> = {
  0: (s) => {
    for (const key of Object.keys(s)) delete s[key as keyof CellStyle];
  },
  1: (s) => void (s.bold = true),
  2: (s) => void (s.dim = true),
  4: (s) => void (s.underline = true),
  7: (s) => void (s.inverse = true),
  22: (s) => void (delete s.bold, delete s.dim),
  24: (s) => void delete s.underline,
  27: (s) => void delete s.inverse,
  39: (s) => void delete s.fg,
  49: (s) => void delete s.bg,
};

function applySgr(style: CellStyle, raw: string): void {
  // Both `38;2;r;g;b` and the ITU form `38:2::r:g:b` occur in the wild.
  const params = raw === '' ? [0] : raw.split(/[;:]/, MAX_SGR_PARAMS).map((p) => (p === '' ? 0 : Math.min(Number.parseInt(p, 10) || 0, 0xffff)));
  for (let i = 0; i < params.length; i++) {
    const code = params[i] as number;
    if (code >= 30 && code <= 37) style.fg = code - 30;
    else if (code >= 40 && code <= 47) style.bg = code - 40;
    else if (code >= 90 && code <= 97) style.fg = code - 90 + 8;
    else if (code >= 100 && code <= 107) style.bg = code - 100 + 8;
    else if (code === 38 || code === 48) {
      const { colour, used } = extendedColour(params, i + 1, raw.includes(':'));
      i += used;
      if (colour !== undefined) style[code === 38 ? 'fg' : 'bg'] = colour;
    } else SGR[code]?.(style);
  }
}

/** `5;n` (256 colours) or `2;r;g;b` (truecolor) after 38/48; how many parameters it consumed. */
function extendedColour(params: number[], at: number, colonForm: boolean): { colour?: Colour; used: number } {
  const mode = params[at];
  const channel = (v: number | undefined): number => Math.min(255, v ?? 0);
  if (mode === 5) return params[at + 1] === undefined ? { used: 1 } : { colour: channel(params[at + 1]), used: 2 };
  if (mode === 2) {
    // The colon form may carry a colour-space id before r:g:b (`38:2::r:g:b` reads as 2,0,r,g,b).
    const skip = colonForm && params.length - at >= 5 ? 1 : 0;
    const [r, g, b] = [params[at + 1 + skip], params[at + 2 + skip], params[at + 3 + skip]].map(channel) as [number, number, number];
    return { colour: TRUECOLOR + ((r << 16) | (g << 8) | b), used: 4 + skip };
  }
  return { used: mode === undefined ? 0 : 1 };
}

/** Index just past a string sequence (OSC, DCS…): its ST (ESC \ or 0x9C) or BEL, or the end of the text. */
function skipString(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === BEL || code === C1_ST) return i + 1;
    if (code === ESC) return text[i + 1] === '\\' ? i + 2 : i;
  }
  return text.length;
}

/** A CSI body from `from`: parameter bytes, intermediates, one final byte. Returns the end and, for a plain SGR, its parameters. */
function readCsi(text: string, from: number): { end: number; sgr?: string } {
  let i = from;
  while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x3f) i++;
  const params = text.slice(from, i);
  while (i < text.length && text.charCodeAt(i) >= 0x20 && text.charCodeAt(i) <= 0x2f) i++;
  const final = text.charCodeAt(i);
  // A byte that cannot end a CSI aborts it; that byte is read again as text.
  if (!(final >= 0x40 && final <= 0x7e)) return { end: i };
  const plainSgr = final === 0x6d && i === from + params.length && /^[\d;:]*$/.test(params);
  return { end: i + 1, ...(plainSgr ? { sgr: params } : {}) };
}

/** An escape sequence starting at `i` (ESC or a C1 introducer): where it ends, and any SGR it carries. */
function readEscape(text: string, i: number): { end: number; sgr?: string } {
  const code = text.charCodeAt(i);
  if (code === C1_CSI) return readCsi(text, i + 1);
  if (C1_STRING.has(code)) return { end: skipString(text, i + 1) };
  const next = text[i + 1];
  if (next === undefined) return { end: i + 1 };
  if (next === '[') return readCsi(text, i + 2);
  if (STRING_INTRODUCERS.has(next)) return { end: skipString(text, i + 2) };
  let j = i + 1;
  // nF sequences (ESC ( B and the like): intermediates, then one final byte.
  while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x2f) j++;
  const final = text.charCodeAt(j);
  return { end: final >= 0x30 && final <= 0x7e ? j + 1 : j };
}

const isEscapeStart = (code: number): boolean => code === ESC || code === C1_CSI || C1_STRING.has(code);

/**
 * One line of terminal text as cells. `startColumn` is where the line begins
 * (after a prompt) so tabs land on the same stops as in a terminal; the
 * returned `style` is the SGR state at the end, for text that continues it.
 */
export function parseAnsi(text: string, options: { style?: CellStyle; startColumn?: number } = {}): { cells: Cell[]; style: CellStyle } {
  const cells: Cell[] = [];
  const style: CellStyle = { ...options.style };
  const column = (): number => (options.startColumn ?? 0) + cells.length;
  const normalised = text.normalize('NFC');
  let i = 0;
  while (i < normalised.length && cells.length < MAX_CELLS_PER_LINE) {
    const code = normalised.charCodeAt(i);
    if (isEscapeStart(code)) {
      const { end, sgr } = readEscape(normalised, i);
      if (sgr !== undefined) applySgr(style, sgr);
      i = Math.max(end, i + 1);
      continue;
    }
    const ch = String.fromCodePoint(normalised.codePointAt(i) as number);
    i += ch.length;
    if (ch === '\t') {
      const spaces = TAB_WIDTH - (column() % TAB_WIDTH);
      for (let s = 0; s < spaces && cells.length < MAX_CELLS_PER_LINE; s++) cells.push({ ch: ' ', style: { ...style } });
    } else if (SPACE_LIKE.test(ch)) {
      cells.push({ ch: ' ', style: { ...style } });
    } else if (!INVISIBLE.test(ch)) {
      cells.push({ ch, style: { ...style } });
    }
  }
  return { cells, style };
}

/** True for what a cell may hold: one visible code point or a space. */
export function isPrintableCell(ch: string): boolean {
  return ch === ' ' || ([...ch].length === 1 && !INVISIBLE.test(ch) && !SPACE_LIKE.test(ch));
}
