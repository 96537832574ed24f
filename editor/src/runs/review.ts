/**
 * The storyboard of a review gate (`control.review`), the parts without a
 * DOM: which gates of the followed run wait, what a card shows of an item
 * (its still or first frame, its voice lines), the producer's per-item
 * verdicts and the decision request they make, the deadline countdown, and
 * the words for a waiting gate and a decision.
 *
 * The records and the decision semantics are the contract's
 * (runtime/contract/review.ts, `resolveDecision`); this module only builds
 * requests the server resolves the way the storyboard says.
 */
import type { ArtifactHandle } from '../../../runtime/contract/artifacts.js';
import type { RejectedItemAction, ReviewDecisionRequest, ReviewEdit, ReviewItem, ReviewMedia, ReviewRecord } from '../../../runtime/contract/review.js';
import { usd } from '../../../runtime/contract/budget.js';
import type { RunEstimate } from '../../../runtime/contract/estimate.js';
import type { RunState } from './run-state.js';

/**
 * What the producer says about one item. What a gate does with a rejected
 * item is the gate's (`rejectedItems`: make it again, fail the run, drop it);
 * an item whose words were rewritten is neither (see `Drafts`).
 */
export type ItemVerdict = 'approve' | 'reject';
export type Verdicts = Readonly<Record<number, ItemVerdict>>;

/**
 * The words the producer is rewriting, per item (its prompt, else its line),
 * as typed. A draft that still says what the item says is not an edit; one
 * that differs makes the item again from the new words, whatever its verdict.
 */
export type Drafts = Readonly<Record<number, string>>;

/** What a card shows of an item on the storyboard: approved, rejected, or edited (made again from new words). */
export type CardState = ItemVerdict | 'edit';

/** The storyboard's three buttons. */
export type DecisionAction = 'approve-all' | 'approve-selected' | 'reject-run';

/** Every item approved: the storyboard opens ready for "Approve all". */
export function initialVerdicts(record: Pick<ReviewRecord, 'items'>): Verdicts {
  return Object.fromEntries(record.items.map((item) => [item.index, 'approve' as const]));
}

/** The words of an item a producer can rewrite: its prompt when it shows one, else its line; nothing to rewrite otherwise. */
export function editableWords(item: Pick<ReviewItem, 'prompt' | 'text'>): { field: 'prompt' | 'text'; words: string } | undefined {
  if (item.prompt !== undefined) return { field: 'prompt', words: item.prompt };
  if (item.text !== undefined) return { field: 'text', words: item.text };
  return undefined;
}

/** The card's edit control says what it rewrites. */
export const editLabel = (field: 'prompt' | 'text'): string => (field === 'prompt' ? 'Edit prompt' : 'Edit line');

/** Whether the draft of an item rewrites it (an untouched or unchanged draft does not). */
export function isEdited(item: Pick<ReviewItem, 'prompt' | 'text'>, draft: string | undefined): boolean {
  const editable = editableWords(item);
  return editable !== undefined && draft !== undefined && draft.trim() !== editable.words.trim();
}

const editedIndices = (record: Pick<ReviewRecord, 'items'>, drafts: Drafts): Set<number> =>
  new Set(record.items.filter((item) => isEdited(item, drafts[item.index])).map((item) => item.index));

/** The rewrites a decision carries: per edited item its new prompt (when the card showed one) or line, trimmed. */
export function editsOf(record: Pick<ReviewRecord, 'items'>, drafts: Drafts): ReviewEdit[] {
  return record.items.flatMap((item) => {
    const editable = editableWords(item);
    const draft = drafts[item.index];
    if (!editable || draft === undefined || !isEdited(item, draft)) return [];
    const words = draft.trim();
    return [editable.field === 'prompt' ? { index: item.index, prompt: words } : { index: item.index, text: words }];
  });
}

/** What each card shows: an edited item is neither approved nor rejected. */
export function cardState(item: Pick<ReviewItem, 'index' | 'prompt' | 'text'>, verdicts: Verdicts, drafts: Drafts): CardState {
  return isEdited(item, drafts[item.index]) ? 'edit' : (verdicts[item.index] ?? 'approve');
}

export const approvedIndices = (record: Pick<ReviewRecord, 'items'>, verdicts: Verdicts, drafts: Drafts = {}): number[] =>
  record.items.filter((item) => cardState(item, verdicts, drafts) === 'approve').map((item) => item.index);

export const rejectedIndices = (record: Pick<ReviewRecord, 'items'>, verdicts: Verdicts, drafts: Drafts = {}): number[] =>
  record.items.filter((item) => cardState(item, verdicts, drafts) === 'reject').map((item) => item.index);

/**
 * The request a button sends, or why it cannot: "Approve selected" with
 * nothing approved and nothing edited would reject the gate (the run fails),
 * which is "Reject run"'s job, said as such — unless the gate makes rejected
 * items again, where rejecting every item makes them all again; an edit left empty has no words
 * to make the item from. The gate is always named, so a decision meant for
 * one gate never lands on another that opened meanwhile. Edits go with both
 * approve buttons; "Reject run" fails the run, so it sends none (the
 * contract refuses edits on a rejected gate: nothing would be made again).
 */
export function decisionRequest(
  action: DecisionAction,
  record: Pick<ReviewRecord, 'nodeId' | 'items' | 'rejectedItems'>,
  verdicts: Verdicts,
  note = '',
  drafts: Drafts = {},
): { request: ReviewDecisionRequest } | { problem: string } {
  const trimmed = note.trim();
  const base = { node: record.nodeId, ...(trimmed ? { note: trimmed } : {}) };
  if (action === 'reject-run') return { request: { ...base, decision: 'reject' } };
  const edits = editsOf(record, drafts);
  const empty = record.items.find((item) => edits.some((edit) => edit.index === item.index && (edit.prompt ?? edit.text) === ''));
  if (empty) return { problem: `${itemHeading(empty)}: the new ${editableWords(empty)?.field === 'prompt' ? 'prompt' : 'line'} is empty; write it, or revert the edit.` };
  const withEdits = { ...base, ...(edits.length > 0 ? { edits } : {}) };
  // "Approve all" approves every item not edited: the server leaves edited items out of `approved`.
  if (action === 'approve-all') return { request: { ...withEdits, decision: 'approve' } };
  const approved = approvedIndices(record, verdicts, drafts);
  if (approved.length === 0 && edits.length === 0 && record.rejectedItems !== 'regenerate') return { problem: 'No item is approved: use "Reject run" to reject the whole gate.' };
  // Nothing rejected is "approve all" (edited items aside); otherwise the approved items, and the server rejects the other unedited ones.
  const rejected = rejectedIndices(record, verdicts, drafts);
  return { request: rejected.length === 0 ? { ...withEdits, decision: 'approve' } : { ...withEdits, decision: 'approve', items: approved } };
}

/** How the storyboard words a rejection, by what the gate does with rejected items. */
export const rejectWording: Readonly<Record<RejectedItemAction, { verdict: string; state: string; facts: string }>> = {
  regenerate: { verdict: 'make again', state: 'to be made again', facts: 'rejected items are made again (a new take) and shown again' },
  fail: { verdict: 'reject', state: 'rejected', facts: 'rejected items fail the run' },
  drop: { verdict: 'reject', state: 'rejected', facts: 'rejected items are dropped, the run goes on' },
};

/**
 * What "Approve selected" will do with the current verdicts and edits:
 * "Approve selected (2), reject 1" where rejected items fail or are dropped,
 * "Approve 2, make 1 again" where they are made again (edited items too).
 */
export function approveSelectedLabel(record: Pick<ReviewRecord, 'items' | 'rejectedItems'>, verdicts: Verdicts, drafts: Drafts = {}): string {
  const approved = approvedIndices(record, verdicts, drafts).length;
  const rejected = rejectedIndices(record, verdicts, drafts).length;
  const edited = editedIndices(record, drafts).size;
  if (rejected + edited === 0) return `Approve selected (${approved})`;
  if (record.rejectedItems === 'regenerate') return approved === 0 ? `Make all ${rejected + edited} again` : `Approve ${approved}, make ${rejected + edited} again`;
  const rejecting = rejected === 0 ? '' : `, reject ${rejected}`;
  const remaking = edited === 0 ? '' : `, make ${edited} edited again`;
  return `Approve selected (${approved})${rejecting}${remaking}`;
}

/** "Approve all", or with edits "Approve all, make 1 edited again": edited items are made again, not approved. */
export function approveAllLabel(record: Pick<ReviewRecord, 'items'>, drafts: Drafts = {}): string {
  const edited = editedIndices(record, drafts).size;
  return edited === 0 ? 'Approve all' : `Approve all, make ${edited} edited again`;
}

// ---------------------------------------------------------------- rounds: items made again

/** The round a record shows (1 until items were made again). */
export const roundOf = (record: Pick<ReviewRecord, 'round'>): number => record.round ?? 1;

/** The items rewritten in earlier rounds: their cards show the new words (the record's items carry them), noted as edited. */
export function editedBefore(record: Pick<ReviewRecord, 'round' | 'edits'>): Set<number> {
  const round = roundOf(record);
  return new Set((record.edits ?? []).filter((edit) => edit.round < round).map((edit) => edit.index));
}

/** The rewrites this round's decision made (a decided record: those items are being made again), the last per item. */
export function editsThisRound(record: Pick<ReviewRecord, 'round' | 'edits'>): Map<number, string> {
  const round = roundOf(record);
  return new Map((record.edits ?? []).filter((edit) => edit.round === round).map((edit) => [edit.index, edit.prompt ?? edit.text ?? '']));
}

/**
 * A decided record whose rejected or rewritten items are being made again:
 * the run goes on making them, and the gate asks again in the next round.
 */
export function nextRoundNote(record: Pick<ReviewRecord, 'status' | 'rejectedItems' | 'rejected' | 'round' | 'edits'>): string | undefined {
  if (record.status !== 'approved') return undefined;
  const again = new Set([...(record.rejectedItems === 'regenerate' ? (record.rejected ?? []) : []), ...editsThisRound(record).keys()]);
  if (again.size === 0) return undefined;
  return `Making ${again.size} item${again.size === 1 ? '' : 's'} again: the storyboard asks again in round ${roundOf(record) + 1}.`;
}

/** "take 2": the take a card shows (the latest of its per-item nodes', counted from 1), when it is not the first. */
export function takeLabel(item: Pick<ReviewItem, 'takes'>): string | undefined {
  const takes = Object.values(item.takes ?? {});
  const latest = Math.max(0, ...takes);
  return latest > 0 ? `take ${latest + 1}` : undefined;
}

/** "Round 2 · made again: Scene 2, Item 3": the storyboard's header from round 2 on. */
export function describeRound(record: Pick<ReviewRecord, 'round' | 'regenerated' | 'items'>): string | undefined {
  const round = roundOf(record);
  if (round < 2) return undefined;
  const again = (record.regenerated ?? []).map((index) => {
    const item = record.items.find((candidate) => candidate.index === index);
    return item ? itemHeading(item) : `Item ${index + 1}`;
  });
  return again.length > 0 ? `Round ${round} · made again: ${again.join(', ')}` : `Round ${round}`;
}

// ---------------------------------------------------------------- media on a card

export interface CardMedia {
  /** The picture the card leads with: a still, else a clip's first frame. */
  still?: { kind: 'image' | 'video'; handle: ArtifactHandle; port: string };
  /** The item's voice lines, to play. */
  voices: ArtifactHandle[];
}

/** Pictures made to be looked at (`previews`) come before pictures inside the item itself. */
const stillPorts = ['previews', 'items'];
const portRank = (media: ReviewMedia): number => {
  const rank = stillPorts.indexOf(media.port);
  return rank === -1 ? stillPorts.length : rank;
};

/** What a card shows of an item's media: one still (an image before a video), and every audio file once. */
export function cardMedia(item: Pick<ReviewItem, 'media'>): CardMedia {
  const ranked = [...item.media].sort((a, b) => portRank(a) - portRank(b));
  const image = ranked.find((media) => media.handle.mime.startsWith('image/'));
  const video = ranked.find((media) => media.handle.mime.startsWith('video/'));
  const still = image ? { kind: 'image' as const, handle: image.handle, port: image.port } : video ? { kind: 'video' as const, handle: video.handle, port: video.port } : undefined;
  const seen = new Set<string>();
  const voices: ArtifactHandle[] = [];
  // Lines wired in as `voices` first, in their order; then audio that came inside the item.
  for (const media of [...item.media.filter((m) => m.port === 'voices'), ...item.media.filter((m) => m.port !== 'voices')]) {
    if (!media.handle.mime.startsWith('audio/') || seen.has(media.handle.hash)) continue;
    seen.add(media.handle.hash);
    voices.push(media.handle);
  }
  return { ...(still ? { still } : {}), voices };
}

/** A card's heading: the item's title, else "Item N" (1-based, as people count). */
export const itemHeading = (item: Pick<ReviewItem, 'index' | 'title'>): string => item.title ?? `Item ${item.index + 1}`;

// ---------------------------------------------------------------- waiting, deadlines, decisions

/** The gates of the followed run that wait for a decision (node status `waiting`), in graph order. */
export function waitingGates(run: Pick<RunState, 'nodes' | 'status'> | undefined): string[] {
  if (!run || run.status !== 'waiting') return [];
  return Object.values(run.nodes)
    .filter((node) => node.status === 'waiting')
    .map((node) => node.nodeId);
}

/** The open review of gate `nodeId` (or the first open one), if any. */
export function pendingReview(reviews: readonly ReviewRecord[] | undefined, nodeId?: string): ReviewRecord | undefined {
  return reviews?.find((review) => review.status === 'pending' && (nodeId === undefined || review.nodeId === nodeId));
}

/** The toast when a followed run starts waiting at a gate. */
export const waitingMessage = (gateTitle: string): string => `Waiting for your review at "${gateTitle}"`;

/** "3 min 20 s left, then its timeout rejects": the countdown of a gate with a deadline. */
export function describeDeadline(record: Pick<ReviewRecord, 'deadlineAt' | 'onTimeout'>, now: number): string | undefined {
  if (record.deadlineAt === undefined) return undefined;
  const then = record.onTimeout === 'approve' ? 'approves every item' : 'rejects the run';
  const left = record.deadlineAt - now;
  if (left <= 0) return `the deadline passed: its timeout ${then} now`;
  return `${formatCountdown(left)} left, then its timeout ${then}`;
}

/** Whole seconds, rounded up (a countdown never shows 0 s while time is left): "45 s", "3 min 05 s", "2 h 04 min". */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (total < 60) return `${total} s`;
  if (total < 3600) return `${Math.floor(total / 60)} min ${pad(total % 60)} s`;
  return `${Math.floor(total / 3600)} h ${pad(Math.floor((total % 3600) / 60))} min`;
}

const listOf = (indices: readonly number[]): string => indices.map((index) => index + 1).join(', ');

/**
 * "approved items 1, 3, rejected 2 by editor": a decided review for people
 * (items counted from 1). Where the gate makes rejected items again it says
 * "making 2 again", and items rewritten by the decision are "edited 4".
 */
export function describeDecision(record: ReviewRecord): string {
  const by = record.decidedBy ? ` by ${record.decidedBy}` : '';
  const note = record.note ? ` — “${record.note}”` : '';
  if (record.status === 'pending') return `waiting for a decision (${record.items.length} item${record.items.length === 1 ? '' : 's'})`;
  if (record.status === 'cancelled') return 'withdrawn: the run was cancelled';
  const rejected = record.rejected ?? [];
  const approved = record.approved ?? [];
  const edited = [...editsThisRound(record).keys()].sort((a, b) => a - b);
  if (record.status === 'rejected' && approved.length === 0 && edited.length === 0) return `rejected${by}${note}`;
  if (rejected.length === 0 && edited.length === 0) return `approved${by}${note}`;
  const parts = [
    approved.length > 0 ? `approved item${approved.length === 1 ? '' : 's'} ${listOf(approved)}` : undefined,
    rejected.length > 0 ? (record.rejectedItems === 'regenerate' ? `making ${listOf(rejected)} again` : `rejected ${listOf(rejected)}`) : undefined,
    edited.length > 0 ? `edited ${listOf(edited)} (made again)` : undefined,
  ];
  return `${parts.filter((part) => part !== undefined).join(', ')}${by}${note}`;
}

// ---------------------------------------------------------------- what approving costs

export interface StoryboardCost {
  /** "Approving all: about $1.20 more (the rest of the run)". */
  summary: string;
  /** Per card: the paid work after the gate that maps over its items, averaged over the items not cached yet. */
  perItem?: string;
}

/**
 * What approving would cost, from the rest of the run's estimate. A paid node
 * whose item count is the gate's maps over the gate's items, so one card's
 * share is its cost over its items still to make; an average (which items
 * are cached is not in the estimate), said with "about".
 */
export function storyboardCost(estimate: RunEstimate | undefined, itemCount: number): StoryboardCost | undefined {
  if (!estimate) return undefined;
  const amount = `${estimate.complete ? 'about' : 'at least'} ${usd(estimate.costUsd)}`;
  if (estimate.nodes.length === 0 || (estimate.costUsd === 0 && estimate.complete)) return { summary: 'Approving costs nothing more: no paid work follows that is not cached.' };
  const perItemUsd = estimate.nodes
    .filter((node) => node.items === itemCount && node.items > node.cachedItems)
    .reduce((sum, node) => sum + node.costUsd / (node.items - node.cachedItems), 0);
  return {
    summary: `Approving all: ${amount} more (the rest of the run, at list price).`,
    ...(perItemUsd > 0 ? { perItem: `about ${usd(perItemUsd)} to make` } : {}),
  };
}
