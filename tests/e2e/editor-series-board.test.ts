/**
 * The season status board in real Chromium against a real server (issue 20,
 * item 3): a series of two episodes on the stored graphs/script.json is
 * opened from the start page's Series section; "Render season" renders both
 * (the rows go to "rendered" as the board polls); "Download season" is a
 * signed link answering a zip; an episode row opened by keyboard shows its
 * run (linking into the editor) and its script; the board's address
 * (#/series/<id>) opens it directly, and Escape and Back leave and reopen it. Screenshots:
 * test-artifacts/e2e/editor-series-board/.
 *
 * Test ids: `start-series`, `series-open-<id>`, `series-dialog`,
 * `series-board`, `series-render-season|selected|failed`, `series-download`,
 * `series-episode-<n>` (data-status), `series-status-<n>`,
 * `series-episode-detail`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyGraphDocument } from '../../runtime/contract/index.js';
import { acceptDialogs, repoRoot, requireChromium, startEditorSession, waitUntil, type EditorSession } from '../fixtures/browser.js';

const chromium = requireChromium('the editor series board test');

describe.skipIf(!chromium)('the season status board (Chromium)', () => {
  let session: EditorSession;

  beforeAll(async () => {
    session = await startEditorSession({ name: 'editor-series-board', viewport: { width: 1500, height: 950 } });
    acceptDialogs(session.page);
    const document = JSON.parse(await readFile(join(repoRoot, 'graphs/script.json'), 'utf8')) as AnyGraphDocument;
    expect((await session.api.createGraph(document)).id).toBe('script');
    await session.api.post('/api/series', { id: 'season', name: 'The Season', graphId: 'script' });
    await session.api.post('/api/series/season/episodes', {
      episodes: [{ text: '# Boot Sequence\n\n## Open\n\n**ADA:** Power is out.\n' }, { text: '# Cold Boot\n\n## Open\n\n**ADA:** Lights.\n' }],
    });
  }, 180_000);

  afterAll(async () => {
    await session?.dispose();
  });

  it('renders the season from the board, shows both episodes rendered, downloads the archive and opens an episode', async () => {
    const { page } = session;
    await session.open();
    await page.getByTestId('series-open-season').click();
    const board = page.getByTestId('series-board');
    await board.waitFor({ state: 'visible' });
    // The board is in the address, so a reload or a shared link reopens it.
    expect(new URL(page.url()).hash).toBe('#/series/season');
    expect(await page.getByTestId('series-status-1').innerText()).toBe('draft');
    expect(await page.getByTestId('series-download').evaluate((element) => element.tagName)).toBe('BUTTON');

    await page.getByTestId('series-render-season').click();
    await waitUntil(
      async () => (await page.getByTestId('series-status-1').innerText()) === 'rendered' && (await page.getByTestId('series-status-2').innerText()) === 'rendered',
      'both episodes to be rendered on the board',
      60_000,
    );
    expect(await page.getByTestId('series-render-season').isEnabled()).toBe(true);
    await session.screenshot('rendered');

    const download = page.getByTestId('series-download');
    await waitUntil(async () => (await download.evaluate((element) => element.tagName)) === 'A', 'the download link', 15_000);
    const href = await download.getAttribute('href');
    expect(href).toMatch(/\/media\/series\/season\/package\/season\.zip\?exp=\d+&sig=/);
    // Fetched as the link would be: from the page, without the token.
    const answer = await page.evaluate(async (url) => {
      const res = await fetch(url, { credentials: 'omit' });
      const bytes = new Uint8Array(await res.arrayBuffer());
      return { status: res.status, type: res.headers.get('content-type'), magic: String.fromCharCode(bytes[0] ?? 0, bytes[1] ?? 0), size: bytes.length };
    }, href as string);
    expect(answer).toMatchObject({ status: 200, type: 'application/zip', magic: 'PK' });
    expect(answer.size).toBeGreaterThan(100);

    await page.getByTestId('series-episode-2').focus();
    await page.keyboard.press('Enter');
    const detail = page.getByTestId('series-episode-detail');
    await detail.waitFor({ state: 'visible' });
    const runs = await session.api.get<{ runs: Array<{ runId: string }> }>('/api/series/season/episodes/2');
    expect(await detail.locator('a').first().getAttribute('href')).toBe(`#/graphs/script/runs/${runs.runs[0]!.runId}`);
    expect(await detail.locator('pre').innerText()).toContain('# Cold Boot');
    await session.screenshot('episode');
    expect(session.unexpectedProblems()).toEqual([]);
  }, 180_000);

  it("opens a season's board from its address, closes it back to the editor, and Back reopens it", async () => {
    const { page } = session;
    await session.open('/#/series/season');
    await page.getByTestId('series-board').waitFor({ state: 'visible' });
    await waitUntil(async () => (await page.getByTestId('series-status-2').innerText()) === 'rendered', 'the board read from the server', 15_000);
    expect(await page.getByTestId('series-dialog').getByRole('heading').innerText()).toContain('The Season');

    await page.keyboard.press('Escape');
    await page.getByTestId('series-dialog').waitFor({ state: 'detached' });
    expect(new URL(page.url()).hash).toBe('');
    await page.goBack();
    await page.getByTestId('series-board').waitFor({ state: 'visible' });
    expect(new URL(page.url()).hash).toBe('#/series/season');

    // The list has its own address; a series opened from it is the board's again.
    await page.getByTestId('series-back').click();
    // The start page behind the dialog lists the series too: the dialog's list is the one meant.
    const inDialog = page.getByTestId('series-dialog').getByTestId('series-open-season');
    await inDialog.waitFor({ state: 'visible' });
    expect(new URL(page.url()).hash).toBe('#/series');
    await inDialog.click();
    await page.getByTestId('series-board').waitFor({ state: 'visible' });
    expect(new URL(page.url()).hash).toBe('#/series/season');
    expect(session.unexpectedProblems()).toEqual([]);
  }, 60_000);
});
