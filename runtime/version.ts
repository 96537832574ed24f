/** reelgraph's own version, from its package.json (read once; the recipe inside every video names it). */
import { readFileSync } from 'node:fs';

export const reelgraphVersion: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
