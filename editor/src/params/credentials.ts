/**
 * Credential status for the parameter panel (pure, no DOM): which of the
 * credentials a node type declares are stored on the server (GET
 * /api/credentials lists names and field names, never values) and which the
 * runtime will read from environment variables instead.
 */
import { credentialServesProvider, type CredentialSpec } from '../../../runtime/contract/index.js';
import type { CredentialInfo } from '../api/client.js';

export interface CredentialStatus {
  name: string;
  title: string;
  optional: boolean;
  /**
   * `stored`: every field the spec names is stored on the server;
   * `partial`: stored, but some fields only come from the environment;
   * `env`: nothing stored, the runtime reads the environment variables.
   */
  state: 'stored' | 'partial' | 'env';
  /** The spec's fields with the environment variable each falls back to. */
  fields: Array<{ field: string; variable: string; stored: boolean }>;
  /** Stored fields the spec does not name (kept, unused by this node type). */
  extraStoredFields: string[];
  updatedAt?: number;
}

export function credentialStatus(spec: CredentialSpec, stored: readonly CredentialInfo[]): CredentialStatus {
  const info = stored.find((credential) => credential.name === spec.name);
  const storedFields = new Set(info?.fields ?? []);
  const fields = Object.entries(spec.env).map(([field, variable]) => ({ field, variable, stored: storedFields.has(field) }));
  const storedCount = fields.filter((field) => field.stored).length;
  const state: CredentialStatus['state'] = !info ? 'env' : storedCount === fields.length ? 'stored' : 'partial';
  return {
    name: spec.name,
    title: spec.title,
    optional: spec.optional === true,
    state,
    fields,
    extraStoredFields: [...storedFields].filter((field) => !(field in spec.env)),
    ...(info ? { updatedAt: info.updatedAt } : {}),
  };
}

export function credentialStatuses(specs: readonly CredentialSpec[] | undefined, stored: readonly CredentialInfo[]): CredentialStatus[] {
  return (specs ?? []).map((spec) => credentialStatus(spec, stored));
}

/** One line for the status badge. */
export function describeCredentialStatus(status: CredentialStatus): string {
  const variables = status.fields.map((field) => field.variable).join(', ');
  switch (status.state) {
    case 'stored':
      return 'stored on the server (encrypted)';
    case 'partial':
      return `partly stored; ${status.fields.filter((field) => !field.stored).map((field) => field.variable).join(', ')} from the server's environment`;
    case 'env':
      return variables ? `not stored — read from ${variables} in the server's environment${status.optional ? ' (optional)' : ''}` : 'not stored';
  }
}

/**
 * The `fields` of PUT /api/credentials/:name from what the user typed:
 * values trimmed, blank fields left out (the server refuses empty values);
 * undefined when nothing was typed. The PUT replaces the whole credential.
 */
export function credentialPayload(values: Record<string, string | undefined>): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  for (const [field, value] of Object.entries(values)) {
    if (typeof value === 'string' && value.trim() !== '') fields[field] = value.trim();
  }
  return Object.keys(fields).length > 0 ? fields : undefined;
}

/**
 * The credentials that matter for a node as configured: a node that speaks
 * to one of several providers (a `provider` parameter, several credentials)
 * needs only the selected provider's; a provider with none of them (offline,
 * espeak, procedural) needs none. Other nodes need what they declare.
 */
export function credentialsForProvider(specs: readonly CredentialSpec[] | undefined, params: Record<string, unknown> | undefined): CredentialSpec[] {
  const all = [...(specs ?? [])];
  const provider = params?.provider;
  if (typeof provider !== 'string' || all.length < 2) return all;
  return all.filter((spec) => credentialServesProvider(spec, provider));
}

/** Error messages of a provider that found no key (the runtime's PermanentErrors say "no API key"). */
const MISSING_KEY = /\bno API key\b|\bAPI key (?:is )?(?:not set|missing|not configured)\b|MISSING_CREDENTIAL/i;

/**
 * Where to put the key a failure asks for, or undefined when the failure is
 * not a missing key: the node's Credentials section in the editor, or the
 * environment variable.
 */
export function missingKeyHint(error: { code?: string; message: string } | undefined, specs: readonly CredentialSpec[] | undefined, params?: Record<string, unknown>): string | undefined {
  if (!error || !(error.code === 'MISSING_CREDENTIAL' || MISSING_KEY.test(error.message))) return undefined;
  // The runtime's own message may say it already.
  if (/credentials? panel|under Credentials/i.test(error.message)) return undefined;
  const candidates = credentialsForProvider(specs, params);
  const named = (specs ?? []).find((spec) => Object.values(spec.env).some((variable) => error.message.includes(variable)));
  const spec = named ?? (candidates.length === 1 ? candidates[0] : undefined);
  if (!spec) return 'Store the provider’s key under Credentials in the node’s panel (Node tab), or set its environment variable on the server.';
  const variables = Object.values(spec.env).join(', ');
  return `Store a key for “${spec.title}” under Credentials in the node’s panel (Node tab; kept encrypted on the server), or set ${variables} in the server’s environment.`;
}
