/**
 * One place that compiles JSON Schemas (ajv) for graphs, node params and port
 * values, and turns ajv's errors into readable messages with a JSON pointer.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import type { JsonSchema } from './ports.js';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const pluginModule = addFormatsPlugin as unknown as { default?: (ajv: Ajv) => Ajv };
const addFormats = pluginModule.default ?? (addFormatsPlugin as unknown as (ajv: Ajv) => Ajv);

function createAjv(useDefaults: boolean): Ajv {
  // strict: false — node authors may annotate params with editor hints (e.g. `x-widget`).
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

const checking = createAjv(false);
const defaulting = createAjv(true);
const compiled = new WeakMap<object, ValidateFunction>();
const compiledWithDefaults = new WeakMap<object, ValidateFunction>();

function compile(schema: JsonSchema, withDefaults: boolean): ValidateFunction {
  const cache = withDefaults ? compiledWithDefaults : compiled;
  let validate = cache.get(schema);
  if (!validate) {
    validate = (withDefaults ? defaulting : checking).compile(schema);
    cache.set(schema, validate);
  }
  return validate;
}

export interface SchemaIssue {
  /** JSON pointer to the offending value ('' for the root). */
  pointer: string;
  message: string;
}

function describe(error: ErrorObject): SchemaIssue {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { pointer: `${error.instancePath}/${String(params.missingProperty)}`, message: 'is required' };
    case 'additionalProperties':
      return { pointer: `${error.instancePath}/${String(params.additionalProperty)}`, message: 'is not a known property' };
    case 'enum':
      return { pointer: error.instancePath, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { pointer: error.instancePath, message: `must be ${JSON.stringify(params.allowedValue)}` };
    default:
      return { pointer: error.instancePath, message: error.message ?? `fails ${error.keyword}` };
  }
}

/** All issues (not just the first), de-duplicated; anyOf/oneOf wrappers are folded into their branches' messages. */
export function checkSchema(schema: JsonSchema, value: unknown): SchemaIssue[] {
  const validate = compile(schema, false);
  return validate(value) ? [] : issuesOf(validate.errors);
}

/**
 * Validate and fill defaults. Returns a defaulted deep copy; the input is not
 * modified (a graph document's params stay as the author wrote them).
 */
export function applySchemaDefaults<T>(schema: JsonSchema, value: T): { value: T; issues: SchemaIssue[] } {
  const copy = structuredClone(value);
  const validate = compile(schema, true);
  return validate(copy) ? { value: copy, issues: [] } : { value: copy, issues: issuesOf(validate.errors) };
}

function issuesOf(errors: ErrorObject[] | null | undefined): SchemaIssue[] {
  const seen = new Set<string>();
  const issues: SchemaIssue[] = [];
  for (const error of errors ?? []) {
    // The branch errors below an anyOf already say what is wrong; the wrapper adds only noise.
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf' || error.keyword === 'if') continue;
    const issue = describe(error);
    const id = `${issue.pointer} ${issue.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      issues.push(issue);
    }
  }
  return issues;
}
