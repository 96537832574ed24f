/**
 * This machine's processes as Linux's /proc reports them: who is whose
 * parent, and when each started (so a recycled pid is never mistaken for the
 * process we meant). Elsewhere there is no /proc and every answer is empty:
 * callers treat that as "nothing known", never as "nothing running".
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** Clock ticks since boot when the process started: with the pid, a process's identity. */
  startTime: number;
  /** The executable's name as the kernel keeps it (at most 15 characters). */
  comm: string;
  /** R, S, D, Z (exited, not yet reaped), … */
  state: string;
}

/** One process's entry, or undefined when it is gone (or /proc is absent). */
export function readProcess(pid: number): ProcessEntry | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // comm is in parentheses and may itself contain spaces and parentheses: split after the last ")".
  const close = stat.lastIndexOf(')');
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const fields = stat.slice(close + 2).split(' ');
  // fields[0] is field 3 (state) of proc(5); ppid is field 4, starttime field 22.
  return { pid, ppid: Number(fields[1]), startTime: Number(fields[19]), comm, state: fields[0] ?? '?' };
}

/** Every process this user can see. */
export function listProcesses(): ProcessEntry[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const entries: ProcessEntry[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const entry = readProcess(Number(name));
    if (entry) entries.push(entry);
  }
  return entries;
}

/** Children, grandchildren, … of `root`, parents before their children. */
export function descendantsOf(root: number, table: readonly ProcessEntry[] = listProcesses()): ProcessEntry[] {
  const byParent = new Map<number, ProcessEntry[]>();
  for (const entry of table) {
    const siblings = byParent.get(entry.ppid);
    if (siblings) siblings.push(entry);
    else byParent.set(entry.ppid, [entry]);
  }
  const found: ProcessEntry[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of byParent.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child.pid);
    }
  }
  return found;
}

/** True while the very process `entry` describes runs: same pid, same start, not a zombie. */
export function stillRunning(entry: Pick<ProcessEntry, 'pid' | 'startTime'>): boolean {
  const now = readProcess(entry.pid);
  return now !== undefined && now.startTime === entry.startTime && now.state !== 'Z';
}

/** The environment a process was started with (not later changes), or undefined when unreadable (gone, another user's). */
export function readEnvironment(pid: number): Map<string, string> | undefined {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/environ`, 'utf8');
  } catch {
    return undefined;
  }
  const env = new Map<string, string>();
  for (const pair of raw.split('\0')) {
    const eq = pair.indexOf('=');
    if (eq > 0) env.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return env;
}

/** Sends `signal` to each process still running, skipping pids the system has since given to another process. */
export function signalAll(entries: readonly ProcessEntry[], signal: NodeJS.Signals): void {
  for (const entry of entries) {
    if (!stillRunning(entry)) continue;
    try {
      process.kill(entry.pid, signal);
    } catch {
      // Gone already (ESRCH), or not ours to signal (EPERM): either way nothing more to do here.
    }
  }
}
