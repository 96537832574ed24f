import { defineNode, reviewGateParams } from '../../runtime/contract/index.js';

/**
 * A review gate: the run stops here until a person approves (in the editor,
 * `POST /api/runs/:id/review` or `reelgraph approve`), or the timeout decides.
 * Wire the list to review into `items` (scenes, prompts, lines) and, item
 * for item, what was already made for them into `previews` and `voices`:
 * those are made before the gate, to be looked at; what comes after the
 * gate (the expensive renders) is not started before the decision.
 */
export default defineNode({
  type: 'control.review',
  version: 1,
  title: 'Review',
  category: 'control',
  description: 'Waits for a person to approve the items (a storyboard in the editor) before the run goes on; rejected items fail the run or are dropped.',
  inputs: [
    { name: 'items', type: 'Any', list: true, title: 'Items', description: 'The list under review: one storyboard card per item.' },
    { name: 'previews', type: 'Any', list: true, optional: true, title: 'Previews', description: 'Per item, a still or preview clip to show on its card (aligned with items).' },
    { name: 'voices', type: 'Any', list: true, optional: true, title: 'Voices', description: 'Per item, its voice lines to play on its card (aligned with items).' },
  ],
  outputs: [
    { name: 'items', type: 'Any', list: true, title: 'Approved items', description: 'The items once approved, in order (only the approved ones with rejectedItems "drop").' },
    { name: 'approved', type: 'Json', title: 'Approved indices', description: 'Indices of the approved items in the input list, to align other lists with.' },
  ],
  params: reviewGateParams,
  // The decision belongs to one run: a new run is reviewed again.
  cacheable: false,
  resource: 'light',
  control: 'review',
  // The runtime implements the gate itself (runtime/engine/review-gate.ts); execute is never called.
  execute: async () => {
    throw new Error('control.review is evaluated by the runtime');
  },
});
