import { defineNode, nodeParams } from '../../runtime/contract/index.js';

const choice = (n: number, optional: boolean) => ({
  name: `choice${n}`,
  type: 'Any' as const,
  optional,
  title: `Choice ${n}`,
  description: n === 1 ? 'First choice: always evaluated.' : `Evaluated only for the items every earlier choice failed.`,
});

/**
 * Ordered alternatives, evaluated lazily by the runtime: choice 2 runs only
 * for the items (or the whole value) choice 1 failed, and so on. Wire the
 * same input into several providers and their outputs in here.
 */
export default defineNode({
  type: 'control.fallback',
  version: 1,
  title: 'Fallback',
  category: 'control',
  description: 'Takes each item from the first alternative that produced it; later alternatives run only for what earlier ones failed.',
  inputs: [choice(1, false), choice(2, true), choice(3, true), choice(4, true)],
  outputs: [{ name: 'value', type: 'Any', title: 'Value', description: 'What the first succeeding alternative produced (same type as choice 1).' }],
  params: nodeParams({}),
  resource: 'light',
  cacheable: false,
  control: 'fallback',
  // The runtime implements fallback itself; execute is never called.
  execute: async () => {
    throw new Error('control.fallback is evaluated by the runtime');
  },
});
