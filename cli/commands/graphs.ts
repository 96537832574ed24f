/** `reelgraph graphs`: the stored graphs, or the version history of one. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { isoTime, table } from '../format.js';

export function registerGraphsCommand(program: Command, cli: CliContext): void {
  const { io } = cli;
  program
    .command('graphs')
    .description('list stored graphs, or the version history of one')
    .argument('[id]', 'graph id: show its history')
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, options: { json?: boolean }) => {
      const workspace = await cli.openWorkspace();
      try {
        const data = id ? await workspace.store.graphHistory(id) : await workspace.store.listGraphs();
        if (options.json) return io.out(`${JSON.stringify(data, null, 2)}\n`);
        const rows = id ? table({ head: ['version', 'saved', 'message'] }) : table({ head: ['id', 'name', 'version', 'updated'] });
        for (const row of data) {
          rows.push('id' in row ? [row.id, row.name, row.version, isoTime(row.updatedAt)] : [row.version, isoTime(row.createdAt), row.message ?? '']);
        }
        io.out(data.length ? `${rows.toString()}\n` : id ? `no graph "${id}"\n` : 'no stored graphs\n');
      } finally {
        await workspace.close();
      }
    });
}
