/**
 * Typed errors. Every error says where it happened (file/line, node, port,
 * param, item) so the CLI, the server and the editor can point at the cause.
 * Retry policy is carried by the error itself: the scheduler never guesses
 * from messages.
 */
import { Type, type Static } from './typebox.js';

/** Where an error happened; every field optional, the more the better. */
export const errorLocation = Type.Object({
  file: Type.Optional(Type.String()),
  line: Type.Optional(Type.Integer()),
  nodeId: Type.Optional(Type.String()),
  port: Type.Optional(Type.String()),
  param: Type.Optional(Type.String({ description: "JSON pointer into the node's params, e.g. `/voices/0/speed`" })),
  item: Type.Optional(Type.Integer({ description: 'index of the item when the failing unit was one item of a mapped node' })),
  path: Type.Optional(Type.String({ description: 'JSON pointer into the graph document' })),
});
export type ErrorLocation = Static<typeof errorLocation>;

/**
 * What a budget that stopped a request said, as figures (BudgetExceededError):
 * readers show them without parsing its message.
 */
export const budgetStop = Type.Object({
  budget: Type.String({ description: 'which budget, as the message names it: `run budget`, `daily budget of graph "…"`, `daily budget of provider "…"`' }),
  kind: Type.String({ description: 'run, graph-day or provider-day' }),
  limitUsd: Type.Number(),
  spentUsd: Type.Number({ description: 'spent or held when the request was asked for' }),
  requestUsd: Type.Number({ description: 'what the request would have cost' }),
  request: Type.String({ description: 'the request that was not sent' }),
});
export type BudgetStop = Static<typeof budgetStop>;

/** Facts an error carries besides its message, for the CLI, the API and the editor to show as data. */
export const errorDetails = Type.Object({ budget: Type.Optional(budgetStop) });
export type ErrorDetails = Static<typeof errorDetails>;

export interface ReelgraphErrorOptions {
  location?: ErrorLocation;
  details?: ErrorDetails;
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
  readonly details: ErrorDetails | undefined;

  constructor(code: string, message: string, options: ReelgraphErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.location = options.location ?? {};
    this.retryable = options.retryable ?? true;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
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
  /** Keeps its cause's details unless given its own: a budget that stopped a node upstream still says its figures. */
  constructor(message: string, options: Omit<ReelgraphErrorOptions, 'retryable'> = {}) {
    const details = options.details ?? detailsOf(options.cause);
    super('UPSTREAM', message, { ...options, retryable: false, ...(details ? { details } : {}) });
  }
}

/** An error's details, when it is one of ours and has any. */
export function detailsOf(error: unknown): ErrorDetails | undefined {
  return error instanceof ReelgraphError ? error.details : undefined;
}

/** One thing wrong with a graph document, and where. */
export const graphProblem = Type.Object({
  path: Type.String({ description: 'JSON pointer into the graph document' }),
  nodeId: Type.Optional(Type.String()),
  port: Type.Optional(Type.String()),
  param: Type.Optional(Type.String()),
  code: Type.String(),
  message: Type.String(),
});
export type GraphProblem = Static<typeof graphProblem>;

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

/** An error as runs record it and the API answers it. */
export const serializedError = Type.Object({
  name: Type.String(),
  code: Type.String(),
  message: Type.String(),
  location: Type.Optional(errorLocation),
  retryable: Type.Optional(Type.Boolean()),
  details: Type.Optional(errorDetails),
});
export type SerializedError = Static<typeof serializedError>;

export function serializeError(error: unknown): SerializedError {
  if (error instanceof ReelgraphError) {
    const out: SerializedError = { name: error.name, code: error.code, message: error.message, retryable: error.retryable };
    if (Object.keys(error.location).length > 0) out.location = error.location;
    if (error.details) out.details = error.details;
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

/** Where a request problem lies: which part of the request, or the graph document / run inputs it carried. */
export const requestParts = ['body', 'query', 'params', 'headers', 'inputs', 'document'] as const;

/** One thing wrong with an API request: where (`in` + JSON pointer) and what. */
export const requestProblem = Type.Object({
  in: Type.Optional(Type.StringEnum(requestParts)),
  path: Type.String({ description: 'JSON pointer into what `in` names' }),
  message: Type.String(),
  code: Type.Optional(Type.String()),
  nodeId: Type.Optional(Type.String()),
  port: Type.Optional(Type.String()),
  param: Type.Optional(Type.String()),
});
export type RequestProblem = Static<typeof requestProblem>;

/** Every API failure's body: `{error: {code, message, problems?}}`, never an HTML page or a stack. */
export const apiErrorBody = Type.Object({
  error: Type.Object({ code: Type.String(), message: Type.String(), problems: Type.Optional(Type.Array(requestProblem)) }),
});
export type ApiErrorBody = Static<typeof apiErrorBody>;
