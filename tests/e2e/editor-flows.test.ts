/**
 * Editor flows in real Chromium against a real server (embedded runtime):
 * build a graph from the palette and run it, a refused connection, undo/redo,
 * save and reload. Every drag is a real pointer drag (React Flow and the
 * palette's HTML5 drag and drop need them); nothing waits a fixed time.
 * Screenshots: test-artifacts/e2e/editor-flows/.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../runtime/contract/index.js';
import {
  acceptDialogs,
  clickEmptyCanvas,
  connectHandles,
  dismissToasts,
  dragPaletteItemToCanvas,
  edgeCount,
  flowEdge,
  flowNode,
  nodeIds,
  nodeStatuses,
  openRightTab,
  requireChromium,
  selectNode,
  startEditorSession,
  waitForNodeCount,
  waitForRunStatus,
  waitForToast,
  waitForWaveform,
  waitUntil,
  playWaveformToEnd,
  type EditorSession,
} from '../fixtures/browser.js';

const chromium = requireChromium('the editor end-to-end tests');

/** A short episode: a title, one scene and two dialogue lines (the offline voice speaks both in about a second). */
const episode = `# Ping

## The Server Room

*A dark server room.*

**KAEL:** Is anyone there?

**ARIA:** Only me, Kael.
`;

const sorted = (values: string[]): string[] => [...values].sort();

describe.skipIf(!chromium)('editor flows (Chromium)', () => {
  let session: EditorSession;

  beforeAll(async () => {
    session = await startEditorSession({ name: 'editor-flows', extraNodes: [], viewport: { width: 1600, height: 1000 } });
    // Leaving a page with unsaved changes asks (beforeunload); opening a graph over them confirms.
    acceptDialogs(session.page);
  }, 180_000);

  afterAll(async () => {
    await session?.dispose();
  });

  /** A fresh page with an empty graph, node types loaded. */
  beforeEach(async () => {
    await session.open();
    const { page } = session;
    await page.locator('.react-flow__pane').waitFor({ state: 'visible' });
    await page.getByTestId('palette-item-text.template').waitFor({ state: 'visible' });
    await waitForNodeCount(page, 0);
    session.clearProblems();
  });

  it('builds a graph from the palette, sets a param, runs it and follows it to done', async () => {
    const { page } = session;
    const text = await dragPaletteItemToCanvas(page, 'text.template', { x: 170, y: 320 });
    const script = await dragPaletteItemToCanvas(page, 'script.markdown', { x: 490, y: 320 });
    const cast = await dragPaletteItemToCanvas(page, 'voice.cast', { x: 490, y: 620 });
    const voice = await dragPaletteItemToCanvas(page, 'voice.tts', { x: 820, y: 470 });
    expect([text, script, cast, voice]).toEqual(['text-template', 'script-markdown', 'voice-cast', 'voice-tts']);

    // Wires, each by dragging from an output handle to an input handle.
    const wires = [
      [{ node: text, port: 'text' }, { node: script, port: 'markdown' }],
      [{ node: script, port: 'script' }, { node: cast, port: 'script' }],
      [{ node: script, port: 'speakable' }, { node: voice, port: 'segments' }],
      [{ node: cast, port: 'casting' }, { node: voice, port: 'casting' }],
    ] as const;
    for (const [from, to] of wires) {
      await connectHandles(page, from, to);
      await flowEdge(page, from, to).waitFor({ state: 'attached' });
      await waitForToast(page, new RegExp(`^Connected ${from.node}\\.${from.port} → ${to.node}\\.${to.port}$`), ['info']);
    }
    await expect(edgeCount(page)).resolves.toBe(4);

    // The template param through the generated form (rjsf id root_template).
    await selectNode(page, text);
    await openRightTab(page, 'node');
    const field = page.locator('#root_template');
    await field.waitFor({ state: 'visible' });
    await field.fill(episode);
    await clickEmptyCanvas(page); // blur: the form writes to the store now, not after its debounce
    await waitUntil(async () => ((await flowNode(page, text).locator('.rg-node__summary').textContent()) ?? '').includes('template: # Ping'), 'the card to summarise the new template');
    await session.screenshot('1-built');

    // Run from the Run panel on the embedded runtime, recording every status each node card shows.
    await page.evaluate(() => {
      const seen: Record<string, string[]> = {};
      (window as unknown as { __statuses: typeof seen }).__statuses = seen;
      const note = (element: Element): void => {
        const id = element.getAttribute('data-testid')?.slice('status-'.length);
        const status = element.getAttribute('data-status');
        if (!id || !status) return;
        const list = (seen[id] ??= []);
        if (list[list.length - 1] !== status) list.push(status);
      };
      document.querySelectorAll('[data-testid^="status-"]').forEach(note);
      new MutationObserver((records) => {
        for (const record of records) {
          if (record.target instanceof Element && record.target.matches('[data-testid^="status-"]')) note(record.target);
          record.addedNodes.forEach((added) => {
            if (added instanceof Element) [added, ...added.querySelectorAll('[data-testid^="status-"]')].filter((e) => e.matches('[data-testid^="status-"]')).forEach(note);
          });
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
    });
    await openRightTab(page, 'run');
    await expect(page.getByTestId('run-panel').textContent()).resolves.toContain('This graph declares no inputs.');
    await page.getByTestId('run-start').click();
    const status = await waitForRunStatus(page, ['done', 'failed', 'cancelled'], 60_000);
    if (status !== 'done') throw new Error(`the run ended ${status}: ${await page.getByTestId('run-panel').textContent()}`);
    await expect(nodeStatuses(page)).resolves.toEqual({ [text]: 'done', [script]: 'done', [cast]: 'done', [voice]: 'done' });
    const seen = await page.evaluate(() => (window as unknown as { __statuses: Record<string, string[]> }).__statuses);
    for (const id of [text, script, cast, voice]) {
      expect(seen[id]?.[0], `${id} started idle`).toBe('idle');
      expect(seen[id]?.at(-1), `${id} ended done`).toBe('done');
    }
    // The voice takes about a second: its card shows it running before it is done.
    expect(seen[voice]).toContain('running');
    await expect(page.getByTestId('run-status').textContent()).resolves.toMatch(/done\s*4\/4 nodes/);

    // The Inspector of the script node.
    await selectNode(page, script);
    const inspector = page.getByTestId('inspector');
    await page.locator(`[data-testid="inspector"][data-node="${script}"]`).waitFor({ state: 'visible' });
    await expect(inspector.getByTestId('inspector-status').getAttribute('data-status')).resolves.toBe('done');
    await expect(inspector.locator('h4').textContent()).resolves.toContain('script.markdown');
    // Its values: the parsed script (title, one scene, two speakers) and two speakable lines.
    const values = inspector.getByTestId('inspector-values');
    await values.waitFor({ state: 'visible' });
    const valuesText = (await values.textContent()) ?? '';
    expect(valuesText).toContain('title: "Ping"');
    expect(valuesText).toMatch(/scenes: \[1\]/);
    expect(valuesText).toMatch(/speakable: \[2\]/);
    // Open the cast branch of the tree: both speakers are in it.
    const castTree = values.locator('details.rg-json', { has: page.locator(':scope > summary', { hasText: /^cast: / }) });
    await castTree.locator(':scope > summary').click();
    for (const member of ['0', '1']) await castTree.locator(':scope > .rg-json-children > details.rg-json > summary', { hasText: new RegExp(`^${member}: `) }).click();
    await waitUntil(async () => /KAEL[\s\S]*ARIA|ARIA[\s\S]*KAEL/.test((await values.textContent()) ?? ''), 'KAEL and ARIA in the opened cast');
    await session.screenshot('1-inspector-script');

    // The voice node: one item per dialogue line, both spoken (offline provider, the default); item 0's clip
    // plays in a waveform.
    await selectNode(page, voice);
    await page.locator(`[data-testid="inspector"][data-node="${voice}"]`).waitFor({ state: 'visible' });
    const items = inspector.locator('[data-testid^="inspector-item-"]');
    await waitUntil(async () => (await items.count()) === 2, 'two voice items in the inspector');
    await expect(items.evaluateAll((rows) => rows.map((row) => row.getAttribute('data-status')))).resolves.toEqual(['done', 'done']);
    await expect(values.locator('h5').textContent()).resolves.toBe('Values of item 0');
    await expect(values.textContent()).resolves.toMatch(/clips: .*\.wav \(audio\/wav · [\d.]+ KiB · [\d.]+ s\)/);
    const wave = values.locator('[data-testid^="waveform-"]').first();
    const drawn = await waitForWaveform(wave);
    expect(drawn.canvases).toBeGreaterThan(0);
    await session.screenshot('1-inspector-voice');
    await playWaveformToEnd(wave);
    // The second line's clip is another artifact.
    const first = await wave.getAttribute('data-testid');
    await inspector.getByTestId('inspector-item-1').click();
    await expect(values.locator('h5').textContent()).resolves.toBe('Values of item 1');
    const second = values.locator('[data-testid^="waveform-"]').first();
    await waitUntil(async () => (await second.getAttribute('data-testid')) !== first, 'item 1 to show its own clip');
    await waitForWaveform(second);

    // The run is on record on the server as well.
    const runs = await session.api.get<Array<{ id: string; status: string; trigger: string }>>('/api/runs?limit=5');
    expect(runs[0]).toMatchObject({ status: 'done', trigger: 'editor' });
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('refuses a connection between incompatible ports and says why', async () => {
    const { page } = session;
    const text = await dragPaletteItemToCanvas(page, 'text.template', { x: 560, y: 320 });
    const script = await dragPaletteItemToCanvas(page, 'script.markdown', { x: 190, y: 320 });
    // script.markdown's Script output into text.template's Text input.
    await connectHandles(page, { node: script, port: 'script' }, { node: text, port: 'text' });
    const toast = await waitForToast(page, /Refused/, ['error', 'warning']);
    expect(toast.text).toBe(`Refused: ${script}.script → ${text}.text: Script cannot feed Text`);
    await expect(edgeCount(page)).resolves.toBe(0);
    await session.screenshot('3-refused-type');

    // A list output into a single input is refused too: Segment[] cannot feed the single Text input.
    await dismissToasts(page);
    await connectHandles(page, { node: script, port: 'speakable' }, { node: text, port: 'text' });
    const second = await waitForToast(page, /Refused/, ['error', 'warning']);
    expect(second.text).toMatch(new RegExp(`^Refused: ${script}\\.speakable → ${text}\\.text: Segment\\[\\] cannot feed Text`));
    await expect(edgeCount(page)).resolves.toBe(0);

    // The compatible direction still connects (Text feeds Markdown).
    await dismissToasts(page);
    await connectHandles(page, { node: text, port: 'text' }, { node: script, port: 'markdown' });
    await flowEdge(page, { node: text, port: 'text' }, { node: script, port: 'markdown' }).waitFor({ state: 'attached' });
    await expect(edgeCount(page)).resolves.toBe(1);
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('undoes and redoes a deletion with the keyboard and the toolbar', async () => {
    const { page } = session;
    const undo = page.getByTestId('toolbar-undo');
    const redo = page.getByTestId('toolbar-redo');
    await expect(undo.isDisabled()).resolves.toBe(true);
    const text = await dragPaletteItemToCanvas(page, 'text.template', { x: 170, y: 300 });
    const script = await dragPaletteItemToCanvas(page, 'script.markdown', { x: 500, y: 300 });
    const cast = await dragPaletteItemToCanvas(page, 'voice.cast', { x: 500, y: 580 });
    const edge1 = flowEdge(page, { node: text, port: 'text' }, { node: script, port: 'markdown' });
    const edge2 = flowEdge(page, { node: script, port: 'script' }, { node: cast, port: 'script' });
    await connectHandles(page, { node: text, port: 'text' }, { node: script, port: 'markdown' });
    await edge1.waitFor({ state: 'attached' });
    await connectHandles(page, { node: script, port: 'script' }, { node: cast, port: 'script' });
    await edge2.waitFor({ state: 'attached' });
    const all = sorted([text, script, cast]);
    expect(sorted(await nodeIds(page))).toEqual(all);
    await expect(edgeCount(page)).resolves.toBe(2);
    await session.screenshot('4-before-delete');

    const deleted = async (): Promise<void> => {
      await waitForNodeCount(page, 2);
      expect(sorted(await nodeIds(page))).toEqual(sorted([text, cast]));
      await edge1.waitFor({ state: 'detached' });
      await expect(edgeCount(page)).resolves.toBe(0);
    };
    const restored = async (): Promise<void> => {
      await waitForNodeCount(page, 3);
      expect(sorted(await nodeIds(page))).toEqual(all);
      await edge1.waitFor({ state: 'attached' });
      await edge2.waitFor({ state: 'attached' });
      await expect(edgeCount(page)).resolves.toBe(2);
    };

    // Delete the middle node: both of its edges go with it.
    await selectNode(page, script);
    await page.keyboard.press('Delete');
    await deleted();
    await session.screenshot('4-deleted');

    await page.keyboard.press('Control+z');
    await restored();
    await session.screenshot('4-undone');
    await page.keyboard.press('Control+Shift+z');
    await deleted();

    await undo.click();
    await restored();
    await expect(redo.isEnabled()).resolves.toBe(true);
    await redo.click();
    await deleted();
    await expect(redo.isDisabled()).resolves.toBe(true);

    // Undo all the way back: 2 edges, 3 nodes, in reverse order, then an empty canvas.
    await undo.click();
    await restored();
    await undo.click();
    await waitUntil(async () => (await edgeCount(page)) === 1, 'the second edge to be undone');
    await edge2.waitFor({ state: 'detached' });
    await undo.click();
    await waitUntil(async () => (await edgeCount(page)) === 0, 'the first edge to be undone');
    for (const left of [2, 1, 0]) {
      await undo.click();
      await waitForNodeCount(page, left);
    }
    await expect(undo.isDisabled()).resolves.toBe(true);
    // …and forward again to where it was.
    for (let step = 0; step < 6; step += 1) await redo.click();
    await deleted();
    await expect(redo.isDisabled()).resolves.toBe(true);
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('saves a graph, and after a reload opens it from the graph list as it was', async () => {
    const { page } = session;
    const text = await dragPaletteItemToCanvas(page, 'text.template', { x: 170, y: 320 });
    const script = await dragPaletteItemToCanvas(page, 'script.markdown', { x: 500, y: 320 });
    await connectHandles(page, { node: text, port: 'text' }, { node: script, port: 'markdown' });
    await flowEdge(page, { node: text, port: 'text' }, { node: script, port: 'markdown' }).waitFor({ state: 'attached' });
    await selectNode(page, text);
    await openRightTab(page, 'node');
    await page.locator('#root_template').fill(episode);
    await clickEmptyCanvas(page);
    await waitUntil(async () => ((await flowNode(page, text).locator('.rg-node__summary').textContent()) ?? '').includes('template: # Ping'), 'the card to summarise the new template');

    // Name it in the toolbar.
    await page.getByTestId('graph-name').click();
    await page.getByTestId('graph-name-input').fill('E2E saved graph');
    await page.getByTestId('graph-name-input').press('Enter');
    await expect(page.getByTestId('graph-name').textContent()).resolves.toBe('E2E saved graph');

    // Save from the Graph panel: an id, a message, confirm.
    const id = 'e2e-saved';
    await openRightTab(page, 'graph');
    await page.getByTestId('save-id').fill(id);
    await page.getByTestId('save-message').fill('first version from the e2e test');
    await page.getByTestId('save-confirm').click();
    await page.locator('.rg-graph-ok', { hasText: `Saved ${id} as version 1.` }).waitFor({ state: 'visible' });
    await page.getByTestId(`graph-list-item-${id}`).waitFor({ state: 'visible' });
    await expect(page.getByTestId('graph-meta').textContent()).resolves.toBe(`${id} · v1`);
    await expect(page.getByTestId('dirty-marker').count()).resolves.toBe(0);
    await session.screenshot('5-saved');

    const stored = await session.api.get<{ id: string; version: number; doc: GraphDocument }>(`/api/graphs/${id}`);
    expect(stored.version).toBe(1);
    expect(stored.doc.name).toBe('E2E saved graph');
    expect(stored.doc.nodes.map((node) => [node.id, node.type])).toEqual([
      [text, 'text.template'],
      [script, 'script.markdown'],
    ]);
    expect(stored.doc.edges).toEqual([{ from: `${text}.text`, to: `${script}.markdown` }]);
    expect(stored.doc.nodes[0]!.params.template).toBe(episode);
    const history = await session.api.get<Array<{ version: number; message?: string }>>(`/api/graphs/${id}/versions`);
    expect(history[0]).toMatchObject({ version: 1, message: 'first version from the e2e test' });

    // A reload reopens the graph its URL names (#/graphs/<id>); opening it from the list again shows the same.
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.locator('.react-flow__pane').waitFor({ state: 'visible' });
    await waitForNodeCount(page, 2);
    await openRightTab(page, 'graph');
    await page.getByTestId(`graph-list-item-${id}`).click();
    await waitForNodeCount(page, 2);
    expect(sorted(await nodeIds(page))).toEqual(sorted([text, script]));
    await flowEdge(page, { node: text, port: 'text' }, { node: script, port: 'markdown' }).waitFor({ state: 'attached' });
    await expect(edgeCount(page)).resolves.toBe(1);
    await expect(page.getByTestId('graph-meta').textContent()).resolves.toBe(`${id} · v1`);
    await expect(page.getByTestId('graph-name').textContent()).resolves.toBe('E2E saved graph');
    await expect(page.getByTestId(`graph-list-item-${id}`).textContent()).resolves.toContain('E2E saved graph');
    await selectNode(page, text);
    await openRightTab(page, 'node');
    await expect(page.locator('#root_template').inputValue()).resolves.toBe(episode);
    // Positions survived too (within React Flow's rounding).
    const reopened = await session.api.get<{ doc: GraphDocument }>(`/api/graphs/${id}`);
    expect(reopened.doc).toEqual(stored.doc);
    await session.screenshot('5-reopened');

    // An edit and the toolbar's Save: version 2.
    await page.locator('#root_template').fill(`${episode}\n**KAEL:** Then we wait.\n`);
    await clickEmptyCanvas(page);
    await page.getByTestId('dirty-marker').waitFor({ state: 'visible' });
    await page.getByTestId('toolbar-save').click();
    await waitForToast(page, new RegExp(`^Saved ${id} version 2$`), ['success']);
    await page.getByTestId('dirty-marker').waitFor({ state: 'detached' });
    const second = await session.api.get<{ version: number; doc: GraphDocument }>(`/api/graphs/${id}`);
    expect(second.version).toBe(2);
    expect(second.doc.nodes[0]!.params.template).toContain('Then we wait.');
    expect(session.unexpectedProblems()).toEqual([]);
  });
});
