/**
 * The node registry: every node type known to a process. The CLI's `nodes`
 * command, the server's node API and the editor palette all list it.
 */
import type { NodeDescription } from './node.js';

export class NodeRegistry<T extends NodeDescription = NodeDescription> {
  private readonly byType = new Map<string, Map<number, T>>();

  constructor(nodes: Iterable<T> = []) {
    for (const node of nodes) this.register(node);
  }

  register(node: T): this {
    const versions = this.byType.get(node.type) ?? new Map<number, T>();
    if (versions.has(node.version)) throw new Error(`node type ${node.type}@${node.version} is registered twice`);
    versions.set(node.version, node);
    this.byType.set(node.type, versions);
    return this;
  }

  get(type: string, version: number): T | undefined {
    return this.byType.get(type)?.get(version);
  }

  hasType(type: string): boolean {
    return this.byType.has(type);
  }

  versionsOf(type: string): number[] {
    return [...(this.byType.get(type)?.keys() ?? [])].sort((a, b) => a - b);
  }

  latest(type: string): T | undefined {
    const versions = this.versionsOf(type);
    const newest = versions[versions.length - 1];
    return newest === undefined ? undefined : this.get(type, newest);
  }

  /** All types, every version, sorted by category then type then version. */
  list(): T[] {
    return [...this.byType.values()]
      .flatMap((versions) => [...versions.values()])
      .sort((a, b) => a.category.localeCompare(b.category) || a.type.localeCompare(b.type) || a.version - b.version);
  }
}
