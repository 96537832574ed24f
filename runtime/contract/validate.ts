/**
 * Graph validation: the JSON Schema first, then the semantic rules (node
 * types, ports, types of connections, required inputs, cycles, params).
 * Every problem is collected — a producer fixes a broken graph in one pass —
 * and each names the node, port or param and the JSON pointer.
 */
import type { GraphProblem } from './errors.js';
import { fullGraphSchema, variantGraphSchema, GRAPH_INPUT_NODE, parseRef } from './graph.js';
import type { GraphDocument, GraphEdge, GraphNode } from './graph.js';
import { checkGraphSettings } from './graph-settings.js';
import type { NodeDescription } from './node.js';
import { checkCompatibility, formatPortType, portTypes } from './ports.js';
import type { PortSpec } from './ports.js';
import type { NodeRegistry } from './registry.js';
import { applySchemaDefaults, checkSchema } from './schema.js';
import { checkPortValue } from './port-value.js';

/** Structure only: is this a well-formed graph or variant document? */
export function checkDocumentSchema(doc: unknown): GraphProblem[] {
  const isVariantShape = typeof doc === 'object' && doc !== null && 'extends' in doc;
  const schema = isVariantShape ? variantGraphSchema : fullGraphSchema;
  return checkSchema(schema, doc).map((issue) => ({
    path: issue.pointer,
    ...nodeIdAt(doc, issue.pointer),
    code: 'SCHEMA',
    message: issue.message,
  }));
}

function nodeIdAt(doc: unknown, pointer: string): { nodeId?: string } {
  const match = /^\/nodes\/(\d+)/.exec(pointer);
  if (!match) return {};
  const node = (doc as { nodes?: unknown[] }).nodes?.[Number(match[1])] as { id?: unknown } | undefined;
  return typeof node?.id === 'string' ? { nodeId: node.id } : {};
}

/** Full validation of a resolved graph (variants must be resolved first). */
export function validateGraph(doc: unknown, registry: NodeRegistry): GraphProblem[] {
  const problems = checkDocumentSchema(doc);
  if (typeof doc !== 'object' || doc === null) return problems;
  if ('extends' in doc) {
    if (problems.length === 0) problems.push({ path: '/extends', code: 'UNRESOLVED_VARIANT', message: 'a variant must be resolved against its template before it is validated' });
    return problems;
  }
  return problems.concat(new SemanticCheck(wellShapedParts(doc as Record<string, unknown>), registry).run());
}

/** The parts of a document with the right container types; the schema has already reported the rest. */
function wellShapedParts(doc: Record<string, unknown>): Partial<GraphDocument> {
  const isMap = (value: unknown): boolean => typeof value === 'object' && value !== null && !Array.isArray(value);
  const parts: Partial<GraphDocument> = {
    nodes: Array.isArray(doc.nodes) ? doc.nodes : [],
    edges: Array.isArray(doc.edges) ? doc.edges : [],
  };
  if (isMap(doc.inputs)) parts.inputs = Object.fromEntries(Object.entries(doc.inputs as object).filter(([, v]) => isMap(v) && typeof v.type === 'string' && v.type in portTypes));
  if (isMap(doc.settings)) parts.settings = Object.fromEntries(Object.entries(doc.settings as object).filter(([, v]) => typeof v === 'string'));
  if (isMap(doc.outputs)) parts.outputs = Object.fromEntries(Object.entries(doc.outputs as object).filter(([, v]) => typeof v === 'string' && v.includes('.')));
  return parts;
}

interface Located {
  node: GraphNode;
  index: number;
  description: NodeDescription | undefined;
}

/** Looks only at the parts that passed the schema, so one malformed node does not hide the others' problems. */
class SemanticCheck {
  private readonly problems: GraphProblem[] = [];
  private readonly nodes = new Map<string, Located>();
  /** target `node.port` → index of the first edge into it */
  private readonly connected = new Map<string, number>();
  /** target `node.port` → the first well-formed edge into it, known before edges are checked in order */
  private readonly incoming = new Map<string, GraphEdge>();

  constructor(
    private readonly doc: Partial<GraphDocument>,
    private readonly registry: NodeRegistry,
  ) {}

  run(): GraphProblem[] {
    for (const edge of this.wellFormedEdges()) if (!this.incoming.has(edge.to)) this.incoming.set(edge.to, edge);
    this.checkNodes();
    this.checkInputsDeclared();
    this.checkEdges();
    this.checkRequiredInputs();
    this.checkFallbacks();
    this.checkCycles();
    this.checkOutputs();
    this.checkSettings();
    return this.problems;
  }

  private report(problem: GraphProblem): void {
    this.problems.push(problem);
  }

  private checkNodes(): void {
    (this.doc.nodes ?? []).forEach((node, index) => {
      if (!isWellFormedNode(node)) return;
      const path = `/nodes/${index}`;
      if (this.nodes.has(node.id)) {
        this.report({ path: `${path}/id`, nodeId: node.id, code: 'DUPLICATE_NODE_ID', message: `node id "${node.id}" is used more than once` });
        return;
      }
      const description = this.describe(node, path);
      this.nodes.set(node.id, { node, index, description });
      if (description) this.checkParams(node, description, path);
    });
  }

  private describe(node: GraphNode, path: string): NodeDescription | undefined {
    const description = this.registry.get(node.type, node.typeVersion);
    if (description) return description;
    if (this.registry.hasType(node.type)) {
      const versions = this.registry.versionsOf(node.type).join(', ');
      this.report({
        path: `${path}/typeVersion`,
        nodeId: node.id,
        code: 'UNKNOWN_TYPE_VERSION',
        message: `${node.type} has no version ${node.typeVersion} (available: ${versions})`,
      });
    } else {
      const suggestion = closest(node.type, this.registry.list().map((d) => d.type));
      this.report({
        path: `${path}/type`,
        nodeId: node.id,
        code: 'UNKNOWN_NODE_TYPE',
        message: `unknown node type "${node.type}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
      });
    }
    return undefined;
  }

  private checkParams(node: GraphNode, description: NodeDescription, path: string): void {
    for (const issue of applySchemaDefaults(description.params, node.params).issues) {
      this.report({ path: `${path}/params${issue.pointer}`, nodeId: node.id, param: issue.pointer || '/', code: 'INVALID_PARAM', message: issue.message });
    }
  }

  private checkInputsDeclared(): void {
    for (const [name, input] of Object.entries(this.doc.inputs ?? {})) {
      if (input.default === undefined) continue;
      for (const issue of checkPortValue(input, input.default)) {
        this.report({ path: `/inputs/${name}/default${issue.pointer}`, code: 'INVALID_INPUT_DEFAULT', message: `default ${issue.message}` });
      }
    }
  }

  /** The port a source ref names, with fallback outputs resolved to what their first choice carries. */
  private sourcePort(ref: string, seen = new Set<string>()): PortSpec | undefined {
    const { node: nodeId, port } = parseRef(ref);
    if (nodeId === GRAPH_INPUT_NODE) {
      const input = this.doc.inputs?.[port];
      return input && { name: port, type: input.type, list: input.list ?? false };
    }
    const located = this.nodes.get(nodeId);
    const spec = located?.description?.outputs.find((p) => p.name === port);
    if (!spec || located?.description?.control !== 'fallback' || seen.has(nodeId)) return spec;
    seen.add(nodeId);
    const first = this.edgeInto(nodeId, located.description.inputs[0]?.name ?? '');
    return (first && this.sourcePort(first.from, seen)) ?? spec;
  }

  private edgeInto(nodeId: string, port: string): GraphEdge | undefined {
    return this.incoming.get(`${nodeId}.${port}`);
  }

  private wellFormedEdges(): GraphEdge[] {
    return (this.doc.edges ?? []).filter((edge) => typeof edge?.from === 'string' && typeof edge?.to === 'string' && edge.from.includes('.') && edge.to.includes('.'));
  }

  private checkEdges(): void {
    const wellFormed = new Set(this.wellFormedEdges());
    (this.doc.edges ?? []).forEach((edge, index) => {
      if (!wellFormed.has(edge)) return;
      const path = `/edges/${index}`;
      const from = this.checkSource(edge.from, `${path}/from`);
      const to = this.checkTarget(edge.to, `${path}/to`, index);
      if (!from || !to) return;
      const verdict = checkCompatibility(from, to.spec);
      if (!verdict.ok) {
        this.report({ path, nodeId: to.nodeId, port: to.spec.name, code: 'INCOMPATIBLE_PORTS', message: `${edge.from} → ${edge.to}: ${verdict.reason}` });
      }
    });
  }

  private checkSource(ref: string, path: string): PortSpec | undefined {
    const { node: nodeId, port } = parseRef(ref);
    if (nodeId === GRAPH_INPUT_NODE) {
      const input = this.doc.inputs?.[port];
      if (!input) {
        const declared = Object.keys(this.doc.inputs ?? {});
        this.report({ path, port, code: 'UNKNOWN_GRAPH_INPUT', message: `graph input "${port}" is not declared (declared: ${declared.join(', ') || 'none'})` });
        return undefined;
      }
      return this.sourcePort(ref);
    }
    const located = this.nodes.get(nodeId);
    if (!located) {
      this.report({ path, nodeId, code: 'DANGLING_EDGE', message: `edge starts at node "${nodeId}", which does not exist` });
      return undefined;
    }
    if (!located.description) return undefined;
    if (!located.description.outputs.some((p) => p.name === port)) {
      this.report({ path, nodeId, port, code: 'UNKNOWN_PORT', message: `${located.node.type} has no output "${port}" (outputs: ${portList(located.description.outputs)})` });
      return undefined;
    }
    return this.sourcePort(ref);
  }

  private checkTarget(ref: string, path: string, edgeIndex: number): { nodeId: string; spec: PortSpec } | undefined {
    const { node: nodeId, port } = parseRef(ref);
    const located = this.nodes.get(nodeId);
    if (!located) {
      this.report({ path, nodeId, code: 'DANGLING_EDGE', message: `edge ends at node "${nodeId}", which does not exist` });
      return undefined;
    }
    const previous = this.connected.get(ref);
    if (previous !== undefined) {
      this.report({ path, nodeId, port, code: 'INPUT_CONNECTED_TWICE', message: `input "${port}" is already connected by edge ${previous}` });
      return undefined;
    }
    this.connected.set(ref, edgeIndex);
    if (!located.description) return undefined;
    const spec = located.description.inputs.find((p) => p.name === port);
    if (!spec) {
      this.report({ path, nodeId, port, code: 'UNKNOWN_PORT', message: `${located.node.type} has no input "${port}" (inputs: ${portList(located.description.inputs)})` });
      return undefined;
    }
    return { nodeId, spec };
  }

  private checkRequiredInputs(): void {
    for (const { node, index, description } of this.nodes.values()) {
      for (const port of description?.inputs ?? []) {
        if (port.optional || this.connected.has(`${node.id}.${port.name}`)) continue;
        this.report({
          path: `/nodes/${index}`,
          nodeId: node.id,
          port: port.name,
          code: 'MISSING_INPUT',
          message: `required input "${port.name}" (${formatPortType(port)}) is not connected`,
        });
      }
    }
  }

  /** Every alternative of a fallback must carry what the first one carries. */
  private checkFallbacks(): void {
    for (const { node, index, description } of this.nodes.values()) {
      if (description?.control !== 'fallback') continue;
      const [first, ...rest] = description.inputs.map((port) => ({ port, edge: this.edgeInto(node.id, port.name) }));
      const reference = first?.edge && this.sourcePort(first.edge.from);
      if (!reference) continue;
      for (const { port, edge } of rest) {
        const alternative = edge && this.sourcePort(edge.from);
        if (!alternative) continue;
        const verdict = checkCompatibility(alternative, reference);
        if (!verdict.ok || Boolean(alternative.list) !== Boolean(reference.list)) {
          this.report({
            path: `/nodes/${index}`,
            nodeId: node.id,
            port: port.name,
            code: 'FALLBACK_MISMATCH',
            message: `alternative ${edge.from} carries ${formatPortType(alternative)} but the first choice carries ${formatPortType(reference)}`,
          });
        }
      }
    }
  }

  private checkCycles(): void {
    const next = new Map<string, string[]>();
    for (const edge of this.wellFormedEdges()) {
      const from = parseRef(edge.from).node;
      const to = parseRef(edge.to).node;
      if (!this.nodes.has(from) || !this.nodes.has(to)) continue;
      next.set(from, [...(next.get(from) ?? []), to]);
    }
    for (const { loop, group } of findCycles([...this.nodes.keys()], next)) {
      const first = loop[0] as string;
      const others = group.filter((id) => !loop.includes(id));
      this.report({
        path: `/nodes/${this.nodes.get(first)?.index ?? 0}`,
        nodeId: first,
        code: 'CYCLE',
        message: `cycle: ${[...loop, first].join(' → ')}${others.length > 0 ? ` (also looping with these: ${others.join(', ')})` : ''}`,
      });
    }
  }

  /** Graph-wide settings against the params of the (uniquely named) nodes they fill. */
  private checkSettings(): void {
    const nodes = [...this.nodes.values()].map(({ node }) => node);
    for (const problem of checkGraphSettings({ ...(this.doc.settings ? { settings: this.doc.settings } : {}), nodes }, this.registry)) this.report(problem);
  }

  private checkOutputs(): void {
    for (const [name, ref] of Object.entries(this.doc.outputs ?? {})) {
      const { node: nodeId, port } = parseRef(ref);
      const located = this.nodes.get(nodeId);
      if (!located) {
        this.report({ path: `/outputs/${name}`, nodeId, code: 'UNKNOWN_OUTPUT', message: `output "${name}" refers to node "${nodeId}", which does not exist` });
      } else if (located.description && !located.description.outputs.some((p) => p.name === port)) {
        this.report({
          path: `/outputs/${name}`,
          nodeId,
          port,
          code: 'UNKNOWN_OUTPUT',
          message: `output "${name}": ${located.node.type} has no output "${port}" (outputs: ${portList(located.description.outputs)})`,
        });
      }
    }
  }
}

function isWellFormedNode(node: unknown): node is GraphNode {
  const n = node as Partial<GraphNode> | null;
  return typeof n === 'object' && n !== null && typeof n.id === 'string' && typeof n.type === 'string' && typeof n.typeVersion === 'number' && typeof n.params === 'object' && n.params !== null;
}

function portList(ports: PortSpec[]): string {
  return ports.map((p) => `${p.name}: ${formatPortType(p)}`).join(', ') || 'none';
}

export interface Cycle {
  /** A loop that exists in the graph, each node feeding the next and the last feeding the first: the shortest through `loop[0]`. */
  loop: string[];
  /** Every node of the strongly connected group the loop belongs to (a loop's nodes and those entangled with them). */
  group: string[];
}

/**
 * One loop per group of nodes that wait on each other. A strongly connected
 * group is not a path (a → b → c → d may not be edges at all), so what is
 * printed is a real loop found in it, with the rest of the group named apart.
 */
export function findCycles(nodes: string[], next: Map<string, string[]>): Cycle[] {
  return stronglyConnectedGroups(nodes, next).map((group) => ({ loop: shortestLoop(group, next), group }));
}

/** The shortest loop from the group's first node back to itself, by breadth-first search inside the group. */
function shortestLoop(group: string[], next: Map<string, string[]>): string[] {
  const start = group[0] as string;
  const inGroup = new Set(group);
  const cameFrom = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head] as string;
    for (const w of next.get(v) ?? []) {
      if (w === start) {
        const loop = [v];
        while (loop[0] !== start) loop.unshift(cameFrom.get(loop[0] as string) as string);
        return loop;
      }
      if (!inGroup.has(w) || cameFrom.has(w)) continue;
      cameFrom.set(w, v);
      queue.push(w);
    }
  }
  return [start]; // unreachable: every node of a group lies on a loop through any other
}

/**
 * Strongly connected components with more than one node, or a self-loop
 * (Tarjan's algorithm with an explicit stack: graphs may be thousands of
 * nodes deep, deeper than the call stack).
 */
function stronglyConnectedGroups(nodes: string[], next: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];

  const open = (v: string): { v: string; edge: number } => {
    index.set(v, counter);
    low.set(v, counter);
    counter += 1;
    stack.push(v);
    onStack.add(v);
    return { v, edge: 0 };
  };

  for (const root of nodes) {
    if (index.has(root)) continue;
    const frames = [open(root)];
    while (frames.length > 0) {
      const frame = frames[frames.length - 1] as { v: string; edge: number };
      const successors = next.get(frame.v) ?? [];
      if (frame.edge < successors.length) {
        const w = successors[frame.edge] as string;
        frame.edge += 1;
        if (!index.has(w)) frames.push(open(w));
        else if (onStack.has(w)) low.set(frame.v, Math.min(low.get(frame.v) as number, index.get(w) as number));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent.v, Math.min(low.get(parent.v) as number, low.get(frame.v) as number));
      if (low.get(frame.v) !== index.get(frame.v)) continue;
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.unshift(w);
      } while (w !== frame.v);
      if (component.length > 1 || successors.includes(frame.v)) cycles.push(component);
    }
  }
  return cycles;
}

/** The candidate with the smallest edit distance, when it is close enough to be a typo. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
