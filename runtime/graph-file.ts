/**
 * Reading graph documents from disk: JSON syntax errors with line and column,
 * and series variants resolved against their templates (relative paths,
 * chains of variants, and cycles between them reported).
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { GraphValidationError, ReelgraphError } from './contract/errors.js';
import { applyOverrides, isVariant } from './contract/graph.js';
import type { AnyGraphDocument, GraphDocument } from './contract/graph.js';
import { checkDocumentSchema } from './contract/validate.js';

export interface LoadedGraph {
  file: string;
  /** As written (possibly a variant). */
  document: AnyGraphDocument;
  /** With every `extends` applied. */
  graph: GraphDocument;
}

export class GraphFileError extends ReelgraphError {
  constructor(message: string, file: string, line?: number, cause?: unknown) {
    super('GRAPH_FILE', message, { retryable: false, location: { file, ...(line !== undefined ? { line } : {}) }, cause });
  }
}

/** Where a JSON.parse error points, as 1-based line and column. */
function positionOf(text: string, error: Error): { line: number; column: number } | undefined {
  const match = /position (\d+)/.exec(error.message);
  if (!match) return undefined;
  const offset = Number(match[1]);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

export function parseGraphJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    const at = positionOf(text, error as Error);
    const where = at ? `${file}:${at.line}:${at.column}` : file;
    throw new GraphFileError(`${where}: invalid JSON: ${(error as Error).message}`, file, at?.line, error);
  }
}

async function readDocument(file: string): Promise<AnyGraphDocument> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GraphFileError(code === 'ENOENT' ? `${file}: no such graph file` : `${file}: cannot read (${code ?? String(error)})`, file, undefined, error);
  }
  const document = parseGraphJson(text, file);
  const problems = checkDocumentSchema(document);
  if (problems.length > 0) throw new GraphValidationError(problems, file);
  return document as AnyGraphDocument;
}

/**
 * Load a graph file, resolving `extends` chains. `lookup` resolves a template
 * reference that is not a file path (a stored graph id); without it,
 * references are paths relative to the referring file.
 */
export async function loadGraphFile(path: string, lookup?: (ref: string) => Promise<AnyGraphDocument | undefined>): Promise<LoadedGraph> {
  const file = resolve(path);
  const document = await readDocument(file);
  const graph = await resolveDocument(document, file, lookup, [file]);
  return { file, document, graph };
}

async function resolveDocument(
  document: AnyGraphDocument,
  file: string,
  lookup: ((ref: string) => Promise<AnyGraphDocument | undefined>) | undefined,
  chain: string[],
): Promise<GraphDocument> {
  if (!isVariant(document)) return document;
  const fromStore = lookup && !document.extends.endsWith('.json') ? await lookup(document.extends) : undefined;
  const templateFile = fromStore ? `graph:${document.extends}` : resolve(dirname(file), document.extends);
  if (chain.includes(templateFile)) {
    throw new GraphFileError(`${file}: variants extend each other in a cycle: ${[...chain, templateFile].join(' → ')}`, file);
  }
  const template = fromStore ?? (await readDocument(templateFile));
  const resolvedTemplate = await resolveDocument(template, templateFile, lookup, [...chain, templateFile]);
  return applyOverrides(resolvedTemplate, document);
}
