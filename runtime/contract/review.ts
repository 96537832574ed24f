/**
 * Review gates (`control.review`): what a waiting gate shows a person (its
 * storyboard) and what they decide. Written once with TypeBox: the store
 * keeps these records, the API answers with them (`GET /api/runs/:id/review`),
 * the editor draws its storyboard from them and the CLI prints them.
 */
import { artifactHandle } from './artifacts.js';
import { nodeParams } from './node-params.js';
import { reviewDeciders, reviewStatuses } from './events.js';
import { Type, type Static } from './typebox.js';

/** What a review gate does when its timeout passes before anyone decided. */
export const reviewTimeoutActions = ['approve', 'reject'] as const;
export type ReviewTimeoutAction = (typeof reviewTimeoutActions)[number];

/**
 * What a gate does with items a person rejected while approving the rest:
 * `fail` the run naming them (nothing downstream is spent on a partial
 * list), or `drop` them and go on with the approved items only.
 * Regenerating a rejected item is the seam left for item takes.
 */
export const rejectedItemActions = ['fail', 'drop'] as const;
export type RejectedItemAction = (typeof rejectedItemActions)[number];

/**
 * The params every review gate node has: the runtime reads them (a gate's
 * wait is the runtime's, see runtime/engine/review-gate.ts), so they are
 * written here once and the node type uses this schema as its own.
 */
export const reviewGateParams = nodeParams({
  timeoutMs: Type.Optional(
    Type.Integer({ minimum: 1, title: 'Timeout (ms)', description: 'Decide by `onTimeout` when nobody decided this long after the gate opened. Unset: wait for a person however long it takes.' }),
  ),
  onTimeout: Type.StringEnum(reviewTimeoutActions, {
    default: 'reject',
    title: 'On timeout',
    description: '`approve`: go on with every item; `reject`: fail the run, naming the gate.',
  }),
  rejectedItems: Type.StringEnum(rejectedItemActions, {
    default: 'fail',
    title: 'Rejected items',
    description: '`fail`: rejecting some items fails the run, naming them (nothing downstream is spent on a partial list); `drop`: go on with the approved items only.',
  }),
});
export type ReviewGateParams = Static<typeof reviewGateParams>;

/** A media file already made upstream for an item (a still, a voice line), by the gate input it came through. */
export const reviewMedia = Type.Object({
  port: Type.String({ description: 'the gate input the file came through: `items`, `previews` or `voices`' }),
  handle: artifactHandle,
});
export type ReviewMedia = Static<typeof reviewMedia>;

/** One item on the storyboard: a scene, a clip, a line. */
export const reviewItem = Type.Object({
  index: Type.Integer({ description: 'position in the gate input list (0-based); decisions name items by it' }),
  key: Type.String({ description: "content hash of the item's value" }),
  title: Type.Optional(Type.String({ description: 'the item\'s `title`, `heading` or `name`, when it has one' })),
  prompt: Type.Optional(Type.String({ description: "the item's `prompt`, `visual` or `description` (what a provider will be asked to render)" })),
  text: Type.Optional(Type.String({ description: "the item's `text` (a line's words), or the item itself when it is a string" })),
  value: Type.Optional(Type.Unknown({ description: "the item's value when it is small (under 4 KB of JSON)" })),
  media: Type.Array(reviewMedia, { description: 'stills, clips and voice lines already made for this item, to show and play (`/media/<hash>`)' }),
});
export type ReviewItem = Static<typeof reviewItem>;

/** A review gate's record: open (`pending`) while the run waits, then its decision. */
export const reviewRecord = Type.Object({
  runId: Type.String(),
  nodeId: Type.String({ description: 'the gate node' }),
  status: Type.StringEnum(reviewStatuses),
  createdAt: Type.Integer({ description: 'when the gate opened (kept across restarts)' }),
  deadlineAt: Type.Optional(Type.Integer({ description: "when the gate's timeout decides (`createdAt + timeoutMs`, kept across restarts)" })),
  onTimeout: Type.StringEnum(reviewTimeoutActions),
  rejectedItems: Type.StringEnum(rejectedItemActions, { description: 'what the gate does with items rejected while others are approved' }),
  items: Type.Array(reviewItem),
  decidedAt: Type.Optional(Type.Integer()),
  decidedBy: Type.Optional(Type.StringEnum(reviewDeciders)),
  approved: Type.Optional(Type.Array(Type.Integer(), { description: 'item indices approved (all of them when the whole gate was approved)' })),
  rejected: Type.Optional(Type.Array(Type.Integer(), { description: 'item indices rejected' })),
  note: Type.Optional(Type.String({ description: "the reviewer's note" })),
});
export type ReviewRecord = Static<typeof reviewRecord>;

/**
 * A decision (`POST /api/runs/:id/review`). `approve` without `items`
 * approves every item; with `items`, those and rejects the rest. `reject`
 * without `items` rejects the gate (the run fails); with `items`, rejects
 * those and approves the rest.
 */
export const reviewDecisionRequest = Type.Object(
  {
    node: Type.Optional(Type.String({ description: 'the gate node; needed only when several gates of the run wait at once' })),
    decision: Type.StringEnum(['approve', 'reject'] as const),
    items: Type.Optional(Type.Array(Type.Integer({ minimum: 0 }), { description: 'item indices the decision is about (see above)', maxItems: 10_000 })),
    note: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type ReviewDecisionRequest = Static<typeof reviewDecisionRequest>;

/** The approved and rejected item indices a decision means for a gate of `count` items, or a problem with the request. */
export function resolveDecision(request: Pick<ReviewDecisionRequest, 'decision' | 'items'>, count: number): { status: 'approved' | 'rejected'; approved: number[]; rejected: number[] } | { problem: string } {
  const all = Array.from({ length: count }, (_, i) => i);
  if (request.items === undefined) return request.decision === 'approve' ? { status: 'approved', approved: all, rejected: [] } : { status: 'rejected', approved: [], rejected: all };
  const unknown = request.items.filter((i) => i >= count);
  if (unknown.length > 0) return { problem: `the gate has ${count} items (0–${count - 1}); no item ${unknown.join(', ')}` };
  const named = new Set(request.items);
  const approved = all.filter((i) => named.has(i) === (request.decision === 'approve'));
  const rejected = all.filter((i) => !approved.includes(i));
  return { status: approved.length > 0 ? 'approved' : 'rejected', approved, rejected };
}
