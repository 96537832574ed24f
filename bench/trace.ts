/**
 * `npm run bench -- trace`: where a render's time goes, node by node. The
 * reference episode rendered cold and then after the render bench's one-line
 * edit, through graphs/episode.json offline (as `npm run bench -- render`
 * does), printing when each node and item started and finished, and how busy
 * the machine's cores were every 2 s. The figures to read are the gaps: a
 * node waiting for a slot while cores idle, or one long unit alone at the end.
 *
 * REELGRAPH_BENCH_PROFILE picks another render profile (e.g. preview-720p);
 * REELGRAPH_CONCURRENCY_<CLASS> sets a class's limit, as for the server.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { limitsFromEnv } from '../runtime/engine/pool.js';
import { loadGraphFile } from '../runtime/graph-file.js';
import { machineTicks } from './cpu.js';
import { benchEngine } from './engine.js';
import { editReferenceEpisode } from './render.js';

const repo = resolve(import.meta.dirname, '..');
const SAMPLE_MS = 2_000;
/** Statuses that end a node's or an item's span. */
const settled = new Set<string>(['done', 'cached', 'failed', 'fell-back', 'cancelled', 'skipped']);

export interface Span {
  /** A node id, or `node[item]`. */
  unit: string;
  start: number;
  end?: number;
}

export interface TraceRun {
  label: string;
  status: string;
  seconds: number;
  spans: Span[];
  /** Percent of the machine's CPU time not idle, every 2 s. */
  busy: number[];
}

/** Busy and total clock ticks of the whole machine since boot (Linux); zeros elsewhere. */
function busyTicks(): [busy: number, total: number] {
  const ticks = machineTicks();
  return ticks ? [ticks.total - ticks.idle - ticks.iowait, ticks.total] : [0, 0];
}

export async function benchTrace(): Promise<TraceRun[]> {
  const dir = await mkdtemp(join(tmpdir(), 'reelgraph-bench-trace-'));
  try {
    const { graph } = await loadGraphFile(join(repo, 'graphs/episode.json'));
    const profile = process.env.REELGRAPH_BENCH_PROFILE;
    const doc = profile ? { ...graph, settings: { ...graph.settings, profile } } : graph;
    const episode = await readFile(join(repo, 'examples/episodes/last-terminal-ep01.md'), 'utf8');
    const engine = benchEngine(dir, { offline: true, limits: limitsFromEnv() });
    let started = 0;
    const spans = new Map<string, Span>();
    engine.events.on((event) => {
      if (event.type !== 'node' && event.type !== 'item') return;
      const unit = event.type === 'item' ? `${event.nodeId}[${event.index}]` : event.nodeId;
      const now = (performance.now() - started) / 1000;
      const span = spans.get(unit);
      if (event.status === 'running' && !span) spans.set(unit, { unit, start: now });
      if (span && settled.has(event.status)) span.end = now;
    });
    const run = async (label: string, markdown: string): Promise<TraceRun> => {
      spans.clear();
      const busy: number[] = [];
      let last = busyTicks();
      const sampler = setInterval(() => {
        const now = busyTicks();
        busy.push(Math.round((100 * (now[0] - last[0])) / Math.max(1, now[1] - last[1])));
        last = now;
      }, SAMPLE_MS);
      started = performance.now();
      try {
        const result = await engine.run(doc, { inputs: { episode: markdown }, outDir: join(dir, 'out') });
        return { label, status: result.status, seconds: (performance.now() - started) / 1000, spans: [...spans.values()].sort((a, b) => a.start - b.start), busy };
      } finally {
        clearInterval(sampler);
      }
    };
    return [await run('cold', episode), await run('one-line edit', editReferenceEpisode(episode))];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
