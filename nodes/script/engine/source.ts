/**
 * Turning what a writer handed us into clean text: size limit, binary
 * detection, UTF-8 decoding, BOM and line endings. Everything after this
 * sees `\n`-separated text.
 */
import { ScriptError } from './errors.js';

export const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;

export function decodeScript(input: string | Uint8Array, options: { file?: string; maxBytes?: number } = {}): string {
  const { file } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const bytes = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (bytes > maxBytes) {
    throw new ScriptError('SCRIPT_TOO_LARGE', `script is ${formatBytes(bytes)}, over the ${formatBytes(maxBytes)} limit`, { file });
  }
  const text = typeof input === 'string' ? input : decodeUtf8(input, file);
  const binaryAt = binaryOffset(text);
  if (binaryAt >= 0) {
    const line = lineOf(text, binaryAt);
    const code = text.charCodeAt(binaryAt);
    const message =
      code === 0
        ? 'this is not a text file (it contains binary data)'
        : `this is not a text file (control character U+${code.toString(16).toUpperCase().padStart(4, '0')} outside a \`\`\`terminal block, where terminal control characters belong)`;
    throw new ScriptError('SCRIPT_BINARY', message, { file, line });
  }
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

function decodeUtf8(bytes: Uint8Array, file: string | undefined): string {
  // NUL bytes mean a binary file (an image, a PDF); say so rather than blaming the encoding.
  if (bytes.subarray(0, 64 * 1024).includes(0)) throw new ScriptError('SCRIPT_BINARY', 'this is not a text file (it contains binary data)', { file });
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ScriptError('SCRIPT_BINARY', 'this is not UTF-8 text (save the script as UTF-8)', { file });
  }
}

/** Control characters text editors never write (tab, newline, CR, form feed and ESC excepted). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000E-\u001A\u001C-\u001F]/g;

/** A fence line: up to three spaces, then three or more backticks or tildes. */
const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/**
 * Where the first character is that makes this binary, or -1. NUL is binary
 * anywhere. Other control characters are binary in prose, but inside a
 * fenced block (a terminal screen, which is what every code block becomes)
 * they are what a captured terminal session holds: BEL ending an OSC title
 * (`ESC ] 0 ; title BEL`), backspaces, shift-in/out. They are kept there and
 * the terminal overlay neutralises them (nodes/overlay/terminal/ansi.ts).
 * Linear: fences are found once, controls checked against them in order.
 */
function binaryOffset(text: string): number {
  const fenced = fencedRanges(text);
  let range = 0;
  for (const found of text.matchAll(CONTROL)) {
    if (found[0] === '\u0000') return found.index;
    while (range < fenced.length && (fenced[range] as [number, number])[1] <= found.index) range += 1;
    const inside = range < fenced.length && (fenced[range] as [number, number])[0] <= found.index;
    if (!inside) return found.index;
  }
  return -1;
}

/** [start, end) offsets of the lines inside fenced blocks (an unclosed fence runs to the end; the parser reports it). */
function fencedRanges(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let open: { marker: string; from: number } | undefined;
  for (let start = 0; start <= text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline + 1;
    // A control character never makes a fence line (the leading-spaces pattern stops at it), so a line is read as is.
    const fence = FENCE.exec(text.slice(start, end).replace(/\r?\n$/, ''));
    if (fence && !open) open = { marker: fence[1] as string, from: end };
    else if (fence && open && (fence[1] as string)[0] === open.marker[0] && (fence[1] as string).length >= open.marker.length && !(fence[2] as string).trim()) {
      ranges.push([open.from, start]);
      open = undefined;
    }
    if (newline < 0) break;
    start = end;
  }
  if (open) ranges.push([open.from, text.length]);
  return ranges;
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let at = text.indexOf('\n'); at >= 0 && at < offset; at = text.indexOf('\n', at + 1)) line += 1;
  return line;
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}
