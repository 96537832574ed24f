/**
 * A node type's params, written once: TypeBox properties give both the JSON
 * Schema (validation, the editor's form, `reelgraph nodes`) and the type
 * `execute` sees (`defineNode` infers it), so the two cannot disagree.
 */
import { Type, type ObjectOptions, type TObject, type TProperties } from './typebox.js';

export interface NodeParamsOptions extends ObjectOptions {
  /**
   * Params the user must set even though they have a default (the form marks
   * them). By default a param with a `default` is not required of the user:
   * the engine applies the default before `execute`, whose type has it.
   */
  required?: string[];
}

/** An object of exactly these params (no other keys); see NodeParamsOptions for what is required. */
export function nodeParams<P extends TProperties>(properties: P, options: NodeParamsOptions = {}): TObject<P> {
  const { required: explicit, ...rest } = options;
  const schema = Type.Object(properties, { additionalProperties: false, ...rest });
  // The JSON Schema's `required` is for the user; TypeBox's static type (what execute sees) keeps every non-Optional key.
  const plain = schema as unknown as { required?: string[] };
  const required = explicit ?? (plain.required ?? []).filter((key) => !('default' in properties[key]!));
  if (required.length > 0) plain.required = required;
  else delete plain.required;
  return schema;
}
