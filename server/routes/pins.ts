/**
 * Item pins of a stored graph: lock an item's result, regenerate one item
 * (its next take), set a take back (undo). Nothing here starts a run or
 * spends: the next run (with its estimate and budgets) makes a regenerated
 * item, and only it.
 */
import { itemPinParams, itemPinRequest } from '../../runtime/contract/api-requests.js';
import type { ServerContext } from '../context.js';
import { defineRoute, idParams, type AnyRoute } from '../route.js';
import { graphFor } from '../runs.js';
import { arrayOf, errors, ref } from '../schemas.js';

const tags = ['graphs'];

const pinErrors = 'Errors name the node and item: 404 `UNKNOWN_NODE`, 400 `NOT_PER_ITEM` (a node that runs whole), 409 `NO_RESULT_TO_LOCK` (no run produced the item yet), 409 `ITEM_LOCKED` (a take change on a locked item).';

export function pinRoutes(ctx: ServerContext): AnyRoute[] {
  const { pins } = ctx.workspace;
  const graphOf = async (id: string) => (await graphFor(ctx, { graphId: id })).graph;
  return [
    defineRoute({
      method: 'get',
      path: '/api/graphs/:id/pins',
      summary: "The graph's pinned items: locked ones (with the result they keep) and regenerated ones (their take)",
      description: 'Items not listed are unlocked at take 0. A run records, per item, `take` (when not 0) and `locked: true` (status `cached`) where a lock supplied the result.',
      tags,
      params: idParams,
      responses: { 200: { description: 'pins by node id, then item index', schema: arrayOf('ItemPin') }, ...errors(400, 401, 404) },
      handle: async ({ params }) => pins.list(await graphOf(params.id)),
    }),
    defineRoute({
      method: 'get',
      path: '/api/graphs/:id/pins/:node/:item',
      summary: "One item's pin (unlocked at take 0 when nothing is set)",
      description: pinErrors,
      tags,
      params: itemPinParams,
      responses: { 200: { description: 'the pin', schema: ref('ItemPin') }, ...errors(400, 401, 404) },
      handle: async ({ params }) => pins.get(await graphOf(params.id), params.node, params.item),
    }),
    defineRoute({
      method: 'put',
      path: '/api/graphs/:id/pins/:node/:item',
      summary: 'Lock or unlock an item, or set its take; answers the pin after the change',
      description: `Lock: the item's result in the graph's latest run that has one (or \`runId\`'s) is kept by every later run, which never executes the item, whatever its inputs become. It holds while the node's list keeps its length and the item its scene id; otherwise that item fails unsent (\`LOCKED_ITEM_UNUSABLE\`) until locked again or unlocked. Take: part of the item's cache key, so a new take is made by the next run (a new seed) and an earlier take comes back from the cache. Undo = PUT the previous pin's \`locked\` and \`take\`. ${pinErrors}`,
      tags,
      params: itemPinParams,
      body: itemPinRequest,
      responses: { 200: { description: 'the pin after the change', schema: ref('ItemPin') }, ...errors(400, 401, 404, 409) },
      handle: async ({ params, body }) => pins.change(await graphOf(params.id), params.node, params.item, body),
    }),
    defineRoute({
      method: 'post',
      path: '/api/graphs/:id/pins/:node/:item/regenerate',
      summary: "Regenerate one item: its next take (take + 1), made by the next run with a new seed; no other item changes",
      description: `Starts no run: start one (POST /api/runs, after POST /api/estimate if wanted) to make it. Undo: PUT the previous \`take\`. ${pinErrors}`,
      tags,
      params: itemPinParams,
      responses: { 200: { description: 'the pin with its new take', schema: ref('ItemPin') }, ...errors(400, 401, 404, 409) },
      handle: async ({ params }) => pins.regenerate(await graphOf(params.id), params.node, params.item),
    }),
  ];
}
