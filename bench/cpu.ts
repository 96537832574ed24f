/** CPU time, as the benches count it: wall time on a shared machine follows whatever else runs; CPU time per unit of work does not. */
import { readFileSync } from 'node:fs';

/** CPU milliseconds this process has used (drawing, streaming, the engine). */
export const ownCpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** CPU milliseconds of this process's finished children (ffmpeg), from /proc (Linux); undefined elsewhere. */
export function childrenCpuMs(): number | undefined {
  try {
    // Fields after the command name: cutime and cstime are the 14th and 15th, in clock ticks (100 a second on Linux).
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

/** Starts counting; the returned function gives this process's and its finished children's CPU milliseconds since (children undefined where /proc cannot say). */
export function cpuSince(): () => { own: number; children: number | undefined } {
  const own = ownCpuMs();
  const children = childrenCpuMs();
  return () => {
    const childrenNow = childrenCpuMs();
    return { own: ownCpuMs() - own, children: children === undefined || childrenNow === undefined ? undefined : childrenNow - children };
  };
}

/** The machine's CPU time by state, in clock ticks since boot (Linux: /proc/stat); undefined elsewhere. */
export function machineTicks(): { total: number; idle: number; iowait: number; steal: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already counted in user).
    return { total: fields.slice(0, 8).reduce((sum, value) => sum + value, 0), idle: fields[3]!, iowait: fields[4]!, steal: fields[7]! };
  } catch {
    return undefined;
  }
}

/**
 * Starts counting; the returned function gives the shares of the machine's CPU time since then spent waiting on
 * disk (iowait) and taken by the hypervisor for other guests (steal): why cores can sit idle while work waits.
 */
export function machineSince(): () => { iowait: number; steal: number } | undefined {
  const start = machineTicks();
  return () => {
    const now = machineTicks();
    if (!start || !now || now.total <= start.total) return undefined;
    const total = now.total - start.total;
    return { iowait: (now.iowait - start.iowait) / total, steal: (now.steal - start.steal) / total };
  };
}
