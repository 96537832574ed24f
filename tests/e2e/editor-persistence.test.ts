/**
 * Nothing a producer typed is lost, in real Chromium against a real server:
 * Import over unsaved changes asks first and is an undo step; every stored
 * graph has a URL that a reload, a shared link and back/forward reopen;
 * unsaved work survives a reload (restore banner); a first save moves the URL
 * to the new id; a series variant (graphs/shorts.json) imports with or
 * without its template file; a stored graph is deleted after a confirmation.
 * Everything waits for DOM state, never for a fixed time.
 * Screenshots: test-artifacts/e2e/editor-persistence/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../runtime/contract/index.js';
import {
  acceptDialogs,
  dragPaletteItemToCanvas,
  flowNode,
  nodeIds,
  openRightTab,
  repoRoot,
  requireChromium,
  startEditorSession,
  waitForNodeCount,
  waitForToast,
  waitUntil,
  type EditorSession,
} from '../fixtures/browser.js';

const chromium = requireChromium('the editor persistence end-to-end tests');

const graphFile = (name: string): string => join(repoRoot, 'graphs', `${name}.json`);
const readGraph = (name: string): GraphDocument => JSON.parse(readFileSync(graphFile(name), 'utf8')) as GraphDocument;
const hello = readGraph('hello');
const lines = readGraph('lines');
const episodeNodes = readGraph('episode').nodes.map((node) => node.id);

const hash = (page: Page): Promise<string> => page.evaluate(() => window.location.hash);
const meta = async (page: Page): Promise<string> => (await page.getByTestId('graph-meta').textContent()) ?? '';
const dirty = async (page: Page): Promise<boolean> => (await page.getByTestId('dirty-marker').count()) > 0;

/** Waits until every node of `ids` has its card on the canvas. */
async function waitForNodes(page: Page, ids: string[]): Promise<void> {
  for (const id of ids) await flowNode(page, id).waitFor({ state: 'attached', timeout: 30_000 });
}

async function waitForMeta(page: Page, text: string): Promise<void> {
  await waitUntil(async () => (await meta(page)) === text, `the toolbar to show "${text}" (it shows "${await meta(page)}")`);
}

async function rename(page: Page, name: string): Promise<void> {
  await page.getByTestId('graph-name').click();
  await page.getByTestId('graph-name-input').fill(name);
  await page.getByTestId('graph-name-input').press('Enter');
  await waitUntil(async () => (await page.getByTestId('graph-name').textContent()) === name, `the graph to be renamed ${name}`);
}

/** Opens the Import dialog and submits `doc` as pasted JSON. */
async function importPasted(page: Page, doc: unknown): Promise<void> {
  await page.getByTestId('toolbar-import').click();
  await page.getByTestId('import-text').fill(JSON.stringify(doc));
  await page.getByTestId('import-submit').click();
}

describe.skipIf(!chromium)('editor: nothing is lost (Chromium)', () => {
  let session: EditorSession;

  beforeAll(async () => {
    session = await startEditorSession({ name: 'editor-persistence', extraNodes: [], graphs: [hello, lines], viewport: { width: 1600, height: 1000 } });
    // Only the browser's own beforeunload prompt (leaving a page with unsaved work) is a native dialog now.
    acceptDialogs(session.page);
  }, 240_000);

  afterAll(async () => {
    await session?.dispose();
  });

  /** A fresh page on the empty editor with nothing kept from an earlier test. */
  beforeEach(async () => {
    await session.open();
    const { page } = session;
    await page.evaluate(() => localStorage.clear());
    await session.open();
    await page.getByTestId('palette-item-text.template').waitFor({ state: 'visible' });
    await waitForNodeCount(page, 0);
    session.clearProblems();
  });

  it('asks before Import replaces unsaved changes; Cancel keeps them, Discard replaces them, Undo brings them back', async () => {
    const { page } = session;
    await openRightTab(page, 'graph');
    await page.getByTestId('graph-list-item-hello').click();
    await waitForNodes(page, hello.nodes.map((node) => node.id));
    await waitForMeta(page, 'hello · v1');
    await rename(page, 'Hello, edited');
    expect(await dirty(page)).toBe(true);

    // Import over the edit: the question comes first, as an accessible modal with the focus on Cancel.
    await importPasted(page, lines);
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor({ state: 'visible' });
    await expect(dialog.getAttribute('role')).resolves.toBe('alertdialog');
    await expect(dialog.getAttribute('aria-modal')).resolves.toBe('true');
    await expect(page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).resolves.toBe('confirm-cancel');
    await expect(dialog.textContent()).resolves.toContain('Hello, edited');
    await session.screenshot('1-confirm-import');

    // Cancel: the edited graph stays, the import dialog stays open.
    await page.getByTestId('confirm-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    await expect(page.getByTestId('graph-name').textContent()).resolves.toBe('Hello, edited');
    expect(await dirty(page)).toBe(true);
    await waitForNodes(page, hello.nodes.map((node) => node.id));
    await page.getByTestId('import-dialog').waitFor({ state: 'visible' });

    // Escape answers no as well.
    await page.getByTestId('import-submit').click();
    await dialog.waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect(page.getByTestId('graph-name').textContent()).resolves.toBe('Hello, edited');

    // Discard: the import replaces it, as an unsaved graph with an empty route.
    await page.getByTestId('import-submit').click();
    await page.getByTestId('confirm-ok').click();
    await page.getByTestId('import-dialog').waitFor({ state: 'detached' });
    await waitForNodes(page, lines.nodes.map((node) => node.id));
    await expect(page.getByTestId('graph-name').textContent()).resolves.toBe(lines.name);
    await waitForMeta(page, 'not saved yet');
    await expect(hash(page)).resolves.toBe('');

    // Undo: the edited stored graph comes back with its id, version, edit and URL.
    await expect(page.getByTestId('toolbar-undo').isDisabled()).resolves.toBe(false);
    await page.getByTestId('toolbar-undo').click();
    await waitForMeta(page, 'hello · v1');
    await expect(page.getByTestId('graph-name').textContent()).resolves.toBe('Hello, edited');
    expect(await dirty(page)).toBe(true);
    await waitForNodes(page, hello.nodes.map((node) => node.id));
    await waitUntil(async () => (await hash(page)) === '#/graphs/hello', 'the URL to name hello again');
    // …and Redo the import again.
    await page.getByTestId('toolbar-redo').click();
    await waitForMeta(page, 'not saved yet');
    await expect(page.getByTestId('graph-name').textContent()).resolves.toBe(lines.name);
    await session.screenshot('1-after-redo');
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('asks before New replaces unsaved changes', async () => {
    const { page } = session;
    await openRightTab(page, 'graph');
    await page.getByTestId('graph-list-item-lines').click();
    await waitForMeta(page, 'lines · v1');
    await rename(page, 'Lines, not yet saved');
    await page.getByTestId('toolbar-new').click();
    await page.getByTestId('confirm-cancel').click();
    await expect(page.getByTestId('graph-name').textContent()).resolves.toBe('Lines, not yet saved');
    await page.getByTestId('toolbar-new').click();
    await page.getByTestId('confirm-ok').click();
    await waitForMeta(page, 'not saved yet');
    await waitForNodeCount(page, 0);
    expect(await dirty(page)).toBe(false);
    await waitUntil(async () => (await hash(page)) === '', 'the URL to be the new graph\'s (empty)');
    // Back returns to the stored graph (its last saved version: the edit was discarded).
    await page.goBack();
    await waitForMeta(page, 'lines · v1');
    await expect(page.getByTestId('graph-name').textContent()).resolves.toBe(lines.name);
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('gives a stored graph its URL: a reload and a shared link reopen it, back and forward move between graphs', async () => {
    const { page } = session;
    await openRightTab(page, 'graph');
    await page.getByTestId('graph-list-item-hello').click();
    await waitForMeta(page, 'hello · v1');
    await expect(hash(page)).resolves.toBe('#/graphs/hello');

    await page.reload({ waitUntil: 'domcontentloaded' });
    await waitForMeta(page, 'hello · v1');
    await waitForNodes(page, hello.nodes.map((node) => node.id));
    await expect(page.getByTestId('graph-name').textContent()).resolves.toBe(hello.name);

    // Another graph, then back and forward.
    await openRightTab(page, 'graph');
    await page.getByTestId('graph-list-item-lines').click();
    await waitForMeta(page, 'lines · v1');
    await expect(hash(page)).resolves.toBe('#/graphs/lines');
    await page.goBack();
    await waitForMeta(page, 'hello · v1');
    await waitForNodes(page, hello.nodes.map((node) => node.id));
    await page.goForward();
    await waitForMeta(page, 'lines · v1');
    await waitForNodes(page, lines.nodes.map((node) => node.id));

    // Back over unsaved changes asks; keeping them keeps the graph and its URL.
    await rename(page, 'Lines, edited');
    await page.goBack();
    await page.getByTestId('confirm-dialog').waitFor({ state: 'visible' });
    await page.getByTestId('confirm-cancel').click();
    await waitUntil(async () => (await hash(page)) === '#/graphs/lines', 'the URL to name lines again');
    await expect(page.getByTestId('graph-name').textContent()).resolves.toBe('Lines, edited');

    // A shared link in a fresh page.
    const other = await session.context.newPage();
    await other.goto(`${session.url}/#/graphs/lines`);
    await other.getByTestId('graph-meta').waitFor({ state: 'visible' });
    await waitForMeta(other, 'lines · v1');
    await waitForNodes(other, lines.nodes.map((node) => node.id));
    await other.close();

    // An unknown id: a toast and the empty editor, not a crash.
    await session.open('/#/graphs/no-such-graph');
    await waitForToast(page, /no stored graph "no-such-graph"/, ['error']);
    await waitForMeta(page, 'not saved yet');
    await waitForNodeCount(page, 0);
    await waitUntil(async () => (await hash(page)) === '', 'the URL to drop the unknown id');
    await session.screenshot('2-unknown-id');
    expect(session.unexpectedProblems([/404/])).toEqual([]);
  });

  it('reopens a run from its URL: the graph, and the run shown in the Run panel', async () => {
    const { page } = session;
    const { runId } = await session.api.post<{ runId: string }>('/api/runs', { graphId: 'hello', inputs: { name: 'URL' } });
    await waitUntil(async () => (await session.api.get<{ status: string }>(`/api/runs/${runId}`)).status === 'done', 'the run to finish', 60_000);
    await session.open(`/#/graphs/hello/runs/${runId}`);
    await waitForMeta(page, 'hello · v1');
    await page.getByTestId('run-panel').waitFor({ state: 'visible' });
    await page.locator('[data-testid="run-status"][data-status="done"]').waitFor({ state: 'visible' });
    await expect(hash(page)).resolves.toBe(`#/graphs/hello/runs/${runId}`);
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('keeps unsaved work over a reload: the banner restores it (Undo returns to the stored version) or discards it', async () => {
    const { page } = session;
    // An unsaved graph.
    const text = await dragPaletteItemToCanvas(page, 'text.template', { x: 300, y: 400 });
    await waitUntil(() => page.evaluate(() => localStorage.getItem('reelgraph.draft.unsaved') !== null), 'the draft to be kept');
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.getByTestId('restore-banner').waitFor({ state: 'visible' });
    await waitForNodeCount(page, 0);
    await session.screenshot('3-restore-banner');
    await page.getByTestId('restore-draft').click();
    await page.getByTestId('restore-banner').waitFor({ state: 'detached' });
    await flowNode(page, text).waitFor({ state: 'attached' });
    expect(await dirty(page)).toBe(true);

    // An edit of a stored graph.
    await openRightTab(page, 'graph');
    await page.getByTestId('graph-list-item-hello').click();
    await page.getByTestId('confirm-ok').click();
    await waitForMeta(page, 'hello · v1');
    await rename(page, 'Hello, kept');
    await waitUntil(() => page.evaluate(() => localStorage.getItem('reelgraph.draft.hello')?.includes('Hello, kept') ?? false), 'the draft of hello to be kept');
    await page.reload({ waitUntil: 'domcontentloaded' });
    await waitForMeta(page, 'hello · v1');
    const banner = page.getByTestId('restore-banner');
    await banner.waitFor({ state: 'visible' });
    await expect(banner.textContent()).resolves.toContain('Hello, kept');
    await expect(page.getByTestId('graph-name').textContent()).resolves.toBe(hello.name);
    await page.getByTestId('restore-draft').click();
    await waitUntil(async () => (await page.getByTestId('graph-name').textContent()) === 'Hello, kept', 'the kept name to come back');
    await waitForMeta(page, 'hello · v1');
    expect(await dirty(page)).toBe(true);
    await page.getByTestId('toolbar-undo').click();
    await waitUntil(async () => (await page.getByTestId('graph-name').textContent()) === hello.name, 'Undo to return to the stored version');
    expect(await dirty(page)).toBe(false);

    // Discard: the banner goes and does not come back.
    await rename(page, 'Hello, thrown away');
    await waitUntil(() => page.evaluate(() => localStorage.getItem('reelgraph.draft.hello')?.includes('thrown away') ?? false), 'the new draft to be kept');
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.getByTestId('restore-banner').waitFor({ state: 'visible' });
    await page.getByTestId('discard-draft').click();
    await page.getByTestId('restore-banner').waitFor({ state: 'detached' });
    await expect(page.evaluate(() => localStorage.getItem('reelgraph.draft.hello'))).resolves.toBeNull();
    await page.reload({ waitUntil: 'domcontentloaded' });
    await waitForMeta(page, 'hello · v1');
    await expect(page.getByTestId('restore-banner').count()).resolves.toBe(0);
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('moves the URL to the new id on a first save, and a reload reopens the saved graph', async () => {
    const { page } = session;
    const text = await dragPaletteItemToCanvas(page, 'text.template', { x: 300, y: 400 });
    await rename(page, 'Saved from the editor');
    await openRightTab(page, 'graph');
    await page.getByTestId('save-id').fill('saved-here');
    await page.getByTestId('save-confirm').click();
    await waitForMeta(page, 'saved-here · v1');
    await waitUntil(async () => (await hash(page)) === '#/graphs/saved-here', 'the URL to name the new graph');
    await expect(page.evaluate(() => localStorage.getItem('reelgraph.draft.unsaved'))).resolves.toBeNull();
    await page.reload({ waitUntil: 'domcontentloaded' });
    await waitForMeta(page, 'saved-here · v1');
    await flowNode(page, text).waitFor({ state: 'attached' });
    await expect(page.getByTestId('restore-banner').count()).resolves.toBe(0);
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('imports graphs/shorts.json, a series variant, with and without graphs/episode.json chosen too', async () => {
    const { page } = session;
    const variantOpens = async (what: string): Promise<string> => {
      await page.getByTestId('import-dialog').waitFor({ state: 'detached' });
      await waitUntil(async () => /^shorts[\w-]* · v1$/.test(await meta(page)), `${what}: the imported variant to open`);
      const id = (await meta(page)).split(' · ')[0]!;
      await waitForNodes(page, episodeNodes);
      await waitUntil(async () => (await hash(page)) === `#/graphs/${id}`, `${what}: the URL to name the imported variant`);
      return id;
    };

    // With its template file: both in one import; the variant extends the stored template.
    await page.getByTestId('toolbar-import').click();
    await page.getByTestId('import-file-input').setInputFiles([graphFile('shorts'), graphFile('episode')]);
    const withTemplate = await variantOpens('with episode.json');
    await session.screenshot('5-shorts-imported');
    const stored = await session.api.get<{ doc: { extends?: string } }>(`/api/graphs/${withTemplate}`);
    expect(stored.doc.extends).toMatch(/^episode/);
    await session.api.get(`/api/graphs/${stored.doc.extends}`);

    // Alone, with nothing stored: the server resolves "./episode.json" to the shipped template.
    await session.api.delete(`/api/graphs/${withTemplate}`);
    await session.api.delete(`/api/graphs/${stored.doc.extends}`);
    await page.getByTestId('toolbar-import').click();
    await page.getByTestId('import-file-input').setInputFiles(graphFile('shorts'));
    const alone = await variantOpens('alone');
    const storedAlone = await session.api.get<{ doc: { extends?: string } }>(`/api/graphs/${alone}`);
    expect(storedAlone.doc.extends).toMatch(/^episode/);
    // The test deleted the open graphs behind the editor's back: a read of theirs still under way (its history,
    // webhook or inputs draft) may be answered 404, which Chromium logs. Anything else still fails the test.
    expect(session.unexpectedProblems([new RegExp(`404.*/api/graphs/(${withTemplate}|${stored.doc.extends})\\b`)])).toEqual([]);
  });

  it('says when a variant\'s template cannot be found and imports it once the template file is chosen', async () => {
    const { page } = session;
    const variant = { format: 'reelgraph/graph', schemaVersion: 1, name: 'Hello, loud', extends: './my-hello.json', overrides: { nodes: {} } };
    const template = { ...hello, name: 'My hello' };
    delete (template as { id?: string }).id;
    await page.getByTestId('toolbar-import').click();
    await page.getByTestId('import-text').fill(JSON.stringify(variant));
    await page.getByTestId('import-submit').click();
    const missing = page.getByTestId('import-missing-template');
    await missing.waitFor({ state: 'visible' });
    await expect(missing.textContent()).resolves.toContain('./my-hello.json');
    await session.screenshot('6-missing-template');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByTestId('import-add-template').click()]);
    await chooser.setFiles({ name: 'my-hello.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(template)) });
    await page.getByTestId('import-dialog').waitFor({ state: 'detached' });
    await waitUntil(async () => (await page.getByTestId('graph-name').textContent()) === 'Hello, loud', 'the variant to open');
    await waitForNodes(page, hello.nodes.map((node) => node.id));
    expect(session.unexpectedProblems([/400/])).toEqual([]);
  });

  it('deletes a stored graph after a confirmation; the list refreshes', async () => {
    const { page } = session;
    await session.api.createGraph({ ...lines, id: 'to-delete', name: 'To delete' } as GraphDocument);
    await openRightTab(page, 'graph');
    const item = page.getByTestId('graph-list-item-to-delete');
    await item.waitFor({ state: 'visible' });

    await page.getByTestId('graph-delete-to-delete').click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor({ state: 'visible' });
    await expect(dialog.textContent()).resolves.toContain('To delete');
    await session.screenshot('7-delete-confirm');
    await page.getByTestId('confirm-cancel').click();
    await dialog.waitFor({ state: 'detached' });
    await expect(item.count()).resolves.toBe(1);

    await page.getByTestId('graph-delete-to-delete').click();
    await page.getByTestId('confirm-ok').click();
    await item.waitFor({ state: 'detached' });
    await expect(session.api.get('/api/graphs/to-delete')).rejects.toThrow(/404/);
    await expect(page.getByTestId('graph-list-item-hello').count()).resolves.toBe(1);
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('says at once that a template a variant extends cannot be deleted, without asking to confirm', async () => {
    const { page } = session;
    await session.api.createGraph({ ...lines, id: 'kept-template', name: 'Kept template' } as GraphDocument);
    await session.api.post('/api/graphs/kept-template/clone', { id: 'kept-variant', name: 'Kept variant' });
    await openRightTab(page, 'graph');
    await page.getByTestId('graph-list-item-kept-variant').waitFor({ state: 'visible' });
    await page.getByTestId('graph-delete-kept-template').click();
    const error = page.getByTestId('graph-delete-error');
    await error.waitFor({ state: 'visible' });
    await expect(error.textContent()).resolves.toMatch(/Could not delete "kept-template": the series variant "kept-variant" extends it; delete it first/);
    await expect(page.getByTestId('confirm-dialog').count()).resolves.toBe(0);
    await expect(page.getByTestId('graph-list-item-kept-template').count()).resolves.toBe(1);
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('keeps the open graph as unsaved work when its stored graph is deleted', async () => {
    const { page } = session;
    await session.api.createGraph({ ...hello, id: 'open-then-deleted', name: 'Open, then deleted' } as GraphDocument);
    await openRightTab(page, 'graph');
    await page.getByTestId('graph-list-item-open-then-deleted').click();
    await waitForMeta(page, 'open-then-deleted · v1');
    await page.getByTestId('graph-delete-open-then-deleted').click();
    await page.getByTestId('confirm-ok').click();
    await page.getByTestId('graph-list-item-open-then-deleted').waitFor({ state: 'detached' });
    await waitForMeta(page, 'not saved yet');
    expect(await dirty(page)).toBe(true);
    await waitUntil(async () => (await hash(page)) === '', 'the URL to drop the deleted id');
    expect(await nodeIds(page)).toEqual(expect.arrayContaining(hello.nodes.map((node) => node.id)));
    // A read the Graph tab started when the graph opened (its webhook, its history) may be answered after the
    // deletion, with a 404 Chromium logs; on a loaded machine it does. Any other problem still fails the test.
    expect(session.unexpectedProblems([/404.*\/api\/graphs\/open-then-deleted\b/])).toEqual([]);
  });
});
