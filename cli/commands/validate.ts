/** `reelgraph validate`: check a graph file and report every problem. */
import type { Command } from 'commander';
import { GraphValidationError, validateGraph } from '../../runtime/contract/index.js';
import type { GraphProblem } from '../../runtime/contract/index.js';
import { loadGraphFile } from '../../runtime/graph-file.js';
import { createBuiltinRegistry } from '../../nodes/index.js';
import type { CliContext } from '../context.js';
import { Exit, EXIT } from '../exit.js';
import type { Io } from '../io.js';
import { isInvalidInput, problemsOf } from '../report-invalid.js';

export function registerValidateCommand(program: Command, { io }: CliContext): void {
  program
    .command('validate')
    .description('check a graph file and report every problem')
    .argument('<graph>', 'graph file')
    .option('--json', 'print {valid, errors}')
    .action(async (file: string, options: { json?: boolean }) => validateCommand(file, options, io));
}

async function validateCommand(file: string, options: { json?: boolean }, io: Io): Promise<void> {
  const registry = createBuiltinRegistry();
  let problems: GraphProblem[];
  let report: string;
  try {
    const { graph } = await loadGraphFile(file);
    problems = validateGraph(graph, registry);
    report = new GraphValidationError(problems, file).message;
  } catch (error) {
    if (!isInvalidInput(error)) throw error;
    problems = problemsOf(error);
    report = error.message;
  }
  if (options.json) {
    io.out(`${JSON.stringify({ valid: problems.length === 0, errors: problems }, null, 2)}\n`);
  } else if (problems.length === 0) {
    io.out(`${file}: valid\n`);
  } else {
    io.err(`${report}\n`);
  }
  if (problems.length > 0) throw new Exit(EXIT.invalid);
}
