/**
 * The storyboard of a review gate in real Chromium against a real server
 * (issue 19 item 2): a run of scenes → stills + voice lines → gate waits;
 * the editor says so (toast, the gate's 'waiting' badge, the Run panel), the
 * badge opens the storyboard with one card per scene, each with its own
 * still and playable voice line; one item rejected by keyboard and the rest
 * approved with a note, the decision stored as the editor's with those
 * indices and the run finished with the approved scenes (the gate drops
 * rejected items); then a second run rejected as a whole from the Run panel
 * fails naming the gate. Then a gate that makes rejected items again (the
 * default): one scene rejected and another's prompt rewritten in the
 * storyboard, round 2 opens with both made again (the toast says so again),
 * the storyboard shows "Round 2" with their new takes and words, and
 * approving all finishes the run. What was decided and what ran is asserted
 * from the API, what the editor shows from the page.
 * Screenshots: test-artifacts/e2e/editor-storyboard/.
 *
 * Test ids the storyboard adds: `storyboard` (data-node, data-run),
 * `storyboard-status` (data-status), `storyboard-cost`, `storyboard-cost-<i>`, `storyboard-items` (data-count),
 * `storyboard-item-<i>` (data-verdict), `storyboard-title|prompt|text-<i>`,
 * `storyboard-still-<i>` (data-kind image|video), `storyboard-voices-<i>`
 * (data-count), `storyboard-voice-<i>-<n>`, `storyboard-approve-<i>`,
 * `storyboard-reject-<i>`, `storyboard-note`, `storyboard-approve-all`,
 * `storyboard-approve-selected`, `storyboard-reject-run`, `storyboard-error`,
 * `storyboard-deadline`, `storyboard-decision`, `storyboard-close`,
 * `storyboard-edit-open-<i>`, `storyboard-edit-<i>` (the textarea),
 * `storyboard-edit-revert-<i>`, `storyboard-edited-<i>`, `storyboard-take-<i>`,
 * `storyboard-edited-earlier-<i>`, `storyboard-round` (data-round),
 * `storyboard-next-round`; on the
 * canvas `review-open-<nodeId>`; in the Run panel `run-reviews`,
 * `run-review-<nodeId>` (data-status) and `run-review-open-<nodeId>`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../runtime/contract/graph.js';
import type { RunDetail } from '../../runtime/contract/records.js';
import type { ReviewRecord } from '../../runtime/contract/review.js';
import {
  acceptDialogs,
  dismissToasts,
  flowNode,
  openRightTab,
  requireChromium,
  startEditorSession,
  waitForMediaMetadata,
  waitForNodeStatus,
  waitForRunStatus,
  waitForToast,
  waitUntil,
  type EditorSession,
} from '../fixtures/browser.js';
import { graph, node } from '../fixtures/server.js';
import { storyboardNodes, stillWidth, voiceSeconds } from './storyboard-nodes.js';

const chromium = requireChromium('the editor end-to-end tests');

/** scenes → (stills, voices) → gate, whose approved scenes and indices are the graph's outputs. */
const storyboardGraph: GraphDocument = graph(
  'storyboard',
  [
    { ...node('scenes', 'teststory.scenes', { count: 3 }), position: { x: 0, y: 0 }, title: 'Scenes' },
    { ...node('stills', 'teststory.stills'), position: { x: 320, y: -140 }, title: 'Stills' },
    { ...node('voices', 'teststory.voices'), position: { x: 320, y: 140 }, title: 'Voices' },
    { ...node('gate', 'control.review', { rejectedItems: 'drop' }), position: { x: 660, y: 0 }, title: 'Approve scenes' },
  ],
  [
    { from: 'scenes.scenes', to: 'stills.scenes' },
    { from: 'scenes.scenes', to: 'voices.scenes' },
    { from: 'scenes.scenes', to: 'gate.items' },
    { from: 'stills.stills', to: 'gate.previews' },
    { from: 'voices.lines', to: 'gate.voices' },
  ],
  { name: 'Storyboard', outputs: { approved: 'gate.items', indices: 'gate.approved' } },
);

/** The same graph whose gate makes rejected and rewritten items again (its default), stored apart: the new takes are its pins. */
const roundsGraph: GraphDocument = {
  ...storyboardGraph,
  id: 'storyboard-rounds',
  name: 'Storyboard rounds',
  nodes: storyboardGraph.nodes.map((n) => (n.id === 'gate' ? { ...n, params: {} } : n)),
};

/** The run the page shows, from its address (#/graphs/<id>/runs/<runId>). */
const shownRunId = (url: string): string | undefined => /\/runs\/([^/?#]+)/.exec(new URL(url).hash)?.[1];

describe.skipIf(!chromium)('the storyboard of a review gate (Chromium)', () => {
  let session: EditorSession;

  beforeAll(async () => {
    session = await startEditorSession({ name: 'editor-storyboard', extraNodes: storyboardNodes, graphs: [storyboardGraph, roundsGraph], viewport: { width: 1600, height: 1000 } });
    acceptDialogs(session.page);
    await session.open(`/#/graphs/${storyboardGraph.id}`);
    await flowNode(session.page, 'gate').waitFor({ state: 'visible' });
    await openRightTab(session.page, 'run');
  }, 180_000);

  afterAll(async () => {
    await session?.dispose();
  });

  /** Starts a run from the Run panel; resolves with its id once it waits at the gate. */
  async function runToGate(): Promise<string> {
    const { page } = session;
    const previous = shownRunId(page.url());
    await page.getByTestId('run-start').click();
    await waitUntil(() => {
      const id = shownRunId(page.url());
      return id !== undefined && id !== previous;
    }, 'a new run in the address bar');
    await waitForRunStatus(page, ['waiting']);
    return shownRunId(page.url()) as string;
  }

  const reviewOf = async (runId: string): Promise<ReviewRecord> => {
    const { reviews } = await session.api.get<{ reviews: ReviewRecord[] }>(`/api/runs/${runId}/review`);
    expect(reviews).toHaveLength(1);
    return reviews[0] as ReviewRecord;
  };

  it('shows the waiting gate, opens its storyboard from the card, and stores "approve selected" with the right indices', async () => {
    const { page } = session;
    const runId = await runToGate();

    // Told three ways: a toast, the gate's badge, the Run panel.
    await waitForToast(page, /Waiting for your review at "Approve scenes"/, ['info']);
    await waitForNodeStatus(page, 'gate', ['waiting']);
    await page.getByTestId('run-review-gate').waitFor({ state: 'visible' });
    await expect(page.getByTestId('run-review-gate').getAttribute('data-status')).resolves.toBe('pending');
    // Nothing after the gate yet: the run holds there.
    expect((await reviewOf(runId)).status).toBe('pending');
    await dismissToasts(page);
    await session.screenshot('waiting');

    await page.getByTestId('review-open-gate').click();
    const board = page.getByTestId('storyboard');
    await board.waitFor({ state: 'visible' });
    await expect(board.getAttribute('data-node')).resolves.toBe('gate');
    await page.getByTestId('storyboard-items').waitFor({ state: 'visible' });
    await expect(page.getByTestId('storyboard-items').getAttribute('data-count')).resolves.toBe('3');
    await expect(page.getByTestId('storyboard-status').getAttribute('data-status')).resolves.toBe('pending');
    // What approving costs, priced by the server: nothing paid follows this gate.
    await page.getByTestId('storyboard-cost').waitFor({ state: 'visible' });
    expect(await page.getByTestId('storyboard-cost').textContent()).toMatch(/^Approving costs nothing more/);

    // Each card: its own title, prompt and line, its own still (told by its width) and its own voice line (told by its length).
    for (const index of [0, 1, 2]) {
      const n = index + 1;
      await expect(page.getByTestId(`storyboard-title-${index}`).textContent()).resolves.toBe(`Scene ${n}`);
      await expect(page.getByTestId(`storyboard-prompt-${index}`).textContent()).resolves.toBe(`a lighthouse at dusk, shot ${n}`);
      await expect(page.getByTestId(`storyboard-text-${index}`).textContent()).resolves.toBe(`Line ${n}: the lamp turns.`);
      const still = page.getByTestId(`storyboard-still-${index}`);
      await expect(still.getAttribute('data-kind')).resolves.toBe('image');
      await waitUntil(async () => (await still.evaluate((img) => (img as HTMLImageElement).naturalWidth)) > 0, `scene ${n}'s still to load`);
      expect(await still.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBe(stillWidth(n));
      expect(await still.getAttribute('src')).toMatch(/\/media\/[0-9a-f]{64}/);
      await expect(page.getByTestId(`storyboard-voices-${index}`).getAttribute('data-count')).resolves.toBe('1');
      const voice = await waitForMediaMetadata(page.getByTestId(`storyboard-voice-${index}-0`));
      expect(voice.duration).toBeCloseTo(voiceSeconds(n), 1);
    }
    await session.screenshot('storyboard');

    // Item 2 (index 1) rejected from the keyboard: its radio group, arrow right.
    await page.getByTestId('storyboard-approve-1').focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('storyboard-item-1').getAttribute('data-verdict')).resolves.toBe('reject');
    await expect(page.getByTestId('storyboard-item-0').getAttribute('data-verdict')).resolves.toBe('approve');
    await page.getByTestId('storyboard-note').fill('scene 2 needs a wider shot');
    await expect(page.getByTestId('storyboard-approve-selected').textContent()).resolves.toBe('Approve selected (2), reject 1');
    await page.getByTestId('storyboard-approve-selected').click();
    await board.waitFor({ state: 'detached' });

    // The decision, as stored: the editor's, with the right indices and the note; the run went on with the approved scenes.
    expect(await reviewOf(runId)).toMatchObject({ status: 'approved', decidedBy: 'editor', approved: [0, 2], rejected: [1], note: 'scene 2 needs a wider shot' });
    await expect(waitForRunStatus(page, ['done', 'failed', 'cancelled'])).resolves.toBe('done');
    const detail = await session.api.get<RunDetail>(`/api/runs/${runId}?wait=10000`);
    expect(detail.status).toBe('done');
    expect((detail.outputs?.approved as Array<{ title: string }>).map((scene) => scene.title)).toEqual(['Scene 1', 'Scene 3']);
    expect(detail.outputs?.indices).toEqual([0, 2]);
    // The panel follows: the gate reads as decided, with what was decided.
    await waitUntil(async () => (await page.getByTestId('run-review-gate').getAttribute('data-status')) === 'approved', 'the Run panel to show the decided gate');
    await expect(page.getByTestId('run-review-gate').textContent()).resolves.toContain('approved items 1, 3, rejected 2 by editor');
    await session.screenshot('decided');
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('Escape closes the storyboard; "Reject run" from the Run panel fails the run naming the gate', async () => {
    const { page } = session;
    const runId = await runToGate();
    // Another gate of another run: said again.
    await waitForToast(page, /Waiting for your review at "Approve scenes"/, ['info']);
    await dismissToasts(page);

    const open = page.getByTestId('run-review-open-gate');
    await waitUntil(async () => (await page.getByTestId('run-review-gate').getAttribute('data-status')) === 'pending', 'the Run panel to show the new waiting gate');
    await open.click();
    const board = page.getByTestId('storyboard');
    await board.waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await board.waitFor({ state: 'detached' });
    // Still waiting: closing decides nothing.
    expect((await reviewOf(runId)).status).toBe('pending');

    await open.click();
    await page.getByTestId('storyboard-items').waitFor({ state: 'visible' });
    await page.getByTestId('storyboard-note').fill('wrong episode');
    await page.getByTestId('storyboard-reject-run').click();
    await board.waitFor({ state: 'detached' });

    expect(await reviewOf(runId)).toMatchObject({ status: 'rejected', decidedBy: 'editor', approved: [], rejected: [0, 1, 2], note: 'wrong episode' });
    await expect(waitForRunStatus(page, ['done', 'failed', 'cancelled'])).resolves.toBe('failed');
    const detail = await session.api.get<RunDetail>(`/api/runs/${runId}?wait=10000`);
    expect(detail.error).toMatchObject({ code: 'REVIEW_REJECTED', location: { nodeId: 'gate' } });
    expect(detail.error?.message).toContain('wrong episode');
    await page.getByTestId('run-errors').waitFor({ state: 'visible' });
    await expect(page.getByTestId('run-errors').textContent()).resolves.toContain('REVIEW_REJECTED');
    await session.screenshot('rejected');
    expect(session.unexpectedProblems([/REVIEW_REJECTED/])).toEqual([]);
  });

  it('an open storyboard follows a decision taken elsewhere (the API): it shows it and offers no buttons', async () => {
    const { page } = session;
    const runId = await runToGate();
    await dismissToasts(page).catch(() => {});
    await waitUntil(async () => (await page.getByTestId('run-review-gate').getAttribute('data-status')) === 'pending', 'the Run panel to show the new waiting gate');
    await page.getByTestId('run-review-open-gate').click();
    await page.getByTestId('storyboard-approve-all').waitFor({ state: 'visible' });

    await session.api.post(`/api/runs/${runId}/review`, { decision: 'approve', items: [1], note: 'from the API' });
    // The review event reads the storyboard again: the decision shows, the buttons are gone.
    const status = page.getByTestId('storyboard-status');
    await waitUntil(async () => (await status.getAttribute('data-status')) === 'approved', 'the storyboard to show the decision taken elsewhere');
    await expect(page.getByTestId('storyboard-decision').textContent()).resolves.toBe('approved item 2, rejected 1, 3 by api — “from the API”');
    expect(await page.getByTestId('storyboard-approve-all').count()).toBe(0);
    await expect(page.getByTestId('storyboard-item-0').getAttribute('data-verdict')).resolves.toBe('reject');
    await expect(page.getByTestId('storyboard-item-1').getAttribute('data-verdict')).resolves.toBe('approve');
    await session.screenshot('decided-elsewhere');
    await page.getByTestId('storyboard-close').click();
    await page.getByTestId('storyboard').waitFor({ state: 'detached' });
    await expect(waitForRunStatus(page, ['done', 'failed', 'cancelled'])).resolves.toBe('done');
    expect(session.unexpectedProblems([/REVIEW_REJECTED/])).toEqual([]);
  });

  it('a rejected scene and a rewritten prompt are made again: round 2 shows them as new takes, and approving all finishes the run', async () => {
    const { page } = session;
    await session.open(`/#/graphs/${roundsGraph.id}`);
    await flowNode(page, 'gate').waitFor({ state: 'visible' });
    await openRightTab(page, 'run');
    const runId = await runToGate();
    await waitForToast(page, /Waiting for your review at "Approve scenes"/, ['info']);
    await dismissToasts(page);

    await page.getByTestId('review-open-gate').click();
    const board = page.getByTestId('storyboard');
    await page.getByTestId('storyboard-items').waitFor({ state: 'visible' });
    // This gate makes rejected items again, and its cards say so.
    await expect(page.getByTestId('storyboard-item-1').textContent()).resolves.toContain('make again');
    await page.getByTestId('storyboard-approve-1').focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.getByTestId('storyboard-item-1').getAttribute('data-verdict')).resolves.toBe('reject');
    await expect(page.getByTestId('storyboard-item-1').getAttribute('aria-label')).resolves.toBe('Scene 2: to be made again');

    // Scene 3's prompt rewritten from the keyboard; Escape in the words keeps them and the storyboard open.
    await page.getByTestId('storyboard-edit-open-2').click();
    const words = page.getByTestId('storyboard-edit-2');
    await waitUntil(() => words.evaluate((area) => area === document.activeElement), 'the rewrite to take the keyboard');
    await expect(words.inputValue()).resolves.toBe('a lighthouse at dusk, shot 3');
    await words.fill('a lighthouse at dawn, shot 3');
    await page.keyboard.press('Escape');
    await expect(board.isVisible()).resolves.toBe(true);
    await expect(page.getByTestId('storyboard-edit-revert-2').evaluate((button) => button === document.activeElement)).resolves.toBe(true);
    await expect(page.getByTestId('storyboard-item-2').getAttribute('data-verdict')).resolves.toBe('edit');
    await expect(page.getByTestId('storyboard-approve-selected').textContent()).resolves.toBe('Approve 1, make 2 again');
    await session.screenshot('round-1-edited');
    await page.getByTestId('storyboard-approve-selected').click();
    await board.waitFor({ state: 'detached' });

    // Round 2, from the API: scene 2 made again as a new take, scene 3 from its new words.
    let round2: ReviewRecord | undefined;
    await waitUntil(async () => {
      const review = await reviewOf(runId);
      round2 = review.status === 'pending' && review.round === 2 ? review : undefined;
      return round2 !== undefined;
    }, 'round 2 of the review to open', 60_000);
    const opened = round2 as ReviewRecord;
    expect([...(opened.regenerated ?? [])].sort()).toEqual([1, 2]);
    expect(opened.items[2]?.prompt).toBe('a lighthouse at dawn, shot 3');
    expect(opened.edits).toEqual([{ index: 2, prompt: 'a lighthouse at dawn, shot 3', round: 1 }]);
    expect(Math.max(...Object.values(opened.items[1]?.takes ?? {}))).toBe(1);

    // The editor says it waits again, and the storyboard shows the new round.
    // (The decision's own toast, answered after round 2 may already have opened, must not replace this one.)
    await waitForToast(page, /Waiting for your review at "Approve scenes"/, ['info']);
    await dismissToasts(page);
    await waitUntil(async () => (await page.getByTestId('run-review-gate').getAttribute('data-status')) === 'pending', 'the Run panel to show round 2 waiting');
    await page.getByTestId('run-review-open-gate').click();
    const round = page.getByTestId('storyboard-round');
    await round.waitFor({ state: 'visible' });
    await expect(round.getAttribute('data-round')).resolves.toBe('2');
    await expect(round.textContent()).resolves.toBe('Round 2 · made again: Scene 2, Scene 3');
    await expect(page.getByTestId('storyboard-item-1').getAttribute('data-fresh')).resolves.toBe('true');
    await expect(page.getByTestId('storyboard-take-1').textContent()).resolves.toBe('new take · take 2');
    await expect(page.getByTestId('storyboard-item-0').getAttribute('data-fresh')).resolves.toBeNull();
    await expect(page.getByTestId('storyboard-prompt-2').textContent()).resolves.toBe('a lighthouse at dawn, shot 3');
    await page.getByTestId('storyboard-edited-earlier-2').waitFor({ state: 'visible' });
    await session.screenshot('round-2');

    await page.getByTestId('storyboard-approve-all').click();
    await board.waitFor({ state: 'detached' });
    expect(await reviewOf(runId)).toMatchObject({ status: 'approved', decidedBy: 'editor', round: 2, approved: [0, 1, 2], rejected: [] });
    await expect(waitForRunStatus(page, ['done', 'failed', 'cancelled'])).resolves.toBe('done');
    const detail = await session.api.get<RunDetail>(`/api/runs/${runId}?wait=10000`);
    expect((detail.outputs?.approved as Array<{ title: string; prompt: string }>).map((scene) => scene.prompt)).toEqual([
      'a lighthouse at dusk, shot 1',
      'a lighthouse at dusk, shot 2',
      'a lighthouse at dawn, shot 3',
    ]);
    expect(session.unexpectedProblems([/REVIEW_REJECTED/])).toEqual([]);
  });
});
