import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSchema, scriptSchema } from '../runtime/contract/index.js';
import type { Script, Segment } from '../runtime/contract/index.js';
import { parseScript, ScriptError } from '../nodes/script/engine/index.js';

const examples = resolve(import.meta.dirname, '../examples/episodes');
const example = async (name: string): Promise<Script> => parseScript(await readFile(join(examples, name)), { file: name });
const segments = (script: Script): Segment[] => script.scenes.flatMap((s) => s.segments);
const parse = (text: string): Script => parseScript(text, { file: 'test.md' });
const only = (text: string): Segment => {
  const all = segments(parse(text)).filter((s) => s.kind === 'dialogue' || s.kind === 'narration');
  expect(all).toHaveLength(1);
  return all[0] as Segment;
};

describe('the example episodes', () => {
  it('last-terminal-ep01: metadata, cast, scenes, segments, cues and terminals', async () => {
    const script = await example('last-terminal-ep01.md');
    expect(checkSchema(scriptSchema, script)).toEqual([]);
    expect(script.title).toBe('Boot Sequence');
    expect(script.meta).toMatchObject({ series: 'The Last Terminal', episode: 1, aspect: '16:9', style: ['cinematic', 'dystopian', '4K'] });
    expect(script.cast.map((c) => [c.id, c.voice])).toEqual([
      ['NARRATOR', 'deep-male'],
      ['ARIA', 'calm-female'],
      ['KAEL', 'young-male'],
    ]);
    expect(script.cast.find((c) => c.id === 'NARRATOR')?.wordsPerMinute).toBeCloseTo(150 * 0.95);
    expect(script.scenes.map((s) => s.title)).toEqual(['Scene 1: The Cold Room', 'Scene 2: The Scavenger', 'Scene 3: First Contact']);

    const [one, two, three] = script.scenes as [Script['scenes'][number], Script['scenes'][number], Script['scenes'][number]];
    expect(one.segments.map((s) => s.kind)).toEqual(['narration', 'narration', 'terminal', 'cue', 'dialogue']);
    expect(one.segments[2]?.terminal?.lines).toEqual([
      { text: '$ power --status', prompt: '$', command: 'power --status' },
      { text: 'MAIN GRID ........ OFFLINE' },
      { text: 'BACKUP CELLS ..... 3%' },
      { text: '$ wake aria', prompt: '$', command: 'wake aria' },
    ]);
    expect(one.segments[3]).toMatchObject({ kind: 'cue', line: 30, cue: { type: 'pause', seconds: 2 }, timing: { duration: 2 } });
    expect(one.directions).toEqual([{ line: 17, text: expect.stringContaining('A vast, abandoned data center') }]);

    const whisper = two.segments.find((s) => s.parenthetical === 'whispering');
    expect(whisper).toMatchObject({ kind: 'dialogue', speaker: 'KAEL', line: 40, displayText: 'Wait. Is that... a signal?' });
    expect(two.segments.find((s) => s.kind === 'terminal')?.terminal?.lines[0]).toEqual({ text: '> identify --nearby', prompt: '>', command: 'identify --nearby' });
    expect(two.directions.map((d) => d.line)).toEqual([36, 42]);

    expect(three.segments.map((s) => s.cue?.type).filter(Boolean)).toEqual(['glitch', 'pause']);
    expect(three.segments.find((s) => s.cue?.type === 'pause')?.cue?.seconds).toBe(1.5);
    const remember = three.segments.find((s) => s.displayText.startsWith('Type the word'));
    expect(remember?.displayText).toBe('Type the word remember.');
    expect(three.segments.at(-1)).toMatchObject({ kind: 'narration', speaker: 'NARRATOR', line: 79 });
    expect(script.warnings).toEqual([]);
  });

  it('last-terminal-ep01: scene briefs for the visual nodes', async () => {
    const [one, two, three] = (await example('last-terminal-ep01.md')).scenes;
    expect(one?.brief).toMatchObject({ source: 'directions', setting: 'data center', camera: { angle: 'low' } });
    expect(one?.brief.lighting).toMatch(/blue/);
    expect(two?.brief).toMatchObject({ setting: 'city street', timeOfDay: 'night', camera: { movement: 'handheld' } });
    expect(two?.brief.weather).toMatch(/rain/);
    expect(two?.brief.subjects).toContain('Kael');
    expect(three?.brief.lighting).toMatch(/amber/);
    expect(three?.brief.camera.shot).toMatch(/close-up/);
  });

  it('explainer-compression: no front matter, narration only, list items, visual directions', async () => {
    const script = await example('explainer-compression.md');
    expect(script.title).toBe('How Video Compression Works');
    expect(script.cast.map((c) => c.id)).toEqual(['NARRATOR']);
    expect(new Set(segments(script).map((s) => s.kind))).toEqual(new Set(['narration']));
    expect(script.scenes.map((s) => s.title)).toEqual(['How Video Compression Works', 'Frames are mostly the same', 'Your eyes are easy to fool', 'The trade-off']);
    expect(script.scenes[1]?.directions[0]?.text).toBe('two nearly identical frames side by side, with the few changed pixels glowing red.');
    expect(script.scenes[3]?.segments.map((s) => s.displayText)).toContain('File size');
    expect(script.scenes[1]?.brief.setting).toBe('abstract data');
  });

  it('shorts-hook: one scene without headings, a HOST, terminal output', async () => {
    const script = await example('shorts-hook.md');
    expect(script.meta).toMatchObject({ aspect: '9:16', target_duration: 45 });
    expect(script.scenes).toHaveLength(1);
    expect(script.cast.map((c) => c.id)).toEqual(['HOST']);
    expect(segments(script).map((s) => s.kind)).toEqual(['dialogue', 'dialogue', 'terminal', 'dialogue', 'dialogue']);
    expect(script.duration).toBeGreaterThan(15);
    expect(script.duration).toBeLessThan(60);
  });
});

describe('dialogue forms', () => {
  const forms: Array<[string, { speaker: string; parenthetical?: string; displayText: string }]> = [
    ['**KAEL:** Hello there.', { speaker: 'KAEL', displayText: 'Hello there.' }],
    ['**KAEL**: Hello there.', { speaker: 'KAEL', displayText: 'Hello there.' }],
    ['**KAEL** (aside): Hello there.', { speaker: 'KAEL', parenthetical: 'aside', displayText: 'Hello there.' }],
    ['**KAEL (aside):** Hello there.', { speaker: 'KAEL', parenthetical: 'aside', displayText: 'Hello there.' }],
    ['KAEL: Hello there.', { speaker: 'KAEL', displayText: 'Hello there.' }],
    ['KAEL (quietly): Hello there.', { speaker: 'KAEL', parenthetical: 'quietly', displayText: 'Hello there.' }],
    ['> **Aria**: Hello there.', { speaker: 'ARIA', displayText: 'Hello there.' }],
    ['**Dr. Okonjo:** Hello there.', { speaker: 'DR. OKONJO', displayText: 'Hello there.' }],
    ['**Zoë Ångström:** Hej där.', { speaker: 'ZOË ÅNGSTRÖM', displayText: 'Hej där.' }],
    ["**O'BRIEN:** Hello there.", { speaker: "O'BRIEN", displayText: 'Hello there.' }],
    ['__KAEL:__ Hello there.', { speaker: 'KAEL', displayText: 'Hello there.' }],
    ['**KAEL:** It is *very* [important](https://x.test).', { speaker: 'KAEL', displayText: 'It is very important.' }],
  ];

  it.each(forms)('%s', (line, expected) => {
    expect(only(line)).toMatchObject({ kind: 'dialogue', ...expected });
  });

  it('maps every spelling of a name to one character', () => {
    const script = parse('**KAEL:** One.\n\n**Kael:** Two.\n\nKAEL: Three.\n\n**Dr Okonjo:** Four.\n\n**Dr. Okonjo:** Five.');
    expect(script.cast.map((c) => [c.id, c.name, c.lines])).toEqual([
      ['KAEL', 'Kael', 3],
      ['DR OKONJO', 'Dr Okonjo', 2],
    ]);
    expect(script.cast[0]?.aliases).toEqual(['KAEL', 'Kael']);
  });

  it('keeps "Note: …" as prose, but reads a known speaker without bold', () => {
    expect(only('Note: this is prose.')).toMatchObject({ kind: 'narration', speaker: 'NARRATOR', displayText: 'Note: this is prose.' });
    const script = parse('**Aria:** Hi.\n\nAria: Again.');
    expect(segments(script).map((s) => s.speaker)).toEqual(['ARIA', 'ARIA']);
  });

  it('splits consecutive dialogue lines in one paragraph and joins wrapped lines', () => {
    const all = segments(parse('**KAEL:** Hi.\n**ARIA:** Hello,\nwho are you?\nKAEL: Nobody.'));
    expect(all.map((s) => [s.speaker, s.displayText, s.line])).toEqual([
      ['KAEL', 'Hi.', 1],
      ['ARIA', 'Hello, who are you?', 2],
      ['KAEL', 'Nobody.', 4],
    ]);
  });

  it('treats the narrator speaking as narration', () => {
    expect(only('**NARRATOR:** Once upon a time.')).toMatchObject({ kind: 'narration', speaker: 'NARRATOR' });
  });
});

describe('structure', () => {
  it('starts scenes at screenplay headings when there are no ## headings', () => {
    const script = parse('# Pilot\n\nINT. SERVER ROOM - NIGHT\n\n**KAEL:** Cold.\n\nEXT. ROOF - DAWN\n\n**KAEL:** Warm.');
    expect(script.scenes.map((s) => s.title)).toEqual(['INT. SERVER ROOM - NIGHT', 'EXT. ROOF - DAWN']);
    expect(script.scenes[0]?.brief.interior).toBe(true);
    expect(script.scenes[1]?.brief.timeOfDay).toBe('dawn');
  });

  it('reads images, Visual: directions, cues, HTML comments and CRLF/BOM/tabs', () => {
    const text = '\uFEFF## One\r\n\r\n![A tower at dusk](assets/tower.png)\r\n\r\n*Visual: a slow pan.*\r\n\r\n<!-- a note\r\nfor me -->\r\n\r\n**KAEL:**\tHello.\r\n\r\n[beat]\r\n\r\n[pause 500ms]\r\n\r\n[explosion]\r\n';
    const script = parse(text);
    const [scene] = script.scenes;
    expect(scene?.images).toEqual([{ description: 'A tower at dusk', path: 'assets/tower.png', line: 3 }]);
    expect(scene?.directions).toEqual([{ text: 'a slow pan.', line: 5 }]);
    expect(scene?.segments.map((s) => [s.kind, s.line, s.cue?.seconds])).toEqual([
      ['dialogue', 10, undefined],
      ['cue', 12, 1],
      ['cue', 14, 0.5],
      ['cue', 16, undefined],
    ]);
    expect(script.warnings).toContainEqual(expect.objectContaining({ code: 'SCRIPT_UNKNOWN_CUE', line: 16 }));
  });

  it('keeps ids stable when a line is inserted elsewhere, and numbers repeats', () => {
    const before = segments(parse('**KAEL:** One.\n\n**ARIA:** Two.\n\n**KAEL:** One.'));
    const after = segments(parse('**ARIA:** New line.\n\n**KAEL:** One.\n\n**ARIA:** Two.\n\n**KAEL:** One.'));
    expect(before.map((s) => s.id)).toEqual(after.slice(1).map((s) => s.id));
    expect(before[2]?.id).toBe(`${before[0]?.id}-2`);
  });

  it('applies the lexicon and spells out numbers in speech only', () => {
    const segment = segmentOf(parseScript('**ARIA:** Kael, it is 3:00 a.m. and 47% done.', { lexicon: { Kael: 'Kale' } }));
    expect(segment.displayText).toBe('Kael, it is 3:00 a.m. and 47% done.');
    expect(segment.speechText).toMatch(/^Kale, it is three/);
    expect(segment.speechText).toContain('forty-seven percent');
    expect(segment.speechText).not.toMatch(/\d/);
  });

  it('estimates timing from pace, punctuation, cues and terminals', () => {
    const slow = parseScript('---\ncast:\n  A: { pace: 0.5 }\n  B: { wpm: 300 }\n---\n**A:** one two three four five six seven eight nine ten\n\n**B:** one two three four five six seven eight nine ten\n\n[pause 3s]');
    const [a, b, pause] = segments(slow);
    expect(a?.timing.duration).toBeCloseTo(8, 1); // 10 words at 75 wpm
    expect(b?.timing.duration).toBeCloseTo(2, 1); // 10 words at 300 wpm
    expect(pause?.timing).toMatchObject({ duration: 3 });
    expect(b?.timing.start).toBeGreaterThan((a?.timing.start ?? 0) + (a?.timing.duration ?? 0));
    expect(slow.duration).toBeCloseTo((pause?.timing.start ?? 0) + 3, 3);
    expect(slow.scenes[0]?.timing.duration).toBeCloseTo(slow.duration, 3);
  });
});

function segmentOf(script: Script): Segment {
  return segments(script)[0] as Segment;
}

describe('malformed input', () => {
  const cases: Array<[string, string | Uint8Array, string, number | undefined, Record<string, unknown>?]> = [
    ['broken front matter', '---\ntitle: "x\ncast: [\n---\n**A:** hi', 'SCRIPT_FRONT_MATTER', 3],
    ['duplicate front matter key', '---\ntitle: x\ntitle: y\n---\n**A:** hi', 'SCRIPT_FRONT_MATTER', 3],
    ['front matter that is a list', '---\n- a\n- b\n---\n**A:** hi', 'SCRIPT_FRONT_MATTER', 2],
    ['unclosed front matter', '---\ntitle: x\n\n**A:** hi', 'SCRIPT_FRONT_MATTER', 1],
    ['unclosed code fence', '## One\n\n**A:** hi\n\n```terminal\n$ ls\n', 'SCRIPT_UNCLOSED_FENCE', 5],
    ['unclosed HTML comment', '**A:** hi\n\n<!-- draft\n**B:** bye', 'SCRIPT_UNCLOSED_COMMENT', 3],
    ['dialogue with no text', '## One\n\n**KAEL:**\n\n**ARIA:** hi', 'SCRIPT_EMPTY_DIALOGUE', 3],
    ['binary bytes', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]), 'SCRIPT_BINARY', undefined],
    ['invalid UTF-8', new Uint8Array([0x41, 0xff, 0xfe, 0x41]), 'SCRIPT_BINARY', undefined],
    ['NUL in text', '**A:** hi\n\u0000', 'SCRIPT_BINARY', 2],
    ['over the size limit', 'x'.repeat(1025), 'SCRIPT_TOO_LARGE', undefined, { maxBytes: 1024 }],
    ['nothing speakable', '# Title\n\n*Only a direction.*\n\n```terminal\n$ ls\n```', 'SCRIPT_NOTHING_SPEAKABLE', 1],
    ['empty file', '', 'SCRIPT_NOTHING_SPEAKABLE', 1],
  ];

  it.each(cases)('%s', (_name, input, code, line, options = {}) => {
    let error: unknown;
    try {
      parseScript(input, { file: 'bad.md', ...options });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ScriptError);
    expect((error as ScriptError).code).toBe(code);
    expect((error as ScriptError).location.line).toBe(line);
    expect((error as ScriptError).message).toMatch(line === undefined ? /^bad\.md: / : new RegExp(`^bad\\.md:${line}: `));
  });
});

describe('properties', () => {
  const alphabet = fc.constantFrom('*', '_', '#', '-', '>', '`', '[', ']', '(', ')', ':', '!', '\n', '\n\n', ' ', 'KAEL', 'Aria', '**', '---', '```', 'pause 2s', '<!--', '-->', 'INT. ', 'é', '😀', '3:00', '$5', '\t', '\r\n');
  const scriptish = fc.array(fc.oneof(alphabet, fc.string()), { maxLength: 80 }).map((parts) => parts.join(''));

  it('never throws anything but a ScriptError, and every output validates', () => {
    fc.assert(
      fc.property(scriptish, (text) => {
        try {
          const script = parse(text);
          expect(checkSchema(scriptSchema, script)).toEqual([]);
        } catch (error) {
          if (!(error instanceof ScriptError)) throw error;
        }
      }),
      { numRuns: 400 },
    );
  });

  it('takes time linear in the input (work per character stays flat as the input grows)', () => {
    const unit = '## Scene\n\n*A dark street, rain.*\n\n**KAEL:** It is 3:00 a.m. and the rain will not stop.\n\nNarration goes here, and on, and on.\n\n[pause 1s]\n\n';
    const cost = (copies: number): number => {
      const text = unit.repeat(copies);
      const start = process.hrtime.bigint();
      parse(text);
      return Number(process.hrtime.bigint() - start) / text.length;
    };
    cost(20); // warm-up
    const small = Math.min(cost(20), cost(20));
    const large = Math.min(cost(400), cost(400));
    // Per-character cost of a 20× larger input stays within a generous factor: quadratic work would be ~20× worse.
    expect(large / small).toBeLessThan(6);
  });
});
