/**
 * Lock and regenerate single items from the editor in real Chromium against
 * a real server (issue 19 item 3): on a stored voices graph (offline voices),
 * run, lock line 0 in the Run panel's inspector, rewrite that line, regenerate
 * line 1 and start the run from the toast's "Run now". The run record must
 * say line 0 was `locked` (cached, the first run's reading kept although its
 * text changed) and line 1 was executed as take 1; the rows and the card say
 * the same; Undo puts line 1 back at take 0 on the server.
 * Screenshots: test-artifacts/e2e/editor-item-pins/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../runtime/contract/graph.js';
import type { ItemPin } from '../../runtime/contract/item-pins.js';
import type { ItemRunRow, RunDetail } from '../../runtime/contract/records.js';
import { acceptDialogs, flowNode, nextRunRecord, openRightTab, repoRoot, requireChromium, selectNode, shownRunId, startEditorSession, waitForToast, waitUntil, type EditorSession } from '../fixtures/browser.js';

const chromium = requireChromium('the editor end-to-end tests');

/** The shipped voices graph (script → cast → offline voices), stored under its own id. */
const voices: GraphDocument = { ...(JSON.parse(readFileSync(join(repoRoot, 'graphs/voices.json'), 'utf8')) as GraphDocument), id: 'pin-voices' };

const episode = (firstLine: string): string => `# Pins

## The Room

**KAEL:** ${firstLine}

**ARIA:** Only me.
`;

/** The run the page shows, from its address (#/graphs/<id>/runs/<runId>). */

describe.skipIf(!chromium)('item pins from the editor (Chromium)', () => {
  let session: EditorSession;

  beforeAll(async () => {
    session = await startEditorSession({ name: 'editor-item-pins', extraNodes: [], graphs: [voices], viewport: { width: 1600, height: 1000 } });
    acceptDialogs(session.page);
    await session.open(`/#/graphs/${voices.id}`);
    await flowNode(session.page, 'voice').waitFor({ state: 'visible' });
  }, 180_000);

  afterAll(async () => {
    await session?.dispose();
  });

  const nextRun = (previous: string | undefined): Promise<RunDetail> => nextRunRecord(session, previous);

  const voiceItems = (detail: RunDetail): ItemRunRow[] => (detail.items ?? []).filter((row) => row.nodeId === 'voice').sort((a, b) => a.index - b.index);
  const pinOf = (index: number): Promise<ItemPin> => session.api.get<ItemPin>(`/api/graphs/${voices.id}/pins/voice/${index}`);

  it('locks line 0 and regenerates line 1: the next run keeps the one and makes the other again; Undo goes back to take 0', async () => {
    const { page } = session;
    await openRightTab(page, 'run');
    await page.getByTestId('run-input-episode').fill(episode('Is anyone there?'));
    await page.getByTestId('run-start').click();
    const first = await nextRun(undefined);
    expect(first.status).toBe('done');
    const [line0, line1] = voiceItems(first);
    expect(voiceItems(first).map((row) => [row.index, row.status])).toEqual([
      [0, 'done'],
      [1, 'done'],
    ]);

    await selectNode(page, 'voice');
    const inspector = page.locator('[data-testid="inspector"][data-node="voice"]');
    await inspector.waitFor({ state: 'visible' });

    // Lock line 0: the pin keeps the result of the run shown.
    await inspector.getByTestId('pin-lock-0').click();
    await waitUntil(async () => (await inspector.getByTestId('pin-controls-0').getAttribute('data-locked')) === 'yes', 'line 0 to show locked');
    expect(await pinOf(0)).toMatchObject({ locked: true, take: 0, lockedFromRun: first.id });
    await expect(inspector.getByTestId('pin-lock-0').textContent()).resolves.toBe('🔒 Unlock');
    // A locked line cannot be regenerated, and says why.
    await expect(inspector.getByTestId('pin-regenerate-0').isDisabled()).resolves.toBe(true);
    await expect(inspector.getByTestId('pin-controls-0').textContent()).resolves.toContain('unlock it to regenerate');

    // The writer rewrites line 0: the lock must keep its reading anyway.
    await page.getByTestId('run-input-episode').fill(episode('Is anybody out there at all?'));

    // Regenerate line 1: nothing runs until asked; the toast says so and offers "Run now".
    await inspector.getByTestId('pin-regenerate-1').click();
    await waitForToast(page, /Item 1: take 2 will be made by the next run\. Nothing is spent until you run/, ['success']);
    await expect(inspector.getByTestId('pin-take-1').textContent()).resolves.toContain('take 2');
    expect(await pinOf(1)).toMatchObject({ locked: false, take: 1 });
    expect(shownRunId(page.url())).toBe(first.id);
    // The card tells the pins too.
    const badge = flowNode(page, 'voice').getByTestId('node-pins-voice');
    await badge.waitFor({ state: 'visible' });
    await expect(badge.textContent()).resolves.toBe('🔒 1 locked · 1 regenerated');
    await inspector.getByTestId('inspector-item-1').scrollIntoViewIfNeeded();
    await session.screenshot('pinned');

    await page.getByTestId('toast-action-run-now').click();
    const second = await nextRun(first.id);
    expect(second.status).toBe('done');
    expect(second.inputs).toMatchObject({ episode: episode('Is anybody out there at all?') });
    const [kept, remade] = voiceItems(second);
    // Line 0: the locked result, not executed, the first run's reading although its text changed.
    expect(kept).toMatchObject({ index: 0, status: 'cached', locked: true });
    expect(kept?.outputs).toEqual(line0?.outputs);
    expect(kept?.take).toBeUndefined();
    // Line 1: its inputs did not change, yet it was executed again as take 1.
    expect(remade).toMatchObject({ index: 1, status: 'done', take: 1 });
    expect(remade?.locked).toBeUndefined();
    expect(remade?.key).not.toBe(line1?.key);
    expect(second.nodes?.find((row) => row.nodeId === 'voice')?.items).toMatchObject({ total: 2, executed: 1, cached: 1 });

    // The rows show what the record says.
    await waitUntil(async () => (await inspector.getByTestId('inspector-pin-1').count()) > 0, 'the rows of the second run');
    await expect(inspector.getByTestId('inspector-pin-0').textContent()).resolves.toBe('🔒 locked');
    await expect(inspector.getByTestId('inspector-pin-1').textContent()).resolves.toBe('take 2');
    await inspector.getByTestId('inspector-item-1').scrollIntoViewIfNeeded();
    await session.screenshot('second-run');

    // Undo the regenerate: the pin goes back to take 0 on the server; the lock stays.
    const undo = inspector.getByTestId('pin-undo');
    await expect(undo.textContent()).resolves.toBe('Undo regenerate item 1');
    await undo.click();
    await waitUntil(async () => (await pinOf(1)).take === 0, 'the pin of line 1 back at take 0');
    expect(await pinOf(1)).toMatchObject({ locked: false, take: 0 });
    expect(await pinOf(0)).toMatchObject({ locked: true });
    await waitUntil(async () => (await inspector.getByTestId('pin-take-1').count()) === 0, 'the row to drop its take');
    await waitUntil(async () => (await badge.textContent()) === '🔒 1 locked', 'the card to show the lock alone');
    await expect(undo.textContent()).resolves.toBe('Undo lock item 0');
    await session.screenshot('undone');
    expect(session.unexpectedProblems()).toEqual([]);
  }, 180_000);
});
