/**
 * The script engine: source text → Script. Used by the script nodes and by
 * `reelgraph script parse`, so a writer can check a script without a graph.
 */
import type { Script } from '../../../runtime/contract/index.js';
import { buildScript } from './build.js';
import { detectScriptFormat, type ScriptFormat } from './detect-format.js';
import { parseFountain } from './fountain-parser.js';
import { parseMarkdown } from './markdown-parser.js';
import { decodeScript } from './source.js';

export interface ParseScriptOptions {
  /** `auto`: by the file's extension (.fountain/.spmd, .md), else by the text (see detect-format.ts). */
  format?: ScriptFormat | 'auto';
  file?: string;
  maxBytes?: number;
  lexicon?: Record<string, string>;
  wordsPerMinute?: number;
  narrator?: string;
}

const parsers = { markdown: parseMarkdown, fountain: parseFountain };

export function detectFormat(file: string | undefined, text?: string): ScriptFormat {
  return detectScriptFormat(file, text);
}

export function parseScript(input: string | Uint8Array, options: ParseScriptOptions = {}): Script {
  const text = decodeScript(input, { ...(options.file ? { file: options.file } : {}), ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}) });
  const format = !options.format || options.format === 'auto' ? detectFormat(options.file, text) : options.format;
  const parsed = parsers[format](text, options.file ? { file: options.file } : {});
  return buildScript(parsed, {
    sourceText: text,
    ...(options.file ? { file: options.file } : {}),
    ...(options.lexicon ? { lexicon: options.lexicon } : {}),
    ...(options.wordsPerMinute ? { wordsPerMinute: options.wordsPerMinute } : {}),
    ...(options.narrator ? { narrator: options.narrator } : {}),
  });
}

export type { ScriptFormat } from './detect-format.js';
export { ScriptError } from './errors.js';
export { DEFAULT_MAX_BYTES } from './source.js';
