/**
 * Request validation with ajv: params and query are coerced from strings
 * (`?limit=5` → 5) and get their defaults; bodies are checked as sent.
 * Every issue comes back with where it is (`in` + JSON pointer).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import type { JsonSchema } from '../runtime/contract/ports.js';
import type { RequestProblem } from './errors.js';

const pluginModule = addFormatsPlugin as unknown as { default?: (ajv: Ajv) => Ajv };
const addFormats = pluginModule.default ?? (addFormatsPlugin as unknown as (ajv: Ajv) => Ajv);

function createAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, coerceTypes: coerce ? 'array' : false, allowUnionTypes: true });
  addFormats(ajv);
  return ajv;
}

const strings = createAjv(true);
const json = createAjv(false);
const compiled = new WeakMap<object, ValidateFunction>();

export type RequestPart = 'params' | 'query' | 'body' | 'headers';

/** Validates (and coerces, for params/query) a copy of `value`; returns it with defaults, or the problems. */
export function validatePart(part: RequestPart, schema: JsonSchema, value: unknown): { value: unknown; problems: RequestProblem[] } {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = (part === 'body' ? json : strings).compile(schema);
    compiled.set(schema, validate);
  }
  const copy = value === undefined ? undefined : structuredClone(value);
  if (validate(copy)) return { value: copy, problems: [] };
  return { value: copy, problems: problemsOf(part, validate.errors) };
}

function problemsOf(part: RequestPart, errors: ErrorObject[] | null | undefined): RequestProblem[] {
  const seen = new Set<string>();
  const problems: RequestProblem[] = [];
  for (const error of errors ?? []) {
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf' || error.keyword === 'if') continue;
    const params = error.params as Record<string, unknown>;
    let path = error.instancePath;
    let message = error.message ?? `fails ${error.keyword}`;
    if (error.keyword === 'required') {
      path = `${path}/${String(params.missingProperty)}`;
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      path = `${path}/${String(params.additionalProperty)}`;
      message = 'is not a known property';
    } else if (error.keyword === 'enum') {
      message = `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    }
    const key = `${path} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push({ in: part, path, message });
  }
  return problems;
}

/** `body/name is required; query/limit must be <= 1000`. */
export function summarize(problems: RequestProblem[]): string {
  return problems.map((p) => `${p.in ?? ''}${p.path || ''} ${p.message}`.trim()).join('; ');
}
