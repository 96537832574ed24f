/**
 * Validation problems as the server reports them (`{in, path, message,
 * nodeId?, port?, param?, code?}`, `path` a JSON pointer), made readable for
 * the graph panel: which node (found from the pointer when the server did not
 * name it), which port or param, and the message. Pure, no DOM.
 */
import type { GraphDocument } from '../../../runtime/contract/graph.js';
import type { Problem } from '../api/client.js';

export interface ProblemRow {
  /** e.g. `node "voice" (voice.tts) · param provider` — empty when the problem is about the whole document. */
  where: string;
  nodeId?: string;
  pointer: string;
  message: string;
  code?: string;
}

/** `~1` and `~0` unescaped, per RFC 6901. */
export function pointerSegments(pointer: string): string[] {
  if (!pointer || pointer === '/') return [];
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The node a pointer such as `/nodes/3/params/x` points into, by index in `doc`. */
export function nodeIdAt(pointer: string, doc: GraphDocument | undefined): string | undefined {
  const [first, index] = pointerSegments(pointer);
  if (first !== 'nodes' || index === undefined || !/^\d+$/.test(index)) return undefined;
  return doc?.nodes[Number(index)]?.id;
}

export function describeProblem(problem: Problem, doc?: GraphDocument): ProblemRow {
  const nodeId = problem.nodeId ?? nodeIdAt(problem.path, doc);
  const node = nodeId ? doc?.nodes.find((candidate) => candidate.id === nodeId) : undefined;
  const parts = [
    nodeId && `node "${nodeId}"${node ? ` (${node.type})` : ''}`,
    problem.port && `port ${problem.port}`,
    problem.param && `param ${problem.param.replace(/^\//, '')}`,
  ].filter((part): part is string => Boolean(part));
  return {
    where: parts.join(' · '),
    ...(nodeId ? { nodeId } : {}),
    pointer: problem.path || '/',
    message: problem.message,
    ...(problem.code ? { code: problem.code } : {}),
  };
}

export function describeProblems(problems: readonly Problem[], doc?: GraphDocument): ProblemRow[] {
  return problems.map((problem) => describeProblem(problem, doc));
}
