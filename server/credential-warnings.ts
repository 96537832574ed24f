/**
 * Pre-run warnings about credentials, for POST /api/graphs/validate: a node
 * whose provider needs a key that is neither stored (the vault) nor in the
 * server's environment — the same lookup a run uses — will fail.
 *
 * - MISSING_CREDENTIAL: the node will fail for want of the key.
 * - FALLBACK_EXPECTED: the node will fail too, but it feeds a
 *   `control.fallback` whose later alternative can run, so the run falls back
 *   (informational: graphs/episode.json without keys is meant to do this).
 *
 * Which credential a node needs is data: a required credential of its type
 * always; an optional one when the node's `provider` param selects it.
 */
import { credentialServesProvider, parseRef, whereToStoreCredential, type CredentialSpec, type CredentialsLookup, type GraphDocument, type GraphProblem, type NodeDescription, type NodeRegistry } from '../runtime/contract/index.js';

/**
 * Providers whose key is optional when the node points at another server (an
 * OpenAI-compatible self-hosted server such as Kokoro needs none).
 */
const KEYLESS_WITH_ENDPOINT = new Set(['openai']);

/** The credentials this node (type + params) cannot run without. */
export function neededCredentials(description: NodeDescription, params: Record<string, unknown>): CredentialSpec[] {
  const providerDefault = (description.params.properties as Record<string, { default?: unknown }> | undefined)?.provider?.default;
  const provider = typeof params.provider === 'string' ? params.provider : typeof providerDefault === 'string' ? providerDefault : undefined;
  return (description.credentials ?? []).filter((spec) => {
    if (!spec.optional) return true;
    if (!provider || !credentialServesProvider(spec, provider)) return false;
    return !(KEYLESS_WITH_ENDPOINT.has(provider) && typeof params.endpoint === 'string' && params.endpoint !== '');
  });
}

const hasAllFields = (fields: Record<string, string> | undefined, spec: CredentialSpec): boolean =>
  fields !== undefined && Object.keys(spec.env).every((field) => typeof fields[field] === 'string' && fields[field].trim() !== '');

export async function credentialWarnings(graph: GraphDocument, registry: NodeRegistry<NodeDescription>, lookup: CredentialsLookup): Promise<GraphProblem[]> {
  const available = new Map<string, boolean>();
  const isAvailable = async (spec: CredentialSpec): Promise<boolean> => {
    if (!available.has(spec.name)) {
      // A vault that cannot open its records (wrong key) has nothing usable for a run either.
      available.set(spec.name, hasAllFields(await lookup.get(spec.name).catch(() => undefined), spec));
    }
    return available.get(spec.name)!;
  };

  const missing = new Map<string, { index: number; specs: CredentialSpec[] }>();
  for (const [index, node] of graph.nodes.entries()) {
    const description = registry.get(node.type, node.typeVersion);
    if (!description) continue;
    const lacking: CredentialSpec[] = [];
    for (const spec of neededCredentials(description, node.params ?? {})) if (!(await isAvailable(spec))) lacking.push(spec);
    if (lacking.length > 0) missing.set(node.id, { index, specs: lacking });
  }
  if (missing.size === 0) return [];

  // Where each node's outputs go: a fallback choice (with its number) or anywhere else.
  const fallbacks = new Set(graph.nodes.filter((node) => registry.get(node.type, node.typeVersion)?.control === 'fallback').map((node) => node.id));
  const targetsOf = (nodeId: string): Array<{ node: string; port: string }> => graph.edges.filter((edge) => parseRef(edge.from).node === nodeId).map((edge) => parseRef(edge.to));
  const choiceNumber = (port: string): number => Number(/^choice(\d+)$/.exec(port)?.[1] ?? NaN);
  /** Will a fallback's choice after `after` be able to run? */
  const laterAlternativeRuns = (fallback: string, after: number): boolean =>
    graph.edges.some((edge) => {
      const to = parseRef(edge.to);
      return to.node === fallback && choiceNumber(to.port) > after && !missing.has(parseRef(edge.from).node);
    });

  const warnings: GraphProblem[] = [];
  for (const [nodeId, { index, specs }] of missing) {
    const targets = targetsOf(nodeId);
    const fallsBack = targets.length > 0 && targets.every((target) => fallbacks.has(target.node) && laterAlternativeRuns(target.node, choiceNumber(target.port)));
    for (const spec of specs) {
      warnings.push(
        fallsBack
          ? {
              path: `/nodes/${index}`,
              nodeId,
              code: 'FALLBACK_EXPECTED',
              message: `no ${spec.title} key: this alternative will fail and the fallback will use the next one; to use ${spec.title}, ${whereToStoreCredential(spec)}`,
            }
          : {
              path: `/nodes/${index}`,
              nodeId,
              code: 'MISSING_CREDENTIAL',
              message: `no ${spec.title} key: this node will fail; ${whereToStoreCredential(spec)}`,
            },
      );
    }
  }
  return warnings;
}
