/**
 * Review gates of a run (`control.review`): the storyboard a waiting gate
 * shows, and the decision that lets the run go on. The decision is stored
 * (runtime/engine/review-desk.ts), so it holds whether or not this server
 * is the one running the run right now.
 */
import { reviewQuery, runId } from '../../runtime/contract/api-requests.js';
import type { ReviewDecider } from '../../runtime/contract/events.js';
import { reviewDecisionRequest } from '../../runtime/contract/review.js';
import { InvalidReviewDecisionError, ReviewNotPendingError } from '../../runtime/engine/review-desk.js';
import type { ServerContext } from '../context.js';
import { badRequest, conflict, notFound } from '../errors.js';
import { defineRoute, objectSchema, type AnyRoute } from '../route.js';
import { arrayOf, errors, ref } from '../schemas.js';

const tags = ['runs'];
const runIdParams = objectSchema({ id: runId });

export function reviewRoutes(ctx: ServerContext): AnyRoute[] {
  const { store, reviews } = ctx.workspace;
  return [
    defineRoute({
      method: 'get',
      path: '/api/runs/:id/review',
      summary: "A run's review gates: the storyboard each shows (per item its title, prompt, text, media) and their decisions",
      description:
        'A gate waiting for a decision has `status: "pending"` (the run is then `waiting`); `deadlineAt` is when its timeout decides. Media handles play from `/media/<hash>`.',
      tags,
      params: runIdParams,
      query: reviewQuery,
      responses: {
        200: {
          description: "the run's status and its gates, in the order they opened; with `?estimate=true` also what approving would cost",
          schema: {
            type: 'object',
            required: ['runId', 'status', 'reviews'],
            properties: { runId: { type: 'string' }, status: { type: 'string' }, reviews: arrayOf('ReviewRecord'), estimate: ref('RunEstimate') },
          },
        },
        ...errors(400, 401, 404),
      },
      handle: async ({ params, query }) => {
        const run = await store.getRun(params.id);
        if (!run) throw notFound(`run "${params.id}"`);
        const found = { runId: run.id, status: run.status, reviews: await reviews.records.forRun(run.id) };
        if (!query.estimate) return found;
        // An estimate passes every gate (review-gate.ts): the paid work after it is priced; what the run already made is cached, so free.
        return { ...found, estimate: await ctx.workspace.engine.estimate(run.graph, { inputs: run.inputs }) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/runs/:id/review',
      summary: 'Decide a waiting review gate: approve or reject it, or some of its items',
      description: [
        '`approve` without `items` approves every item; with `items`, those, and rejects the rest.',
        '`reject` without `items` rejects the gate (the run fails, naming it); with `items`, rejects those and approves the rest.',
        "Rejected items are made again (each per-item node before the gate makes its next take) and the gate asks again in a new round, when the gate's `rejectedItems` is `regenerate` (the default); with `fail` they fail the run, naming them; with `drop` the run goes on with the approved ones.",
        '`edits` rewrite items\' prompts or spoken text: each edited item is made again from its new words where its list starts, and shown again.',
        '`node` names the gate when several wait. Decisions sent with the header `X-Reelgraph-Client: editor` are recorded as the editor\'s, others as the API\'s.',
      ].join(' '),
      tags,
      params: runIdParams,
      body: reviewDecisionRequest,
      responses: {
        200: { description: 'the decided review', schema: ref('ReviewRecord') },
        ...errors(400, 401, 404),
        409: { description: 'no gate of the run waits (none opened, or decided already)', schema: ref('Error') },
      },
      handle: async ({ params, body, req }) => {
        if (!(await store.getRun(params.id))) throw notFound(`run "${params.id}"`);
        const by: ReviewDecider = req.get('x-reelgraph-client')?.toLowerCase() === 'editor' ? 'editor' : 'api';
        try {
          return await reviews.decide(params.id, { ...body, by });
        } catch (error) {
          if (error instanceof ReviewNotPendingError) throw conflict(error.message, error.code);
          if (error instanceof InvalidReviewDecisionError) throw badRequest(error.message, [{ in: 'body', path: `/${error.field}`, message: error.message }]);
          throw error;
        }
      },
    }),
  ];
}
