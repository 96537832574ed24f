/**
 * JSON Schemas of response bodies, for the OpenAPI document. Request
 * schemas live beside their routes; the graph document's own schema comes
 * from the contract.
 */
import { fullGraphSchema, variantGraphSchema } from '../runtime/contract/graph.js';
import { itemStatuses, nodeStatuses, runStatuses } from '../runtime/contract/events.js';
import type { JsonSchema } from '../runtime/contract/ports.js';
import { runTriggers } from '../runtime/store/types.js';
import { deliverableKinds } from '../runtime/contract/deliverables.js';
import { errorSchema } from './errors.js';

const { $id: _graphId, ...graphDocument } = fullGraphSchema as Record<string, unknown>;
const { $id: _variantId, ...graphVariant } = variantGraphSchema as Record<string, unknown>;

export const priorities = ['urgent', 'normal', 'batch'] as const;

const problem: JsonSchema = {
  type: 'object',
  required: ['path', 'code', 'message'],
  properties: { path: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' }, nodeId: { type: 'string' }, port: { type: 'string' }, param: { type: 'string' } },
};

const serializedError: JsonSchema = {
  type: 'object',
  required: ['name', 'code', 'message'],
  properties: { name: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' }, location: { type: 'object' }, retryable: { type: 'boolean' } },
};

const runRow: JsonSchema = {
  type: 'object',
  required: ['id', 'graphName', 'status', 'priority', 'inputs', 'createdAt', 'trigger'],
  properties: {
    id: { type: 'string' },
    graphId: { type: 'string' },
    graphVersion: { type: 'integer' },
    graphName: { type: 'string' },
    status: { enum: [...runStatuses] },
    priority: { enum: [...priorities] },
    inputs: { type: 'object' },
    outputs: { type: 'object' },
    error: { $ref: '#/components/schemas/SerializedError' },
    createdAt: { type: 'integer' },
    startedAt: { type: 'integer' },
    finishedAt: { type: 'integer' },
    durationMs: { type: 'integer' },
    outDir: { type: 'string' },
    logCount: { type: 'integer' },
    trigger: { enum: [...runTriggers] },
    noCache: { type: 'boolean' },
    title: { type: 'string', description: 'the episode title the run rendered (its episode input\'s title or first heading)' },
  },
};

const deliverable: JsonSchema = {
  type: 'object',
  required: ['name', 'output', 'kind', 'mime', 'bytes', 'hash', 'downloadUrl', 'inlineUrl'],
  properties: {
    name: { type: 'string', description: 'the file name a download gets; unique within the run' },
    output: { type: 'string', description: 'the graph output (or output path) it came from, e.g. `video`, `files.srt`' },
    kind: { enum: [...deliverableKinds] },
    mime: { type: 'string' },
    bytes: { type: 'integer' },
    hash: { type: 'string', description: 'SHA-256 of the content' },
    downloadUrl: { type: 'string', description: 'signed, short-lived URL that downloads it as an attachment (no token needed)' },
    inlineUrl: { type: 'string', description: 'signed URL for playback and previews (inline)' },
  },
};

/** Shared schemas, published as `components.schemas` and referenced with `ref(name)`. */
export const componentSchemas: Record<string, JsonSchema> = {
  Error: errorSchema as unknown as JsonSchema,
  GraphDocument: graphDocument,
  GraphVariant: graphVariant,
  GraphProblem: problem,
  SerializedError: serializedError,
  StoredGraph: {
    type: 'object',
    required: ['id', 'name', 'version', 'doc', 'createdAt'],
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      version: { type: 'integer' },
      doc: { anyOf: [{ $ref: '#/components/schemas/GraphDocument' }, { $ref: '#/components/schemas/GraphVariant' }] },
      message: { type: 'string' },
      createdAt: { type: 'integer' },
      resolved: { $ref: '#/components/schemas/GraphDocument' },
    },
  },
  GraphInputsDraft: {
    type: 'object',
    required: ['inputs'],
    properties: { inputs: { type: 'object', description: 'input name → value, as the Run panel holds them' }, updatedAt: { type: 'integer', description: 'epoch ms; absent when no draft was saved' } },
  },
  GraphTemplate: {
    type: 'object',
    required: ['name', 'file', 'title', 'description', 'kind', 'nodeCount', 'inputs'],
    properties: {
      name: { type: 'string', description: 'the file base name, e.g. `shorts`' },
      file: { type: 'string' },
      title: { type: 'string' },
      description: { type: 'string' },
      kind: { enum: ['graph', 'variant'] },
      extends: { type: 'string', description: "a variant's template (its name)" },
      nodeCount: { type: 'integer', description: 'nodes of the resolved graph' },
      inputs: { type: 'array', items: { type: 'string' } },
    },
  },
  EpisodeTemplate: {
    type: 'object',
    required: ['name', 'file', 'title', 'description', 'format', 'words', 'graph'],
    properties: {
      name: { type: 'string' },
      file: { type: 'string' },
      title: { type: 'string' },
      description: { type: 'string', description: 'its opening paragraph' },
      format: { enum: ['markdown', 'fountain'] },
      words: { type: 'integer' },
      graph: { type: 'string', description: 'the graph template it is meant for, e.g. `episode`' },
    },
  },
  GraphSummary: {
    type: 'object',
    required: ['id', 'name', 'version', 'updatedAt'],
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      version: { type: 'integer' },
      updatedAt: { type: 'integer' },
      extends: { type: 'string', description: 'set when the latest version is a series variant: the id of the graph it extends (which cannot be deleted while it does)' },
    },
  },
  GraphVersion: {
    type: 'object',
    required: ['version', 'createdAt'],
    properties: { version: { type: 'integer' }, message: { type: 'string' }, createdAt: { type: 'integer' } },
  },
  RunRow: runRow,
  Deliverable: deliverable,
  RunDeliverables: {
    type: 'object',
    required: ['runId', 'deliverables'],
    properties: {
      runId: { type: 'string' },
      deliverables: { type: 'array', items: { $ref: '#/components/schemas/Deliverable' }, description: 'the final video first' },
      primary: { type: 'string', description: '`name` of the final video' },
      packageUrl: { type: 'string', description: 'signed URL of a zip of the whole package' },
      packageName: { type: 'string' },
    },
  },
  RunDetail: {
    allOf: [
      { $ref: '#/components/schemas/RunRow' },
      {
        type: 'object',
        required: ['nodes', 'items', 'graph'],
        properties: {
          nodes: {
            type: 'array',
            items: {
              type: 'object',
              required: ['nodeId', 'nodeType', 'status'],
              properties: { nodeId: { type: 'string' }, nodeType: { type: 'string' }, status: { enum: [...nodeStatuses] }, items: { type: 'object' }, progress: { type: 'number' }, outputs: { type: 'object', description: 'output values of a node that runs whole (media as artifact handles)' }, error: { $ref: '#/components/schemas/SerializedError' } },
            },
          },
          items: {
            type: 'array',
            items: {
              type: 'object',
              required: ['nodeId', 'index', 'status'],
              properties: { nodeId: { type: 'string' }, index: { type: 'integer' }, status: { enum: [...itemStatuses] }, provider: { type: 'string' }, outputs: { type: 'object', description: 'output values of the item' }, error: { $ref: '#/components/schemas/SerializedError' } },
            },
          },
          graph: { $ref: '#/components/schemas/GraphDocument' },
        },
      },
    ],
  },
  RunLog: {
    type: 'object',
    required: ['id', 'runId', 'at', 'level', 'message'],
    properties: { id: { type: 'integer' }, runId: { type: 'string' }, at: { type: 'integer' }, level: { type: 'string' }, message: { type: 'string' }, nodeId: { type: 'string' }, index: { type: 'integer' }, data: { type: 'object' } },
  },
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
  ArtifactHandle: {
    type: 'object',
    required: ['hash', 'mime', 'bytes'],
    properties: {
      hash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      mime: { type: 'string' },
      bytes: { type: 'integer' },
      name: { type: 'string' },
      duration: { type: 'number' },
      width: { type: 'integer' },
      height: { type: 'integer' },
      frameRate: { type: 'number' },
      sampleRate: { type: 'integer' },
      channels: { type: 'integer' },
    },
  },
  Credential: {
    type: 'object',
    required: ['name', 'fields', 'createdAt', 'updatedAt'],
    properties: { name: { type: 'string' }, fields: { type: 'array', items: { type: 'string' }, description: 'field names only; values are never returned' }, createdAt: { type: 'integer' }, updatedAt: { type: 'integer' } },
  },
  Webhook: {
    type: 'object',
    required: ['graphId', 'slug', 'secret', 'url', 'curl'],
    properties: {
      graphId: { type: 'string' },
      slug: { type: 'string' },
      secret: { type: 'string' },
      url: { type: 'string' },
      callbackUrl: { type: 'string' },
      curl: { type: 'string', description: 'an example delivery that signs its body with openssl' },
      createdAt: { type: 'integer' },
      updatedAt: { type: 'integer' },
    },
  },
};

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
