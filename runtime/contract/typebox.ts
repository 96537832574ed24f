/**
 * The TypeBox builders the contract writes its shapes with, gathered here by
 * name: importing `Type` would bring every builder TypeBox has into the
 * editor's first page (about 40 KB); these few are what the shapes use.
 */
import { Array, Boolean, Integer, Number, Object, Optional, String, Unsafe } from '@sinclair/typebox';

export type { ObjectOptions, Static, TObject, TProperties, TSchema } from '@sinclair/typebox';

export const Type = { Array, Boolean, Integer, Number, Object, Optional, String, Unsafe };
