/**
 * What a producer recognises an episode by — its title and opening line —
 * read cheaply from the episode text (Markdown with optional front matter, or
 * Fountain with a title page). Used where many texts are read at once (the run
 * history, the templates gallery), so it looks only at the first few KB: the
 * title and the opening are always at the top, and a 2 MB script must not
 * cost 2 MB of parsing per listed run.
 */

/** How much of a text is read for its title. */
export const TITLE_SCAN_BYTES = 8 * 1024;
const MAX_TITLE_LENGTH = 200;

export type EpisodeFormat = 'markdown' | 'fountain';

const frontMatter = /^---\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)\s*(?:\r?\n|$)/;
/** A Fountain title page starts the file with `Key: value` lines, Title among them. */
const fountainTitlePage = /^(?:[ \t]*[A-Za-z][A-Za-z ]*:[^\n]*\n(?:[ \t]{3,}[^\n]*\n|\t[^\n]*\n)*)+/;

const clean = (title: string): string | undefined => {
  const plain = title
    .replace(/^["']|["']$/g, '')
    .replace(/[*_`]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return plain ? plain.slice(0, MAX_TITLE_LENGTH) : undefined;
};

/** `fountain` when the text opens with a Fountain title page or a scene heading, else `markdown`. */
export function episodeFormat(text: string, fileName?: string): EpisodeFormat {
  if (fileName && /\.(fountain|spmd)$/i.test(fileName)) return 'fountain';
  if (fileName && /\.(md|markdown)$/i.test(fileName)) return 'markdown';
  const head = text.slice(0, TITLE_SCAN_BYTES).replace(/^\uFEFF/, '');
  if (frontMatter.test(head)) return 'markdown';
  if (/^title\s*:/im.test(head.match(fountainTitlePage)?.[0] ?? '')) return 'fountain';
  return /^\s*(INT|EXT|EST|INT\.\/EXT|I\/E)[. ]/m.test(head) && !/^#\s/m.test(head) ? 'fountain' : 'markdown';
}

/**
 * The episode's title: Markdown front matter `title:`, else the first `# `
 * heading; Fountain's title page `Title:`. Undefined when the text has none.
 */
export function episodeTitle(text: string): string | undefined {
  const head = text.slice(0, TITLE_SCAN_BYTES).replace(/^\uFEFF/, '');
  const front = head.match(frontMatter);
  if (front) {
    const title = front[1]!.match(/^title\s*:\s*(.+)$/m);
    if (title) return clean(title[1]!);
  }
  const page = head.match(fountainTitlePage)?.[0];
  if (page) {
    // A title may continue on indented lines; they join with spaces.
    const title = page.match(/^title\s*:[ \t]*([^\n]*)\n?((?:(?:[ \t]{3,}|\t)[^\n]*\n?)*)/im);
    if (title) return clean(`${title[1]} ${title[2] ?? ''}`);
  }
  const heading = head.replace(frontMatter, '').match(/^#[ \t]+(.+?)[ \t#]*$/m);
  return heading ? clean(heading[1]!) : undefined;
}

/** The first paragraph of prose (no heading, front matter, list, fence or stage direction marker), cut at `max` characters. */
export function episodeOpening(text: string, max = 240): string {
  const body = text.slice(0, TITLE_SCAN_BYTES).replace(/^\uFEFF/, '').replace(frontMatter, '');
  for (const block of body.split(/\r?\n\s*\r?\n/)) {
    const paragraph = block.trim();
    if (!paragraph || /^(#|```|---|\[|[-*+] |\d+\. |>)/.test(paragraph)) continue;
    if (/^[A-Za-z][A-Za-z ]*:/.test(paragraph) && !/^\*\*/.test(paragraph)) continue;
    const plain = paragraph
      .replace(/\*\*([^*]+):\*\*/g, '$1:')
      .replace(/[*_`]/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    return plain.length > max ? `${plain.slice(0, max - 1).replace(/\s+\S*$/, '')}…` : plain;
  }
  return '';
}

/** Input names tried first for a run's episode text, before any other string input. */
const EPISODE_INPUTS = ['episode', 'markdown', 'fountain', 'script', 'text'];

/** The title of the episode a run rendered, from its string inputs (episode-like names first). */
export function runTitle(inputs: Record<string, unknown> | undefined): string | undefined {
  if (!inputs) return undefined;
  const names = Object.keys(inputs).sort((a, b) => rank(a) - rank(b));
  for (const name of names) {
    const value = inputs[name];
    if (typeof value !== 'string' || value.length < 3) continue;
    const title = episodeTitle(value);
    if (title) return title;
  }
  return undefined;
}

const rank = (name: string): number => {
  const index = EPISODE_INPUTS.indexOf(name.toLowerCase());
  return index === -1 ? EPISODE_INPUTS.length : index;
};
