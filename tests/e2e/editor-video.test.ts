/**
 * A video output in real Chromium: a small episode pipeline (offline voice,
 * procedural scenes at 320×180, mix, chunked render, join) stored through the
 * API, opened from the graph list, run from the Run panel with a short
 * markdown episode on the embedded runtime; the final `<video>` loads with
 * the episode's length and plays, the mix's waveform is drawn, and the
 * Inspector shows the join node's video.
 * Screenshots: test-artifacts/e2e/editor-video/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acceptDialogs,
  mediaState,
  nodeStatuses,
  openRightTab,
  playMedia,
  requireChromium,
  selectNode,
  startEditorSession,
  waitForMediaMetadata,
  waitForNodeCount,
  waitForRunStatus,
  waitForWaveform,
  type EditorSession,
} from '../fixtures/browser.js';
import { smallVideoGraph } from '../fixtures/video-graph.js';

const chromium = requireChromium('the editor end-to-end tests');

/** The episode pipeline of graphs/episode.json, cut down: one voice provider, no overlays or packaging, a tiny picture. */
const videoGraph = smallVideoGraph('e2e-video', 'E2E video');

const episode = `# Ping

## The Server Room

*A dark server room.*

**KAEL:** Is anyone there?

**ARIA:** Only me, Kael.
`;

describe.skipIf(!chromium)('editor video output (Chromium)', () => {
  let session: EditorSession;

  beforeAll(async () => {
    session = await startEditorSession({ name: 'editor-video', graphs: [videoGraph], extraNodes: [], viewport: { width: 1600, height: 1000 } });
    acceptDialogs(session.page);
    await session.open();
  }, 180_000);

  afterAll(async () => {
    await session?.dispose();
  });

  it('runs a stored episode graph from the Run panel and plays its final video', async () => {
    const { page } = session;
    await page.locator('.react-flow__pane').waitFor({ state: 'visible' });
    await openRightTab(page, 'graph');
    await page.getByTestId('graph-list-item-e2e-video').click();
    await waitForNodeCount(page, videoGraph.nodes.length, { atLeast: true }); // + the graph input/output cards
    await page.getByTestId('node-join').waitFor({ state: 'visible' });

    await openRightTab(page, 'run');
    const input = page.getByTestId('run-input-episode');
    await input.fill(episode);
    await session.screenshot('2-before-run');
    await page.getByTestId('run-start').click();
    const status = await waitForRunStatus(page, ['done', 'failed', 'cancelled'], 60_000);
    if (status !== 'done') throw new Error(`the run ended ${status}: ${await page.getByTestId('run-panel').textContent()}`);
    const statuses = await nodeStatuses(page);
    expect(Object.keys(statuses).sort()).toEqual(videoGraph.nodes.map((n) => n.id).sort());
    expect(new Set(Object.values(statuses))).toEqual(new Set(['done']));

    // What the server recorded: the video's length is the timeline's.
    const [row] = await session.api.get<Array<{ id: string; status: string; trigger: string }>>('/api/runs?limit=1');
    expect(row).toMatchObject({ status: 'done', trigger: 'editor' });
    await expect(page.getByTestId('run-panel').textContent()).resolves.toContain(`run ${row!.id}`);
    const detail = await session.api.get<{ outputs: { video: { duration: number; width: number; height: number; mime: string }; timeline: { duration: number } } }>(`/api/runs/${row!.id}`);
    const { video, timeline } = detail.outputs;
    expect(video).toMatchObject({ mime: 'video/mp4', width: 320, height: 180 });
    expect(timeline.duration).toBeGreaterThan(1.5);
    expect(Math.abs(video.duration - timeline.duration)).toBeLessThan(0.1);

    // The final video in the Run panel: loads with that length, and plays.
    const player = page.getByTestId('final-video');
    const loaded = await waitForMediaMetadata(player);
    expect(loaded.readyState).toBeGreaterThanOrEqual(1);
    expect(loaded.duration).toBeCloseTo(timeline.duration, 1);
    expect(loaded.src).toMatch(/\/media\/[0-9a-f]+\?/);
    const played = await playMedia(player, 0.5);
    expect(played.currentTime).toBeGreaterThanOrEqual(0.5);
    expect(played.paused).toBe(true);
    expect((await mediaState(player)).error).toBeUndefined();
    // A frame is on screen (the procedural scene): the player has a picture of the video's size.
    await expect(player.evaluate((element) => [(element as HTMLVideoElement).videoWidth, (element as HTMLVideoElement).videoHeight])).resolves.toEqual([320, 180]);
    await player.scrollIntoViewIfNeeded();
    await session.screenshot('2-final-video');

    // The mix, a graph output too, is drawn as a waveform.
    const outputs = page.getByTestId('run-outputs');
    await waitForWaveform(outputs.locator('[data-testid^="waveform-"]').first());

    // The Inspector of the join node shows its video.
    await selectNode(page, 'join');
    const inspector = page.locator('[data-testid="inspector"][data-node="join"]');
    await inspector.waitFor({ state: 'visible' });
    await expect(inspector.getByTestId('inspector-status').getAttribute('data-status')).resolves.toBe('done');
    const inspected = inspector.getByTestId('inspector-values').locator('video').first();
    const inspectedState = await waitForMediaMetadata(inspected);
    expect(inspectedState.duration).toBeCloseTo(timeline.duration, 1);
    await inspector.scrollIntoViewIfNeeded();
    await session.screenshot('2-inspector-join');

    expect(session.unexpectedProblems()).toEqual([]);
  });
});
