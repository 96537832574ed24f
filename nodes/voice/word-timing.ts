/**
 * Word timings for engines that give none (Flite), from the audio itself:
 * find the pauses in the speech by frame energy, hang each pause on the word
 * boundary it most likely belongs to (punctuation first), and spread the
 * words of each stretch between pauses by their syllable count. Good enough
 * for caption cues and word highlighting; providers with alignment replace it.
 */
import type { WordTiming } from './providers/provider.js';

const FRAME_SECONDS = 0.01;
/** A frame is voiced when within this many dB of the loudest frame. */
const VOICED_RANGE_DB = 30;
/** Shorter quiet runs are stop consonants, not pauses. */
const MIN_PAUSE_SECONDS = 0.18;
/** Cost of leaving a detected pause unassigned (a breath, a stop consonant), in fractions of the speech. */
const SKIP_PAUSE_COST = 0.15;
/** Extra cost of hanging a pause on a boundary without punctuation. */
const UNPUNCTUATED_PAUSE_COST = 0.05;

/** Vowel groups, after the silent endings (-es, -ed, -e) that add none: "machines" 2, "remember" 3. */
export function syllables(word: string): number {
  const stem = word
    .toLowerCase()
    .replace(/[^a-z]/g, '')
    .replace(/(?:[^laeiouytd]es|[^laeiouytd]ed|[^laeiouy]e)$/, (m) => m[0] as string)
    .replace(/^y/, '');
  return Math.max(1, stem.match(/[aeiouy]{1,2}/g)?.length ?? 0);
}

/** Quiet stretches strictly inside [start, end], in seconds. */
export function findPauses(samples: Int16Array, sampleRate: number, start: number, end: number): Array<{ start: number; end: number }> {
  const frame = Math.max(1, Math.round(FRAME_SECONDS * sampleRate));
  const first = Math.floor((start * sampleRate) / frame);
  const last = Math.min(Math.floor(samples.length / frame), Math.ceil((end * sampleRate) / frame));
  const energy: number[] = [];
  for (let f = first; f < last; f++) {
    let sum = 0;
    for (let i = f * frame; i < (f + 1) * frame; i++) sum += (samples[i] ?? 0) ** 2;
    energy.push(10 * Math.log10(sum / frame + 1e-9));
  }
  const threshold = Math.max(...energy) - VOICED_RANGE_DB;
  const pauses: Array<{ start: number; end: number }> = [];
  let run = -1;
  energy.forEach((db, i) => {
    const quiet = db < threshold;
    if (quiet && run < 0) run = i;
    if ((!quiet || i === energy.length - 1) && run >= 0) {
      const stop = quiet ? i + 1 : i;
      const seconds = (stop - run) * FRAME_SECONDS;
      // Quiet at the very edges is lead-in or tail, not a pause between words.
      if (seconds >= MIN_PAUSE_SECONDS && run > 0 && stop < energy.length) {
        pauses.push({ start: ((first + run) * frame) / sampleRate, end: ((first + stop) * frame) / sampleRate });
      }
      run = -1;
    }
  });
  return pauses;
}

export function estimateWordTimings(samples: Int16Array, sampleRate: number, text: string, region: { start: number; end: number }): WordTiming[] {
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length === 0 || region.end <= region.start) return [];
  const pauses = findPauses(samples, sampleRate, region.start, region.end);
  const weights = words.map((w) => syllables(w) + 0.5);
  const total = weights.reduce((a, b) => a + b, 0);
  // Where each word boundary falls, as a fraction of the speech, if words took time by syllables.
  const boundaries: number[] = [];
  let cumulative = 0;
  for (const weight of weights.slice(0, -1)) {
    cumulative += weight;
    boundaries.push(cumulative / total);
  }
  const assigned = alignPauses(pauses, boundaries, words, region);
  // Spread the words of each stretch between assigned pauses over that stretch, by weight.
  const timings: WordTiming[] = [];
  let groupStart = 0;
  let spanStart = region.start;
  for (let i = 0; i < words.length; i++) {
    const pause = assigned.get(i);
    if (pause === undefined && i < words.length - 1) continue;
    const spanEnd = pause?.start ?? region.end;
    const group = words.slice(groupStart, i + 1);
    const groupWeights = weights.slice(groupStart, i + 1);
    const groupTotal = groupWeights.reduce((a, b) => a + b, 0);
    let t = spanStart;
    group.forEach((word, k) => {
      const duration = ((spanEnd - spanStart) * (groupWeights[k] as number)) / groupTotal;
      timings.push({ word, start: round(t), end: round(t + duration) });
      t += duration;
    });
    groupStart = i + 1;
    spanStart = pause?.end ?? spanEnd;
  }
  return timings;
}

/**
 * Which word boundary each pause belongs to: a monotonic alignment (dynamic
 * programming) of pauses to boundaries that minimises how far each pause sits
 * from where its boundary would fall, preferring boundaries at punctuation.
 * A greedy choice goes wrong as soon as one word runs long.
 */
function alignPauses(
  pauses: Array<{ start: number; end: number }>,
  boundaries: number[],
  words: string[],
  region: { start: number; end: number },
): Map<number, { start: number; end: number }> {
  const voiced = region.end - region.start - pauses.reduce((sum, p) => sum + (p.end - p.start), 0);
  let before = 0;
  let previousEnd = region.start;
  const at = pauses.map((pause) => {
    before += pause.start - previousEnd;
    previousEnd = pause.end;
    return before / voiced;
  });
  // Speech engines pause almost only where the writer punctuated: other boundaries cost extra.
  const cost = (p: number, b: number): number => {
    const distance = Math.abs((boundaries[b] as number) - (at[p] as number));
    return /[.,!?;:…—]$/.test(words[b] ?? '') ? distance * 0.5 : distance + UNPUNCTUATED_PAUSE_COST;
  };
  const P = pauses.length;
  const B = boundaries.length;
  // best[p][b]: least cost placing pauses p.. using boundaries b..
  const best = Array.from({ length: P + 1 }, () => new Array<number>(B + 1).fill(0));
  const choice = Array.from({ length: P + 1 }, () => new Array<'skip-pause' | 'skip-boundary' | 'match'>(B + 1).fill('skip-pause'));
  for (let p = P - 1; p >= 0; p--) {
    (best[p] as number[])[B] = (P - p) * SKIP_PAUSE_COST;
    for (let b = B - 1; b >= 0; b--) {
      const options: Array<[number, 'skip-pause' | 'skip-boundary' | 'match']> = [
        [SKIP_PAUSE_COST + (best[p + 1] as number[])[b]!, 'skip-pause'],
        [(best[p] as number[])[b + 1]!, 'skip-boundary'],
        [cost(p, b) + (best[p + 1] as number[])[b + 1]!, 'match'],
      ];
      const [value, move] = options.reduce((min, option) => (option[0] < min[0] ? option : min));
      (best[p] as number[])[b] = value;
      (choice[p] as Array<string>)[b] = move;
    }
  }
  const assigned = new Map<number, { start: number; end: number }>();
  for (let p = 0, b = 0; p < P && b < B; ) {
    const move = (choice[p] as Array<string>)[b];
    if (move === 'match') assigned.set(b++, pauses[p++] as { start: number; end: number });
    else if (move === 'skip-pause') p++;
    else b++;
  }
  return assigned;
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
