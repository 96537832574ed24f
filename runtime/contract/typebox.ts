/**
 * The TypeBox builders the contract writes its shapes with, gathered here by
 * name: importing `Type` would bring every builder TypeBox has into the
 * editor's first page (about 40 KB); these few are what the shapes use.
 */
import { Any, Array, Boolean, Integer, Intersect, Literal, Number, Object, Optional, Record, String, Union, Unknown, Unsafe, type SchemaOptions, type TUnsafe } from '@sinclair/typebox';

export type { ObjectOptions, SchemaOptions, Static, TObject, TOptional, TProperties, TSchema, TUnsafe } from '@sinclair/typebox';

/**
 * One of these strings, published as `{ type: 'string', enum: [...] }`: the
 * form ajv, the editor's forms and OpenAPI readers understand best (TypeBox's
 * own union of literals would publish `anyOf` of `const`s).
 */
function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export const Type = { Any, Array, Boolean, Integer, Intersect, Literal, Number, Object, Optional, Record, String, StringEnum, Union, Unknown, Unsafe };
