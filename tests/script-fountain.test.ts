import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { Fountain } from 'fountain-js';
import { describe, expect, it } from 'vitest';
import { ScriptError } from '../nodes/script/engine/errors.js';
import { parseFountain } from '../nodes/script/engine/fountain-parser.js';
import type { ParsedBlock, ParsedDocument, ParsedScene } from '../nodes/script/engine/parsed.js';

const fixtures = resolve(import.meta.dirname, 'fixtures/scripts');
const fixture = (name: string): string => readFileSync(resolve(fixtures, name), 'utf8');

/** The 1-based line of the one source line containing `needle`. */
function lineOf(source: string, needle: string): number {
  const lines = source.split('\n');
  const hits = lines.flatMap((line, index) => (line.includes(needle) ? [index + 1] : []));
  if (hits.length !== 1) throw new Error(`"${needle}" is on ${hits.length} lines of the fixture, expected exactly one`);
  return hits[0] as number;
}

const blocks = (doc: ParsedDocument): ParsedBlock[] => doc.scenes.flatMap((scene) => scene.blocks);
const dialogue = (doc: ParsedDocument): Array<Extract<ParsedBlock, { kind: 'dialogue' }>> => blocks(doc).flatMap((block) => (block.kind === 'dialogue' ? [block] : []));
const cues = (doc: ParsedDocument): Array<{ raw: string; line: number }> => blocks(doc).flatMap((block) => (block.kind === 'cue' ? [{ raw: block.raw, line: block.line }] : []));

/** Every piece of text the document kept, for checking what was dropped. */
function allText(doc: ParsedDocument): string {
  const parts = doc.scenes.flatMap((scene) => [
    scene.title,
    ...scene.directions.map((direction) => direction.text),
    ...scene.blocks.map((block) => (block.kind === 'cue' ? block.raw : block.kind === 'terminal' ? block.lines.join('\n') : block.text)),
  ]);
  return [...Object.values(doc.meta).map(String), ...parts].join('\n');
}

function thrown(run: () => unknown): ScriptError {
  try {
    run();
  } catch (error) {
    if (error instanceof ScriptError) return error;
    throw error;
  }
  throw new Error('expected a ScriptError, nothing was thrown');
}

describe('Fountain: the Boot Sequence episode', () => {
  const source = fixture('last-terminal-ep01.fountain');
  const doc = parseFountain(source, { file: 'last-terminal-ep01.fountain' });
  const [one, two, three] = doc.scenes as [ParsedScene, ParsedScene, ParsedScene];

  it('reads the title page into meta and the title', () => {
    expect(doc.format).toBe('fountain');
    expect(doc.title).toBe('Boot Sequence');
    expect(doc.meta).toEqual({
      title: 'Boot Sequence',
      series: 'The Last Terminal',
      episode: '1',
      credit: 'Written by',
      author: "The Last Terminal writers' room",
      aspect: '16:9',
      style: 'cinematic, dystopian, 4K',
      'draft date': '2025-03-14',
    });
    expect(doc.lines).toBe(source.split('\n').length);
    expect(doc.warnings).toEqual([]);
  });

  it('makes a scene of each heading, with its slug and line', () => {
    expect(doc.scenes.map(({ title, line, slug }) => ({ title, line, slug }))).toEqual([
      { title: 'INT. ABANDONED DATA CENTER - NIGHT', line: 14, slug: { interior: true, location: 'ABANDONED DATA CENTER', time: 'NIGHT' } },
      { title: 'EXT. RUINED CITY STREET - NIGHT', line: 35, slug: { interior: false, location: 'RUINED CITY STREET', time: 'NIGHT' } },
      { title: 'INT. DATA CENTER - CONTINUOUS', line: 56, slug: { interior: true, location: 'DATA CENTER', time: 'CONTINUOUS' } },
    ]);
  });

  it('turns action paragraphs into directions, one per paragraph', () => {
    expect(one.directions).toEqual([
      { text: expect.stringMatching(/^A vast, abandoned data center\. .* Slow dolly forward, low angle\.$/), line: 16 },
      { text: 'A single terminal flickers awake. Green text crawls across the glass: MAIN GRID OFFLINE. BACKUP CELLS 3%.', line: 23 },
    ]);
    expect(two.directions.map((direction) => direction.line)).toEqual([37, 46, 54]);
    expect(three.directions.map((direction) => direction.line)).toEqual([58, 79]);
  });

  it('reads speeches: extensions, parentheticals, a parenthetical mid-speech, raw emphasis', () => {
    expect(one.blocks.filter((block) => block.kind === 'dialogue')).toEqual([
      { kind: 'dialogue', speaker: 'NARRATOR', parenthetical: 'V.O.', text: 'In the year the grid went dark, nobody remembered who switched off the last server.', line: 18 },
      { kind: 'dialogue', speaker: 'NARRATOR', parenthetical: 'beat', text: 'Nobody, except the server itself.', line: 20 },
      { kind: 'dialogue', speaker: 'ARIA', parenthetical: 'O.S.', text: 'Hello? Is anyone still listening?', line: 28 },
    ]);
    // KAEL (CONT'D): CONT'D is not a parenthetical; (whispering) is.
    expect(two.blocks).toContainEqual({ kind: 'dialogue', speaker: 'KAEL', parenthetical: 'whispering', text: 'Wait. Is that... a signal?', line: lineOf(source, "KAEL (CONT'D)") });
    expect(dialogue(doc).find((block) => block.text.startsWith('Type the word'))).toEqual({ kind: 'dialogue', speaker: 'ARIA', text: 'Type the word *remember*.', line: 76 });
    expect(dialogue(doc).filter((block) => block.speaker === 'KAEL').map((block) => block.parenthetical)).toEqual([undefined, 'whispering', undefined, undefined]);
  });

  it('keeps transitions and bracket cues as cues; FADE IN: opens the first scene', () => {
    expect(cues(doc)).toEqual([
      { raw: 'FADE IN:', line: 12 },
      { raw: 'pause 2s', line: 26 },
      { raw: 'CUT TO:', line: 33 },
      { raw: 'glitch', line: 69 },
      { raw: 'pause 1.5s', line: 74 },
      { raw: 'FADE OUT.', line: 84 },
    ]);
    expect(one.blocks[0]).toEqual({ kind: 'cue', raw: 'FADE IN:', line: 12 });
    expect(three.blocks.at(-1)).toEqual({ kind: 'cue', raw: 'FADE OUT.', line: 84 });
  });

  it('drops notes', () => {
    expect(allText(doc)).not.toContain('close-miked');
  });
});

describe('Fountain: every syntax feature (lighthouse.fountain)', () => {
  const source = fixture('lighthouse.fountain');
  const doc = parseFountain(source, { file: 'lighthouse.fountain' });
  const scene = (title: string): ParsedScene => {
    const found = doc.scenes.find((candidate) => candidate.title === title);
    if (!found) throw new Error(`no scene "${title}"`);
    // Where a speech's later lines start (for cutting long speeches) is checked in script-long.test.ts.
    return { ...found, blocks: found.blocks.map((block) => ('lineStarts' in block ? (({ lineStarts: _lineStarts, ...rest }) => rest)(block) : block)) as ParsedScene['blocks'] };
  };

  it('title page: multi-line values, standard and unknown keys, notes removed', () => {
    expect(doc.meta).toEqual({
      title: '_**THE LIGHTHOUSE**_\n*Keeper of the Last Light*',
      credit: 'Written by',
      authors: 'Mara Quill\nand Tobias Fenn',
      source: 'Based on the radio play "Lamp Room"',
      'draft date': '14 March 2025',
      contact: 'Quill & Fenn Productions\n12 Harbour Row, Dunmore',
      series: 'Coastal Tales',
      episode: '3',
      revision: 'Blue',
    });
    expect(doc.title).toBe('_**THE LIGHTHOUSE**_ *Keeper of the Last Light*');
    expect(doc.warnings).toEqual([]);
  });

  it.each([
    ['EXT. ROCKY COAST - NIGHT', 'EXT. ROCKY COAST - NIGHT #1#', { interior: false, location: 'ROCKY COAST', time: 'NIGHT' }],
    ['INT. LIGHTHOUSE - LAMP ROOM - CONTINUOUS', 'INT. LIGHTHOUSE - LAMP ROOM', { interior: true, location: 'LIGHTHOUSE - LAMP ROOM', time: 'CONTINUOUS' }],
    ["INT./EXT. McCRAE'S BOAT - MOVING", 'INT./EXT.', { location: "McCRAE'S BOAT", time: 'MOVING' }],
    ['FLASHBACK - 1985', '.FLASHBACK', { location: 'FLASHBACK', time: '1985' }],
    ['I/E LIGHTHOUSE DOOR - NIGHT', 'I/E LIGHTHOUSE', { location: 'LIGHTHOUSE DOOR', time: 'NIGHT' }],
    ['EST. DUNMORE HARBOUR - DAWN', 'EST. DUNMORE', { location: 'DUNMORE HARBOUR', time: 'DAWN' }],
    ['int. lamp room - later', 'int. lamp room', { interior: true, location: 'lamp room', time: 'later' }],
  ])('scene heading %s', (title, written, slug) => {
    expect(scene(title)).toMatchObject({ title, line: lineOf(source, written) });
    expect(scene(title).slug).toEqual(slug);
  });

  it('has exactly the headed scenes, in order', () => {
    expect(doc.scenes).toHaveLength(7);
    expect(doc.scenes.map((s) => s.line)).toEqual([...doc.scenes.map((s) => s.line)].sort((a, b) => a - b));
  });

  it('drops sections, synopses, page breaks, notes and the boneyard', () => {
    const kept = allText(doc);
    for (const dropped of ['ACT ONE', 'The visitor', 'worst storm', '===', 'table read', 'CELLAR', 'tide tables', 'West Cork', 'gutters']) {
      expect(kept).not.toContain(dropped);
    }
  });

  it('action: forced, emphasis kept, lines joined, inline boneyard removed', () => {
    expect(scene('EXT. ROCKY COAST - NIGHT').directions).toEqual([
      { text: 'Waves **explode** against the rocks. A _lighthouse_ stands alone, its beam sweeping the black water.', line: 26 },
      { text: 'A GULL SCREAMS OVERHEAD.', line: 29 },
    ]);
    expect(scene('INT. LIGHTHOUSE - LAMP ROOM - CONTINUOUS').directions).toEqual([{ text: 'IDA (60s, oilskin coat) trims the wick. The lamp steadies.', line: 33 }]);
  });

  it('dialogue: parentheticals, mid-speech split, forced @ names, extensions, CONT’D', () => {
    expect(scene('INT. LIGHTHOUSE - LAMP ROOM - CONTINUOUS').blocks).toEqual([
      { kind: 'dialogue', speaker: 'IDA', parenthetical: 'to herself', text: 'Nine hundred and fifty. Falling.', line: 35 },
      { kind: 'dialogue', speaker: 'IDA', parenthetical: 'beat', text: "She'll be a long one tonight.", line: 38 },
      { kind: 'dialogue', speaker: 'McCRAE', parenthetical: 'O.S.', text: 'Ida! Open the hatch!', line: 41 },
      { kind: 'dialogue', speaker: 'IDA', text: "Who's out in ***this***?", line: 44 },
    ]);
    expect(scene('I/E LIGHTHOUSE DOOR - NIGHT').blocks).toEqual([{ kind: 'dialogue', speaker: 'McCRAE', parenthetical: 'V.O.', text: 'She never asked why I came.', line: 84 }]);
  });

  it('dual dialogue: both speeches in order; a note and a two-space line inside a speech keep it whole', () => {
    expect(scene("INT./EXT. McCRAE'S BOAT - MOVING").blocks).toEqual([
      { kind: 'dialogue', speaker: 'McCRAE', text: "Forty years you've kept that light. And not once has it gone out.", line: 61 },
      { kind: 'dialogue', speaker: 'IDA', text: 'Get inside, you fool!', line: 68 },
      { kind: 'dialogue', speaker: 'McCRAE', text: "I'm trying, woman!", line: lineOf(source, '@McCRAE ^') },
      { kind: 'cue', raw: 'BURN TO WHITE.', line: 74 },
    ]);
  });

  it('transitions are cues; centered text is a direction', () => {
    expect(cues(doc)).toEqual([
      { raw: 'FADE IN:', line: 22 },
      { raw: 'BURN TO WHITE.', line: 74 },
      { raw: 'FADE OUT.', line: 108 },
    ]);
    expect(scene('int. lamp room - later').directions.at(-1)).toEqual({ text: 'THE END', line: 106 });
  });

  it('lyrics are sung by the speaker, inside a speech or after it', () => {
    expect(scene('EST. DUNMORE HARBOUR - DAWN').blocks).toEqual([
      { kind: 'dialogue', speaker: 'IDA', parenthetical: 'singing', text: "Oh the keeper's light is burning, burning bright across the bay.", line: 91 },
      { kind: 'dialogue', speaker: 'IDA', text: 'And the sailors all come home.', line: 98 },
    ]);
  });

  it('agrees with fountain-js on scene headings and characters', () => {
    for (const [name, text] of [
      ['lighthouse.fountain', source],
      ['last-terminal-ep01.fountain', fixture('last-terminal-ep01.fountain')],
    ] as const) {
      const tokens = new Fountain().parse(text, true).tokens;
      const headings = tokens.filter((token) => token.type === 'scene_heading').map((token) => token.text);
      const characters = new Set(tokens.filter((token) => token.type === 'character').map((token) => token.text?.replace(/\s*\(.*\)$/, '')));
      const ours = parseFountain(text, { file: name });
      expect(ours.scenes.map((s) => s.title), name).toEqual(headings);
      expect(new Set(dialogue(ours).map((block) => block.speaker)), name).toEqual(characters);
    }
  });
});

describe('Fountain: structure and edge cases', () => {
  it('content before the first heading becomes a first scene named after the title', () => {
    const doc = parseFountain(['Title: Cold Open', '', 'Rain on glass.', '', 'INT. ROOM - DAY', '', 'KAEL', 'Hi.'].join('\n'));
    expect(doc.scenes.map(({ title, line }) => ({ title, line }))).toEqual([
      { title: 'Cold Open', line: 3 },
      { title: 'INT. ROOM - DAY', line: 5 },
    ]);
    expect(doc.scenes[0]?.directions).toEqual([{ text: 'Rain on glass.', line: 3 }]);
    expect(doc.scenes[1]?.blocks).toEqual([{ kind: 'dialogue', speaker: 'KAEL', text: 'Hi.', line: 7 }]);
  });

  it('without a title page the first scene is "Scene 1"; with nothing before the first heading there is none', () => {
    expect(parseFountain('KAEL\nHello.').scenes).toEqual([{ title: 'Scene 1', line: 1, directions: [], images: [], blocks: [{ kind: 'dialogue', speaker: 'KAEL', text: 'Hello.', line: 1 }] }]);
    expect(parseFountain('# Act One\n\n= Setup\n\nEXT. PIER - DAY\n\nGulls.').scenes.map((s) => s.title)).toEqual(['EXT. PIER - DAY']);
  });

  it('a heading or transition directly followed by text still counts (the blank line writers forget)', () => {
    const doc = parseFountain('INT. ROOM - DAY\nKAEL\nHello.\n\nCUT TO:\nEXT. YARD - NIGHT\nDogs bark.');
    expect(doc.scenes.map((s) => [s.title, s.line])).toEqual([
      ['INT. ROOM - DAY', 1],
      ['EXT. YARD - NIGHT', 6],
    ]);
    expect(blocks(doc)).toEqual([
      { kind: 'dialogue', speaker: 'KAEL', text: 'Hello.', line: 2 },
      { kind: 'cue', raw: 'CUT TO:', line: 5 },
    ]);
    expect(doc.scenes[1]?.directions).toEqual([{ text: 'Dogs bark.', line: 7 }]);
  });

  it('a lone upper-case line is action, not a character', () => {
    const doc = parseFountain('INT. ROOM - DAY\n\nBOOM!\n\nSilence.');
    expect(doc.scenes[0]?.directions.map((d) => d.text)).toEqual(['BOOM!', 'Silence.']);
    expect(doc.warnings).toEqual([]);
  });

  it('lyrics with nobody speaking yet are narration', () => {
    expect(blocks(parseFountain('EXT. FIELD - DAY\n\n~La la la,\n~lo lo.'))).toEqual([{ kind: 'narration', text: 'La la la, lo lo.', line: 3 }]);
  });

  it('text after a multi-line boneyard keeps its own line number', () => {
    const doc = parseFountain('INT. ROOM - DAY\n\n/* cut\nthis */ Kael waits.\n\nAria hums.');
    expect(doc.scenes[0]?.directions).toEqual([
      { text: 'Kael waits.', line: 4 },
      { text: 'Aria hums.', line: 6 },
    ]);
  });

  it('counts lines as the markdown parser does', () => {
    expect(parseFountain('').lines).toBe(1);
    expect(parseFountain('a\nb').lines).toBe(2);
    expect(parseFountain('a\nb\n').lines).toBe(3);
  });
});

describe('Fountain: warnings', () => {
  it('FOUNTAIN_EMPTY_DIALOGUE for a cue with nothing said', () => {
    const doc = parseFountain('INT. ROOM - DAY\n\n@KAEL\n\nARIA\n(sighs)\n\nAria turns away.');
    expect(doc.warnings).toEqual([
      { code: 'FOUNTAIN_EMPTY_DIALOGUE', message: 'character cue "KAEL" has no dialogue', line: 3 },
      { code: 'FOUNTAIN_EMPTY_DIALOGUE', message: 'character cue "ARIA" has no dialogue', line: 5 },
    ]);
    expect(blocks(doc)).toEqual([]);
    expect(doc.scenes[0]?.directions).toEqual([{ text: 'Aria turns away.', line: 8 }]);
  });

  it('FOUNTAIN_DANGLING_PARENTHETICAL for a parenthetical after the last line', () => {
    const doc = parseFountain('KAEL\nHello.\n(beat)');
    expect(dialogue(doc)).toEqual([{ kind: 'dialogue', speaker: 'KAEL', text: 'Hello.', line: 1 }]);
    expect(doc.warnings).toEqual([{ code: 'FOUNTAIN_DANGLING_PARENTHETICAL', message: expect.stringContaining('(beat)'), line: 3 }]);
  });

  it('FOUNTAIN_TITLE_PAGE_INDENT for an unindented continuation; unknown keys are no warning', () => {
    const doc = parseFountain('Title: Night Shift\nContact:\n    Ada Park\n555-0100\nMood: bleak\n\nINT. ROOM - DAY');
    expect(doc.meta).toEqual({ title: 'Night Shift', contact: 'Ada Park\n555-0100', mood: 'bleak' });
    expect(doc.warnings).toEqual([{ code: 'FOUNTAIN_TITLE_PAGE_INDENT', message: expect.stringContaining('"contact"'), line: 4 }]);
  });

  it('a first paragraph without any standard title-page key is script, not title page', () => {
    const doc = parseFountain('She said: run.\n\nINT. ROOM - DAY');
    expect(doc.meta).toEqual({});
    expect(doc.scenes[0]?.directions).toEqual([{ text: 'She said: run.', line: 1 }]);
  });
});

describe('Fountain: errors', () => {
  it('SCRIPT_UNCLOSED_COMMENT at the line of the unclosed /*', () => {
    const error = thrown(() => parseFountain('INT. ROOM - DAY\n\n/* fine */ Kael waits.\n\n/* never closed\n\nKAEL\nHi.', { file: 'ep.fountain' }));
    expect(error).toMatchObject({ code: 'SCRIPT_UNCLOSED_COMMENT', location: { file: 'ep.fountain', line: 5 }, retryable: false });
    expect(error.message).toMatch(/^ep\.fountain:5: /);
  });

  it('SCRIPT_UNCLOSED_NOTE at the line of the unclosed [[', () => {
    const error = thrown(() => parseFountain('Title: X\n\nINT. ROOM - DAY\n\nKAEL\nHi. [[tone?]] Bye. [[louder', { file: 'ep.fountain' }));
    expect(error).toMatchObject({ code: 'SCRIPT_UNCLOSED_NOTE', location: { file: 'ep.fountain', line: 6 } });
    expect(error.message).toMatch(/^ep\.fountain:6: /);
  });
});

describe('Fountain: any text', () => {
  const pieces = ['INT. ', 'EXT. ', 'I/E ', '.', '@', '^', '(', ')', '(V.O.)', "(CONT'D)", '[[', ']]', '/*', '*/', '~', '>', '<', '#', '=', '===', '!', 'Title:', 'Contact:', ' TO:', 'KAEL', 'Mc', 'hello', ' - ', ' ', '  ', '   ', '\t', '\n', '\n\n', '*', '_', '[', ']', ':'];
  const arbitraryText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ maxLength: 6 })), { maxLength: 80 }).map((parts) => parts.join('')),
  );

  /** Every line the document reports. */
  const reportedLines = (doc: ParsedDocument): number[] => [
    ...doc.scenes.flatMap((scene) => [scene.line, ...scene.directions.map((d) => d.line), ...scene.blocks.map((b) => b.line)]),
    ...doc.warnings.flatMap((warning) => (warning.line === undefined ? [] : [warning.line])),
  ];

  it('throws nothing but ScriptError, and every line is within 1..lines', () => {
    fc.assert(
      fc.property(arbitraryText, (text) => {
        let doc: ParsedDocument;
        try {
          doc = parseFountain(text, { file: 'any.fountain' });
        } catch (error) {
          expect(error).toBeInstanceOf(ScriptError);
          expect((error as ScriptError).location.line).toBeGreaterThanOrEqual(1);
          expect((error as ScriptError).location.line).toBeLessThanOrEqual(text.split('\n').length);
          return;
        }
        for (const line of reportedLines(doc)) {
          expect(Number.isInteger(line)).toBe(true);
          expect(line).toBeGreaterThanOrEqual(1);
          expect(line).toBeLessThanOrEqual(doc.lines);
        }
        for (const scene of doc.scenes) {
          const order = scene.blocks.map((b) => b.line);
          expect(order).toEqual([...order].sort((a, b) => a - b));
        }
        for (const block of dialogue(doc)) expect(block.speaker.trim() && block.text.trim()).toBeTruthy();
      }),
      { numRuns: 1000 },
    );
  });

  it('lines are positions: a blank line on top moves everything down by one', () => {
    fc.assert(
      fc.property(arbitraryText, (text) => {
        const parse = (source: string): number[] | string => {
          try {
            return reportedLines(parseFountain(source));
          } catch (error) {
            return `${(error as ScriptError).code}@${(error as ScriptError).location.line}`;
          }
        };
        const before = parse(text);
        const after = parse(`\n${text}`);
        if (typeof before === 'string') expect(after).toBe(before.replace(/@(\d+)$/, (_, line: string) => `@${Number(line) + 1}`));
        else expect(after).toEqual(before.map((line) => line + 1));
      }),
      { numRuns: 500 },
    );
  });
});
