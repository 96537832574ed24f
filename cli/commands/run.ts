/** `reelgraph run`: run a graph file or stored graph, with progress and a result table (or one JSON summary). */
import { Option, type Command } from 'commander';
import type { RunResult } from '../../runtime/engine/run.js';
import type { Workspace } from '../../runtime/workspace.js';
import type { CliContext } from '../context.js';
import { executeRun, exitUnlessDone, renderRunResult, type RunCliOptions } from '../execute-run.js';
import type { Io } from '../io.js';
import { collect, onlyHelp, profileHelp, sceneHelp, sceneNumber, untilHelp, usdAmount } from '../options.js';

export function registerRunCommand(program: Command, cli: CliContext): void {
  program
    .command('run')
    .description('run a graph (a .json file, or the id of a stored graph)')
    .argument('<graph>', 'graph file or stored graph id')
    .option('-i, --input <name=value>', 'graph input; name=@file reads a file (repeatable)', collect, [])
    .option('-o, --out <dir>', 'output directory for written files', 'out')
    .option('--json', 'print one JSON summary object instead of progress and tables')
    .option('--no-cache', 'execute every node, ignoring cached results (results are still stored; with --only, that node alone)')
    .option('--profile <name>', profileHelp)
    .option('--budget-usd <usd>', "the most this run may spend on paid providers, at list price: a request that would cross it is not sent, and its item fails naming the budget (see 'reelgraph estimate')", (value: string) => usdAmount(value, '--budget-usd'))
    .addOption(new Option('--priority <priority>', 'scheduling priority').choices(['urgent', 'normal', 'batch']).default('normal'))
    .addOption(new Option('--until <node>', untilHelp).conflicts('only'))
    .addOption(new Option('--only <node>', onlyHelp).conflicts('until'))
    .addOption(new Option('--scene <n>', sceneHelp).argParser(sceneNumber))
    .action(async (graphRef: string, options: RunCliOptions) => {
      const workspace = await cli.openWorkspace();
      try {
        await runCommand(workspace, graphRef, options, cli.io);
      } finally {
        await workspace.close();
      }
    });
}

async function runCommand(workspace: Workspace, graphRef: string, options: RunCliOptions, io: Io): Promise<void> {
  const result = await executeRun(workspace, graphRef, options, io);
  if (options.json) io.out(`${JSON.stringify(runSummary(result))}\n`);
  else io.out(renderRunResult(result));
  exitUnlessDone(result);
}

function runSummary(result: RunResult): Record<string, unknown> {
  return {
    runId: result.runId,
    status: result.status,
    durationMs: result.durationMs,
    nodes: result.nodes.map((n) => ({
      id: n.id,
      type: n.type,
      status: n.status,
      cached: n.cached,
      items: n.items,
      ...(n.providers ? { providers: n.providers } : {}),
      ...(n.error ? { error: n.error } : {}),
    })),
    outputs: result.outputs,
    ...(result.error ? { error: result.error } : {}),
  };
}
