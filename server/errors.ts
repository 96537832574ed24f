/**
 * HTTP errors: every failure leaves the server as JSON
 * `{error: {code, message, problems?}}`, never an HTML page or a stack.
 * Typed runtime errors map to status codes here, in one place.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { apiErrorBody, GraphValidationError, ReelgraphError, type RequestProblem } from '../runtime/contract/errors.js';
import { InvalidRunInputError, InvalidRunScopeError } from '../runtime/engine/engine.js';
import { ItemPinError } from '../runtime/contract/item-pins.js';
import { GraphFileError } from '../runtime/graph-file.js';
import { SecretKeyError } from '../runtime/credentials/vault.js';
import { StoreError } from '../runtime/store/errors.js';
import { SeriesError } from '../runtime/store/series-tables.js';
import { jsonSchema } from '../runtime/contract/json-schema.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems?: RequestProblem[],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (what: string): HttpError => new HttpError(404, 'NOT_FOUND', `${what} does not exist`);
export const badRequest = (message: string, problems?: RequestProblem[]): HttpError => new HttpError(400, 'INVALID_REQUEST', message, problems);
export const conflict = (message: string, code = 'CONFLICT'): HttpError => new HttpError(409, code, message);

/** Maps anything thrown by a handler (or by body parsing) to an HttpError. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof GraphValidationError) {
    return new HttpError(400, 'GRAPH_INVALID', 'the graph is invalid', error.problems.map((p) => ({ in: 'document', ...p })));
  }
  // Before its parent class: `until` / `only` are fields of the request body, not run inputs.
  if (error instanceof InvalidRunScopeError) {
    return new HttpError(400, 'INVALID_REQUEST', error.problems.map((p) => p.message).join('; '), error.problems.map((p) => ({ in: 'body', ...p })));
  }
  if (error instanceof InvalidRunInputError) {
    return new HttpError(400, 'INVALID_INPUT', 'the run inputs are invalid', error.problems.map((p) => ({ in: 'inputs', ...p })));
  }
  if (error instanceof GraphFileError) return new HttpError(400, error.code, error.message);
  if (error instanceof ItemPinError) return new HttpError(error.httpStatus, error.code, error.message);
  if (error instanceof SeriesError) return new HttpError(error.status, error.code, error.message);
  if (error instanceof SecretKeyError) return new HttpError(503, 'SECRET_KEY', error.message);
  if (error instanceof StoreError && error.code === 'GRAPH_ID_INVALID') return new HttpError(400, error.code, error.message);
  const status = (error as { status?: unknown; statusCode?: unknown } | null)?.status ?? (error as { statusCode?: unknown } | null)?.statusCode;
  const type = (error as { type?: unknown } | null)?.type;
  if (status === 413 || type === 'entity.too.large') return new HttpError(413, 'PAYLOAD_TOO_LARGE', 'the request body is too large');
  if (type === 'entity.parse.failed') return new HttpError(400, 'INVALID_JSON', `the request body is not valid JSON: ${(error as Error).message}`);
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpError(status, 'HTTP_' + status, error instanceof Error ? error.message : String(error));
  }
  if (error instanceof ReelgraphError) return new HttpError(500, error.code, error.message);
  return new HttpError(500, 'INTERNAL', 'internal server error');
}

export function sendError(res: Parameters<RequestHandler>[1], error: HttpError): void {
  res.status(error.status).json({ error: { code: error.code, message: error.message, ...(error.problems ? { problems: error.problems } : {}) } });
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    const http = toHttpError(error);
    if (http.status >= 500) logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) {
      next(error);
      return;
    }
    sendError(res, http);
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(res, new HttpError(404, 'NOT_FOUND', `no route ${req.method} ${req.path}`));
};

export type { RequestProblem };

/** The JSON Schema of an error body, for the OpenAPI document. */
export const errorSchema = jsonSchema(apiErrorBody);
