/**
 * The TypeBox builders the contract writes its shapes with, gathered here by
 * name: importing `Type` would bring every builder TypeBox has into the
 * editor's first page (about 40 KB); these few are what the shapes use.
 */
import { Any, Array, Boolean, Integer, Intersect, Literal, Number, Object, Optional, Record, String, Union, Unknown, Unsafe, type SchemaOptions, type TUnsafe } from '@sinclair/typebox';

export type { ObjectOptions, SchemaOptions, Static, TObject, TOptional, TProperties, TSchema, TUnsafe } from '@sinclair/typebox';

/**
 * One of these strings, published as a bare `{ enum: [...] }` as the API and
 * the graph format always have (TypeBox's union of literals would publish
 * `anyOf` of `const`s, and a `type` beside it a second problem for a
 * non-string), typed as the union.
 */
function StringEnum<const T extends readonly string[]>(values: T, options: SchemaOptions = {}): TUnsafe<T[number]> {
  return Unsafe<T[number]>({ enum: [...values], ...options });
}

/** Any JSON object, published as `{ type: 'object' }` and typed as T: run inputs and outputs, documents checked later by their own validator. */
function LooseObject<T = Record<string, unknown>>(options: SchemaOptions = {}): TUnsafe<T> {
  return Unsafe<T>({ type: 'object', ...options });
}

export const Type = { Any, Array, Boolean, Integer, Intersect, Literal, Number, Object, Optional, Record, String, StringEnum, LooseObject, Union, Unknown, Unsafe };
