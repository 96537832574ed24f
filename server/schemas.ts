/**
 * The OpenAPI document's shared schemas (`components.schemas`). Every record
 * and answer shape is written once in the contract, with TypeBox; here they
 * are named and published. Request schemas are the contract's too
 * (runtime/contract/api-requests.ts), used by the routes that take them.
 */
import { artifactHandle } from '../runtime/contract/artifacts.js';
import { deliverable, runDeliverables } from '../runtime/contract/deliverables.js';
import { graphProblem, serializedError } from '../runtime/contract/errors.js';
import { fullGraphSchema, variantGraphSchema } from '../runtime/contract/graph.js';
import type { JsonSchema } from '../runtime/contract/json-schema.js';
import { runEstimate } from '../runtime/contract/estimate.js';
import { itemPin } from '../runtime/contract/item-pins.js';
import { credentialInfo, graphInputsDraft, graphSummary, graphVersionInfo, runDetail, runLogRow, runRow, storedGraphWithResolved, webhookInfo } from '../runtime/contract/records.js';
import { reviewRecord } from '../runtime/contract/review.js';
import { episodeRecord, seriesRecord } from '../runtime/contract/series.js';
import { episodeTemplate, graphTemplate } from '../runtime/contract/templates.js';
import type { TSchema } from '../runtime/contract/typebox.js';
import { errorSchema } from './errors.js';

/** Named schemas; a `$id` among them (the graph documents') is referred to by its component name. */
const named: Record<string, JsonSchema | TSchema> = {
  Error: errorSchema,
  GraphDocument: fullGraphSchema,
  GraphVariant: variantGraphSchema,
  GraphProblem: graphProblem,
  SerializedError: serializedError,
  StoredGraph: storedGraphWithResolved,
  GraphInputsDraft: graphInputsDraft,
  GraphTemplate: graphTemplate,
  EpisodeTemplate: episodeTemplate,
  GraphSummary: graphSummary,
  GraphVersion: graphVersionInfo,
  RunRow: runRow,
  Deliverable: deliverable,
  RunDeliverables: runDeliverables,
  RunDetail: runDetail,
  RunEstimate: runEstimate,
  ItemPin: itemPin,
  RunLog: runLogRow,
  ReviewRecord: reviewRecord,
  Series: seriesRecord,
  Episode: episodeRecord,
  NodeDescription: {
    type: 'object',
    required: ['type', 'version', 'title', 'category', 'inputs', 'outputs', 'params', 'resource', 'cacheable'],
    properties: {
      type: { type: 'string' },
      version: { type: 'integer' },
      title: { type: 'string' },
      category: { type: 'string' },
      description: { type: 'string' },
      inputs: { type: 'array', items: { type: 'object' } },
      outputs: { type: 'array', items: { type: 'object' } },
      params: { type: 'object', description: 'JSON Schema of the params' },
      resource: { type: 'string' },
      cacheable: { type: 'boolean' },
    },
  },
  ArtifactHandle: artifactHandle,
  Credential: credentialInfo,
  Webhook: webhookInfo,
};

const componentOf = new Map(Object.entries(named).flatMap(([name, schema]) => (typeof schema.$id === 'string' ? [[schema.$id, name] as const] : [])));

/** A plain JSON copy (no TypeBox symbols, no `$id`s) with a `$ref` to a named `$id` pointing at its component. */
function plain(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(plain);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$id') continue;
    const target = key === '$ref' && typeof value === 'string' ? componentOf.get(value) : undefined;
    out[key] = target ? `#/components/schemas/${target}` : plain(value);
  }
  return out;
}

/**
 * A shape nested in another (a run's error, a run's deliverables) is written
 * inline in the contract; published, it refers to its component instead, so
 * readers and code generators see one named type.
 */
const nameOfShape = new Map(Object.entries(named).map(([name, schema]) => [JSON.stringify(plain(schema)), name]));

function withRefs(schema: unknown, root = true): unknown {
  if (Array.isArray(schema)) return schema.map((entry) => withRefs(entry, false));
  if (typeof schema !== 'object' || schema === null) return schema;
  const name = root ? undefined : nameOfShape.get(JSON.stringify(schema));
  if (name) return { $ref: `#/components/schemas/${name}` };
  return Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, withRefs(value, false)]));
}

/** Shared schemas, published as `components.schemas` and referenced with `ref(name)`. */
export const componentSchemas = Object.fromEntries(Object.entries(named).map(([name, schema]) => [name, withRefs(plain(schema))])) as Record<string, JsonSchema>;

export const ref = (name: keyof typeof componentSchemas & string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });
export const arrayOf = (name: string): JsonSchema => ({ type: 'array', items: { $ref: `#/components/schemas/${name}` } });

/** The usual error responses of a token-protected route. */
export const errors = (...statuses: number[]): Record<number, { description: string; schema: JsonSchema }> => {
  const text: Record<number, string> = {
    400: 'invalid request (each problem names its place with a JSON pointer)',
    401: 'missing or invalid credentials',
    404: 'not found',
    409: 'conflict',
    413: 'body too large',
    503: 'REELGRAPH_SECRET_KEY is missing or wrong',
  };
  return Object.fromEntries(statuses.map((status) => [status, { description: text[status] ?? 'error', schema: ref('Error') }]));
};
