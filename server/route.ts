/**
 * Routes are data: method, path, summary, tags, the JSON Schemas of params,
 * query and body, and the responses. The same declarations drive request
 * validation (mount.ts) and the OpenAPI document (openapi.ts), so nothing is
 * written twice.
 */
import type { Request, Response } from 'express';
import type { JsonSchema } from '../runtime/contract/ports.js';

export type Method = 'get' | 'post' | 'put' | 'delete' | 'head';

/**
 * Who may call: `token` (Authorization: Bearer), `public`, `signature` (a
 * signed webhook: the signature is the auth), `metrics` (token unless
 * REELGRAPH_METRICS_PUBLIC=1).
 */
export type Access = 'token' | 'public' | 'signature' | 'metrics';

export interface ResponseSpec {
  description: string;
  /** JSON Schema of a JSON body. */
  schema?: JsonSchema;
  /** A non-JSON body (bytes, text); `schema` then describes it as a string. */
  contentType?: string;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
}

export interface Route<P = unknown, Q = unknown, B = unknown> {
  method: Method;
  /** Express syntax: `/api/graphs/:id`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Default `token`. */
  access?: Access;
  params?: JsonSchema;
  query?: JsonSchema;
  body?: JsonSchema;
  /** This route's JSON body limit, when it differs from the server's (e.g. a large episode text). */
  bodyLimit?: string;
  /** Read the body as raw bytes (a Buffer) up to this size instead of parsing JSON; for signed webhooks. */
  rawBody?: { limit: string; description: string };
  /** Status of a successful response. Default 200. */
  status?: number;
  responses: Record<number, ResponseSpec>;
  /**
   * Returns the JSON body (undefined: no body), or writes the response
   * itself (streams). Throw HttpError or a typed runtime error for failures.
   */
  handle(input: RouteInput<P, Q, B>): unknown;
}

/** Keeps the handler's input typed; the schemas are the source of truth for what arrives. */
export function defineRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined>(route: Route<P, Q, B>): Route<P, Q, B> {
  return route;
}

export type AnyRoute = Route<never, never, never>;

/** `/api/graphs/:id` → `/api/graphs/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

// --- schema helpers shared by the route modules -------------------------------------

export const objectSchema = (properties: Record<string, JsonSchema>, required: string[] = [], extra: JsonSchema = {}): JsonSchema => ({
  type: 'object',
  additionalProperties: false,
  properties,
  ...(required.length > 0 ? { required } : {}),
  ...extra,
});

export const identifier = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_-]*$', maxLength: 64 } as const;

export const idParams = objectSchema({ id: identifier }, ['id']);
