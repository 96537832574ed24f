/**
 * An episode's script as a series keeps it: the decoded text, checked by
 * parsing it (a broken script is refused with its file and line before it
 * is stored), with the title and format the parse found.
 */
import type { ScriptFormat } from '../../../runtime/contract/index.js';
import { parseScript } from './index.js';
import { decodeScript } from './source.js';

export interface EpisodeScript {
  text: string;
  title: string;
  format: ScriptFormat;
}

/** Throws ScriptError naming `file` and the line when the script does not parse. */
export function readEpisodeScript(input: string | Uint8Array, options: { file?: string; format?: ScriptFormat } = {}): EpisodeScript {
  const text = decodeScript(input, options.file ? { file: options.file } : {});
  const script = parseScript(text, { ...(options.file ? { file: options.file } : {}), format: options.format ?? 'auto' });
  return { text, title: script.title, format: script.source.format };
}
