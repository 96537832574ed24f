/**
 * What `reelgraph estimate`, `POST /api/estimate` and `Engine.estimate`
 * answer: a run's expected usage and list-price cost per paid node and in
 * total (see runtime/engine/estimate.ts). Written once, with TypeBox: the
 * schema is published in the OpenAPI document, the type is what the engine returns.
 */
import { runUsage } from './records.js';
import { Type, type Static } from './typebox.js';

export const nodeEstimate = Type.Object({
  id: Type.String(),
  type: Type.String(),
  provider: Type.Unsafe<string | null>({
    anyOf: [{ type: 'string' }, { type: 'null' }],
    description: 'the providers its usage goes to, comma-separated; null when nothing would be billed',
  }),
  usage: Type.Array(runUsage, { description: 'usage of the items that would execute, summed per provider, unit and model' }),
  costUsd: Type.Number({ description: 'at list price (runtime/observability/prices.ts)' }),
  cachedItems: Type.Integer({ description: 'items whose result is cached: they cost nothing' }),
  items: Type.Integer({ description: 'items counted: those that would execute plus the cached ones' }),
  unestimated: Type.Optional(
    Type.Object({ items: Type.Integer(), reason: Type.String() }, { description: 'items that cannot be priced before a run (their inputs come from a paid node), and why' }),
  ),
  unpriced: Type.Optional(Type.Array(runUsage, { description: 'usage no price row covers (self-hosted servers): counted, not priced' })),
});
export type NodeEstimate = Static<typeof nodeEstimate>;

export const runEstimate = Type.Object({
  costUsd: Type.Number({ description: 'total at list price; a lower bound when `complete` is false' }),
  nodes: Type.Array(nodeEstimate, { description: 'the paid nodes a run would use, in graph order (a fallback counts its first choice)' }),
  complete: Type.Boolean({ description: 'false when some paid node could not be estimated' }),
  estimatedPrices: Type.Boolean({ description: 'whether some price used is itself an estimate (see the price table)' }),
  error: Type.Optional(Type.String({ description: "an upstream node's own failure (a script that does not parse); the figures cover what could be reached" })),
});
export type RunEstimate = Static<typeof runEstimate>;
