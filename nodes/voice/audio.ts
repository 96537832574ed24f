/**
 * Finishing a raw voice clip: trim leading and trailing silence to a fixed
 * pad, resample to 48 kHz mono, and bring its integrated loudness to a
 * target (engines differ by up to 17 LU). Two ffmpeg passes: measure, then
 * apply one linear gain — exact, unlike single-pass dynamic loudnorm, which
 * pumps on short clips — with a limiter only when the gain would clip.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { PermanentError } from '../../runtime/contract/index.js';
import { runFfmpeg } from '../../runtime/media/ffmpeg.js';
import { parseLoudness } from '../audio/loudness.js';

export const SAMPLE_RATE = 48_000;
const SILENCE_THRESHOLD = '-45dB';
/** True-peak ceiling when gain would clip. */
const CEILING_DBFS = -1;
const FFMPEG_TIMEOUT_MS = 120_000;

export interface FinishOptions {
  targetLufs: number;
  padSeconds: number;
  workDir: string;
  signal: AbortSignal;
}

export interface FinishedClip {
  path: string;
  /** Seconds of silence cut from the start of the raw audio (to move provider word timings). */
  trimmedStart: number;
  /** The speech alone, trimmed, before gain and pads (for reading word timings from the audio). */
  trimmedPath: string;
  /** Integrated loudness of the finished clip. */
  loudness: number;
  /** Seconds of speech between the pads (where the words are). */
  speechStart: number;
  speechDuration: number;
}

/** Below this peak a trimmed clip is silence, not a short line. */
const AUDIBLE_PEAK_DBFS = -50;
/** Enough back-to-back copies of a 40 ms clip to fill one 400 ms loudness block. */
const SHORT_CLIP_REPEATS = 10;

const trimSilence = `silenceremove=start_periods=1:start_threshold=${SILENCE_THRESHOLD},areverse,silenceremove=start_periods=1:start_threshold=${SILENCE_THRESHOLD},areverse`;

async function ffmpeg(args: string[], signal: AbortSignal): Promise<string> {
  const { stderr } = await runFfmpeg(args, { keepLog: true, timeoutMs: FFMPEG_TIMEOUT_MS, signal });
  return stderr;
}

export async function finishClip(rawPath: string, options: FinishOptions): Promise<FinishedClip> {
  const trimmed = join(options.workDir, 'trimmed.wav');
  const measureLog = await ffmpeg(
    ['-i', rawPath, '-af', `silencedetect=noise=${SILENCE_THRESHOLD}:d=0.01,${trimSilence},aresample=${SAMPLE_RATE},ebur128=peak=true`, '-ac', '1', '-ar', String(SAMPLE_RATE), '-c:a', 'pcm_s16le', trimmed],
    options.signal,
  );
  let measured = parseLoudness(measureLog);
  // Integrated loudness needs one 400 ms block: a very short line ("Only me.") has none and reads as silence
  // although its peak is plainly speech. Measure it repeated back to back instead, which keeps its level.
  if (measured && measured.integrated <= -70 && measured.peak > AUDIBLE_PEAK_DBFS) {
    measured = parseLoudness(await ffmpeg(['-stream_loop', String(SHORT_CLIP_REPEATS - 1), '-i', trimmed, '-af', 'ebur128=peak=true', '-f', 'null', '-'], options.signal)) ?? measured;
  }
  // Loudness is gated below -70 LUFS: a clip that quiet has no speech in it.
  if (!measured || !Number.isFinite(measured.integrated) || measured.integrated <= -70) {
    throw new PermanentError('the voice came back silent (no speech after trimming silence)');
  }
  const gain = options.targetLufs - measured.integrated;
  const limiter = measured.peak + gain > CEILING_DBFS ? `,alimiter=limit=${10 ** (CEILING_DBFS / 20)}:level=0` : '';
  const padMs = Math.round(options.padSeconds * 1000);
  const finished = join(options.workDir, 'finished.wav');
  const final = parseLoudness(
    await ffmpeg(
      [
        '-i',
        trimmed,
        '-af',
        `volume=${gain.toFixed(2)}dB${limiter},adelay=${padMs},apad=pad_len=${Math.round(options.padSeconds * SAMPLE_RATE)},ebur128=peak=true`,
        '-ac',
        '1',
        '-ar',
        String(SAMPLE_RATE),
        '-c:a',
        'pcm_s16le',
        finished,
      ],
      options.signal,
    ),
  );
  const speechDuration = await wavDuration(trimmed);
  return { path: finished, trimmedPath: trimmed, trimmedStart: leadingSilence(measureLog), loudness: final?.integrated ?? options.targetLufs, speechStart: options.padSeconds, speechDuration };
}

/** Where the first silence silencedetect saw ends, when the audio starts with it. */
function leadingSilence(log: string): number {
  const start = /silence_start: (-?[\d.]+)/.exec(log);
  const end = /silence_end: ([\d.]+)/.exec(log);
  return start && end && Number(start[1]) <= 0.01 ? Number(end[1]) : 0;
}

/** Duration of a PCM WAV from its header: data bytes / (rate × channels × bytes per sample). */
async function wavDuration(path: string): Promise<number> {
  const file = await open(path, 'r');
  try {
    const header = Buffer.alloc(4096);
    const { bytesRead } = await file.read(header, 0, header.length, 0);
    const head = header.subarray(0, bytesRead);
    const channels = head.readUInt16LE(22);
    const rate = head.readUInt32LE(24);
    const bits = head.readUInt16LE(34);
    const data = head.indexOf('data', 12, 'ascii');
    const dataBytes = data >= 0 ? head.readUInt32LE(data + 4) : 0;
    return dataBytes / (rate * channels * (bits / 8));
  } finally {
    await file.close();
  }
}
