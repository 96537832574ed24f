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
    throw new ScriptError('SCRIPT_BINARY', 'this is not a text file (it contains binary data)', { file, line: text.slice(0, binaryAt).split('\n').length });
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

/** NUL, or control characters other than tab/newline/CR/form feed: text editors never write them. */
function binaryOffset(text: string): number {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return text.search(/[\u0000-\u0008\u000E-\u001A\u001C-\u001F]/);
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}
