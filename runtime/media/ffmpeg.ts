/**
 * The one way nodes run ffmpeg to make a file: the resolved binary, the flags
 * every such call shares, ffmpeg's own progress turned into a fraction, and
 * `runTool`'s deadline, abort and reaping rules (the deadline stays required).
 */
import { once } from 'node:events';
import { PermanentError } from '../contract/index.js';
import {
  ffmpegPath,
  runTool,
  startTool,
  type RunningTool,
  type RunToolOptions,
  type StartToolOptions,
  type ToolResult,
} from './binaries.js';

export interface FfmpegProgress {
  /** The frames the output will hold: `frame=` over this is the fraction. */
  frames: number;
  report(fraction: number): void;
}

export interface FfmpegFlags {
  /**
   * ffmpeg's progress on stdout (`-progress pipe:1`), reported as a fraction.
   * Only for outputs that are files: stdout then carries nothing else.
   */
  progress?: FfmpegProgress;
  /**
   * Keep ffmpeg's informational log on stderr, for callers that read a
   * filter's report from it (the `ebur128` loudness summary). Otherwise only
   * errors are logged, so a failure's stderr tail is the reason.
   */
  keepLog?: boolean;
  /**
   * A segmenting output's files, each as ffmpeg closes it: the output must
   * list them on stdout (`-segment_list pipe:1 -segment_list_type flat`).
   * Not with `progress`, which also uses stdout.
   */
  onSegment?(file: string): void;
}

export type RunFfmpegOptions = Omit<RunToolOptions, 'onStdout'> & FfmpegFlags;
export type StartFfmpegOptions = Omit<StartToolOptions, 'onStdout'> & FfmpegFlags;

/**
 * `args` behind the shared flags: no banner or stats lines (stderr's tail is
 * the error message), errors only unless `keepLog`, overwrite the output (a
 * retried attempt finds its predecessor's partial file), and the progress
 * stream when asked for.
 */
export function ffmpegArgs(args: readonly string[], flags: FfmpegFlags = {}): string[] {
  return [
    '-hide_banner', '-nostats',
    ...(flags.keepLog ? [] : ['-loglevel', 'error']),
    '-y',
    ...(flags.progress ? ['-progress', 'pipe:1'] : []),
    ...args,
  ];
}

/** Runs ffmpeg on `args` (inputs, filters, codecs, output) with the shared flags; settles as `runTool` does. */
export function runFfmpeg(args: readonly string[], options: RunFfmpegOptions): Promise<ToolResult> {
  const { progress, keepLog, onSegment, ...run } = options;
  return runTool(ffmpegPath(), ffmpegArgs(args, { progress, keepLog }), { ...run, onStdout: stdoutReader(progress, onSegment) });
}

/** `runFfmpeg` for callers that stream into ffmpeg's stdin (e.g. raw frames). */
export function startFfmpeg(args: readonly string[], options: StartFfmpegOptions): RunningTool {
  const { progress, keepLog, onSegment, ...start } = options;
  return startTool(ffmpegPath(), ffmpegArgs(args, { progress, keepLog }), { ...start, onStdout: stdoutReader(progress, onSegment) });
}

/**
 * Writes `blocks` (frames, sample blocks) into a started ffmpeg's stdin with
 * backpressure, so memory stays a block or two however long the output,
 * then closes stdin and waits for ffmpeg. If ffmpeg dies, writing stops and
 * its exit says why; if making a block throws, ffmpeg is stopped (its file
 * is never presented as finished) and that error is rethrown, as a
 * PermanentError named by `making` unless it is one already.
 */
export async function feedFfmpeg(
  running: RunningTool,
  blocks: Iterable<Uint8Array | Promise<Uint8Array>> | AsyncIterable<Uint8Array>,
  options: {
    making: string;
    onWritten?: (index: number) => void;
  },
): Promise<void> {
  const stdin = running.stdin;
  if (!stdin) throw new Error('feedFfmpeg needs ffmpeg started with stdin');
  let failed = false;
  const exited = running.result.then(
    () => undefined,
    () => {
      failed = true;
    },
  );
  try {
    let index = 0;
    for await (const block of blocks) {
      if (failed) break;
      // A dying ffmpeg makes the pipe fail (EPIPE); its exit status, awaited below, says why.
      if (!stdin.write(block)) await Promise.race([once(stdin, 'drain').catch(() => undefined), exited]);
      options.onWritten?.(index++);
    }
    if (!failed) stdin.end();
  } catch (error) {
    running.stop(error instanceof PermanentError ? error : new PermanentError(`${options.making} failed`, { cause: error }));
    await running.result.catch(() => undefined);
    throw error;
  }
  await running.result;
}

function stdoutReader(progress: FfmpegProgress | undefined, onSegment: ((file: string) => void) | undefined): ((chunk: Buffer) => void) | undefined {
  if (progress && onSegment) throw new Error('ffmpeg has one stdout: report progress or segments, not both');
  if (onSegment) {
    return lines((line) => {
      if (line) onSegment(line);
    });
  }
  return progress ? ffmpegProgress(progress.frames, (fraction) => progress.report(fraction)) : undefined;
}

/** Calls `onLine` with each whole line of a stream read in chunks. */
function lines(onLine: (line: string) => void): (chunk: Buffer) => void {
  let partial = '';
  return (chunk) => {
    partial += chunk.toString('utf8');
    const whole = partial.split('\n');
    partial = whole.pop() ?? '';
    for (const line of whole) onLine(line.trim());
  };
}

/**
 * ffmpeg's own progress (`-progress pipe:1`): `key=value` lines, a block per
 * update ending in `progress=continue|end`. `frame=` over the expected frame
 * count is the honest fraction.
 */
export function ffmpegProgress(totalFrames: number, report: (fraction: number) => void): (chunk: Buffer) => void {
  return lines((line) => {
    const frame = /^frame=(\d+)/.exec(line);
    if (frame && totalFrames > 0) report(Math.min(1, Number(frame[1]) / totalFrames));
  });
}
