/** The API's own description, and metrics. */
import type { ServerContext } from '../context.js';
import { HttpError } from '../errors.js';
import { buildOpenApi } from '../openapi.js';
import { defineRoute, type AnyRoute } from '../route.js';
import { errors } from '../schemas.js';

export function systemRoutes(ctx: ServerContext, allRoutes: () => AnyRoute[]): AnyRoute[] {
  let document: unknown;
  return [
    defineRoute({
      method: 'get',
      path: '/api/health',
      summary: 'Liveness, for load balancers and container health checks',
      description: 'Public and cheap: answers 200 while the server can read its database; says whether units run in this process or on queue workers.',
      tags: ['system'],
      access: 'public',
      responses: {
        200: {
          description: 'the server is up',
          schema: {
            type: 'object',
            required: ['status', 'mode', 'activeRuns'],
            properties: { status: { const: 'ok' }, mode: { enum: ['embedded', 'queue'] }, activeRuns: { type: 'integer' } },
          },
        },
      },
      handle: async () => {
        await ctx.workspace.store.listRuns({ limit: 1 });
        return { status: 'ok', mode: ctx.workspace.mode, activeRuns: ctx.workspace.launcher.activeRunIds().length };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/openapi.json',
      summary: 'This API as an OpenAPI 3.1 document (generated from the route table)',
      tags: ['system'],
      access: 'public',
      responses: { 200: { description: 'the OpenAPI document', schema: { type: 'object' } } },
      handle: () => (document ??= buildOpenApi(allRoutes())),
    }),
    defineRoute({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics (token required unless REELGRAPH_METRICS_PUBLIC=1)',
      tags: ['system'],
      access: 'metrics',
      responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain' }, ...errors(401), 503: { description: 'metrics are not available' } },
      handle: async ({ res }) => {
        const { metrics } = ctx.metrics;
        if (!metrics) throw new HttpError(503, 'METRICS_UNAVAILABLE', 'runtime metrics are not available in this build');
        res.set('Content-Type', metrics.contentType).send(await metrics.metricsText());
      },
    }),
  ];
}
