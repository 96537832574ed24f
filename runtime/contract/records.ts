/**
 * The records the store keeps and the API answers with: stored graphs and
 * their history, runs, per-node and per-item records, log lines, credentials
 * and webhooks as the API shows them. Each is written once, with TypeBox: the
 * schema is published in the OpenAPI document (server/schemas.ts), the type is
 * what the store returns and the editor reads, and the database rows derive
 * from it (runtime/store/rows.ts). Timestamps are epoch milliseconds throughout.
 */
import { graphProblem, serializedError } from './errors.js';
import { itemCounts, itemStatuses, nodeStatuses, priorities, runStatuses } from './events.js';
import { fullGraphSchema, variantGraphSchema, type AnyGraphDocument, type GraphDocument, type GraphOverrides } from './graph.js';
import { Type, type Static } from './typebox.js';

/**
 * Graph documents by reference to their own schemas ($id), which are large
 * and plain JSON Schema: the OpenAPI document publishes each once, as a component.
 */
const graphDocument = Type.Unsafe<GraphDocument>({ $ref: fullGraphSchema.$id });
const anyGraphDocument = Type.Unsafe<AnyGraphDocument>({ anyOf: [{ $ref: fullGraphSchema.$id }, { $ref: variantGraphSchema.$id }] });
const timestamp = (description?: string) => Type.Integer(description ? { description } : {});
const jsonObject = (description?: string) => Type.LooseObject(description ? { description } : {});

/** One saved version of a graph. */
export const storedGraph = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.Integer(),
  doc: Type.Unsafe<AnyGraphDocument>({ ...anyGraphDocument, description: "as saved, with `id` set to the graph's id" }),
  message: Type.Optional(Type.String()),
  createdAt: timestamp(),
});
export type StoredGraph = Static<typeof storedGraph>;

/** A stored version as the API answers it: a variant also carries its resolved graph. */
export const storedGraphWithResolved = Type.Object({
  ...storedGraph.properties,
  resolved: Type.Optional(Type.Unsafe<GraphDocument>({ ...graphDocument, description: "a variant's graph with its overrides applied" })),
});
export type StoredGraphWithResolved = Static<typeof storedGraphWithResolved>;

export const graphSummary = Type.Object({
  id: Type.String(),
  name: Type.String(),
  version: Type.Integer({ description: 'the latest version' }),
  updatedAt: timestamp(),
  extends: Type.Optional(Type.String({ description: 'set when the latest version is a series variant: the id of the graph it extends (which cannot be deleted while it does)' })),
});
export type GraphSummary = Static<typeof graphSummary>;

export const graphVersionInfo = Type.Object({ version: Type.Integer(), message: Type.Optional(Type.String()), createdAt: timestamp() });
export type GraphVersionInfo = Static<typeof graphVersionInfo>;

/** What a variant changes in its template, and the graph that results (GET /api/graphs/:id/diff). */
export const graphDiff = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  extends: Type.String({ description: 'the id of the graph it extends' }),
  templateVersion: Type.Optional(Type.Integer({ description: 'the version of the template it was resolved against' })),
  overrides: Type.Unsafe<GraphOverrides>({ type: 'object', description: "the variant's overrides" }),
  resolved: graphDocument,
});
export type GraphDiff = Static<typeof graphDiff>;

/** A graph's run inputs draft (the episode text etc.), kept per graph by the server. */
export const graphInputsDraft = Type.Object({
  inputs: jsonObject('input name → value, as the Run panel holds them'),
  updatedAt: Type.Optional(timestamp('absent when no draft was saved')),
});
export type GraphInputsDraft = Static<typeof graphInputsDraft>;

/** What checking a graph document found (POST /api/graphs/validate). */
export const graphValidation = Type.Object({
  valid: Type.Boolean(),
  problems: Type.Array(graphProblem, { description: 'every problem with its JSON pointer into the document' }),
  warnings: Type.Array(graphProblem, {
    description:
      'things that do not stop a run but a producer should see before starting one (MISSING_CREDENTIAL, FALLBACK_EXPECTED); their paths point into the resolved graph',
  }),
  resolved: Type.Optional(Type.Unsafe<GraphDocument>({ ...graphDocument, description: "the graph with a variant's overrides applied" })),
});
export type GraphValidation = Static<typeof graphValidation>;

/** Where a run was started from. */
export const runTriggers = ['cli', 'editor', 'api', 'webhook'] as const;
export type RunTrigger = (typeof runTriggers)[number];

const runRowProperties = {
  id: Type.String(),
  graphId: Type.Optional(Type.String()),
  graphVersion: Type.Optional(Type.Integer()),
  graphName: Type.String(),
  status: Type.StringEnum(runStatuses),
  priority: Type.StringEnum(priorities),
  inputs: jsonObject(),
  outputs: Type.Optional(jsonObject()),
  error: Type.Optional(serializedError),
  createdAt: timestamp(),
  startedAt: Type.Optional(timestamp()),
  finishedAt: Type.Optional(timestamp()),
  durationMs: Type.Optional(Type.Integer()),
  outDir: Type.Optional(Type.String()),
  logCount: Type.Integer({ description: 'log events seen for the run; only the first `maxLogsPerRun` are kept' }),
  trigger: Type.StringEnum(runTriggers),
  noCache: Type.Optional(Type.Boolean({ description: 'started without reusing cached results (present only when true); a resumed run keeps it' })),
  until: Type.Optional(Type.String({ description: 'a partial run: this node and everything it needs ran, nothing downstream; a resumed run keeps it' })),
  only: Type.Optional(
    Type.String({ description: "a partial run: only this node was executed, its ancestors' results taken from the cache; a resumed run keeps it" }),
  ),
  budgetUsd: Type.Optional(Type.Number({ description: "the run's budget in USD at list price (`budgetUsd`, `--budget-usd`); a resumed run keeps it" })),
  title: Type.Optional(
    Type.String({ description: "the episode title the run rendered (its markdown input's first heading or a Fountain title page's Title:), when the listing could find one" }),
  ),
};
export const runRow = Type.Object(runRowProperties);
export type RunRow = Static<typeof runRow>;

export const nodeRunRow = Type.Object({
  runId: Type.String(),
  nodeId: Type.String(),
  nodeType: Type.String(),
  status: Type.StringEnum(nodeStatuses),
  startedAt: Type.Optional(timestamp('when the node first started running')),
  finishedAt: Type.Optional(timestamp('when the node reached its current terminal status')),
  durationMs: Type.Optional(Type.Integer()),
  items: Type.Optional(itemCounts),
  attempts: Type.Integer({ description: 'attempts started or scheduled (a retry counts as soon as it is scheduled)' }),
  cached: Type.Boolean(),
  error: Type.Optional(serializedError),
  progress: Type.Optional(Type.Number({ description: 'last reported fraction in [0, 1]' })),
  outputs: Type.Optional(jsonObject('output values of a node that runs whole, once done or cached (media as artifact handles)')),
});
export type NodeRunRow = Static<typeof nodeRunRow>;

export const itemRunRow = Type.Object({
  runId: Type.String(),
  nodeId: Type.String(),
  index: Type.Integer(),
  key: Type.String(),
  status: Type.StringEnum(itemStatuses),
  attempts: Type.Integer(),
  cached: Type.Boolean(),
  provider: Type.Optional(Type.String()),
  startedAt: Type.Optional(timestamp()),
  finishedAt: Type.Optional(timestamp()),
  durationMs: Type.Optional(Type.Integer()),
  error: Type.Optional(serializedError),
  outputs: Type.Optional(jsonObject("the item's output values, once done, cached or fallen back")),
  take: Type.Optional(Type.Integer({ description: "the producer's take of the item (regenerations), when not the first (see GET /api/graphs/{id}/pins)" })),
  locked: Type.Optional(Type.Boolean({ description: "present (true) when the item's result was the producer's locked one, reused whatever its inputs now are; its status is then `cached`" })),
});
export type ItemRunRow = Static<typeof itemRunRow>;

export const runUsage = Type.Object({ provider: Type.String(), unit: Type.String(), model: Type.Optional(Type.String()), quantity: Type.Number() });
export type RunUsage = Static<typeof runUsage>;

export const runDetail = Type.Object({
  ...runRowProperties,
  nodes: Type.Array(nodeRunRow, { description: 'in the order the nodes first reported' }),
  items: Type.Array(itemRunRow, { description: 'by node id, then item index' }),
  graph: Type.Unsafe<GraphDocument>({ ...graphDocument, description: 'the resolved graph the run executed' }),
  usage: Type.Array(runUsage, { description: 'billable provider usage, summed per provider, unit and model (sorted that way)' }),
  costUsd: Type.Number({
    description: "estimated cost in USD of the priced usage, at today's list prices (runtime/observability/prices.ts); usage no price row covers adds nothing",
  }),
});
export type RunDetail = Static<typeof runDetail>;

export const runLogRow = Type.Object({
  id: Type.Integer({ description: 'increasing within a store: page with `afterId`' }),
  runId: Type.String(),
  at: timestamp(),
  level: Type.StringEnum(['debug', 'info', 'warn', 'error']),
  message: Type.String(),
  nodeId: Type.Optional(Type.String()),
  index: Type.Optional(Type.Integer()),
  data: Type.Optional(jsonObject()),
});
export type RunLogRow = Static<typeof runLogRow>;

/** What the API shows of a credential: its name and field names, never values. */
export const credentialInfo = Type.Object({
  name: Type.String(),
  fields: Type.Array(Type.String(), { description: 'field names only; values are never returned' }),
  createdAt: timestamp(),
  updatedAt: timestamp(),
});
export type CredentialInfo = Static<typeof credentialInfo>;

/** A graph's webhook as its owner sees it. */
export const webhookInfo = Type.Object({
  graphId: Type.String(),
  slug: Type.String(),
  secret: Type.String(),
  url: Type.String(),
  callbackUrl: Type.Optional(Type.String()),
  curl: Type.String({ description: 'an example delivery that signs its body with openssl' }),
  createdAt: timestamp(),
  updatedAt: timestamp(),
});
export type WebhookInfo = Static<typeof webhookInfo>;
