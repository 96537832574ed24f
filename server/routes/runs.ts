/** Runs: start, cancel, list, detail (optionally waiting for the end), logs. */
import { setTimeout as sleep } from 'node:timers/promises';
import { estimateRequest, runId, runListQuery, runLogsQuery, runWaitQuery, startRunRequest } from '../../runtime/contract/api-requests.js';
import type { RunTrigger } from '../../runtime/store/types.js';
import { partialScopeOf } from '../../runtime/runs/launcher.js';
import { sceneGraph } from '../../runtime/runs/scene-preview.js';
import type { ServerContext } from '../context.js';
import { conflict, notFound } from '../errors.js';
import { defineRoute, objectSchema, type AnyRoute } from '../route.js';
import { runTitle } from '../episode-text.js';
import { graphFor, startRun } from '../runs.js';
import { arrayOf, errors, ref } from '../schemas.js';

const tags = ['runs'];
const runIdParams = objectSchema({ id: runId });

export function runRoutes(ctx: ServerContext): AnyRoute[] {
  const { store, launcher } = ctx.workspace;
  return [
    defineRoute({
      method: 'post',
      path: '/api/runs',
      summary: 'Start a run of a stored graph (graphId, optional version) or of an inline graph',
      description: 'Runs started with the header `X-Reelgraph-Client: editor` are recorded with trigger `editor`, others with `api`.',
      tags,
      status: 202,
      body: startRunRequest,
      responses: {
        202: { description: 'the run was accepted', schema: { type: 'object', required: ['runId'], properties: { runId: { type: 'string' }, inputs: { type: 'object' } } } },
        ...errors(400, 401, 404),
      },
      handle: async ({ body, req }) => {
        const trigger: RunTrigger = req.get('x-reelgraph-client')?.toLowerCase() === 'editor' ? 'editor' : 'api';
        const run = await startRun(ctx, { ...body, trigger });
        return { runId: run.runId, inputs: run.inputs };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/estimate',
      summary: 'What a run would cost: usage and list price per paid node and in total, calling no paid provider',
      description:
        "Takes what POST /api/runs takes (a stored graph or an inline one, its inputs, and `until`, `only` or `scene` to price a partial run or a one-scene preview). Cached items cost nothing; a fallback counts its first choice; a paid node whose inputs come from another paid node's results is listed under `unestimated` and `complete` is false. Unpaid upstream nodes (script parsing, prompts) do execute, and their results are cached for the run.",
      tags,
      body: estimateRequest,
      responses: { 200: { description: 'the estimate', schema: ref('RunEstimate') }, ...errors(400, 401, 404) },
      handle: async ({ body }) => {
        const found = await graphFor(ctx, body);
        const graph = body.scene === undefined ? found.graph : sceneGraph(found.graph, ctx.workspace.registry, body.scene);
        return ctx.workspace.engine.estimate(graph, { inputs: body.inputs ?? {}, noCache: body.noCache, ...partialScopeOf(body) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/runs',
      summary: 'List runs, newest first',
      tags,
      query: runListQuery,
      description: "Each row carries `title` when the run's episode input has one (front matter title, first `#` heading or Fountain title page), read from the first few KB only.",
      responses: { 200: { description: 'runs', schema: arrayOf('RunRow') }, ...errors(400, 401) },
      handle: async ({ query }) => {
        const rows = await store.listRuns({
          limit: query.limit,
          ...(query.graphId ? { graphId: query.graphId } : {}),
          ...(query.status?.length ? { status: query.status } : {}),
          ...(query.trigger ? { trigger: query.trigger } : {}),
        });
        return rows.map((row) => {
          const title = runTitle(row.inputs);
          return title ? { ...row, title } : row;
        });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/runs/:id',
      summary: 'A run with its per-node and per-item records (status, attempts, providers, errors)',
      description: '`?wait=ms` long-polls: the answer comes when the run ends or after that many milliseconds (at most 60000), whichever is first.',
      tags,
      params: runIdParams,
      query: runWaitQuery,
      responses: { 200: { description: 'the run', schema: ref('RunDetail') }, ...errors(400, 401, 404) },
      handle: async ({ params, query, req }) => {
        const finished = launcher.finished(params.id);
        if (finished && query.wait) {
          const closed = new AbortController();
          req.once('close', () => closed.abort());
          await Promise.race([finished, sleep(query.wait, undefined, { signal: closed.signal }).catch(() => undefined)]);
          closed.abort();
        }
        const run = await store.getRun(params.id);
        if (!run) throw notFound(`run "${params.id}"`);
        const title = runTitle(run.inputs);
        return title ? { ...run, title } : run;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/runs/:id/cancel',
      summary: 'Cancel a running run',
      tags,
      status: 202,
      params: runIdParams,
      responses: {
        202: { description: 'cancellation requested; the run ends as `cancelled`', schema: { type: 'object', properties: { runId: { type: 'string' }, cancelled: { type: 'boolean' } } } },
        ...errors(401, 404, 409),
      },
      handle: async ({ params }) => {
        if (launcher.cancel(params.id)) return { runId: params.id, cancelled: true };
        const run = await store.getRun(params.id);
        if (!run) throw notFound(`run "${params.id}"`);
        throw conflict(`run "${params.id}" is ${run.status}, not running in this server`, 'RUN_NOT_ACTIVE');
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/runs/:id/logs',
      summary: 'Run logs, oldest first; page with `afterId` (the last id you have)',
      tags,
      params: runIdParams,
      query: runLogsQuery,
      responses: {
        200: {
          description: 'a page of logs; `nextAfterId` continues after it',
          schema: { type: 'object', required: ['logs'], properties: { logs: arrayOf('RunLog'), nextAfterId: { type: 'integer' } } },
        },
        ...errors(400, 401, 404),
      },
      handle: async ({ params, query }) => {
        const logs = await store.getLogs(params.id, { afterId: query.afterId, limit: query.limit });
        if (logs.length === 0 && !(await store.getRun(params.id))) throw notFound(`run "${params.id}"`);
        const last = logs[logs.length - 1];
        return { logs, nextAfterId: last ? last.id : query.afterId };
      },
    }),
  ];
}
