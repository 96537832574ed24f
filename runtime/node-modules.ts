/**
 * The node types a process knows: the built-ins its entry point hands over
 * (the runtime does not know them), plus node packages named in
 * REELGRAPH_NODE_MODULES (comma-separated paths or package names). Each
 * module exports its node types as `nodes` or as the default export (an
 * array). Every process of a deployment — server, CLI, workers — must load
 * the same modules.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NodeRegistry, type NodeType } from './contract/index.js';

export class NodeModuleError extends Error {}

export async function loadNodeModules(env: NodeJS.ProcessEnv = process.env): Promise<NodeType[]> {
  const specs = (env.REELGRAPH_NODE_MODULES ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const loaded: NodeType[] = [];
  for (const spec of specs) {
    const url = spec.startsWith('.') || spec.startsWith('/') ? pathToFileURL(resolve(spec)).href : spec;
    let module: { nodes?: unknown; default?: unknown };
    try {
      module = (await import(url)) as typeof module;
    } catch (error) {
      throw new NodeModuleError(`REELGRAPH_NODE_MODULES: cannot load "${spec}": ${error instanceof Error ? error.message : String(error)}`);
    }
    const nodes = module.nodes ?? module.default;
    if (!Array.isArray(nodes) || nodes.some((n) => typeof n !== 'object' || n === null || typeof (n as NodeType).execute !== 'function')) {
      throw new NodeModuleError(`REELGRAPH_NODE_MODULES: "${spec}" must export an array of node types as \`nodes\` or default`);
    }
    loaded.push(...(nodes as NodeType[]));
  }
  return loaded;
}

export async function loadRegistry(builtins: readonly NodeType[], env: NodeJS.ProcessEnv = process.env): Promise<NodeRegistry<NodeType>> {
  return new NodeRegistry<NodeType>([...builtins, ...(await loadNodeModules(env))]);
}
