/** Graphs: CRUD with version history, restore, series variants (clone, diff) and validation. */
import { GRAPH_FORMAT, GRAPH_SCHEMA_VERSION, isVariant, type AnyGraphDocument, type GraphVariant } from '../../runtime/contract/graph.js';
import {
  graphCloneRequest,
  graphCreateRequest,
  graphImportRequest,
  graphInputsRequest,
  graphRestoreRequest,
  graphSaveRequest,
  graphValidateRequest,
  versionQuery,
} from '../../runtime/contract/api-requests.js';
import { GraphValidationError } from '../../runtime/contract/errors.js';
import { Type } from '../../runtime/contract/typebox.js';
import { graphIdFor } from '../../runtime/store/graph-id.js';
import type { StoredGraph } from '../../runtime/store/types.js';
import type { ServerContext } from '../context.js';
import { badRequest, conflict, HttpError, notFound } from '../errors.js';
import { credentialWarnings } from '../credential-warnings.js';
import { importGraphs } from '../graph-import.js';
import { checkDocument, resolveDocument } from '../graphs.js';
import { defineRoute, identifier, idParams, objectSchema, type AnyRoute } from '../route.js';
import { arrayOf, errors, ref } from '../schemas.js';

const tags = ['graphs'];

/** A graph's run inputs draft: an episode text is rarely over 200 KB; 4 MiB leaves room and keeps the table sane. */
export const MAX_INPUTS_DRAFT_BYTES = 4 * 1024 * 1024;

export async function storedGraph(ctx: ServerContext, id: string, version?: number): Promise<StoredGraph> {
  const stored = await ctx.workspace.store.getGraph(id, version);
  if (!stored) throw notFound(version === undefined ? `graph "${id}"` : `version ${version} of graph "${id}"`);
  return stored;
}

export async function checked(ctx: ServerContext, doc: unknown): Promise<AnyGraphDocument> {
  const result = await checkDocument(ctx.workspace.store, ctx.workspace.registry, doc);
  if (result.problems.length > 0) throw new GraphValidationError(result.problems);
  return result.document;
}

/** Validates (every problem reported) and stores a new version under `id`: the one path imports and template installs take. */
export const checkedSaver =
  (ctx: ServerContext) =>
  async (doc: AnyGraphDocument, id: string, message: string): Promise<void> => {
    await ctx.workspace.store.saveGraph(await checked(ctx, doc), { id, message });
  };

export async function withResolved(ctx: ServerContext, stored: StoredGraph): Promise<StoredGraph & { resolved?: unknown }> {
  if (!isVariant(stored.doc)) return stored;
  const { graph } = await resolveDocument(ctx.workspace.store, stored.doc);
  return graph ? { ...stored, resolved: graph } : stored;
}

export function graphRoutes(ctx: ServerContext): AnyRoute[] {
  const { store } = ctx.workspace;
  const saveChecked = checkedSaver(ctx);
  return [
    defineRoute({
      method: 'get',
      path: '/api/graphs',
      summary: 'List stored graphs, most recently updated first',
      tags,
      responses: { 200: { description: 'graph summaries', schema: arrayOf('GraphSummary') }, ...errors(401) },
      handle: () => store.listGraphs(),
    }),
    defineRoute({
      method: 'post',
      path: '/api/graphs/validate',
      summary: 'Validate a graph document without saving it',
      tags,
      body: graphValidateRequest,
      description:
        "`warnings` do not make the graph invalid but a run would hit them: `MISSING_CREDENTIAL` for a node whose provider's key is neither stored nor in the server's environment (the message says where to store one), `FALLBACK_EXPECTED` instead when that node is an alternative of a `control.fallback` whose later alternative can run. Their paths point into the resolved graph.",
      responses: {
        200: {
          description: 'every problem with its JSON pointer; `resolved` is the graph with variants applied',
          schema: {
            type: 'object',
            required: ['valid', 'problems', 'warnings'],
            properties: { valid: { type: 'boolean' }, problems: arrayOf('GraphProblem'), warnings: arrayOf('GraphProblem'), resolved: ref('GraphDocument') },
          },
        },
        ...errors(400, 401),
      },
      handle: async ({ body }) => {
        const result = await checkDocument(store, ctx.workspace.registry, body.document);
        const warnings = result.graph ? await credentialWarnings(result.graph, ctx.workspace.registry, ctx.vault) : [];
        return { valid: result.problems.length === 0, problems: result.problems, warnings, ...(result.graph ? { resolved: result.graph } : {}) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/graphs',
      summary: 'Create a graph (version 1); the document is validated and every problem reported',
      description:
        'A series variant may extend a file path (`"extends": "./episode.json"`) when a stored graph has that id (the base name); it is stored extending the id. `adoptRuns`: runs started from the unsaved document (runs with no graph) that become runs of version 1, so the history survives the first save; the answer lists them in `adoptedRuns`.',
      tags,
      status: 201,
      body: graphCreateRequest,
      responses: {
        201: { description: 'the stored graph (with `adoptedRuns` when runs were adopted)', schema: { allOf: [ref('StoredGraph'), { type: 'object', properties: { adoptedRuns: { type: 'array', items: { type: 'string' } } } }] } },
        ...errors(400, 401, 409),
      },
      handle: async ({ body }) => {
        const document = await checked(ctx, body.document);
        const id = graphIdFor(document, body.id);
        if (await store.getGraph(id)) throw conflict(`graph "${id}" exists already; PUT /api/graphs/${id} saves a new version`, 'GRAPH_EXISTS');
        const saved = await store.saveGraph(document, { id, ...(body.message ? { message: body.message } : {}) });
        const adoptedRuns = body.adoptRuns?.length ? await ctx.tables.adoptRuns(body.adoptRuns, saved.id, saved.version) : [];
        const stored = await withResolved(ctx, await storedGraph(ctx, saved.id, saved.version));
        return adoptedRuns.length > 0 ? { ...stored, adoptedRuns } : stored;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/graphs/import',
      summary: 'Import graph files: several at once, so a series variant comes with the template it extends',
      description:
        "A variant's `extends` given as a file path (`\"./episode.json\"`) resolves to the document of that `fileName` in the same request, else a stored graph with that id (the base name), else the shipped template of that file name (installed). Every document is validated before anything is stored. Nothing is overwritten: a document equal to a stored graph reuses it; a different one under a taken id is stored under a free id (`episode-2`). Answers the stored graphs in request order.",
      tags,
      status: 201,
      body: graphImportRequest,
      responses: {
        201: { description: 'the stored graphs, in request order', schema: { type: 'object', required: ['graphs'], properties: { graphs: arrayOf('StoredGraph') } } },
        ...errors(400, 401),
      },
      handle: async ({ body }) => {
        const ids = await importGraphs({ store, registry: ctx.workspace.registry, save: saveChecked }, body.documents, body.message);
        return { graphs: await Promise.all(ids.map(async (id) => withResolved(ctx, await storedGraph(ctx, id)))) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/graphs/:id',
      summary: 'Get a graph: the latest version, or `?version=`; a variant also carries its resolved graph',
      tags,
      params: idParams,
      query: versionQuery,
      responses: { 200: { description: 'the graph version', schema: ref('StoredGraph') }, ...errors(400, 401, 404) },
      handle: async ({ params, query }) => withResolved(ctx, await storedGraph(ctx, params.id, query.version)),
    }),
    defineRoute({
      method: 'put',
      path: '/api/graphs/:id',
      summary: 'Save a new version of a graph',
      tags,
      params: idParams,
      body: graphSaveRequest,
      responses: { 200: { description: 'the new version', schema: ref('StoredGraph') }, ...errors(400, 401, 404) },
      handle: async ({ params, body }) => {
        await storedGraph(ctx, params.id);
        const document = await checked(ctx, { ...body.document, id: params.id });
        const saved = await store.saveGraph(document, { id: params.id, ...(body.message ? { message: body.message } : {}) });
        return withResolved(ctx, await storedGraph(ctx, saved.id, saved.version));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/graphs/:id/inputs',
      summary: "The graph's run inputs draft (the episode text etc. last typed for it); `{inputs: {}}` when none was saved",
      tags,
      params: idParams,
      responses: { 200: { description: 'the draft', schema: ref('GraphInputsDraft') }, ...errors(400, 401, 404) },
      handle: async ({ params }) => {
        await storedGraph(ctx, params.id);
        const draft = await ctx.tables.getGraphInputs(params.id);
        return draft ? { inputs: JSON.parse(draft.inputs) as Record<string, unknown>, updatedAt: draft.updatedAt } : { inputs: {} };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/graphs/:id/inputs',
      summary: "Replace the graph's run inputs draft (at most 4 MiB of JSON)",
      description: 'Kept per graph on the server, so the episode text survives save, reopen and reload; deleted with the graph. Not validated against the graph inputs: a draft may be half typed.',
      tags,
      params: idParams,
      bodyLimit: '5mb',
      body: graphInputsRequest,
      responses: { 200: { description: 'the stored draft', schema: ref('GraphInputsDraft') }, ...errors(400, 401, 404, 413) },
      handle: async ({ params, body }) => {
        await storedGraph(ctx, params.id);
        const text = JSON.stringify(body.inputs);
        const bytes = Buffer.byteLength(text);
        if (bytes > MAX_INPUTS_DRAFT_BYTES) {
          throw new HttpError(413, 'INPUTS_TOO_LARGE', `the inputs draft is ${(bytes / 1048576).toFixed(1)} MiB; at most ${MAX_INPUTS_DRAFT_BYTES / 1048576} MiB is kept per graph`);
        }
        const updatedAt = await ctx.tables.putGraphInputs(params.id, text);
        return { inputs: body.inputs, updatedAt };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/graphs/:id',
      summary: 'Delete a graph with its history and item pins (refused while a stored variant extends it)',
      tags,
      status: 204,
      params: idParams,
      responses: { 204: { description: 'deleted' }, ...errors(401, 404, 409) },
      handle: async ({ params }) => {
        await storedGraph(ctx, params.id);
        const dependant = (await store.listGraphs()).find((summary) => summary.extends === params.id && summary.id !== params.id);
        if (dependant) throw conflict(`graph "${dependant.id}" extends "${params.id}"; delete or detach it first`, 'GRAPH_IN_USE');
        if (!(await ctx.tables.deleteGraph(params.id))) throw notFound(`graph "${params.id}"`);
        // Its item pins go with it: a graph stored again under this id starts with none.
        await ctx.workspace.pins.forget(params.id);
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/graphs/:id/versions',
      summary: 'Version history, newest first',
      tags,
      params: idParams,
      responses: { 200: { description: 'versions', schema: arrayOf('GraphVersion') }, ...errors(401, 404) },
      handle: async ({ params }) => {
        const history = await store.graphHistory(params.id);
        if (history.length === 0) throw notFound(`graph "${params.id}"`);
        return history;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/graphs/:id/versions/:version/restore',
      summary: 'Restore an old version by saving it as a new version',
      tags,
      status: 201,
      params: objectSchema({ id: identifier, version: Type.Integer({ minimum: 1 }) }),
      body: graphRestoreRequest,
      responses: { 201: { description: 'the new version', schema: ref('StoredGraph') }, ...errors(400, 401, 404) },
      handle: async ({ params, body }) => {
        const old = await storedGraph(ctx, params.id, params.version);
        const saved = await store.saveGraph(old.doc, { id: params.id, message: body.message ?? `restore version ${params.version}` });
        return withResolved(ctx, await storedGraph(ctx, saved.id, saved.version));
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/graphs/:id/clone',
      summary: 'Clone a graph for a series: a new variant that extends it, with no overrides yet',
      tags: [...tags, 'variants'],
      status: 201,
      params: idParams,
      body: graphCloneRequest,
      responses: { 201: { description: 'the new variant', schema: ref('StoredGraph') }, ...errors(400, 401, 404, 409) },
      handle: async ({ params, body }) => {
        await storedGraph(ctx, params.id);
        const variant: GraphVariant = {
          format: GRAPH_FORMAT,
          schemaVersion: GRAPH_SCHEMA_VERSION,
          name: body.name,
          ...(body.description ? { description: body.description } : {}),
          extends: params.id,
          overrides: {},
        };
        const id = graphIdFor(variant, body.id);
        if (await store.getGraph(id)) throw conflict(`graph "${id}" exists already; choose another id`, 'GRAPH_EXISTS');
        const saved = await store.saveGraph({ ...variant, id }, { id, message: `clone of ${params.id}` });
        return withResolved(ctx, await storedGraph(ctx, saved.id, saved.version));
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/graphs/:id/diff',
      summary: "A variant's overrides relative to its template, and the resolved graph",
      tags: [...tags, 'variants'],
      params: idParams,
      query: versionQuery,
      responses: {
        200: {
          description: 'the overrides and the resolved graph',
          schema: {
            type: 'object',
            required: ['id', 'version', 'extends', 'overrides', 'resolved'],
            properties: { id: { type: 'string' }, version: { type: 'integer' }, extends: { type: 'string' }, templateVersion: { type: 'integer' }, overrides: { type: 'object' }, resolved: ref('GraphDocument') },
          },
        },
        ...errors(400, 401, 404),
      },
      handle: async ({ params, query }) => {
        const stored = await storedGraph(ctx, params.id, query.version);
        if (!isVariant(stored.doc)) throw new HttpError(400, 'NOT_A_VARIANT', `graph "${params.id}" is not a variant (it extends no template)`);
        const { graph, problems } = await resolveDocument(store, stored.doc);
        if (!graph) throw badRequest('the variant cannot be resolved', problems.map((p) => ({ in: 'document', ...p })));
        const template = await store.getGraph(stored.doc.extends);
        return {
          id: stored.id,
          version: stored.version,
          extends: stored.doc.extends,
          ...(template ? { templateVersion: template.version } : {}),
          overrides: stored.doc.overrides,
          resolved: graph,
        };
      },
    }),
  ];
}
