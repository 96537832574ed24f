/**
 * Saving the graph open in the editor — shared by the graph panel and the
 * toolbar's Save button.
 *
 * - A graph never saved (no `meta.id`) is created: POST /api/graphs; the
 *   runs started from it while unsaved (`adoptRuns`) become its runs, so its
 *   run history survives the first save.
 * - A stored graph gets a new version: PUT /api/graphs/:id.
 * - A stored series variant stays a variant: the editor shows its resolved
 *   graph, so the overrides are recomputed against the template's resolved
 *   graph and the variant document (`extends` + `overrides`) is what is PUT.
 *
 * Afterwards the store is told with `markSaved({id, version})`. Failures are
 * thrown as the client's ApiError (400s carry every problem with its node and
 * JSON pointer).
 */
import { GRAPH_FORMAT, GRAPH_SCHEMA_VERSION, isVariant, type GraphDocument, type GraphVariant } from '../../../runtime/contract/graph.js';
import { ApiError, type ApiClient, type StoredGraph } from '../api/client.js';
import { computeOverrides } from './diff.js';

export interface SavedMeta {
  id: string;
  version: number;
}

/** What saving needs of the graph store (`useGraphStore` satisfies it). */
export interface SaveStore {
  getState(): {
    doc: GraphDocument | undefined;
    meta: { id?: string | undefined; version?: number | undefined; dirty: boolean };
    markSaved(meta: SavedMeta): void;
  };
}

export type SaveApi = Pick<ApiClient, 'getGraph' | 'createGraph' | 'saveGraph'>;

export interface SaveOptions {
  /** For a new graph: the id to create it under (else the server derives one from the name). */
  id?: string;
  /** For a new graph: runs of the unsaved document that become the new graph's runs. */
  adoptRuns?: string[];
}

/** The variant document that makes `template` into `edited`, keeping the variant's own name and description. */
export function variantDocument(variant: GraphVariant, template: GraphDocument, edited: GraphDocument): GraphVariant {
  const description = edited.description !== undefined && edited.description !== template.description ? edited.description : variant.description;
  return {
    format: GRAPH_FORMAT,
    schemaVersion: GRAPH_SCHEMA_VERSION,
    ...(variant.id ? { id: variant.id } : {}),
    name: edited.name || variant.name,
    ...(description ? { description } : {}),
    extends: variant.extends,
    overrides: computeOverrides(template, edited),
  };
}

/** The template a variant resolves against: the stored graph's resolved form (templates may be variants themselves). */
async function templateOf(api: SaveApi, variant: GraphVariant): Promise<GraphDocument> {
  let template: StoredGraph;
  try {
    template = await api.getGraph(variant.extends);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      throw new ApiError(409, 'TEMPLATE_MISSING', `this variant extends "${variant.extends}", which is not a stored graph; save the template on the server first`);
    }
    throw error;
  }
  if (template.resolved) return template.resolved;
  if (isVariant(template.doc)) throw new ApiError(409, 'TEMPLATE_UNRESOLVED', `the template "${variant.extends}" cannot be resolved`);
  return template.doc;
}

/** Saves the open graph (see the module comment) and returns the stored version. */
export async function saveCurrentGraph(api: SaveApi, store: SaveStore, message?: string, options: SaveOptions = {}): Promise<StoredGraph> {
  const { doc, meta } = store.getState();
  if (!doc) throw new ApiError(0, 'NO_GRAPH', 'there is no graph to save');
  const text = message?.trim() ? message.trim().slice(0, 500) : undefined;
  let saved: StoredGraph;
  if (!meta.id) {
    const adopt = options.adoptRuns?.length ? [options.adoptRuns] : [];
    saved = await api.createGraph(doc, text, options.id?.trim() || undefined, ...adopt);
  } else {
    const latest = await api.getGraph(meta.id);
    if (isVariant(latest.doc)) {
      const template = await templateOf(api, latest.doc);
      saved = await api.saveGraph(meta.id, variantDocument(latest.doc, template, doc), text);
    } else {
      saved = await api.saveGraph(meta.id, doc, text);
    }
  }
  store.getState().markSaved({ id: saved.id, version: saved.version });
  return saved;
}
