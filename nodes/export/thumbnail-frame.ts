/**
 * Which frame the thumbnail shows when no time is given: candidates a third,
 * a half and two thirds into each scene, none in a transition, a glitch or
 * flash, or an overlay's first moments (a terminal powering on), each scored
 * on a small grey copy of the frame by its detail (mean gradient) and
 * contrast, so a sharp, lit, busy picture wins over a dark, blank or blurred one.
 */
import { availableParallelism } from 'node:os';
import type { Timeline } from '../../runtime/contract/index.js';
import { ffmpegPath, runTool } from '../../runtime/media/binaries.js';
import { mapLimited } from '../../runtime/util/map-limited.js';

/** Seconds around a cut, transition or effect that a thumbnail avoids. */
const TRANSITION_GUARD = 0.3;
/** An overlay's first seconds: a terminal powering on, slicing and glitching. */
const OVERLAY_SETTLE = 1.5;
/** Candidates scored at most: each costs one seek and decode. */
const MAX_CANDIDATES = 9;
/** Width of the grey copy a candidate is scored on. */
const SCORE_WIDTH = 160;

export interface Span {
  from: number;
  to: number;
}

/** Stretches of the timeline a thumbnail should not come from. */
export function unsettledSpans(timeline: Timeline): Span[] {
  const spans: Span[] = [];
  for (const track of timeline.tracks) {
    for (const clip of track.clips) {
      if (track.kind === 'video') {
        const length = clip.transitionIn && clip.transitionIn.kind !== 'cut' ? clip.transitionIn.duration : 0;
        spans.push({ from: clip.start - TRANSITION_GUARD, to: clip.start + length + TRANSITION_GUARD });
      }
      if (track.kind === 'overlay') spans.push({ from: clip.start - TRANSITION_GUARD, to: clip.start + OVERLAY_SETTLE });
      if (clip.effect) spans.push({ from: clip.start - TRANSITION_GUARD, to: clip.start + clip.duration + TRANSITION_GUARD });
    }
  }
  return spans;
}

/**
 * Times worth scoring, in episode order: in each scene a third, a half and
 * two thirds in, outside every unsettled span. Given the captions, times
 * between lines are taken when there are any: a burned-in caption under the
 * title card reads as clutter (Shorts burn theirs in the middle of the frame).
 */
export function thumbnailCandidates(timeline: Timeline, videoDuration: number, captions: readonly Span[] = []): number[] {
  const spans = unsettledSpans(timeline);
  const last = Math.max(0, videoDuration - 1 / timeline.fps);
  const within = (time: number, list: readonly Span[]): boolean => list.some((span) => time >= span.from && time <= span.to);
  const settled = timeline.scenes
    .flatMap((scene) => [1 / 3, 1 / 2, 2 / 3].map((at) => scene.start + scene.duration * at))
    .filter((time) => time >= 0 && time <= last && !within(time, spans));
  const quiet = settled.filter((time) => !within(time, captions));
  const all = quiet.length > 0 ? quiet : settled;
  if (all.length <= MAX_CANDIDATES) return all;
  // Spread over the whole episode rather than its opening.
  return Array.from({ length: MAX_CANDIDATES }, (_, i) => all[Math.floor((i * all.length) / MAX_CANDIDATES)]!);
}

/** Detail times contrast of a grey frame (row-major bytes): high for a sharp, lit, busy picture. */
export function frameScore(grey: Uint8Array, width: number): number {
  const height = Math.floor(grey.length / width);
  if (width < 2 || height < 2) return 0;
  let gradient = 0;
  let sum = 0;
  let squares = 0;
  for (let y = 0; y < height - 1; y++) {
    for (let x = 0; x < width - 1; x++) {
      const v = grey[y * width + x]!;
      gradient += Math.abs(v - grey[y * width + x + 1]!) + Math.abs(v - grey[(y + 1) * width + x]!);
      sum += v;
      squares += v * v;
    }
  }
  const n = (width - 1) * (height - 1);
  const mean = sum / n;
  const contrast = Math.sqrt(Math.max(0, squares / n - mean * mean));
  return (gradient / n) * contrast;
}

async function greyFrame(video: string, time: number, signal: AbortSignal): Promise<Uint8Array> {
  const { stdout } = await runTool(
    ffmpegPath(),
    ['-hide_banner', '-nostats', '-loglevel', 'error', '-ss', time.toFixed(3), '-i', video, '-frames:v', '1', '-vf', `scale=${SCORE_WIDTH}:-2,format=gray`, '-f', 'rawvideo', 'pipe:1'],
    { signal, timeoutMs: 30_000, location: { file: video } },
  );
  return new Uint8Array(stdout.buffer, stdout.byteOffset, stdout.length);
}

export interface ChosenFrame {
  time: number;
  score: number;
  /** Candidates scored. */
  scored: number;
}

/**
 * Candidates decoded at once. Each is a seek and a decode of up to a keyframe interval, and the package that picks
 * the thumbnail is the last step of every render, on its own: two at a time took 0.86 s for nine 1080p candidates
 * against 1.1 s one after another (two cores).
 */
const CANDIDATES_AT_ONCE = Math.max(1, Math.min(4, availableParallelism()));

/** The best-scoring candidate of the video (the earliest of equals), or undefined when there is none. */
export async function chooseThumbnailFrame(video: string, candidates: number[], signal: AbortSignal): Promise<ChosenFrame | undefined> {
  const scores = await mapLimited(candidates, CANDIDATES_AT_ONCE, async (time) => frameScore(await greyFrame(video, time, signal), SCORE_WIDTH));
  let best: Omit<ChosenFrame, 'scored'> | undefined;
  scores.forEach((score, i) => {
    if (!best || score > best.score) best = { time: candidates[i]!, score };
  });
  return best && { ...best, scored: candidates.length };
}
