/**
 * The shipped templates: the graphs in `graphs/*.json` and the example
 * episodes in `examples/episodes/`, found from the package root (so a build
 * serves them too). The catalog describes them for the editor's gallery;
 * `installTemplate` stores one as a graph the producer can open and edit.
 *
 * Installing never overwrites: a stored graph whose latest version equals the
 * shipped document is reused; a different graph under that id keeps it, and
 * the template goes under a free id (`episode-2`). A variant (`"extends":
 * "./episode.json"`) brings its template along the same way and is stored
 * extending that template's stored id.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import canonicalize from 'canonicalize';
import { parseGraphJson } from '../runtime/graph-file.js';
import { isVariant, type AnyGraphDocument, type GraphDocument } from '../runtime/contract/graph.js';
import { resolveVariant, type TemplateSource } from '../runtime/contract/variant.js';
import type { EpisodeTemplate, GraphTemplate, TemplateCatalog } from '../runtime/contract/templates.js';
import type { RunStore } from '../runtime/store/types.js';
import { episodeFormat, episodeOpening, episodeTitle } from './episode-text.js';
import { notFound } from './errors.js';
import { packagePath } from './package-root.js';

export interface TemplateDirs {
  graphs: string;
  episodes: string;
}

export const shippedTemplateDirs = (): TemplateDirs => ({ graphs: packagePath('graphs'), episodes: packagePath('examples', 'episodes') });

/** The gallery's order: what a producer most likely wants first; the rest follow by name. */
const FEATURED_GRAPHS = ['episode', 'shorts', 'voices', 'scenes-fallback', 'voices-fallback', 'script'];
const FEATURED_EPISODES = ['last-terminal-ep01', 'explainer-compression', 'shorts-hook'];
const EPISODE_EXTENSIONS = ['.md', '.markdown', '.fountain'];
/** Front matter `aspect: "9:16"` means a vertical episode: the Shorts graph renders it. */
const GRAPH_OF_ASPECT: Record<string, string> = { '9:16': 'shorts' };

const byFeatured =
  (featured: string[]) =>
  (a: { name: string }, b: { name: string }): number => {
    const rank = (name: string): number => (featured.includes(name) ? featured.indexOf(name) : featured.length);
    return rank(a.name) - rank(b.name) || a.name.localeCompare(b.name);
  };

/** A template name is a file's base name: letters, digits, `-` and `_`; never a path. */
export const TEMPLATE_NAME = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';
const templateName = new RegExp(TEMPLATE_NAME);

/** `./episode.json`, `graphs/episode.json`, `episode.json` → `episode`; undefined for a stored id (no `.json`). */
export function templateNameOfPath(ref: string): string | undefined {
  if (!ref.toLowerCase().endsWith('.json')) return undefined;
  return basename(ref.replace(/\\/g, '/')).slice(0, -'.json'.length);
}

export async function readGraphTemplate(dirs: TemplateDirs, name: string): Promise<AnyGraphDocument> {
  if (!templateName.test(name)) throw notFound(`template "${name}"`);
  let text: string;
  try {
    text = await readFile(join(dirs.graphs, `${name}.json`), 'utf8');
  } catch {
    throw notFound(`template "${name}"`);
  }
  const { $schema: _schema, ...doc } = parseGraphJson(text, `${name}.json`) as AnyGraphDocument & { $schema?: string };
  return doc as AnyGraphDocument;
}

/**
 * The template with its `extends` chain applied: shipped variants extend
 * shipped files, keyed by name (`./episode.json` → `episode`). `name` is the
 * template's own, so one extending itself is told apart.
 */
export async function resolveTemplate(dirs: TemplateDirs, doc: AnyGraphDocument, name?: string): Promise<GraphDocument> {
  return resolveVariant(doc, shippedTemplates(dirs), name);
}

const shippedTemplates = (dirs: TemplateDirs): TemplateSource => ({
  keyOf: (ref) => templateNameOfPath(ref) ?? ref,
  read: (name) => readGraphTemplate(dirs, name),
});

async function graphTemplate(dirs: TemplateDirs, file: string): Promise<GraphTemplate | undefined> {
  const name = file.slice(0, -'.json'.length);
  try {
    const doc = await readGraphTemplate(dirs, name);
    const resolved = await resolveTemplate(dirs, doc, name);
    return {
      name,
      file,
      title: doc.name,
      description: doc.description ?? '',
      kind: isVariant(doc) ? 'variant' : 'graph',
      ...(isVariant(doc) ? { extends: templateNameOfPath(doc.extends) ?? doc.extends } : {}),
      nodeCount: resolved.nodes.length,
      inputs: Object.keys(resolved.inputs ?? {}),
    };
  } catch {
    // A file that is not a readable graph is not a template; the gallery shows the rest.
    return undefined;
  }
}

async function episodeTemplate(dirs: TemplateDirs, file: string): Promise<EpisodeTemplate> {
  const text = await readFile(join(dirs.episodes, file), 'utf8');
  const name = file.slice(0, -extname(file).length);
  const aspect = text.slice(0, 2048).match(/^aspect\s*:\s*["']?([0-9]+:[0-9]+)/m)?.[1];
  return {
    name,
    file,
    title: episodeTitle(text) ?? name,
    description: episodeOpening(text),
    format: episodeFormat(text, file),
    words: text.split(/\s+/).filter((word) => /[\p{L}\p{N}]/u.test(word)).length,
    graph: (aspect && GRAPH_OF_ASPECT[aspect]) ?? 'episode',
  };
}

const filesIn = async (dir: string): Promise<string[]> => readdir(dir).catch(() => [] as string[]);

export async function templateCatalog(dirs: TemplateDirs = shippedTemplateDirs()): Promise<TemplateCatalog> {
  const graphFiles = (await filesIn(dirs.graphs)).filter((file) => file.endsWith('.json') && templateName.test(file.slice(0, -5)));
  const episodeFiles = (await filesIn(dirs.episodes)).filter((file) => EPISODE_EXTENSIONS.includes(extname(file).toLowerCase()) && templateName.test(file.slice(0, -extname(file).length)));
  const graphs = (await Promise.all(graphFiles.map((file) => graphTemplate(dirs, file)))).filter((template): template is GraphTemplate => template !== undefined);
  const episodes = await Promise.all(episodeFiles.map((file) => episodeTemplate(dirs, file)));
  return { graphs: graphs.sort(byFeatured(FEATURED_GRAPHS)), episodes: episodes.sort(byFeatured(FEATURED_EPISODES)) };
}

export async function episodeText(name: string, dirs: TemplateDirs = shippedTemplateDirs()): Promise<{ name: string; title: string; format: string; text: string }> {
  if (!templateName.test(name)) throw notFound(`example episode "${name}"`);
  const file = (await filesIn(dirs.episodes)).find((candidate) => candidate.slice(0, -extname(candidate).length) === name && EPISODE_EXTENSIONS.includes(extname(candidate).toLowerCase()));
  if (!file) throw notFound(`example episode "${name}"`);
  const text = await readFile(join(dirs.episodes, file), 'utf8');
  return { name, title: episodeTitle(text) ?? name, format: episodeFormat(text, file), text };
}

const sameDocument = (a: unknown, b: unknown): boolean => canonicalize(a) === canonicalize(b);

/** `id` if free or holding exactly `doc`; else `id-2`, `id-3`, …: whichever comes first. Answers whether it is stored already. */
export async function placeFor(store: RunStore, id: string, doc: (id: string) => AnyGraphDocument): Promise<{ id: string; stored: boolean }> {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? id : `${id}-${n}`;
    const existing = await store.getGraph(candidate);
    if (!existing) return { id: candidate, stored: false };
    if (sameDocument(existing.doc, doc(candidate))) return { id: candidate, stored: true };
  }
}

/**
 * Stores a shipped graph (its template first, for a variant) unless the same
 * document is stored already; answers the stored id. `save` validates and
 * stores (the routes' own path, so an installed graph is checked like any other).
 */
export async function installTemplate(
  store: RunStore,
  name: string,
  save: (doc: AnyGraphDocument, id: string, message: string) => Promise<void>,
  dirs: TemplateDirs = shippedTemplateDirs(),
  seen: string[] = [],
): Promise<string> {
  if (seen.includes(name)) throw new Error(`shipped templates extend each other in a cycle: ${[...seen, name].join(' → ')}`);
  const shipped = await readGraphTemplate(dirs, name);
  let extendsId: string | undefined;
  if (isVariant(shipped)) {
    const base = templateNameOfPath(shipped.extends);
    // A shipped variant of a stored id (not a file) extends that graph as it is.
    extendsId = base ? await installTemplate(store, base, save, dirs, [...seen, name]) : shipped.extends;
  }
  const docFor = (id: string): AnyGraphDocument => ({ ...shipped, id, ...(extendsId ? { extends: extendsId } : {}) }) as AnyGraphDocument;
  const place = await placeFor(store, shipped.id ?? name, docFor);
  if (!place.stored) await save(docFor(place.id), place.id, `installed from the template graphs/${name}.json`);
  return place.id;
}
