/**
 * What the ffmpeg in use can do. The npm static build is from 2018 (no
 * `xfade`); a system ffmpeg usually is newer. Asked once per binary.
 */
import { ffmpegPath, runTool } from './binaries.js';

const filtersByBinary = new Map<string, Promise<Set<string>>>();

async function listFilters(bin: string): Promise<Set<string>> {
  const { stdout } = await runTool(bin, ['-hide_banner', '-filters'], { timeoutMs: 30_000 });
  // Lines look like " TSC xfade             VV->V      Cross fade one video with another video."
  const names = stdout
    .toString()
    .split('\n')
    .map((line) => /^\s*[A-Z.|]{2,3}\s+(\S+)\s+\S+->\S+/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
  return new Set(names);
}

export async function ffmpegHasFilter(name: string): Promise<boolean> {
  const bin = ffmpegPath();
  let filters = filtersByBinary.get(bin);
  if (!filters) {
    filters = listFilters(bin);
    filtersByBinary.set(bin, filters);
    // A failed probe is asked again next time rather than remembered.
    filters.catch(() => filtersByBinary.delete(bin));
  }
  return (await filters).has(name);
}
