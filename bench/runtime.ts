/**
 * Runtime overhead in embedded mode, as ratios against a baseline measured in
 * the same process: calling the same no-op `execute` functions directly.
 *
 * - chain: N no-op nodes in a line (scheduling + events per node)
 * - wide: one mapped node over N items (per-item overhead)
 * - cache hit: the same graphs re-run with every unit cached (lookup cost)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FsArtifactStore } from '../runtime/artifacts/fs-store.js';
import { defineNode, GRAPH_FORMAT, NodeRegistry } from '../runtime/contract/index.js';
import type { GraphDocument, NodeContext, NodeType } from '../runtime/contract/index.js';
import { FsCacheStore } from '../runtime/engine/cache.js';
import { Engine } from '../runtime/engine/engine.js';

const noopParams = { type: 'object', properties: { n: { type: 'integer', default: 0 } } };

/** A node that passes its input through: once per call, or once per item when `mapped`. */
const makeNoop = (mapped: boolean, cacheable: boolean) => {
  const port = mapped ? 'items' : 'value';
  return defineNode({
    type: `bench.${mapped ? 'map-noop' : 'noop'}${cacheable ? '-cached' : ''}`,
    version: 1,
    title: mapped ? 'Map no-op' : 'No-op',
    category: 'test',
    description: 'Passes its input through.',
    inputs: [{ name: port, type: 'Json', list: mapped, optional: !mapped }],
    outputs: [{ name: port, type: 'Json', list: mapped }],
    params: noopParams,
    resource: 'cpu',
    cacheable,
    ...(mapped ? { mapOver: 'items' } : {}),
    execute: async (ctx) => ({ [port]: ctx.inputs[port] ?? ctx.params.n }),
  });
};

const listSource = defineNode<{ count: number }>({
  type: 'bench.list',
  version: 1,
  title: 'List',
  category: 'test',
  description: 'Produces 0..count-1.',
  inputs: [],
  outputs: [{ name: 'items', type: 'Json', list: true }],
  params: { type: 'object', properties: { count: { type: 'integer', default: 10 } } },
  resource: 'cpu',
  cacheable: false,
  execute: async (ctx) => ({ items: Array.from({ length: ctx.params.count }, (_, i) => i) }),
});

const nodes = [makeNoop(false, false), makeNoop(false, true), makeNoop(true, false), makeNoop(true, true), listSource] as NodeType[];

function chain(length: number, type: string): GraphDocument {
  return {
    format: GRAPH_FORMAT,
    schemaVersion: 1,
    name: `chain-${length}`,
    nodes: Array.from({ length }, (_, i) => ({ id: `n${i}`, type, typeVersion: 1, position: { x: i, y: 0 }, params: { n: i } })),
    edges: Array.from({ length: length - 1 }, (_, i) => ({ from: `n${i}.value`, to: `n${i + 1}.value` })),
  };
}

function wide(items: number, type: string): GraphDocument {
  return {
    format: GRAPH_FORMAT,
    schemaVersion: 1,
    name: `wide-${items}`,
    nodes: [
      { id: 'list', type: 'bench.list', typeVersion: 1, position: { x: 0, y: 0 }, params: { count: items } },
      { id: 'map', type, typeVersion: 1, position: { x: 1, y: 0 }, params: {} },
    ],
    edges: [{ from: 'list.items', to: 'map.items' }],
  };
}

/** Median of `repeat` timings after one warm-up. */
async function time(repeat: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const samples: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] as number;
}

/** The same execute calls the engine makes, with nothing around them. */
async function baseline(units: number): Promise<void> {
  const execute = (nodes[0] as NodeType).execute;
  let value: unknown = 0;
  for (let i = 0; i < units; i++) {
    value = (await execute({ inputs: { value }, params: { n: i } } as unknown as NodeContext)).value;
  }
}

export interface RuntimeBenchResult {
  name: string;
  units: number;
  baselineMs: number;
  engineMs: number;
  perUnitUs: number;
  ratio: number;
}

export async function benchRuntime(options: { chainLength?: number; items?: number; repeat?: number } = {}): Promise<RuntimeBenchResult[]> {
  const chainLength = options.chainLength ?? 200;
  const items = options.items ?? 2000;
  const repeat = options.repeat ?? 7;
  const dir = await mkdtemp(join(tmpdir(), 'reelgraph-bench-'));
  const registry = new NodeRegistry(nodes);
  const makeEngine = (): Engine =>
    new Engine({ registry, artifacts: FsArtifactStore.inDataDir(dir), cache: new FsCacheStore(join(dir, 'cache')), dataDir: dir });
  const shared = makeEngine();
  const results: RuntimeBenchResult[] = [];
  /** `fresh`: a new engine (empty in-memory cache) per run, as for each CLI invocation. */
  const record = async (name: string, units: number, graph: GraphDocument, fresh = false): Promise<void> => {
    const baselineMs = await time(repeat, () => baseline(units));
    const engineMs = await time(repeat, () => (fresh ? makeEngine() : shared).run(graph, { outDir: join(dir, 'out') }));
    results.push({ name, units, baselineMs, engineMs, perUnitUs: (engineMs * 1000) / units, ratio: engineMs / baselineMs });
  };
  try {
    await record(`chain of ${chainLength} no-op nodes`, chainLength, chain(chainLength, 'bench.noop'));
    await record(`${items} items through one mapped no-op`, items, wide(items, 'bench.map-noop'));
    // Cached variants: the warm-up run fills the cache, the timed runs are all hits.
    await record(`chain of ${chainLength}, cache hits from disk`, chainLength, chain(chainLength, 'bench.noop-cached'), true);
    await record(`${items} items, cache hits from disk`, items, wide(items, 'bench.map-noop-cached'), true);
    await record(`${items} items, cache hits in memory`, items, wide(items, 'bench.map-noop-cached'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}
