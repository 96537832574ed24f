/**
 * Editor time to interactive on a 500-node graph, in headless Chromium
 * against a real `reelgraph server` serving a production build of the editor
 * (tests/fixtures/browser.ts builds it, once per source state).
 *
 * The graph: 29 copies of graphs/episode.json's pipeline (17 nodes, 35 edges
 * each, parameters as in the real graph) laid out in a grid, plus a 7-node
 * text chain: 500 built-in nodes, stored through the API like a user's graph.
 * Baseline, in the same run and the same browser: the same page opening an
 * empty graph.
 *
 * Per page load, from navigation start (performance.timeOrigin):
 *   opened       the editor shows the graph (its name), or the nodes for it
 *   first node   the first `.react-flow__node` is measured and visible
 *   rendered     every node of the graph is on the canvas and measured (or,
 *                when the editor renders only the nodes in view, the node
 *                count on screen has settled for 5 frames, all measured)
 *   interactive  the end of the last long task before a 1 s long-task-free
 *                window that starts at `rendered` (PerformanceObserver
 *                'longtask', as Lighthouse's TTI but with a shorter window)
 * then a click on a node until React Flow shows it selected, and the JS heap
 * after a forced GC (CDP). Each graph: one warm-up load, then the median of
 * RUNS loads, alternating so drift hits both. Two ways in: the editor's
 * start page and a click on the graph in the graph list, and a page load at
 * the graph's own address (`#/graphs/<id>`, as a reload or a shared link).
 *
 * Panning at the fitted zoom (the view a graph opens in): after each load,
 * a drag across the pane moves the view a few pixels in every animation
 * frame for PAN_FRAMES frames (mouse events dispatched from a
 * requestAnimationFrame loop, so every frame has a pan to draw and an idle
 * frame never flatters the count). Frame time = the gap between consecutive
 * animation frames; reported as p50 / p95 and frames per second over the drag.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { GRAPH_FORMAT, GRAPH_SCHEMA_VERSION, type GraphDocument } from '../runtime/contract/index.js';
import { chromiumPath, editorBundleIncludes, repoRoot, startEditorSession, type EditorSession } from '../tests/fixtures/browser.js';

const RUNS = 5;
const QUIET_MS = 1000;
const NODES = 500;
const STABLE_FRAMES = 5;
const PAN_FRAMES = 120;

export interface EditorLoadMetrics {
  openedMs: number;
  firstNodeMs: number | null;
  renderedMs: number;
  /** Nodes on the canvas at `rendered`: all of them, or those in view when the editor renders only those. */
  nodesRendered: number;
  interactiveMs: number;
  longTasks: number;
  longTaskMs: number;
  clickToSelectedMs: number | null;
  heapMiB: number;
  domNodes: number;
  /** Panning at the fitted zoom (null for an empty graph). */
  pan: PanMetrics | null;
}

export interface PanMetrics {
  /** The zoom the view was fitted to. */
  zoom: number;
  frames: number;
  p50Ms: number;
  p95Ms: number;
  fps: number;
}

export interface EditorGraphResult extends EditorLoadMetrics {
  graph: string;
  nodes: number;
  edges: number;
  runs: EditorLoadMetrics[];
}

export interface EditorBenchResult {
  chromium: string;
  viewport: { width: number; height: number };
  /** How the editor was made to open the stored graph: its graph list, or (the skeleton editor) the "Open graph…" file input. */
  openedVia: 'graph-list' | 'file-input';
  quietWindowMs: number;
  empty: EditorGraphResult;
  large: EditorGraphResult;
  /** The large graph loaded at its address (`#/graphs/<id>`) rather than opened from the list. */
  largeAtAddress: EditorGraphResult;
  /** 500-node TTI ÷ empty TTI. */
  ratio: number;
  /** 500-node heap − empty heap. */
  heapDeltaMiB: number;
  /** Console errors and page errors seen while loading (the skeleton editor answers 401s on /api/nodes). */
  problems: string[];
}

/** A realistic 500-node graph: episode pipelines in a grid, plus a text chain to make the count. */
export async function benchGraph(nodeCount = NODES, id = 'bench-500'): Promise<GraphDocument> {
  const episode = JSON.parse(await readFile(join(repoRoot, 'graphs', 'episode.json'), 'utf8')) as GraphDocument;
  const perPipeline = episode.nodes.length;
  const pipelines = Math.floor(nodeCount / perPipeline);
  const columns = Math.ceil(Math.sqrt(pipelines / 2)); // pipelines are ~4000 wide, ~700 tall: a roughly square grid
  const nodes: GraphDocument['nodes'] = [];
  const edges: GraphDocument['edges'] = [];
  const prefixed = (ref: string, p: string): string => (ref.startsWith('$') ? ref : `${p}_${ref}`);
  for (let i = 0; i < pipelines; i += 1) {
    const p = `e${String(i).padStart(2, '0')}`;
    const dx = (i % columns) * 4200;
    const dy = Math.floor(i / columns) * 800;
    for (const node of episode.nodes) {
      const at = node.position ?? { x: 0, y: 0 };
      nodes.push({ ...node, id: `${p}_${node.id}`, position: { x: at.x + dx, y: at.y + 120 + dy } });
    }
    for (const edge of episode.edges) edges.push({ ...edge, from: prefixed(edge.from, p), to: prefixed(edge.to, p) });
  }
  // The rest: a text chain under the grid.
  const chain: Array<[string, string, Record<string, unknown>]> = [
    ['title', 'text.template', { template: 'Episode {{text}}' }],
    ['words', 'text.split', { by: 'separator', separator: ' ' }],
    ['each', 'text.format-each', { template: '#{{item}}' }],
    ['tags', 'text.join', { separator: ' ' }],
    ['card', 'text.template', { template: '{{text}}' }],
    ['meta', 'json.stringify', { indent: 2 }],
    ['save', 'file.write', { filename: 'meta.json' }],
  ];
  const ports: Record<string, [string, string]> = {
    'text.template': ['text', 'text'],
    'text.split': ['text', 'items'],
    'text.format-each': ['items', 'items'],
    'text.join': ['items', 'text'],
    'json.stringify': ['value', 'text'],
    'file.write': ['content', 'file'],
  };
  const rows = Math.ceil(pipelines / columns);
  for (let i = 0; nodes.length < nodeCount; i += 1) {
    const [name, type, params] = chain[i % chain.length]!;
    const nodeId = `t${Math.floor(i / chain.length)}_${name}`;
    nodes.push({ id: nodeId, type, typeVersion: 1, position: { x: i * 320, y: rows * 800 + 200 }, params });
    const previous = nodes.at(-2);
    if (i % chain.length > 0 && previous) edges.push({ from: `${previous.id}.${ports[previous.type]![1]}`, to: `${nodeId}.${ports[type]![0]}` });
  }
  return {
    format: GRAPH_FORMAT,
    schemaVersion: GRAPH_SCHEMA_VERSION,
    id,
    name: `Bench: ${nodes.length} nodes`,
    inputs: episode.inputs ?? {},
    outputs: { video: 'e00_join.video' },
    nodes,
    edges,
  };
}

const emptyGraph = (): GraphDocument => ({ format: GRAPH_FORMAT, schemaVersion: GRAPH_SCHEMA_VERSION, id: 'bench-empty', name: 'Bench: empty', nodes: [], edges: [] });

/** Installed before any page script: buffers long tasks from navigation start. */
const longTaskObserver = `
  window.__rgLongTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.__rgLongTasks.push({ start: entry.startTime, end: entry.startTime + entry.duration });
  }).observe({ type: 'longtask', buffered: true });
`;

type LongTask = { start: number; end: number };

async function openGraph(session: EditorSession, page: Page, doc: GraphDocument, via: EditorBenchResult['openedVia']): Promise<void> {
  if (via === 'graph-list') {
    const item = page.getByTestId(`graph-list-item-${doc.id}`);
    if (!(await item.isVisible())) {
      const tab = page.getByTestId('tab-graph');
      if (await tab.isVisible().catch(() => false)) await tab.click();
    }
    await item.click();
    return;
  }
  const stored = await session.api.get<{ doc: GraphDocument }>(`/api/graphs/${doc.id}`);
  await page.locator('input[type="file"]').first().setInputFiles({ name: `${doc.id}.json`, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(stored.doc)) });
}

async function measureLoad(session: EditorSession, doc: GraphDocument, via: EditorBenchResult['openedVia'], atAddress = false): Promise<EditorLoadMetrics> {
  const page = await session.context.newPage();
  try {
    const url = new URL('/', session.url);
    url.searchParams.set('token', session.token);
    if (atAddress) url.hash = `#/graphs/${encodeURIComponent(doc.id ?? '')}`;
    await page.goto(url.toString(), { waitUntil: 'domcontentloaded' });
    await page.locator('.react-flow__pane').waitFor({ state: 'visible', timeout: 30_000 });
    if (!atAddress) {
      if (via === 'graph-list') await page.getByTestId(`graph-list-item-${doc.id}`).or(page.getByTestId('tab-graph')).first().waitFor({ timeout: 30_000 });
      await openGraph(session, page, doc, via);
    }

    const expected = doc.nodes.length;
    // Polled every animation frame: frame resolution is what a user sees anyway. The editor may
    // render only the nodes in view (React Flow's onlyRenderVisibleElements): then "rendered" is
    // the first of STABLE_FRAMES frames in which the same number of nodes is on the canvas, all measured.
    const marks = await waitForValue<{ opened: number; first: number | null; rendered: number; nodesRendered: number }>(
      page.waitForFunction(
        ({ name, expected, stableFrames }) => {
          const w = window as unknown as { __rgFirst?: number; __rgOpened?: number; __rgStable?: { count: number; since: number; frames: number } };
          const now = performance.now();
          const all = [...document.querySelectorAll<HTMLElement>('.react-flow__node')];
          const shown = all.filter((element) => element.offsetWidth > 0 && getComputedStyle(element).visibility !== 'hidden');
          if (w.__rgFirst === undefined && shown.length > 0) w.__rgFirst = now;
          const named = [...document.querySelectorAll('[data-testid="graph-name"], .rg-topbar__name')].some((element) =>
            (element instanceof HTMLInputElement ? element.value : element.textContent)?.includes(name),
          );
          if (w.__rgOpened === undefined && (named || shown.length > 0)) w.__rgOpened = now;
          if (w.__rgOpened === undefined) return false;
          if (expected === 0) return { opened: w.__rgOpened, first: null, rendered: w.__rgOpened, nodesRendered: 0 };
          if (shown.length >= expected) return { opened: w.__rgOpened, first: w.__rgFirst ?? now, rendered: now, nodesRendered: shown.length };
          const settled = shown.length > 0 && shown.length === all.length;
          const stable = w.__rgStable;
          if (!settled) w.__rgStable = undefined;
          else if (!stable || stable.count !== shown.length) w.__rgStable = { count: shown.length, since: now, frames: 1 };
          else if (++stable.frames >= stableFrames) return { opened: w.__rgOpened, first: w.__rgFirst ?? stable.since, rendered: stable.since, nodesRendered: shown.length };
          return false;
        },
        { name: doc.name ?? doc.id ?? '', expected, stableFrames: STABLE_FRAMES },
        { polling: 'raf', timeout: 120_000 },
      ),
    );

    // Interactive: a long-task-free window of QUIET_MS after everything rendered.
    const interactive = await waitForValue<{ at: number; tasks: number; ms: number }>(
      page.waitForFunction(
        ({ from, quiet }) => {
          const tasks = (window as unknown as { __rgLongTasks: LongTask[] }).__rgLongTasks;
          const last = tasks.reduce((end, task) => (task.end > from ? Math.max(end, task.end) : end), from);
          return performance.now() - last >= quiet ? { at: last, tasks: tasks.length, ms: tasks.reduce((sum, task) => sum + task.end - task.start, 0) } : false;
        },
        { from: marks.rendered, quiet: QUIET_MS },
        { polling: 100, timeout: 120_000 },
      ),
    );

    // A click on the node nearest the canvas centre, until React Flow shows it selected.
    let clickToSelectedMs: number | null = null;
    if (expected > 0) {
      const target = await page.evaluate(() => {
        const pane = document.querySelector('.react-flow__pane')!.getBoundingClientRect();
        const cx = pane.left + pane.width / 2;
        const cy = pane.top + pane.height / 2;
        let best: { id: string; x: number; y: number; d: number } | undefined;
        for (const element of document.querySelectorAll<HTMLElement>('.react-flow__node')) {
          const box = element.getBoundingClientRect();
          if (box.width < 4 || box.height < 4 || box.left < pane.left || box.right > pane.right || box.top < pane.top || box.bottom > pane.bottom) continue;
          const x = box.left + box.width / 2;
          const y = box.top + Math.min(box.height / 2, 10); // the header: no handle there
          const d = Math.hypot(x - cx, y - cy);
          if (!best || d < best.d) best = { id: element.dataset.id ?? '', x, y, d };
        }
        return best;
      });
      if (target) {
        await page.evaluate(() => {
          (window as unknown as { __rgClick: number }).__rgClick = 0;
          document.addEventListener('pointerdown', () => ((window as unknown as { __rgClick: number }).__rgClick = performance.now()), { capture: true, once: true });
        });
        await page.mouse.click(target.x, target.y);
        clickToSelectedMs = await waitForValue<number>(
          page.waitForFunction(
            (id) => {
              const element = document.querySelector(`.react-flow__node[data-id="${CSS.escape(id)}"]`);
              const clicked = (window as unknown as { __rgClick: number }).__rgClick;
              return element?.classList.contains('selected') && clicked > 0 ? performance.now() - clicked : false;
            },
            target.id,
            { polling: 'raf', timeout: 30_000 },
          ),
        );
      }
    }

    const pan = expected > 0 ? await measurePan(page) : null;

    const cdp = await session.context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
    await cdp.detach();
    const domNodes = await page.evaluate(() => document.getElementsByTagName('*').length);
    return {
      openedMs: marks.opened,
      firstNodeMs: marks.first,
      renderedMs: marks.rendered,
      nodesRendered: marks.nodesRendered,
      interactiveMs: Math.max(interactive.at, marks.rendered),
      longTasks: interactive.tasks,
      longTaskMs: interactive.ms,
      clickToSelectedMs,
      heapMiB: heap.usedSize / 2 ** 20,
      domNodes,
      pan,
    };
  } finally {
    await page.close();
  }
}

/**
 * A drag across the empty pane at the fitted zoom: d3-zoom (React Flow's
 * panning) reads plain mouse events, so the page dispatches one mousemove
 * per animation frame itself and records the frame times.
 */
async function measurePan(page: Page): Promise<PanMetrics> {
  // Fit again (the click above may have scrolled nothing, but be sure of the view measured).
  const fit = page.getByTestId('toolbar-fit');
  if (await fit.isVisible().catch(() => false)) {
    await fit.click();
    await page.waitForTimeout(600);
  }
  // A string, not a function: tsx would wrap the function's inner closures in a helper the page does not have.
  return (await page.evaluate(`(${panScript})(${PAN_FRAMES})`)) as PanMetrics;
}

export const panScript = `async (frames) => {
  const pane = document.querySelector('.react-flow__pane');
  const viewport = document.querySelector('.react-flow__viewport');
  const zoom = new DOMMatrixReadOnly(getComputedStyle(viewport).transform).a;
  const box = pane.getBoundingClientRect();
  const start = { x: box.left + 12, y: box.top + 12 };
  const init = (x, y, buttons) => ({ clientX: x, clientY: y, screenX: x, screenY: y, button: 0, buttons, bubbles: true, cancelable: true, view: window });
  pane.dispatchEvent(new MouseEvent('mousedown', init(start.x, start.y, 1)));
  const stamps = [];
  await new Promise((done) => {
    let i = 0;
    const step = (time) => {
      stamps.push(time);
      i += 1;
      if (i > frames) return done();
      // Back and forth, a few pixels a frame: the view stays over the graph.
      const phase = Math.floor(i / 30) % 2 === 0 ? i % 30 : 30 - (i % 30);
      window.dispatchEvent(new MouseEvent('mousemove', init(start.x + phase * 6, start.y + phase * 4, 1)));
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  window.dispatchEvent(new MouseEvent('mouseup', init(start.x, start.y, 0)));
  const gaps = stamps.slice(1).map((time, index) => time - stamps[index]).sort((a, b) => a - b);
  const pick = (q) => gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))];
  const elapsed = stamps[stamps.length - 1] - stamps[0];
  return { zoom, frames: gaps.length, p50Ms: pick(0.5), p95Ms: pick(0.95), fps: (gaps.length / elapsed) * 1000 };
}`;

/** waitForFunction resolves once its function returns something truthy: that value. */
async function waitForValue<T>(handle: Promise<{ jsonValue(): Promise<unknown> }>): Promise<T> {
  return (await (await handle).jsonValue()) as T;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function summarise(doc: GraphDocument, runs: EditorLoadMetrics[]): EditorGraphResult {
  const m = (pick: (run: EditorLoadMetrics) => number | null): number | null => {
    const values = runs.map(pick).filter((value): value is number => value !== null);
    return values.length > 0 ? median(values) : null;
  };
  return {
    graph: doc.name ?? doc.id ?? '',
    nodes: doc.nodes.length,
    edges: doc.edges.length,
    openedMs: m((run) => run.openedMs)!,
    firstNodeMs: m((run) => run.firstNodeMs),
    renderedMs: m((run) => run.renderedMs)!,
    nodesRendered: m((run) => run.nodesRendered)!,
    interactiveMs: m((run) => run.interactiveMs)!,
    longTasks: m((run) => run.longTasks)!,
    longTaskMs: m((run) => run.longTaskMs)!,
    clickToSelectedMs: m((run) => run.clickToSelectedMs),
    heapMiB: m((run) => run.heapMiB)!,
    domNodes: m((run) => run.domNodes)!,
    pan: runs[0]?.pan
      ? {
          zoom: m((run) => run.pan?.zoom ?? null)!,
          frames: m((run) => run.pan?.frames ?? null)!,
          p50Ms: m((run) => run.pan?.p50Ms ?? null)!,
          p95Ms: m((run) => run.pan?.p95Ms ?? null)!,
          fps: m((run) => run.pan?.fps ?? null)!,
        }
      : null,
    runs,
  };
}

export async function benchEditor(): Promise<EditorBenchResult | undefined> {
  const executable = chromiumPath();
  if (!executable) {
    console.log('editor bench skipped: no Chromium (set REELGRAPH_CHROMIUM or apt-get install chromium)');
    return undefined;
  }
  const viewport = { width: 1440, height: 900 };
  const large = await benchGraph();
  const empty = emptyGraph();
  const session = await startEditorSession({ name: 'bench-editor', extraNodes: [], viewport, graphs: [empty, large] });
  try {
    await session.context.addInitScript({ content: longTaskObserver });
    const via: EditorBenchResult['openedVia'] = (await editorBundleIncludes(session.editorDir, 'graph-list-item-')) ? 'graph-list' : 'file-input';
    const runs: Record<'empty' | 'large' | 'address', EditorLoadMetrics[]> = { empty: [], large: [], address: [] };
    // Loading at an address needs the editor's routes (issue 15): older editors open the empty graph there.
    const routed = await editorBundleIncludes(session.editorDir, '#/graphs/');
    await measureLoad(session, empty, via); // warm-up: caches, JIT
    await measureLoad(session, large, via);
    for (let i = 0; i < RUNS; i += 1) {
      runs.empty.push(await measureLoad(session, empty, via));
      runs.large.push(await measureLoad(session, large, via));
      if (routed) runs.address.push(await measureLoad(session, large, via, true));
    }
    // One more load of the large graph, for a screenshot of what was measured.
    await session.open();
    await openGraph(session, session.page, large, via);
    await session.page.locator('.react-flow__node').first().waitFor({ state: 'visible', timeout: 120_000 });
    await session.page.waitForTimeout(1000); // let it settle: this is only the picture
    await session.screenshot('500-nodes');

    const emptyResult = summarise(empty, runs.empty);
    const largeResult = summarise(large, runs.large);
    const addressResult = summarise(large, runs.address);
    return {
      chromium: session.context.browser()?.version() ?? (await versionOf(session)),
      viewport,
      openedVia: via,
      quietWindowMs: QUIET_MS,
      empty: emptyResult,
      large: largeResult,
      largeAtAddress: addressResult,
      ratio: largeResult.interactiveMs / emptyResult.interactiveMs,
      heapDeltaMiB: largeResult.heapMiB - emptyResult.heapMiB,
      problems: [...new Set(session.problems.map((problem) => `${problem.kind}: ${problem.text}`))],
    };
  } finally {
    await session.dispose();
  }
}

async function versionOf(session: EditorSession): Promise<string> {
  return session.page.evaluate(() => navigator.userAgent.match(/Chrome\/([\d.]+)/)?.[1] ?? navigator.userAgent);
}

