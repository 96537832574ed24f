/**
 * The storyboard of a review gate in the editor, the parts without a DOM
 * (editor/src/runs/review.ts): the request each button sends (checked
 * against the contract's `resolveDecision`, which the server applies), what
 * a card shows of an item's media, the deadline countdown, the words for a
 * decision; the toast when the followed run starts waiting at a gate (once
 * per gate, whether it learns so from events or from a snapshot); and the
 * API client against a live server with a gate that waits: the storyboard
 * read, a decision stored as the editor's, and a second decision refused
 * with 409. tests/e2e/editor-storyboard.test.ts drives the same in Chromium.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactHandle } from '../runtime/contract/artifacts.js';
import { resolveDecision, type ReviewItem, type ReviewRecord } from '../runtime/contract/review.js';
import type { GraphDocument } from '../runtime/contract/graph.js';
import type { RunDetail } from '../runtime/contract/records.js';
import { ApiClient, ApiError } from '../editor/src/api/client.js';
import {
  approveAllLabel,
  approveSelectedLabel,
  cardMedia,
  cardState,
  decisionRequest,
  describeDeadline,
  describeDecision,
  describeRound,
  editableWords,
  editedBefore,
  editsOf,
  formatCountdown,
  initialVerdicts,
  itemHeading,
  nextRoundNote,
  pendingReview,
  storyboardCost,
  takeLabel,
  waitingGates,
  waitingMessage,
} from '../editor/src/runs/review.js';
import { StoryboardCard, StoryboardRound } from '../editor/src/runs/Storyboard.js';
import type { NodeEstimate, RunEstimate } from '../runtime/contract/estimate.js';
import { stateFromDetail } from '../editor/src/runs/run-state.js';
import { useRunStore } from '../editor/src/runs/run-store.js';
import { useToastStore } from '../editor/src/state/toast-store.js';
import { scenes } from './fixtures/review-nodes.js';
import { graph, node, startTestServer, type TestServer } from './fixtures/server.js';
import { testNodes } from './fixtures/test-nodes.js';

const T = 1_700_000_000_000;
const handle = (n: number, mime: string): ArtifactHandle => ({ hash: n.toString(16).padStart(64, '0'), mime, bytes: 100 });
const item = (index: number, extra: Partial<ReviewItem> = {}): ReviewItem => ({ index, key: `k${index}`, media: [], ...extra });
const record = (count: number, extra: Partial<ReviewRecord> = {}): ReviewRecord => ({
  runId: 'r1',
  nodeId: 'gate',
  status: 'pending',
  createdAt: T,
  onTimeout: 'reject',
  rejectedItems: 'fail',
  items: Array.from({ length: count }, (_, i) => item(i)),
  ...extra,
});

describe('the decision each button sends', () => {
  const gate = record(4);
  const resolved = (request: { decision: 'approve' | 'reject'; items?: number[] }) => resolveDecision(request, gate.items.length);

  it('opens with every item approved: "Approve selected" then approves all, and says so', () => {
    const verdicts = initialVerdicts(gate);
    expect(Object.values(verdicts)).toEqual(['approve', 'approve', 'approve', 'approve']);
    expect(approveSelectedLabel(gate, verdicts)).toBe('Approve selected (4)');
    const built = decisionRequest('approve-selected', gate, verdicts);
    expect(built).toEqual({ request: { node: 'gate', decision: 'approve' } });
  });

  it('"Approve selected" approves the items marked approve; the server rejects exactly the others', () => {
    const verdicts = { ...initialVerdicts(gate), 1: 'reject' as const, 3: 'reject' as const };
    expect(approveSelectedLabel(gate, verdicts)).toBe('Approve selected (2), reject 2');
    const built = decisionRequest('approve-selected', gate, verdicts, '  too dark  ');
    if (!('request' in built)) throw new Error(built.problem);
    expect(built.request).toEqual({ node: 'gate', decision: 'approve', items: [0, 2], note: 'too dark' });
    expect(resolved(built.request)).toEqual({ status: 'approved', approved: [0, 2], rejected: [1, 3] });
  });

  it('"Approve selected" with nothing approved sends nothing and points to "Reject run"', () => {
    const verdicts = Object.fromEntries(gate.items.map((i) => [i.index, 'reject' as const]));
    expect(decisionRequest('approve-selected', gate, verdicts)).toEqual({ problem: expect.stringContaining('Reject run') });
  });

  it('"Approve all" and "Reject run" ignore the per-item verdicts and name the gate', () => {
    const verdicts = { ...initialVerdicts(gate), 2: 'reject' as const };
    const all = decisionRequest('approve-all', gate, verdicts);
    const none = decisionRequest('reject-run', gate, verdicts, 'wrong episode');
    if (!('request' in all) || !('request' in none)) throw new Error('no request');
    expect(all.request).toEqual({ node: 'gate', decision: 'approve' });
    expect(resolved(all.request)).toMatchObject({ approved: [0, 1, 2, 3], rejected: [] });
    expect(none.request).toEqual({ node: 'gate', decision: 'reject', note: 'wrong episode' });
    expect(resolved(none.request)).toMatchObject({ status: 'rejected', approved: [], rejected: [0, 1, 2, 3] });
  });
});

describe('rejected items made again, and rewritten words (review rounds)', () => {
  const scenes4 = record(4, {
    rejectedItems: 'regenerate',
    items: [
      item(0, { title: 'The Hall', prompt: 'a hall at dusk' }),
      item(1, { prompt: 'a stair', text: 'Up we go.' }),
      item(2, { text: 'Only a line.' }),
      item(3),
    ],
  });
  const resolved = (request: Parameters<typeof resolveDecision>[0]) => resolveDecision(request, scenes4.items.length, scenes4.rejectedItems);

  it('rewrites the prompt when the card shows one, else the line; nothing when the item has neither', () => {
    expect(editableWords(scenes4.items[0] as ReviewItem)).toEqual({ field: 'prompt', words: 'a hall at dusk' });
    expect(editableWords(scenes4.items[1] as ReviewItem)).toEqual({ field: 'prompt', words: 'a stair' });
    expect(editableWords(scenes4.items[2] as ReviewItem)).toEqual({ field: 'text', words: 'Only a line.' });
    expect(editableWords(scenes4.items[3] as ReviewItem)).toBeUndefined();
  });

  it('sends edited items as edits, neither approved nor rejected, and the server resolves them so', () => {
    const verdicts = { ...initialVerdicts(scenes4), 3: 'reject' as const, 1: 'reject' as const };
    // Item 2 (index 1) was rejected, then its prompt rewritten: the edit wins. Item 3's line rewritten; item 1's draft unchanged.
    const drafts = { 0: ' a hall at dusk ', 1: 'a stair, lit from above ', 2: 'Only this line.' };
    expect(cardState(scenes4.items[0] as ReviewItem, verdicts, drafts)).toBe('approve');
    expect(cardState(scenes4.items[1] as ReviewItem, verdicts, drafts)).toBe('edit');
    expect(editsOf(scenes4, drafts)).toEqual([
      { index: 1, prompt: 'a stair, lit from above' },
      { index: 2, text: 'Only this line.' },
    ]);
    const built = decisionRequest('approve-selected', scenes4, verdicts, '', drafts);
    if (!('request' in built)) throw new Error(built.problem);
    expect(built.request).toEqual({ node: 'gate', decision: 'approve', items: [0], edits: [{ index: 1, prompt: 'a stair, lit from above' }, { index: 2, text: 'Only this line.' }] });
    expect(resolved(built.request)).toEqual({ status: 'approved', approved: [0], rejected: [3] });
    expect(approveSelectedLabel(scenes4, verdicts, drafts)).toBe('Approve 1, make 3 again');
  });

  it('"Approve all" approves every item not edited and carries the edits; "Reject run" carries none (the contract refuses them)', () => {
    const drafts = { 2: 'A new line.' };
    const all = decisionRequest('approve-all', scenes4, initialVerdicts(scenes4), '', drafts);
    if (!('request' in all)) throw new Error(all.problem);
    expect(all.request).toEqual({ node: 'gate', decision: 'approve', edits: [{ index: 2, text: 'A new line.' }] });
    expect(resolved(all.request)).toEqual({ status: 'approved', approved: [0, 1, 3], rejected: [] });
    expect(approveAllLabel(scenes4, drafts)).toBe('Approve all, make 1 edited again');
    expect(approveAllLabel(scenes4, {})).toBe('Approve all');
    const none = decisionRequest('reject-run', scenes4, initialVerdicts(scenes4), '', drafts);
    if (!('request' in none)) throw new Error(none.problem);
    expect(none.request).toEqual({ node: 'gate', decision: 'reject' });
    expect(resolved(none.request)).toMatchObject({ status: 'rejected' });
  });

  it('edits alone are a decision (every other item rejected); an emptied prompt is not sent', () => {
    const verdicts = Object.fromEntries(scenes4.items.map((i) => [i.index, 'reject' as const]));
    const built = decisionRequest('approve-selected', scenes4, verdicts, '', { 0: 'a hall at night' });
    if (!('request' in built)) throw new Error(built.problem);
    expect(built.request).toEqual({ node: 'gate', decision: 'approve', items: [], edits: [{ index: 0, prompt: 'a hall at night' }] });
    expect(resolved(built.request)).toEqual({ status: 'approved', approved: [], rejected: [1, 2, 3] });
    expect(decisionRequest('approve-selected', { ...scenes4, rejectedItems: 'drop' }, verdicts)).toEqual({ problem: expect.stringContaining('Reject run') });
    expect(decisionRequest('approve-all', scenes4, verdicts, '', { 0: '   ' })).toEqual({ problem: 'The Hall: the new prompt is empty; write it, or revert the edit.' });
  });

  it('where the gate makes rejected items again, rejecting every item makes them all again (the run goes on)', () => {
    const verdicts = Object.fromEntries(scenes4.items.map((i) => [i.index, 'reject' as const]));
    expect(approveSelectedLabel(scenes4, verdicts)).toBe('Make all 4 again');
    const built = decisionRequest('approve-selected', scenes4, verdicts);
    if (!('request' in built)) throw new Error(built.problem);
    expect(built.request).toEqual({ node: 'gate', decision: 'approve', items: [] });
    expect(resolved(built.request)).toEqual({ status: 'approved', approved: [], rejected: [0, 1, 2, 3] });
  });

  it('words the footer by what the gate does with rejected items', () => {
    const verdicts = { ...initialVerdicts(scenes4), 3: 'reject' as const };
    expect(approveSelectedLabel(scenes4, verdicts)).toBe('Approve 3, make 1 again');
    expect(approveSelectedLabel({ ...scenes4, rejectedItems: 'drop' }, verdicts)).toBe('Approve selected (3), reject 1');
    expect(approveSelectedLabel({ ...scenes4, rejectedItems: 'fail' }, verdicts, { 2: 'New.' })).toBe('Approve selected (2), reject 1, make 1 edited again');
    expect(approveSelectedLabel(scenes4, initialVerdicts(scenes4))).toBe('Approve selected (4)');
  });

  it('says a decision that makes items again: the rejected ones and those rewritten this round', () => {
    const decided = record(4, { status: 'approved', rejectedItems: 'regenerate', decidedBy: 'editor', approved: [0, 3], rejected: [1], round: 2, edits: [{ index: 3, prompt: 'old', round: 1 }, { index: 2, text: 'New.', round: 2 }] });
    expect(describeDecision(decided)).toBe('approved items 1, 4, making 2 again, edited 3 (made again) by editor');
    expect(describeDecision({ ...decided, approved: [0, 1, 3], rejected: [] })).toBe('approved items 1, 2, 4, edited 3 (made again) by editor');
    expect(describeDecision({ ...decided, rejectedItems: 'drop', edits: [] })).toBe('approved items 1, 4, rejected 2 by editor');
    expect(nextRoundNote(decided)).toBe('Making 2 items again: the storyboard asks again in round 3.');
    expect(nextRoundNote({ ...decided, rejectedItems: 'drop', edits: [] })).toBeUndefined();
    expect(nextRoundNote({ ...decided, status: 'pending' })).toBeUndefined();
  });

  it('heads round 2 on with the items made again, counts takes from 1, and knows the words rewritten before', () => {
    const round2 = { ...scenes4, round: 2, regenerated: [0, 2], edits: [{ index: 2, text: 'Only a line.', round: 1 }] };
    expect(describeRound(round2)).toBe('Round 2 · made again: The Hall, Item 3');
    expect(describeRound(scenes4)).toBeUndefined();
    expect(describeRound({ ...scenes4, round: 3 })).toBe('Round 3');
    expect(takeLabel(item(0, { takes: { stills: 1, voices: 0 } }))).toBe('take 2');
    expect(takeLabel(item(0, { takes: { stills: 0 } }))).toBeUndefined();
    expect(takeLabel(item(0))).toBeUndefined();
    expect([...editedBefore(round2)]).toEqual([2]);
    expect([...editedBefore({ round: 1, edits: [{ index: 0, prompt: 'x', round: 1 }] })]).toEqual([]);
  });
});

describe('a storyboard card, rendered', () => {
  const scene = item(1, { title: 'Stair', prompt: 'a stair', text: 'Up we go.' });
  const card = (extra: Partial<Parameters<typeof StoryboardCard>[0]> = {}): string =>
    renderToStaticMarkup(createElement(StoryboardCard, { item: scene, verdict: 'approve', onVerdict: () => undefined, decided: false, ...extra }));

  it('words a rejected card by the gate: "make again" where rejected items are made again, "reject" where they fail or drop', () => {
    const again = card({ verdict: 'reject', rejectedItems: 'regenerate' });
    expect(again).toContain('data-verdict="reject"');
    expect(again).toContain('aria-label="Stair: to be made again"');
    expect(again).toMatch(/data-testid="storyboard-reject-1"[^>]*\/>make again<\/label>/);
    const failing = card({ verdict: 'reject', rejectedItems: 'fail' });
    expect(failing).toContain('aria-label="Stair: rejected"');
    expect(failing).toMatch(/data-testid="storyboard-reject-1"[^>]*\/>reject<\/label>/);
  });

  it('offers "Edit prompt", or "Edit line" for an item with a line and no prompt, and nothing without a way to edit', () => {
    expect(card({ onDraft: () => undefined })).toMatch(/data-testid="storyboard-edit-open-1">Edit prompt<\/button>/);
    expect(card({ item: item(2, { text: 'Only a line.' }), onDraft: () => undefined })).toMatch(/data-testid="storyboard-edit-open-2">Edit line<\/button>/);
    expect(card()).not.toContain('storyboard-edit-open-1');
    expect(card({ decided: true, onDraft: () => undefined })).not.toContain('storyboard-edit-open-1');
  });

  it('an edited card shows its new words in a text field, says it will be made again, offers to revert, and has no verdict', () => {
    const edited = card({ draft: 'a stair, lit from above', onDraft: () => undefined });
    expect(edited).toContain('data-verdict="edit"');
    expect(edited).toMatch(/<textarea[^>]*data-testid="storyboard-edit-1"[^>]*>a stair, lit from above<\/textarea>/);
    expect(edited).toContain('data-testid="storyboard-edited-1"');
    expect(edited).toContain('aria-label="Stair: edited, to be made again"');
    expect(edited).toContain('data-testid="storyboard-edit-revert-1"');
    expect(edited).not.toContain('storyboard-approve-1');
    // The prompt it replaces is not shown twice; the line stays.
    expect(edited).not.toContain('data-testid="storyboard-prompt-1"');
    expect(edited).toContain('data-testid="storyboard-text-1"');
    // Opened but unchanged: not an edit yet, the verdict stays.
    const opened = card({ draft: 'a stair', onDraft: () => undefined });
    expect(opened).toContain('data-verdict="approve"');
    expect(opened).toContain('storyboard-approve-1');
    expect(opened).toContain('storyboard-edit-revert-1');
  });

  it('highlights a card made again for this round with its take, and notes words rewritten in an earlier round', () => {
    const fresh = card({ item: { ...scene, takes: { stills: 1 } }, fresh: true, editedEarlier: true });
    expect(fresh).toContain('data-fresh="true"');
    expect(fresh).toMatch(/data-testid="storyboard-take-1"[^>]*>new take · take 2<\/span>/);
    expect(fresh).toMatch(/data-testid="storyboard-edited-earlier-1"[^>]*>edited<\/span>/);
    expect(fresh).toContain('a new take');
    const plain = card();
    expect(plain).not.toContain('storyboard-take-1');
    expect(plain).not.toContain('storyboard-edited-earlier-1');
  });

  it('heads the storyboard with the round from round 2 on', () => {
    const round2 = renderToStaticMarkup(createElement(StoryboardRound, { record: { round: 2, regenerated: [1], items: [item(0), scene] } }));
    expect(round2).toContain('data-round="2"');
    expect(round2).toContain('Round 2 · made again: Stair');
    expect(renderToStaticMarkup(createElement(StoryboardRound, { record: { items: [scene] } }))).toBe('');
  });
});

describe('what a card shows', () => {
  it('leads with a still from the previews, else one inside the item, else a clip; images before clips', () => {
    const inItem = { port: 'items', handle: handle(1, 'image/png') };
    const preview = { port: 'previews', handle: handle(2, 'image/jpeg') };
    const clip = { port: 'previews', handle: handle(3, 'video/mp4') };
    expect(cardMedia(item(0, { media: [inItem, clip, preview] })).still).toEqual({ kind: 'image', handle: preview.handle, port: 'previews' });
    expect(cardMedia(item(0, { media: [clip, inItem] })).still).toEqual({ kind: 'image', handle: inItem.handle, port: 'items' });
    expect(cardMedia(item(0, { media: [clip] })).still).toEqual({ kind: 'video', handle: clip.handle, port: 'previews' });
    expect(cardMedia(item(0)).still).toBeUndefined();
  });

  it("plays the item's voice lines in order, each once, the wired voices first", () => {
    const a = handle(10, 'audio/wav');
    const b = handle(11, 'audio/mpeg');
    const own = handle(12, 'audio/wav');
    const media = [
      { port: 'items', handle: own },
      { port: 'voices', handle: a },
      { port: 'voices', handle: b },
      { port: 'voices', handle: a },
      { port: 'previews', handle: handle(13, 'image/png') },
    ];
    expect(cardMedia(item(0, { media })).voices.map((h) => h.hash)).toEqual([a.hash, b.hash, own.hash]);
  });

  it('titles a card by the item, else by its position counted from 1', () => {
    expect(itemHeading(item(0, { title: 'The Hall' }))).toBe('The Hall');
    expect(itemHeading(item(2))).toBe('Item 3');
  });
});

describe('deadlines and decisions in words', () => {
  it('counts down to the deadline, rounding up, and says what the timeout will do', () => {
    expect(formatCountdown(44_001)).toBe('45 s');
    expect(formatCountdown(185_000)).toBe('3 min 05 s');
    expect(formatCountdown(2 * 3600_000 + 4 * 60_000)).toBe('2 h 04 min');
    expect(describeDeadline({ onTimeout: 'reject' }, T)).toBeUndefined();
    expect(describeDeadline({ deadlineAt: T + 90_000, onTimeout: 'reject' }, T)).toBe('1 min 30 s left, then its timeout rejects the run');
    expect(describeDeadline({ deadlineAt: T + 500, onTimeout: 'approve' }, T)).toBe('1 s left, then its timeout approves every item');
    expect(describeDeadline({ deadlineAt: T, onTimeout: 'approve' }, T + 1)).toMatch(/^the deadline passed/);
  });

  it('says a decision with items counted from 1, who decided and the note', () => {
    expect(describeDecision(record(3))).toBe('waiting for a decision (3 items)');
    expect(describeDecision(record(3, { status: 'approved', decidedBy: 'editor', approved: [0, 1, 2], rejected: [] }))).toBe('approved by editor');
    expect(describeDecision(record(3, { status: 'approved', decidedBy: 'cli', approved: [0, 2], rejected: [1], note: 'redo 2' }))).toBe('approved items 1, 3, rejected 2 by cli — “redo 2”');
    expect(describeDecision(record(3, { status: 'rejected', decidedBy: 'timeout', approved: [], rejected: [0, 1, 2] }))).toBe('rejected by timeout');
    expect(describeDecision(record(3, { status: 'cancelled' }))).toMatch(/withdrawn/);
  });

  it('finds the open review of a gate, not a decided one', () => {
    const decided = record(1, { nodeId: 'a', status: 'approved' });
    const open = record(1, { nodeId: 'b' });
    expect(pendingReview([decided, open])).toBe(open);
    expect(pendingReview([decided, open], 'a')).toBeUndefined();
    expect(pendingReview(undefined)).toBeUndefined();
  });
});

const gateGraph: GraphDocument = graph(
  'storyboard',
  [{ ...node('scenes', 'testr.scenes', { count: 3 }) }, { ...node('gate', 'control.review', { rejectedItems: 'drop' }), title: 'Approve scenes' }],
  [{ from: 'scenes.scenes', to: 'gate.items' }],
  { outputs: { approved: 'gate.items', indices: 'gate.approved' } },
);

function detail(extra: Partial<RunDetail> = {}): RunDetail {
  return { id: 'r1', graphId: 'storyboard', graphName: 'S', status: 'running', priority: 'normal', inputs: {}, createdAt: T, logCount: 0, trigger: 'editor', nodes: [], items: [], graph: gateGraph, usage: [], costUsd: 0, ...extra };
}
const gateRow = (status: 'waiting' | 'done', at: number) => ({ runId: 'r1', nodeId: 'gate', nodeType: 'control.review', status, attempts: 1, cached: false, startedAt: at });
const reviewToasts = () => useToastStore.getState().toasts.filter((toast) => toast.topic.startsWith('review:'));

describe('what approving costs', () => {
  const paid = (over: Partial<NodeEstimate>): NodeEstimate => ({ id: 'render', type: 'scene.runway', provider: 'runway', usage: [], costUsd: 0, cachedItems: 0, items: 3, ...over });
  const estimate = (nodes: NodeEstimate[], complete = true): RunEstimate => ({ costUsd: nodes.reduce((sum, n) => sum + n.costUsd, 0), nodes, complete, estimatedPrices: false });

  it("gives each card its share of the paid work that maps over the gate's items, over the items still to make", () => {
    // Runway renders 3 scenes, one cached: $1.00 for the other two; a music bed (one item) is not per card.
    const cost = storyboardCost(estimate([paid({ costUsd: 1, cachedItems: 1 }), paid({ id: 'music', type: 'audio.music', costUsd: 0.2, items: 1 })]), 3);
    expect(cost).toEqual({ summary: 'Approving all: about $1.20 more (the rest of the run, at list price).', perItem: 'about $0.50 to make' });
  });

  it('says when nothing more is paid, and when the figure is only a lower bound', () => {
    expect(storyboardCost(estimate([]), 3)).toEqual({ summary: 'Approving costs nothing more: no paid work follows that is not cached.' });
    expect(storyboardCost(estimate([paid({ costUsd: 0, cachedItems: 3 })]), 3)?.perItem).toBeUndefined();
    expect(storyboardCost(estimate([paid({ costUsd: 0.6 })], false), 3)?.summary).toBe('Approving all: at least $0.60 more (the rest of the run, at list price).');
    expect(storyboardCost(undefined, 3)).toBeUndefined();
  });
});

describe('the toast when a followed run waits at a gate', () => {
  beforeEach(() => {
    useRunStore.getState().select(undefined);
    useToastStore.setState({ toasts: [] });
  });

  it('lists the waiting gates of a waiting run only', () => {
    expect(waitingGates(stateFromDetail(detail({ status: 'waiting', nodes: [gateRow('waiting', T)] })))).toEqual(['gate']);
    expect(waitingGates(stateFromDetail(detail({ status: 'running', nodes: [gateRow('done', T)] })))).toEqual([]);
    expect(waitingGates(undefined)).toEqual([]);
  });

  it('says so once per gate when live events bring the run to the gate, naming the gate by its title', () => {
    useRunStore.getState().select('r1');
    useRunStore.getState().receiveSnapshot(detail());
    expect(reviewToasts()).toEqual([]);
    useRunStore.getState().receiveEvent({ type: 'node', runId: 'r1', at: T + 1, nodeId: 'gate', nodeType: 'control.review', status: 'waiting' });
    // The gate waits, but the run says so with its own event: one toast then, not before.
    expect(reviewToasts()).toEqual([]);
    useRunStore.getState().receiveEvent({ type: 'run', runId: 'r1', at: T + 2, status: 'waiting' });
    expect(reviewToasts().map((toast) => [toast.kind, toast.text, toast.count])).toEqual([['info', waitingMessage('Approve scenes'), 1]]);
    expect(waitingMessage('Approve scenes')).toBe('Waiting for your review at "Approve scenes"');
    // A snapshot after a reconnect that still shows the gate waiting says nothing new.
    useRunStore.getState().receiveSnapshot(detail({ status: 'waiting', nodes: [gateRow('waiting', T + 1)] }));
    expect(reviewToasts().map((toast) => toast.count)).toEqual([1]);
  });

  it('says so again when the gate waits anew for its next round (items made again), not while it still waits', () => {
    useRunStore.getState().select('r3');
    useRunStore.getState().receiveSnapshot(detail({ id: 'r3', status: 'waiting', nodes: [{ ...gateRow('waiting', T), runId: 'r3' }] }));
    expect(reviewToasts().map((toast) => toast.count)).toEqual([1]);
    // Decided: the run goes on, making the rejected items again; then round 2 opens at the same gate.
    useRunStore.getState().receiveEvent({ type: 'run', runId: 'r3', at: T + 1, status: 'running' });
    useRunStore.getState().receiveEvent({ type: 'node', runId: 'r3', at: T + 2, nodeId: 'gate', nodeType: 'control.review', status: 'running' });
    useRunStore.getState().receiveEvent({ type: 'review', runId: 'r3', at: T + 3, nodeId: 'gate', status: 'pending', itemCount: 3, round: 2, regeneratedItems: [1] });
    useRunStore.getState().receiveEvent({ type: 'node', runId: 'r3', at: T + 4, nodeId: 'gate', nodeType: 'control.review', status: 'waiting' });
    useRunStore.getState().receiveEvent({ type: 'run', runId: 'r3', at: T + 5, status: 'waiting' });
    expect(reviewToasts().map((toast) => [toast.text, toast.count])).toEqual([[waitingMessage('Approve scenes'), 2]]);
    useRunStore.getState().receiveSnapshot(detail({ id: 'r3', status: 'waiting', nodes: [{ ...gateRow('waiting', T + 4), runId: 'r3' }] }));
    expect(reviewToasts().map((toast) => toast.count)).toEqual([2]);
  });

  it('says so for a run that already waits when it is opened (a snapshot, no event)', () => {
    useRunStore.getState().select('r2');
    useRunStore.getState().receiveSnapshot(detail({ id: 'r2', status: 'waiting', nodes: [{ ...gateRow('waiting', T), runId: 'r2' }] }));
    expect(reviewToasts().map((toast) => [toast.text, toast.topic])).toEqual([[waitingMessage('Approve scenes'), 'review:r2']]);
  });
});

describe('the API client against a waiting gate', () => {
  let server: TestServer;
  let api: ApiClient;

  beforeAll(async () => {
    server = await startTestServer({ extraNodes: [...testNodes, scenes] });
    api = new ApiClient(server.token, server.server.url);
  }, 60_000);

  afterAll(async () => {
    await server?.dispose();
  });

  async function waitingRun(): Promise<string> {
    const { runId } = await api.startRun({ graph: gateGraph });
    for (let i = 0; i < 400; i++) {
      const answer = await api.runReviews(runId);
      if (answer.status === 'waiting' && pendingReview(answer.reviews)) return runId;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`run ${runId} never waited at its gate`);
  }

  it('reads the storyboard, stores the decision as the editor\'s, and the run goes on with the approved items', async () => {
    const runId = await waitingRun();
    const { reviews } = await api.runReviews(runId);
    const open = pendingReview(reviews) as ReviewRecord;
    expect(open.items.map((i) => [i.index, itemHeading(i), i.prompt])).toEqual([
      [0, 'Scene 1', 'a lighthouse, shot 1'],
      [1, 'Scene 2', 'a lighthouse, shot 2'],
      [2, 'Scene 3', 'a lighthouse, shot 3'],
    ]);
    const verdicts = { ...initialVerdicts(open), 1: 'reject' as const };
    const built = decisionRequest('approve-selected', open, verdicts, 'scene 2 is off');
    if (!('request' in built)) throw new Error(built.problem);
    const decided = await api.decideReview(runId, built.request);
    expect(decided).toMatchObject({ status: 'approved', decidedBy: 'editor', approved: [0, 2], rejected: [1], note: 'scene 2 is off' });
    const run = await api.getRun(runId, 10_000);
    expect(run.status).toBe('done');
    expect((run.outputs?.approved as Array<{ title: string }>).map((s) => s.title)).toEqual(['Scene 1', 'Scene 3']);
    expect(run.outputs?.indices).toEqual([0, 2]);
  });

  it('asks the server what approving would cost: a gate with no paid work after it costs nothing more', async () => {
    const runId = await waitingRun();
    const answer = await api.runReviewsEstimate(runId);
    expect(answer.estimate).toMatchObject({ costUsd: 0, nodes: [], complete: true });
    expect(storyboardCost(answer.estimate, 3)?.summary).toMatch(/^Approving costs nothing more/);
    await api.decideReview(runId, { node: 'gate', decision: 'reject' });
  });

  it('a second decision is refused with 409, as an ApiError the storyboard shows', async () => {
    const runId = await waitingRun();
    await api.decideReview(runId, { node: 'gate', decision: 'reject', note: 'no' });
    const refused = await api.decideReview(runId, { node: 'gate', decision: 'approve' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).status).toBe(409);
    expect((refused as ApiError).code).toBe('REVIEW_NOT_PENDING');
    const run = await api.getRun(runId, 10_000);
    expect(run.status).toBe('failed');
    expect(run.error).toMatchObject({ code: 'REVIEW_REJECTED', location: { nodeId: 'gate' } });
  });
});
