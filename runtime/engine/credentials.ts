/**
 * The embedded credentials lookup: environment variables named by each node
 * type's credential specs. The server issue adds an encrypted store that
 * satisfies the same `CredentialsLookup` and falls back to this one.
 */
import type { CredentialSpec, CredentialsLookup, NodeDescription } from '../contract/node.js';

export class EnvCredentials implements CredentialsLookup {
  private readonly specs = new Map<string, CredentialSpec>();

  constructor(
    nodes: Iterable<NodeDescription>,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    for (const node of nodes) for (const spec of node.credentials ?? []) this.specs.set(spec.name, spec);
  }

  async get(name: string): Promise<Record<string, string> | undefined> {
    const spec = this.specs.get(name);
    if (!spec) return undefined;
    const fields: Record<string, string> = {};
    for (const [field, variable] of Object.entries(spec.env)) {
      const value = this.env[variable];
      if (value === undefined || value === '') return undefined;
      fields[field] = value;
    }
    return fields;
  }
}
