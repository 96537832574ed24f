/**
 * The canvas a producer can read at a glance, in real Chromium against a
 * real server:
 *
 * - problems on the cards: a broken param and an incompatible edge mark
 *   exactly those cards (`node-problems-<id>`, data-severity error; the edge
 *   is drawn faulty too), a node
 *   whose provider key is stored nowhere gets a missing-credential warning,
 *   fixing the param in the form clears its marker;
 * - a series variant marks the nodes its overrides touch (`node-override-<id>`);
 * - a paste lands beside the original, not on top of it, with an id from the original's;
 * - zoomed out below the detail threshold (a spread-out graph fitted to view)
 *   the cards are drawn simplified, edges still drawn, and a finished run
 *   still colours each card by its status;
 * - the webhook panel fits the right-hand panel (no part sticks out of it).
 *
 * Screenshots: test-artifacts/e2e/editor-canvas/.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import {
  acceptDialogs,
  flowEdge,
  flowNode,
  openRightTab,
  requireChromium,
  selectNode,
  startEditorSession,
  waitForNodeCount,
  waitForNodeStatus,
  waitUntil,
  type EditorSession,
} from '../fixtures/browser.js';
import { graph, node } from '../fixtures/server.js';

const chromium = requireChromium('the editor end-to-end tests');

/**
 * Imported, not stored (the server refuses to store a graph with problems):
 * `title` has a param of the wrong type, `save.file` (File) feeds `again.text`
 * (Text), `narrate` uses ElevenLabs with no key stored or in the environment;
 * `save` and `clean` are fine.
 */
const broken = graph(
  'canvas-broken',
  [
    { ...node('title', 'text.template', { template: 42 }), position: { x: 0, y: 0 } },
    { ...node('save', 'file.write', { filename: 'title.txt' }), position: { x: 380, y: 0 } },
    { ...node('again', 'text.template', { template: 'again: {{text}}' }), position: { x: 760, y: 0 } },
    { ...node('narrate', 'voice.tts', { provider: 'elevenlabs' }), position: { x: 0, y: 320 } },
    { ...node('clean', 'text.template', { template: 'fine' }), position: { x: 380, y: 320 } },
  ],
  [
    { from: 'title.text', to: 'save.content' },
    { from: 'save.file', to: 'again.text' },
    { from: '$input.lines', to: 'narrate.segments' },
  ],
  { name: 'Canvas: broken', inputs: { lines: { type: 'Segment', list: true } } },
);

/** Far apart: fitted to view it is drawn below the detail zoom. Runs offline in a moment. */
const spread = graph(
  'canvas-spread',
  [
    { ...node('greet', 'text.template', { template: 'Hello from afar' }), position: { x: 0, y: 0 }, title: 'Greeting' },
    { ...node('store', 'file.write', { filename: 'far.txt' }), position: { x: 5200, y: 2400 }, title: 'Save far' },
  ],
  [{ from: 'greet.text', to: 'store.content' }],
  { name: 'Canvas: spread', outputs: { file: 'store.file' } },
);

/** A template and a series variant of it that changes one node's param. */
const template = graph(
  'canvas-template',
  [
    { ...node('intro', 'text.template', { template: 'Episode intro' }), position: { x: 0, y: 0 } },
    { ...node('outro', 'text.template', { template: 'Episode outro' }), position: { x: 0, y: 240 } },
  ],
  [],
  { name: 'Canvas: template' },
);
const variant = { format: template.format, schemaVersion: template.schemaVersion, id: 'canvas-variant', name: 'Canvas: variant', extends: 'canvas-template', overrides: { nodes: { intro: { params: { template: 'Shorts intro' } } } } };

interface Marker {
  count: number;
  severity: string;
  codes: string;
  title: string;
}

/** Every problem marker on the canvas, by node id. */
function markers(page: Page): Promise<Record<string, Marker>> {
  return page.locator('[data-testid^="node-problems-"]').evaluateAll((elements) =>
    Object.fromEntries(
      elements.map((element) => [
        element.getAttribute('data-testid')!.slice('node-problems-'.length),
        { count: Number(element.getAttribute('data-count')), severity: element.getAttribute('data-severity') ?? '', codes: element.getAttribute('data-codes') ?? '', title: element.getAttribute('title') ?? '' },
      ]),
    ),
  );
}

async function waitForMarkers(page: Page, check: (found: Record<string, Marker>) => boolean, what: string): Promise<Record<string, Marker>> {
  let found: Record<string, Marker> = {};
  await waitUntil(
    async () => {
      found = await markers(page);
      return check(found);
    },
    `${what} (markers now: ${JSON.stringify(found)})`,
    20_000,
  );
  return found;
}

async function openStoredGraph(page: Page, id: string): Promise<void> {
  await openRightTab(page, 'graph');
  await page.getByTestId(`graph-list-item-${id}`).click();
}

/** The box of a node's card on the screen. */
const cardBox = async (page: Page, id: string) => (await flowNode(page, id).boundingBox())!;

describe.skipIf(!chromium)('editor canvas (Chromium)', () => {
  let session: EditorSession;

  beforeAll(async () => {
    session = await startEditorSession({ name: 'editor-canvas', extraNodes: [], graphs: [spread, template, variant as never], viewport: { width: 1440, height: 900 } });
    acceptDialogs(session.page);
  }, 240_000);

  afterAll(async () => {
    await session?.dispose();
  });

  beforeEach(async () => {
    await session.open();
    await session.page.locator('.react-flow__pane').waitFor({ state: 'visible' });
    await session.page.getByTestId('palette-item-text.template').waitFor({ state: 'visible' });
    session.clearProblems();
  });

  it('marks exactly the cards with problems, warns of a missing key, and clears a marker once the param is fixed', async () => {
    const { page } = session;
    await page.getByTestId('toolbar-import').click();
    await page.getByTestId('import-text').fill(JSON.stringify(broken));
    await page.getByTestId('import-submit').click();
    // The dialog lists the problems; open the graph anyway.
    const open = page.getByTestId('import-open');
    await open.waitFor({ state: 'visible' });
    await open.click();
    await waitForNodeCount(page, broken.nodes.length + 1, { atLeast: true });

    const found = await waitForMarkers(page, (m) => Boolean(m.title && m.again && m.narrate), 'markers on title, again and narrate');
    expect(Object.keys(found).sort()).toEqual(['again', 'narrate', 'title']);
    expect(found.title).toMatchObject({ severity: 'error', codes: 'INVALID_PARAM' });
    expect(found.title!.title).toMatch(/template/);
    expect(found.again).toMatchObject({ severity: 'error', codes: 'INCOMPATIBLE_PORTS' });
    expect(found.again!.title).toMatch(/save\.file → again\.text/);
    expect(found.narrate).toMatchObject({ severity: 'warning', codes: 'MISSING_CREDENTIAL', count: 1 });
    expect(found.narrate!.title).toMatch(/elevenlabs|ElevenLabs/);
    // The incompatible edge itself is drawn as faulty; the good one is not.
    await waitUntil(async () => ((await flowEdge(page, { node: 'save', port: 'file' }, { node: 'again', port: 'text' }).getAttribute('class')) ?? '').includes('rg-edge--problem'), 'the incompatible edge to be marked');
    await expect(flowEdge(page, { node: 'title', port: 'text' }, { node: 'save', port: 'content' }).getAttribute('class')).resolves.not.toMatch(/rg-edge--problem/);
    // The card frames say it too.
    await expect(flowNode(page, 'title').getByTestId('node-title').getAttribute('data-problems')).resolves.toBe('error');
    await expect(flowNode(page, 'clean').getByTestId('node-clean').getAttribute('data-problems')).resolves.toBe('none');
    await session.screenshot('problems');
    // The Graph tab's Validate lists the same, the missing key included (not only the errors).
    await openRightTab(page, 'graph');
    await page.getByTestId('graph-validate').click();
    await waitUntil(async () => ((await page.getByTestId('graph-problems').textContent()) ?? '').includes('narrate'), 'Validate to list the missing key of narrate');

    // Fix the param in the form: the marker goes, the others stay.
    await selectNode(page, 'title');
    await openRightTab(page, 'node');
    const field = page.locator('#root_template');
    await field.waitFor({ state: 'visible' });
    await field.fill('Title: {{text}}');
    const after = await waitForMarkers(page, (m) => !m.title, 'the marker on title to clear');
    expect(Object.keys(after).sort()).toEqual(['again', 'narrate']);
    await session.screenshot('param-fixed');

    // Paste: the copy lands beside the original, not on top of it, with an id from the original's.
    await selectNode(page, 'clean');
    await page.locator('.react-flow__pane').focus().catch(() => {});
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await flowNode(page, 'clean-2').waitFor({ state: 'visible' });
    const original = await cardBox(page, 'clean');
    const copy = await cardBox(page, 'clean-2');
    const overlapX = Math.min(original.x + original.width, copy.x + copy.width) - Math.max(original.x, copy.x);
    const overlapY = Math.min(original.y + original.height, copy.y + copy.height) - Math.max(original.y, copy.y);
    expect(overlapX <= 0 || overlapY <= 0, `the pasted card ${JSON.stringify(copy)} covers its original ${JSON.stringify(original)}`).toBe(true);
    await session.screenshot('pasted');

    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('marks the nodes a series variant overrides', async () => {
    const { page } = session;
    await openStoredGraph(page, 'canvas-variant');
    await flowNode(page, 'intro').waitFor({ state: 'visible' });
    const marker = page.getByTestId('node-override-intro');
    await marker.waitFor({ state: 'visible', timeout: 20_000 });
    await expect(marker.getAttribute('data-paths')).resolves.toBe('params.template');
    await expect(marker.getAttribute('title')).resolves.toMatch(/params\.template/);
    await expect(page.getByTestId('node-override-outro').count()).resolves.toBe(0);
    await session.screenshot('variant');
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('draws simple cards below the detail zoom, with edges and the run status as colour', async () => {
    const { page } = session;
    await openStoredGraph(page, 'canvas-spread');
    await flowNode(page, 'greet').waitFor({ state: 'visible' });
    const canvas = page.getByTestId('canvas');
    await waitUntil(async () => (await canvas.getAttribute('data-detail')) !== 'full', 'the fitted spread-out graph to be drawn simplified');
    // Zoomed until the cards are simple boxes with titles (further out, in overview, they lose the titles).
    const zoomUntil = async (detail: string, control: 'zoomin' | 'zoomout') => {
      for (let i = 0; i < 12 && (await canvas.getAttribute('data-detail')) !== detail; i += 1) await page.locator(`.react-flow__controls-${control}`).click();
      await expect(canvas.getAttribute('data-detail')).resolves.toBe(detail);
    };
    await zoomUntil('simple', 'zoomin');
    const greet = page.getByTestId('node-greet');
    await expect(greet.getAttribute('data-detail')).resolves.toBe('simple');
    // A coloured box with the title: no port rows, no handles, no params summary.
    await expect(greet.locator('.rg-node__title').textContent()).resolves.toBe('Greeting');
    await expect(greet.locator('.rg-port, .react-flow__handle, .rg-node__summary').count()).resolves.toBe(0);
    // The edge (and the dashed one to the graph output) is drawn all the same.
    await expect(page.getByTestId('far-edges').getAttribute('data-count')).resolves.toBe('2');
    await expect(page.locator('[data-testid="far-edges"] path').count()).resolves.toBeGreaterThan(0);

    await openRightTab(page, 'run');
    await page.getByTestId('run-start').click();
    await waitForNodeStatus(page, 'store', ['done']);
    await waitUntil(async () => (await page.getByTestId('node-store').getAttribute('data-run-status')) === 'done', 'the simple card to carry the run status');
    const colours = await page.evaluate(() => {
      const style = (id: string) => getComputedStyle(document.querySelector(`[data-testid="node-${id}"]`)!);
      const ok = getComputedStyle(document.documentElement).getPropertyValue('--rg-ok').trim();
      const probe = document.createElement('div');
      probe.style.color = ok;
      document.body.appendChild(probe);
      const okRgb = getComputedStyle(probe).color;
      probe.remove();
      return { border: style('store').borderLeftColor, background: style('store').backgroundColor, idleBackground: style('greet').backgroundColor, okRgb, detail: document.querySelector('[data-testid="node-store"]')!.getAttribute('data-detail') };
    });
    expect(colours.detail).toBe('simple');
    expect(colours.border).toBe(colours.okRgb);
    expect(colours.background).not.toBe('rgba(0, 0, 0, 0)');
    await session.screenshot('simple-cards-after-run');

    // Further out, in overview, a card is its coloured box alone: no title, markers not drawn, the status colour kept.
    await zoomUntil('overview', 'zoomout');
    await expect(page.getByTestId('node-store').getAttribute('data-detail')).resolves.toBe('overview');
    await expect(page.locator('[data-testid="node-store"] .rg-node__title').count()).resolves.toBe(0);
    await expect(page.getByTestId('status-store').isVisible()).resolves.toBe(false);
    await expect(page.getByTestId('status-store').getAttribute('data-status')).resolves.toBe('done');
    await expect(page.getByTestId('node-store').getAttribute('title')).resolves.toBe('Save far');
    await expect(page.getByTestId('node-store').evaluate((element) => getComputedStyle(element).borderLeftColor)).resolves.toBe(colours.okRgb);
    await expect(page.getByTestId('far-edges').getAttribute('data-count')).resolves.toBe('2');

    // Zoomed in again, the full card is back with its ports and handles, and keeps the status colour.
    for (let i = 0; i < 12 && (await canvas.getAttribute('data-detail')) !== 'full'; i += 1) await page.locator('.react-flow__controls-zoomin').click();
    await expect(canvas.getAttribute('data-detail')).resolves.toBe('full');
    await expect(page.getByTestId('node-greet').getAttribute('data-detail')).resolves.toBe('full');
    expect(await page.locator('[data-testid="node-greet"] .react-flow__handle').count()).toBeGreaterThan(0);
    await expect(page.getByTestId('node-store').getAttribute('data-run-status')).resolves.toBe('done');
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('keeps the webhook panel inside the right-hand panel', async () => {
    const { page } = session;
    await session.api.post('/api/graphs/canvas-template/webhook', { callbackUrl: 'https://cms.example.com/a/long/callback/path/reelgraph-done?token=abcdefghijklmnopqrstuvwxyz0123456789' });
    await openStoredGraph(page, 'canvas-template');
    await flowNode(page, 'intro').waitFor({ state: 'visible' });
    await openRightTab(page, 'graph');
    const section = page.getByTestId('graph-webhook');
    await section.locator('summary').first().click();
    await page.getByTestId('webhook-curl').waitFor({ state: 'visible' });
    await section.scrollIntoViewIfNeeded();
    const layout = await page.evaluate(() => {
      const panel = document.querySelector('[data-testid="graph-panel"]') as HTMLElement;
      const right = panel.getBoundingClientRect().right;
      const outside = [...panel.querySelectorAll('[data-testid="graph-webhook"] *')]
        .filter((element) => element.getBoundingClientRect().right > right + 0.5)
        .map((element) => `${element.tagName.toLowerCase()}.${element.className} (${element.textContent?.slice(0, 40)})`);
      return { scrollWidth: panel.scrollWidth, clientWidth: panel.clientWidth, outside };
    });
    await session.screenshot('webhook');
    expect(layout.outside).toEqual([]);
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.clientWidth);
    expect(session.unexpectedProblems()).toEqual([]);
  });
});
