/** Option parsers and help texts more than one command shares. */
import { CommanderError } from 'commander';

export const profileHelp = "render profile for this run, e.g. preview-720p, youtube-1080p, shorts-1080x1920 (sets the graph's settings.profile; nodes that name their own profile keep it)";

/** For repeatable options: each occurrence appends. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CommanderError(2, 'reelgraph.invalidArgument', `${flag} must be a positive integer`);
  return n;
}
