/**
 * Resolving a series variant against its template: the one place that follows
 * `extends` chains and decides what is a cycle. Templates live in different
 * places (files next to each other, the store, the shipped templates), so the
 * caller says what a reference names and how to read it; the rule is the same
 * everywhere: a variant extending itself is an error naming it, a cycle is an
 * error naming the whole chain.
 */
import { ReelgraphError } from './errors.js';
import { applyOverrides, isVariant, type AnyGraphDocument, type GraphDocument, type GraphVariant } from './graph.js';

/** Where the templates of a chain come from. */
export interface TemplateSource {
  /**
   * The identity of the template `ref` names, as written in the document
   * known as `from` (undefined for the document being resolved when it has
   * no identity yet). Equal keys are the same document: cycles are found by key.
   */
  keyOf(ref: string, from: string | undefined): string | Promise<string>;
  /** The document of that key; undefined when there is none. */
  read(key: string): Promise<AnyGraphDocument | undefined>;
  /** How a key reads in an error message; the key itself by default. */
  label?(key: string): string;
}

export type VariantErrorCode = 'VARIANT_CYCLE' | 'UNKNOWN_TEMPLATE';

/** A chain that cannot be resolved; `chain` is the keys followed, ending at the offending one. */
export class VariantResolutionError extends ReelgraphError {
  declare readonly code: VariantErrorCode;

  constructor(
    code: VariantErrorCode,
    message: string,
    readonly ref: string,
    readonly chain: readonly string[],
  ) {
    super(code, message, { retryable: false, location: { path: '/extends' } });
  }
}

/**
 * The full graph a document stands for: itself when it is not a variant,
 * else its template's (resolved in turn) with its overrides applied. `key` is
 * the document's own identity in `source` (a stored id, a file path), so a
 * variant extending itself is told from one extending another.
 */
export async function resolveVariant(doc: AnyGraphDocument, source: TemplateSource, key?: string): Promise<GraphDocument> {
  const chain: string[] = key === undefined ? [] : [key];
  const variants: GraphVariant[] = [];
  let current = doc;
  let currentKey = key;
  const label = (k: string): string => source.label?.(k) ?? k;
  while (isVariant(current)) {
    const ref = current.extends;
    const templateKey = await source.keyOf(ref, currentKey);
    if (templateKey === currentKey) {
      throw new VariantResolutionError('VARIANT_CYCLE', `the variant "${label(templateKey)}" extends itself`, ref, [...chain, templateKey]);
    }
    if (chain.includes(templateKey)) {
      throw new VariantResolutionError('VARIANT_CYCLE', `variants extend each other in a cycle: ${[...chain, templateKey].map(label).join(' → ')}`, ref, [...chain, templateKey]);
    }
    const template = await source.read(templateKey);
    if (!template) throw new VariantResolutionError('UNKNOWN_TEMPLATE', `the template "${ref}" is not found`, ref, [...chain, templateKey]);
    variants.push(current);
    chain.push(templateKey);
    current = template;
    currentKey = templateKey;
  }
  // The innermost template first: each variant patches what its template resolved to.
  return variants.reduceRight<GraphDocument>((graph, variant) => applyOverrides(graph, variant), current);
}
