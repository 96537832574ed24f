/** A no-op node for queue benchmarks, loaded by bench workers through REELGRAPH_NODE_MODULES. */
import { defineNode, type NodeType } from '../runtime/contract/index.js';

export const noop = defineNode({
  type: 'bench.noop',
  version: 1,
  title: 'No-op',
  category: 'utility',
  description: 'Passes its input on; measures what the runtime costs.',
  inputs: [{ name: 'value', type: 'Json', optional: true }],
  outputs: [{ name: 'value', type: 'Json' }],
  params: { type: 'object', properties: {} },
  resource: 'io',
  // Never cached: every run must dispatch every node.
  cacheable: false,
  execute: async (ctx) => ({ value: ctx.inputs.value ?? 0 }),
});

export const nodes = [noop] as NodeType[];
export default nodes;
