/**
 * Series work in the editor, in real Chromium: clone a graph for a new
 * series, change one param, save, and see the variant's diff against its
 * template; then expose the graph through a signed webhook and start a run by
 * delivering to it the way the panel's recipe says. Screenshots:
 * test-artifacts/e2e/editor-series/.
 */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptDialogs, openRightTab, requireChromium, selectNode, startEditorSession, waitForToast, waitUntil, type EditorSession } from '../fixtures/browser.js';
import { greetingGraph } from '../fixtures/server.js';

const chromium = requireChromium('the editor series and webhook tests');

describe.skipIf(!chromium)('series and webhooks in the editor (Chromium)', () => {
  let session: EditorSession;

  beforeAll(async () => {
    session = await startEditorSession({ name: 'editor-series', viewport: { width: 1600, height: 1000 } });
    acceptDialogs(session.page);
    expect((await session.api.createGraph(greetingGraph('greeting'))).id).toBe('greeting');
  }, 180_000);

  afterAll(async () => {
    await session?.dispose();
  });

  it('clones a graph for a series, changes one param and shows the variant as a diff against its template', async () => {
    const { page } = session;
    await session.open();
    await openRightTab(page, 'graph');
    await page.getByTestId('graph-list-item-greeting').click();
    await page.locator('.react-flow__node[data-id="greet"]').waitFor({ state: 'visible' });

    await page.getByTestId('graph-clone').locator('summary').click();
    await page.getByTestId('clone-name').fill('Greeting, series 2');
    await page.getByTestId('clone-id').fill('greeting-s2');
    await page.getByTestId('clone-confirm').click();
    await waitUntil(async () => (await page.getByTestId('graph-meta').innerText()).includes('greeting-s2'), 'the clone to open');

    await selectNode(page, 'greet');
    await openRightTab(page, 'node');
    await page.locator('#root_template').fill('Hi there, {{text}}.');
    await page.getByTestId('toolbar-save').click();
    await waitForToast(page, /Saved greeting-s2/);

    await openRightTab(page, 'graph');
    const changed = page.getByTestId('diff-changed-greet');
    await changed.waitFor({ state: 'visible' });
    expect(await changed.innerText()).toContain('template');
    await session.screenshot('1-variant-diff');

    // The stored variant is overrides on top of its template: only the changed param.
    const stored = await session.api.get<{ doc: { extends?: string; overrides?: { nodes?: Record<string, unknown> } } }>('/api/graphs/greeting-s2');
    expect(stored.doc.extends).toBe('greeting');
    expect(stored.doc.overrides?.nodes).toEqual({ greet: { params: { template: 'Hi there, {{text}}.' } } });
    expect(session.unexpectedProblems([])).toEqual([]);
  });

  it('creates a webhook in the Graph panel, and a delivery signed as its recipe says starts a run', async () => {
    const { page } = session;
    await openRightTab(page, 'graph');
    await page.getByTestId('graph-webhook').locator('summary').click();
    await page.getByTestId('webhook-create').click();
    const url = (await page.getByTestId('webhook-url').innerText()).trim();
    const secret = (await page.getByTestId('webhook-secret').innerText()).trim();
    const curl = await page.getByTestId('webhook-curl').innerText();
    expect(url).toMatch(/\/webhooks\/wh_/);
    expect(curl).toContain('openssl dgst -sha256 -hmac');
    await session.screenshot('2-webhook');

    // Deliver as the recipe does: HMAC-SHA256 over "<timestamp>.<body>".
    const body = JSON.stringify({ markdown: 'Kael' });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
    const delivered = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-reelgraph-timestamp': timestamp, 'x-reelgraph-signature': `sha256=${signature}` },
      body,
    });
    expect(delivered.status).toBe(202);
    const { runId } = (await delivered.json()) as { runId: string };
    let run: { status?: string; trigger?: string; outputs?: Record<string, unknown> } = {};
    await waitUntil(async () => {
      run = await session.api.get<typeof run>(`/api/runs/${runId}`);
      return run.status === 'done' || run.status === 'failed';
    }, 'the webhook run to finish');
    expect(run).toMatchObject({ status: 'done', trigger: 'webhook', outputs: { greeting: 'Hi there, Kael.' } });

    // The run shows in the Run panel's history.
    await openRightTab(page, 'run');
    await page.getByTestId(`run-history-item-${runId}`).waitFor({ state: 'visible' });
    expect(session.unexpectedProblems()).toEqual([]);
  });
});
