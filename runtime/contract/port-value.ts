/**
 * The JSON Schema a port value must match, per port type and list-ness: one
 * object per pair, built on first use, so ajv (which caches its validators by
 * schema object, see schema.ts) compiles each validator once rather than on
 * every check of an output, a run input or an input's default.
 */
import type { JsonSchema } from './json-schema.js';
import { portTypes, type PortTypeName } from './ports.js';
import { checkSchema, type SchemaIssue } from './schema.js';

const listSchemas = new Map<PortTypeName, JsonSchema>();

/** The schema of a `type` value, or of a `type[]` value when `list`. */
export function portValueSchema(type: PortTypeName, list = false): JsonSchema {
  if (!list) return portTypes[type].schema;
  let schema = listSchemas.get(type);
  if (!schema) {
    schema = { type: 'array', items: portTypes[type].schema };
    listSchemas.set(type, schema);
  }
  return schema;
}

/** Every way `value` fails to be a `type` (`type[]` when `list`) value; [] when it is one. */
export function checkPortValue(port: { type: PortTypeName; list?: boolean | undefined }, value: unknown): SchemaIssue[] {
  return checkSchema(portValueSchema(port.type, port.list), value);
}
