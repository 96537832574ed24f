/**
 * Templates from the empty editor, in real Chromium against a real server:
 * the gallery lists the shipped graphs and example episodes; one click opens
 * a graph (stored, with its URL, fitted to the view); one click on an example
 * episode opens its graph with the episode's text in the Run panel. The
 * gallery also opens from the toolbar, asks before replacing unsaved work,
 * and lets palette drags through to the canvas under it.
 * Screenshots: test-artifacts/e2e/editor-templates/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GraphDocument, TemplateCatalog } from '../../runtime/contract/index.js';
import {
  acceptDialogs,
  canvasBox,
  dragPaletteItemToCanvas,
  flowNode,
  repoRoot,
  requireChromium,
  startEditorSession,
  waitForNodeCount,
  waitUntil,
  type EditorSession,
} from '../fixtures/browser.js';

const chromium = requireChromium('the editor templates end-to-end tests');

const episodeGraph = JSON.parse(readFileSync(join(repoRoot, 'graphs', 'episode.json'), 'utf8')) as GraphDocument;

const meta = async (page: Page): Promise<string> => (await page.getByTestId('graph-meta').textContent()) ?? '';

/** Whether every node card of `ids` lies inside the canvas pane (the view is fitted). */
async function allInView(page: Page, ids: string[]): Promise<boolean> {
  const pane = await canvasBox(page);
  for (const id of ids) {
    const box = await flowNode(page, id).boundingBox();
    if (!box) return false;
    if (box.x < pane.x - 1 || box.y < pane.y - 1 || box.x + box.width > pane.x + pane.width + 1 || box.y + box.height > pane.y + pane.height + 1) return false;
  }
  return true;
}

describe.skipIf(!chromium)('editor: templates (Chromium)', () => {
  let session: EditorSession;
  let catalog: TemplateCatalog;

  beforeAll(async () => {
    session = await startEditorSession({ name: 'editor-templates', extraNodes: [], viewport: { width: 1600, height: 1000 } });
    acceptDialogs(session.page);
    catalog = await session.api.get<TemplateCatalog>('/api/templates');
  }, 240_000);

  afterAll(async () => {
    await session?.dispose();
  });

  beforeEach(async () => {
    await session.open();
    await session.page.evaluate(() => localStorage.clear());
    await session.open();
    await session.page.getByTestId('palette-item-text.template').waitFor({ state: 'visible' });
    await waitForNodeCount(session.page, 0);
    session.clearProblems();
  });

  it('shows the gallery on the empty editor: every shipped graph and example episode with its description', async () => {
    const { page } = session;
    const gallery = page.getByTestId('templates');
    await gallery.waitFor({ state: 'visible' });
    expect(catalog.graphs.map((graph) => graph.name)).toEqual(expect.arrayContaining(['episode', 'shorts']));
    expect(catalog.episodes.length).toBeGreaterThan(0);
    for (const graph of catalog.graphs) {
      const card = page.getByTestId(`template-graph-${graph.name}`);
      await card.waitFor({ state: 'visible' });
      const text = (await card.textContent()) ?? '';
      expect(text).toContain(graph.title);
      expect(text).toContain(`${graph.nodeCount} nodes`);
      if (graph.kind === 'variant') expect(text).toContain('variant of');
    }
    for (const episode of catalog.episodes) {
      await expect(page.getByTestId(`template-episode-${episode.name}`).textContent()).resolves.toContain(episode.title);
    }
    await session.screenshot('1-gallery');
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('opens the episode graph in one click: stored, in the URL, fitted to the view', async () => {
    const { page } = session;
    await page.getByTestId('template-graph-episode').click();
    await page.getByTestId('templates').waitFor({ state: 'detached' });
    await waitUntil(async () => /^episode[\w-]* · v1$/.test(await meta(page)), 'the episode graph to open');
    const id = (await meta(page)).split(' · ')[0]!;
    await waitUntil(async () => (await page.evaluate(() => window.location.hash)) === `#/graphs/${id}`, 'the URL to name it');
    const ids = episodeGraph.nodes.map((node) => node.id);
    for (const nodeId of ids) await flowNode(page, nodeId).waitFor({ state: 'attached' });
    await waitUntil(() => allInView(page, ids), 'every card of the episode graph to be in view (fitted)');
    await session.screenshot('2-episode-fitted');
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('opens an example episode in one click: its graph, and its text in the Run panel', async () => {
    const { page } = session;
    const example = catalog.episodes.find((episode) => episode.graph === 'episode') ?? catalog.episodes[0]!;
    const text = await session.api.get<{ text: string }>(`/api/templates/episodes/${example.name}`);
    await page.getByTestId(`template-episode-${example.name}`).click();
    await waitUntil(async () => new RegExp(`^${example.graph}[\\w-]* · v\\d+$`).test(await meta(page)), `the ${example.graph} graph to open`);
    await page.getByTestId('run-panel').waitFor({ state: 'visible' });
    const input = page.getByTestId('run-input-episode');
    await input.waitFor({ state: 'visible' });
    await waitUntil(async () => (await input.inputValue()) === text.text, 'the Run panel to hold the episode text');
    await session.screenshot('3-example-episode');
    // On a laptop-wide window the top bar (name, profile picker, every button) fits: the page never
    // grows wider than the window, which pushed the Run panel's right edge and the Run button off screen.
    await page.setViewportSize({ width: 1280, height: 800 });
    try {
      await page.getByTestId('graph-profile').waitFor({ state: 'visible' });
      const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, window: window.innerWidth }));
      expect(widths.page).toBeLessThanOrEqual(widths.window);
      for (const testId of ['toolbar-run', 'toolbar-help', 'run-start', 'run-input-episode']) {
        const box = await page.getByTestId(testId).boundingBox();
        expect(box, testId).not.toBeNull();
        expect(box!.x + box!.width, `${testId}'s right edge`).toBeLessThanOrEqual(widths.window);
      }
      // …and the graph's name keeps enough room to be read.
      expect((await page.getByTestId('graph-name').boundingBox())!.width).toBeGreaterThanOrEqual(80);
      await session.screenshot('3b-example-episode-1280');
    } finally {
      await page.setViewportSize({ width: 1600, height: 1000 });
    }
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('opens from the toolbar and asks before replacing unsaved work', async () => {
    const { page } = session;
    const added = await dragPaletteItemToCanvas(page, 'text.template', { x: 300, y: 300 });
    await page.getByTestId('templates').waitFor({ state: 'detached' });
    await page.getByTestId('toolbar-templates').click();
    await page.getByTestId('templates').waitFor({ state: 'visible' });
    await page.getByTestId('template-graph-episode').click();
    await page.getByTestId('confirm-dialog').waitFor({ state: 'visible' });
    await page.getByTestId('confirm-cancel').click();
    await expect(page.getByTestId('graph-meta').textContent()).resolves.toBe('not saved yet');
    await flowNode(page, added).waitFor({ state: 'attached' });
    await page.getByTestId('template-graph-episode').click();
    await page.getByTestId('confirm-ok').click();
    await waitUntil(async () => /^episode[\w-]* · v1$/.test(await meta(page)), 'the episode graph to open');
    await page.getByTestId('templates').waitFor({ state: 'detached' });
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('lets a palette drag through to the canvas under the gallery', async () => {
    const { page } = session;
    await page.getByTestId('templates').waitFor({ state: 'visible' });
    const pane = await canvasBox(page);
    // The middle of the canvas, where the gallery is.
    const id = await dragPaletteItemToCanvas(page, 'text.template', { x: pane.width / 2, y: pane.height / 2 });
    await page.getByTestId('templates').waitFor({ state: 'detached' });
    // It landed where it was dropped: the card's centre is near the middle of the canvas.
    const card = await flowNode(page, id).boundingBox();
    expect(card).not.toBeNull();
    expect(Math.abs(card!.x + card!.width / 2 - (pane.x + pane.width / 2))).toBeLessThan(card!.width);
    expect(Math.abs(card!.y + card!.height / 2 - (pane.y + pane.height / 2))).toBeLessThan(card!.height * 2);
    expect(session.unexpectedProblems()).toEqual([]);
  });
});
