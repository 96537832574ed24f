/**
 * Long scripts: narration and dialogue cut into speakable segments with
 * stable ids and true lines, absurd estimates warned about, and control
 * characters of captured terminal sessions accepted where they belong.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkSchema, scriptSchema } from '../runtime/contract/index.js';
import type { Script, Segment } from '../runtime/contract/index.js';
import { parseScript } from '../nodes/script/engine/index.js';
import { speakableBounds, speakablePieces } from '../nodes/script/engine/speakable.js';
import { essayEpisode } from './fixtures/long-episode.js';

const spoken = (script: Script): Segment[] => script.scenes.flatMap((s) => s.segments).filter((s) => s.kind === 'narration' || s.kind === 'dialogue');
const essayParagraphs = (markdown: string): string[] =>
  markdown
    .split('\n\n')
    .map((block) => block.trim())
    .filter((block) => block.startsWith('Here is'));

describe('long narration', () => {
  const markdown = essayEpisode({ minutes: 30 });
  const script = parseScript(markdown, { file: 'essay.md' });

  it('cuts a 30-minute single-scene essay into segments of bounded length, each a run of whole sentences', () => {
    expect(checkSchema(scriptSchema, script)).toEqual([]);
    expect(script.scenes).toHaveLength(1);
    const segments = spoken(script);
    const paragraphs = essayParagraphs(markdown);
    expect(paragraphs).toHaveLength(24);
    // Before: one ~75-second segment per ~900-character paragraph.
    expect(segments.length).toBeGreaterThanOrEqual(paragraphs.length * 4);
    for (const segment of segments) {
      expect(segment.displayText.length).toBeLessThanOrEqual(speakableBounds.maxCharacters);
      expect(segment.timing.duration).toBeLessThanOrEqual(20);
      // Whole sentences: a segment ends where a sentence does.
      expect(segment.displayText).toMatch(/[.!?]$/);
    }
    // Nothing lost, nothing cut mid-word: the pieces of each paragraph, in order, are the paragraph.
    const byLine = new Map<number, string[]>();
    for (const segment of segments) byLine.set(segment.line, [...(byLine.get(segment.line) ?? []), segment.displayText]);
    expect([...byLine.values()].map((pieces) => pieces.join(' '))).toEqual(paragraphs);
    // The narrator still has 24 lines (paragraphs), not one per piece; the estimate is about the same.
    expect(script.cast.find((c) => c.id === 'NARRATOR')?.lines).toBe(24);
    expect(script.duration).toBeGreaterThan(28 * 60);
    expect(script.duration).toBeLessThan(34 * 60);
    // A line within the bound stays one segment with the id it always had, so voices cached before this change are reused.
    const line = 'Nobody, except the server itself.';
    const [short] = spoken(parseScript(`**NARRATOR:** ${line}\n`));
    expect(short).toMatchObject({ displayText: line, id: 'seg-' + createHash('sha256').update(['narration', 'NARRATOR', '', line].join('\u0000')).digest('hex').slice(0, 12) });
  });

  it('keeps every other segment id when one sentence is edited', () => {
    const sentence = 'Consider the humble mailing list, which quietly carried decades of technical argument, gossip, and the occasional marriage proposal.';
    const paragraph = essayParagraphs(markdown).find((p) => p.includes(sentence) && p.indexOf(sentence) === p.lastIndexOf(sentence)) as string;
    expect(paragraph).toBeDefined();
    const edited = markdown.replace(paragraph, paragraph.replace(sentence, sentence.replace('humble mailing list', 'humble, much-mocked mailing list')));
    const before = new Set(spoken(script).map((s) => s.id));
    const after = spoken(parseScript(edited, { file: 'essay.md' }));
    const changed = after.filter((s) => !before.has(s.id));
    expect(changed).toHaveLength(1);
    expect(changed[0]?.displayText).toContain('much-mocked');
    // Only the piece holding the sentence is re-voiced, not its whole ~900-character paragraph.
    expect(changed[0]?.displayText.length).toBeLessThanOrEqual(speakableBounds.maxCharacters);
    expect(after.length).toBe(before.size);
  });

  it('gives each segment of a soft-wrapped paragraph the source line it starts on', () => {
    const wrapped = ['# Wrapped', '', ...Array.from({ length: 12 }, (_, i) => `Sentence number ${i + 1} of a paragraph the writer wrapped by hand, one per line.`), ''].join('\n');
    const segments = spoken(parseScript(wrapped));
    expect(segments.length).toBeGreaterThan(1);
    for (const segment of segments) {
      const first = Number(/Sentence number (\d+)/.exec(segment.displayText)?.[1]);
      // Line 3 holds sentence 1.
      expect(segment.line).toBe(first + 2);
    }
  });

  it('gives each segment of a long Fountain speech the line it starts on', () => {
    const lines = Array.from({ length: 10 }, (_, i) => `This is spoken sentence number ${i + 1}, written on its own line of the speech.`);
    const fountain = ['INT. ARCHIVE - NIGHT', '', 'KAEL', '(quietly)', ...lines, ''].join('\n');
    const segments = spoken(parseScript(fountain, { format: 'fountain' }));
    expect(segments.length).toBeGreaterThan(1);
    expect(segments[0]?.line).toBe(3); // the cue's line, as for a speech that is not cut
    for (const segment of segments.slice(1)) {
      // Line 5 holds sentence 1.
      expect(segment.line).toBe(Number(/sentence number (\d+)/.exec(segment.displayText)?.[1]) + 4);
      expect(segment).toMatchObject({ speaker: 'KAEL', parenthetical: 'quietly' });
    }
  });

  it('cuts a too-long single sentence after clauses, then between words, never inside a word', () => {
    const clauses = Array.from({ length: 14 }, (_, i) => `and then the archive at station ${i + 1} went quiet for a while`).join(', ');
    const sentence = `It went on${', '}${clauses}.`;
    const words = Array.from({ length: 90 }, (_, i) => `word${i}`).join(' ');
    for (const text of [sentence, `${words}.`]) {
      const pieces = speakablePieces(text);
      expect(pieces.length).toBeGreaterThan(1);
      for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(speakableBounds.maxCharacters);
      expect(pieces.join(' ')).toBe(text);
      expect(pieces.flatMap((p) => p.split(' '))).toEqual(text.split(' '));
    }
    // With clause punctuation to cut at, every piece but the last ends at a clause.
    for (const piece of speakablePieces(sentence).slice(0, -1)) expect(piece).toMatch(/,$/);
  });

  it('keeps speaker, parenthetical, scene and order on every piece of a long speech', () => {
    const speech = essayParagraphs(markdown).slice(0, 2).join(' ');
    const source = `# Ep\n\n## One\n\n**KAEL** (quietly): ${speech}\n\n## Two\n\n**ARIA:** Short answer.\n`;
    const script = parseScript(source);
    const [one, two] = script.scenes;
    const kael = spoken(script).filter((s) => s.speaker === 'KAEL');
    expect(kael.length).toBeGreaterThan(4);
    for (const segment of kael) expect(segment).toMatchObject({ kind: 'dialogue', parenthetical: 'quietly', sceneId: one?.id, line: 5 });
    expect(kael.map((s) => s.displayText).join(' ')).toBe(speech);
    expect(two?.segments.map((s) => s.speaker)).toEqual(['ARIA']);
    for (let i = 1; i < kael.length; i++) expect((kael[i] as Segment).timing.start).toBeGreaterThan((kael[i - 1] as Segment).timing.start);
  });

});

describe('absurd estimates', () => {
  it('warns about a 1 MB single line, naming its estimate and line', () => {
    const sentence = 'The archive of every server went dark and nobody remembered why it mattered. ';
    const huge = `# Huge\n\n${sentence.repeat(Math.ceil((1024 * 1024) / sentence.length)).trim()}\n`;
    const started = performance.now();
    const script = parseScript(huge, { file: 'huge.md' });
    // Reported, not asserted (no timing thresholds in tests): the parse is linear (~8 s for 1 MB on a busy 2-core machine).
    console.warn(`1 MB single line parsed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const hours = script.duration / 3600;
    expect(hours).toBeGreaterThan(15);
    const estimate = new RegExp(`\\b${Math.floor(hours)}:\\d\\d:\\d\\d\\b`);
    const whole = script.warnings.find((w) => w.code === 'SCRIPT_VERY_LONG');
    expect(whole?.message).toMatch(estimate);
    const line = script.warnings.find((w) => w.code === 'SCRIPT_LONG_LINE');
    expect(line).toMatchObject({ line: 3 });
    expect(line?.message).toMatch(estimate);
    for (const segment of spoken(script)) expect(segment.displayText.length).toBeLessThanOrEqual(speakableBounds.maxCharacters);
  });

});

describe('control characters', () => {
  // The standard title sequence ESC ] 0 ; title BEL, a backspace and a carriage return, as a captured session holds them.
  const session = '$ make\n\x1b]0;build: make\x07Building\x08\x08\x08\x08\x08\x08\x08\x08Built  \r\n\x1b[32mOK\x1b[0m';

  it('accepts the control characters a terminal uses inside a ```terminal block, kept for the overlay to neutralise', () => {
    const script = parseScript(`# T\n\n**NARRATOR:** Watch.\n\n\`\`\`terminal\n${session}\n\`\`\`\n`, { file: 'ep.md' });
    const terminal = script.scenes[0]?.segments.find((s) => s.kind === 'terminal');
    expect(terminal?.terminal?.lines.map((l) => l.text)).toEqual(['$ make', '\x1b]0;build: make\x07Building\x08\x08\x08\x08\x08\x08\x08\x08Built  ', '\x1b[32mOK\x1b[0m']);
    expect(terminal?.line).toBe(5);
    // The same bytes arriving as a file.
    const bytes = new TextEncoder().encode(`# T\n\nWatch.\n\n~~~console\n${session}\n~~~\n`);
    expect(parseScript(bytes, { file: 'ep.md' }).scenes[0]?.segments.some((s) => s.kind === 'terminal')).toBe(true);
  });

  it('still refuses control characters in prose, and NUL anywhere, naming the line', () => {
    expect(() => parseScript('# T\n\nA bell \x07 here.\n', { file: 'ep.md' })).toThrow(/^ep\.md:3: .*U\+0007/);
    expect(() => parseScript('# T\n\n```terminal\nok\n```\n\nA bell \x07 after the block.\n', { file: 'ep.md' })).toThrow(/^ep\.md:7: /);
    expect(() => parseScript('# T\n\n```terminal\nA\x00B\n```\n', { file: 'ep.md' })).toThrow(/^ep\.md:4: this is not a text file \(it contains binary data\)/);
  });
});
