/**
 * Typed errors. Every error says where it happened (file/line, node, port,
 * param, item) so the CLI, the server and the editor can point at the cause.
 * Retry policy is carried by the error itself: the scheduler never guesses
 * from messages.
 */

export interface ErrorLocation {
  file?: string;
  line?: number;
  nodeId?: string;
  port?: string;
  /** JSON pointer into the node's params, e.g. `/voices/0/speed`. */
  param?: string;
  /** Index of the item when the failing unit was one item of a mapped node. */
  item?: number;
  /** JSON pointer into the graph document. */
  path?: string;
}

export interface ReelgraphErrorOptions {
  location?: ErrorLocation;
  cause?: unknown;
  /** false: retrying cannot help (bad params, 401, invalid output). Default true. */
  retryable?: boolean;
  /** Minimum wait before the next attempt, e.g. from an HTTP Retry-After header. */
  retryAfterMs?: number;
}

export class ReelgraphError extends Error {
  readonly code: string;
  readonly location: ErrorLocation;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: string, message: string, options: ReelgraphErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.location = options.location ?? {};
    this.retryable = options.retryable ?? true;
    this.retryAfterMs = options.retryAfterMs;
  }

  toJSON(): SerializedError {
    return serializeError(this);
  }
}

/** A failure worth retrying later, optionally not before `retryAfterMs`. */
export class TransientError extends ReelgraphError {
  constructor(message: string, options: Omit<ReelgraphErrorOptions, 'retryable'> = {}) {
    super('TRANSIENT', message, { ...options, retryable: true });
  }
}

/** A failure that the same inputs will always reproduce. */
export class PermanentError extends ReelgraphError {
  constructor(message: string, options: Omit<ReelgraphErrorOptions, 'retryable'> = {}) {
    super('PERMANENT', message, { ...options, retryable: false });
  }
}

export class TimeoutError extends ReelgraphError {
  constructor(message: string, options: Omit<ReelgraphErrorOptions, 'retryable'> = {}) {
    super('TIMEOUT', message, { ...options, retryable: true });
  }
}

export class CancelledError extends ReelgraphError {
  constructor(message = 'run cancelled', options: Omit<ReelgraphErrorOptions, 'retryable'> = {}) {
    super('CANCELLED', message, { ...options, retryable: false });
  }
}

/** An upstream node or item failed, so this one could not run. */
export class UpstreamError extends ReelgraphError {
  constructor(message: string, options: Omit<ReelgraphErrorOptions, 'retryable'> = {}) {
    super('UPSTREAM', message, { ...options, retryable: false });
  }
}

export interface GraphProblem {
  /** JSON pointer into the graph document. */
  path: string;
  nodeId?: string;
  port?: string;
  param?: string;
  code: string;
  message: string;
}

export class GraphValidationError extends ReelgraphError {
  readonly problems: GraphProblem[];

  constructor(problems: GraphProblem[], file?: string) {
    const head = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const where = file ? ` in ${file}` : '';
    super('GRAPH_INVALID', `graph is invalid${where} (${head}):\n${problems.map(formatProblem).join('\n')}`, {
      retryable: false,
      location: file ? { file } : {},
    });
    this.problems = problems;
  }
}

export function formatProblem(problem: GraphProblem): string {
  const where = [
    problem.nodeId && `node "${problem.nodeId}"`,
    problem.port && `port "${problem.port}"`,
    problem.param && `param ${problem.param}`,
  ]
    .filter(Boolean)
    .join(', ');
  return `  ${problem.path || '/'}: ${where ? `${where}: ` : ''}${problem.message}`;
}

export interface SerializedError {
  name: string;
  code: string;
  message: string;
  location?: ErrorLocation;
  retryable?: boolean;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof ReelgraphError) {
    const out: SerializedError = { name: error.name, code: error.code, message: error.message, retryable: error.retryable };
    if (Object.keys(error.location).length > 0) out.location = error.location;
    return out;
  }
  if (error instanceof Error) return { name: error.name, code: 'ERROR', message: error.message };
  return { name: 'Error', code: 'ERROR', message: String(error) };
}

export function isRetryable(error: unknown): boolean {
  return error instanceof ReelgraphError ? error.retryable : true;
}

export function retryAfterOf(error: unknown): number | undefined {
  return error instanceof ReelgraphError ? error.retryAfterMs : undefined;
}
