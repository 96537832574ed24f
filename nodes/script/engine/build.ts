/**
 * ParsedDocument → Script: merge the spellings of each name into one cast
 * member, turn blocks into segments with stable ids, speech and display
 * text, brief each scene for the visual nodes, and estimate timing.
 */
import { createHash } from 'node:crypto';
import type { CastMember, Scene, Script, ScriptMeta, ScriptWarning, Segment, SegmentKind } from '../../../runtime/contract/index.js';
import { analyzeText, sceneBrief } from './analyze.js';
import { readCue } from './cues.js';
import { ScriptError } from './errors.js';
import { inlineText, nameKey } from './markdown-parser.js';
import type { ParsedBlock, ParsedDocument, ParsedScene } from './parsed.js';
import { pieceLines, speakablePieces } from './speakable.js';
import { countWords, toSpeech } from './speech.js';
import { readTerminalLine } from './terminal.js';
import { cueSeconds, round, speechSeconds, terminalSeconds, timingDefaults } from './timing.js';

export interface BuildOptions {
  /** Source name for messages and `Script.source`. */
  file?: string;
  /** Pronunciations applied to speech text only: `{ "Kael": "Kale" }`. */
  lexicon?: Record<string, string>;
  /** Base speaking rate; a cast member's `pace` multiplies it, `wpm` replaces it. */
  wordsPerMinute?: number;
  /** Who speaks plain prose, and whose lines count as narration. */
  narrator?: string;
  sourceText: string;
}

type SpokenBlock = Extract<ParsedBlock, { kind: 'dialogue' | 'narration' }>;

interface CastEntry {
  member: CastMember;
  /** From the front matter (not only seen in the script). */
  declared: boolean;
}

export function buildScript(doc: ParsedDocument, options: BuildOptions): Script {
  return new ScriptBuilder(doc, options).build();
}

class ScriptBuilder {
  private readonly warnings: ScriptWarning[];
  private readonly cast = new Map<string, CastEntry>();
  private readonly usedIds = new Map<string, number>();
  private readonly baseWpm: number;
  private readonly narratorKey: string;
  private clock = 0;

  constructor(
    private readonly doc: ParsedDocument,
    private readonly options: BuildOptions,
  ) {
    this.warnings = [...doc.warnings];
    this.baseWpm = options.wordsPerMinute ?? timingDefaults.wordsPerMinute;
    this.narratorKey = nameKey(options.narrator ?? 'NARRATOR');
    this.declareCast(doc.meta.cast);
  }

  build(): Script {
    const scenes = this.doc.scenes.map((scene, index) => this.scene(scene, index, new Set()));
    const speakable = scenes.flatMap((s) => s.segments).filter((s) => s.kind === 'dialogue' || s.kind === 'narration');
    if (speakable.length === 0) {
      throw new ScriptError('SCRIPT_NOTHING_SPEAKABLE', 'the script has no dialogue or narration to speak', { file: this.options.file, line: 1 });
    }
    if (this.clock > timingDefaults.absurdSeconds.script) {
      this.warnings.push({ code: 'SCRIPT_VERY_LONG', message: `the script is estimated at ${clockTime(this.clock)} of speech, far longer than an episode: check that this is the right file`, line: 1 });
    }
    const spoken = speakable.map((s) => s.displayText);
    const directions = scenes.flatMap((s) => s.directions.map((d) => d.text));
    return {
      title: this.title(),
      meta: this.meta(),
      cast: [...this.cast.values()].map((c) => c.member).filter((m) => m.lines > 0 || this.cast.get(nameKey(m.id))?.declared),
      scenes,
      analysis: analyzeText([...directions, ...spoken]),
      duration: round(this.clock),
      warnings: this.warnings,
      source: {
        format: this.doc.format,
        ...(this.options.file ? { name: this.options.file } : {}),
        sha256: createHash('sha256').update(this.options.sourceText).digest('hex'),
        lines: this.doc.lines,
      },
    };
  }

  private title(): string {
    const fromMeta = typeof this.doc.meta.title === 'string' ? this.doc.meta.title : undefined;
    const fromFile = this.options.file?.split(/[\\/]/).pop()?.replace(/\.[^.]+$/, '');
    return inlineText(this.doc.title ?? fromMeta ?? fromFile ?? '').trim() || 'Untitled';
  }

  private meta(): ScriptMeta {
    const { cast: _cast, title: _title, ...rest } = this.doc.meta;
    const meta: ScriptMeta = { ...rest };
    const style = rest.style;
    if (typeof style === 'string') meta.style = style.split(',').map((s) => s.trim()).filter(Boolean);
    else if (Array.isArray(style)) meta.style = style.map(String);
    if (typeof rest.episode === 'string' && /^\d+$/.test(rest.episode.trim())) meta.episode = Number(rest.episode);
    if (rest.series !== undefined) meta.series = String(rest.series);
    if (rest.aspect !== undefined) meta.aspect = String(rest.aspect);
    return meta;
  }

  // ---------------------------------------------------------------- cast

  /** Front matter cast: `{ NAME: { voice, pace, … } }`, `[{ name, voice }]` or `[NAME, …]`. */
  private declareCast(cast: unknown): void {
    if (cast === undefined || cast === null) return;
    const entries: Array<[string, Record<string, unknown>]> = Array.isArray(cast)
      ? cast.flatMap((c): Array<[string, Record<string, unknown>]> => {
          if (typeof c === 'string') return [[c, {}]];
          if (c && typeof c === 'object' && typeof (c as { name?: unknown }).name === 'string') return [[(c as { name: string }).name, c as Record<string, unknown>]];
          this.warnings.push({ code: 'SCRIPT_CAST', message: 'a cast entry without a name was ignored' });
          return [];
        })
      : typeof cast === 'object'
        ? Object.entries(cast as Record<string, unknown>).map(([name, spec]): [string, Record<string, unknown>] => [
            name,
            spec && typeof spec === 'object' ? (spec as Record<string, unknown>) : typeof spec === 'string' ? { voice: spec } : {},
          ])
        : [];
    if (!Array.isArray(cast) && typeof cast !== 'object') this.warnings.push({ code: 'SCRIPT_CAST', message: 'front matter "cast" should map names to voices; ignored' });
    for (const [name, spec] of entries) this.member(name, spec, true);
  }

  private member(name: string, spec: Record<string, unknown> = {}, declared = false): CastMember {
    const key = nameKey(name);
    const known = this.cast.get(key);
    if (known) {
      if (!known.member.aliases.includes(name)) known.member.aliases.push(name);
      // A writer's mixed-case spelling reads better than one we derived from an all-caps cue.
      if (!/\p{Ll}/u.test(known.member.aliases[0] ?? '') && /\p{Ll}/u.test(name) && known.member.name === titleCase(known.member.id)) known.member.name = name;
      return known.member;
    }
    const { voice, pace, wpm, wordsPerMinute, name: _name, ...extra } = spec;
    const paceValue = typeof pace === 'number' && pace > 0 ? pace : undefined;
    const explicitWpm = [wpm, wordsPerMinute].find((v): v is number => typeof v === 'number' && v > 0);
    const member: CastMember = {
      id: name.normalize('NFC').toUpperCase().replace(/\s+/g, ' ').trim(),
      name: /\p{Ll}/u.test(name) ? name : titleCase(name),
      aliases: [name],
      ...(typeof voice === 'string' ? { voice } : {}),
      ...(paceValue !== undefined ? { pace: paceValue } : {}),
      wordsPerMinute: round(explicitWpm ?? this.baseWpm * (paceValue ?? 1)),
      lines: 0,
      words: 0,
      ...(Object.keys(extra).length > 0 ? { extra } : {}),
    };
    this.cast.set(key, { member, declared });
    return member;
  }

  private speaker(name: string, line: number): CastMember {
    const key = nameKey(name);
    if (!this.cast.has(key) && [...this.cast.values()].some((c) => c.declared) && key !== this.narratorKey) {
      this.warnings.push({ code: 'SCRIPT_UNCAST_SPEAKER', message: `${name} speaks but is not in the front matter cast (a typo?)`, line });
    }
    return this.member(name);
  }

  // ---------------------------------------------------------------- scenes

  private scene(parsed: ParsedScene, index: number, speakers: Set<string>): Scene {
    const id = this.uniqueId(`scene-${slugify(parsed.title) || index + 1}`);
    const start = this.clock;
    const segments = parsed.blocks.flatMap((block) => this.segment(block, id, speakers));
    const castNames = Object.fromEntries([...this.cast.values()].map((c) => [c.member.id, c.member.name]));
    const brief = sceneBrief({
      heading: parsed.title,
      ...(parsed.slug ? { slug: parsed.slug } : {}),
      directions: parsed.directions.map((d) => d.text),
      dialogue: segments.filter((s) => s.kind === 'dialogue' || s.kind === 'narration').map((s) => s.displayText),
      speakers: [...speakers],
      castNames,
    });
    return {
      id,
      index,
      title: parsed.title,
      line: parsed.line,
      directions: parsed.directions,
      images: parsed.images,
      segments,
      brief,
      timing: { start: round(start), duration: round(this.clock - start) },
    };
  }

  private segment(block: ParsedBlock, sceneId: string, speakers: Set<string>): Segment[] {
    switch (block.kind) {
      case 'terminal':
        return [this.terminal(block, sceneId)];
      case 'cue':
        return [this.cue(block, sceneId)];
      case 'narration':
        return this.spoken('narration', this.member(this.options.narrator ?? 'NARRATOR'), undefined, block, sceneId, speakers);
      case 'dialogue': {
        const member = this.speaker(block.speaker, block.line);
        const kind: SegmentKind = nameKey(member.id) === this.narratorKey ? 'narration' : 'dialogue';
        return this.spoken(kind, member, block.parenthetical, block, sceneId, speakers);
      }
    }
  }

  /** One spoken block as one segment, or as several speakable pieces when it is long (see speakable.ts). */
  private spoken(kind: SegmentKind, member: CastMember, parenthetical: string | undefined, block: SpokenBlock, sceneId: string, speakers: Set<string>): Segment[] {
    const { line } = block;
    const displayText = inlineText(block.text).replace(/\s+/g, ' ').trim();
    const speech = this.options.lexicon ? { lexicon: this.options.lexicon } : {};
    const pieces = speakablePieces(displayText).map((text) => ({ displayText: text, speechText: toSpeech(text, speech) })).map((piece) => ({ ...piece, words: countWords(piece.speechText) }));
    const words = pieces.reduce((sum, piece) => sum + piece.words, 0);
    if (words === 0) {
      this.warnings.push({ code: 'SCRIPT_SILENT_LINE', message: `${member.name}'s line has nothing a voice could say ("${displayText.slice(0, 40)}")`, line });
      return [];
    }
    member.lines += 1;
    member.words += words;
    if (kind === 'dialogue') speakers.add(member.id);
    const lines = pieces.length > 1 ? pieceLines(pieces.map((p) => p.displayText), block.text, line, block.lineStarts) : [line];
    const start = this.clock;
    const segments = pieces.flatMap((piece, index) =>
      piece.words === 0
        ? []
        : [
            this.place(
              {
                id: this.segmentId(kind, member.id, parenthetical ?? '', piece.displayText),
                sceneId,
                kind,
                speaker: member.id,
                ...(parenthetical ? { parenthetical } : {}),
                speechText: piece.speechText,
                displayText: piece.displayText,
                line: lines[index] ?? line,
                words: piece.words,
              },
              speechSeconds(piece.speechText, piece.words, member.wordsPerMinute),
              // Pieces of one paragraph follow each other like its sentences (whose pauses the estimate already has).
              index === pieces.length - 1 ? timingDefaults.segmentGapSeconds : 0,
            ),
          ],
    );
    const seconds = this.clock - start;
    if (seconds > timingDefaults.absurdSeconds.line) {
      this.warnings.push({
        code: 'SCRIPT_LONG_LINE',
        message: `${member.name}'s line alone is estimated at ${clockTime(seconds)} of speech (${displayText.length} characters in one paragraph): is a blank line missing, or was the wrong file given?`,
        line,
      });
    }
    return segments;
  }

  private terminal(block: Extract<ParsedBlock, { kind: 'terminal' }>, sceneId: string): Segment {
    const lines = block.lines.map(readTerminalLine);
    const displayText = block.lines.join('\n');
    return this.place(
      { id: this.segmentId('terminal', '', '', displayText), sceneId, kind: 'terminal', speechText: '', displayText, line: block.line, words: 0, terminal: { lines } },
      terminalSeconds(lines),
      0,
    );
  }

  private cue(block: Extract<ParsedBlock, { kind: 'cue' }>, sceneId: string): Segment {
    const { cue, known } = readCue(block.raw);
    if (!known) this.warnings.push({ code: 'SCRIPT_UNKNOWN_CUE', message: `unknown cue [${block.raw}] kept as "${cue.type}"; known cues: pause, beat, glitch, sfx:, music:, transitions`, line: block.line });
    return this.place(
      { id: this.segmentId('cue', '', '', block.raw), sceneId, kind: 'cue', speechText: '', displayText: '', line: block.line, words: 0, cue },
      cueSeconds(cue),
      0,
    );
  }

  /** Put a segment on the clock. */
  private place(segment: Omit<Segment, 'timing'>, duration: number, gap: number): Segment {
    const placed: Segment = { ...segment, timing: { start: round(this.clock), duration } };
    this.clock += duration + gap;
    return placed;
  }

  /**
   * Ids come from content, not position, so inserting a line elsewhere keeps
   * every other segment's id (and its cached voice). Repeats of the same line
   * are numbered in order.
   */
  private segmentId(kind: string, speaker: string, parenthetical: string, text: string): string {
    const digest = createHash('sha256').update([kind, speaker, parenthetical, text].join('\u0000')).digest('hex').slice(0, 12);
    return this.uniqueId(`seg-${digest}`);
  }

  private uniqueId(base: string): string {
    const seen = this.usedIds.get(base) ?? 0;
    this.usedIds.set(base, seen + 1);
    return seen === 0 ? base : `${base}-${seen + 1}`;
  }
}

export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
}

/** `22:13:04`, `12:30`: how a writer reads a running time. */
function clockTime(seconds: number): string {
  const total = Math.round(seconds);
  const [h, m, sec] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60];
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${m}:${two(sec)}`;
}

function titleCase(name: string): string {
  return name.toLowerCase().replace(/(^|[\s\-.'’])(\p{L})/gu, (_m, before: string, letter: string) => before + letter.toUpperCase());
}
