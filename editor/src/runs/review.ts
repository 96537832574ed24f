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
import type { ReviewDecisionRequest, ReviewItem, ReviewMedia, ReviewRecord } from '../../../runtime/contract/review.js';
import { usd } from '../../../runtime/contract/budget.js';
import type { RunEstimate } from '../../../runtime/contract/estimate.js';
import type { RunState } from './run-state.js';

/**
 * What the producer says about one item. Regenerating a rejected item (item
 * takes) will be a third verdict here, with its own action on the card.
 */
export type ItemVerdict = 'approve' | 'reject';
export type Verdicts = Readonly<Record<number, ItemVerdict>>;

/** The storyboard's three buttons. */
export type DecisionAction = 'approve-all' | 'approve-selected' | 'reject-run';

/** Every item approved: the storyboard opens ready for "Approve all". */
export function initialVerdicts(record: Pick<ReviewRecord, 'items'>): Verdicts {
  return Object.fromEntries(record.items.map((item) => [item.index, 'approve' as const]));
}

export const approvedIndices = (record: Pick<ReviewRecord, 'items'>, verdicts: Verdicts): number[] =>
  record.items.map((item) => item.index).filter((index) => (verdicts[index] ?? 'approve') === 'approve');

export const rejectedIndices = (record: Pick<ReviewRecord, 'items'>, verdicts: Verdicts): number[] =>
  record.items.map((item) => item.index).filter((index) => verdicts[index] === 'reject');

/**
 * The request a button sends, or why it cannot: "Approve selected" with
 * nothing approved would reject the gate (the run fails), which is "Reject
 * run"'s job, said as such. The gate is always named, so a decision meant
 * for one gate never lands on another that opened meanwhile.
 */
export function decisionRequest(
  action: DecisionAction,
  record: Pick<ReviewRecord, 'nodeId' | 'items'>,
  verdicts: Verdicts,
  note = '',
): { request: ReviewDecisionRequest } | { problem: string } {
  const trimmed = note.trim();
  const base = { node: record.nodeId, ...(trimmed ? { note: trimmed } : {}) };
  if (action === 'approve-all') return { request: { ...base, decision: 'approve' } };
  if (action === 'reject-run') return { request: { ...base, decision: 'reject' } };
  const approved = approvedIndices(record, verdicts);
  if (approved.length === 0) return { problem: 'No item is approved: use "Reject run" to reject the whole gate.' };
  // Everything approved is "approve all"; otherwise the approved items, and the server rejects the rest.
  return { request: approved.length === record.items.length ? { ...base, decision: 'approve' } : { ...base, decision: 'approve', items: approved } };
}

/** "Approve selected (2), reject 1": what the button will do with the current verdicts. */
export function approveSelectedLabel(record: Pick<ReviewRecord, 'items'>, verdicts: Verdicts): string {
  const rejected = rejectedIndices(record, verdicts).length;
  const approved = record.items.length - rejected;
  return rejected === 0 ? `Approve selected (${approved})` : `Approve selected (${approved}), reject ${rejected}`;
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

/** "approved items 1, 3, rejected 2 (by editor)": a decided review for people (items counted from 1). */
export function describeDecision(record: ReviewRecord): string {
  const by = record.decidedBy ? ` by ${record.decidedBy}` : '';
  const note = record.note ? ` — “${record.note}”` : '';
  if (record.status === 'pending') return `waiting for a decision (${record.items.length} item${record.items.length === 1 ? '' : 's'})`;
  if (record.status === 'cancelled') return 'withdrawn: the run was cancelled';
  const rejected = record.rejected ?? [];
  const approved = record.approved ?? [];
  if (record.status === 'rejected' && approved.length === 0) return `rejected${by}${note}`;
  if (rejected.length === 0) return `approved${by}${note}`;
  return `approved item${approved.length === 1 ? '' : 's'} ${listOf(approved)}, rejected ${listOf(rejected)}${by}${note}`;
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
