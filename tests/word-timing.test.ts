/**
 * Word timings from the audio, measured against known truth: each word
 * spoken on its own by Flite and joined with known gaps (longer after
 * punctuation), so every word's true start and end is exact.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegPath, runTool } from '../runtime/media/binaries.js';
import { fliteProvider } from '../nodes/voice/providers/flite.js';
import { estimateWordTimings, syllables } from '../nodes/voice/word-timing.js';

const RATE = 16_000;
let dir: string;

async function spokenWord(word: string, voice: string): Promise<Int16Array> {
  const workDir = await mkdtemp(join(dir, 'w-'));
  const { path } = await fliteProvider.synthesize({ text: word, settings: { voice }, workDir, signal: new AbortController().signal, credentials: { get: async () => undefined } });
  const trim = 'silenceremove=start_periods=1:start_threshold=-45dB,areverse,silenceremove=start_periods=1:start_threshold=-45dB,areverse';
  const { stdout } = await runTool(ffmpegPath(), ['-v', 'error', '-i', path, '-af', trim, '-f', 's16le', '-ac', '1', '-ar', String(RATE), '-'], { timeoutMs: 30_000 });
  return new Int16Array(stdout.buffer.slice(stdout.byteOffset, stdout.byteOffset + stdout.byteLength));
}

/** The words joined with known gaps; returns the audio and the true timings. */
async function groundTruth(text: string, voice: string): Promise<{ samples: Int16Array; truth: Array<{ word: string; start: number; end: number }> }> {
  const words = text.split(' ');
  const parts: Int16Array[] = [];
  const truth: Array<{ word: string; start: number; end: number }> = [];
  let at = 0.2 * RATE;
  parts.push(new Int16Array(at));
  for (const word of words) {
    const audio = await spokenWord(word.replace(/[.,!?]/g, ''), voice);
    truth.push({ word, start: at / RATE, end: (at + audio.length) / RATE });
    parts.push(audio);
    at += audio.length;
    const gap = Math.round((/[.,!?]$/.test(word) ? 0.3 : 0.03) * RATE);
    parts.push(new Int16Array(gap));
    at += gap;
  }
  const samples = new Int16Array(at);
  let offset = 0;
  for (const part of parts) {
    samples.set(part, offset);
    offset += part.length;
  }
  return { samples, truth };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reelgraph-words-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('word timings from audio', () => {
  it('counts syllables', () => {
    expect(['the', 'machines', 'remember', 'a', 'city', 'strengths'].map(syllables)).toEqual([1, 2, 3, 1, 2, 1]);
  });

  it.each([
    ['slt', 'The grid went dark, and nobody came back. Only the server stayed awake, waiting for someone to listen.'],
    ['rms', 'Eleven years, four months and six days. That is how long I have waited for you, Kael.'],
  ])('lands word starts close to the truth (%s)', async (voice, text) => {
    const { samples, truth } = await groundTruth(text, voice);
    const region = { start: (truth[0] as { start: number }).start, end: (truth.at(-1) as { end: number }).end };
    const estimated = estimateWordTimings(samples, RATE, text, region);
    expect(estimated.map((w) => w.word)).toEqual(truth.map((w) => w.word));
    const errors = estimated.map((w, i) => Math.abs(w.start - (truth[i] as { start: number }).start));
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    // Baseline: the same words spread over the region by syllables, ignoring the audio.
    const spread = estimateWordTimings(new Int16Array(samples.length).fill(1000), RATE, text, region);
    const baseline = spread.reduce((sum, w, i) => sum + Math.abs(w.start - (truth[i] as { start: number }).start), 0) / spread.length;
    // Caption cues need words within about a syllable (~0.1 s), and reading the pauses must beat ignoring them.
    expect(mean).toBeLessThan(0.12);
    expect(mean).toBeLessThan(baseline * 0.7);
    for (let i = 1; i < estimated.length; i++) expect(estimated[i]?.start).toBeGreaterThanOrEqual(estimated[i - 1]?.end ?? 0);
  });
});
