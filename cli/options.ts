/** Option parsers and help texts more than one command shares. */
import { CommanderError, InvalidArgumentError } from 'commander';

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

/** A dollar amount (`--budget-usd 2.50`): a finite number, zero or more. */
export function usdAmount(value: string, flag: string): number {
  const n = Number(value.trim().replace(/^\$/, ''));
  // Commander prints this one with the option it belongs to, and exits 2 through main().
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${flag} must be an amount in US dollars, e.g. 2.50`);
  return n;
}
