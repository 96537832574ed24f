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
 * `regenerate` them (each is made again as a new take by the per-item nodes
 * before the gate, and the gate asks again), `fail` the run naming them
 * (nothing downstream is spent on a partial list), or `drop` them and go on
 * with the approved items only.
 */
export const rejectedItemActions = ['regenerate', 'fail', 'drop'] as const;
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
    default: 'regenerate',
    title: 'Rejected items',
    description:
      '`regenerate`: the per-item nodes before the gate make each rejected item again (a new take, so a new seed) and the gate asks again; `fail`: rejecting some items fails the run, naming them (nothing downstream is spent on a partial list); `drop`: go on with the approved items only.',
  }),
});
export type ReviewGateParams = Static<typeof reviewGateParams>;

/** A media file already made upstream for an item (a still, a voice line), by the gate input it came through. */
export const reviewMedia = Type.Object({
  port: Type.String({ description: 'the gate input the file came through: `items`, `previews` or `voices`' }),
  handle: artifactHandle,
});
export type ReviewMedia = Static<typeof reviewMedia>;

/**
 * A producer's rewrite of one item's prompt (or spoken text). It is applied
 * where the item's list starts (the list the per-item nodes before the gate
 * map over), so everything made from it is made again from the new words,
 * and it holds for the rest of the run.
 */
export const reviewEdit = Type.Object(
  {
    index: Type.Integer({ minimum: 0, description: 'the item (its position in the gate input list)' }),
    prompt: Type.Optional(Type.String({ minLength: 1, maxLength: 4000, description: "the item's new prompt (replaces its `prompt`, `visual` or `description`)" })),
    text: Type.Optional(Type.String({ minLength: 1, maxLength: 4000, description: "the item's new spoken text (replaces its `text`, or the item when it is a string)" })),
  },
  { additionalProperties: false },
);
export type ReviewEdit = Static<typeof reviewEdit>;

/** An edit as the gate keeps it: with the round whose decision made it. */
export const reviewEditRecord = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  prompt: Type.Optional(Type.String()),
  text: Type.Optional(Type.String()),
  round: Type.Integer({ minimum: 1, description: 'the round whose decision made the edit' }),
});
export type ReviewEditRecord = Static<typeof reviewEditRecord>;

/** One item on the storyboard: a scene, a clip, a line. */
export const reviewItem = Type.Object({
  index: Type.Integer({ description: 'position in the gate input list (0-based); decisions name items by it' }),
  key: Type.String({ description: "content hash of the item's value" }),
  title: Type.Optional(Type.String({ description: 'the item\'s `title`, `heading` or `name`, when it has one' })),
  prompt: Type.Optional(Type.String({ description: "the item's `prompt`, `visual` or `description` (what a provider will be asked to render)" })),
  text: Type.Optional(Type.String({ description: "the item's `text` (a line's words), or the item itself when it is a string" })),
  value: Type.Optional(Type.Unknown({ description: "the item's value when it is small (under 4 KB of JSON)" })),
  media: Type.Array(reviewMedia, { description: 'stills, clips and voice lines already made for this item, to show and play (`/media/<hash>`)' }),
  takes: Type.Optional(
    Type.Record(Type.String(), Type.Integer({ minimum: 0 }), {
      description: 'per node before the gate that makes this item per item: the take shown (0 = first); regenerating asks each for the next take',
    }),
  ),
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
  round: Type.Optional(Type.Integer({ minimum: 1, description: 'which showing of the storyboard this is: 1 at first, one more each time rejected or edited items were made again' })),
  regenerated: Type.Optional(Type.Array(Type.Integer(), { description: 'the items made again for this round (rejected or edited in the round before)' })),
  edits: Type.Optional(Type.Array(reviewEditRecord, { description: "the producer's rewrites so far, in every round, oldest first (the last per item holds)" })),
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
    edits: Type.Optional(
      Type.Array(reviewEdit, {
        maxItems: 10_000,
        description: 'rewritten prompts or lines: each edited item is made again from its new words and shown again, whatever `decision` says of it',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ReviewDecisionRequest = Static<typeof reviewDecisionRequest>;

/**
 * The approved and rejected item indices a decision means for a gate of
 * `count` items, or a problem with the request. An edited item is neither:
 * it is made again from its new words and shown again. Rejecting the whole
 * gate while editing items is contradictory, so it is a problem. Naming
 * every item as rejected stops the run unless the gate makes rejected items
 * again (`rejectedItems: "regenerate"`).
 */
export function resolveDecision(
  request: Pick<ReviewDecisionRequest, 'decision' | 'items' | 'edits'>,
  count: number,
  rejectedItems: RejectedItemAction = 'fail',
): { status: 'approved' | 'rejected'; approved: number[]; rejected: number[] } | { problem: string; field: 'items' | 'edits' } {
  const all = Array.from({ length: count }, (_, i) => i);
  const outside = (indices: number[]): string | undefined => {
    const unknown = indices.filter((i) => i >= count);
    return unknown.length > 0 ? `the gate has ${count} items (0–${count - 1}); no item ${unknown.join(', ')}` : undefined;
  };
  const edits = request.edits ?? [];
  const edited = new Set(edits.map((edit) => edit.index));
  const itemsProblem = outside(request.items ?? []);
  if (itemsProblem !== undefined) return { problem: itemsProblem, field: 'items' };
  const editsProblem =
    outside([...edited]) ??
    (edited.size < edits.length ? 'each item can be edited once per decision' : undefined) ??
    edits.filter((edit) => edit.prompt === undefined && edit.text === undefined).map((edit) => `the edit of item ${edit.index} changes neither its prompt nor its text`)[0] ??
    (request.decision === 'reject' && request.items === undefined && edited.size > 0 ? 'rejecting the whole gate leaves nothing to make again: reject items, or drop the edits' : undefined);
  if (editsProblem !== undefined) return { problem: editsProblem, field: 'edits' };
  if (request.items === undefined && request.decision === 'reject') return { status: 'rejected', approved: [], rejected: all };
  const named = new Set(request.items ?? all);
  const approved = all.filter((i) => !edited.has(i) && named.has(i) === (request.decision === 'approve'));
  const rejected = all.filter((i) => !edited.has(i) && !approved.includes(i));
  // A gate that makes rejected items again goes on whatever items were rejected: only rejecting the gate itself stops it.
  const goesOn = approved.length > 0 || edited.size > 0 || rejectedItems === 'regenerate';
  return { status: goesOn ? 'approved' : 'rejected', approved, rejected };
}
