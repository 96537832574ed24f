/**
 * Where the time goes when opening the bench's 500-node graph and panning
 * it at the fitted zoom (a development aid for bench/editor.ts): a Chrome
 * trace of both phases, summed by event name on the renderer's threads.
 *   npx tsx bench/editor-profile.ts
 */
import { benchGraph, panScript } from './editor.js';
import { startEditorSession } from '../tests/fixtures/browser.js';

type TraceEvent = { name: string; ph: string; dur?: number; tid: number; pid: number; args?: { data?: unknown } };

const large = await benchGraph();
const session = await startEditorSession({ name: 'bench-editor-profile', extraNodes: [], viewport: { width: 1440, height: 900 }, graphs: [large] });
try {
  const page = session.page;
  await session.open();
  await page.getByTestId(`graph-list-item-${large.id}`).or(page.getByTestId('tab-graph')).first().waitFor({ timeout: 30_000 });
  const item = page.getByTestId(`graph-list-item-${large.id}`);
  if (!(await item.isVisible())) await page.getByTestId('tab-graph').click();
  const browser = session.context.browser()!;
  for (const phase of ['open', 'pan'] as const) {
    await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink'] });
    const t0 = Date.now();
    const cdp = await session.context.newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
    if (phase === 'open') {
      await item.click();
      await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length >= n, large.nodes.length, { timeout: 60_000 });
      await page.waitForTimeout(1000);
    } else {
      console.log(JSON.stringify(await page.evaluate(`(${panScript})(120)`)));
    }
    {
      const { profile } = (await cdp.send('Profiler.stop')) as { profile: { nodes: Array<{ id: number; parent?: number; children?: number[]; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }>; samples: number[]; timeDeltas: number[] } };
      const byId = new Map(profile.nodes.map((node) => [node.id, node]));
      const parent = new Map<number, number>();
      for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
      const self = new Map<string, number>();
      const total = new Map<string, number>();
      const label = (id: number) => {
        const frame = byId.get(id)!.callFrame;
        return `${frame.functionName || '(anon)'} ${frame.url.split('/').pop()}:${frame.lineNumber}:${frame.columnNumber}`;
      };
      profile.samples.forEach((id, i) => {
        const ms = (profile.timeDeltas[i] ?? 0) / 1000;
        self.set(label(id), (self.get(label(id)) ?? 0) + ms);
        const seen = new Set<string>();
        for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
          const key = label(at);
          if (!seen.has(key)) total.set(key, (total.get(key) ?? 0) + ms);
          seen.add(key);
        }
      });
      console.log('self:');
      for (const [key, ms] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${ms.toFixed(0).padStart(7)} ms  ${key}`);
      console.log('total:');
      for (const [key, ms] of [...total.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`${ms.toFixed(0).padStart(7)} ms  ${key}`);
      await cdp.detach();
    }
    const wall = Date.now() - t0;
    const trace = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] };
    const totals = new Map<string, number>();
    for (const event of trace.traceEvents) {
      if (event.ph !== 'X' || !event.dur) continue;
      totals.set(event.name, (totals.get(event.name) ?? 0) + event.dur / 1000);
    }
    console.log(`--- ${phase}: ${wall} ms wall`);
    for (const [name, ms] of [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, 22)) console.log(`${ms.toFixed(0).padStart(7)} ms  ${name}`);
  }
} finally {
  await session.dispose();
}
