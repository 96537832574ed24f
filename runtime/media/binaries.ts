/**
 * Locating and running the external media tools (ffmpeg, ffprobe).
 *
 * Binaries come from `REELGRAPH_FFMPEG` / `REELGRAPH_FFPROBE` (a path, or the
 * word `system` for the one on PATH) and otherwise from the static builds the
 * @ffmpeg-installer / @ffprobe-installer npm packages ship. Every run goes
 * through `runTool`, which never uses a shell, always has a deadline, always
 * reaps the child before it settles, and starts it so that it dies with this
 * process even when this process is killed outright (see
 * runtime/process/parent-death.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import type { Writable } from 'node:stream';

import {
  CancelledError,
  PermanentError,
  ReelgraphError,
  TimeoutError,
  type ErrorLocation,
} from '../contract/errors.js';
import { launchDyingWithParent, trackChild } from '../process/parent-death.js';

export type MediaTool = 'ffmpeg' | 'ffprobe';

const TOOLS: Record<MediaTool, { envVar: string; npmPackage: string }> = {
  ffmpeg: { envVar: 'REELGRAPH_FFMPEG', npmPackage: '@ffmpeg-installer/ffmpeg' },
  ffprobe: { envVar: 'REELGRAPH_FFPROBE', npmPackage: '@ffprobe-installer/ffprobe' },
};

/** The installer packages are CommonJS and throw at load time on unsupported platforms. */
const require = createRequire(import.meta.url);

/**
 * Where a tool lives, per the environment given. Pure apart from loading the
 * installer package, so it can be tested without touching `process.env`.
 */
export function resolveToolPath(tool: MediaTool, env: NodeJS.ProcessEnv = process.env): string {
  const { envVar, npmPackage } = TOOLS[tool];
  const configured = env[envVar]?.trim();
  if (configured === 'system') return tool;
  if (configured) return configured;
  try {
    return (require(npmPackage) as { path: string }).path;
  } catch (cause) {
    throw new PermanentError(
      `no ${tool} binary: ${npmPackage} is not usable on ${process.platform}-${process.arch}; ` +
        `set ${envVar}=system to use the one on PATH, or ${envVar}=/path/to/${tool}`,
      { cause },
    );
  }
}

const resolved = new Map<MediaTool, string>();

/** Memoised per process: the environment is read on first use only. */
function memoisedToolPath(tool: MediaTool): string {
  let path = resolved.get(tool);
  if (path === undefined) {
    path = resolveToolPath(tool);
    resolved.set(tool, path);
  }
  return path;
}

export function ffmpegPath(): string {
  return memoisedToolPath('ffmpeg');
}

export function ffprobePath(): string {
  return memoisedToolPath('ffprobe');
}

export interface ToolFailure {
  tool: string;
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  stderrTail: string;
}

/** A tool ran but failed: a non-zero exit, or killed by a signal we did not send. */
export class ToolError extends ReelgraphError implements ToolFailure {
  readonly tool: string;
  readonly exitCode: number | null;
  readonly exitSignal: NodeJS.Signals | null;
  /** The last lines of stderr, which is where ffmpeg explains itself. */
  readonly stderrTail: string;

  constructor(details: ToolFailure, location: ErrorLocation = {}) {
    const { tool, exitCode, exitSignal, stderrTail } = details;
    const how = exitCode === null ? `was killed by ${exitSignal ?? 'a signal'}` : `exited with code ${exitCode}`;
    super('TOOL_FAILED', `${tool} ${how}${stderrTail ? `:\n${stderrTail}` : ''}`, {
      location,
      // Same inputs, same exit code. An outside kill (OOM killer, shutdown) is worth another go.
      retryable: exitCode === null,
    });
    this.tool = tool;
    this.exitCode = exitCode;
    this.exitSignal = exitSignal;
    this.stderrTail = stderrTail;
  }
}

export interface RunToolOptions {
  /** Required on purpose: every external call has a deadline. `Infinity` opts out explicitly. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Written to the child's stdin, which is then closed. Without it stdin is /dev/null. */
  input?: string | Uint8Array;
  cwd?: string;
  /** Attached to every error, e.g. `{ file }` of the media being processed. */
  location?: ErrorLocation;
  /** Time between SIGTERM and SIGKILL when stopping the child. Default 2 s. */
  killGraceMs?: number;
  /** Stdout beyond this is a failure, not a memory problem. Default 64 MiB. */
  maxStdoutBytes?: number;
  /** Sees stdout as it arrives (e.g. ffmpeg's `-progress pipe:1` lines); it is still collected. */
  onStdout?: (chunk: Buffer) => void;
}

export interface ToolResult {
  stdout: Buffer;
  /** The last ~64 KiB of stderr. */
  stderr: string;
}

const STDERR_KEEP_BYTES = 64 * 1024;
const STDERR_TAIL_LINES = 20;
const DEFAULT_KILL_GRACE_MS = 2_000;
const DEFAULT_MAX_STDOUT_BYTES = 64 * 1024 * 1024;
/** setTimeout overflows (and fires at once) beyond a signed 32-bit delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Run `bin args…` without a shell. Resolves with stdout and stderr on exit
 * code 0; rejects with a `ToolError` on failure, a `TimeoutError` past
 * `timeoutMs`, or a `CancelledError` (or the signal's own `ReelgraphError`
 * reason) on abort. Settles only once the child has exited, so a caller that
 * cleans up after a rejection never races a still-writing process.
 */
export function runTool(bin: string, args: readonly string[], options: RunToolOptions): Promise<ToolResult> {
  const running = startTool(bin, args, { ...options, stdin: options.input !== undefined });
  if (options.input !== undefined && running.stdin) running.stdin.end(options.input);
  return running.result;
}

export interface StartToolOptions extends Omit<RunToolOptions, 'input'> {
  /** Keep the child's stdin open for the caller to stream into (e.g. raw video frames). */
  stdin?: boolean;
}

export interface RunningTool {
  /** The child's stdin when `stdin` was asked for; EPIPE on it is swallowed (the result reports why the child quit). */
  stdin: Writable | undefined;
  /** Settles as `runTool` does, once the child has exited. */
  result: Promise<ToolResult>;
  /** Stop the child (SIGTERM, then SIGKILL); `result` rejects with `reason`. */
  stop(reason: ReelgraphError): void;
}

/** `runTool` for callers that stream into the child: the same deadline, abort and reaping rules. */
export function startTool(bin: string, args: readonly string[], options: StartToolOptions): RunningTool {
  const tool = basename(bin);
  const location = options.location ?? {};
  // Messages name the file being worked on, when the caller says which.
  const subject = location.file ? `${tool} on "${location.file}"` : tool;
  if (options.signal?.aborted) {
    const result = Promise.reject(abortError(options.signal, subject, location));
    return { stdin: undefined, result, stop: () => {} };
  }

  // A worker killed mid-unit must not leave an ffmpeg rendering for nobody.
  const launch = launchDyingWithParent(bin, args, options.cwd);
  const child = spawn(launch.file, launch.args, {
    cwd: options.cwd,
    shell: false,
    windowsHide: true,
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  const stdout = new ChunkCollector(options.maxStdoutBytes ?? DEFAULT_MAX_STDOUT_BYTES);
  const stderr = new TailBuffer(STDERR_KEEP_BYTES);
  const stopper = new ChildStopper(child, options.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
  // A child may exit without reading its input; EPIPE then is expected, not a crash.
  child.stdin?.on('error', () => {});

  const result = new Promise<ToolResult>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => stopper.stop(abortError(options.signal!, subject, location));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = Number.isFinite(options.timeoutMs)
      ? setTimeout(
          () => stopper.stop(new TimeoutError(`${subject} timed out after ${options.timeoutMs} ms`, { location })),
          Math.min(Math.max(options.timeoutMs, 0), MAX_TIMER_MS),
        )
      : undefined;

    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      stopper.dispose();
      outcome();
    };

    child.stdout!.on('data', (chunk: Buffer) => {
      options.onStdout?.(chunk);
      if (!stdout.add(chunk)) {
        stopper.stop(new PermanentError(`${subject} wrote more than ${stdout.limit} bytes to stdout`, { location }));
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => stderr.add(chunk));

    child.on('error', (error: NodeJS.ErrnoException) => {
      // After a successful spawn, 'error' only reports a failed kill; 'close' still follows.
      if (child.pid !== undefined) return;
      settle(() => reject(spawnError(bin, error, location)));
    });
    child.on('close', (exitCode, exitSignal) => {
      settle(() => {
        if (stopper.reason) return reject(stopper.reason);
        if (exitCode === 0) return resolve({ stdout: stdout.concat(), stderr: stderr.text() });
        const stderrTail = lastLines(stderr.text(), STDERR_TAIL_LINES);
        reject(new ToolError({ tool, exitCode, exitSignal, stderrTail }, location));
      });
    });
  });
  return { stdin: child.stdin ?? undefined, result, stop: (reason) => stopper.stop(reason) };
}

/** Stops a child politely (SIGTERM), then firmly (SIGKILL) if it lingers. */
class ChildStopper {
  reason: ReelgraphError | undefined;
  private killTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly child: ChildProcess,
    private readonly graceMs: number,
  ) {}

  /** The first reason wins: a timeout that fires during an abort does not relabel it. */
  stop(reason: ReelgraphError): void {
    if (this.reason) return;
    this.reason = reason;
    this.child.kill('SIGTERM');
    this.killTimer = setTimeout(() => this.child.kill('SIGKILL'), this.graceMs);
  }

  dispose(): void {
    clearTimeout(this.killTimer);
  }
}

/** Collects output up to a byte limit. */
class ChunkCollector {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(readonly limit: number) {}

  /** False once the limit is exceeded; later chunks are dropped. */
  add(chunk: Buffer): boolean {
    if (this.size + chunk.length > this.limit) return false;
    this.chunks.push(chunk);
    this.size += chunk.length;
    return true;
  }

  concat(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

/** Keeps only the last `capacity` bytes: ffmpeg's stderr is unbounded, its last lines are what matter. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly capacity: number) {}

  add(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - this.chunks[0]!.length >= this.capacity) {
      this.size -= this.chunks.shift()!.length;
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks, this.size);
    return all.subarray(Math.max(0, all.length - this.capacity)).toString('utf8');
  }
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split(/\r?\n/).slice(-count).join('\n');
}

function abortError(signal: AbortSignal, subject: string, location: ErrorLocation): ReelgraphError {
  const reason: unknown = signal.reason;
  // The scheduler aborts with its own typed error (e.g. a run deadline); keep it.
  if (reason instanceof ReelgraphError) return reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') {
    return new TimeoutError(`${subject} timed out (signal)`, { location, cause: reason });
  }
  return new CancelledError(`${subject} cancelled`, { location, cause: reason });
}

function spawnError(bin: string, error: NodeJS.ErrnoException, location: ErrorLocation): ReelgraphError {
  const why = error.code === 'ENOENT' ? 'not found' : error.code === 'EACCES' ? 'not executable' : error.message;
  return new PermanentError(`cannot run ${bin}: ${why}`, { location, cause: error });
}
