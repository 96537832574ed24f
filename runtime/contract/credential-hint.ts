/**
 * Where a producer puts a missing credential: one sentence, the same in a
 * node's error, the server's pre-run warning and the editor. The runtime reads
 * the server's encrypted store first (the editor's Credentials panel, or
 * PUT /api/credentials/<name>), then the environment variables the node type
 * names; a queue worker gets the server's credentials with each job.
 */
import type { CredentialSpec } from './node.js';

export function whereToStoreCredential(spec: Pick<CredentialSpec, 'name' | 'env'>, field?: string): string {
  const variables = field && spec.env[field] ? [spec.env[field]] : Object.values(spec.env);
  const env = variables.length > 0 ? ` or set ${variables.join(' and ')} in the server's environment` : '';
  return `store it as credential "${spec.name}" in the editor's Credentials panel (PUT /api/credentials/${spec.name})${env}`;
}

/**
 * Does credential `spec` belong to provider `provider` ("google" ↔
 * "google-tts", "openai" ↔ "openai")? A node that speaks to one of several
 * providers needs only the selected one's credential: the server's pre-run
 * warnings and the editor's credentials picker both ask this.
 */
export function credentialServesProvider(spec: Pick<CredentialSpec, 'name'>, provider: string): boolean {
  const name = spec.name.toLowerCase();
  const wanted = provider.toLowerCase();
  return name === wanted || name.startsWith(`${wanted}-`) || wanted.startsWith(`${name}-`);
}
