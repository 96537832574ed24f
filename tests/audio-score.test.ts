/**
 * audio.score (issue 18 item 1, "dead air"): the synthesised music bed is
 * deterministic, block-invariant and at its level for every mood; ambience
 * follows the brief (hum for a data centre, rain's hiss, crickets at night)
 * and measures so; keystroke clicks start at the typed characters' times;
 * and the node, run on a parsed episode, scores each scene by its mood and
 * brief and puts hits at the glitch, the [sfx: …] cue and the terminal.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AudioClip, Segment, Timeline } from '../runtime/contract/index.js';
import { ambienceLayers, ambienceSource, type AmbienceBrief } from '../nodes/audio/synth/ambience.js';
import { SAMPLE_RATE } from '../nodes/audio/synth/dsp.js';
import { hitsSource, sfxKind, type Hit } from '../nodes/audio/synth/effects.js';
import { musicStyleNames, renderMusic, styleForMood } from '../nodes/audio/synth/music.js';
import { decodeAudio } from '../nodes/audio/pcm.js';
import terminalNode, { planTerminal, terminalEvents, type TerminalParams } from '../nodes/overlay/terminal.node.js';
import { readTerminalLine } from '../nodes/script/engine/terminal.js';
import { terminalSeconds } from '../nodes/script/engine/timing.js';
import { styleOfCue } from '../nodes/audio/score.node.js';
import { makeAssets, shortEpisode } from './fixtures/assembly-graph.js';
import { createHarness, graph, type Harness } from './fixtures/harness.js';

const signal = new AbortController().signal;

const rmsDb = (samples: Float32Array, from = 0, to = samples.length): number => {
  let sum = 0;
  for (let i = from; i < to; i++) sum += samples[i]! ** 2;
  return 10 * Math.log10(sum / Math.max(1, to - from));
};

/** Energy at `hz` of a channel of interleaved stereo (Goertzel), in dB. */
function toneDb(samples: Float32Array, hz: number): number {
  const frames = samples.length / 2;
  const k = (2 * Math.cos((2 * Math.PI * hz) / SAMPLE_RATE));
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < frames; i++) {
    const s0 = samples[i * 2]! + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  return 10 * Math.log10(power / frames ** 2 + 1e-30);
}

/** RMS of the first channel's difference signal (a crude high-pass: hiss and clicks), in dB. */
function highDb(samples: Float32Array): number {
  let sum = 0;
  for (let i = 2; i < samples.length; i += 2) sum += (samples[i]! - samples[i - 2]!) ** 2;
  return 10 * Math.log10(sum / (samples.length / 2));
}

function music(style: (typeof musicStyleNames)[number], seconds: number, first = 0, seed = 1): Float32Array {
  const out = new Float32Array(Math.round(seconds * SAMPLE_RATE) * 2);
  renderMusic(style, seed, first, out.length / 2, out, () => 1);
  return out;
}

function ambience(brief: AmbienceBrief, seconds: number, blocks = 1): Float32Array {
  const frames = Math.round(seconds * SAMPLE_RATE);
  const out = new Float32Array(frames * 2);
  const source = ambienceSource(brief, { seed: 7, levelDb: -42, frames, fadeIn: 0, fadeOut: 0 });
  const size = Math.ceil(frames / blocks);
  for (let from = 0; from < frames; from += size) {
    const count = Math.min(size, frames - from);
    const block = new Float32Array(count * 2);
    source.render(block, from, count);
    out.set(block, from * 2);
  }
  return out;
}

describe('the music bed', () => {
  it('is the same for the same seed, differs by seed, and is one function of the episode clock (blocks join seamlessly)', () => {
    const whole = music('tense', 3);
    expect(music('tense', 3)).toEqual(whole);
    expect(music('tense', 3, 0, 2)).not.toEqual(whole);
    // Rendered from 1.5 s on, the bed is the second half of the whole: no state, so any block and any clip start agree.
    const half = music('tense', 1.5, 1.5 * SAMPLE_RATE);
    const tail = whole.subarray(whole.length / 2);
    let worst = 0;
    for (let i = 0; i < half.length; i++) worst = Math.max(worst, Math.abs(half[i]! - tail[i]!));
    expect(worst).toBeLessThan(1e-6);
  });

  it('plays every mood near −20 dBFS RMS at unity, never silent for half a second, each mood its own', () => {
    const renders = new Map(musicStyleNames.map((name) => [name, music(name, 12)]));
    for (const [name, samples] of renders) {
      expect(rmsDb(samples), name).toBeGreaterThan(-22.5);
      expect(rmsDb(samples), name).toBeLessThan(-17.5);
      // No quiet stretch: every half second holds sound.
      const half = SAMPLE_RATE;
      for (let from = 0; from + half <= samples.length; from += half) expect(rmsDb(samples, from, from + half), `${name} at ${from / half / 2} s`).toBeGreaterThan(-40);
      expect(samples.reduce((peak, value) => Math.max(peak, Math.abs(value)), 0), name).toBeLessThan(0.9);
    }
    expect(renders.get('ominous')).not.toEqual(renders.get('hopeful'));
    expect(styleForMood('tense')).toBe('tense');
    expect(styleForMood(undefined)).toBe('neutral');
    expect(styleForMood('bewildered')).toBe('neutral');
  });

  it('varies a long bed by 8-bar sections (the arpeggio or bass rests now and then) and never drops out', () => {
    const sectionSeconds = (8 * 4 * 60) / 118;
    const samples = music('energetic', sectionSeconds * 8);
    const frames = Math.round(sectionSeconds * SAMPLE_RATE) * 2;
    const levels = Array.from({ length: 8 }, (_, k) => rmsDb(samples, k * frames, (k + 1) * frames));
    expect(Math.max(...levels) - Math.min(...levels)).toBeGreaterThan(0.5);
    for (let from = 0; from + SAMPLE_RATE <= samples.length; from += SAMPLE_RATE) expect(rmsDb(samples, from, from + SAMPLE_RATE)).toBeGreaterThan(-40);
  });

  it('reads [music: …] cues: a style, a word for a mood, a stop, or nothing it knows', () => {
    const cues = ['music: tense', 'music: suspense builds', 'MUSIC: Playful strings', 'music: fade out', 'music: stop', 'music: strings swell'];
    expect(cues.map(styleOfCue)).toEqual(['tense', 'tense', 'playful', 'none', 'none', undefined]);
  });
});

describe('ambience from the brief', () => {
  it('chooses its layers from setting, weather, indoors and time of day', () => {
    const table: Array<[AmbienceBrief, string]> = [
      [{}, 'room'],
      [{ setting: 'data center' }, 'room+hum+fans'],
      [{ setting: 'city street', weather: 'heavy rain', timeOfDay: 'night' }, 'room+heavy-rain+traffic'],
      [{ setting: 'forest', timeOfDay: 'day' }, 'room+wind+birds'],
      [{ setting: 'forest', timeOfDay: 'night' }, 'room+wind+crickets'],
      [{ setting: 'ocean' }, 'room+wind+waves'],
      [{ setting: 'desert', weather: 'dust' }, 'room+wind'],
      [{ setting: 'space' }, 'room+drone'],
      [{ setting: 'interior room', weather: 'storm' }, 'room+heavy-rain+thunder'],
    ];
    expect(table.map(([brief]) => ambienceLayers(brief).join('+'))).toEqual(table.map(([, layers]) => layers));
  });

  it('sounds as the brief says: mains hum in a data centre, hiss in the rain; repeatable, and the same in blocks as whole', () => {
    const room = ambience({}, 4);
    const dataCenter = ambience({ setting: 'data center' }, 4);
    const rain = ambience({ setting: 'city street', weather: 'heavy rain' }, 4);
    // Room tone alone is quiet but there (−42 dBFS RMS asked).
    expect(rmsDb(room)).toBeGreaterThan(-45);
    expect(rmsDb(room)).toBeLessThan(-39);
    expect(toneDb(dataCenter, 50) - toneDb(rain, 50)).toBeGreaterThan(15);
    expect(highDb(rain) - highDb(dataCenter)).toBeGreaterThan(10);
    expect(highDb(rain) - highDb(room)).toBeGreaterThan(10);
    expect(ambience({ setting: 'data center' }, 4)).toEqual(dataCenter);
    expect(ambience({ setting: 'data center' }, 4, 7)).toEqual(dataCenter);
  });
});

const terminalDefaults = Object.fromEntries(
  Object.entries(terminalNode.params.properties as Record<string, { default?: unknown }>).flatMap(([name, schema]) => (schema.default === undefined ? [] : [[name, schema.default]])),
) as unknown as TerminalParams;

function block(lines: string[]): Segment & { terminal: NonNullable<Segment['terminal']> } {
  const terminal = { lines: lines.map(readTerminalLine) };
  return { id: 'seg-typing', sceneId: 'scene-1', kind: 'terminal', speechText: '', displayText: lines.join('\n'), line: 3, words: 0, timing: { start: 0, duration: terminalSeconds(terminal.lines) }, terminal };
}

/** Sample frames where a sound starts: above `threshold` after at least `quietMs` below it. */
function onsets(samples: Float32Array, threshold: number, quietMs = 8): number[] {
  const found: number[] = [];
  const quiet = Math.round((quietMs / 1000) * SAMPLE_RATE);
  let lastLoud = -Infinity;
  for (let frame = 0; frame < samples.length / 2; frame++) {
    const level = Math.max(Math.abs(samples[frame * 2]!), Math.abs(samples[frame * 2 + 1]!));
    if (level < threshold) continue;
    if (frame - lastLoud > quiet) found.push(frame);
    lastLoud = frame;
  }
  return found;
}

describe('effects at the picture’s events', () => {
  it('the terminal says when it powers on and off and when each character is typed; a click starts at each one', () => {
    const segment = block(['$ wake aria', 'MAIN GRID ........ OFFLINE', '$ ls -la']);
    const plan = planTerminal(segment, { ...terminalDefaults, width: 640, height: 360 });
    const events = terminalEvents(plan);
    const keys = events.filter((event) => event.kind === 'key').map((event) => event.time);
    expect(keys).toHaveLength('wake aria'.length + 'ls -la'.length);
    expect(events[0]).toEqual({ time: 0, kind: 'power-on' });
    expect(events.at(-1)!.kind).toBe('power-off');
    expect(events.filter((event) => event.kind === 'enter')).toHaveLength(2);
    expect(events.filter((event) => event.kind === 'print')).toHaveLength(1);
    // Keys are the typed cells' own times: each appears on screen the moment its click starts.
    const typed = [...plan.timeline.times].filter((_t, i) => i >= 2 && i < 2 + 'wake aria'.length);
    expect(keys.slice(0, typed.length)).toEqual(typed.map((t) => Math.round(t * 10_000) / 10_000));

    const hits: Hit[] = keys.map((time) => ({ time, kind: 'key' }));
    const frames = Math.ceil((keys.at(-1)! + 0.2) * SAMPLE_RATE);
    const out = new Float32Array(frames * 2);
    hitsSource(hits, { seed: 3, levelDb: -12 }).render(out, 0, frames);
    const found = onsets(out, 0.01, 4).map((frame) => frame / SAMPLE_RATE);
    // Keys closer than the quiet gap read as one onset; every onset is a key, and nearly every key an onset, within 1 ms.
    for (const onset of found) expect(Math.min(...keys.map((key) => Math.abs(key - onset))), `onset at ${onset.toFixed(4)} s`).toBeLessThan(0.001);
    const heard = keys.filter((key) => found.some((onset) => Math.abs(key - onset) < 0.001));
    expect(heard.length / keys.length).toBeGreaterThan(0.8);
  });

  it('renders the same in any block order and reads [sfx: …] cues by keyword', () => {
    const hits: Hit[] = [{ time: 0.01, kind: 'power-on' }, { time: 0.3, kind: 'glitch' }, { time: 0.5, kind: 'key' }, { time: 0.9, kind: 'rumble' }];
    const frames = 3 * SAMPLE_RATE;
    const whole = new Float32Array(frames * 2);
    hitsSource(hits, { seed: 1, levelDb: -12 }).render(whole, 0, frames);
    const pieces = new Float32Array(frames * 2);
    const source = hitsSource(hits, { seed: 1, levelDb: -12 });
    for (const from of [2 * SAMPLE_RATE, 0, SAMPLE_RATE]) {
      const block = new Float32Array(SAMPLE_RATE * 2);
      source.render(block, from, SAMPLE_RATE);
      pieces.set(block, from * 2);
    }
    expect(pieces).toEqual(whole);
    expect(rmsDb(whole, 0.3 * SAMPLE_RATE * 2, 0.5 * SAMPLE_RATE * 2)).toBeGreaterThan(-35);
    expect(['door slam', 'alarm beeps', 'distant explosion', 'radio static', 'footsteps', 'something odd'].map(sfxKind)).toEqual(['impact', 'beeps', 'rumble', 'static', 'footsteps', 'impact']);
  });
});

describe('the audio.score node on an episode', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.dispose();
  });

  const episode = `---
title: "Score"
---

# Score

## Cold Room

*An abandoned data center, ominous and cold.*

**NARRATOR:** The room was quiet.

[glitch]

**NARRATOR:** Then it was not.

## Street

*A street at night in heavy rain. Hopeful, warm light.*

[sfx: door slam]

**NARRATOR:** Outside, the rain kept falling.

[music: tense]

**NARRATOR:** Someone was running.

[music: stop]

**NARRATOR:** Then only the rain.
`;

  const run = async (params: Record<string, unknown> = {}, text = episode) => {
    const g = graph(
      [
        ['parse', 'script.markdown'],
        ['pace', 'assembly.pace'],
        ['score', 'audio.score', params],
      ],
      ['$input.episode -> parse.markdown', 'parse.script -> pace.script', 'parse.script -> score.script', 'pace.plan -> score.plan'],
      { inputs: { episode: { type: 'Markdown' } }, outputs: { clips: 'score.clips', plan: 'pace.plan' } },
    );
    const result = await h.run(g, { inputs: { episode: text }, noCache: true });
    expect(result.status, result.error?.message).toBe('done');
    return { clips: result.outputs.clips as AudioClip[], plan: result.outputs.plan as { duration: number; scenes: Array<{ start: number; duration: number; events: Array<{ start: number; segment: { kind: string; cue?: { type: string } } }> }> } };
  };

  it('scores each scene by its mood and brief, crossfaded, with hits at the glitch and the sfx cue; the same bytes again', async () => {
    const { clips, plan } = await run();
    const musicClips = clips.filter((clip) => clip.stem === 'music');
    expect(musicClips.map((clip) => clip.name)).toEqual(['music-1-ominous.flac', 'music-2-hopeful.flac', 'music-3-tense.flac']);
    // Beds cover the episode from 0 to [music: stop] (and half a crossfade past it), overlapping by the crossfade; the ambience goes on to the end.
    const cues = (type: string) => plan.scenes.flatMap((scene) => scene.events).filter((event) => event.segment.cue?.type === type).map((event) => event.start);
    const cueAt = (type: string) => cues(type)[0]!;
    expect(musicClips[0]!.start).toBe(0);
    const last = musicClips.at(-1)!;
    expect(last.start! + last.duration!).toBeCloseTo(cues('music')[1]! + 0.75, 3);
    for (let i = 1; i < musicClips.length; i++) expect(musicClips[i]!.start!).toBeLessThan(musicClips[i - 1]!.start! + musicClips[i - 1]!.duration!);
    expect(musicClips[2]!.start).toBeCloseTo(cueAt('music') - 0.75, 3);

    const ambienceClips = clips.filter((clip) => clip.name?.startsWith('ambience'));
    expect(ambienceClips).toHaveLength(2);
    expect(ambienceClips[1]!.start! + ambienceClips[1]!.duration!).toBeCloseTo(plan.duration, 3);
    const glitch = clips.find((clip) => clip.name?.endsWith('-glitch.flac'))!;
    const sfx = clips.find((clip) => clip.name?.endsWith('-sfx.flac'))!;
    expect(glitch.start).toBeCloseTo(cueAt('glitch'), 6);
    expect(sfx.start).toBeCloseTo(cueAt('sfx'), 6);

    // Measured: the data centre hums at 50 Hz, the rainy street hisses.
    const decode = async (clip: AudioClip) => decodeAudio(await h.engine.services.artifacts.localPath(clip), { channels: 2, signal });
    const [inside, outside] = await Promise.all(ambienceClips.map(decode));
    expect(toneDb(inside!, 50) - toneDb(outside!, 50)).toBeGreaterThan(10);
    expect(highDb(outside!) - highDb(inside!)).toBeGreaterThan(10);
    expect(rmsDb(await decode(musicClips[0]!))).toBeGreaterThan(-32);

    const again = await run();
    expect(again.clips.map((clip) => clip.hash)).toEqual(clips.map((clip) => clip.hash));
    // An edit in the second scene: the first scene's bed, ambience and glitch are kept from the earlier run, not synthesised again.
    const before = h.events.length;
    const edited = await run({}, episode.replace('Outside, the rain kept falling.', 'Outside, the rain kept falling, and falling, and falling on the empty street.'));
    const said = h.events.slice(before).filter((event) => event.type === 'log' && event.nodeId === 'score').map((event) => (event as { message: string }).message);
    expect(said).toEqual([expect.stringMatching(/^synthesised [1-9]\d* of \d+ clips; the other [1-9]\d* are from an earlier run$/u)]);
    const byName = (list: AudioClip[], name: string) => list.find((clip) => clip.name === name)!;
    for (const name of ['music-1-ominous.flac', 'ambience-1.flac']) expect(byName(edited.clips, name).hash, name).toBe(byName(clips, name).hash);
    expect(byName(edited.clips, 'music-2-hopeful.flac').hash).not.toBe(byName(clips, 'music-2-hopeful.flac').hash);
    expect(edited.clips.find((clip) => clip.name?.endsWith('-glitch.flac'))!.hash).toBe(glitch.hash);

    const other = await run({ seed: 2, effects: false, ambience: false, musicStyle: 'calm' });
    expect(other.clips.map((clip) => clip.name)).toEqual(['music-1-calm.flac']);
  }, 120_000);
});

describe('assembly.timeline with a score', () => {
  let h: Harness;
  let assets: string;
  beforeAll(async () => {
    h = await createHarness();
    assets = await mkdtemp(join(tmpdir(), 'reelgraph-score-'));
    await makeAssets(assets);
  });
  afterAll(async () => {
    await h.dispose();
    await rm(assets, { recursive: true, force: true });
  });

  const timelineOf = async (timelineParams: Record<string, unknown>): Promise<Timeline> => {
    const format = { profile: 'preview-720p', width: 320, height: 180 };
    const g = graph(
      [
        ['parse', 'script.markdown'],
        ['pace', 'assembly.pace', format],
        ['prompts', 'scene.prompt'],
        ['scenes', 'scene.image', { ...format, assetRoots: [assets], folder: 'stills', motion: 'static' }],
        ['score', 'audio.score'],
        ['timeline', 'assembly.timeline', { ...format, assetRoots: [assets], ...timelineParams }],
      ],
      [
        '$input.episode -> parse.markdown',
        'parse.script -> pace.script',
        'parse.script -> prompts.script',
        'pace.plan -> prompts.plan',
        'prompts.prompts -> scenes.prompts',
        'parse.script -> score.script',
        'pace.plan -> score.plan',
        'parse.script -> timeline.script',
        'pace.plan -> timeline.plan',
        'scenes.clips -> timeline.scenes',
        'score.clips -> timeline.score',
      ],
      { inputs: { episode: { type: 'Markdown' } }, outputs: { timeline: 'timeline.timeline' } },
    );
    const result = await h.run(g, { inputs: { episode: shortEpisode } });
    expect(result.status, result.error?.message).toBe('done');
    return result.outputs.timeline as Timeline;
  };

  it('lays the score’s beds on the music track (ducked) and its ambience and hits on the effects track; an imported bed replaces its music', async () => {
    const scored = await timelineOf({});
    const music = scored.tracks.find((track) => track.kind === 'music')!.clips;
    const effects = scored.tracks.find((track) => track.kind === 'effects')!.clips;
    // The scenes' moods: none stated for the server room and the door (neutral), the rainy street at night mysterious.
    expect(music.map((clip) => clip.id)).toEqual(['score-music-1-neutral', 'score-music-2-mysterious', 'score-music-3-neutral']);
    expect(music[0]!.start).toBe(0);
    expect(effects.map((clip) => clip.id)).toEqual(expect.arrayContaining(['score-ambience-1', 'score-ambience-2', expect.stringMatching(/^score-seg-.*-glitch$/u), expect.stringMatching(/-glitch$/u)]));
    expect(scored.ducking).toMatchObject({ amountDb: 12 });
    for (const clip of [...music, ...effects]) expect(clip.start + clip.duration).toBeLessThanOrEqual(scored.duration + 1e-9);

    const imported = await timelineOf({ music: 'music.wav' });
    expect(imported.tracks.find((track) => track.kind === 'music')!.clips.map((clip) => clip.id)).toEqual(['music']);
    expect(imported.tracks.find((track) => track.kind === 'effects')!.clips.filter((clip) => clip.id.startsWith('score-ambience'))).toHaveLength(effects.filter((clip) => clip.id.startsWith('score-ambience')).length);
  }, 120_000);
});
