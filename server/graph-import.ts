/**
 * Importing graph files (POST /api/graphs/import): several documents at
 * once, so a series variant can come with the template file it extends.
 *
 * A variant's `extends` written as a file path (`"./episode.json"`, as
 * graphs/shorts.json is) resolves, in this order, to: a document of that file
 * name in the same request; a stored graph with that id (the base name); the
 * shipped template of that file name (installed). Otherwise the answer is 400
 * with a problem at `/documents/<i>/document/extends` saying to import both
 * files together.
 *
 * Every document is validated — the variants resolved in memory — before
 * anything is stored, so a bad request stores nothing. Nothing stored is ever
 * overwritten: a document equal to a stored graph reuses it, one whose id is
 * taken by a different graph goes under a free id (`episode-2`), and a variant
 * in the request is stored extending its template's final id.
 */
import { basename } from 'node:path';
import { isVariant, type AnyGraphDocument, type GraphDocument } from '../runtime/contract/graph.js';
import { resolveVariant, VariantResolutionError, type TemplateSource as ResolverSource } from '../runtime/contract/variant.js';
import type { GraphProblem } from '../runtime/contract/errors.js';
import type { NodeRegistry } from '../runtime/contract/registry.js';
import { checkDocumentSchema, validateGraph } from '../runtime/contract/validate.js';
import { graphIdFor } from '../runtime/store/graph-id.js';
import type { RunStore } from '../runtime/store/types.js';
import type { ImportedDocument } from '../runtime/contract/api-requests.js';
import { badRequest, type RequestProblem } from './errors.js';
import { unknownTemplate, variantProblem } from './graphs.js';
import { installTemplate, placeFor, readGraphTemplate, shippedTemplateDirs, templateNameOfPath, type TemplateDirs } from './templates.js';

export type { ImportedDocument };

/** Where a variant's template comes from. */
type TemplateSource = { from: 'request'; index: number } | { from: 'stored'; id: string } | { from: 'shipped'; name: string };

interface Entry {
  index: number;
  fileName?: string;
  doc: AnyGraphDocument;
  template?: TemplateSource;
  /** The id it is stored under, once stored. */
  id?: string;
}

const fileBase = (fileName: string | undefined): string | undefined => (fileName ? basename(fileName.replace(/\\/g, '/')).replace(/\.json$/i, '') : undefined);

export interface ImportServices {
  store: RunStore;
  registry: NodeRegistry;
  /** Validates and stores one document (the route's own path for a single graph). */
  save(doc: AnyGraphDocument, id: string, message: string): Promise<void>;
  dirs?: TemplateDirs;
}

/** Stores the documents (templates before their variants); answers the stored ids in request order. */
export async function importGraphs(services: ImportServices, documents: ImportedDocument[], message?: string): Promise<string[]> {
  const { store, registry } = services;
  const dirs = services.dirs ?? shippedTemplateDirs();
  const problems: RequestProblem[] = [];
  const at = (index: number, problem: GraphProblem): RequestProblem => ({ in: 'body', ...problem, path: `/documents/${index}/document${problem.path}` });

  const entries: Entry[] = [];
  for (const [index, { fileName, document }] of documents.entries()) {
    const structural = checkDocumentSchema(document);
    if (structural.length > 0) problems.push(...structural.map((problem) => at(index, problem)));
    else entries.push({ index, ...(fileName ? { fileName } : {}), doc: document as AnyGraphDocument });
  }

  // Where each variant's template is.
  for (const entry of entries) {
    if (!isVariant(entry.doc)) continue;
    const ref = entry.doc.extends;
    const fileName = templateNameOfPath(ref);
    const inRequest = entries.find((other) => other !== entry && (fileName !== undefined ? fileBase(other.fileName) === fileName : other.doc.id === ref || fileBase(other.fileName) === ref));
    if (inRequest) entry.template = { from: 'request', index: inRequest.index };
    else if (await store.getGraph(fileName ?? ref)) entry.template = { from: 'stored', id: fileName ?? ref };
    else if (fileName !== undefined && (await readGraphTemplate(dirs, fileName).then(() => true, () => false))) entry.template = { from: 'shipped', name: fileName };
    else problems.push(at(entry.index, unknownTemplate(ref)));
  }

  // Resolve every document in memory and validate it.
  const templates = importedTemplates(entries, store, dirs);
  for (const entry of entries) {
    if (templateMissing(entry, entries)) continue; // reported above, at the variant whose template is missing
    let graph: GraphDocument;
    try {
      graph = await resolveVariant(entry.doc, templates, requestKey(entry.index));
    } catch (error) {
      if (!(error instanceof VariantResolutionError)) throw error;
      problems.push(at(entry.index, variantProblem(error)));
      continue;
    }
    problems.push(...validateGraph(graph, registry).map((problem) => at(entry.index, problem)));
  }
  if (problems.length > 0) throw badRequest(`${problems.length === 1 ? 'a document is' : 'documents are'} invalid; nothing was imported`, problems);

  // Store: templates first.
  const storeEntry = async (entry: Entry): Promise<string> => {
    if (entry.id) return entry.id;
    let extendsId: string | undefined;
    const source = entry.template;
    if (source?.from === 'request') extendsId = await storeEntry(entries.find((other) => other.index === source.index)!);
    else if (source?.from === 'stored') extendsId = source.id;
    else if (source?.from === 'shipped') extendsId = await installTemplate(store, source.name, services.save, dirs);
    const docFor = (id: string): AnyGraphDocument => ({ ...stripSchema(entry.doc), id, ...(extendsId ? { extends: extendsId } : {}) }) as AnyGraphDocument;
    const wanted = graphIdFor(entry.doc, entry.doc.id ? undefined : validId(fileBase(entry.fileName)));
    const place = await placeFor(store, wanted, docFor);
    if (!place.stored) await services.save(docFor(place.id), place.id, message ?? `imported${entry.fileName ? ` from ${basename(entry.fileName)}` : ''}`);
    return (entry.id = place.id);
  };
  const ids: string[] = [];
  for (const entry of entries) ids.push(await storeEntry(entry));
  return ids;
}

/** Whether the entry, or a request document its chain goes through, is a variant whose template was not found. */
function templateMissing(entry: Entry, entries: Entry[], seen = new Set<Entry>()): boolean {
  if (!isVariant(entry.doc) || seen.has(entry)) return false;
  if (!entry.template) return true;
  const source = entry.template;
  const next = source.from === 'request' ? entries.find((other) => other.index === source.index) : undefined;
  return next !== undefined && templateMissing(next, entries, seen.add(entry));
}

/** A document of the request is keyed `#<index>`; a shipped template `shipped:<name>`; a stored graph by its id. */
const requestKey = (index: number): string => `#${index}`;
const SHIPPED = 'shipped:';

/**
 * The templates an import resolves against: a request document's template is
 * where the search above found it; a stored graph's and a shipped template's
 * are found the way the store and the shipped files name them.
 */
function importedTemplates(entries: Entry[], store: RunStore, dirs: TemplateDirs): ResolverSource {
  const entryOf = (key: string): Entry | undefined => (key.startsWith('#') ? entries.find((entry) => requestKey(entry.index) === key) : undefined);
  return {
    keyOf(ref, from) {
      const entry = from === undefined ? undefined : entryOf(from);
      if (entry?.template) {
        const source = entry.template;
        return source.from === 'request' ? requestKey(source.index) : source.from === 'stored' ? source.id : `${SHIPPED}${source.name}`;
      }
      return from?.startsWith(SHIPPED) ? `${SHIPPED}${templateNameOfPath(ref) ?? ref}` : ref;
    },
    async read(key) {
      if (key.startsWith('#')) return entryOf(key)?.doc;
      if (key.startsWith(SHIPPED)) return readGraphTemplate(dirs, key.slice(SHIPPED.length));
      return templateNameOfPath(key) !== undefined ? undefined : (await store.getGraph(key))?.doc;
    },
    label(key) {
      const entry = entryOf(key);
      if (!entry) return key.startsWith(SHIPPED) ? `graphs/${key.slice(SHIPPED.length)}.json` : key;
      return entry.fileName ?? entry.doc.id ?? `document ${entry.index}`;
    },
  };
}

/** A file's `$schema` is a path relative to the file; in the store it means nothing. */
const stripSchema = (doc: AnyGraphDocument): AnyGraphDocument => {
  const { $schema: _schema, ...rest } = doc as AnyGraphDocument & { $schema?: unknown };
  return rest as AnyGraphDocument;
};

const validId = (candidate: string | undefined): string | undefined => (candidate && /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/.test(candidate) ? candidate : undefined);
