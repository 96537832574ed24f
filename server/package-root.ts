/**
 * The reelgraph package's root folder (the one with package.json): the
 * shipped graphs, example episodes and the built editor live there. Found by
 * walking up from this module, so it is the same whether the server runs from
 * the TypeScript sources (server/) or from a build (dist/server/).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'reelgraph') return (cached = dir);
    const parent = dirname(dir);
    // Not inside the package (bundled elsewhere): the sources' own layout is the best guess.
    if (parent === dir) return (cached = resolve(fileURLToPath(new URL('..', import.meta.url))));
    dir = parent;
  }
}

/** A folder the package ships, e.g. `packagePath('graphs')`. */
export const packagePath = (...parts: string[]): string => join(packageRoot(), ...parts);
