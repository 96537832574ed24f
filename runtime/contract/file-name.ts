/**
 * The one rule for file names reelgraph makes from text a producer wrote
 * (an episode title, a graph name): what export.package writes and what the
 * server offers as a download must agree, and both must be safe on any disk.
 */

const MAX_BASE_LENGTH = 80;
// Names Windows will not open as files, whatever the extension.
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/;

/**
 * A file name stem that is safe anywhere: ASCII letters, digits and single
 * hyphens, accents folded, no dots (so no `..`), no separators, at most 80
 * characters, never empty (`fallback`, default "episode").
 */
export function safeBaseName(raw: string, fallback = 'episode'): string {
  const folded = raw
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  const cut = folded.slice(0, MAX_BASE_LENGTH);
  // Cut at a word when that keeps most of the name; one very long word is cut where it is.
  const wordEnd = cut.lastIndexOf('-');
  const name = (folded.length > MAX_BASE_LENGTH && wordEnd >= MAX_BASE_LENGTH / 2 ? cut.slice(0, wordEnd) : cut).replace(/-+$/, '');
  if (!name) return fallback;
  return RESERVED.test(name) ? `${name}-file` : name;
}
