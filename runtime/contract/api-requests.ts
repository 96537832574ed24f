/**
 * What the editor (or any client) sends the server: request bodies and
 * queries, written once with TypeBox. The server's routes validate with
 * these schemas and publish them in the OpenAPI document; the TypeScript
 * types come from them, so a client and the handler that reads a request
 * cannot disagree on its shape.
 *
 * A `Static` type here is what a client sends. A field with a default is
 * optional to send and always present once the server has applied the
 * default: `Received` is that view, the one route handlers get.
 */
import { priorities, runStatuses } from './events.js';
import { graphId, type AnyGraphDocument } from './graph.js';
import { runTriggers } from './records.js';
import { Type, type ObjectOptions, type Static, type TObject, type TOptional, type TProperties, type TSchema } from './typebox.js';

// --- building blocks ------------------------------------------------------------------

/** Exactly these properties, no others: every request object the API takes is closed. */
export function closedObject<P extends TProperties>(properties: P, options: ObjectOptions = {}): TObject<P> {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

declare const DefaultedKind: unique symbol;

/** An optional field the server fills with its default (ajv `useDefaults`); only the type knows the mark. */
export type TDefaulted<T extends TSchema = TSchema> = TOptional<T> & { readonly [DefaultedKind]: true };

/** Optional to send, never missing once received: ajv puts `value` in before a handler runs. */
export function withDefault<T extends TSchema>(schema: T, value: Static<T>): TDefaulted<T> {
  const optional = Type.Optional(schema) as TSchema;
  optional.default = value;
  return optional as TDefaulted<T>;
}

/** Keys a sender may leave out and the handler may find missing: Optional and without a default. */
type MissableKeys<P extends TProperties> = { [K in keyof P]: P[K] extends TOptional<TSchema> ? (P[K] extends TDefaulted ? never : K) : never }[keyof P];
type Flat<T> = { [K in keyof T]: T[K] };

/**
 * A request part as the server holds it after validation: what was sent, with
 * every default filled in. (Spelled out over the properties: TypeBox's own
 * object static, mapped again, is too deep for the compiler.)
 */
export type Received<T extends TSchema> =
  T extends TObject<infer P> ? Flat<{ [K in Exclude<keyof P, MissableKeys<P>>]: P[K]['static'] } & { [K in MissableKeys<P>]?: P[K]['static'] }> : Static<T>;

// --- shared fields --------------------------------------------------------------------

/** A stored graph's id (also a variant's, a new graph's chosen id): what a document's `id` may be. */
export const identifier = graphId;

export const runId = Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' });

/** A version's commit message. */
export const versionMessage = Type.String({ maxLength: 500 });


const documentDescription = 'a graph document or a series variant (components GraphDocument / GraphVariant)';

/** A graph document or a series variant; the server checks it with the graph validator, every problem reported. */
export const graphDocumentField = Type.LooseObject<AnyGraphDocument>({ description: documentDescription });

// --- graphs ---------------------------------------------------------------------------

/** POST /api/graphs/validate */
export const graphValidateRequest = closedObject({ document: graphDocumentField });
export type GraphValidateRequest = Static<typeof graphValidateRequest>;

/** POST /api/graphs */
export const graphCreateRequest = closedObject({
  document: graphDocumentField,
  id: Type.Optional(identifier),
  message: Type.Optional(versionMessage),
  adoptRuns: Type.Optional(Type.Array(runId, { maxItems: 1000, uniqueItems: true })),
});
export type GraphCreateRequest = Static<typeof graphCreateRequest>;

/** One file of POST /api/graphs/import: its text parsed, not yet checked (a variant may extend another file of the request). */
export const importedDocument = closedObject({
  fileName: Type.Optional(Type.String({ maxLength: 255 })),
  document: Type.LooseObject<unknown>({ description: documentDescription }),
});
export type ImportedDocument = Static<typeof importedDocument>;

/** POST /api/graphs/import */
export const graphImportRequest = closedObject({
  documents: Type.Array(importedDocument, { minItems: 1, maxItems: 50 }),
  message: Type.Optional(versionMessage),
});
export type GraphImportRequest = Static<typeof graphImportRequest>;

/** PUT /api/graphs/:id */
export const graphSaveRequest = closedObject({ document: graphDocumentField, message: Type.Optional(versionMessage) });
export type GraphSaveRequest = Static<typeof graphSaveRequest>;

/** PUT /api/graphs/:id/inputs: a draft, not checked against the graph's inputs (it may be half typed). */
export const graphInputsRequest = closedObject({ inputs: Type.LooseObject() });
export type GraphInputsRequest = Static<typeof graphInputsRequest>;

/** POST /api/graphs/:id/versions/:version/restore */
export const graphRestoreRequest = closedObject({ message: Type.Optional(versionMessage) });
export type GraphRestoreRequest = Static<typeof graphRestoreRequest>;

/** POST /api/graphs/:id/clone */
export const graphCloneRequest = closedObject({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  id: Type.Optional(identifier),
  description: Type.Optional(Type.String()),
});
export type GraphCloneRequest = Static<typeof graphCloneRequest>;

/** GET /api/graphs/:id, /api/graphs/:id/diff, /api/nodes/:type: one version instead of the latest. */
export const versionQuery = closedObject({ version: Type.Optional(Type.Integer({ minimum: 1 })) });
export type VersionQuery = Static<typeof versionQuery>;

// --- runs -----------------------------------------------------------------------------

/** What part of a graph a run (or its estimate) covers: `until` / `only` a node. */
const partialRunFields = {
  until: Type.Optional(
    Type.String({
      minLength: 1,
      description: "a partial run: only this node and everything it needs, nothing downstream; the run's outputs are this node's. Not with `only`; an unknown node id is a 400",
    }),
  ),
  only: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        "a partial run: execute only this node, its inputs from the cached results of its ancestors (the last run with these inputs); the run fails naming an ancestor that is not cached (code UPSTREAM_NOT_CACHED) and executes nothing upstream. `noCache` then applies to this node alone. Not with `until`; an unknown node id is a 400",
    }),
  ),
};

/** A run (or its estimate) of one scene alone. */
const scenePreviewField = {
  scene: Type.Optional(
    Type.Integer({
      minimum: 1,
      description:
        "preview one scene (1 = the first): the graph's script nodes output that scene alone, so the run renders its voice lines, visual and overlays as a short clip, at the preview of the graph's render profile (preview-720p, or preview-720x1280 for a Short). Its results share the cache with the full render. A graph with no script node that takes a scene is a 400",
    }),
  ),
};

/** POST /api/runs: a stored graph (graphId, optional version) or an inline one. */
export const startRunRequest = closedObject(
  {
    graphId: Type.Optional(identifier),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    graph: Type.Optional(Type.LooseObject<AnyGraphDocument>({ description: 'an inline graph document or variant' })),
    inputs: Type.Optional(Type.LooseObject()),
    priority: withDefault(Type.StringEnum(priorities), 'normal'),
    noCache: withDefault(Type.Boolean(), false),
    ...partialRunFields,
    budgetUsd: Type.Optional(
      Type.Number({
        minimum: 0,
        description:
          'the most this run may spend on paid providers, in USD at list price: a paid request that would cross it is not sent, and its item fails with a BudgetExceededError naming the budget (see POST /api/estimate)',
      }),
    ),
    ...scenePreviewField,
  },
  { oneOf: [{ required: ['graphId'] }, { required: ['graph'] }] },
);
export type StartRunRequest = Static<typeof startRunRequest>;

/** POST /api/estimate: the graph and inputs of a run, priced before it (nothing paid is called). */
export const estimateRequest = closedObject(
  {
    graphId: Type.Optional(identifier),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    graph: Type.Optional(Type.LooseObject<AnyGraphDocument>({ description: 'an inline graph document or variant' })),
    inputs: Type.Optional(Type.LooseObject()),
    noCache: withDefault(Type.Boolean({ description: 'price every item as if nothing were cached' }), false),
    ...partialRunFields,
    ...scenePreviewField,
  },
  { oneOf: [{ required: ['graphId'] }, { required: ['graph'] }] },
);
export type EstimateRequest = Static<typeof estimateRequest>;

/** GET /api/runs. In the query string `status` is repeated for several (one alone is a list of one). */
export const runListQuery = closedObject({
  graphId: Type.Optional(identifier),
  status: Type.Optional(Type.Array(Type.StringEnum(runStatuses), { description: 'one status or several (repeat the parameter)' })),
  trigger: Type.Optional(Type.StringEnum(runTriggers)),
  limit: withDefault(Type.Integer({ minimum: 1, maximum: 1000 }), 100),
});
export type RunListQuery = Static<typeof runListQuery>;

/** The longest GET /api/runs/:id?wait= long-poll, in milliseconds. */
export const MAX_RUN_WAIT_MS = 60_000;

/** GET /api/runs/:id */
export const runWaitQuery = closedObject({ wait: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_RUN_WAIT_MS })) });
export type RunWaitQuery = Static<typeof runWaitQuery>;

/** GET /api/runs/:id/review: `estimate` adds what the rest of the run would cost once approved. */
export const reviewQuery = closedObject({
  estimate: withDefault(Type.Boolean({ description: "add `estimate`: the run's remaining paid work priced as if every gate approved (cached items free), calling no paid provider" }), false),
});
export type ReviewQuery = Static<typeof reviewQuery>;

/** GET /api/runs/:id/logs: a page after the last log id the client has. */
export const runLogsQuery = closedObject({
  afterId: withDefault(Type.Integer({ minimum: 0 }), 0),
  limit: withDefault(Type.Integer({ minimum: 1, maximum: 1000 }), 200),
});
export type RunLogsQuery = Static<typeof runLogsQuery>;

// --- credentials and webhooks ---------------------------------------------------------

/** PUT /api/credentials/:name: the fields a provider's key is made of (values never come back). */
export const credentialPutRequest = closedObject({
  fields: Type.Unsafe<Record<string, string>>({
    type: 'object',
    minProperties: 1,
    maxProperties: 20,
    propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 64 },
    additionalProperties: Type.String({ minLength: 1, maxLength: 8192 }),
  }),
});
export type CredentialPutRequest = Static<typeof credentialPutRequest>;

/** POST /api/graphs/:id/webhook: a new slug and secret; the callback is optional. */
export const webhookCreateRequest = closedObject({
  callbackUrl: Type.Optional(
    Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000, description: 'POSTed {runId, status, outputs, error}, signed, when a run ends' }),
  ),
});
export type WebhookCreateRequest = Static<typeof webhookCreateRequest>;

/** GET /api/webhooks */
export const webhookListQuery = closedObject({
  graphId: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'only the webhook of this graph' })),
});
export type WebhookListQuery = Static<typeof webhookListQuery>;

/** An item of a graph's node, as the pin routes address it: `/api/graphs/:id/pins/:node/:item` (item 0 = the first). */
export const itemPinParams = closedObject({
  id: identifier,
  node: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_-]*$', maxLength: 64, description: 'the node id' }),
  item: Type.Integer({ minimum: 0, description: "the item's index in the node's list, 0 = the first" }),
});

/**
 * PUT /api/graphs/:id/pins/:node/:item: the state wanted, any part of it.
 * Applied as: unlock, then take, then lock; changing the take of an item
 * that stays locked is refused (409 ITEM_LOCKED). Sending back a pin's
 * earlier `locked` and `take` undoes a change.
 */
export const itemPinRequest = closedObject({
  locked: Type.Optional(Type.Boolean({ description: 'true: keep the item\'s recorded result in every later run and never execute it; false: follow its inputs again' })),
  take: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, description: '0: the item as the graph makes it; N: its Nth regeneration (an earlier take comes back from the cache, free)' })),
  runId: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$', description: "with `locked: true`: lock this run's result of the item, also on an item locked already (default: the graph's latest run that has one, never a one-scene preview)" }),
  ),
});
export type ItemPinRequest = Static<typeof itemPinRequest>;
