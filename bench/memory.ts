/**
 * Peak resident memory of this process and every process it starts (ffmpeg
 * children do most of the work), sampled from /proc. Linux only; elsewhere
 * it reports this process's own peak.
 */
import { readdirSync, readFileSync } from 'node:fs';

const PAGE = 4096;

function tree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(parent, [...(parents.get(parent) ?? []), Number(entry)]);
    } catch {
      // The process ended between listing and reading.
    }
  }
  const found = [root];
  for (let i = 0; i < found.length; i++) found.push(...(parents.get(found[i]!) ?? []));
  return found;
}

function rssBytes(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
  } catch {
    return 0;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** The command and, for ffmpeg, the file it writes (its last argument): which step of the work a process is. */
function labelOf(pid: number): string {
  const command = commandOf(pid);
  if (command !== 'ffmpeg') return command;
  try {
    const output = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).at(-1) ?? '';
    return `ffmpeg → ${output.split('/').at(-1)}`;
  } catch {
    return command;
  }
}

export interface MemoryPeak {
  peakBytes: number;
  /** At the peak, the process holding the most (this process is `self`): says which part of the work the peak belongs to. */
  largest?: { command: string; bytes: number; self: boolean };
  /** Processes in the tree at the peak. */
  processes?: number;
  /** The others at the peak, largest first: an ffmpeg named by the file it writes. */
  others?: Array<{ command: string; bytes: number }>;
}

export interface MemorySampler {
  /** The peak so far, in bytes. */
  peek(): number;
  stop(): MemoryPeak;
}

export function sampleMemory(intervalMs = 100): MemorySampler {
  let peak: MemoryPeak = { peakBytes: process.memoryUsage().rss };
  // A process keeps its label for life: read /proc once per process, not at every new peak.
  const labels = new Map<number, string>();
  const label = (pid: number): string => {
    const known = labels.get(pid) ?? labelOf(pid);
    labels.set(pid, known);
    return known;
  };
  const linux = process.platform === 'linux';
  const timer = setInterval(() => {
    if (!linux) {
      peak.peakBytes = Math.max(peak.peakBytes, process.memoryUsage().rss);
      return;
    }
    const sizes = tree(process.pid).map((pid) => ({ pid, bytes: rssBytes(pid) }));
    const total = sizes.reduce((sum, { bytes }) => sum + bytes, 0);
    if (total <= peak.peakBytes) return;
    const largest = sizes.reduce((most, size) => (size.bytes > most.bytes ? size : most), sizes[0]!);
    const others = sizes
      .filter((size) => size !== largest && size.bytes > 0)
      .sort((a, b) => b.bytes - a.bytes)
      .map((size) => ({ command: label(size.pid), bytes: size.bytes }));
    peak = { peakBytes: total, largest: { command: commandOf(largest.pid), bytes: largest.bytes, self: largest.pid === process.pid }, processes: sizes.length, others };
  }, intervalMs);
  return {
    peek: () => peak.peakBytes,
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

/** "node (this process) 812 MiB of 5 processes": who held the most at the peak. */
export function describePeak(peak: MemoryPeak): string {
  if (!peak.largest) return 'n/a';
  const mib = (bytes: number): string => `${(bytes / (1 << 20)).toFixed(0)} MiB`;
  const others = (peak.others ?? []).map((other) => `${other.command} ${mib(other.bytes)}`).join(', ');
  return `${peak.largest.self ? 'node (this process)' : peak.largest.command} ${mib(peak.largest.bytes)} of ${peak.processes} processes${others ? ` (with ${others})` : ''}`;
}
