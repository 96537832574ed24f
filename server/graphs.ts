/**
 * Stored graphs as the server sees them: variants resolved against their
 * stored templates (chains followed, cycles reported), and full validation
 * with every problem's JSON pointer.
 */
import type { AnyGraphDocument, GraphDocument } from '../runtime/contract/graph.js';
import { resolveVariant, VariantResolutionError, type TemplateSource } from '../runtime/contract/variant.js';
import type { GraphProblem } from '../runtime/contract/errors.js';
import { checkDocumentSchema, validateGraph } from '../runtime/contract/validate.js';
import type { NodeRegistry } from '../runtime/contract/registry.js';
import type { RunStore } from '../runtime/store/types.js';
import { templateNameOfPath } from './templates.js';

/**
 * Resolves `extends` chains through the store (stored ids are the keys; a file
 * path names no stored graph); problems (missing template, cycle) come back
 * as GraphProblems.
 */
export async function resolveDocument(store: RunStore, doc: AnyGraphDocument): Promise<{ graph?: GraphDocument; problems: GraphProblem[] }> {
  try {
    return { graph: await resolveVariant(doc, storedTemplates(store), doc.id), problems: [] };
  } catch (error) {
    if (!(error instanceof VariantResolutionError)) throw error;
    return { problems: [variantProblem(error)] };
  }
}

const storedTemplates = (store: RunStore): TemplateSource => ({
  keyOf: (ref) => ref,
  read: async (id) => (templateNameOfPath(id) !== undefined ? undefined : (await store.getGraph(id))?.doc),
});

/** A chain that does not resolve, as the problem at `/extends`. */
export function variantProblem(error: VariantResolutionError): GraphProblem {
  return error.code === 'UNKNOWN_TEMPLATE' ? unknownTemplate(error.ref) : { path: '/extends', code: error.code, message: error.message };
}

/** A template that is neither stored nor (for a file path) among the imported files: say how to get it there. */
export function unknownTemplate(ref: string, path = '/extends'): GraphProblem {
  const file = templateNameOfPath(ref) !== undefined;
  return {
    path,
    code: 'UNKNOWN_TEMPLATE',
    message: file
      ? `this series variant extends the file "${ref}", which is neither imported with it nor a stored graph; import both files together (POST /api/graphs/import, or choose both files in the editor's Import)`
      : `the template "${ref}" is not a stored graph`,
  };
}

/**
 * A variant written next to its template file (`"extends": "./episode.json"`,
 * as graphs/shorts.json is) names a stored graph once that file is stored: the
 * id is the file's base name. Other documents come back unchanged.
 */
export async function normalizeExtends<T>(store: RunStore, doc: T): Promise<T> {
  const ref = (doc as { extends?: unknown } | null)?.extends;
  const id = typeof ref === 'string' ? templateNameOfPath(ref) : undefined;
  return id && (await store.getGraph(id)) ? { ...doc, extends: id } : doc;
}

export interface CheckedDocument {
  document: AnyGraphDocument;
  graph?: GraphDocument;
  problems: GraphProblem[];
}

/** Structure, then (for a variant) resolution, then the semantic checks of the resolved graph. */
export async function checkDocument(store: RunStore, registry: NodeRegistry, given: unknown): Promise<CheckedDocument> {
  const doc = await normalizeExtends(store, given);
  const structural = checkDocumentSchema(doc);
  if (structural.length > 0) return { document: doc as AnyGraphDocument, problems: structural };
  const document = doc as AnyGraphDocument;
  const resolved = await resolveDocument(store, document);
  if (!resolved.graph) return { document, problems: resolved.problems };
  return { document, graph: resolved.graph, problems: validateGraph(resolved.graph, registry) };
}
