/**
 * Media metadata via ffprobe: duration, picture size, frame rate and audio
 * format, normalised into plain numbers.
 */
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

import type { MediaMetadata } from '../contract/artifacts.js';
import { PermanentError, type ErrorLocation } from '../contract/errors.js';
import { ffprobePath, runTool, ToolError } from './binaries.js';

export interface MediaStreamInfo extends MediaMetadata {
  index: number;
  /** `video`, `audio`, `subtitle`, `data`, … as ffprobe names it. */
  type: string;
  codec?: string;
  /** Cover art embedded in an audio file: a picture, not the video of the file. */
  attachedPicture?: boolean;
}

export interface MediaInfo extends MediaMetadata {
  /** ffprobe's demuxer name(s), e.g. `mov,mp4,m4a,3gp,3g2,mj2`, `wav`, `png_pipe`. */
  formatName: string;
  streams: MediaStreamInfo[];
}

export interface ProbeOptions {
  signal?: AbortSignal;
  /** Default 60 s: probing reads headers only, so anything slower is stuck. */
  timeoutMs?: number;
}

const DEFAULT_PROBE_TIMEOUT_MS = 60_000;

/** The file exists but holds no audio or video ffprobe can read. */
export class UnreadableMediaError extends PermanentError {
  readonly file: string;
  /** ffprobe's own words, e.g. "Invalid data found when processing input". */
  readonly reason: string;

  constructor(file: string, reason: string, cause?: unknown) {
    super(`"${file}" is not readable media: ${reason}`, { location: { file }, cause });
    this.file = file;
    this.reason = reason;
  }
}

/**
 * Reads the media at `path`. A missing file is a `PermanentError`, a file
 * that is not media an `UnreadableMediaError`; both name the file.
 */
export async function probeMedia(path: string, options: ProbeOptions = {}): Promise<MediaInfo> {
  const file = resolve(path);
  const location: ErrorLocation = { file };
  await assertReadableFile(file, location);

  // The `file:` protocol keeps a path from being read as an option (`-x`) or
  // as another protocol (`concat:…`, `http://…`).
  const args = ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', `file:${file}`];

  let stdout: Buffer;
  try {
    ({ stdout } = await runTool(ffprobePath(), args, {
      timeoutMs: options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS,
      signal: options.signal,
      location,
    }));
  } catch (error) {
    if (error instanceof ToolError && error.exitCode !== null) {
      throw new UnreadableMediaError(file, ffprobeReason(error.stderrTail), error);
    }
    throw error;
  }
  return parseProbeOutput(stdout.toString('utf8'), file);
}

/** The number of packets in the first video stream, counted by reading them (not the container's claim). */
export async function countVideoPackets(path: string, options: ProbeOptions = {}): Promise<number> {
  const file = resolve(path);
  await assertReadableFile(file, { file });
  const args = ['-v', 'error', '-select_streams', 'v:0', '-count_packets', '-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', `file:${file}`];
  const { stdout } = await runTool(ffprobePath(), args, { timeoutMs: options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS, signal: options.signal, location: { file } });
  const count = Number.parseInt(stdout.toString('utf8').trim(), 10);
  if (!Number.isInteger(count)) throw new UnreadableMediaError(file, 'no video stream to count');
  return count;
}

async function assertReadableFile(file: string, location: ErrorLocation): Promise<void> {
  let stats: Stats;
  try {
    stats = await stat(file);
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(cause);
    throw new PermanentError(`cannot probe "${file}": ${why}`, { location, cause });
  }
  // A named pipe is a legitimate stream of media; a directory or device is not.
  if (!stats.isFile() && !stats.isFIFO()) throw new PermanentError(`cannot probe "${file}": not a file`, { location });
}

/** ffprobe prefixes its complaint with the input URL; the reason is what follows. */
function ffprobeReason(stderrTail: string): string {
  const line = stderrTail.trim().split('\n').pop() ?? '';
  return line.replace(/^file:.*?: /, '') || 'ffprobe failed without a message';
}

/* ---------- ffprobe JSON → MediaInfo ---------- */

interface FfprobeStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  sample_rate?: string;
  channels?: number;
  duration?: string;
  disposition?: { attached_pic?: number };
}

interface FfprobeOutput {
  format?: { format_name?: string; duration?: string };
  streams?: FfprobeStream[];
}

/** Exported for tests: turns ffprobe's `-print_format json` output into `MediaInfo`. */
export function parseProbeOutput(json: string, file: string): MediaInfo {
  let output: FfprobeOutput;
  try {
    output = JSON.parse(json) as FfprobeOutput;
  } catch (cause) {
    throw new UnreadableMediaError(file, 'ffprobe printed invalid JSON', cause);
  }
  const formatName = output.format?.format_name ?? '';
  const streams = (output.streams ?? []).map(toStreamInfo);
  const video = streams.find((s) => s.type === 'video' && !s.attachedPicture);
  const audio = streams.find((s) => s.type === 'audio');
  if (!video && !audio) {
    throw new UnreadableMediaError(file, `no audio or video stream (format: ${formatName || 'unknown'})`);
  }

  const info: MediaInfo = { formatName, streams };
  const still = isStillImageFormat(formatName);
  if (!still) assign(info, 'duration', parseSeconds(output.format?.duration) ?? longestStream(streams));
  if (video) {
    assign(info, 'width', video.width);
    assign(info, 'height', video.height);
    if (!still) assign(info, 'frameRate', video.frameRate);
  }
  if (audio) {
    assign(info, 'sampleRate', audio.sampleRate);
    assign(info, 'channels', audio.channels);
  }
  return info;
}

function toStreamInfo(stream: FfprobeStream, position: number): MediaStreamInfo {
  const info: MediaStreamInfo = { index: stream.index ?? position, type: stream.codec_type ?? 'unknown' };
  assign(info, 'codec', stream.codec_name);
  assign(info, 'duration', parseSeconds(stream.duration));
  assign(info, 'width', positive(stream.width));
  assign(info, 'height', positive(stream.height));
  assign(info, 'frameRate', parseRate(stream.avg_frame_rate) ?? parseRate(stream.r_frame_rate));
  assign(info, 'sampleRate', positive(Number(stream.sample_rate)));
  assign(info, 'channels', positive(stream.channels));
  if (stream.disposition?.attached_pic === 1) info.attachedPicture = true;
  return info;
}

/**
 * Single images are read by the `image2` demuxer or a `*_pipe` one; ffprobe
 * reports a nominal 25 fps (and sometimes one frame's duration) for them,
 * which would be nonsense for a still.
 */
function isStillImageFormat(formatName: string): boolean {
  return formatName.split(',').some((name) => name === 'image2' || name.endsWith('_pipe'));
}

function longestStream(streams: MediaStreamInfo[]): number | undefined {
  const durations = streams.map((s) => s.duration).filter((d): d is number => d !== undefined);
  return durations.length > 0 ? Math.max(...durations) : undefined;
}

/** "30000/1001" → 29.97…; "0/0" (unknown) → undefined. */
export function parseRate(rate: string | undefined): number | undefined {
  const match = /^(\d+)\/(\d+)$/.exec(rate ?? '');
  if (!match) return positive(Number(rate));
  return positive(Number(match[1]) / Number(match[2]));
}

/** ffprobe prints seconds as decimal strings, or "N/A". */
function parseSeconds(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

function positive(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Sets optional properties only when known, so results stay free of `undefined` keys. */
function assign<T, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}
