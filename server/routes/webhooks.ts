/**
 * Signed webhooks: a graph exposes one (slug + secret, optional completion
 * callback); `POST /webhooks/:slug` starts a run when the delivery's
 * signature verifies, its timestamp is fresh and it was not seen before.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { webhookCreateRequest, webhookListQuery } from '../../runtime/contract/api-requests.js';
import { priorities } from '../../runtime/contract/events.js';
import type { GraphDocument } from '../../runtime/contract/graph.js';
import { jsonSchema } from '../../runtime/contract/json-schema.js';
import { Type, type Static } from '../../runtime/contract/typebox.js';
import { webhookAad, type WebhookRecord } from '../../runtime/store/server-tables.js';
import type { ServerContext } from '../context.js';
import { badRequest, conflict, HttpError, notFound } from '../errors.js';
import { defineRoute, idParams, objectSchema, type AnyRoute } from '../route.js';
import { graphFor, startRun } from '../runs.js';
import { arrayOf, errors, ref } from '../schemas.js';
import { validatePart, summarize } from '../validation.js';
import { CallbackTargetError, checkCallbackTarget } from '../webhooks/callback-target.js';
import { exampleCurl, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../webhooks/signing.js';
import { storedGraph } from './graphs.js';

/** A signed delivery's body, checked once its signature verified (the route reads the raw bytes). */
const payloadSchema = objectSchema({
  inputs: Type.Optional(Type.LooseObject()),
  markdown: Type.Optional(Type.String({ description: 'mapped to the graph’s first Markdown (or Text) input' })),
  priority: Type.Optional(Type.StringEnum(priorities)),
});

/** The input an inline `markdown` fills: the first declared Markdown input, else the first Text one. */
export function markdownInput(graph: GraphDocument): string | undefined {
  const entries = Object.entries(graph.inputs ?? {}).filter(([, spec]) => !spec.list);
  return (entries.find(([, spec]) => spec.type === 'Markdown') ?? entries.find(([, spec]) => spec.type === 'Text'))?.[0];
}

function baseUrl(ctx: ServerContext, req: Request): string {
  return ctx.config.publicUrl ?? `${req.protocol}://${req.get('host') ?? `${ctx.config.host}:${ctx.config.port}`}`;
}

export function webhookRoutes(ctx: ServerContext): AnyRoute[] {
  const { tables, vault } = ctx;

  const describe = (record: WebhookRecord, req: Request): Record<string, unknown> => {
    const secret = vault.open(record.sealed, webhookAad(record.graphId));
    const url = `${baseUrl(ctx, req)}/webhooks/${record.slug}`;
    return {
      graphId: record.graphId,
      slug: record.slug,
      secret,
      url,
      ...(record.callbackUrl ? { callbackUrl: record.callbackUrl } : {}),
      curl: exampleCurl(url, secret),
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
    };
  };

  return [
    defineRoute({
      method: 'post',
      path: '/api/graphs/:id/webhook',
      summary: "Create or rotate a graph's webhook: a new slug and secret (the old ones stop working)",
      tags: ['webhooks'],
      status: 201,
      params: idParams,
      body: webhookCreateRequest,
      responses: { 201: { description: 'the webhook, with its secret', schema: ref('Webhook') }, ...errors(400, 401, 404, 503) },
      handle: async ({ params, body, req }) => {
        await storedGraph(ctx, params.id);
        if (body.callbackUrl) {
          try {
            await checkCallbackTarget(body.callbackUrl, ctx.config.callback.allowPrivate);
          } catch (error) {
            if (!(error instanceof CallbackTargetError)) throw error;
            throw badRequest(error.message, [{ in: 'body', path: '/callbackUrl', message: error.message }]);
          }
        }
        const secret = randomBytes(32).toString('base64url');
        const slug = `wh_${randomBytes(12).toString('base64url')}`;
        const record = await tables.putWebhook(params.id, slug, vault.seal(secret, webhookAad(params.id)), body.callbackUrl);
        return describe(record, req);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/webhooks',
      summary: 'The webhooks, or those of one graph: an empty list when it has none (where GET /api/graphs/:id/webhook answers 404)',
      tags: ['webhooks'],
      query: webhookListQuery,
      responses: { 200: { description: 'the webhooks', schema: arrayOf('Webhook') }, ...errors(400, 401, 503) },
      handle: async ({ query, req }) => (await tables.listWebhooks(query.graphId)).map((record) => describe(record, req)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/graphs/:id/webhook',
      summary: "A graph's webhook: URL, secret, and an example signed delivery with curl and openssl",
      tags: ['webhooks'],
      params: idParams,
      responses: { 200: { description: 'the webhook', schema: ref('Webhook') }, ...errors(400, 401, 404, 503) },
      handle: async ({ params, req }) => {
        const record = await tables.webhookOfGraph(params.id);
        if (!record) throw notFound(`a webhook of graph "${params.id}"`);
        return describe(record, req);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/graphs/:id/webhook',
      summary: "Remove a graph's webhook",
      tags: ['webhooks'],
      status: 204,
      params: idParams,
      responses: { 204: { description: 'removed' }, ...errors(400, 401, 404) },
      handle: async ({ params }) => {
        if (!(await tables.deleteWebhook(params.id))) throw notFound(`a webhook of graph "${params.id}"`);
        return undefined;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/webhooks/:slug',
      summary: 'Start a run from a signed delivery',
      description: [
        `Headers: \`${TIMESTAMP_HEADER}: <unix seconds>\` and \`${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>\`.`,
        'Timestamps more than 5 minutes off are refused, and so is a delivery seen before (409).',
        'Body: `{inputs?, markdown?, priority?}`; `markdown` fills the graph’s first Markdown (or Text) input.',
      ].join(' '),
      tags: ['webhooks'],
      access: 'signature',
      status: 202,
      params: objectSchema({ slug: Type.String({ pattern: '^wh_[A-Za-z0-9_-]{1,64}$' }) }),
      rawBody: { limit: ctx.config.webhookBodyLimit, description: '{inputs?: object, markdown?: string, priority?: "urgent"|"normal"|"batch"}' },
      responses: {
        202: { description: 'the run was started', schema: { type: 'object', required: ['runId'], properties: { runId: { type: 'string' } } } },
        ...errors(400, 404, 413),
        401: { description: 'bad signature or stale timestamp', schema: ref('Error') },
        409: { description: 'this delivery was seen before (replay)', schema: ref('Error') },
      },
      handle: async ({ params, body, req }) => {
        const record = await tables.webhookBySlug(params.slug);
        if (!record) throw notFound('this webhook');
        const raw = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
        const secret = vault.open(record.sealed, webhookAad(record.graphId));
        const given = req.get(SIGNATURE_HEADER);
        const verdict = verifySignature(secret, req.get(TIMESTAMP_HEADER), given, raw, ctx.config.webhookToleranceMs);
        if (!verdict.ok) throw new HttpError(401, 'BAD_SIGNATURE', verdict.reason);
        const fresh = await tables.recordDelivery(given as string, record.slug, Date.now() - 2 * ctx.config.webhookToleranceMs);
        if (!fresh) throw conflict('this delivery was received before (same signature); sign each delivery with a new timestamp', 'REPLAYED');

        let payload: unknown;
        try {
          payload = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
        } catch (error) {
          throw new HttpError(400, 'INVALID_JSON', `the body is not valid JSON: ${(error as Error).message}`);
        }
        const checked = validatePart('body', jsonSchema(payloadSchema), payload);
        if (checked.problems.length > 0) throw badRequest(summarize(checked.problems), checked.problems);
        const { inputs = {}, markdown, priority } = checked.value as Static<typeof payloadSchema>;

        const { graph } = await graphFor(ctx, { graphId: record.graphId });
        const merged = { ...inputs };
        if (markdown !== undefined) {
          const name = markdownInput(graph);
          if (!name) throw badRequest(`graph "${record.graphId}" has no Markdown or Text input to put \`markdown\` in`, [{ in: 'body', path: '/markdown', message: 'the graph has no Markdown or Text input' }]);
          merged[name] = markdown;
        }
        // Owed in the store before the run can end, not held in a promise: a restart does not lose it (server/webhooks/completions.ts).
        const runId = randomUUID();
        if (record.callbackUrl) await ctx.tables.oweCallback(runId);
        try {
          await startRun(ctx, { graphId: record.graphId, inputs: merged, ...(priority ? { priority } : {}), trigger: 'webhook', runId });
        } catch (error) {
          await ctx.tables.settleCallback(runId);
          throw error;
        }
        return { runId };
      },
    }),
  ];
}

