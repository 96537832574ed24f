/** `reelgraph nodes`: the node types this runtime knows, as a table or JSON. */
import type { Command } from 'commander';
import { describeNode, formatPortType } from '../../runtime/contract/index.js';
import { createBuiltinRegistry } from '../../nodes/index.js';
import type { CliContext } from '../context.js';
import { table } from '../format.js';
import type { Io } from '../io.js';

export function registerNodesCommand(program: Command, { io }: CliContext): void {
  program
    .command('nodes')
    .description('list the node types this runtime knows')
    .option('--json', 'print the node descriptions as JSON')
    .action((options: { json?: boolean }) => nodesCommand(options, io));
}

function nodesCommand(options: { json?: boolean }, io: Io): void {
  const nodes = createBuiltinRegistry().list();
  if (options.json) {
    io.out(`${JSON.stringify(nodes.map(describeNode), null, 2)}\n`);
    return;
  }
  const rows = table({ head: ['type', 'v', 'category', 'title', 'inputs', 'outputs', 'resource'] });
  const ports = (list: { name: string; type: string; list?: boolean; optional?: boolean }[]): string =>
    list.map((p) => `${p.name}: ${formatPortType({ type: p.type as never, list: p.list ?? false })}${p.optional ? '?' : ''}`).join('\n');
  for (const node of nodes) {
    rows.push([node.type, node.version, node.category, node.title, ports(node.inputs), ports(node.outputs), `${node.resource}${node.mapOver ? `, per item of ${node.mapOver}` : ''}`]);
  }
  io.out(`${rows.toString()}\n`);
}
