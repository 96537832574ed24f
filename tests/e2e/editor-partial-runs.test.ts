/**
 * Partial runs from the editor in real Chromium against a real server
 * (issue 19): a right-click on a node → "Run to here" runs that node and
 * what it needs, nothing else; Alt+Shift+R on the selected node runs it alone
 * with its inputs from the cache; and with a cold cache "Run this node only"
 * names the ancestor to run first, whose button runs it. What ran is asserted
 * from the run record (GET /api/runs/:id), what the canvas and the Run panel
 * say about it from the page. Screenshots: test-artifacts/e2e/editor-partial-runs/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../runtime/contract/graph.js';
import type { RunDetail } from '../../runtime/contract/records.js';
import { acceptDialogs, flowNode, nextRunRecord, nodeStatuses, openRightTab, repoRoot, requireChromium, selectNode, shownRunId, startEditorSession, waitUntil, type EditorSession } from '../fixtures/browser.js';
import { graph, node } from '../fixtures/server.js';

const chromium = requireChromium('the editor end-to-end tests');

/** $input.name → shout → greet → save, and `side` beside them (fed by the input alone): greet's scope is {shout, greet}. */
const chain = graph(
  'partial-chain',
  [
    { ...node('shout', 'text.template', { template: '{{text}}!' }), position: { x: 0, y: 0 }, title: 'Shout' },
    { ...node('greet', 'text.template', { template: 'Hello, {{text}}' }), position: { x: 340, y: 0 }, title: 'Greet' },
    { ...node('save', 'file.write', { filename: 'hello.txt' }), position: { x: 680, y: 0 }, title: 'Save' },
    { ...node('side', 'text.template', { template: 'aside: {{text}}' }), position: { x: 340, y: 260 }, title: 'Side' },
  ],
  [
    { from: '$input.name', to: 'shout.text' },
    { from: '$input.name', to: 'side.text' },
    { from: 'shout.text', to: 'greet.text' },
    { from: 'greet.text', to: 'save.content' },
  ],
  { name: 'Partial chain', inputs: { name: { type: 'Text', required: false, default: 'world' } }, outputs: { file: 'save.file', aside: 'side.text' } },
);

/** The shipped voices graph (script → cast → offline voices), stored under its own id. */
const voices: GraphDocument = { ...(JSON.parse(readFileSync(join(repoRoot, 'graphs/voices.json'), 'utf8')) as GraphDocument), id: 'scene-voices' };

/** Two scenes: one line, then two. */
const twoScenes = `# Two rooms

## The Room

**KAEL:** Is anyone there?

## The Hall

**ARIA:** Only me.

**KAEL:** Then we wait.
`;

/** The run the page shows, from its address (#/graphs/<id>/runs/<runId>). */

describe.skipIf(!chromium)('partial runs from the editor (Chromium)', () => {
  let session: EditorSession;

  beforeAll(async () => {
    session = await startEditorSession({ name: 'editor-partial-runs', extraNodes: [], graphs: [chain, voices], viewport: { width: 1600, height: 1000 } });
    acceptDialogs(session.page);
    await session.open(`/#/graphs/${chain.id}`);
    for (const id of ['shout', 'greet', 'save', 'side']) await flowNode(session.page, id).waitFor({ state: 'visible' });
  }, 180_000);

  afterAll(async () => {
    await session?.dispose();
  });

  const nextRun = (previous: string | undefined): Promise<RunDetail> => nextRunRecord(session, previous);

  const ran = (detail: RunDetail): Record<string, { status: string; cached: boolean }> =>
    Object.fromEntries((detail.nodes ?? []).map((row) => [row.nodeId, { status: row.status, cached: row.cached }]));

  it('right-click → "Run to here" runs the node and what it needs; the rest is outside the run', async () => {
    const { page } = session;
    const box = await flowNode(page, 'greet').locator('.rg-node__title').boundingBox();
    if (!box) throw new Error('the Greet card has no title on screen');
    await page.mouse.click(box.x + 10, box.y + box.height / 2, { button: 'right' });
    const menu = page.getByTestId('node-menu');
    await menu.waitFor({ state: 'visible' });
    await expect(menu.getAttribute('data-node')).resolves.toBe('greet');
    await expect(page.getByTestId('node-menu-until').textContent()).resolves.toBe('Run to hereShift+R');
    await expect(page.getByTestId('node-menu-only').textContent()).resolves.toBe('Run this node onlyAlt+Shift+R');
    await session.screenshot('menu');
    await page.getByTestId('node-menu-until').click();
    await menu.waitFor({ state: 'detached' });

    const detail = await nextRun(undefined);
    expect(detail.status).toBe('done');
    expect(detail.until).toBe('greet');
    expect(detail.only).toBeUndefined();
    // Only the demanded nodes ran (and are recorded), each executed: the cache was cold.
    expect(ran(detail)).toEqual({ shout: { status: 'done', cached: false }, greet: { status: 'done', cached: false } });
    expect(detail.outputs).toEqual({ text: 'Hello, world!' });

    // The canvas: the two ran, the other two are visibly not part of the run (not queued).
    await waitUntil(async () => {
      const statuses = await nodeStatuses(page);
      return statuses.greet === 'done' && statuses.save === 'outside';
    }, 'the cards to show the finished partial run');
    expect(await nodeStatuses(page)).toEqual({ shout: 'done', greet: 'done', save: 'outside', side: 'outside' });
    await expect(flowNode(page, 'save').getByTestId('status-save').textContent()).resolves.toContain('not in run');
    // The Run panel: the scope beside the status, in the history, and per node what executed.
    await expect(page.getByTestId('run-status').getByTestId(`run-scope-${detail.id}`).textContent()).resolves.toBe('until Greet');
    const historyChip = page.getByTestId('run-history').getByTestId(`run-scope-${detail.id}`);
    await historyChip.waitFor({ state: 'visible' });
    await expect(historyChip.textContent()).resolves.toBe('until Greet');
    await expect(page.getByTestId('run-progress').getAttribute('data-nodes-total')).resolves.toBe('2');
    await expect(page.getByTestId('run-reuse-shout').getAttribute('data-reuse')).resolves.toBe('executed');
    await session.screenshot('until-done');
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('Alt+Shift+R on the selected node runs it alone, its ancestors reused from the cache', async () => {
    const { page } = session;
    const previous = shownRunId(page.url());
    await selectNode(page, 'save');
    await page.keyboard.press('Alt+Shift+KeyR');

    const detail = await nextRun(previous);
    expect(detail.status).toBe('done');
    expect(detail.only).toBe('save');
    // The one node executed; what it needs came from the previous run's cache; `side` is not in the record.
    expect(ran(detail)).toEqual({ shout: { status: 'cached', cached: true }, greet: { status: 'cached', cached: true }, save: { status: 'done', cached: false } });

    await waitUntil(async () => (await nodeStatuses(page)).save === 'done', 'the Save card to show done');
    expect(await nodeStatuses(page)).toEqual({ shout: 'cached', greet: 'cached', save: 'done', side: 'outside' });
    await expect(page.getByTestId('run-status').getByTestId(`run-scope-${detail.id}`).textContent()).resolves.toBe('only Save');
    await expect(page.getByTestId('run-reuse-greet').textContent()).resolves.toContain('reused from the cache');
    await expect(page.getByTestId('run-reuse-save').getAttribute('data-reuse')).resolves.toBe('executed');
    await session.screenshot('only-done');
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('"Run this node only" with a cold cache names the ancestor to run first, and its button runs it', async () => {
    const { page } = session;
    // New inputs: nothing upstream of Save is cached for them.
    await page.getByTestId('run-input-name').fill('Kael');
    let previous = shownRunId(page.url());
    await selectNode(page, 'save');
    await page.keyboard.press('Alt+Shift+KeyR');

    const failed = await nextRun(previous);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('UPSTREAM_NOT_CACHED');
    const upstream = failed.error?.location?.nodeId;
    expect(['shout', 'greet']).toContain(upstream);
    // Nothing executed: no node of the record ran.
    expect(Object.values(ran(failed)).some((row) => row.status === 'done')).toBe(false);

    const hint = page.getByTestId('run-upstream-hint');
    await hint.waitFor({ state: 'visible' });
    await expect(hint.getAttribute('data-upstream')).resolves.toBe(upstream);
    await expect(hint.textContent()).resolves.toContain(upstream === 'shout' ? 'Shout' : 'Greet');
    await session.screenshot('only-uncached');

    previous = failed.id;
    await page.getByTestId('run-upstream-first').click();
    const first = await nextRun(previous);
    expect(first.status).toBe('done');
    expect(first.until).toBe(upstream);
    expect(first.inputs).toEqual({ name: 'Kael' });
    expect(Object.keys(ran(first)).sort()).toEqual(upstream === 'shout' ? ['shout'] : ['greet', 'shout']);
    expect(session.unexpectedProblems([/UPSTREAM_NOT_CACHED/])).toEqual([]);
  });

  it('previews one scene from the Run panel: only that scene is voiced, and the run says so', async () => {
    const { page } = session;
    await session.open(`/#/graphs/${voices.id}`);
    await flowNode(page, 'voice').waitFor({ state: 'visible' });
    await openRightTab(page, 'run');
    await page.getByTestId('run-input-episode').fill(twoScenes);
    await page.getByTestId('run-scene').fill('2');
    const previous = shownRunId(page.url());
    await page.getByTestId('run-start').click();

    const detail = await nextRun(previous);
    expect(detail.status).toBe('done');
    // The scene's two lines, nothing of the first scene; the run's graph carries the cut and the preview profile.
    expect(detail.nodes?.find((row) => row.nodeId === 'voice')?.items).toMatchObject({ total: 2, executed: 2 });
    expect(detail.graph?.nodes.find((n) => n.id === 'parse')?.params).toMatchObject({ scene: 2 });
    expect(detail.graph?.settings?.profile).toBe('preview-720p');
    await expect(page.getByTestId('run-scene-preview').textContent()).resolves.toBe('scene 2');
    await session.screenshot('scene-preview');
    expect(session.unexpectedProblems()).toEqual([]);
  }, 120_000);
});
