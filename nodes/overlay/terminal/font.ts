/**
 * Terminal fonts, shipped through npm (SIL OFL 1.1 @fontsource packages) and
 * registered with @napi-rs/canvas under private family names, so a render
 * never depends on what a machine has installed. Each subset file is its own
 * family in the CSS font list (one family name per file: two faces of the
 * same family and style would hide each other's glyphs).
 *
 * Skia quietly draws a character no listed font has from a system font. To
 * stay machine-independent the drawer needs to know exactly which characters
 * the shipped fonts hold, so their `cmap` tables are read from the WOFF files.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import { GlobalFonts } from '../../video/canvas.js';
import { PermanentError } from '../../../runtime/contract/index.js';

export interface TerminalFontSpec {
  title: string;
  /** `package/files/name.woff` of every subset, per weight. */
  regular: string[];
  bold?: string[];
  /** Font size per unit of the node's text size, so every font reads at about the same size (VT323 draws small for its em). */
  sizeScale: number;
}

export const terminalFonts = {
  vt323: {
    title: 'VT323 (the DEC VT320 terminal font)',
    regular: ['@fontsource/vt323/files/vt323-latin-400-normal.woff', '@fontsource/vt323/files/vt323-latin-ext-400-normal.woff'],
    sizeScale: 1.3,
  },
  'jetbrains-mono': {
    title: 'JetBrains Mono',
    regular: ['@fontsource/jetbrains-mono/files/jetbrains-mono-latin-400-normal.woff', '@fontsource/jetbrains-mono/files/jetbrains-mono-latin-ext-400-normal.woff'],
    bold: ['@fontsource/jetbrains-mono/files/jetbrains-mono-latin-700-normal.woff', '@fontsource/jetbrains-mono/files/jetbrains-mono-latin-ext-700-normal.woff'],
    sizeScale: 1,
  },
} as const satisfies Record<string, TerminalFontSpec>;

export type TerminalFontName = keyof typeof terminalFonts;
export const terminalFontNames = Object.keys(terminalFonts) as TerminalFontName[];

export interface LoadedFont {
  /** The CSS family list to put after the size, e.g. `"rg-vt323-0", "rg-vt323-1"`. */
  families: string;
  hasBold: boolean;
  sizeScale: number;
  /** Whether the shipped files hold a glyph for this code point. */
  covers(codePoint: number): boolean;
}

const require = createRequire(import.meta.url);
const loaded = new Map<TerminalFontName, LoadedFont>();

export function loadTerminalFont(name: TerminalFontName): LoadedFont {
  const cached = loaded.get(name);
  if (cached) return cached;
  const spec: TerminalFontSpec = terminalFonts[name];
  const coverage = new Set<number>();
  const families = spec.regular.map((file, index) => {
    const family = `rg-${name}-${index}`;
    const path = require.resolve(file);
    for (const codePoint of readCmap(readFileSync(path), path)) coverage.add(codePoint);
    register(path, family);
    const boldFile = spec.bold?.[index];
    if (boldFile) register(require.resolve(boldFile), family);
    return `"${family}"`;
  });
  const font: LoadedFont = { families: families.join(', '), hasBold: Boolean(spec.bold), sizeScale: spec.sizeScale, covers: (codePoint) => coverage.has(codePoint) };
  loaded.set(name, font);
  return font;
}

function register(path: string, family: string): void {
  if (!GlobalFonts.registerFromPath(path, family)) throw new PermanentError(`could not load the terminal font ${path}`, { location: { file: path } });
}

/** Table data of a WOFF 1.0 file by tag (zlib-compressed tables inflated). */
function woffTable(woff: Buffer, tag: string, file: string): Buffer {
  if (woff.toString('latin1', 0, 4) !== 'wOFF') throw new PermanentError(`${file} is not a WOFF font`, { location: { file } });
  const tables = woff.readUInt16BE(12);
  for (let i = 0; i < tables; i++) {
    const entry = 44 + i * 20;
    if (woff.toString('latin1', entry, entry + 4) !== tag) continue;
    const offset = woff.readUInt32BE(entry + 4);
    const compressed = woff.readUInt32BE(entry + 8);
    const original = woff.readUInt32BE(entry + 12);
    const data = woff.subarray(offset, offset + compressed);
    return compressed < original ? inflateSync(data) : data;
  }
  throw new PermanentError(`${file} has no ${tag} table`, { location: { file } });
}

/** Every code point the font maps to a real glyph, from its Unicode cmap subtable (format 4 or 12). */
export function readCmap(woff: Buffer, file: string): Set<number> {
  const cmap = woffTable(woff, 'cmap', file);
  const found = new Set<number>();
  const subtables = cmap.readUInt16BE(2);
  const offsets: Array<{ format: number; offset: number }> = [];
  for (let i = 0; i < subtables; i++) {
    const platform = cmap.readUInt16BE(4 + i * 8);
    const encoding = cmap.readUInt16BE(6 + i * 8);
    const offset = cmap.readUInt32BE(8 + i * 8);
    if (platform === 0 || (platform === 3 && (encoding === 1 || encoding === 10))) offsets.push({ format: cmap.readUInt16BE(offset), offset });
  }
  const best = offsets.find((o) => o.format === 12) ?? offsets.find((o) => o.format === 4);
  if (!best) throw new PermanentError(`${file} has no Unicode cmap`, { location: { file } });
  const at = best.offset;
  if (best.format === 12) {
    const groups = cmap.readUInt32BE(at + 12);
    for (let g = 0; g < groups; g++) {
      const start = cmap.readUInt32BE(at + 16 + g * 12);
      const end = Math.min(cmap.readUInt32BE(at + 20 + g * 12), start + 0xffff);
      for (let c = start; c <= end; c++) found.add(c);
    }
    return found;
  }
  const segments = cmap.readUInt16BE(at + 6) / 2;
  const ends = at + 14;
  const starts = ends + segments * 2 + 2;
  const deltas = starts + segments * 2;
  const rangeOffsets = deltas + segments * 2;
  for (let s = 0; s < segments; s++) {
    const end = cmap.readUInt16BE(ends + s * 2);
    const start = cmap.readUInt16BE(starts + s * 2);
    const delta = cmap.readUInt16BE(deltas + s * 2);
    const rangeOffset = cmap.readUInt16BE(rangeOffsets + s * 2);
    for (let c = start; c <= end && c !== 0xffff; c++) {
      // idRangeOffset counts bytes from its own slot to the glyph id in glyphIdArray.
      const indexed = rangeOffset === 0 ? c : cmap.readUInt16BE(rangeOffsets + s * 2 + rangeOffset + (c - start) * 2);
      if (rangeOffset !== 0 && indexed === 0) continue;
      if (((indexed + delta) & 0xffff) !== 0) found.add(c);
    }
  }
  return found;
}
