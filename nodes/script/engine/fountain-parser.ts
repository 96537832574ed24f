/**
 * Fountain screenplays (https://fountain.io/syntax) → ParsedDocument.
 *
 * A small line-based parser of our own rather than fountain-js. Every block
 * must carry its exact source line and the writer's raw text, and fountain-js
 * gives neither reliably: its tokens have no positions, it cuts the boneyard
 * out of the text before lexing (shifting everything after it) and never
 * reports an unclosed one, and its title page keeps only the standard keys.
 * Mapping its tokens back onto the source would mean re-deriving most of its
 * decisions anyway. Fountain is line-oriented, so reading it directly is both
 * shorter and exact.
 *
 * How the source is read:
 * 1. Notes (`[[ ]]`) and the boneyard (slash-star comments) are removed
 *    first, keeping every remaining character on its source line. A line that
 *    held nothing but removed material disappears entirely, so commenting out
 *    one line of a speech does not split the speech in two. Either left
 *    unclosed is a ScriptError (SCRIPT_UNCLOSED_NOTE, SCRIPT_UNCLOSED_COMMENT).
 * 2. The first paragraph is the title page when it is made of `Key: value`
 *    lines (values may continue on indented lines) and names at least one
 *    standard key (Title, Credit, Author, …); any other key is kept too.
 * 3. The rest is split into paragraphs at blank lines (a line of exactly two
 *    spaces is not blank: it keeps a speech together). A paragraph is read
 *    element by element. Single-line elements (scene headings, transitions,
 *    sections, synopses, page breaks, bracket cues) end where their line ends,
 *    and whatever follows in the same paragraph is read as if a blank line had
 *    been there: writers often forget the blank line after a heading.
 *
 * Mapping decisions beyond the obvious ones:
 * - Centered text (`>THE END<`) becomes a direction: it is text shown on
 *   screen, not spoken, so it is visual material rather than narration.
 * - Transitions (`CUT TO:`, `FADE OUT.`, `>BURN TO WHITE.`, and `FADE IN:`,
 *   which the spec leaves to action) become `cue` blocks with the transition
 *   as `raw`; the builder classifies cues. Transitions and cues before the
 *   first scene heading open the first scene rather than an extra one, since
 *   almost every screenplay starts with `FADE IN:`.
 * - A line in single brackets that starts a paragraph (`[pause 2s]`,
 *   `[glitch]`) is a cue as well: the cue syntax of reelgraph's markdown
 *   scripts, which Fountain lacks. Fountain itself reads it as action.
 * - Lyrics (`~`) are sung dialogue: inside a speech they are part of it, on
 *   their own they belong to the scene's last speaker, or are narration when
 *   nobody has spoken yet.
 * - Text stays as written (emphasis, escapes): the builder strips markup.
 *   Lines of a paragraph are joined with single spaces.
 * - Recoverable oddities are warnings: a character cue with nothing said
 *   (FOUNTAIN_EMPTY_DIALOGUE), a parenthetical after the last line of a speech
 *   (FOUNTAIN_DANGLING_PARENTHETICAL), an unindented title-page continuation
 *   (FOUNTAIN_TITLE_PAGE_INDENT).
 */
import type { ScriptWarning } from '../../../runtime/contract/index.js';
import { ScriptError } from './errors.js';
import type { LineStart, ParsedBlock, ParsedDocument, ParsedScene } from './parsed.js';

export interface FountainOptions {
  /** Named in error messages. */
  file?: string;
}

/** A line of the source after notes and boneyard are removed. */
interface SourceLine {
  text: string;
  /** 1-based line in the source where the remaining text is. */
  line: number;
}

type Slug = NonNullable<ParsedScene['slug']>;

interface CharacterCue {
  /** As written, without `@`, extensions and `^`. */
  name: string;
  /** The first extension other than CONT'D: `V.O.`, `O.S.`, … */
  extension?: string;
  /** `@NAME`: a cue even in lower case, and even without dialogue. */
  forced: boolean;
}

/** The keys that make a first paragraph a title page (lower case). */
const TITLE_PAGE_KEYS = new Set(['title', 'credit', 'author', 'authors', 'source', 'draft date', 'date', 'contact', 'notes', 'copyright', 'revision', 'revisions']);
const TITLE_PAGE_KEY = /^\p{L}[\p{L}\p{N} _.'-]*$/u;

const SCENE_HEADING = /^(?:INT\.?\/EXT|EXT\.?\/INT|I\.?\/E|E\.?\/I|INT|EXT|EST)[. ]\s*\S/i;
const FORCED_SCENE_HEADING = /^\.(?!\.)/;
const SCENE_NUMBER = /#[\w.-]+#$/;
const SLUG_PREFIX = /^(INT\.?\s*\/\s*EXT|EXT\.?\s*\/\s*INT|I\.?\s*\/\s*E|E\.?\s*\/\s*I|INT|EXT|EST)(?:\.\s*|\s+|$)/i;
/** A slug's time follows the last of these (each three characters long). */
const SLUG_TIME_SEPARATORS = [' - ', ' – ', ' — '];

/** Transitions the spec's "ends in TO:" rule misses. */
const STANDARD_TRANSITION = /^(?:FADE (?:IN|OUT)|FADE TO BLACK|CUT TO BLACK)[.:]$/;
const CENTERED = /^>.*<$/;
const BRACKET_CUE = /^\[([^[\]]+)\]$/;
const PAGE_BREAK = /^={3,}$/;
const SYNOPSIS = /^=(?!=)/;
const PARENTHETICAL = /^\(([^()]*)\)$/;
const CONTINUED = /^CONT(?:['’]?D|\.|INUED)?$/i;

export function parseFountain(text: string, options: FountainOptions = {}): ParsedDocument {
  const warnings: ScriptWarning[] = [];
  const { meta, title, body } = readTitlePage(removeNotesAndBoneyard(text, options.file), warnings);
  const scenes = new SceneAssembler(title ?? 'Scene 1', warnings);
  for (const paragraph of paragraphs(body)) readParagraph(paragraph, scenes);
  return {
    format: 'fountain',
    meta,
    ...(title !== undefined ? { title } : {}),
    scenes: scenes.finish(),
    warnings,
    // Counted as the markdown parser counts them: a final newline starts an (empty) last line.
    lines: text.split('\n').length,
  };
}

// ---------------------------------------------------------------------------
// Lines and paragraphs

/**
 * The source as lines with notes and boneyard removed. Text on either side of
 * a multi-line note or boneyard joins into one line, numbered where its first
 * visible character is.
 */
function removeNotesAndBoneyard(text: string, file: string | undefined): SourceLine[] {
  const lines: SourceLine[] = [];
  let sourceLine = 1;
  let current = '';
  let currentLine = 1;
  let currentIsBlank = true;
  let removedSomething = false;

  const append = (chunk: string): void => {
    if (currentIsBlank && chunk.trim() !== '') {
      currentLine = sourceLine;
      currentIsBlank = false;
    }
    current += chunk;
  };
  const endLine = (): void => {
    if (!(removedSomething && currentIsBlank)) lines.push({ text: current, line: currentLine });
    current = '';
    currentLine = sourceLine;
    currentIsBlank = true;
    removedSomething = false;
  };

  const scanner = /\/\*|\[\[|\n/g;
  let position = 0;
  for (let match = scanner.exec(text); match !== null; match = scanner.exec(text)) {
    append(text.slice(position, match.index));
    if (match[0] === '\n') {
      sourceLine += 1;
      endLine();
      position = scanner.lastIndex;
      continue;
    }
    const isNote = match[0] === '[[';
    const end = text.indexOf(isNote ? ']]' : '*/', match.index + 2);
    if (end < 0) {
      throw isNote
        ? new ScriptError('SCRIPT_UNCLOSED_NOTE', 'note "[[" is never closed with "]]"', { file, line: sourceLine })
        : new ScriptError('SCRIPT_UNCLOSED_COMMENT', 'boneyard "/*" is never closed with "*/"', { file, line: sourceLine });
    }
    sourceLine += countNewlines(text, match.index, end);
    removedSomething = true;
    position = end + 2;
    scanner.lastIndex = position;
  }
  append(text.slice(position));
  endLine();
  return lines;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let index = text.indexOf('\n', from); index !== -1 && index < to; index = text.indexOf('\n', index + 1)) count += 1;
  return count;
}

/** A line of exactly two spaces keeps a paragraph together (Fountain's way to put an empty line in a speech). */
function isBlank(line: SourceLine): boolean {
  return line.text !== '  ' && line.text.trim() === '';
}

/** Splits lines into runs of non-blank lines. */
function paragraphs(lines: SourceLine[]): SourceLine[][] {
  const runs: SourceLine[][] = [];
  let run: SourceLine[] = [];
  for (const line of lines) {
    if (!isBlank(line)) run.push(line);
    else if (run.length > 0) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

// ---------------------------------------------------------------------------
// Title page

function readTitlePage(lines: SourceLine[], warnings: ScriptWarning[]): { meta: Record<string, unknown>; title?: string; body: SourceLine[] } {
  const start = lines.findIndex((line) => !isBlank(line));
  if (start < 0) return { meta: {}, body: lines };
  const blank = lines.findIndex((line, index) => index > start && isBlank(line));
  const end = blank < 0 ? lines.length : blank;
  const fields = titlePageFields(lines.slice(start, end));
  if (!fields) return { meta: {}, body: lines };

  const meta: Record<string, string> = {};
  for (const field of fields) {
    const value = field.values.filter((part) => part !== '').join('\n');
    meta[field.key] = Object.hasOwn(meta, field.key) ? `${meta[field.key]}\n${value}` : value;
    for (const line of field.unindented) {
      warnings.push({ code: 'FOUNTAIN_TITLE_PAGE_INDENT', message: `title page line continues "${field.key}" but is not indented (use three spaces or a tab)`, line });
    }
  }
  const title = meta.title === undefined ? undefined : collapseWhitespace(meta.title);
  return { meta, ...(title ? { title } : {}), body: lines.slice(end) };
}

interface TitlePageField {
  key: string;
  values: string[];
  /** Lines of continued values that were not indented. */
  unindented: number[];
}

/** The fields of a title page, or undefined when the paragraph is not one. */
function titlePageFields(paragraph: SourceLine[]): TitlePageField[] | undefined {
  const fields: TitlePageField[] = [];
  for (const { text, line } of paragraph) {
    const indented = /^(?:\t| {3})/.test(text);
    const pair = indented ? undefined : keyValue(text);
    const field = fields.at(-1);
    if (pair) fields.push({ key: pair.key, values: [pair.value], unindented: [] });
    else if (!field) return undefined;
    else {
      field.values.push(text.trim());
      if (!indented) field.unindented.push(line);
    }
  }
  return fields.some((field) => TITLE_PAGE_KEYS.has(field.key)) ? fields : undefined;
}

function keyValue(text: string): { key: string; value: string } | undefined {
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  const key = text.slice(0, colon).trim();
  if (!TITLE_PAGE_KEY.test(key)) return undefined;
  return { key: collapseWhitespace(key).toLowerCase(), value: text.slice(colon + 1).trim() };
}

// ---------------------------------------------------------------------------
// Scenes

/** Collects scenes in order and opens the untitled first scene when content comes before any heading. */
class SceneAssembler {
  /** The last character who spoke in the current scene: lyrics on their own are theirs. */
  lastSpeaker: string | undefined;
  private readonly scenes: ParsedScene[] = [];
  private current: ParsedScene | undefined;
  /** Transitions and cues seen before any scene: they open the first one. */
  private leadingCues: ParsedBlock[] = [];

  constructor(
    private readonly untitled: string,
    private readonly warnings: ScriptWarning[],
  ) {}

  openScene(title: string, line: number, slug?: Slug): void {
    this.current = { title, line, ...(slug ? { slug } : {}), directions: [], images: [], blocks: this.leadingCues };
    this.leadingCues = [];
    this.lastSpeaker = undefined;
    this.scenes.push(this.current);
  }

  addDirection(text: string, line: number): void {
    const plain = collapseWhitespace(text);
    if (plain !== '') this.sceneFor(line).directions.push({ text: plain, line });
  }

  addBlock(block: ParsedBlock): void {
    if (block.kind === 'cue' && !this.current) {
      this.leadingCues.push(block);
      return;
    }
    this.sceneFor(block.line).blocks.push(block);
    if (block.kind === 'dialogue') this.lastSpeaker = block.speaker;
  }

  warn(code: string, message: string, line: number): void {
    this.warnings.push({ code, message, line });
  }

  finish(): ParsedScene[] {
    const first = this.leadingCues[0];
    if (first) this.openScene(this.untitled, first.line);
    return this.scenes;
  }

  private sceneFor(line: number): ParsedScene {
    if (!this.current) this.openScene(this.untitled, this.leadingCues[0]?.line ?? line);
    return this.current as ParsedScene;
  }
}

function readParagraph(paragraph: SourceLine[], scenes: SceneAssembler): void {
  let index = 0;
  while (index < paragraph.length) index = readElement(paragraph, index, scenes);
}

/** Reads the element that starts at `lines[start]` and returns the index of the line after it. */
function readElement(lines: SourceLine[], start: number, scenes: SceneAssembler): number {
  const first = lines[start] as SourceLine;
  const text = first.text.trim();
  const next = start + 1;

  if (text === '') return next;
  if (text.startsWith('!')) return readAction(lines, start, scenes);
  if (PAGE_BREAK.test(text) || SYNOPSIS.test(text) || text.startsWith('#')) return next;

  const heading = sceneHeading(text);
  if (heading) {
    scenes.openScene(heading, first.line, slugOf(heading));
    return next;
  }

  if (CENTERED.test(text)) {
    const end = runEnd(lines, start, (line) => CENTERED.test(line));
    scenes.addDirection(trimmedTexts(lines, start, end).map((line) => line.slice(1, -1)).join(' '), first.line);
    return end;
  }

  const cue = transition(text) ?? BRACKET_CUE.exec(text)?.[1]?.trim();
  if (cue) {
    scenes.addBlock({ kind: 'cue', raw: cue, line: first.line });
    return next;
  }

  if (text.startsWith('~')) {
    const end = runEnd(lines, start, (line) => line.startsWith('~'));
    const sung = collapseWhitespace(trimmedTexts(lines, start, end).map((line) => line.slice(1)).join(' '));
    const speaker = scenes.lastSpeaker;
    if (sung !== '') scenes.addBlock(speaker ? { kind: 'dialogue', speaker, text: sung, line: first.line } : { kind: 'narration', text: sung, line: first.line });
    return end;
  }

  const character = characterCue(text);
  if (character && (character.forced || next < lines.length)) {
    readSpeech(character, first.line, lines.slice(next), scenes);
    return lines.length;
  }

  return readAction(lines, start, scenes);
}

/** An action paragraph is one direction; a leading `!` (forced action) is markup, not text. */
function readAction(lines: SourceLine[], start: number, scenes: SceneAssembler): number {
  scenes.addDirection(trimmedTexts(lines, start).map((line) => line.replace(/^!/, '')).join(' '), (lines[start] as SourceLine).line);
  return lines.length;
}

/** The index of the first line from `start` on whose trimmed text fails `test`. */
function runEnd(lines: SourceLine[], start: number, test: (trimmed: string) => boolean): number {
  let end = start;
  while (end < lines.length && test((lines[end] as SourceLine).text.trim())) end += 1;
  return end;
}

function trimmedTexts(lines: SourceLine[], start: number, end = lines.length): string[] {
  return lines.slice(start, end).map((line) => line.text.trim());
}

/** The heading's title (without a forcing `.` or scene number), or undefined when `text` is not a heading. */
function sceneHeading(text: string): string | undefined {
  const forced = FORCED_SCENE_HEADING.test(text);
  if (!forced && !SCENE_HEADING.test(text)) return undefined;
  const title = (forced ? text.slice(1) : text).replace(SCENE_NUMBER, '').trim();
  return title === '' ? undefined : title;
}

/**
 * `INT. SERVER ROOM - NIGHT` → interior, location, time. `INT./EXT.`, `I/E`,
 * `EST.` (an establishing shot) and forced headings leave `interior` unset.
 */
function slugOf(title: string): Slug {
  const prefix = SLUG_PREFIX.exec(title);
  const kind = prefix?.[1]?.toUpperCase();
  const place = title.slice(prefix?.[0].length ?? 0);
  const split = Math.max(...SLUG_TIME_SEPARATORS.map((separator) => place.lastIndexOf(separator)));
  const location = (split < 0 ? place : place.slice(0, split)).trim();
  const time = split < 0 ? '' : place.slice(split + 3).trim();
  return {
    ...(kind === 'INT' ? { interior: true } : kind === 'EXT' ? { interior: false } : {}),
    location,
    ...(time !== '' ? { time } : {}),
  };
}

/** The transition's text, or undefined when `text` is not one. `>` forces a transition (`>text<` is centered, tested first). */
function transition(text: string): string | undefined {
  if (text.startsWith('>')) return text.slice(1).trim() || undefined;
  if (!isUpperCase(text)) return undefined;
  return text.endsWith(' TO:') || STANDARD_TRANSITION.test(text) ? text : undefined;
}

/** `KAEL`, `KAEL (V.O.)`, `@McCLANE`, `BRICK ^`; undefined when `text` cannot be a character cue. */
function characterCue(text: string): CharacterCue | undefined {
  const forced = text.startsWith('@');
  let name = (forced ? text.slice(1) : text).trim();
  if (name.endsWith('^')) name = name.slice(0, -1).trimEnd();
  const extensions: string[] = [];
  while (name.endsWith(')')) {
    const open = name.lastIndexOf('(');
    if (open < 0) break;
    extensions.unshift(name.slice(open + 1, -1).trim());
    name = name.slice(0, open).trimEnd();
  }
  if (name === '' || (!forced && !isUpperCase(name))) return undefined;
  const extension = extensions.find((candidate) => candidate !== '' && !CONTINUED.test(candidate));
  return { name, forced, ...(extension ? { extension } : {}) };
}

/** A stretch of one speech: the parentheticals that open it and the lines said after them. */
interface SpeechPart {
  line: number;
  parentheticals: string[];
  said: string[];
  /** The source line of each entry of `said`. */
  saidLines: number[];
}

/**
 * The speech after a character cue: one dialogue block, or several when a
 * parenthetical interrupts it (each part then carries its parenthetical).
 * Without a parenthetical of its own, the first part carries the cue's
 * extension, so a `(V.O.)` reaches the builder.
 */
function readSpeech(cue: CharacterCue, cueLine: number, lines: SourceLine[], scenes: SceneAssembler): void {
  let part: SpeechPart = { line: cueLine, parentheticals: [], said: [], saidLines: [] };
  let emitted = 0;
  const emit = (): void => {
    const parenthetical = part.parentheticals.length > 0 ? part.parentheticals.join(', ') : emitted === 0 ? cue.extension : undefined;
    // Joined line by line, noting where each later line starts, so a long speech cut into segments keeps true lines.
    let text = '';
    const lineStarts: LineStart[] = [];
    part.said.forEach((said, index) => {
      const collapsed = collapseWhitespace(said);
      if (!collapsed) return;
      if (text) {
        lineStarts.push({ offset: text.length + 1, line: part.saidLines[index] ?? part.line });
        text += ' ';
      }
      text += collapsed;
    });
    scenes.addBlock({ kind: 'dialogue', speaker: cue.name, ...(parenthetical ? { parenthetical } : {}), text, line: part.line, ...(lineStarts.length > 0 ? { lineStarts } : {}) });
    emitted += 1;
  };

  for (const { text: raw, line } of lines) {
    const text = raw.trim();
    const parenthetical = PARENTHETICAL.exec(text)?.[1]?.trim();
    if (parenthetical === undefined) {
      // Lyrics inside a speech are sung lines of it.
      const said = text.startsWith('~') ? text.slice(1).trim() : text;
      if (said !== '') {
        part.said.push(said);
        part.saidLines.push(line);
      }
    } else if (parenthetical !== '') {
      if (part.said.length > 0) {
        emit();
        part = { line, parentheticals: [], said: [], saidLines: [] };
      }
      part.parentheticals.push(parenthetical);
    }
  }

  if (part.said.length > 0) emit();
  else if (emitted === 0) scenes.warn('FOUNTAIN_EMPTY_DIALOGUE', `character cue "${cue.name}" has no dialogue`, cueLine);
  else if (part.parentheticals.length > 0) scenes.warn('FOUNTAIN_DANGLING_PARENTHETICAL', `parenthetical "(${part.parentheticals.join(', ')})" after the last line of ${cue.name}'s speech is dropped`, part.line);
}

// ---------------------------------------------------------------------------
// Text

/** Has an upper-case letter and no lower-case one (digits and punctuation allowed). */
function isUpperCase(text: string): boolean {
  return /\p{Lu}/u.test(text) && !/\p{Ll}/u.test(text);
}

function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
