/** `reelgraph demo`: the example episode through the default pipeline with offline providers (the summary is cli/demo.ts). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { demoDefaults, demoSummary, repoRoot } from '../demo.js';
import { executeRun, exitUnlessDone, renderRunResult, type RunCliOptions } from '../execute-run.js';
import { profileHelp } from '../options.js';

export function registerDemoCommand(program: Command, cli: CliContext): void {
  const { io } = cli;
  program
    .command('demo')
    .description('render an example episode to a finished video with offline providers (no keys, no network)')
    .argument('[episode]', 'episode markdown', demoDefaults.episode)
    .option('-g, --graph <file>', 'pipeline graph (graphs/shorts.json for 9:16)', demoDefaults.graph)
    .option('-o, --out <dir>', 'output directory', demoDefaults.out)
    .option('--no-cache', 'render everything again')
    .option('--profile <name>', profileHelp)
    .action(async (episode: string, options: { graph: string; out: string; cache: boolean; profile?: string }) => {
      const fromRepo = (path: string): string => (existsSync(path) ? path : resolve(repoRoot, path));
      const workspace = await cli.openWorkspace({ offline: true });
      try {
        const runOptions: RunCliOptions = {
          input: [`episode=@${fromRepo(episode)}`],
          out: options.out,
          cache: options.cache,
          priority: 'normal',
          ...(options.profile ? { profile: options.profile } : {}),
        };
        const result = await executeRun(workspace, fromRepo(options.graph), runOptions, io);
        io.out(renderRunResult(result));
        exitUnlessDone(result);
        io.out(demoSummary(result));
      } finally {
        await workspace.close();
      }
    });
}
