/** The graph a command names: a .json file, or the id of a stored graph (variants resolved). */
import { existsSync } from 'node:fs';
import type { AnyGraphDocument, GraphDocument } from '../runtime/contract/index.js';
import { resolveVariant, VariantResolutionError } from '../runtime/contract/variant.js';
import { GraphFileError, loadGraphFile } from '../runtime/graph-file.js';
import type { Workspace } from '../runtime/workspace.js';

export async function loadGraph(workspace: Workspace, ref: string): Promise<GraphDocument> {
  if (existsSync(ref) || ref.endsWith('.json')) return (await loadGraphFile(ref, (id) => storedDocument(workspace, id))).graph;
  const stored = await storedDocument(workspace, ref);
  if (!stored) throw new GraphFileError(`no graph file or stored graph named "${ref}"`, ref);
  try {
    // Stored variants extend stored ids: the contract's resolver follows the chain.
    return await resolveVariant(stored, { keyOf: (id) => id, read: (id) => storedDocument(workspace, id) }, ref);
  } catch (error) {
    if (error instanceof VariantResolutionError) throw new GraphFileError(`stored graph "${ref}": ${error.message}`, error.ref, undefined, error);
    throw error;
  }
}

export async function storedDocument(workspace: Workspace, id: string): Promise<AnyGraphDocument | undefined> {
  return (await workspace.store.getGraph(id))?.doc;
}
