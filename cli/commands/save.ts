/** `reelgraph save`: store a graph file as a new version. */
import type { Command } from 'commander';
import { GraphValidationError, validateGraph } from '../../runtime/contract/index.js';
import { loadGraphFile } from '../../runtime/graph-file.js';
import type { CliContext } from '../context.js';
import { Exit, EXIT } from '../exit.js';
import { storedDocument } from '../load-graph.js';
import { reportInvalid } from '../report-invalid.js';

export function registerSaveCommand(program: Command, cli: CliContext): void {
  const { io } = cli;
  program
    .command('save')
    .description('store a graph file as a new version (run it later by id)')
    .argument('<graph>', 'graph file')
    .option('-m, --message <text>', 'what changed in this version')
    .option('--id <id>', 'graph id (default: the document id, or a slug of its name)')
    .action(async (file: string, options: { message?: string; id?: string }) => {
      const workspace = await cli.openWorkspace();
      try {
        const { document, graph } = await loadGraphFile(file, (id) => storedDocument(workspace, id)).catch((error: unknown) => {
          reportInvalid(error, false, io);
          throw new Exit(EXIT.invalid);
        });
        const problems = validateGraph(graph, workspace.registry);
        if (problems.length > 0) {
          io.err(`${new GraphValidationError(problems, file).message}\n`);
          throw new Exit(EXIT.invalid);
        }
        const saved = await workspace.store.saveGraph(document, { ...(options.id ? { id: options.id } : {}), ...(options.message ? { message: options.message } : {}) });
        io.out(`saved ${saved.id} version ${saved.version}\n`);
      } finally {
        await workspace.close();
      }
    });
}
