/** `reelgraph runs`: the recent runs. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { formatMs, isoTime, table } from '../format.js';
import { positiveInt } from '../options.js';

export function registerRunsCommand(program: Command, cli: CliContext): void {
  const { io } = cli;
  program
    .command('runs')
    .description('list recent runs')
    .option('-n, --limit <n>', 'how many', (v) => positiveInt(v, '--limit'), 20)
    .option('--json', 'print JSON')
    .action(async (options: { limit: number; json?: boolean }) => {
      const workspace = await cli.openWorkspace();
      try {
        const runs = await workspace.store.listRuns({ limit: options.limit });
        if (options.json) return io.out(`${JSON.stringify(runs, null, 2)}\n`);
        const rows = table({ head: ['run', 'graph', 'status', 'started', 'time'] });
        for (const run of runs) {
          rows.push([run.id, run.graphName, run.status, isoTime(run.createdAt), formatMs(run.durationMs)]);
        }
        io.out(runs.length ? `${rows.toString()}\n` : 'no runs yet\n');
      } finally {
        await workspace.close();
      }
    });
}
