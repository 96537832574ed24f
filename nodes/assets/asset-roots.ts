/**
 * Project files a graph may read (stills, music beds, fonts…) live under
 * asset roots. A path from a script or a param is resolved inside them and
 * must stay inside after following symlinks: an episode is text from
 * anywhere, and `![x](../../../etc/passwd)` must not become a video frame.
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PermanentError, type ErrorLocation } from '../../runtime/contract/index.js';

/** The default roots, relative to the working directory (the project). */
export const DEFAULT_ASSET_ROOTS = ['assets', 'examples'];

export const assetRootsParamSchema = {
  type: 'array',
  title: 'Asset roots',
  description: 'Folders (relative to the project) that files may be read from; nothing outside them is opened.',
  items: { type: 'string', minLength: 1 },
  minItems: 1,
  default: DEFAULT_ASSET_ROOTS,
} as const;

export class AssetPathError extends PermanentError {
  constructor(message: string, location: ErrorLocation = {}) {
    super(message, { location });
    this.name = 'AssetPathError';
  }
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Existing roots, as real paths. */
export function resolveAssetRoots(roots: readonly string[], cwd = process.cwd()): string[] {
  return roots.map((root) => resolve(cwd, root)).filter((root) => existsSync(root)).map((root) => realpathSync(root));
}

/**
 * The real path of `path` inside one of `roots` (real paths, from
 * `resolveAssetRoots`). Relative paths are tried against each root in turn.
 */
export function resolveAsset(path: string, roots: readonly string[], location: ErrorLocation = {}): string {
  if (!path.trim() || path.includes('\0')) throw new AssetPathError(`"${path}" is not a file path`, location);
  if (/^[a-z][a-z0-9+.-]+:/i.test(path) && !/^[a-z]:[\\/]/i.test(path)) {
    throw new AssetPathError(`"${path}" is a URL; remote files are not fetched — copy it into an asset root`, location);
  }
  if (roots.length === 0) throw new AssetPathError(`no asset root exists, so "${path}" cannot be read; create one (e.g. assets/) or set assetRoots`, location);
  const candidates = isAbsolute(path) ? [path] : roots.map((root) => join(root, path));
  for (const candidate of candidates) {
    if (!existsSync(candidate)) continue;
    const real = realpathSync(candidate);
    if (!roots.some((root) => inside(root, real))) {
      throw new AssetPathError(`"${path}" is outside the asset roots (${roots.join(', ')})`, location);
    }
    return real;
  }
  const lexicallyOutside = candidates.every((candidate) => !roots.some((root) => inside(root, resolve(candidate))));
  throw new AssetPathError(
    lexicallyOutside ? `"${path}" is outside the asset roots (${roots.join(', ')})` : `"${path}" was not found in the asset roots (${roots.join(', ')})`,
    location,
  );
}

/** Files directly in an asset folder with one of `extensions` (lower case, with the dot), sorted by name. */
export function listAssetFolder(folder: string, roots: readonly string[], extensions: ReadonlySet<string>, location: ErrorLocation = {}): string[] {
  const dir = resolveAsset(folder, roots, location);
  if (!statSync(dir).isDirectory()) throw new AssetPathError(`"${folder}" is not a folder`, location);
  return readdirSync(dir)
    .filter((name) => extensions.has(extname(name).toLowerCase()))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
    .map((name) => join(dir, name))
    .filter((file) => roots.some((root) => inside(root, realpathSync(file))) && statSync(file).isFile());
}
