/**
 * Stored graphs as the server sees them: variants resolved against their
 * stored templates (chains followed, cycles reported), and full validation
 * with every problem's JSON pointer.
 */
import { applyOverrides, isVariant, type AnyGraphDocument, type GraphDocument } from '../runtime/contract/graph.js';
import type { GraphProblem } from '../runtime/contract/errors.js';
import { checkDocumentSchema, validateGraph } from '../runtime/contract/validate.js';
import type { NodeRegistry } from '../runtime/contract/registry.js';
import type { RunStore } from '../runtime/store/types.js';

/** Resolves `extends` chains through the store; problems (missing template, cycle) come back as GraphProblems. */
export async function resolveDocument(
  store: RunStore,
  doc: AnyGraphDocument,
  chain: string[] = [],
): Promise<{ graph?: GraphDocument; problems: GraphProblem[] }> {
  if (!isVariant(doc)) return { graph: doc, problems: [] };
  if (chain.includes(doc.extends) || doc.extends === doc.id) {
    return { problems: [{ path: '/extends', code: 'VARIANT_CYCLE', message: `variants extend each other in a cycle: ${[...chain, doc.extends].join(' → ')}` }] };
  }
  const template = await store.getGraph(doc.extends);
  if (!template) return { problems: [{ path: '/extends', code: 'UNKNOWN_TEMPLATE', message: `the template "${doc.extends}" is not a stored graph` }] };
  const resolved = await resolveDocument(store, template.doc, [...chain, ...(doc.id ? [doc.id] : []), doc.extends]);
  if (!resolved.graph) return resolved;
  return { graph: applyOverrides(resolved.graph, doc), problems: [] };
}

export interface CheckedDocument {
  document: AnyGraphDocument;
  graph?: GraphDocument;
  problems: GraphProblem[];
}

/** Structure, then (for a variant) resolution, then the semantic checks of the resolved graph. */
export async function checkDocument(store: RunStore, registry: NodeRegistry, doc: unknown): Promise<CheckedDocument> {
  const structural = checkDocumentSchema(doc);
  if (structural.length > 0) return { document: doc as AnyGraphDocument, problems: structural };
  const document = doc as AnyGraphDocument;
  const resolved = await resolveDocument(store, document);
  if (!resolved.graph) return { document, problems: resolved.problems };
  return { document, graph: resolved.graph, problems: validateGraph(resolved.graph, registry) };
}
