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

export interface MemorySampler {
  stop(): { peakBytes: number };
}

export function sampleMemory(intervalMs = 100): MemorySampler {
  let peak = process.memoryUsage().rss;
  const linux = process.platform === 'linux';
  const timer = setInterval(() => {
    const total = linux ? tree(process.pid).reduce((sum, pid) => sum + rssBytes(pid), 0) : process.memoryUsage().rss;
    peak = Math.max(peak, total);
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return { peakBytes: peak };
    },
  };
}
