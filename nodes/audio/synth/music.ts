/**
 * The music bed: a small generative score per mood — a pad of the chord,
 * a bass on the beat and, for some moods, plucked arpeggio notes or sparse
 * bells — synthesised from a clock alone. Every sample is a function of its
 * frame number, the style and the seed (no state), so a bed can be rendered
 * a block at a time from anywhere and a render repeats exactly.
 */
import { hashUnit, midiToHz, SAMPLE_RATE, sineCycles } from './dsp.js';

export interface MusicStyle {
  /** Beats per minute; a bar is four beats. */
  tempo: number;
  /** MIDI note of the key's tonic (the pad's octave). */
  root: number;
  /** Semitones of the scale's degrees. */
  scale: readonly number[];
  /** Scale degree (0-based) of each bar's chord root, cycled. */
  progression: readonly number[];
  /** Pad brightness: how much of the second and third harmonic. */
  brightness: number;
  /** Bass notes per beat (0: none, 1: on the beat, 2: eighths). */
  bassPerBeat: number;
  /** Arpeggio notes per beat (0: none). */
  arpPerBeat: number;
  /** Chance that a beat rings a bell (sparse high notes). */
  bells: number;
  /** Slow swell of the pad (0–1). */
  swell: number;
  /** Multiplier bringing the style near −20 dBFS RMS (measured). */
  norm: number;
}

const MINOR = [0, 2, 3, 5, 7, 8, 10];
const MAJOR = [0, 2, 4, 5, 7, 9, 11];
const DORIAN = [0, 2, 3, 5, 7, 9, 10];
const PHRYGIAN = [0, 1, 3, 5, 7, 8, 10];

/** The moods the script engine reads (runtime/contract/script.ts `brief.mood`), and `neutral` for a scene without one. */
export const musicStyles = {
  ominous: { tempo: 56, root: 50, scale: PHRYGIAN, progression: [0, 0, 5, 1], brightness: 0.15, bassPerBeat: 0.5, arpPerBeat: 0, bells: 0.08, swell: 0.6, norm: 0.68 },
  tense: { tempo: 96, root: 52, scale: MINOR, progression: [0, 0, 5, 6], brightness: 0.3, bassPerBeat: 2, arpPerBeat: 2, bells: 0, swell: 0.3, norm: 0.58 },
  mysterious: { tempo: 66, root: 50, scale: DORIAN, progression: [0, 3, 0, 6], brightness: 0.25, bassPerBeat: 0.5, arpPerBeat: 0, bells: 0.25, swell: 0.5, norm: 0.66 },
  melancholic: { tempo: 64, root: 57, scale: MINOR, progression: [0, 5, 2, 6], brightness: 0.2, bassPerBeat: 1, arpPerBeat: 1, bells: 0, swell: 0.4, norm: 0.62 },
  hopeful: { tempo: 84, root: 55, scale: MAJOR, progression: [0, 4, 5, 3], brightness: 0.35, bassPerBeat: 1, arpPerBeat: 2, bells: 0, swell: 0.3, norm: 0.6 },
  energetic: { tempo: 118, root: 52, scale: MINOR, progression: [0, 5, 2, 6], brightness: 0.45, bassPerBeat: 2, arpPerBeat: 4, bells: 0, swell: 0.2, norm: 0.58 },
  calm: { tempo: 60, root: 53, scale: MAJOR, progression: [0, 3, 0, 4], brightness: 0.15, bassPerBeat: 0.5, arpPerBeat: 0, bells: 0.15, swell: 0.5, norm: 0.68 },
  playful: { tempo: 108, root: 60, scale: MAJOR, progression: [0, 5, 3, 4], brightness: 0.4, bassPerBeat: 1, arpPerBeat: 2, bells: 0, swell: 0.2, norm: 0.58 },
  neutral: { tempo: 70, root: 50, scale: DORIAN, progression: [0, 5, 3, 4], brightness: 0.2, bassPerBeat: 0.5, arpPerBeat: 1, bells: 0, swell: 0.4, norm: 0.62 },
} as const satisfies Record<string, MusicStyle>;
export type MusicStyleName = keyof typeof musicStyles;
export const musicStyleNames = Object.keys(musicStyles) as MusicStyleName[];

/** The style for a scene's mood; a mood the table does not know (or none) plays `neutral`. */
export function styleForMood(mood: string | undefined): MusicStyleName {
  return mood !== undefined && Object.prototype.hasOwnProperty.call(musicStyles, mood) ? (mood as MusicStyleName) : 'neutral';
}

/** MIDI note of scale degree `degree` (may pass the octave) above the style's root. */
function degreeNote(style: MusicStyle, degree: number): number {
  const size = style.scale.length;
  const octave = Math.floor(degree / size);
  return style.root + 12 * octave + style.scale[((degree % size) + size) % size]!;
}

/** The chord of bar `bar`: root, third and fifth (as MIDI notes). */
function chord(style: MusicStyle, bar: number): [number, number, number] {
  const degree = style.progression[((bar % style.progression.length) + style.progression.length) % style.progression.length]!;
  return [degreeNote(style, degree), degreeNote(style, degree + 2), degreeNote(style, degree + 4)];
}

const PAD_DETUNE = 0.0035;
/** Bars per section: a long bed changes its arrangement (not its pad) at these boundaries. */
const SECTION_BARS = 8;

const TABLE_SIZE = 4096;

/** One period of a pad tone: the fundamental with `brightness` of its second and third harmonics (one lookup per partial instead of three). */
function padWave(brightness: number): Float64Array {
  const table = new Float64Array(TABLE_SIZE + 1);
  for (let i = 0; i <= TABLE_SIZE; i++) {
    const x = (2 * Math.PI * i) / TABLE_SIZE;
    table[i] = Math.sin(x) + brightness * (0.5 * Math.sin(2 * x) + 0.25 * Math.sin(3 * x));
  }
  return table;
}

const padWaves = new Map<number, Float64Array>();
function padWaveOf(brightness: number): Float64Array {
  let table = padWaves.get(brightness);
  if (!table) {
    table = padWave(brightness);
    padWaves.set(brightness, table);
  }
  return table;
}

function lookup(table: Float64Array, cycles: number): number {
  const phase = (cycles - Math.floor(cycles)) * TABLE_SIZE;
  const index = phase | 0;
  const a = table[index]!;
  return a + (table[index + 1]! - a) * (phase - index);
}

/** One chord's pad at time t: each tone as two detuned partials (left, right); `hz` holds the chord root an octave down last. */
function pad(wave: Float64Array, hz: Float64Array, t: number, out: [number, number]): void {
  let left = 0;
  let right = 0;
  const tones = hz.length - 1;
  for (let i = 0; i < tones; i++) {
    const f = hz[i]! * t;
    left += lookup(wave, f * (1 - PAD_DETUNE));
    right += lookup(wave, f * (1 + PAD_DETUNE));
  }
  const low = 0.6 * sineCycles(hz[tones]! * t);
  out[0] = (left + low) / tones;
  out[1] = (right + low) / tones;
}

/** A plucked note `age` seconds after it began: a few harmonics decaying, with a 4 ms attack. */
function pluck(hz: number, age: number, t: number, decay: number): number {
  if (age < 0) return 0;
  const e = Math.exp(-decay * age);
  const envelope = Math.min(1, age / 0.004) * e;
  if (envelope < 1e-4) return 0;
  const e3 = e * e * e;
  const f = hz * t;
  return envelope * (sineCycles(f) + 0.35 * sineCycles(2 * f) * e3 + 0.12 * sineCycles(3 * f) * e3 * e * e);
}

interface Note {
  hz: number;
  pan: number;
  on: boolean;
}

/**
 * The notes sounding at a step index: the one begun at `index` and the
 * `depth - 1` before it, recomputed only when the index moves on.
 */
class Ringing {
  private index = Number.NaN;
  readonly notes: Note[] = [];
  constructor(
    private readonly depth: number,
    private readonly make: (index: number) => Note,
  ) {}
  at(index: number): Note[] {
    if (index !== this.index) {
      if (index === this.index + 1) {
        this.notes.pop();
        this.notes.unshift(this.make(index));
      } else {
        this.notes.length = 0;
        for (let k = 0; k < this.depth; k++) this.notes.push(this.make(index - k));
      }
      this.index = index;
    }
    return this.notes;
  }
}

/**
 * Adds the style's bed at episode frames [first, first + frames) into `out`
 * (interleaved stereo) times `gain(i)`, the clip's fade at frame i.
 */
export function renderMusic(styleName: MusicStyleName, seed: number, first: number, frames: number, out: Float32Array, gain: (i: number) => number): void {
  const style: MusicStyle = musicStyles[styleName];
  const beatSeconds = 60 / style.tempo;
  const barSeconds = 4 * beatSeconds;
  const glide = Math.min(0.6, barSeconds * 0.2);
  const chordAt = (seconds: number): [number, number, number] => chord(style, Math.floor((seconds + 1e-9) / barSeconds));
  const padTones = new Map<number, Float64Array>();
  const tonesOf = (bar: number): Float64Array => {
    let hz = padTones.get(bar);
    if (!hz) {
      const notes = chord(style, bar);
      hz = Float64Array.from([...notes.map(midiToHz), midiToHz(notes[0] - 12)]);
      padTones.set(bar, hz);
    }
    return hz;
  };
  // A long bed varies by sections of 8 bars (the first always plays in full): now and then the arpeggio or the bass rests.
  const section = (seconds: number): number => hashUnit(seed, Math.floor((seconds + 1e-9) / (SECTION_BARS * barSeconds)), 13);
  const rests = (seconds: number, part: 'arp' | 'bass'): boolean => {
    if (seconds < SECTION_BARS * barSeconds) return false;
    const v = section(seconds);
    return part === 'arp' ? v < 0.25 : v >= 0.25 && v < 0.4;
  };
  const bassStep = style.bassPerBeat > 0 ? beatSeconds / style.bassPerBeat : 0;
  const bass = new Ringing(2, (index) => ({ hz: midiToHz(chordAt(index * bassStep)[0] - 24), pan: 0.5, on: !rests(index * bassStep, 'bass') }));
  const arpStep = style.arpPerBeat > 0 ? beatSeconds / style.arpPerBeat : 0;
  const arp = new Ringing(2, (index) => {
    const pick = hashUnit(seed, index);
    const tone = chordAt(index * arpStep)[Math.floor(pick * 3)]! + 12 * (pick > 0.8 ? 1 : 0);
    return { hz: midiToHz(tone), pan: 0.5 + 0.4 * (hashUnit(seed, index, 7) - 0.5), on: !rests(index * arpStep, 'arp') };
  });
  const bell = new Ringing(4, (beat) => {
    const on = hashUnit(seed, beat, 3) < style.bells;
    const tone = chordAt(beat * beatSeconds)[Math.floor(hashUnit(seed, beat, 5) * 3)]! + 24;
    return { hz: midiToHz(tone), pan: hashUnit(seed, beat, 11), on };
  });
  const wave = padWaveOf(style.brightness);
  const padOut: [number, number] = [0, 0];
  const previousOut: [number, number] = [0, 0];
  for (let i = 0; i < frames; i++) {
    const g = gain(i);
    if (g <= 0) continue;
    const t = (first + i) / SAMPLE_RATE;
    const bar = Math.floor(t / barSeconds);
    const inBar = t - bar * barSeconds;
    // The pad glides from the last bar's chord into this one.
    pad(wave, tonesOf(bar), t, padOut);
    let left = padOut[0];
    let right = padOut[1];
    if (inBar < glide) {
      const w = 0.5 - 0.5 * Math.cos((Math.PI * inBar) / glide);
      pad(wave, tonesOf(bar - 1), t, previousOut);
      left = w * left + (1 - w) * previousOut[0];
      right = w * right + (1 - w) * previousOut[1];
    }
    const swell = 1 - style.swell * 0.5 * (1 + sineCycles(t / (2 * barSeconds)));
    left *= 0.3 * swell;
    right *= 0.3 * swell;

    if (bassStep > 0) {
      const index = Math.floor(t / bassStep);
      const notes = bass.at(index);
      for (let k = 0; k < 2; k++) {
        if (!notes[k]!.on) continue;
        const value = 0.35 * pluck(notes[k]!.hz, t - (index - k) * bassStep, t, 2.5 / bassStep);
        left += value;
        right += value;
      }
    }
    if (arpStep > 0) {
      const index = Math.floor(t / arpStep);
      const notes = arp.at(index);
      for (let k = 0; k < 2; k++) {
        const note = notes[k]!;
        if (!note.on) continue;
        const value = 0.16 * pluck(note.hz, t - (index - k) * arpStep, t, 3 / arpStep);
        left += value * (1 - note.pan) * 2;
        right += value * note.pan * 2;
      }
    }
    if (style.bells > 0) {
      const index = Math.floor(t / beatSeconds);
      const notes = bell.at(index);
      for (let k = 0; k < 4; k++) {
        const note = notes[k]!;
        if (!note.on) continue;
        const value = 0.1 * pluck(note.hz, t - (index - k) * beatSeconds, t, 1.2);
        left += value * (1 - note.pan) * 2;
        right += value * note.pan * 2;
      }
    }
    out[i * 2] = out[i * 2]! + left * style.norm * g;
    out[i * 2 + 1] = out[i * 2 + 1]! + right * style.norm * g;
  }
}
