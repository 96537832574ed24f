/**
 * Leftovers of dead workers on this machine.
 *
 * Every process a worker starts (sandboxed processors, ffmpeg, Flite, and
 * theirs in turn) inherits the worker's environment, and with it a marker
 * naming the worker: its pid and its start time, which together name one
 * process for as long as the machine runs. A process whose marker names a
 * worker that is no longer running is a leftover: the parent-death signal
 * missed it (no setpriv here, or a child whose event loop never turned), and
 * it still works on a unit that has since been re-delivered. A worker
 * starting up kills such leftovers before taking work, so the re-delivered
 * unit never competes with its previous holder for the machine.
 *
 * Linux only (it reads /proc); elsewhere there is nothing to read and
 * nothing is killed.
 */
import { listProcesses, readEnvironment, readProcess, signalAll, stillRunning, type ProcessEntry } from './process-table.js';

export const WORKER_INSTANCE_ENV = 'REELGRAPH_WORKER_INSTANCE';

/** One worker process: pid and start time (clock ticks since boot). */
export interface WorkerInstance {
  pid: number;
  startTime: number;
}

export function formatWorkerInstance(instance: WorkerInstance): string {
  return `${instance.pid}.${instance.startTime}`;
}

export function parseWorkerInstance(value: string | undefined): WorkerInstance | undefined {
  const match = /^(\d+)\.(\d+)$/.exec(value ?? '');
  return match ? { pid: Number(match[1]), startTime: Number(match[2]) } : undefined;
}

/**
 * Marks this process as a worker in `env` (which its children inherit) and
 * says who it is; undefined where /proc cannot say when this process started.
 */
export function markWorkerInstance(env: NodeJS.ProcessEnv = process.env): WorkerInstance | undefined {
  const self = readProcess(process.pid);
  if (!self) return undefined;
  const instance = { pid: self.pid, startTime: self.startTime };
  env[WORKER_INSTANCE_ENV] = formatWorkerInstance(instance);
  return instance;
}

/**
 * Processes marked by a worker that no longer runs. A process's marker is
 * read from the environment it started with, which later changes to its
 * `process.env` do not touch; processes of other users cannot be read and
 * are never touched.
 */
export function findLeftovers(self: WorkerInstance | undefined, table: readonly ProcessEntry[] = listProcesses()): ProcessEntry[] {
  const leftovers: ProcessEntry[] = [];
  for (const entry of table) {
    if (entry.pid === process.pid || entry.state === 'Z') continue;
    const owner = parseWorkerInstance(readEnvironment(entry.pid)?.get(WORKER_INSTANCE_ENV));
    if (!owner) continue;
    if (self && owner.pid === self.pid && owner.startTime === self.startTime) continue;
    if (!stillRunning(owner)) leftovers.push(entry);
  }
  return leftovers;
}

/** Kills the leftovers of dead workers (SIGKILL: they hold no state worth saving) and says which they were. */
export function killLeftovers(self: WorkerInstance | undefined): ProcessEntry[] {
  const leftovers = findLeftovers(self);
  signalAll(leftovers, 'SIGKILL');
  return leftovers;
}
