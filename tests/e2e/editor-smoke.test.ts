/**
 * The editor in real Chromium against a real server: it loads with the token
 * from the URL, the palette lists the server's node types, and a graph stored
 * through the API opens on the canvas, with no console errors (a 4xx/5xx the
 * editor fetches counts: Chromium logs it as a console error).
 * The editor is built on the fly (tests/fixtures/browser.ts); no `npm run build` needed.
 * Screenshots: test-artifacts/e2e/editor-smoke/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowEdge, requireChromium, startEditorSession, waitForNodeCount, type EditorSession } from '../fixtures/browser.js';
import { graph, node } from '../fixtures/server.js';

const chromium = requireChromium('the editor end-to-end tests');

/** A small graph with ports of two types and an edge, stored through the API. */
const seeded = graph(
  'smoke-greeting',
  [
    { ...node('greet', 'text.template', { template: 'Hello, {{text}}!' }), position: { x: 0, y: 0 }, title: 'Greeting' },
    { ...node('save', 'file.write', { filename: 'hello.txt' }), position: { x: 360, y: 40 }, title: 'Save greeting' },
  ],
  [
    { from: '$input.name', to: 'greet.text' },
    { from: 'greet.text', to: 'save.content' },
  ],
  { name: 'Smoke greeting', inputs: { name: { type: 'Text', required: false, default: 'world' } }, outputs: { file: 'save.file' } },
);

describe.skipIf(!chromium)('editor smoke (Chromium)', () => {
  let session: EditorSession;

  beforeAll(async () => {
    session = await startEditorSession({ name: 'editor-smoke', graphs: [seeded] });
    await session.open();
  }, 180_000);

  afterAll(async () => {
    await session?.dispose();
  });

  it('serves the editor, which renders its canvas without page errors', async () => {
    await session.page.locator('.react-flow__pane').waitFor({ state: 'visible' });
    await expect(session.page.title()).resolves.toMatch(/reelgraph/i);
    await session.screenshot('loaded');
    expect(session.problems.filter((problem) => problem.kind === 'pageerror')).toEqual([]);
  });

  it("accepts the token from the URL and lists the server's node types", async () => {
    const { page } = session;
    const types = [...new Set((await session.api.get<Array<{ type: string }>>('/api/nodes')).map((description) => description.type))].sort();
    expect(types).toContain('text.template');
    await page.getByTestId('palette-item-text.template').waitFor({ state: 'visible' });
    const listed = await page.locator('[data-testid^="palette-item-"]').evaluateAll((elements) => elements.map((element) => element.getAttribute('data-testid')!.slice('palette-item-'.length)));
    expect([...new Set(listed)].sort()).toEqual(types);
    // The token was taken from the address bar (and kept, not left in the URL).
    expect(new URL(page.url()).searchParams.has('token')).toBe(false);
    expect(page.url().includes(session.token)).toBe(false);

    await page.getByTestId('palette-search').fill('template');
    await page.getByTestId('palette-item-voice.tts').waitFor({ state: 'hidden' });
    await expect(page.getByTestId('palette-item-text.template').isVisible()).resolves.toBe(true);
    await page.getByTestId('palette-search').fill('');
    await page.getByTestId('palette-item-voice.tts').waitFor({ state: 'visible' });
    await session.screenshot('palette');
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('opens a graph stored through the API', async () => {
    const { page } = session;
    const item = page.getByTestId(`graph-list-item-${seeded.id}`);
    if (!(await item.isVisible())) {
      // The graph list may live behind the graph tab.
      const tab = page.getByTestId('tab-graph');
      if (await tab.isVisible()) await tab.click();
    }
    await item.click();
    for (const nodeId of ['greet', 'save']) await page.getByTestId(`node-${nodeId}`).waitFor({ state: 'visible' });
    await waitForNodeCount(page, 2, { atLeast: true }); // graph inputs may be drawn as nodes too
    await flowEdge(page, { node: 'greet', port: 'text' }, { node: 'save', port: 'content' }).waitFor({ state: 'attached' });
    await expect(page.getByTestId('node-greet').textContent()).resolves.toContain('Greeting');
    // The graph's name is shown (the editor may render graph-name more than once, e.g. the top bar and the save form).
    const names = await page.getByTestId('graph-name').evaluateAll((elements) => elements.map((element) => (element instanceof HTMLInputElement ? element.value : (element.textContent ?? ''))));
    expect(names.some((name) => name.includes('Smoke greeting'))).toBe(true);
    await session.screenshot('graph-open');
    expect(session.unexpectedProblems()).toEqual([]);
  });
});
