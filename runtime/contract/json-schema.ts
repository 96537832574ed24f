/**
 * A JSON Schema document, as ajv, the editor's forms and the OpenAPI
 * document take it. A leaf module: the port types, the script and timeline
 * schemas all use it without importing one another.
 */
import type { TSchema } from './typebox.js';

export type JsonSchema = { [keyword: string]: unknown };

/**
 * A TypeBox schema as the plain JSON Schema it is. Shapes are written once,
 * with TypeBox, and their TypeScript types come from them (`Static`); TypeBox's
 * own marker is a symbol key, invisible to ajv and to JSON.
 */
export function jsonSchema(schema: TSchema): JsonSchema {
  return schema as unknown as JsonSchema;
}
