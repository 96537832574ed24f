/**
 * Child processes that die with their parent.
 *
 * A worker killed with SIGKILL runs no code on its way out, so nothing it
 * does at exit can stop its children: they are re-parented to init and go on
 * rendering a unit nobody will collect, slowing every later run. Two
 * mechanisms cover this, strongest first:
 *
 * 1. The kernel. PR_SET_PDEATHSIG asks Linux to signal a process the moment
 *    its parent dies, whatever the parent was doing. Node cannot call prctl,
 *    so children start through util-linux `setpriv --pdeathsig KILL -- prog`,
 *    which sets it and execs the real program (the setting survives exec of
 *    a non-setuid program). It is tied to the thread that spawned the child:
 *    Node spawns from its main thread, so it fires when the process dies.
 *    Where setpriv is missing or predates --pdeathsig (util-linux < 2.33),
 *    children start as before and only the next mechanism applies.
 * 2. A watchdog in Node children (`exitWithParent`): the IPC channel closing,
 *    or the parent pid changing, means the parent is gone, so the child kills
 *    its own descendants and exits. It works everywhere, but only once the
 *    child's event loop turns.
 */
import { spawnSync, type ChildProcess, type ForkOptions } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { descendantsOf, signalAll } from './process-table.js';

/** `off` disables the launcher; a path names the setpriv to use; unset looks in the usual places. */
export const PDEATHSIG_ENV = 'REELGRAPH_PDEATHSIG';

/** Exit code of a child that left because its parent was gone (128 + SIGHUP, as a hung-up terminal's children). */
export const PARENT_GONE_EXIT_CODE = 129;

const SETPRIV_CANDIDATES = ['/usr/bin/setpriv', '/bin/setpriv'];
/** Probing runs once per process; a hung setpriv must not hang worker start-up. */
const PROBE_TIMEOUT_MS = 5_000;

let launcher: string | null | undefined;

/**
 * The setpriv that can set a parent-death signal here, or undefined (not
 * Linux, not installed, too old, or disabled with REELGRAPH_PDEATHSIG=off).
 * Memoised: the environment is read on first use only.
 */
export function parentDeathLauncher(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (launcher === undefined) launcher = probeLauncher(env) ?? null;
  return launcher ?? undefined;
}

function probeLauncher(env: NodeJS.ProcessEnv): string | undefined {
  if (process.platform !== 'linux') return undefined;
  const configured = env[PDEATHSIG_ENV]?.trim();
  if (configured === 'off') return undefined;
  const candidates = configured ? [configured] : SETPRIV_CANDIDATES;
  for (const candidate of candidates) {
    if (!isExecutable(candidate)) continue;
    // Busybox and old util-linux builds have a setpriv without --pdeathsig: try it on something harmless.
    const probe = spawnSync(candidate, ['--pdeathsig', 'KILL', '--', process.execPath, '--version'], { stdio: 'ignore', timeout: PROBE_TIMEOUT_MS });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

export interface Launch {
  file: string;
  args: string[];
}

const resolvedPrograms = new Map<string, string>();

/**
 * How to spawn `bin args…` so that it dies with this process: under setpriv
 * when that works here, else unchanged. A program that cannot be found is
 * left unchanged too, so spawn reports ENOENT for it as it always did
 * (setpriv would instead exit 127 with its own message).
 */
export function launchDyingWithParent(bin: string, args: readonly string[], cwd?: string): Launch {
  const setpriv = parentDeathLauncher();
  const program = setpriv ? resolveProgram(bin, cwd) : undefined;
  if (!setpriv || !program) return { file: bin, args: [...args] };
  return { file: setpriv, args: ['--pdeathsig', 'KILL', '--', program, ...args] };
}

/**
 * `fork` options that start a Node child dying with this process: Node's
 * fork runs `execPath ...execArgv module`, so setpriv becomes execPath and
 * the real node binary the first of its arguments.
 */
export function forkDyingWithParent(execArgv: readonly string[]): Pick<ForkOptions, 'execPath' | 'execArgv'> {
  const setpriv = parentDeathLauncher();
  if (!setpriv) return { execArgv: [...execArgv] };
  return { execPath: setpriv, execArgv: ['--pdeathsig', 'KILL', '--', process.execPath, ...execArgv] };
}

/**
 * An absolute path to an executable `bin`, or undefined: a bare name is
 * searched on PATH, a relative path taken from `cwd` (where spawn would run it).
 */
function resolveProgram(bin: string, cwd = process.cwd()): string | undefined {
  if (bin.includes('/')) {
    const path = isAbsolute(bin) ? bin : resolve(cwd, bin);
    return isExecutable(path) ? path : undefined;
  }
  const known = resolvedPrograms.get(bin);
  if (known) return known;
  const found = (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, bin)).find(isExecutable);
  // Only found programs are remembered: one installed later is picked up on the next call.
  if (found) resolvedPrograms.set(bin, found);
  return found;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Children started by this process and not yet exited. /proc finds them on
 * Linux; elsewhere this list is all the watchdog knows about.
 */
const liveChildren = new Set<ChildProcess>();

/** Remember `child` until it exits, so `exitWithParent` can take it along. */
export function trackChild(child: ChildProcess): void {
  if (child.pid === undefined) return;
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

export interface ExitWithParentOptions {
  /** The parent to outlive by nothing. Default: the parent at the time of the call. */
  parentPid?: number;
  /** How often to compare the parent pid. Default 500 ms. */
  pollMs?: number;
}

/**
 * In a child process: once the parent is gone, kill every descendant of this
 * process and exit with PARENT_GONE_EXIT_CODE. "Gone" is the IPC channel
 * closing (a forked child) or the parent pid changing (re-parented to init or
 * a subreaper); the pid check also catches a parent that died before this
 * module was loaded. Returns a function that stops watching.
 */
export function exitWithParent(options: ExitWithParentOptions = {}): () => void {
  const parentPid = options.parentPid ?? process.ppid;
  const leave = (): void => {
    stop();
    signalAll(descendantsOf(process.pid), 'SIGKILL');
    for (const child of liveChildren) child.kill('SIGKILL');
    process.exit(PARENT_GONE_EXIT_CODE);
  };
  const check = (): void => {
    if (process.ppid !== parentPid) leave();
  };
  // A timer that keeps nobody alive: the child's own work decides when it may exit.
  const timer = setInterval(check, options.pollMs ?? 500).unref();
  const forked = typeof process.send === 'function';
  if (forked) process.once('disconnect', leave);
  function stop(): void {
    clearInterval(timer);
    if (forked) process.removeListener('disconnect', leave);
  }
  check();
  return stop;
}
