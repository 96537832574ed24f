/**
 * `reelgraph` — run, validate and inspect graphs from the terminal.
 * Exit codes: 0 success, 1 run failed (or cancelled), 2 invalid input or graph.
 * Each command lives in cli/commands/; this file builds the program from them.
 */
import { Command, CommanderError } from 'commander';
import { registerDemoCommand } from './commands/demo.js';
import { registerEstimateCommand } from './commands/estimate.js';
import { registerGcCommand } from './commands/gc.js';
import { registerGraphsCommand } from './commands/graphs.js';
import { registerInspectCommand } from './commands/inspect.js';
import { registerNodesCommand } from './commands/nodes.js';
import { registerPinCommands } from './commands/pins.js';
import { registerRunCommand } from './commands/run.js';
import { registerReviewCommands } from './commands/review.js';
import { registerRunsCommand } from './commands/runs.js';
import { registerSaveCommand } from './commands/save.js';
import { registerSeriesCommands } from './commands/series.js';
import { registerSchemaCommand } from './commands/schema.js';
import { registerScriptCommand } from './commands/script.js';
import { registerServerCommands } from './commands/server.js';
import { registerShowCommand } from './commands/show.js';
import { registerValidateCommand } from './commands/validate.js';
import { registerWorkerCommand } from './commands/worker.js';
import { createCliContext, type CliContext } from './context.js';
import { Exit, EXIT } from './exit.js';
import { defaultIo, type Io } from './io.js';

export { EXIT } from './exit.js';

/** In the order `reelgraph --help` lists them. */
const commands: ReadonlyArray<(program: Command, cli: CliContext) => void> = [
  registerWorkerCommand,
  registerRunCommand,
  registerEstimateCommand,
  registerDemoCommand,
  registerValidateCommand,
  registerNodesCommand,
  registerSchemaCommand,
  registerScriptCommand,
  registerSaveCommand,
  registerGraphsCommand,
  registerSeriesCommands,
  registerRunsCommand,
  registerShowCommand,
  registerInspectCommand,
  registerReviewCommands,
  registerPinCommands,
  registerGcCommand,
  registerServerCommands,
];

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof Exit) return error.code;
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    io.err(`reelgraph: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.runFailed;
  }
}

function buildProgram(io: Io): Command {
  const program = new Command('reelgraph')
    .description('Node-graph runtime for narrated video production')
    .option('--data <dir>', 'data directory (artifacts, cache, run records); default $REELGRAPH_DATA or ./.reelgraph')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });
  const cli = createCliContext(program, io);
  for (const register of commands) register(program, cli);
  return program;
}
