/**
 * Which parser a script needs, from its file name and, when the name does not
 * say (`.txt`, no extension, a pasted file), from its text. One rule for
 * `reelgraph script parse`, `reelgraph run -i episode=@file` and `demo`.
 */
import { extname } from 'node:path';

export type ScriptFormat = 'markdown' | 'fountain';

const byExtension: Record<string, ScriptFormat> = {
  '.fountain': 'fountain',
  '.spmd': 'fountain',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdown': 'markdown',
};

/**
 * Things only a markdown episode has: YAML front matter, `**NAME:**`
 * dialogue, `![…](…)` images. (`#` headings are no sign: Fountain sections
 * are written the same way.)
 */
const MARKDOWN_SIGNS = [/^---[ \t]*\r?\n/, /^\*\*[^*\n]+:\*\*/m, /^!\[[^\]\n]*\]\(/m];
/**
 * Things a screenplay has: a title page (`Title:` as the first line), or a
 * scene heading (INT. / EXT. / EST. / INT./EXT. / I/E) written all in
 * capitals on a line of its own.
 */
const FOUNTAIN_SIGNS = [/^Title:/, /^(?:INT\.?\/EXT|EXT\.?\/INT|I\/E|INT|EXT|EST)[. ][^a-z\n]*$/m];

/** The format `text` is written in, judged from the text alone (markdown when unsure: the house format). */
export function sniffScriptFormat(text: string): ScriptFormat {
  // Enough to judge; a huge file is not scanned to its end.
  const head = text.replace(/^\uFEFF/, '').trimStart().slice(0, 64 * 1024);
  if (MARKDOWN_SIGNS.some((sign) => sign.test(head))) return 'markdown';
  return FOUNTAIN_SIGNS.some((sign) => sign.test(head)) ? 'fountain' : 'markdown';
}

/** By extension when it says; else by content when there is text; else markdown. */
export function detectScriptFormat(file: string | undefined, text?: string): ScriptFormat {
  const known = file ? byExtension[extname(file).toLowerCase()] : undefined;
  if (known) return known;
  return text === undefined ? 'markdown' : sniffScriptFormat(text);
}
