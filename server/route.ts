/**
 * Routes are data: method, path, summary, tags, the TypeBox schemas of
 * params, query and body, and the responses. The same declarations drive
 * request validation (mount.ts) and the OpenAPI document (openapi.ts), and
 * the handler's input types are the schemas' static types, so nothing is
 * written twice and the two cannot disagree.
 */
import type { Request, Response } from 'express';
import { closedObject, identifier, type Received } from '../runtime/contract/api-requests.js';
import type { JsonSchema } from '../runtime/contract/ports.js';
import type { TSchema } from '../runtime/contract/typebox.js';

export { identifier };

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

/** Read the body as raw bytes (a Buffer) up to `limit` instead of parsing JSON; for signed webhooks. */
export interface RawBody {
  limit: string;
  description: string;
}

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  req: Request;
  res: Response;
}

type Part = TSchema | undefined;

/** Params or query as the handler gets them: validated, coerced, defaults filled; nothing without a schema. */
export type PartInput<S extends Part> = S extends TSchema ? Received<S> : Record<string, never>;

/** The body as the handler gets it: validated JSON, the raw bytes of a `rawBody` route, else nothing. */
export type BodyInput<S extends Part, R extends RawBody | undefined> = S extends TSchema ? Received<S> : R extends RawBody ? Buffer : undefined;

export interface Route<P extends Part = Part, Q extends Part = Part, B extends Part = Part, R extends RawBody | undefined = RawBody | undefined> {
  method: Method;
  /** Express syntax: `/api/graphs/:id`. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Default `token`. */
  access?: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** This route's JSON body limit, when it differs from the server's (e.g. a large episode text). */
  bodyLimit?: string;
  rawBody?: R;
  /** Status of a successful response. Default 200. */
  status?: number;
  responses: Record<number, ResponseSpec>;
  /**
   * Returns the JSON body (undefined: no body), or writes the response
   * itself (streams). Throw HttpError or a typed runtime error for failures.
   */
  handle(input: RouteInput<PartInput<P>, PartInput<Q>, BodyInput<B, R>>): unknown;
}

/**
 * Infers the handler's input from the schemas given: `params`, `query` and
 * `body` arrive as their schemas' static types (with defaults filled in).
 */
export function defineRoute<P extends Part = undefined, Q extends Part = undefined, B extends Part = undefined, R extends RawBody | undefined = undefined>(
  route: Route<P, Q, B, R>,
): Route<P, Q, B, R> {
  return route;
}

/** Any route, as the route table, mount.ts and openapi.ts hold it. */
export type AnyRoute = Route;

/** `/api/graphs/:id` → `/api/graphs/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

// --- schema helpers shared by the route modules -------------------------------------

/** A closed object (no other keys): every key not wrapped in `Type.Optional` is required. */
export const objectSchema = closedObject;

export const idParams = objectSchema({ id: identifier });
