/** `reelgraph estimate`: what a run would bill, per paid node and in total, calling no provider. */
import { Option, type Command } from 'commander';
import { usd } from '../../runtime/contract/index.js';
import type { RunEstimate } from '../../runtime/engine/estimate.js';
import { partialScopeOf } from '../../runtime/runs/launcher.js';
import type { Workspace } from '../../runtime/workspace.js';
import type { CliContext } from '../context.js';
import { loadCliGraph } from '../execute-run.js';
import { Exit, EXIT } from '../exit.js';
import { table } from '../format.js';
import type { Io } from '../io.js';
import { collect, onlyHelp, profileHelp, sceneHelp, sceneNumber, untilHelp } from '../options.js';
import { reportInvalid } from '../report-invalid.js';

interface EstimateCliOptions {
  input: string[];
  json?: boolean;
  cache: boolean;
  profile?: string;
  until?: string;
  only?: string;
  scene?: number;
}

export function registerEstimateCommand(program: Command, cli: CliContext): void {
  program
    .command('estimate')
    .description('what a run would cost: usage and list price per paid node and in total (cached items are free; a fallback counts its first choice); calls no paid provider')
    .argument('<graph>', 'graph file or stored graph id')
    .option('-i, --input <name=value>', 'graph input; name=@file reads a file (repeatable)', collect, [])
    .option('--json', 'print { costUsd, complete, nodes: [{ id, type, provider, usage, costUsd, cachedItems, items }] }')
    .option('--no-cache', 'price every item as if nothing were cached')
    .option('--profile <name>', profileHelp)
    .addOption(new Option('--until <node>', `price ${untilHelp}`).conflicts('only'))
    .addOption(new Option('--only <node>', `price ${onlyHelp}`).conflicts('until'))
    .addOption(new Option('--scene <n>', `price ${sceneHelp}`).argParser(sceneNumber))
    .action(async (graphRef: string, options: EstimateCliOptions) => {
      const workspace = await cli.openWorkspace();
      try {
        await estimateCommand(workspace, graphRef, options, cli.io);
      } finally {
        await workspace.close();
      }
    });
}

async function estimateCommand(workspace: Workspace, graphRef: string, options: EstimateCliOptions, io: Io): Promise<void> {
  let estimate: RunEstimate;
  try {
    const { graph, inputs, sources } = await loadCliGraph(workspace, graphRef, options);
    estimate = await workspace.engine.estimate(graph, { inputs, inputSources: sources, noCache: !options.cache, ...partialScopeOf(options) });
  } catch (error) {
    reportInvalid(error, options.json === true, io);
    throw new Exit(EXIT.invalid);
  }
  io.out(options.json ? `${JSON.stringify(estimate)}\n` : renderEstimate(estimate));
  if (estimate.error !== undefined) throw new Exit(EXIT.runFailed);
}

export function renderEstimate(estimate: RunEstimate): string {
  const rows = table({ head: ['node', 'type', 'provider', 'usage', 'items', 'cached', 'cost'] });
  for (const node of estimate.nodes) {
    const usage = node.usage.map((u) => `${round(u.quantity)} ${u.unit}${u.model ? ` (${u.model})` : ''}`).join(', ');
    const cost = node.unestimated ? `${usd(node.costUsd)} + ?` : usd(node.costUsd);
    rows.push([node.id, node.type, node.provider ?? '', usage, node.items, node.cachedItems, cost]);
  }
  const lines = [rows.toString(), `total ${usd(estimate.costUsd)}${estimate.complete ? '' : ' or more'} at list price${estimate.estimatedPrices ? ' (some prices are estimates: see runtime/observability/prices.ts)' : ''}`];
  for (const node of estimate.nodes) {
    if (node.unestimated) lines.push(`not estimated: ${node.id} (${node.unestimated.items} item${node.unestimated.items === 1 ? '' : 's'}): ${node.unestimated.reason}`);
    for (const u of node.unpriced ?? []) lines.push(`unpriced: ${node.id}: ${round(u.quantity)} ${u.unit} of ${u.provider}${u.model ? ` ${u.model}` : ''} (no price row)`);
  }
  if (estimate.error !== undefined) lines.push(`error: ${estimate.error}`);
  return `${lines.join('\n')}\n`;
}

function round(quantity: number): number {
  return Math.round(quantity * 1000) / 1000;
}
