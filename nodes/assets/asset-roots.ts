/**
 * Project files a graph may read (stills, music beds, sound effects…) live
 * under asset roots. A path from a script or a param is resolved inside them
 * and must stay inside after following symlinks: an episode is text from
 * anywhere, and `![x](../../../etc/passwd)` must not become a video frame.
 *
 * Which folders are roots is the deployment's decision, not the graph's: a
 * graph arrives from API callers and webhooks, so its `assetRoots` param may
 * only narrow the roots the operator configured (REELGRAPH_ASSET_ROOTS, read
 * by every process that runs nodes — CLI, server and queue workers alike).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PermanentError, type ErrorLocation } from '../../runtime/contract/index.js';

/** The deployment's roots when REELGRAPH_ASSET_ROOTS is unset, relative to the working directory (the project). */
export const DEFAULT_ASSET_ROOTS = ['assets', 'examples'];
export const ASSET_ROOTS_ENV = 'REELGRAPH_ASSET_ROOTS';

export const assetRootsParamSchema = {
  type: 'array',
  title: 'Asset roots',
  description: `Narrows where files may be read from to these folders, each inside the deployment's asset roots (${ASSET_ROOTS_ENV}; default the project's ${DEFAULT_ASSET_ROOTS.join(' and ')} folders). Unset: all of the deployment's roots.`,
  items: { type: 'string', minLength: 1 },
  minItems: 1,
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

/** The roots the deployment configured: REELGRAPH_ASSET_ROOTS (comma-separated, as REELGRAPH_NODE_MODULES), else the defaults. */
export function deploymentAssetRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const configured = (env[ASSET_ROOTS_ENV] ?? '').split(',').map((root) => root.trim()).filter(Boolean);
  return configured.length > 0 ? configured : DEFAULT_ASSET_ROOTS;
}

export interface PermittedRootsOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where the graph's `assetRoots` param is, for the error (the runtime adds the node). */
  location?: ErrorLocation;
}

/**
 * The roots a node may read from, as real paths: the deployment's, narrowed
 * to `requested` (a graph's `assetRoots` param) when given. A requested root
 * outside every deployment root — after following symlinks — is refused:
 * silently dropping it would hide a graph that expects more than it gets.
 */
export function permittedAssetRoots(requested: readonly string[] | undefined, options: PermittedRootsOptions = {}): string[] {
  const cwd = options.cwd ?? process.cwd();
  const deployment = resolveAssetRoots(deploymentAssetRoots(options.env), cwd);
  if (!requested) return deployment;
  const location = { param: '/assetRoots', ...options.location };
  const permitted: string[] = [];
  for (const root of requested) {
    const absolute = resolve(cwd, root);
    // A root that does not exist holds nothing to read; it is checked as written so a typo outside still says so.
    const real = existsSync(absolute) ? realpathSync(absolute) : absolute;
    if (!deployment.some((allowed) => inside(allowed, real))) {
      throw new AssetPathError(
        `asset root "${root}" is outside the deployment's asset roots (${deployment.join(', ') || 'none exists'}); a graph may only narrow them — the operator sets ${ASSET_ROOTS_ENV}`,
        location,
      );
    }
    if (existsSync(absolute)) permitted.push(real);
  }
  return permitted;
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
  if (roots.length === 0) throw new AssetPathError(`no asset root exists, so "${path}" cannot be read; create one (e.g. assets/) or set ${ASSET_ROOTS_ENV}`, location);
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

/**
 * The SHA-256 of each asset file's bytes, for a cache key: a result depends on
 * what a file holds, not on its name, so replacing a still or a music bed
 * under the same name must not reuse what was made from the old one.
 */
export function digestAssetFiles(files: readonly string[]): string[] {
  return files.map((file) => createHash('sha256').update(readFileSync(file)).digest('hex'));
}
