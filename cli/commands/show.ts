/** `reelgraph show`: one run's nodes, items, providers and errors. */
import type { Command } from 'commander';
import type { Workspace } from '../../runtime/workspace.js';
import type { CliContext } from '../context.js';
import { describeLocation, formatMs, table } from '../format.js';
import type { Io } from '../io.js';
import { statusSymbols } from '../progress.js';
import { findRun } from '../run-ref.js';

export function registerShowCommand(program: Command, cli: CliContext): void {
  program
    .command('show')
    .description('show a run: nodes, items, providers and errors')
    .argument('<runId>', 'run id (a unique prefix is enough)')
    .option('--json', 'print JSON')
    .action(async (runId: string, options: { json?: boolean }) => {
      const workspace = await cli.openWorkspace();
      try {
        await showCommand(workspace, runId, options, cli.io);
      } finally {
        await workspace.close();
      }
    });
}

async function showCommand(workspace: Workspace, runRef: string, options: { json?: boolean }, io: Io): Promise<void> {
  const run = await findRun(workspace, runRef, io);
  if (options.json) {
    io.out(`${JSON.stringify(run, null, 2)}\n`);
    return;
  }
  // A partial run says so up front: its record holds only the nodes it demanded.
  const scope = run.until !== undefined ? `  until ${run.until}` : run.only !== undefined ? `  only ${run.only}` : '';
  const lines = [`run ${run.id}  ${run.graphName}  ${run.status}  ${formatMs(run.durationMs)}  priority ${run.priority}${scope}`];
  if (run.error) lines.push(`error: ${describeLocation(run.error.location)}${run.error.message}`);
  const rows = table({ head: ['', 'node', 'type', 'status', 'time', 'attempts', 'items', 'error'] });
  for (const node of run.nodes) {
    const items = node.items ? `${node.items.executed} run, ${node.items.cached} cached, ${node.items.failed} failed${node.items.fellBack ? `, ${node.items.fellBack} fell back` : ''}` : '';
    rows.push([statusSymbols[node.status], node.nodeId, node.nodeType, node.status, formatMs(node.durationMs), node.attempts, items, node.error?.message.slice(0, 60) ?? '']);
  }
  lines.push(rows.toString());
  const notable = run.items.filter(
    (item) => item.status === 'failed' || item.status === 'fell-back' || (item.provider && item.provider !== item.nodeId) || item.locked || item.take !== undefined,
  );
  if (notable.length > 0) {
    const itemRows = table({ head: ['node', 'item', 'status', 'pin', 'provider', 'attempts', 'error'] });
    for (const item of notable) {
      // The producer's say over the item (reelgraph lock / regenerate): a locked result, or which take.
      const pin = [item.locked ? 'locked' : '', item.take !== undefined ? `take ${item.take}` : ''].filter(Boolean).join(', ');
      itemRows.push([item.nodeId, item.index, item.status, pin, item.provider ?? '', item.attempts, item.error?.message.slice(0, 60) ?? '']);
    }
    lines.push(itemRows.toString());
  }
  io.out(`${lines.join('\n')}\n`);
}
