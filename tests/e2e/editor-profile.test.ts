/**
 * The graph-wide render profile in real Chromium: the shipped episode graph
 * and its 9:16 variant, stored through the API, open with their
 * `settings.profile`, and a picture node's form says what it renders at (the
 * graph's profile, "in use" while the node sets none of its own) instead of
 * the node type's default. Screenshots: test-artifacts/e2e/editor-profile/.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphDocument, GraphVariant } from '../../runtime/contract/index.js';
import { openRightTab, requireChromium, selectNode, startEditorSession, type EditorSession } from '../fixtures/browser.js';

const chromium = requireChromium('the editor render profile tests');
const repo = resolve(import.meta.dirname, '..', '..');
const shipped = async <T>(file: string): Promise<T> => JSON.parse(await readFile(join(repo, 'graphs', file), 'utf8')) as T;

describe.skipIf(!chromium)('graph render profile in the editor (Chromium)', () => {
  let session: EditorSession;

  beforeAll(async () => {
    const episode = await shipped<GraphDocument>('episode.json');
    // Stored, a variant names its template by id.
    const shorts = { ...(await shipped<GraphVariant>('shorts.json')), extends: 'episode' };
    session = await startEditorSession({ name: 'editor-profile', extraNodes: [], viewport: { width: 1600, height: 1000 }, graphs: [episode, shorts] });
    await session.open();
  }, 240_000);

  afterAll(async () => {
    await session?.dispose();
  });

  /** The profile field of the selected node's form: its "default: …" line. */
  async function profileDefault(graphId: string, nodeId: string): Promise<string> {
    const { page } = session;
    await openRightTab(page, 'graph');
    await page.getByTestId(`graph-list-item-${graphId}`).click();
    await page.waitForFunction((id) => document.querySelector('[data-testid="graph-meta"]')?.textContent?.includes(id), graphId);
    await selectNode(page, nodeId);
    await openRightTab(page, 'node');
    const field = page.getByTestId('param-panel').locator('.rg-param-field[data-field="profile"]');
    await field.waitFor({ state: 'visible' });
    await field.scrollIntoViewIfNeeded();
    // The unset select's own text says the same (its empty option is the "default: …" placeholder).
    const placeholder = (await field.locator('select option[value=""]').first().innerText()).trim();
    const meta = (await field.locator('.rg-param-default').innerText()).trim();
    expect(meta).toContain(placeholder);
    return meta;
  }

  it('shows the episode graph’s profile as what an unset node renders at', async () => {
    expect(await profileDefault('episode', 'scenes')).toBe('default: youtube-1080p (in use)');
    await session.screenshot('1-episode-scenes');
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('shows the Short’s overridden profile on the same node', async () => {
    expect(await profileDefault('shorts', 'scenes')).toBe('default: shorts-1080x1920 (in use)');
    const hint = await session.page.getByTestId('param-panel').locator('.rg-param-field[data-field="profile"]').innerText();
    expect(hint).toContain("Unset: the graph's render profile (shorts-1080x1920).");
    await session.screenshot('2-shorts-scenes');
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('switches the whole graph between profiles in one place, the toolbar, as one undo step', async () => {
    const { page } = session;
    await profileDefault('episode', 'scenes');
    const picker = page.getByTestId('graph-profile');
    expect(await picker.inputValue()).toBe('youtube-1080p');
    await picker.selectOption('preview-720p');
    // The open form (scenes) follows at once: it now renders at the preview profile.
    await page.waitForFunction(() => document.querySelector('[data-testid="param-panel"] .rg-param-field[data-field="profile"] .rg-param-default')?.textContent?.includes('preview-720p'));
    await page.getByTestId('toolbar-undo').click();
    expect(await picker.inputValue()).toBe('youtube-1080p');
    await page.getByTestId('toolbar-redo').click();
    expect(await picker.inputValue()).toBe('preview-720p');
    await page.getByTestId('toolbar-save').click();
    await page.waitForFunction(() => !document.querySelector('[data-testid="dirty-marker"]'));
    const stored = await session.api.get<{ doc: GraphDocument }>('/api/graphs/episode');
    expect(stored.doc.settings).toEqual({ profile: 'preview-720p' });
    // Every picture node still sets none of its own: the one setting reaches all of them.
    for (const id of ['terminal', 'scenes', 'timeline']) expect(stored.doc.nodes.find((node) => node.id === id)?.params.profile).toBeUndefined();
    await session.screenshot('3-toolbar-profile');
    expect(session.unexpectedProblems()).toEqual([]);
  });
});
