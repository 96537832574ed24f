/**
 * File extensions and MIME types of the media reelgraph reads and writes,
 * one table both ways: importing an asset names its type from the file,
 * exporting an artifact names its file from the type.
 */
const byExtension = {
  '.mp4': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.flac': 'audio/flac',
  '.ogg': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
} as const satisfies Record<string, string>;

/** Other spellings of a type that tools and servers send. */
const aliases: Record<string, string> = { 'audio/x-wav': 'audio/wav', 'audio/wave': 'audio/wav' };

/** The MIME type of a file name's extension (lower-cased), or undefined. */
export function mimeOfExtension(extension: string): string | undefined {
  return (byExtension as Record<string, string>)[extension.toLowerCase()];
}

/** Extensions whose type is in a family (`audio`, `video`, `image`). */
export function extensionsOf(family: 'audio' | 'video' | 'image'): string[] {
  return Object.entries(byExtension)
    .filter(([, mime]) => mime.startsWith(`${family}/`))
    .map(([extension]) => extension);
}

/** The usual extension for a MIME type (parameters ignored), or undefined. */
export function extensionOfMime(mime: string): string | undefined {
  const base = mime.split(';')[0]!.trim().toLowerCase();
  const type = aliases[base] ?? base;
  return Object.entries(byExtension).find(([, candidate]) => candidate === type)?.[0];
}
