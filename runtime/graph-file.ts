/**
 * Reading graph documents from disk: JSON syntax errors with line and column,
 * and series variants resolved against their templates (relative paths,
 * chains of variants, and cycles between them reported).
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { GraphValidationError, ReelgraphError } from './contract/errors.js';
import type { AnyGraphDocument, GraphDocument } from './contract/graph.js';
import { checkDocumentSchema } from './contract/validate.js';
import { resolveVariant, VariantResolutionError, type TemplateSource } from './contract/variant.js';

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

/** Strict JSON with the position of the first syntax error (Node's own messages often give none). */
export function parseGraphJson(text: string, file: string): unknown {
  const errors: ParseError[] = [];
  const value: unknown = parse(text.replace(/^\uFEFF/, ''), errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return value;
  const before = text.slice(0, first.offset).split('\n');
  const line = before.length;
  const column = (before[before.length - 1]?.length ?? 0) + 1;
  throw new GraphFileError(`${file}:${line}:${column}: invalid JSON: ${printParseErrorCode(first.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()}`, file, line);
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
  try {
    return { file, document, graph: await resolveVariant(document, templateFiles(lookup), file) };
  } catch (error) {
    if (error instanceof VariantResolutionError) throw new GraphFileError(`${file}: ${error.message}`, file, undefined, error);
    throw error;
  }
}

/** Templates keyed by absolute path, or `graph:<id>` for a stored graph `lookup` finds (a reference not ending in `.json`). */
function templateFiles(lookup: ((ref: string) => Promise<AnyGraphDocument | undefined>) | undefined): TemplateSource {
  const stored = new Map<string, AnyGraphDocument>();
  return {
    async keyOf(ref, from) {
      const fromStore = lookup && !ref.endsWith('.json') ? await lookup(ref) : undefined;
      if (!fromStore) return resolve(dirname(from ?? ''), ref);
      stored.set(`graph:${ref}`, fromStore);
      return `graph:${ref}`;
    },
    read: async (key) => stored.get(key) ?? (await readDocument(key)),
  };
}
