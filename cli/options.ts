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

export const untilHelp = "run only this node and everything it needs (cached results reused), nothing downstream; the run's outputs are this node's";
export const onlyHelp = 'execute only this node, its inputs from the cache (the last run with these inputs); fails naming an upstream node whose result is not cached';
export const sceneHelp = 'preview one scene (1 = the first): its voice lines, visual and overlays as a short clip, at a preview profile unless --profile names one; shares cached results with the full render';

/** `--scene` as a number; sceneGraph() refuses anything but a scene number (exit 2, like any invalid input). */
export function sceneNumber(value: string): number {
  return /^\d+$/u.test(value.trim()) ? Number(value) : Number.NaN;
}
