import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkSchema, sceneBriefSchema } from '../runtime/contract/index.js';
import type { SceneBrief } from '../runtime/contract/index.js';
import { analyzeText, MAX_SCENE_CHARS, sceneBrief, settingMotifs } from '../nodes/script/engine/analyze.js';
import { splitSentences } from '../nodes/script/engine/sentences.js';
import type { BriefInput } from '../nodes/script/engine/analyze.js';

const examples = resolve(import.meta.dirname, '../examples/episodes');
const episode = (name: string): string => readFileSync(join(examples, name), 'utf8');

/**
 * The direction lines (`*…*` paragraphs, `Visual:` prefix dropped) of the
 * section whose heading starts with `heading`, or of the whole file: what the
 * markdown parser hands the brief, without depending on the parser.
 */
function directions(markdown: string, heading?: string): string[] {
  const sections = markdown.split(/^#{1,6} /m);
  const section = heading === undefined ? markdown : (sections.find((s) => s.startsWith(heading)) ?? '');
  return [...section.matchAll(/^\*(?!\*)(.+)\*$/gm)].map((m) => (m[1] ?? '').replace(/^Visual:\s*/, ''));
}

/** The episode's prose: front matter, terminal blocks and markdown marks removed. */
function prose(markdown: string): string[] {
  return markdown
    .replace(/^---\n[\s\S]*?\n---\n/, '')
    .replace(/```[\s\S]*?```/g, '')
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.replace(/[#*_]/g, '').replace(/^\[[^\]]*\]$/, '').trim())
    .filter(Boolean);
}

const lastTerminal = episode('last-terminal-ep01.md');
const castNames = { NARRATOR: 'Narrator', ARIA: 'Aria', KAEL: 'Kael' };
const brief = (input: Partial<BriefInput>): SceneBrief => sceneBrief({ heading: '', directions: [], dialogue: [], speakers: [], ...input });

describe('scene briefs of the example episodes', () => {
  it('last-terminal Scene 1: an abandoned data center, cold blue light, low angle push-in', () => {
    const scene = brief({ heading: 'Scene 1: The Cold Room', directions: directions(lastTerminal, 'Scene 1'), speakers: ['NARRATOR', 'ARIA'], castNames });
    expect(scene).toMatchObject({
      source: 'directions',
      description: 'A vast, abandoned data center. Rows of dead server racks vanish into darkness. Cold blue emergency lighting. Slow dolly forward, low angle.',
      setting: 'data center',
      location: 'abandoned data center',
      interior: true,
      lighting: 'cold blue emergency lighting',
      camera: { angle: 'low', movement: 'push-in' },
    });
    expect([undefined, 'night']).toContain(scene.timeOfDay);
    expect(['ominous', 'mysterious']).toContain(scene.mood);
    expect(scene.subjects).toContain('server racks');
    expect(scene.subjects).toContain('Aria');
    expect(scene.subjects).not.toContain('Narrator'); // heard, not seen
  });

  it('last-terminal Scene 2: a ruined city street at night in heavy rain, handheld at eye level', () => {
    const scene = brief({ heading: 'Scene 2: The Scavenger', directions: directions(lastTerminal, 'Scene 2'), speakers: ['KAEL', 'ARIA'], castNames });
    expect(scene).toMatchObject({
      setting: 'city street',
      location: 'ruined city street',
      interior: false,
      timeOfDay: 'night',
      weather: 'heavy rain',
      lighting: 'neon',
      camera: { angle: 'eye level', movement: 'handheld' },
    });
    expect(scene.subjects).toEqual(expect.arrayContaining(['Kael', 'flashlight', 'neon signs']));
    // The flashlight appears twice, so it leads the nouns.
    expect(scene.subjects.indexOf('flashlight')).toBe(2);
  });

  it('last-terminal Scene 3: inside the data center, warm amber close-up with shallow depth of field', () => {
    const scene = brief({ heading: 'Scene 3: First Contact', directions: directions(lastTerminal, 'Scene 3'), speakers: ['ARIA', 'KAEL', 'NARRATOR'], castNames });
    expect(scene).toMatchObject({
      setting: 'data center',
      interior: true,
      lighting: 'warm amber light',
      camera: { shot: 'close-up, shallow depth of field' },
    });
    // "glowing" describes the monitor: it is not a subject of its own.
    expect(scene.subjects).toEqual(['Aria', 'Kael', 'flashlight', 'monitor']);
  });

  it('explainer visuals are abstract data', () => {
    const [frames, triangle] = directions(episode('explainer-compression.md')).map((text) => brief({ directions: [text] }));
    expect(frames).toMatchObject({ setting: 'abstract data', camera: {} });
    expect(frames?.subjects).toEqual(expect.arrayContaining(['frames', 'pixels']));
    expect(triangle).toMatchObject({ setting: 'abstract data' });
    expect(triangle?.subjects).toContain('triangle');
  });

  it('shorts: a red-lit countdown close-up is tense', () => {
    const [text] = directions(episode('shorts-hook.md'));
    expect(text).toBe('Close-up of a countdown timer racing to zero. Red light, fast cuts.');
    const scene = brief({ directions: [text ?? ''], speakers: ['HOST'] });
    expect(scene).toMatchObject({ camera: { shot: 'close-up' }, lighting: 'red light' });
    expect(['tense', 'energetic']).toContain(scene.mood);
    expect(scene.subjects).toEqual(expect.arrayContaining(['Host', 'countdown timer']));
  });
});

describe('where a brief comes from', () => {
  it('a scene without directions is read from its dialogue', () => {
    const scene = brief({ heading: 'Scene 9', dialogue: ['Another dead block. Nothing but rust and rain.', 'Wait. Is that... a signal?'], speakers: ['KAEL'], castNames });
    expect(scene).toMatchObject({ source: 'dialogue', description: 'Another dead block. Nothing but rust and rain. Wait. Is that... a signal?', setting: 'city street', weather: 'rain' });
    expect(scene.subjects[0]).toBe('Kael');
  });

  it('blank directions count as none', () => {
    expect(brief({ directions: ['  ', ''], dialogue: ['Hello?'] }).source).toBe('dialogue');
  });

  it('an empty scene is read from its heading and slug', () => {
    const scene = brief({ heading: 'INT. KITCHEN - MORNING', slug: { interior: true, location: 'KITCHEN', time: 'MORNING' } });
    expect(scene).toEqual({
      description: 'INT. KITCHEN - MORNING',
      source: 'heading',
      setting: 'interior room',
      location: 'KITCHEN',
      interior: true,
      timeOfDay: 'morning',
      camera: {},
      subjects: [],
    });
  });

  it('a plain heading works too', () => {
    expect(brief({ heading: 'Scene 4: Rooftop at Dawn' })).toMatchObject({ source: 'heading', setting: 'skyline', interior: false, timeOfDay: 'dawn' });
  });

  it('a slug outranks the directions for setting, location, interior and time', () => {
    const scene = brief({
      heading: 'INT. SERVER ROOM - NIGHT',
      slug: { interior: true, location: 'SERVER ROOM', time: 'NIGHT' },
      directions: ['Rain streaks the window. Below, a city street at dawn.'],
    });
    expect(scene).toMatchObject({ source: 'directions', setting: 'data center', location: 'SERVER ROOM', interior: true, timeOfDay: 'night', weather: 'rain' });
  });

  it('an unknown place indoors is an interior room', () => {
    expect(brief({ slug: { interior: true, location: "KAEL'S HIDEOUT" } })).toMatchObject({ setting: 'interior room', location: "KAEL'S HIDEOUT" });
  });

  it('a long scene is read up to the cap, and the description says so', () => {
    const scene = brief({ directions: ['A quiet forest. '.repeat(1_000), 'Heavy rain.'] });
    expect(scene.description.length).toBeLessThanOrEqual(MAX_SCENE_CHARS);
    expect(scene.setting).toBe('forest');
    expect(scene.weather).toBeUndefined();
  });
});

describe('vocabulary', () => {
  const cases: Array<[string, Partial<SceneBrief>]> = [
    ['Heavy rain lashes the rooftop.', { weather: 'heavy rain', setting: 'skyline' }],
    ['Light rain on the beach at dusk.', { weather: 'rain', setting: 'ocean', timeOfDay: 'dusk', lighting: undefined }],
    ['A dark server room. Static hisses on every screen.', { setting: 'data center', camera: {} }],
    ['Extreme close-up on her eye.', { camera: { shot: 'extreme close-up' } }],
    ['The camera pans across the racks.', { camera: { movement: 'pan' }, setting: 'data center' }],
    ['The camera dollies in on the terminal.', { camera: { movement: 'push-in' } }],
    ['Dutch angle. Wide shot of the dunes at noon.', { camera: { angle: 'dutch', shot: 'wide' }, setting: 'desert', timeOfDay: 'noon' }],
    ["Bird's-eye view of the harbour, static shot.", { camera: { angle: 'overhead', movement: 'static' }, setting: 'ocean' }],
    ['Stars drift past the viewport. Zero gravity.', { setting: 'space' }],
    ['An eerie fog rolls through the woods.', { setting: 'forest', weather: 'fog', mood: 'mysterious' }],
    ['A bar chart grows, one bar at a time.', { setting: 'abstract data' }],
    ['Outside the office, snow falls.', { setting: 'interior room', interior: false, weather: 'snow' }],
    // A stated mood outweighs two cues for another (warm, golden → hopeful).
    ['A warm, golden kitchen; the standoff is tense.', { mood: 'tense', setting: 'interior room', interior: true }],
    ['Moonlight through the blinds. Tracking shot down the corridor.', { lighting: 'moonlight', camera: { movement: 'tracking' } }],
    ['Flickering neon lights over a rain-slick alley.', { lighting: 'flickering neon lights', setting: 'city street', weather: 'rain' }],
    ['A crowded market street in Neo Tokyo.', { location: 'Neo Tokyo', setting: 'city street' }],
    ['Nothing here matches anything.', { setting: 'unknown', camera: {} }],
  ];
  it.each(cases)('%s', (text, expected) => {
    const scene = brief({ directions: [text] });
    for (const [field, value] of Object.entries(expected)) expect(scene[field as keyof SceneBrief], field).toEqual(value);
  });
});

describe('analyzeText', () => {
  it('reads the whole of last-terminal-ep01', () => {
    const texts = prose(lastTerminal);
    const analysis = analyzeText(texts);
    expect(analysis.times).toEqual(expect.arrayContaining(['three hours', 'eleven years, four months and six days', 'Night']));
    expect(analysis.sentences).toBe(texts.reduce((sum, text) => sum + splitSentences(text).length, 0));
    expect(analysis.words).toBeGreaterThan(200);
    expect(analysis.places).not.toContain('Kael');
  });

  it('finds named places, clock times, dates, years and durations, once each, in order', () => {
    const analysis = analyzeText([
      'We met in Neo Tokyo at 3:00 a.m. in 2049, near Central Station in Sector 7.',
      'Dr. Smith flew to Paris, France on Monday 5 March 2049. Three hours passed; then three hours more.',
      'Colour is stored at a quarter of the resolution, from 7pm until midnight.',
    ]);
    expect(analysis.places).toEqual(['Neo Tokyo', 'Central Station', 'Sector 7', 'Paris, France']);
    expect(analysis.times).toEqual(['3:00 a.m.', '2049', 'Monday 5 March 2049', 'Three hours', '7pm', 'midnight']);
  });

  it('counts sentences and words', () => {
    expect(analyzeText(['Wait. Is that... a signal?', '— $ power --status'])).toEqual({ sentences: 3, words: 7, places: [], times: [] });
    expect(analyzeText([])).toEqual({ sentences: 0, words: 0, places: [], times: [] });
  });
});

describe('splitSentences', () => {
  const cases: Array<[string, string[]]> = [
    ['Wait. Is that... a signal?', ['Wait.', 'Is that... a signal?']],
    ['Wait... Then it moved.', ['Wait...', 'Then it moved.']],
    ['Dr. Smith met Mr. Jones. They talked.', ['Dr. Smith met Mr. Jones.', 'They talked.']],
    ['Use a tool, e.g. a hammer. Then stop.', ['Use a tool, e.g. a hammer.', 'Then stop.']],
    ['Arrive at 3 a.m. The door opens at 3 a.m. sharp.', ['Arrive at 3 a.m.', 'The door opens at 3 a.m. sharp.']],
    ['It costs 3.50 credits. Cheap!', ['It costs 3.50 credits.', 'Cheap!']],
    ['"Run!" she said. "Now."', ['"Run!" she said.', '"Now."']],
    ['He paused (briefly.) Then left.', ['He paused (briefly.)', 'Then left.']],
    ['J. R. R. Tolkien wrote it.', ['J. R. R. Tolkien wrote it.']],
    ['he left. then he came back', ['he left.', 'then he came back']],
    ['Pick any two:\n\n1. Quality\n2. File size\n3. Speed', ['Pick any two:', '1. Quality', '2. File size', '3. Speed']],
    ['RESTORING... 12%... 47%... 100%', ['RESTORING... 12%... 47%... 100%']],
    ['No ending', ['No ending']],
    ['', []],
    ['  \n ', []],
  ];
  it.each(cases)('%j', (text, expected) => expect(splitSentences(text)).toEqual(expected));
});

describe('any input', () => {
  // Vocabulary words, sentence punctuation and prototype keys mixed with arbitrary text, so the tables get exercised.
  const word = fc.oneof(
    fc.constantFrom('rain', 'heavy', 'light', 'neon', 'close-up', 'low angle', 'server racks', 'Kael', 'Neo Tokyo', 'Dr.', '...', '.', '\n\n', '1.', '"', 'constructor', '__proto__', 'three hours'),
    fc.string({ unit: 'binary', maxLength: 12 }),
  );
  const text = fc.array(word, { maxLength: 24 }).map((words) => words.join(' '));
  const input: fc.Arbitrary<BriefInput> = fc.record(
    {
      heading: text,
      slug: fc.record({ interior: fc.option(fc.boolean(), { nil: undefined }), location: text, time: fc.option(text, { nil: undefined }) }, { requiredKeys: ['location'] }),
      directions: fc.array(text, { maxLength: 4 }),
      dialogue: fc.array(text, { maxLength: 4 }),
      speakers: fc.array(fc.oneof(fc.constantFrom('KAEL', 'NARRATOR', 'constructor'), fc.string({ maxLength: 8 })), { maxLength: 3 }),
      castNames: fc.dictionary(fc.oneof(fc.constantFrom('KAEL', 'toString'), fc.string({ maxLength: 8 })), text, { maxKeys: 3 }),
    },
    { requiredKeys: ['heading', 'directions', 'dialogue', 'speakers'] },
  );

  it('sceneBrief never throws and always returns a valid brief', () => {
    fc.assert(
      fc.property(input, (scene) => {
        const result = sceneBrief(scene);
        expect(checkSchema(sceneBriefSchema, result)).toEqual([]);
        expect(settingMotifs).toContain(result.setting);
        expect(result.description.length).toBeLessThanOrEqual(MAX_SCENE_CHARS);
        expect(result.subjects.every((subject) => subject.length > 0)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('splitSentences keeps every character but whitespace, in order; analyzeText agrees with it', () => {
    fc.assert(
      fc.property(fc.array(text, { maxLength: 3 }), (texts) => {
        const analysis = analyzeText(texts);
        const sentences = texts.map((t) => splitSentences(t));
        expect(analysis.sentences).toBe(sentences.flat().length);
        sentences.forEach((split, i) => expect(split.join('').replace(/\s+/g, '')).toBe((texts[i] ?? '').replace(/\s+/g, '')));
        expect(Number.isInteger(analysis.words) && analysis.words >= 0).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('survives degenerate text of a megabyte', () => {
    const dots = '.'.repeat(1_000_000);
    expect(sceneBrief({ heading: dots, directions: [dots], dialogue: [], speakers: [] }).description.length).toBeLessThanOrEqual(MAX_SCENE_CHARS);
    expect(splitSentences(dots)).toEqual([dots]);
    expect(analyzeText(['Dr. '.repeat(250_000)]).sentences).toBe(1);
  });
});
