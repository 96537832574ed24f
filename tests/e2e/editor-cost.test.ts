/**
 * Cost before a run, and budgets, in real Chromium against a real server
 * (issue 19 item 4): a graph whose voices go to ElevenLabs (a local fake that
 * counts what it is sent). The Run panel's estimate names the paid node, its
 * provider, usage and cost, and the total, while the fake receives nothing;
 * a run with a budget that fits two of the three lines fails showing which
 * budget stopped it, its limit and the spend, and the fake received two
 * requests; the estimate then prices only the line not yet paid for. Scenes
 * timed by the voices make the estimate a lower bound, and the panel says
 * which node waits for which. The Graph panel's Settings set the daily
 * budget as one undoable edit.
 * Screenshots: test-artifacts/e2e/editor-cost/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { usd } from '../../runtime/contract/budget.js';
import type { RunDetail } from '../../runtime/contract/records.js';
import { priceOf } from '../../runtime/observability/prices.js';
import { startFakeElevenLabs, type FakeElevenLabs } from '../fixtures/fake-elevenlabs.js';
import { acceptDialogs, flowNode, openRightTab, requireChromium, startEditorSession, waitForRunStatus, waitUntil, type EditorSession } from '../fixtures/browser.js';
import { graph, newSecretKey, node, testEnv } from '../fixtures/server.js';

const chromium = requireChromium('the editor end-to-end tests');

/** Three lines of exactly 200 characters: each costs the same. */
const LINE_CHARS = 200;
const filler = 'The signal is weak tonight and the old tower hums with static while the rain keeps falling on the roof of the block ';
const line = (lead: string): string => `${(lead + filler.repeat(3)).slice(0, LINE_CHARS - 1).trimEnd().padEnd(LINE_CHARS - 1, 'x')}.`;
const LINES = [line('One: '), line('Two: '), line('Three: ')];
const episode = `# Signal\n\n## Roof\n\n${LINES.map((text) => `**ARIA:** ${text}`).join('\n\n')}\n`;
const PRICE = priceOf({ provider: 'elevenlabs', unit: 'characters', model: 'eleven_multilingual_v2' })?.usdPerUnit ?? NaN;
const PER_LINE_USD = LINE_CHARS * PRICE;

describe.skipIf(!chromium)('cost estimate and budgets in the Run panel (Chromium)', () => {
  let fake: FakeElevenLabs;
  let session: EditorSession;

  beforeAll(async () => {
    expect(LINES.every((text) => text.length === LINE_CHARS && !text.includes('  '))).toBe(true);
    fake = await startFakeElevenLabs();
    const voices = graph(
      'paid-voices',
      [
        { ...node('parse', 'script.markdown'), position: { x: 0, y: 0 }, title: 'Script' },
        { ...node('eleven', 'voice.tts', { provider: 'elevenlabs', endpoint: fake.url }), position: { x: 360, y: 0 }, title: 'ElevenLabs voices' },
      ],
      [
        { from: '$input.episode', to: 'parse.markdown' },
        { from: 'parse.speakable', to: 'eleven.segments' },
      ],
      { name: 'Paid voices', inputs: { episode: { type: 'Markdown' } }, outputs: { clips: 'eleven.clips' } },
    );
    // Scenes timed by the voices: they cannot be priced before the voices exist (Runway is never called: nothing runs this graph).
    const timedScenes = graph(
      'timed-scenes',
      [
        { ...node('parse', 'script.markdown'), position: { x: 0, y: 0 }, title: 'Script' },
        { ...node('eleven', 'voice.tts', { provider: 'elevenlabs', endpoint: fake.url }), position: { x: 340, y: 0 }, title: 'ElevenLabs voices' },
        { ...node('pace', 'assembly.pace'), position: { x: 680, y: 0 }, title: 'Pacing' },
        { ...node('prompts', 'scene.prompt'), position: { x: 1020, y: 0 }, title: 'Scene prompts' },
        { ...node('scenes', 'scene.runway', { endpoint: 'http://127.0.0.1:9/', model: 'gen4.5' }), position: { x: 1360, y: 0 }, title: 'Runway scenes' },
      ],
      [
        { from: '$input.episode', to: 'parse.markdown' },
        { from: 'parse.speakable', to: 'eleven.segments' },
        { from: 'parse.script', to: 'pace.script' },
        { from: 'eleven.clips', to: 'pace.audio' },
        { from: 'parse.script', to: 'prompts.script' },
        { from: 'pace.plan', to: 'prompts.plan' },
        { from: 'prompts.prompts', to: 'scenes.prompts' },
      ],
      { name: 'Timed scenes', inputs: { episode: { type: 'Markdown' } }, outputs: { scenes: 'scenes.clips' } },
    );
    session = await startEditorSession({
      name: 'editor-cost',
      extraNodes: [],
      graphs: [voices, timedScenes],
      viewport: { width: 1600, height: 1000 },
      server: { env: testEnv({ REELGRAPH_SECRET_KEY: newSecretKey(), ELEVENLABS_API_KEY: 'sk_test_editor_cost', RUNWAYML_API_SECRET: 'key_test_editor_cost' }) },
    });
    acceptDialogs(session.page);
    await session.open('/#/graphs/paid-voices');
    await flowNode(session.page, 'eleven').waitFor({ state: 'visible' });
  }, 180_000);

  afterAll(async () => {
    await session?.dispose();
    await fake?.close();
  });

  /** Waits until the estimate on screen is an answer (not being asked) of this kind. */
  async function settledEstimate(kind: string): Promise<void> {
    const box = session.page.getByTestId('run-estimate');
    await waitUntil(async () => (await box.getAttribute('data-state')) === kind && (await box.getAttribute('data-busy')) === 'false', `an estimate of kind "${kind}"`, 30_000);
  }

  const text = async (testId: string): Promise<string> => ((await session.page.getByTestId(testId).textContent()) ?? '').trim();

  it('estimates per paid node and in total without calling the provider; a run whose budget fits two of three lines stops at the third, saying why', async () => {
    const { page } = session;
    await openRightTab(page, 'run');
    await page.getByTestId('run-input-episode').fill(episode);
    await page.getByTestId('estimate-start').click();
    await settledEstimate('priced');

    // The node's row: provider, usage, cost, nothing cached yet; the total is the three lines.
    const row = page.getByTestId('estimate-node-eleven');
    await expect(row.getAttribute('data-items')).resolves.toBe('3');
    await expect(row.getAttribute('data-cached-items')).resolves.toBe('0');
    expect(Number(await row.getAttribute('data-cost-usd'))).toBeCloseTo(3 * PER_LINE_USD, 12);
    expect(await text('estimate-provider-eleven')).toBe('elevenlabs');
    expect(await text('estimate-usage-eleven')).toBe(`${3 * LINE_CHARS} characters (eleven_multilingual_v2)`);
    expect(await text('estimate-cost-eleven')).toBe(usd(3 * PER_LINE_USD));
    expect(await text('estimate-cached-eleven')).toBe('0 of 3 items cached (free)');
    expect(Number(await page.getByTestId('estimate-total').getAttribute('data-cost-usd'))).toBeCloseTo(3 * PER_LINE_USD, 12);
    expect(await text('estimate-total')).toBe(usd(3 * PER_LINE_USD));
    expect(await text('estimate-headline')).toBe('3 paid items, none cached');
    // Estimating is free: the provider heard nothing, and no run was recorded.
    expect(fake.requests).toHaveLength(0);
    expect(await session.api.get<unknown[]>('/api/runs')).toEqual([]);

    // A budget that fits two lines and a half: the estimate already says it will not fit.
    const budget = 2.5 * PER_LINE_USD;
    await page.getByTestId('run-budget').fill(String(budget));
    await page.getByTestId('estimate-over-budget').waitFor({ state: 'visible' });
    await session.screenshot('estimate');

    await page.getByTestId('run-start').click();
    expect(await waitForRunStatus(page, ['done', 'failed', 'cancelled'])).toBe('failed');
    const [row0] = await session.api.get<Array<{ id: string }>>('/api/runs');
    const detail = await session.api.get<RunDetail>(`/api/runs/${row0?.id ?? ''}?wait=10000`);
    expect(detail.status).toBe('failed');
    expect(detail.budgetUsd).toBeCloseTo(budget, 12);
    // Two requests went out, the third was never sent.
    expect(fake.requests).toHaveLength(2);
    expect(detail.nodes.find((n) => n.nodeId === 'eleven')?.items).toMatchObject({ total: 3, executed: 2, failed: 1 });

    // The panel says which budget stopped the run, its limit and what was spent.
    const stop = page.getByTestId('run-budget-error');
    await stop.waitFor({ state: 'visible' });
    await expect(stop.getAttribute('data-budget')).resolves.toBe('run budget');
    expect(await text('run-budget-limit')).toBe(usd(budget));
    expect(await text('run-budget-spent')).toBe(usd(2 * PER_LINE_USD));
    expect(await text('run-budget-request')).toContain(`${usd(PER_LINE_USD)} for ${LINE_CHARS} characters of elevenlabs eleven_multilingual_v2`);
    expect(await text('run-budget-request')).toContain('ElevenLabs voices');
    // The run's recorded spend against its budget.
    await waitUntil(async () => (await page.getByTestId('run-spend').count()) > 0, 'the run spend line');
    expect(Number(await page.getByTestId('run-spend').getAttribute('data-spent-usd'))).toBeCloseTo(2 * PER_LINE_USD, 12);
    expect(await text('run-spend')).toBe(`${usd(2 * PER_LINE_USD)} spent of a ${usd(budget)} budget`);

    // What the run paid for is cached now: the estimate prices only the third line.
    await waitUntil(async () => (await page.getByTestId('estimate-node-eleven').getAttribute('data-cached-items')) === '2', 'the estimate to count the two paid lines as cached', 30_000);
    await settledEstimate('priced');
    expect(await text('estimate-cached-eleven')).toBe('2 of 3 items cached (free)');
    expect(Number(await page.getByTestId('estimate-total').getAttribute('data-cost-usd'))).toBeCloseTo(PER_LINE_USD, 12);
    expect(fake.requests).toHaveLength(2);
    await session.screenshot('budget-stop');
    expect(session.unexpectedProblems()).toEqual([]);
  }, 120_000);

  it("sets the graph's daily budget in the Graph panel's Settings, as one undoable edit", async () => {
    const { page } = session;
    await openRightTab(page, 'graph');
    await page.getByTestId('graph-settings').locator('summary').click();
    const field = page.getByTestId('graph-budget-per-day');
    await field.fill('abc');
    await field.press('Enter');
    expect(await text('graph-budget-problem')).toContain('not an amount in US dollars');
    await field.fill('2.5');
    await field.press('Enter');
    await waitUntil(async () => (await text('graph-budget-hint')).startsWith('At most $2.50 per UTC day'), 'the daily budget to be set');
    await page.getByTestId('toolbar-undo').click();
    await waitUntil(async () => (await field.inputValue()) === '', 'undo to clear the daily budget');
    await page.getByTestId('toolbar-redo').click();
    await waitUntil(async () => (await field.inputValue()) === '2.5', 'redo to set it again');
    // Saved, the stored graph carries it (the runtime reads it from there).
    await page.getByTestId('save-confirm').click();
    await waitUntil(async () => (await session.api.get<{ version: number }>('/api/graphs/paid-voices')).version === 2, 'the new version to be stored');
    const stored = await session.api.get<{ doc: { settings?: unknown } }>('/api/graphs/paid-voices');
    expect(stored.doc.settings).toEqual({ budgetUsdPerDay: 2.5 });
    await session.screenshot('daily-budget');
    expect(session.unexpectedProblems()).toEqual([]);
  });

  it('says an estimate is incomplete, and which node waits for which, when scenes are timed by the voices', async () => {
    const { page } = session;
    await session.open('/#/graphs/timed-scenes');
    await flowNode(page, 'scenes').waitFor({ state: 'visible' });
    await openRightTab(page, 'run');
    // Lines no run has voiced: all of them are priced.
    const fresh = [line('Four: '), line('Five: ')];
    await page.getByTestId('run-input-episode').fill(`# Signal\n\n## Roof\n\n${fresh.map((text) => `**ARIA:** ${text}`).join('\n\n')}\n`);
    const requests = fake.requests.length;
    await page.getByTestId('estimate-start').click();
    await settledEstimate('incomplete');

    await expect(page.getByTestId('estimate-total').getAttribute('data-complete')).resolves.toBe('false');
    expect(await text('estimate-total')).toBe(`at least ${usd(2 * PER_LINE_USD)}`);
    expect(await text('estimate-cost-eleven')).toBe(usd(2 * PER_LINE_USD));
    expect(await text('estimate-cost-scenes')).toBe('?');
    expect(await text('estimate-gap-scenes')).toBe('not priced yet: priced once “ElevenLabs voices” has run (its inputs come from it)');
    expect(await text('estimate-headline')).toBe('a lower bound: “Runway scenes” priced once “ElevenLabs voices” has run');
    expect(fake.requests).toHaveLength(requests);
    await session.screenshot('incomplete');
    expect(session.unexpectedProblems()).toEqual([]);
  });
});
