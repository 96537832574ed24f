/**
 * Pure helpers behind the parameter form (no DOM, no React): they turn a node
 * type's params JSON Schema into what @rjsf/core needs — a schema whose
 * defaulted fields are not "required", a uiSchema with "default: …"
 * placeholders and widget hints — and clean the form's data before it goes
 * into the graph document.
 *
 * Defaults are *shown*, not written: a field left empty keeps the node type's
 * default (the runtime applies it before execute), so documents and variant
 * diffs only carry what the user changed. "Reset to default" removes the key.
 */
import type { JsonSchema } from '../../../runtime/contract/ports.js';
import type { NodeDescription, NodeSettings } from '../../../runtime/contract/index.js';
import { DEFAULT_MAX_RETRY_DELAY_MS } from '../../../runtime/contract/node.js';

export type UiSchema = { [key: string]: unknown };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const propertiesOf = (schema: JsonSchema): Record<string, JsonSchema> =>
  isObject(schema.properties) ? (schema.properties as Record<string, JsonSchema>) : {};

/** The top-level defaults a params schema declares: `{ field: default }`. */
export function defaultsOf(schema: JsonSchema | undefined): Record<string, unknown> {
  const defaults: Record<string, unknown> = {};
  if (!schema) return defaults;
  for (const [key, property] of Object.entries(propertiesOf(schema))) {
    if (isObject(property) && 'default' in property) defaults[key] = structuredClone(property.default);
  }
  return defaults;
}

/** A default as a short human string: strings bare, empty lists and maps spelled out, the rest as JSON. */
export function formatDefault(value: unknown, maxLength = 80): string {
  let text: string;
  if (typeof value === 'string') text = value === '' ? '(empty text)' : value;
  else if (Array.isArray(value) && value.length === 0) text = '(empty list)';
  else if (isObject(value) && Object.keys(value).length === 0) text = '(none)';
  else if (value === undefined) text = '(unset)';
  else text = JSON.stringify(value);
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}

/**
 * The schema the form validates against: the node's params schema with every
 * field that has a default taken out of `required` (an empty field means
 * "use the default", which is valid), recursively.
 */
export function formSchema(schema: JsonSchema | undefined): JsonSchema {
  if (!isObject(schema)) return { type: 'object', properties: {} };
  return relaxRequired(structuredClone(schema)) as JsonSchema;
}

const dataKeywords = new Set(['default', 'const', 'enum', 'examples', 'required']);
const schemaMaps = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

function relaxRequired(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(relaxRequired);
  if (!isObject(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (dataKeywords.has(key)) out[key] = value;
    else if (schemaMaps.has(key) && isObject(value)) out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, relaxRequired(sub)]));
    else out[key] = relaxRequired(value);
  }
  const properties = isObject(out.properties) ? (out.properties as Record<string, unknown>) : undefined;
  if (Array.isArray(out.required) && properties) {
    const required = (out.required as unknown[]).filter((name) => typeof name !== 'string' || !(isObject(properties[name]) && 'default' in (properties[name] as object)));
    if (required.length > 0) out.required = required;
    else delete out.required;
  }
  return out;
}

const widgetHints: Record<string, string> = { textarea: 'textarea', password: 'password', color: 'color', range: 'range', radio: 'radio', select: 'select' };

/**
 * uiSchema for a params schema: `default: …` placeholders (for selects the
 * empty option reads "default: …"), `x-widget` hints (e.g. textarea), and
 * the same for nested objects and array items.
 */
export function buildUiSchema(schema: JsonSchema | undefined): UiSchema {
  const ui: UiSchema = {};
  if (!isObject(schema)) return ui;
  for (const [key, property] of Object.entries(propertiesOf(schema))) {
    const child = fieldUi(property);
    if (Object.keys(child).length > 0) ui[key] = child;
  }
  return ui;
}

function fieldUi(property: JsonSchema): UiSchema {
  const ui: UiSchema = {};
  if (!isObject(property)) return ui;
  if ('default' in property && (typeof property.default !== 'object' || property.default === null)) {
    ui['ui:placeholder'] = `default: ${formatDefault(property.default)}`;
  } else if (Array.isArray(property.enum) || Array.isArray(property.oneOf)) {
    ui['ui:placeholder'] = 'choose…';
  }
  const hint = typeof property['x-widget'] === 'string' ? widgetHints[property['x-widget']] : undefined;
  if (hint) ui['ui:widget'] = hint;
  if (property.format === 'password' || property.writeOnly === true) ui['ui:widget'] = 'password';
  if (isObject(property.properties)) Object.assign(ui, buildUiSchema(property));
  if (isObject(property.items)) {
    const items = fieldUi(property.items as JsonSchema);
    if (Object.keys(items).length > 0) ui.items = items;
  }
  if (isObject(property.additionalProperties)) {
    const extra = fieldUi(property.additionalProperties as JsonSchema);
    if (Object.keys(extra).length > 0) ui.additionalProperties = extra;
  }
  return ui;
}

/**
 * Form data → params: keys whose value is `undefined` are dropped (at every
 * object level; array elements are kept as they are, in order).
 */
export function cleanParams(data: unknown): Record<string, unknown> {
  const cleaned = clean(data);
  return isObject(cleaned) ? cleaned : {};
}

function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : clean(item)));
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (child !== undefined) out[key] = clean(child);
  }
  return out;
}

/** Order-insensitive deep equality of JSON values (object key order does not matter). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a).filter((key) => a[key] !== undefined);
    const other = Object.keys(b).filter((key) => b[key] !== undefined);
    return keys.length === other.length && keys.every((key) => jsonEqual(a[key], b[key]));
  }
  return false;
}

/**
 * The `updateParams` patch that turns `current` into `next` (the store merges
 * shallowly; a key set to `undefined` is removed). Unchanged keys are left out.
 */
export function paramsPatch(current: Record<string, unknown>, next: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(current)) {
    if (current[key] !== undefined && next[key] === undefined) patch[key] = undefined;
  }
  for (const [key, value] of Object.entries(next)) {
    if (value !== undefined && !jsonEqual(current[key], value)) patch[key] = value;
  }
  return patch;
}

/** A top-level param that is set to something other than its schema default (or has no default). */
export function isOverridden(schema: JsonSchema | undefined, params: Record<string, unknown>, key: string): boolean {
  if (params[key] === undefined) return false;
  const defaults = defaultsOf(schema);
  return !(key in defaults) || !jsonEqual(defaults[key], params[key]);
}

/** JSON Schema of a node's settings (as in the graph document), with the node type's defaults as placeholders. */
export const settingsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    retries: { type: 'integer', minimum: 0, maximum: 20, title: 'Retries', description: 'Attempts after the first one.' },
    retryDelayMs: { type: 'integer', minimum: 0, title: 'Retry delay (ms)', description: 'Base delay of the exponential backoff.' },
    maxRetryDelayMs: {
      type: 'integer',
      minimum: 0,
      title: 'Longest retry wait (ms)',
      description: 'A provider asking to wait longer (Retry-After) fails the item at once, so a fallback takes over.',
    },
    timeoutMs: { type: 'integer', minimum: 1, title: 'Timeout (ms)', description: 'Per attempt (per item for a mapped node).' },
    alwaysRun: { type: 'boolean', title: 'Always run', description: 'Never reuse a cached result for this node.' },
  },
};

/** Placeholders for the settings form: what the node type does when a setting is left empty. */
export function settingsUiSchema(description: Pick<NodeDescription, 'retry' | 'timeoutMs'> | undefined): UiSchema {
  const hint = (value: number | undefined, fallback: string): UiSchema => ({ 'ui:placeholder': value === undefined ? fallback : `node default: ${value}` });
  return {
    retries: hint(description?.retry?.retries, 'runtime default'),
    retryDelayMs: hint(description?.retry?.backoffMs, 'runtime default'),
    maxRetryDelayMs: hint(description?.retry?.maxRetryDelayMs, `runtime default: ${DEFAULT_MAX_RETRY_DELAY_MS}`),
    timeoutMs: hint(description?.timeoutMs, 'no timeout'),
  };
}

/** Settings form data → the node's `settings` (empty fields dropped; `alwaysRun: false` is the default, so it is dropped too). */
export function cleanSettings(data: unknown): NodeSettings {
  const out: NodeSettings = {};
  if (!isObject(data)) return out;
  for (const key of ['retries', 'retryDelayMs', 'maxRetryDelayMs', 'timeoutMs'] as const) {
    const value = data[key];
    if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
  }
  if (data.alwaysRun === true) out.alwaysRun = true;
  return out;
}
