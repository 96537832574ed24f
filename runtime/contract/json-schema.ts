/**
 * A JSON Schema document, as ajv, the editor's forms and the OpenAPI
 * document take it. A leaf module: the port types, the script and timeline
 * schemas all use it without importing one another.
 */
export type JsonSchema = { [keyword: string]: unknown };
