import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from '@plussub/srt-vtt-parser';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Timeline, TimelineClip, TimelineScene } from '../runtime/contract/index.js';
import { ffmpegPath, runTool } from '../runtime/media/binaries.js';
import { assFilter, buildCues, captionFontsDir, defaultCueRules, toAss, toSrt, toVtt, type Cue, type CueRules, type Subtitles } from '../nodes/captions/index.js';
import { grabFrame, type Frame, type Rect } from './fixtures/frames.js';
import { createHarness, graph, type Harness } from './fixtures/harness.js';

const repo = resolve(import.meta.dirname, '..');

// The W3C's WebVTT validator ships no types; this is the part used here.
interface VttNode {
  type?: string;
  value?: string;
  children?: VttNode[];
}
interface WebVttParser {
  parse(input: string, mode: 'subtitles'): { errors: Array<{ message: string; line: number }>; cues: Array<{ startTime: number; endTime: number; tree: VttNode }> };
}
// Its declarations import './types' without an extension, which NodeNext cannot follow; this is their shape.
const parseSubtitles = (text: string) => parse(text) as { entries: Array<{ id: string; from: number; to: number; text: string }> };

const require = createRequire(import.meta.url);
const { WebVTTParser } = require('webvtt-parser') as { WebVTTParser: new (entities?: Record<string, string>) => WebVttParser };
const vttParser = new WebVTTParser(require('webvtt-parser/html-entities.json') as Record<string, string>);
/** A cue's text as a browser shows it: entities decoded, voice spans left out. */
const vttText = (node: VttNode): string => (node.type === 'text' ? (node.value ?? '') : (node.children ?? []).map(vttText).join(''));

function timeline(clips: Array<Partial<TimelineClip> & Pick<TimelineClip, 'start' | 'duration'>>, scenes: TimelineScene[] = []): Timeline {
  const end = Math.max(0, ...clips.map((clip) => clip.start + clip.duration));
  return {
    title: 'Test',
    duration: end,
    width: 1920,
    height: 1080,
    fps: 30,
    scenes: scenes.length > 0 ? scenes : [{ id: 's1', index: 0, title: 'One', start: 0, duration: end }],
    tracks: [{ name: 'Dialogue', kind: 'dialogue', clips: clips.map((clip, i) => ({ id: `c${i}`, sourceIn: 0, ...clip })) }],
    markers: [],
  };
}

/** A clip that says `text` at about `perWord` seconds a word, with times left to the builder. */
const say = (text: string, start: number, speaker?: string, perWord = 0.38): Partial<TimelineClip> & Pick<TimelineClip, 'start' | 'duration'> => ({
  start,
  duration: text.split(' ').length * perWord,
  text,
  ...(speaker ? { speaker } : {}),
});

const rules = (overrides: Partial<CueRules> = {}): CueRules => ({ ...defaultCueRules, ...overrides });
const linesOf = (cues: Cue[]): string[][] => cues.map((cue) => cue.lines ?? []);
const characters = (text: string): number => Array.from(new Intl.Segmenter().segment(text)).length;

describe('caption cues', () => {
  const wordText = fc.stringMatching(/^[A-Za-z][a-z']{0,9}[.,?!;:]?$/);
  // Over-long words (URLs, a writer's invention) must still fit a line: they are hyphenated, so a hyphen never occurs in the input.
  const longWord = fc.stringMatching(/^[a-z]{30,70}$/);
  const word = fc.record({
    text: fc.oneof({ weight: 12, arbitrary: wordText }, { weight: 1, arbitrary: longWord }),
    duration: fc.integer({ min: 40, max: 900 }),
    gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 700 })),
  });
  const clip = fc.record({
    words: fc.array(word, { minLength: 1, maxLength: 45 }),
    timed: fc.boolean(),
    speaker: fc.constantFrom('ARIA', 'KAEL', 'NARRATOR', undefined),
    lead: fc.integer({ min: 0, max: 400 }),
    tail: fc.integer({ min: 0, max: 1500 }),
    gap: fc.integer({ min: 0, max: 1500 }),
  });
  const cueRules = fc.record({
    maxLines: fc.integer({ min: 1, max: 3 }),
    maxChars: fc.integer({ min: 16, max: 60 }),
    maxDuration: fc.integer({ min: 2, max: 10 }),
    minDuration: fc.constantFrom(0, 0.5, 1, 1.5),
    speakerLabel: fc.constantFrom('none', 'name', 'dash'),
    unlabeledSpeakers: fc.constant(['NARRATOR']),
  }) as fc.Arbitrary<CueRules>;

  /** Clips laid end to end (times in ms): word clips carry each word's time, text clips only their text. */
  function build(specs: Array<typeof clip extends fc.Arbitrary<infer T> ? T : never>, cutAt: number[]) {
    let at = 0;
    const clips = specs.map((spec) => {
      const start = at;
      let t = start + spec.lead;
      const words = spec.words.map((w) => {
        t += w.gap;
        const timed = { word: w.text, start: t / 1000, end: (t + w.duration) / 1000 };
        t += w.duration;
        return timed;
      });
      const duration = t + spec.tail - start;
      at = t + spec.tail + spec.gap;
      const text = spec.words.map((w) => w.text).join(' ');
      return { start: start / 1000, duration: duration / 1000, ...(spec.timed ? { words } : { text }), ...(spec.speaker ? { speaker: spec.speaker } : {}) };
    });
    const end = at / 1000;
    const cuts = [...new Set(cutAt.map((f) => Math.round(f * end * 1000) / 1000).filter((t) => t > 0 && t < end))].sort((a, b) => a - b);
    const starts = [0, ...cuts];
    const scenes = starts.map((start, index) => ({ id: `s${index}`, index, title: `S${index}`, start, duration: (starts[index + 1] ?? end) - start }));
    return { tl: timeline(clips, scenes), clips, words: specs.flatMap((spec) => spec.words.map((w) => w.text)) };
  }

  it('keeps every cue within the limits, in order, inside its audio, with every word once', () => {
    fc.assert(
      fc.property(fc.array(clip, { minLength: 1, maxLength: 5 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }), cueRules, (specs, cutAt, r) => {
        const { tl, clips, words } = build(specs, cutAt);
        const cues = buildCues(tl, r);
        let previousEnd = 0;
        for (const cue of cues) {
          expect(cue.lines!.length).toBeGreaterThanOrEqual(1);
          expect(cue.lines!.length).toBeLessThanOrEqual(r.maxLines);
          for (const line of cue.lines!) expect(characters(line)).toBeLessThanOrEqual(r.maxChars);
          expect(cue.text).toBe(cue.lines!.join('\n'));
          expect(cue.end).toBeGreaterThan(cue.start);
          expect(cue.end - cue.start).toBeLessThanOrEqual(r.maxDuration + 1e-9);
          expect(cue.start).toBeGreaterThanOrEqual(previousEnd);
          previousEnd = cue.end;
          expect(clips.some((c) => c.start <= cue.start && cue.end <= c.start + c.duration + 1e-9)).toBe(true);
          for (const w of cue.words!) expect(w.start >= cue.start && w.end <= cue.end && w.start <= w.end).toBe(true);
          // The shown text is the label (if any) followed by exactly the cue's words.
          const shown = cue.lines!.join(' ').split(' ');
          expect(shown.slice(shown.length - cue.words!.length)).toEqual(cue.words!.map((w) => w.word));
          expect(shown.length - cue.words!.length).toBeLessThanOrEqual(1);
        }
        const shownWords = cues.flatMap((cue) => cue.words!.map((w) => w.word));
        expect(shownWords.join('').replaceAll('-', '')).toBe(words.join(''));
      }),
      { numRuns: 300 },
    );
  });

  async function episodeLines(): Promise<Array<{ speaker: string; text: string }>> {
    const episode = await readFile(join(repo, 'examples/episodes/last-terminal-ep01.md'), 'utf8');
    return [...episode.matchAll(/^\*\*(\w+):?\*\*(?:\s*\([^)]*\))?:?\s*(.+)$/gm)].map(([, speaker, text]) => ({ speaker: speaker!, text: text!.replace(/\*/g, '') }));
  }

  it('breaks the example episode at phrase boundaries', async () => {
    const lines = await episodeLines();
    const cut = (text: string): string[][] => linesOf(buildCues(timeline([say(text, 0)])));
    const line = (start: string): string => lines.find(({ text }) => text.startsWith(start))!.text;
    expect(cut(line('In the year'))).toEqual([['In the year the grid went dark,'], ['nobody remembered', 'who switched off the last server.']]);
    expect(cut(line('I can see you'))).toEqual([['I can see you, Kael.'], ['You have been walking', 'in circles for three hours.']]);
    expect(cut(line('Because I have'))).toEqual([
      ['Because I have been waiting', 'for someone to find me.'],
      ['For eleven years,', 'four months and six days.'],
    ]);
    expect(cut(line('Another dead block'))).toEqual([['Another dead block.', 'Nothing but rust and rain.']]);
    expect(cut(line('Kael. Before'))).toEqual([['Kael. Before the power fails again,', 'I need you to do one thing for me.']]);
    expect(cut(line('Wait.'))).toEqual([['Wait. Is that... a signal?']]);
  });

  it('keeps an article or adjective with its noun and a verb with its auxiliary', () => {
    const cut = (text: string, maxChars: number): string[][] => linesOf(buildCues(timeline([say(text, 0)]), rules({ maxChars })));
    expect(cut('She walked slowly toward the old red door of the house.', 24)).toEqual([['She walked slowly', 'toward the old red door'], ['of the house.']]);
    expect(cut('He opened the heavy steel door and stepped into the cold blue light.', 24)).toEqual([
      ['He opened', 'the heavy steel door'],
      ['and stepped into', 'the cold blue light.'],
    ]);
    expect(cut('The machines were supposed to be gone.', 28)).toEqual([['The machines', 'were supposed to be gone.']]);
  });

  it('starts a cue for each speaker, labelled as asked', () => {
    const clips = [say('Hello? Is anyone still listening?', 0, 'ARIA'), say('How do you know my name?', 3, 'KAEL'), say('Another dead block.', 6, 'KAEL'), say('Nobody, except the server itself.', 8, 'NARRATOR')];
    expect(buildCues(timeline(clips), rules({ speakerLabel: 'name' })).map((cue) => cue.text)).toEqual([
      'ARIA: Hello? Is anyone still listening?',
      'KAEL: How do you know my name?',
      'Another dead block.',
      'Nobody, except the server itself.',
    ]);
    const dashed = buildCues(timeline(clips), rules({ speakerLabel: 'dash', unlabeledSpeakers: [] }));
    expect(dashed.map((cue) => cue.lines![0]!.slice(0, 2))).toEqual(['- ', '- ', 'An', '- ']);
    expect(dashed.map((cue) => cue.speaker)).toEqual(['ARIA', 'KAEL', 'KAEL', 'NARRATOR']);
  });

  it('ends a cue at a scene cut rather than showing it across', () => {
    const clip = say('Wait. Is that a signal?', 0, 'KAEL', 0.5);
    const together = buildCues(timeline([clip]));
    expect(linesOf(together)).toEqual([['Wait. Is that a signal?']]);
    const cutAt = buildCues(timeline([clip]))[0]!.words![1]!.start - 0.05;
    const scenes = [
      { id: 'a', index: 0, title: 'A', start: 0, duration: cutAt },
      { id: 'b', index: 1, title: 'B', start: cutAt, duration: 3 - cutAt },
    ];
    const split = buildCues(timeline([clip], scenes));
    expect(linesOf(split)).toEqual([['Wait.'], ['Is that a signal?']]);
    expect(split[0]!.end).toBeLessThanOrEqual(cutAt + 0.05);
  });

  it('shows a cue for at least the minimum time, never over the next cue or past its audio', () => {
    const word = (text: string, start: number, end: number) => ({ word: text, start, end });
    const cues = buildCues(
      timeline([
        { start: 0, duration: 2, words: [word('Go.', 0.1, 0.4)] },
        { start: 3, duration: 0.6, words: [word('Now.', 3.1, 3.4)] },
        { start: 5, duration: 0.95, words: [word('Run.', 5.1, 5.3)] },
        { start: 6, duration: 2, words: [word('Hide.', 6, 6.4)] },
      ]),
    );
    expect(cues.map(({ start, end }) => [start, end])).toEqual([
      [0.1, 1.1],
      [3.1, 3.6],
      // Closed to two frames before the next cue: a short blink reads as flicker.
      [5.1, 5.933],
      [6, 7],
    ]);
  });

  it('shows the written words at the times the voice speaks them', () => {
    const spoken = 'for eleven years four months and six days'.split(' ').map((w, i) => ({ word: w, start: 1 + i * 0.3, end: 1.25 + i * 0.3 }));
    const [cue] = buildCues(timeline([{ start: 0.9, duration: 3.6, text: 'For 11 years, 4 months & 6 days.', words: spoken }]));
    expect(cue!.text).toBe('For 11 years, 4 months & 6 days.');
    expect(cue!.words).toEqual([
      { word: 'For', start: 1, end: 1.25 },
      { word: '11', start: 1.3, end: 1.55 },
      { word: 'years,', start: 1.6, end: 1.85 },
      { word: '4', start: 1.9, end: 2.15 },
      { word: 'months', start: 2.2, end: 2.45 },
      { word: '&', start: 2.5, end: 2.75 },
      { word: '6', start: 2.8, end: 3.05 },
      { word: 'days.', start: 3.1, end: 3.35 },
    ]);
  });
});

const hostile = [
  'a --> b & <b>bold</b> {\\an8} c:\\new\\h',
  'line one\nline two\r\n\r\n3\n00:00:01,000 --> 00:00:02,000',
  '\u0000\u0007bell\u001b[31m red\u202eevil\ufeff \ud800 lone',
  `${'x'.repeat(90)} end`,
  'WEBVTT NOTE -->',
];

describe('caption files', () => {
  const hostileCues: Subtitles = { cues: hostile.map((text, i) => ({ start: i * 1.5 + 0.0004, end: i * 1.5 + 1.2346, text, speaker: 'A<R>&IA, x' })) };

  it('SRT and VTT parse back with independent parsers, times to the millisecond', () => {
    const cues = buildCues(timeline([say('In the year the grid went dark, nobody remembered who switched off the last server.', 0.123, 'NARRATOR'), say('Hello? Is anyone still listening?', 6.5, 'ARIA')]));
    for (const text of [toSrt({ cues }), toVtt({ cues }), toVtt({ cues }, { voices: true, settings: { line: 85, align: 'center' } })]) {
      const { entries } = parseSubtitles(text);
      expect(entries.map(({ from, to }) => [from, to])).toEqual(cues.map(({ start, end }) => [Math.round(start * 1000), Math.round(end * 1000)]));
      expect(entries.map((entry) => entry.text.replace(/^<v [^>]*>/, ''))).toEqual(cues.map((cue) => cue.text));
    }
    const vtt = vttParser.parse(toVtt({ cues }, { voices: true, settings: { line: 85, position: 50, size: 80, align: 'center' } }), 'subtitles');
    expect(vtt.errors).toEqual([]);
    expect(vtt.cues.map((cue) => [cue.startTime, cue.endTime, vttText(cue.tree)])).toEqual(cues.map((cue) => [cue.start, cue.end, cue.text]));
  });

  it('keeps hostile text inside its cue', () => {
    const cleaned = [
      ['a --> b & <b>bold</b> {\\an8} c:\\new\\h'],
      ['line one', 'line two', '3', '00:00:01,000 --> 00:00:02,000'],
      ['bell[31m redevil \ufffd lone'],
      [`${'x'.repeat(90)} end`],
      ['WEBVTT NOTE -->'],
    ];
    const times = hostileCues.cues.map(({ start, end }) => [Math.round(start * 1000), Math.round(end * 1000)]);

    const srt = parseSubtitles(toSrt(hostileCues)).entries;
    expect(srt.map(({ from, to }) => [from, to])).toEqual(times);
    expect(srt.map((entry) => entry.text.replaceAll('\u2060', '').split('\n'))).toEqual(cleaned);
    // The only arrows a parser sees are the timing lines'.
    expect(toSrt(hostileCues).match(/-->/g)).toHaveLength(hostile.length);

    const vtt = vttParser.parse(toVtt(hostileCues, { voices: true }), 'subtitles');
    expect(vtt.errors).toEqual([]);
    expect(vtt.cues.map((cue) => [Math.round(cue.startTime * 1000), Math.round(cue.endTime * 1000)])).toEqual(times);
    expect(vtt.cues.map((cue) => vttText(cue.tree).split('\n'))).toEqual(cleaned);
  });

  it('writes any text as cues a parser reads back whole', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ unit: 'binary', maxLength: 60 }), fc.integer({ min: 1, max: 5000 })), { minLength: 1, maxLength: 8 }), (texts) => {
        let at = 0;
        const cues = texts.map(([text, duration]) => {
          const cue = { start: at / 1000, end: (at + duration) / 1000, text: `${text}.` };
          at += duration;
          return cue;
        });
        const times = cues.map(({ start, end }) => [Math.round(start * 1000), Math.round(end * 1000)]);
        expect(parseSubtitles(toSrt({ cues })).entries.map(({ from, to }) => [from, to])).toEqual(times);
        const vtt = vttParser.parse(toVtt({ cues }), 'subtitles');
        expect(vtt.errors).toEqual([]);
        expect(vtt.cues.map((cue) => [Math.round(cue.startTime * 1000), Math.round(cue.endTime * 1000)])).toEqual(times);
      }),
      { numRuns: 300 },
    );
  });

  it('writes ASS with escaped text, the video size and times in centiseconds', () => {
    const ass = toAss(hostileCues, { width: 1080, height: 1920, style: 'boxed' });
    expect(ass).toContain('PlayResX: 1080\nPlayResY: 1920');
    const events = ass.split('\n').filter((line) => line.startsWith('Dialogue:'));
    expect(events[0]).toBe('Dialogue: 0,0:00:00.00,0:00:01.23,Caption,A<R>&IA  x,0,0,0,,a --> b & <b>bold</b> \\{\\\u2060an8\\} c:\\\u2060new\\\u2060h');
    expect(events[1]).toContain(',,line one\\Nline two\\N3\\N00:00:01,000 --> 00:00:02,000');
    expect(() => toAss(hostileCues, { width: 0, height: 1080 })).toThrow(/video's size/);
    expect(() => toAss(hostileCues, { width: 1920, height: 1080, style: 'neon' as 'clean' })).toThrow(/clean, boxed, bold-pop, shorts/);
  });
});

describe('burning ASS captions in with libass', () => {
  let dir: string;
  const previousFontconfig = process.env.FONTCONFIG_FILE;
  beforeAll(async () => {
    // A file name ffmpeg's filter syntax would trip over, and no system fonts at all: the captions must bring their own.
    dir = join(await mkdtemp(join(tmpdir(), 'reelgraph-captions-')), "it's: a, [test]");
    await mkdir(dir);
    await writeFile(join(dir, 'fonts.conf'), '<?xml version="1.0"?>\n<fontconfig></fontconfig>\n');
    process.env.FONTCONFIG_FILE = join(dir, 'fonts.conf');
  });
  afterAll(async () => {
    if (previousFontconfig === undefined) delete process.env.FONTCONFIG_FILE;
    else process.env.FONTCONFIG_FILE = previousFontconfig;
    await rm(resolve(dir, '..'), { recursive: true, force: true });
  });

  /** Burns the script onto a black clip (10 fps, in RGB so colours are not subsampled) and returns the frames at the given times. */
  async function burn(ass: string, size: { width: number; height: number }, times: number[], filter: (path: string) => string = assFilter): Promise<Frame[]> {
    const assPath = join(dir, 'captions.ass');
    const video = join(dir, 'burnt.mkv');
    await writeFile(assPath, ass);
    await runTool(
      ffmpegPath(),
      ['-hide_banner', '-v', 'error', '-y', '-f', 'lavfi', '-i', `color=black:s=${size.width}x${size.height}:r=10:d=3.5`, '-vf', `format=rgb24,${filter(assPath)}`, '-c:v', 'ffv1', '-pix_fmt', 'bgr0', video],
      { timeoutMs: 60_000 },
    );
    return Promise.all(times.map((t) => grabFrame(video, Math.round(t * 10))));
  }

  const count = (frame: Frame, test: (r: number, g: number, b: number) => boolean, rect: Rect = { x: 0, y: 0, width: frame.width, height: frame.height }): number => {
    let n = 0;
    for (let y = rect.y; y < rect.y + rect.height; y++) {
      for (let x = rect.x; x < rect.x + rect.width; x++) {
        const i = (y * frame.width + x) * 4;
        if (test(frame.data[i]!, frame.data[i + 1]!, frame.data[i + 2]!)) n++;
      }
    }
    return n;
  };
  const landscape = { width: 640, height: 360 };
  const bright = (r: number, g: number, b: number): boolean => r > 150 && g > 150 && b > 150;
  const yellow = (r: number, g: number, b: number): boolean => r > 180 && g > 150 && b < 90;

  const spoken: Subtitles = {
    cues: [
      {
        start: 0.5,
        end: 1.5,
        text: 'Hello there, Kael.',
        words: [
          { word: 'Hello', start: 0.5, end: 0.8 },
          { word: 'there,', start: 0.8, end: 1.1 },
          { word: 'Kael.', start: 1.1, end: 1.4 },
        ],
      },
      { start: 2, end: 3, text: '{\\an8}Still at the bottom?' },
    ],
  };

  it('shows text during a cue and nothing outside it, at the bottom whatever the text says', async () => {
    const [before, during, between, escaped, after] = await burn(toAss(spoken, landscape), landscape, [0.2, 1, 1.7, 2.5, 3.2]);
    const top: Rect = { x: 0, y: 0, width: 640, height: 180 };
    const bottom: Rect = { x: 0, y: 180, width: 640, height: 180 };
    expect(count(during!, bright, bottom)).toBeGreaterThan(100);
    expect(count(during!, bright, top)).toBe(0);
    expect(count(escaped!, bright, bottom)).toBeGreaterThan(100);
    expect(count(escaped!, bright, top)).toBe(0);
    for (const frame of [before!, between!, after!]) expect(count(frame, bright)).toBe(0);
    expect(count(during!, yellow)).toBe(0);
  });

  it('lights words up: karaoke keeps spoken words lit, word mode lights only the current one', async () => {
    // Word starts: Hello 0.5, there, 0.8, Kael. 1.1 (spoken until 1.4).
    const [first, all] = await burn(toAss(spoken, { ...landscape, highlightWords: 'karaoke' }), landscape, [0.6, 1.2]);
    expect(count(first!, yellow)).toBeGreaterThan(50);
    expect(count(first!, bright)).toBeGreaterThan(50);
    expect(count(all!, bright)).toBe(0);
    expect(count(all!, yellow)).toBeGreaterThan(2 * count(first!, yellow));

    const frames = await burn(toAss(spoken, { ...landscape, style: 'bold-pop', highlightWords: true }), landscape, [0.6, 0.9, 1.2, 1.4]);
    for (const frame of frames.slice(0, 3)) {
      expect(count(frame, yellow)).toBeGreaterThan(100);
      expect(count(frame, bright)).toBeGreaterThan(count(frame, yellow));
    }
    expect(count(frames[3]!, yellow)).toBe(0);
    expect(count(frames[3]!, bright)).toBeGreaterThan(100);
  });

  it('sizes the text to fit a vertical frame', async () => {
    const line = 'Because I have been waiting for someone to';
    const portrait = { width: 360, height: 640 };
    const [frame] = await burn(toAss({ cues: [{ start: 0, end: 3, text: line }] }, portrait), portrait, [1]);
    expect(count(frame!, bright)).toBeGreaterThan(200);
    for (const x of [0, 1, 358, 359]) expect(count(frame!, bright, { x, y: 0, width: 1, height: 640 })).toBe(0);
  });

  it('sets Shorts captions large and centred in the band the player leaves free', async () => {
    // Half of 1080×1920: sizes and places are fractions of the frame.
    const portrait = { width: 540, height: 960 };
    const [frame] = await burn(toAss({ cues: [{ start: 0, end: 3, text: 'Any party?' }] }, { ...portrait, style: 'shorts' }), portrait, [1]);
    const rows = Array.from({ length: portrait.height }, (_, y) => count(frame!, bright, { x: 0, y, width: portrait.width, height: 1 }));
    const top = rows.findIndex((n) => n > 0);
    const bottom = rows.findLastIndex((n) => n > 0);
    // From the capital's top to the descenders' bottom: at least 5 % of the height (the 16:9 look gave 1.2 %).
    expect((bottom - top + 1) / portrait.height).toBeGreaterThanOrEqual(0.05);
    // Centred between the top bar (15 %) and the title and buttons (the bottom 25 %), clear of the buttons on the right (15 %).
    expect(Math.abs((top + bottom) / 2 / portrait.height - 0.45)).toBeLessThan(0.03);
    expect(top / portrait.height).toBeGreaterThan(0.15);
    expect(bottom / portrait.height).toBeLessThan(0.75);
    expect(count(frame!, bright, { x: Math.round(portrait.width * 0.85), y: 0, width: Math.round(portrait.width * 0.15), height: portrait.height })).toBe(0);
  });

  it('needs the packaged fonts: without them libass finds none here', async () => {
    expect(captionFontsDir()).toMatch(/dejavu-fonts-ttf[/\\]ttf$/);
    const withoutFonts = (path: string): string => assFilter(path).replace(/:fontsdir=.*$/, '');
    const [frame] = await burn(toAss(spoken, landscape), landscape, [1], withoutFonts);
    expect(count(frame!, bright)).toBe(0);
  });
});

describe('captions.build', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => {
    await h.dispose();
  });

  it('turns a timeline’s dialogue into subtitles through the engine', async () => {
    const tl = timeline([
      { start: 0.5, duration: 2, speaker: 'ARIA', text: 'Hello? Is anyone still listening?', words: 'Hello? Is anyone still listening?'.split(' ').map((w, i) => ({ word: w, start: 0.6 + i * 0.3, end: 0.85 + i * 0.3 })) },
      { start: 3, duration: 2.5, speaker: 'KAEL', text: 'Another dead block. Nothing but rust and rain.' },
    ]);
    tl.tracks.push({ name: 'Video', kind: 'video', clips: [{ id: 'v', start: 0, duration: 5.5, sourceIn: 0, text: 'Scene one' }] });
    const result = await h.run(
      graph([['captions', 'captions.build', { speakerLabel: 'name', maxChars: 32 }]], ['$input.timeline -> captions.timeline'], {
        inputs: { timeline: { type: 'Timeline' } },
        outputs: { subtitles: 'captions.subtitles' },
      }),
      { inputs: { timeline: tl } },
    );
    expect(result.status).toBe('done');
    const { cues } = result.outputs.subtitles as Subtitles;
    expect(cues.map((cue) => cue.lines)).toEqual([['ARIA: Hello?', 'Is anyone still listening?'], ['KAEL: Another dead block.', 'Nothing but rust and rain.']]);
    expect(cues[0]).toMatchObject({ start: 0.6, speaker: 'ARIA', words: [{ word: 'Hello?', start: 0.6, end: 0.85 }, { word: 'Is' }, { word: 'anyone' }, { word: 'still' }, { word: 'listening?' }] });
    expect(cues[1]!.end).toBeLessThanOrEqual(5.5);
  });
});
