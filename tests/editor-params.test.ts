import { describe, expect, it } from 'vitest';
import validator from '@rjsf/validator-ajv8';
import { describeNode, type CredentialSpec } from '../runtime/contract/index.js';
import { createBuiltinRegistry } from '../nodes/index.js';
import { credentialPayload, credentialStatus, credentialStatuses, describeCredentialStatus } from '../editor/src/params/credentials.js';
import {
  buildUiSchema,
  cleanParams,
  cleanSettings,
  defaultsOf,
  formatDefault,
  formSchema,
  isOverridden,
  jsonEqual,
  paramsPatch,
  settingsSchema,
  settingsUiSchema,
} from '../editor/src/params/schema.js';

const templateParams = {
  type: 'object',
  additionalProperties: false,
  required: ['template', 'name'],
  properties: {
    template: { type: 'string', title: 'Template', default: '{{text}}', 'x-widget': 'textarea' },
    name: { type: 'string', minLength: 1 },
    values: { type: 'object', title: 'Values', default: {} },
    provider: { enum: ['offline', 'elevenlabs'], default: 'offline' },
    endpoint: { type: 'string', format: 'uri' },
    padMs: { type: 'integer', minimum: 0, maximum: 2000, default: 120 },
    tags: { type: 'array', items: { type: 'string', default: 'x' }, default: [] },
    nested: { type: 'object', required: ['depth'], properties: { depth: { type: 'integer', default: 2 }, label: { type: 'string' } } },
  },
};

/** The field an rjsf error is about, without rjsf's leading dot. */
const field = (error: { property?: string }): string => (error.property ?? '').replace(/^\./, '');

describe('params schema helpers', () => {
  it('extracts top-level defaults', () => {
    expect(defaultsOf(templateParams)).toEqual({ template: '{{text}}', values: {}, provider: 'offline', padMs: 120, tags: [] });
    expect(defaultsOf(undefined)).toEqual({});
  });

  it('formats defaults for hints', () => {
    expect(formatDefault('offline')).toBe('offline');
    expect(formatDefault('')).toBe('(empty text)');
    expect(formatDefault([])).toBe('(empty list)');
    expect(formatDefault({})).toBe('(none)');
    expect(formatDefault(120)).toBe('120');
    expect(formatDefault(false)).toBe('false');
    expect(formatDefault({ a: 1 })).toBe('{"a":1}');
    expect(formatDefault('x'.repeat(200), 10)).toBe(`${'x'.repeat(9)}…`);
  });

  it('takes defaulted fields out of required, at every level, without touching data keywords', () => {
    const schema = formSchema(templateParams);
    expect(schema.required).toEqual(['name']);
    expect((schema.properties as Record<string, { required?: string[] }>).nested!.required).toBeUndefined();
    expect((schema.properties as Record<string, { enum?: string[] }>).provider!.enum).toEqual(['offline', 'elevenlabs']);
    expect(templateParams.required).toEqual(['template', 'name']); // the input is not mutated
    expect(formSchema(undefined)).toEqual({ type: 'object', properties: {} });
  });

  it('validates like the runtime would: empty defaulted fields pass, bad values and formats fail', () => {
    const schema = formSchema(templateParams);
    expect(validator.validateFormData({ name: 'a' }, schema).errors).toEqual([]);
    const { errors } = validator.validateFormData({ name: 'a', padMs: 5000, endpoint: 'not a url', provider: 'nope' }, schema);
    expect(errors.map(field).sort()).toEqual(['endpoint', 'padMs', 'provider']);
    expect(validator.validateFormData({}, schema).errors.map(field)).toEqual(['name']);
  });

  it('builds placeholders and widget hints, nested too', () => {
    expect(buildUiSchema(templateParams)).toEqual({
      template: { 'ui:placeholder': 'default: {{text}}', 'ui:widget': 'textarea' },
      provider: { 'ui:placeholder': 'default: offline' },
      padMs: { 'ui:placeholder': 'default: 120' },
      tags: { items: { 'ui:placeholder': 'default: x' } },
      nested: { depth: { 'ui:placeholder': 'default: 2' } },
    });
    expect(buildUiSchema({ type: 'object', properties: { mode: { enum: ['a', 'b'] } } })).toEqual({ mode: { 'ui:placeholder': 'choose…' } });
  });

  it('cleans form data and compares JSON', () => {
    expect(cleanParams({ a: undefined, b: 1, c: { d: undefined, e: [1, undefined] } })).toEqual({ b: 1, c: { e: [1, null] } });
    expect(cleanParams(undefined)).toEqual({});
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1, z: undefined })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
  });

  it('computes the store patch: changed keys, removed keys as undefined', () => {
    expect(paramsPatch({ a: 1, b: { c: 1 }, d: 'x' }, { a: 1, b: { c: 2 }, e: true })).toEqual({ b: { c: 2 }, d: undefined, e: true });
    expect(Object.keys(paramsPatch({ a: 1 }, { a: 1 }))).toEqual([]);
  });

  it('knows which params differ from their default', () => {
    expect(isOverridden(templateParams, { padMs: 120 }, 'padMs')).toBe(false);
    expect(isOverridden(templateParams, { padMs: 100 }, 'padMs')).toBe(true);
    expect(isOverridden(templateParams, { name: 'x' }, 'name')).toBe(true);
    expect(isOverridden(templateParams, {}, 'padMs')).toBe(false);
  });

  it('node settings: schema, placeholders from the node type, cleaning', () => {
    expect(Object.keys(settingsSchema.properties as object)).toEqual(['retries', 'retryDelayMs', 'maxRetryDelayMs', 'timeoutMs', 'alwaysRun']);
    expect(settingsUiSchema({ retry: { retries: 2, backoffMs: 1000 }, timeoutMs: 180000 })).toEqual({
      retries: { 'ui:placeholder': 'node default: 2' },
      retryDelayMs: { 'ui:placeholder': 'node default: 1000' },
      maxRetryDelayMs: { 'ui:placeholder': 'runtime default: 60000' },
      timeoutMs: { 'ui:placeholder': 'node default: 180000' },
    });
    expect(settingsUiSchema(undefined).timeoutMs).toEqual({ 'ui:placeholder': 'no timeout' });
    expect(cleanSettings({ retries: 3, retryDelayMs: undefined, timeoutMs: Number.NaN, alwaysRun: false })).toEqual({ retries: 3 });
    expect(cleanSettings({ alwaysRun: true, timeoutMs: 10 })).toEqual({ timeoutMs: 10, alwaysRun: true });
    expect(cleanSettings({ maxRetryDelayMs: 5000 })).toEqual({ maxRetryDelayMs: 5000 });
    expect(validator.validateFormData({ retries: 99 }, settingsSchema).errors).toHaveLength(1);
  });
});

describe('credential status', () => {
  const elevenlabs: CredentialSpec = { name: 'elevenlabs', title: 'ElevenLabs', env: { apiKey: 'ELEVENLABS_API_KEY' }, optional: true };
  const twoFields: CredentialSpec = { name: 'comfy', title: 'ComfyUI', env: { url: 'COMFY_URL', token: 'COMFY_TOKEN' } };

  it('reads the environment when nothing is stored', () => {
    const status = credentialStatus(elevenlabs, []);
    expect(status).toEqual({
      name: 'elevenlabs',
      title: 'ElevenLabs',
      optional: true,
      state: 'env',
      fields: [{ field: 'apiKey', variable: 'ELEVENLABS_API_KEY', stored: false }],
      extraStoredFields: [],
    });
    expect(describeCredentialStatus(status)).toBe("not stored — read from ELEVENLABS_API_KEY in the server's environment (optional)");
  });

  it('stored, partly stored, extra fields', () => {
    const stored = [
      { name: 'elevenlabs', fields: ['apiKey'], createdAt: 1, updatedAt: 2 },
      { name: 'comfy', fields: ['url', 'legacy'], createdAt: 1, updatedAt: 3 },
    ];
    const [a, b] = credentialStatuses([elevenlabs, twoFields], stored);
    expect(a).toMatchObject({ state: 'stored', updatedAt: 2 });
    expect(describeCredentialStatus(a!)).toBe('stored on the server (encrypted)');
    expect(b).toMatchObject({ state: 'partial', extraStoredFields: ['legacy'] });
    expect(describeCredentialStatus(b!)).toBe("partly stored; COMFY_TOKEN from the server's environment");
    expect(credentialStatuses(undefined, stored)).toEqual([]);
  });

  it('builds the PUT payload from typed values only', () => {
    expect(credentialPayload({ apiKey: '  sk-1 ', other: '', third: undefined })).toEqual({ apiKey: 'sk-1' });
    expect(credentialPayload({ apiKey: '   ' })).toBeUndefined();
  });
});

describe('shipped node types', () => {
  it('every params schema compiles for the form; an empty form is valid unless a field has no default and is required', () => {
    const descriptions = createBuiltinRegistry().list().map((node) => describeNode(node));
    expect(descriptions.length).toBeGreaterThan(10);
    for (const description of descriptions) {
      const schema = formSchema(description.params);
      const required = ((description.params.required as string[] | undefined) ?? []).filter((name) => !('default' in ((description.params.properties as Record<string, object>)[name] ?? {})));
      const { errors } = validator.validateFormData({}, schema);
      expect(errors.map(field), description.type).toEqual(required);
      expect(() => buildUiSchema(description.params)).not.toThrow();
    }
  });
});
