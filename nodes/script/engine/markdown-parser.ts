/**
 * Narrative markdown → ParsedDocument.
 *
 * Block structure (front matter, headings, code fences, quotes, lists, HTML)
 * comes from a CommonMark parser with positions (mdast). Inside a paragraph,
 * writers put one line of dialogue after another without blank lines, so
 * paragraphs are read line by line: a line that opens with a speaker starts
 * a new block, a bracket cue is its own block, anything else continues the
 * block before it.
 *
 * Forgiving where the meaning is clear (many dialogue spellings, screenplay
 * headings, stray HTML), precise where it is not: an unclosed fence or
 * comment, broken front matter, or a speaker with nothing to say is an error
 * naming the line.
 */
import type { BlockContent, Code, Heading, List, Paragraph, Root, RootContent } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { frontmatterFromMarkdown } from 'mdast-util-frontmatter';
import { toString } from 'mdast-util-to-string';
import { frontmatter } from 'micromark-extension-frontmatter';
import { parseDocument } from 'yaml';
import type { ScriptWarning } from '../../../runtime/contract/index.js';
import { ScriptError } from './errors.js';
import type { ParsedBlock, ParsedDocument, ParsedScene } from './parsed.js';

export interface MarkdownOptions {
  file?: string;
}

/** Code block languages that mean "a terminal screen". Others are shown as terminals too, with a warning. */
const TERMINAL_LANGUAGES = new Set(['terminal', 'term', 'console', 'shell', 'sh', 'bash', 'zsh', 'tty']);

/** `INT. ROOM - NIGHT`, `EXT ROOF – DAY`, `INT./EXT. CAR`, `I/E. CAR`, `EST. CITY`. */
const SLUG_LINE = /^(INT\.?\/EXT\.?|EXT\.?\/INT\.?|I\/E\.?|INT\.|EXT\.|INT |EXT |EST\.)\s*(.*)$/i;

/**
 * A speaker name: one to four words of letters (any script), with title dots,
 * apostrophes and hyphens ("Dr. Okonjo", "KAEL", "Zoë", "O'Brien", "Anne-Marie").
 */
const NAME = String.raw`[\p{Lu}\p{Lt}][\p{L}\p{M}'’.\-]*(?:\s+[\p{L}\p{M}][\p{L}\p{M}'’.\-]*){0,3}`;

/**
 * `**NAME:** text`, `**NAME (aside):** text`, `**NAME**: text`, `**NAME** (aside): text`.
 * Groups: name, aside inside, colon inside, aside after, colon after, text. A colon is required somewhere.
 */
const BOLD_DIALOGUE = new RegExp(String.raw`^(?:\*\*|__)\s*(${NAME})\s*(?:\(([^)]*)\))?\s*(:?)\s*(?:\*\*|__)\s*(?:\(([^)]*)\))?\s*(:?)\s*(.*)$`, 'u');
/** `NAME: text`, `NAME (aside): text`. Groups: name, aside, text. */
const PLAIN_DIALOGUE = new RegExp(String.raw`^(${NAME})\s*(?:\(([^)]*)\))?\s*:\s*(.*)$`, 'u');
/** An all-caps name (at least two capitals): `KAEL`, `DR. OKONJO`. */
const CAPS_NAME = /^(?=(?:.*\p{Lu}){2})[\p{Lu}\p{M}'’.\-\s]+$/u;

interface DialogueMatch {
  name: string;
  parenthetical?: string;
  text: string;
  bold: boolean;
}

function matchDialogue(line: string): DialogueMatch | undefined {
  const bold = BOLD_DIALOGUE.exec(line);
  if (bold && (bold[3] || bold[5])) {
    const parenthetical = (bold[2] ?? bold[4])?.trim();
    return { name: cleanName(bold[1] as string), ...(parenthetical ? { parenthetical } : {}), text: (bold[6] ?? '').trim(), bold: true };
  }
  const plain = PLAIN_DIALOGUE.exec(line);
  if (plain) {
    const parenthetical = plain[2]?.trim();
    return { name: cleanName(plain[1] as string), ...(parenthetical ? { parenthetical } : {}), text: (plain[3] ?? '').trim(), bold: false };
  }
  return undefined;
}

function cleanName(name: string): string {
  return name.replace(/[:\s]+$/, '').trim();
}

const CUE_LINE = /^\[([^\][]{1,80})\]$/;
const ITALIC_LINE = /^(?:\*(?!\*)(.+)\*|_(?!_)(.+)_)$/s;
const VISUAL_PREFIX = /^(?:visual|visuals|scene|shot|camera|b-roll)\s*:\s*/i;

export function parseMarkdown(source: string, options: MarkdownOptions = {}): ParsedDocument {
  const file = options.file;
  const text = blankComments(source, file);
  checkFences(text, file);
  checkFrontMatterClosed(text, file);
  const tree = fromMarkdown(text, { extensions: [frontmatter(['yaml'])], mdastExtensions: [frontmatterFromMarkdown(['yaml'])] });
  const reader = new MarkdownReader(text, file);
  return reader.read(tree);
}

/**
 * HTML comments are dropped. They are blanked in place (newlines kept) so
 * every line number after them stays true.
 */
function blankComments(text: string, file: string | undefined): string {
  let out = '';
  let at = 0;
  for (;;) {
    const open = text.indexOf('<!--', at);
    if (open < 0) return out + text.slice(at);
    const close = text.indexOf('-->', open + 4);
    if (close < 0) throw new ScriptError('SCRIPT_UNCLOSED_COMMENT', 'HTML comment "<!--" is never closed with "-->"', { file, line: lineAt(text, open) });
    out += text.slice(at, open) + text.slice(open, close + 3).replace(/[^\n]/g, ' ');
    at = close + 3;
  }
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

/** CommonMark lets an unclosed fence swallow the rest of the file; a writer almost never means that. */
function checkFences(text: string, file: string | undefined): void {
  let open: { marker: string; line: number } | undefined;
  text.split('\n').forEach((raw, index) => {
    const fence = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(raw);
    if (!fence) return;
    const marker = fence[1] as string;
    if (!open) open = { marker, line: index + 1 };
    else if (marker[0] === open.marker[0] && marker.length >= open.marker.length && (fence[2] ?? '').trim() === '') open = undefined;
  });
  if (open) throw new ScriptError('SCRIPT_UNCLOSED_FENCE', `code fence ${open.marker} opened here is never closed`, { file, line: open.line });
}

function checkFrontMatterClosed(text: string, file: string | undefined): void {
  if (!/^---[ \t]*\n/.test(text)) return;
  if (!/\n---[ \t]*(\n|$)/.test(text.slice(3))) {
    throw new ScriptError('SCRIPT_FRONT_MATTER', 'front matter opened with "---" is never closed by a "---" line', { file, line: 1 });
  }
}

class MarkdownReader {
  private readonly lines: string[];
  private readonly warnings: ScriptWarning[] = [];
  private readonly scenes: ParsedScene[] = [];
  private meta: Record<string, unknown> = {};
  private title: string | undefined;
  /** Names known to be speakers: cast, bold names, all-caps names. Title Case names without bold count only when known. */
  private readonly knownNames = new Set<string>();

  constructor(
    private readonly text: string,
    private readonly file: string | undefined,
  ) {
    this.lines = text.split('\n');
  }

  read(tree: Root): ParsedDocument {
    const nodes = tree.children;
    const yaml = nodes[0]?.type === 'yaml' ? nodes[0] : undefined;
    if (yaml) this.meta = this.frontMatter(yaml.value, yaml.position?.start.line ?? 1);
    this.learnNames();
    for (const node of yaml ? nodes.slice(1) : nodes) this.block(node);
    const titleFromMeta = typeof this.meta.title === 'string' ? this.meta.title : undefined;
    return {
      format: 'markdown',
      meta: this.meta,
      ...((titleFromMeta ?? this.title) !== undefined ? { title: (titleFromMeta ?? this.title) as string } : {}),
      scenes: this.scenes.filter((scene, i) => i > 0 || hasContent(scene) || this.scenes.length === 1),
      warnings: this.warnings,
      lines: this.lines.length,
    };
  }

  private warn(code: string, message: string, line: number): void {
    this.warnings.push({ code, message, line });
  }

  private frontMatter(source: string, startLine: number): Record<string, unknown> {
    const doc = parseDocument(source, { prettyErrors: true, uniqueKeys: true });
    const error = doc.errors[0];
    if (error) {
      // +1: the YAML starts on the line after the opening `---`.
      const line = startLine + (error.linePos?.[0].line ?? 1);
      // yaml's message repeats its own (front-matter-relative) position; the file line replaces it.
      const reason = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      throw new ScriptError('SCRIPT_FRONT_MATTER', `front matter is not valid YAML: ${reason}`, { file: this.file, line });
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return {};
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new ScriptError('SCRIPT_FRONT_MATTER', 'front matter must be a set of "key: value" fields', { file: this.file, line: startLine + 1 });
    }
    return value as Record<string, unknown>;
  }

  /** First pass: which names are speakers, so `Kael: …` is dialogue while `Note: …` stays prose. */
  private learnNames(): void {
    const cast = this.meta.cast;
    if (cast && typeof cast === 'object') {
      const names = Array.isArray(cast) ? cast.map((c) => (typeof c === 'string' ? c : (c as { name?: unknown })?.name)) : Object.keys(cast);
      for (const name of names) if (typeof name === 'string') this.knownNames.add(nameKey(name));
    }
    for (const raw of this.lines) {
      const match = matchDialogue(stripQuote(raw.trim()));
      if (match && (match.bold || CAPS_NAME.test(match.name))) this.knownNames.add(nameKey(match.name));
    }
  }

  private currentScene(line: number): ParsedScene {
    let scene = this.scenes[this.scenes.length - 1];
    if (!scene) {
      scene = { title: this.title ?? (typeof this.meta.title === 'string' ? this.meta.title : 'Scene 1'), line, directions: [], images: [], blocks: [] };
      this.scenes.push(scene);
    }
    return scene;
  }

  private startScene(title: string, line: number): ParsedScene {
    const scene: ParsedScene = { title, line, directions: [], images: [], blocks: [] };
    const slug = parseSlug(title);
    if (slug) scene.slug = slug;
    // A scene implied before the first heading keeps only what it actually holds.
    const previous = this.scenes[this.scenes.length - 1];
    if (previous && this.scenes.length === 1 && !hasContent(previous) && previous.line < line && !previous.slug) this.scenes.pop();
    this.scenes.push(scene);
    return scene;
  }

  private block(node: RootContent): void {
    const line = node.position?.start.line ?? 1;
    switch (node.type) {
      case 'heading':
        return this.heading(node, line);
      case 'paragraph':
        return this.paragraph(node, line);
      case 'blockquote':
        for (const child of node.children) this.block(child);
        return;
      case 'code':
        return this.code(node, line);
      case 'list':
        return this.list(node);
      case 'html':
        if (node.value.trim()) this.warn('MARKDOWN_HTML', 'HTML is not part of a script and was left out', line);
        return;
      case 'thematicBreak':
      case 'definition':
        return;
      case 'table':
        this.warn('MARKDOWN_TABLE', 'tables are not read aloud; left out', line);
        return;
      default:
        this.warn('MARKDOWN_UNSUPPORTED', `${node.type} is not part of a script and was left out`, line);
    }
  }

  private heading(node: Heading, line: number): void {
    const text = toString(node).trim();
    if (node.depth === 1 && this.title === undefined && this.scenes.every((s) => !hasContent(s))) {
      this.title = text;
      return;
    }
    if (node.depth <= 2 || parseSlug(text)) {
      this.startScene(text || `Scene ${this.scenes.length + 1}`, line);
      return;
    }
    // Deeper headings are the writer's own structure inside a scene: keep their words as a direction.
    this.currentScene(line).directions.push({ text, line });
  }

  private code(node: Code, line: number): void {
    const lang = (node.lang ?? '').toLowerCase();
    if (!TERMINAL_LANGUAGES.has(lang)) {
      this.warn('MARKDOWN_CODE', `code block${lang ? ` "${lang}"` : ''} shown as a terminal screen (mark it \`\`\`terminal to silence this)`, line);
    }
    const lines = node.value.split('\n').map((l) => l.replace(/\t/g, '    '));
    if (lines.every((l) => l.trim() === '')) {
      this.warn('MARKDOWN_EMPTY_TERMINAL', 'empty terminal block left out', line);
      return;
    }
    this.currentScene(line).blocks.push({ kind: 'terminal', lines, line });
  }

  private list(node: List): void {
    for (const item of node.children) {
      for (const child of item.children as BlockContent[]) {
        if (child.type === 'paragraph') this.paragraph(child, child.position?.start.line ?? 1);
        else if (child.type === 'list') this.list(child);
        else this.block(child);
      }
    }
  }

  /** Classify each source line of a paragraph (see the file comment). */
  private paragraph(node: Paragraph, startLine: number): void {
    const endLine = node.position?.end.line ?? startLine;
    let open: Extract<ParsedBlock, { kind: 'dialogue' | 'narration' }> | undefined;
    for (let lineNumber = startLine; lineNumber <= endLine; lineNumber++) {
      const raw = stripListMarker(stripQuote((this.lines[lineNumber - 1] ?? '').trim()));
      if (!raw) continue;
      const scene = this.currentScene(lineNumber);
      const slug = parseSlug(raw.replace(/^\*\*|\*\*$/g, ''));
      if (slug && /^[\p{Lu}\p{N}\s.\-–—/'’:]+$/u.test(raw.replace(/\*/g, ''))) {
        this.startScene(raw.replace(/\*/g, '').trim(), lineNumber);
        open = undefined;
        continue;
      }
      const cue = CUE_LINE.exec(raw);
      if (cue) {
        scene.blocks.push({ kind: 'cue', raw: (cue[1] as string).trim(), line: lineNumber });
        open = undefined;
        continue;
      }
      const image = /^!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)$/.exec(raw);
      if (image) {
        scene.images.push({ description: (image[1] as string).trim(), path: image[2] as string, line: lineNumber });
        open = undefined;
        continue;
      }
      const italic = ITALIC_LINE.exec(raw);
      if (italic) {
        const direction = inlineText(italic[1] ?? italic[2] ?? '').replace(VISUAL_PREFIX, '').trim();
        if (direction) scene.directions.push({ text: direction, line: lineNumber });
        open = undefined;
        continue;
      }
      const dialogue = this.dialogue(raw, lineNumber);
      if (dialogue) {
        scene.blocks.push(dialogue);
        open = dialogue;
        continue;
      }
      if (open) {
        if (open.text) (open.lineStarts ??= []).push({ offset: open.text.length + 1, line: lineNumber });
        open.text = open.text ? `${open.text} ${raw}` : raw;
        continue;
      }
      open = { kind: 'narration', text: raw, line: lineNumber };
      scene.blocks.push(open);
    }
    this.checkDialogueText(startLine, endLine);
  }

  private dialogue(raw: string, line: number): Extract<ParsedBlock, { kind: 'dialogue' }> | undefined {
    const match = matchDialogue(raw);
    if (!match || !match.name) return undefined;
    // Plain `Name: text` is dialogue only for a known speaker or an ALL-CAPS name; otherwise it is prose ("Note: …").
    if (!match.bold && !this.knownNames.has(nameKey(match.name)) && !CAPS_NAME.test(match.name)) return undefined;
    return { kind: 'dialogue', speaker: match.name, ...(match.parenthetical ? { parenthetical: match.parenthetical } : {}), text: match.text, line };
  }

  /** A speaker followed by nothing at all (not even on the next line) is an error, not a silent gap. */
  private checkDialogueText(startLine: number, endLine: number): void {
    for (const scene of this.scenes) {
      for (const block of scene.blocks) {
        if (block.kind === 'dialogue' && block.line >= startLine && block.line <= endLine && block.text.trim() === '') {
          throw new ScriptError('SCRIPT_EMPTY_DIALOGUE', `${block.speaker} has a line with no text`, { file: this.file, line: block.line });
        }
      }
    }
  }
}

function hasContent(scene: ParsedScene): boolean {
  return scene.blocks.length > 0 || scene.directions.length > 0 || scene.images.length > 0;
}

function stripQuote(line: string): string {
  return line.replace(/^(?:>\s?)+/, '').trim();
}

function stripListMarker(line: string): string {
  return line.replace(/^(?:[-*+]|\d{1,3}[.)])\s+/, '');
}

/** Key for matching spellings of one name: Kael, KAEL and `Dr Kael` vs `Dr. Kael` are the same person. */
export function nameKey(name: string): string {
  return name.normalize('NFC').toUpperCase().replace(/[.’']/g, '').replace(/\s+/g, ' ').trim();
}

export function parseSlug(heading: string): ParsedScene['slug'] | undefined {
  const match = SLUG_LINE.exec(heading.trim());
  if (!match) return undefined;
  const kind = (match[1] as string).toUpperCase();
  const rest = (match[2] ?? '').trim();
  const dash = rest.search(/\s[-–—]\s(?!.*\s[-–—]\s)/);
  const location = (dash >= 0 ? rest.slice(0, dash) : rest).trim();
  const time = dash >= 0 ? rest.slice(dash).replace(/^\s[-–—]\s/, '').trim() : undefined;
  const interior = kind.startsWith('INT') && !kind.includes('/') ? true : kind.startsWith('EXT') && !kind.includes('/') ? false : undefined;
  return { location, ...(interior !== undefined ? { interior } : {}), ...(time ? { time } : {}) };
}

/** Inline markdown → the words it shows: links to their text, emphasis and code marks removed. */
export function inlineText(markdown: string): string {
  if (!/[*_`[\]<>\\~!]/.test(markdown)) return markdown;
  return toString(fromMarkdown(markdown)).replace(/\s+/g, ' ').trim();
}
