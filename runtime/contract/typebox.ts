/**
 * The TypeBox builders the contract writes its shapes with, gathered here by
 * name: importing `Type` would bring every builder TypeBox has into the
 * editor's first page (about 40 KB); these few are what the shapes use.
 */
import { Any, Array, Boolean, Integer, Intersect, Literal, Number, Object, Optional, Record, String, Union, Unknown, Unsafe } from '@sinclair/typebox';

export type { ObjectOptions, Static, TObject, TProperties, TSchema } from '@sinclair/typebox';

export const Type = { Any, Array, Boolean, Integer, Intersect, Literal, Number, Object, Optional, Record, String, Union, Unknown, Unsafe };
